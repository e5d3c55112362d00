#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the lab's default experiment (six
# activations on Fashion-MNIST when it is installed, else the built-in spirals; about a minute
# on two idle cores). It ends with the comparison table; the per-epoch, per-layer record is in
# build/lab-default/log.jsonl and the summary in build/lab-default/summary.{csv,json}.
# (The HTML report of `activ report` reads an earlier draft of the log format; wiring it to the
# lab's files comes with `activ lab`.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
build/lab/activ-lab-bench default --out build/lab-default
echo
echo "summary: $(pwd)/build/lab-default/summary.csv"
cut -d, -f2,3,7,13,14 build/lab-default/summary.csv | tr , "\t"
