#!/usr/bin/env bash
# The generated documents, rendered again from their stored data:
#   docs/ACCURACY.md       from docs/accuracy.json (activ-accuracy --write; --update measures)
#   docs/LAB.md            its default-run and speed-table blocks, from docs/lab-default.json
#                          (scripts/lab_default.sh) and docs/lab-speed.json (bench/lab_speed.sh)
#   docs/ROBUSTNESS.md     its test-counts block, from `ctest -N` of the release build
#   docs/PYTHON.md         its accuracy sections, from docs/python.json (python/make_doc.py
#                          measures; its speed sections are kept as they are), where the build
#                          has the Python module
# and docs/SPEC.md's element-wise table checked against include/activ/ops.def.
#
#   bash scripts/docs.sh [--write]   rewrites what differs
#   bash scripts/docs.sh --check     changes nothing; exits 1, with the difference, when a
#                                    document no longer matches what its data renders
#
# Rendering measures nothing, so it takes seconds and gives the same text on any machine. Needs
# the release build (BUILD, default build/: scripts/build.sh) for activ-accuracy and the test
# list. Not covered: docs/PERFORMANCE.md (bench/run.sh keeps the benchmark's JSON in
# build-bench/, not in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="write"
case "${1:-}" in
  --check) mode=check ;;
  --write | "") ;;
  *)
    echo "usage: bash scripts/docs.sh [--write | --check]" >&2
    exit 2
    ;;
esac
build=${BUILD:-build}
accuracy=$build/tools/activ-accuracy
if [ ! -x "$accuracy" ] || [ ! -f "$build/CTestTestfile.cmake" ]; then
  echo "docs: needs the release build in $build (bash scripts/build.sh)" >&2
  exit 2
fi

status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$accuracy" --write "$tmp/ACCURACY.md" --results docs/accuracy.json
if ! cmp -s "$tmp/ACCURACY.md" docs/ACCURACY.md; then
  if [ $mode = check ]; then
    echo "docs: docs/ACCURACY.md differs from what docs/accuracy.json renders" \
      "(bash scripts/docs.sh --write):"
    diff -u docs/ACCURACY.md "$tmp/ACCURACY.md" || true
    status=1
  else
    cp "$tmp/ACCURACY.md" docs/ACCURACY.md
    echo "docs: docs/ACCURACY.md: rewritten"
  fi
else
  echo "docs: docs/ACCURACY.md: up to date"
fi
/usr/bin/python3 scripts/docs_blocks.py $mode --build "$build" || status=1
if compgen -G "$build/python/activ/_activ*.so" >/dev/null &&
  compgen -G "$build/python/testing/_activ_reference*.so" >/dev/null; then
  check=()
  [ $mode = check ] && check=(--check)
  /usr/bin/python3 python/make_doc.py --build "$build" --render "${check[@]}" || status=1
else
  echo "docs: docs/PYTHON.md: not checked (no Python module in $build)"
fi
exit $status
