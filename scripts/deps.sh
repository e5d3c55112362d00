#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, and only those that are missing.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config   # build
  libhwy-dev                         # SIMD kernels with runtime dispatch
  libgtest-dev                       # tests
  libmpfr-dev                        # the MPFR reference (reference/mpfr_reference.cc)
  clang-14 libclang-rt-14-dev        # libFuzzer targets (scripts/fuzz.sh)
  python3-dev pybind11-dev           # the Python module (python/), for /usr/bin/python3
  python3-numpy python3-torch        # its tests, against PyTorch
  python3-pip python3-setuptools python3-wheel  # pip install . (setup.py; its test)
  libopenblas-dev zlib1g-dev nlohmann-json3-dev dataset-fashion-mnist   # the lab
  libcli11-dev libfmt-dev  # the activ program (cli/)
  chromium fonts-dejavu-core         # cli tests: the report opened in headless Chromium
)

source "$(dirname "${BASH_SOURCE[0]}")/install-missing.sh"
install_missing "${packages[@]}"
