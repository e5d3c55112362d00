#!/usr/bin/env bash
# Configures and builds DIR (default build-asan) with clang, AddressSanitizer and UBSan: the
# library, the tests, the tools, the `activ` program and the libFuzzer targets in one build, the
# library with libFuzzer's coverage (-fsanitize=fuzzer-no-link) so that the fuzz targets and the
# tests share its objects. scripts/test.sh runs the tests and scripts/fuzz.sh the fuzz targets
# from it.
#
# -O1 with the Highway targets cut to AVX2 and the portable one: every kernel for every target
# under a sanitizer would be most of the build's time, and these two still cover both kinds of
# code path (whole vectors with a partial last one, and one lane at a time).
#   bash scripts/sanitize-build.sh [DIR [TARGET...]]     (no target: everything)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
shift || true
targets=()
(($#)) && targets=(--target "$@")
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "sanitize-build: clang++ not found (Debian: clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
cxx=$(command -v clang++-14 || command -v clang++)
# Tests are listed when ctest runs (PRE_TEST), not at build time: listing runs each
# instrumented test program, which the build would then do without the caller's setarch.
cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -g" -DACTIV_SANITIZE=address,undefined -DACTIV_BUILD_FUZZERS=ON \
  -DACTIV_BUILD_PYTHON=OFF -DACTIV_BUILD_BENCH=OFF \
  -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST \
  "-DACTIV_DISABLED_TARGETS=${ACTIV_SANITIZER_DISABLED_TARGETS:-HWY_SSSE3|HWY_SSE4|HWY_AVX3}" \
  >/dev/null
cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
