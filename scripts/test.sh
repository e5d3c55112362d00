#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (the `slow` label excepted: the
# exhaustive checks run with `ctest --test-dir build -L slow`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
ctest --test-dir build -LE slow --output-on-failure -j "$(nproc)"
