#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS (default 60) from its committed seed corpus (and
# fuzz/NAME.dict when there is one). New inputs go to a scratch corpus, not into the repository;
# a crash leaves its input in BUILD/crashes/ and fails the script.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
# The targets come from the instrumented build of scripts/sanitize-build.sh (clang, ASan, UBSan),
# in ACTIV_FUZZ_BUILD (default build-asan), which is configured or brought up to date first: the
# tests of scripts/test.sh and the fuzz targets share its objects.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build=${ACTIV_FUZZ_BUILD:-build-asan}
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzzer.cc; do targets+=("$(basename "$f" .cc)"); done
fi
# clang 14's ASan runtime can fail at start on kernels with 32 bits of mmap randomisation.
norandom=()
setarch "$(uname -m)" -R true 2>/dev/null && norandom=(setarch "$(uname -m)" -R)
"${norandom[@]}" bash scripts/sanitize-build.sh "$build" "${targets[@]}"
mkdir -p "$build"/crashes
for t in "${targets[@]}"; do
  name=${t%_fuzzer}
  scratch=$build/corpus/$name
  mkdir -p "$scratch"
  dict=()
  [ -f fuzz/"$name".dict ] && dict=(-dict=fuzz/"$name".dict)
  echo "fuzz: $t for ${seconds}s"
  rc=0
  "${norandom[@]}" "$build"/fuzz/"$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=20 \
    "${dict[@]}" -artifact_prefix="$build"/crashes/"$name"- "$scratch" fuzz/corpus/"$name" \
    >"$build"/"$name".log 2>&1 || rc=$?
  grep -E "^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|stat::new_units_added|==[0-9]+==ERROR|SUMMARY|fuzz invariant)" \
    "$build"/"$name".log || true
  if ls "$build"/crashes/"$name"-* >/dev/null 2>&1 || ((rc != 0)); then
    tail -40 "$build"/"$name".log >&2
    echo "fuzz: $t failed (exit status $rc): $(ls "$build"/crashes/"$name"-* 2>/dev/null)" >&2
    exit 1
  fi
done
