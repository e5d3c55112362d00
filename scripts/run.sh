#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs the lab's default experiment (six
# activations on Fashion-MNIST when it is installed, else the built-in spirals; about a minute
# on two idle cores) and renders its report: build/lab-default/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
build/lab/activ-lab-bench default --out build/lab-default
build/cli/activ report build/lab-default
echo "report: $(pwd)/build/lab-default/report.html"
