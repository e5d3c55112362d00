#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, AddressSanitizer and UBSan, and runs each one for
# SECONDS (default 60) from its committed seed corpus (and fuzz/NAME.dict when there is one).
# New inputs go to a scratch corpus, not into the repository; a crash leaves its input in
# build-fuzz/crashes/ and fails the script.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# The SIMD units are compiled for AVX2 and the portable target, as in the sanitizer build of
# scripts/test.sh, but without sanitizers or coverage (fuzz/CMakeLists.txt says why). (Compiled
# for AVX2 alone with clang's -march=haswell, the kernels_fuzzer's seed corpus found tanhshrink
# beyond 1 ULP on special values; that build is not used until the cause is known.)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found (Debian: clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
cxx=$(command -v clang++-14 || command -v clang++)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -g1" -DACTIV_BUILD_FUZZERS=ON -DACTIV_BUILD_TESTS=OFF \
  -DACTIV_BUILD_TOOLS=OFF -DACTIV_BUILD_PYTHON=OFF -DACTIV_BUILD_BENCH=OFF \
  -DACTIV_SANITIZE=address,undefined \
  "-DACTIV_DISABLED_TARGETS=${ACTIV_SANITIZER_DISABLED_TARGETS:-HWY_SSSE3|HWY_SSE4|HWY_AVX3}" \
  >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzzer.cc; do targets+=("$(basename "$f" .cc)"); done
fi
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"
mkdir -p build-fuzz/crashes
# clang 14's ASan runtime can fail at start on kernels with 32 bits of mmap randomisation.
norandom=()
setarch "$(uname -m)" -R true 2>/dev/null && norandom=(setarch "$(uname -m)" -R)
# One target per core at a time: a smoke run of SECONDS per target then takes about
# SECONDS * targets / cores.
run_target() {  # run_target TARGET: 0 when it ran its time without a crash or a failed check
  local t=$1 name=${1%_fuzzer} rc=0
  local scratch=build-fuzz/corpus/$name
  mkdir -p "$scratch"
  local dict=()
  [ -f fuzz/"$name".dict ] && dict=(-dict=fuzz/"$name".dict)
  "${norandom[@]}" build-fuzz/fuzz/"$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 \
    "${dict[@]}" -artifact_prefix=build-fuzz/crashes/"$name"- "$scratch" fuzz/corpus/"$name" \
    >build-fuzz/"$name".log 2>&1 || rc=$?
  if ls build-fuzz/crashes/"$name"-* >/dev/null 2>&1 || ((rc != 0)); then
    echo "$rc" >build-fuzz/"$name".failed
  fi
}
rm -f build-fuzz/*.failed
jobs=$(nproc)
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
  echo "fuzz: $t for ${seconds}s"
  run_target "$t" &
  running=$((running + 1))
done
wait
failed=0
for t in "${targets[@]}"; do
  name=${t%_fuzzer}
  echo "fuzz: $t"
  grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|fuzz invariant)" \
    build-fuzz/"$name".log || true
  if [ -f build-fuzz/"$name".failed ]; then
    tail -40 build-fuzz/"$name".log >&2
    echo "fuzz: $t failed (exit status $(cat build-fuzz/"$name".failed)):" \
      "$(ls build-fuzz/crashes/"$name"-* 2>/dev/null)" >&2
    failed=1
  fi
done
exit "$failed"
