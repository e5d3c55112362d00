#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs `activ lab` with its defaults — the
# lab's comparison of six activations on Fashion-MNIST when it is installed, else on the
# built-in spirals (about two minutes on two idle cores). It ends with the comparison table,
# the plain-language reading, and the HTML report to open in a browser:
# build/lab-default/report.html (with log.jsonl, summary.csv and summary.json beside it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
build/cli/activ lab --out build/lab-default
echo
echo "summary: $(pwd)/build/lab-default/summary.csv"
cut -d, -f2,3,7,13,14 build/lab-default/summary.csv | tr , "\t"
echo
echo "report: file://$(pwd)/build/lab-default/report.html"
