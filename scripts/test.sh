#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test of the release build; then the C++ tests
# under AddressSanitizer + UBSan, the multi-threaded ones under ThreadSanitizer, and a short run
# of every fuzz target (ACTIV_FUZZ_SECONDS each, default 30). ACTIV_QUICK=1 stops after the
# release tests. The exhaustive float32 checks (label `slow`, hours) run with
# `ctest --test-dir build -L slow`. Each stage's wall time is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
times=()
stage() {  # stage NAME COMMAND...: runs the command and records its wall time
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@"
  times+=("$(printf '%-34s %4d s' "$name" $((SECONDS - start)))")
}
summary() {
  echo "== stage times"
  printf '%s\n' "${times[@]}"
}
trap summary EXIT

stage "dependencies" bash scripts/deps.sh
stage "release build" bash scripts/build.sh
stage "release tests" ctest --test-dir build -LE slow --output-on-failure -j "$jobs"
[ "${ACTIV_QUICK:-}" = 1 ] && exit 0

# The sanitizer builds look for memory errors, undefined behaviour and data races; accuracy is
# the release build's job, so their accuracy sweeps are smaller (ACTIV_TEST_SWEEP_DIVISOR). They
# compile the AVX2 and the portable Highway targets only: src/dispatch.cc's every kernel for
# every target under a sanitizer is most of the build's time, and these two still cover both
# kinds of code path (vectors with partial last vectors, and one lane at a time).
disabled_targets=${ACTIV_SANITIZER_DISABLED_TARGETS:-HWY_SSSE3|HWY_SSE4|HWY_AVX3}
configure_sanitized() {  # configure_sanitized DIR SANITIZERS
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
    -DACTIV_SANITIZE="$2" -DACTIV_WERROR=ON -DACTIV_BUILD_PYTHON=OFF -DACTIV_BUILD_BENCH=OFF \
    "-DACTIV_DISABLED_TARGETS=$disabled_targets" >/dev/null
}
export ACTIV_TEST_SWEEP_DIVISOR=16
# GCC 12's TSan and ASan runtimes fail at start on kernels with 32 bits of mmap randomisation
# ("unexpected memory mapping"); the tests run without address randomisation where allowed.
norandom=()
setarch "$(uname -m)" -R true 2>/dev/null && norandom=(setarch "$(uname -m)" -R)

# Every C++ test and every test of the `activ` program; the Python module's tests (label
# python) are left out: /usr/bin/python3 cannot load a library built with ASan without
# LD_PRELOAD of the runtime, and their subject, the bindings, is not built here.
configure_sanitized build-asan address,undefined
stage "asan+ubsan build" cmake --build build-asan -j "$jobs"
stage "asan+ubsan tests" "${norandom[@]}" ctest --test-dir build-asan -LE "slow|python" --output-on-failure -j "$jobs"

# The tests that start threads: the threading tests where there are some, the row-wise and gated
# calls split across cores, and the lab's runs side by side. Only their executables are built.
configure_sanitized build-tsan thread
mapfile -t tsan_targets < <(cmake --build build-tsan --target help |
  grep -oE '^(threading|rowwise|gated|lab)_test' | sort -u)
stage "tsan build" cmake --build build-tsan -j "$jobs" --target "${tsan_targets[@]}"
stage "tsan tests" "${norandom[@]}" ctest --test-dir build-tsan -L "threads|rowwise|gated|lab" \
  --output-on-failure -j "$jobs"

stage "fuzzing (${ACTIV_FUZZ_SECONDS:-30} s per target)" bash scripts/fuzz.sh "${ACTIV_FUZZ_SECONDS:-30}"
