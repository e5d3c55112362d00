#!/usr/bin/env bash
# Installs what the benchmark (bench/, bench/run.sh) needs and only what is missing: Google
# Benchmark and the peer libraries it compares against. Optional: the library, its tests and CI
# need none of these (scripts/deps.sh installs those).
set -euo pipefail

packages=(
  libbenchmark-dev                       # Google Benchmark
  libdnnl-dev ocl-icd-opencl-dev         # oneDNN eltwise primitives (its CMake config needs OpenCL)
  libxnnpack-dev libpthreadpool-dev      # XNNPACK operators and their thread pool
  libtorch-dev                           # PyTorch's C++ library (ATen)
  libeigen3-dev                          # Eigen array expressions
)

source "$(dirname "${BASH_SOURCE[0]}")/install-missing.sh"
install_missing "${packages[@]}"
