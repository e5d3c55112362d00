#!/usr/bin/env bash
# Installs what is missing, builds, and runs the per-commit checks (what CI runs):
#   1. the release build (GCC), the generated documents against their stored data
#      (scripts/docs.sh --check: seconds) and every test not labelled slow;
#   2. every C++ and command-line test under AddressSanitizer + UBSan (GCC);
#   3. a short smoke run of every libFuzzer target (clang; ACTIV_FUZZ_SECONDS each, default 10:
#      it replays the committed corpus and explores a little);
#   4. the multi-threaded tests under ThreadSanitizer (GCC).
# ACTIV_QUICK=1 stops after the release tests. Each stage's wall and CPU time is printed at the end.
#
#   bash scripts/test.sh          the per-commit checks (what CI runs)
#   bash scripts/test.sh --full   adds the long checks: every fuzz target for
#                                 ACTIV_FUZZ_LONG_SECONDS (default 600) each, the exhaustive
#                                 float32 checks over all 2^32 inputs and the float64 MPFR
#                                 sweeps of 2^27 inputs (ctest label slow): hours on two cores
#
# Why the sanitizer stages are separate builds: clang's ASan and UBSan cost 2.5 to 6 times GCC's
# on the SIMD units (the sigmoid unit: GCC ASan+UBSan 15 s of CPU at -O1, clang with no sanitizer
# 12 s, clang ASan alone or UBSan alone over 30 s, both together about 75 s), so one clang build
# for the tests and the fuzz targets costs more than a GCC build for the tests plus a clang build
# for the fuzz targets whose SIMD units are left uninstrumented (scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
case "${1:-}" in
  --full) full=1 ;;
  "") ;;
  *)
    echo "usage: bash scripts/test.sh [--full]" >&2
    exit 2
    ;;
esac
jobs=$(nproc)
times=()
# CPU seconds used so far by this script's finished children (user + system), from /proc: on a
# shared machine the wall time swings with the load, the CPU time much less.
cpu_seconds() {
  local f
  if ! read -r -a f </proc/$$/stat 2>/dev/null; then
    echo 0
    return
  fi
  echo $(((f[15] + f[16]) / $(getconf CLK_TCK)))
}
stage() {  # stage NAME COMMAND...: runs the command and records its wall and CPU time
  local name=$1 start=$SECONDS cpu
  cpu=$(cpu_seconds)
  shift
  echo "== $name"
  "$@"
  times+=("$(printf '%-38s %5d s wall %6d s CPU' "$name" $((SECONDS - start)) \
    $(($(cpu_seconds) - cpu)))")
}
summary() {
  echo "== stage times (load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null))"
  printf '%s\n' "${times[@]}"
  printf '%-38s %5d s wall %6d s CPU\n' "total" "$SECONDS" "$(cpu_seconds)"
}
trap summary EXIT

stage "dependencies" bash scripts/deps.sh
stage "release build" bash scripts/build.sh
stage "generated docs" bash scripts/docs.sh --check
stage "release tests" ctest --test-dir build -LE slow --output-on-failure -j "$jobs"
[ "${ACTIV_QUICK:-}" = 1 ] && exit 0

# GCC 12's TSan and ASan runtimes can fail at start on kernels with 32 bits of mmap
# randomisation ("unexpected memory mapping"); the instrumented programs run without address
# randomisation where that is allowed. Their tests are listed when ctest runs (PRE_TEST), not at
# build time, so that listing runs under the same setarch.
norandom=()
setarch "$(uname -m)" -R true 2>/dev/null && norandom=(setarch "$(uname -m)" -R)
# Accuracy is the release build's job, so the instrumented builds' accuracy sweeps are smaller.
export ACTIV_TEST_SWEEP_DIVISOR=16
# -g1: line tables are all a sanitizer's report needs; full debug information made the
# instrumented compiles about a quarter longer (lab_test.cc under ASan+UBSan: 25.4 s of CPU with
# -g, 20.3 s with -g1).
configure_sanitized() {  # configure_sanitized DIR SANITIZERS [CMAKE ARGS...]
  local dir=$1 sanitizers=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
    -DACTIV_SANITIZE="$sanitizers" -DACTIV_WERROR=ON -DACTIV_BUILD_PYTHON=OFF \
    -DACTIV_BUILD_BENCH=OFF -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST "$@" >/dev/null
}

# Every C++ test and every test of the `activ` program; the Python module's tests (label python)
# are left out: /usr/bin/python3 cannot load a library built with ASan without LD_PRELOAD of the
# runtime, and their subject, the bindings, is not built here. The SIMD units are compiled for
# AVX2 and the portable target: one vector target and the one-lane fallback cover both kinds of
# loop (whole vectors with a partial last one, and one lane at a time).
asan_build() {
  configure_sanitized build-asan address,undefined \
    "-DACTIV_DISABLED_TARGETS=${ACTIV_SANITIZER_DISABLED_TARGETS:-HWY_SSSE3|HWY_SSE4|HWY_AVX3}"
  cmake --build build-asan -j "$jobs"
}
stage "asan+ubsan build" asan_build
stage "asan+ubsan tests" "${norandom[@]}" ctest --test-dir build-asan -LE "slow|python" \
  --output-on-failure -j "$jobs"
stage "fuzz build and smoke (${ACTIV_FUZZ_SECONDS:-10} s per target)" \
  bash scripts/fuzz.sh "${ACTIV_FUZZ_SECONDS:-10}"

# The tests that start threads: the threading tests, the row-wise and gated calls split across
# cores, and the lab's runs side by side. Only their programs are built, with the SIMD units for
# AVX2 and the portable target as above.
tsan_build() {
  configure_sanitized build-tsan thread \
    "-DACTIV_DISABLED_TARGETS=${ACTIV_SANITIZER_DISABLED_TARGETS:-HWY_SSSE3|HWY_SSE4|HWY_AVX3}"
  local targets
  mapfile -t targets < <(cmake --build build-tsan --target help |
    grep -oE '^(threading|rowwise|gated|lab)_test' | sort -u)
  cmake --build build-tsan -j "$jobs" --target "${targets[@]}"
}
stage "tsan build" tsan_build
# Left out here, run in the two stages above: the learning tests (three epochs of Fashion-MNIST
# per activation, a third of this stage's time) train on one thread, nothing for TSan to watch;
# the row-wise accuracy sweeps (a third of what remained) measure rounding, and the row-wise calls
# they make across threads are made by the special-value and threading tests here too.
# robustness_test (labels lab and robustness) is not built here: its checks of bad files and
# full disks run on one thread, in the two stages above.
stage "tsan tests" "${norandom[@]}" ctest --test-dir build-tsan -L "threads|rowwise|gated|lab" \
  -LE robustness -E "LearnsFashionMnist|RowwiseAccuracy" --output-on-failure -j "$jobs"

if ((full)); then
  stage "fuzzing (${ACTIV_FUZZ_LONG_SECONDS:-600} s per target)" \
    bash scripts/fuzz.sh "${ACTIV_FUZZ_LONG_SECONDS:-600}"
  stage "slow: exhaustive and MPFR sweeps" ctest --test-dir build -L slow --output-on-failure \
    -j "$jobs"
fi
