#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test of the release build. The exhaustive
# float32 checks (label `slow`, hours) run with `ctest --test-dir build -L slow`.
# ACTIV_FULL=1 adds the C++ suites under AddressSanitizer + UBSan and ThreadSanitizer and a short
# run of every fuzz target; they join the CI run once the robustness work has them verified.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
bash scripts/deps.sh
bash scripts/build.sh
ctest --test-dir build -LE slow --output-on-failure -j "$jobs"
[ "${ACTIV_FULL:-}" = 1 ] || exit 0

# The sanitizer builds look for memory errors, undefined behaviour and data races; accuracy is
# the release build's job, so their accuracy sweeps are smaller (ACTIV_TEST_SWEEP_DIVISOR).
sanitized() {  # sanitized DIR SANITIZERS CTEST-ARGS...
  local dir=$1 sanitizers=$2
  shift 2
  echo "== tests under -fsanitize=$sanitizers"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g" \
    -DACTIV_SANITIZE="$sanitizers" -DACTIV_WERROR=ON -DACTIV_BUILD_PYTHON=OFF \
    -DACTIV_BUILD_BENCH=OFF >/dev/null
  cmake --build "$dir" -j "$jobs"
  ACTIV_TEST_SWEEP_DIVISOR=16 ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@"
}
sanitized build-asan address,undefined -LE "slow|python|browser|install"
sanitized build-tsan thread -L "threads|rowwise|gated"

echo "== fuzzing, 15 s per target"
bash scripts/fuzz.sh 15
