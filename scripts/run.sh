#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the library's own showcase. Until the
# lab (training and its report) lands, that is the function list with the SIMD target and a
# sampled accuracy check of a few activations against the reference.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
for fn in sigmoid gelu silu mish elu softplus; do
  build/tools/activ-accuracy --fn "$fn" --samples 4000000
done
