#!/usr/bin/env bash
# Checks that the C++ sources follow .clang-format (Google style, 100 columns) without changing
# them. Lists the files that would change and exits 1 if there are any; fix one with
# `clang-format -i FILE`. Registry files (*.def) are not checked: their aligned columns are
# hand-made. CLANG_FORMAT=... picks the binary; clang-format-14 is preferred, as in CI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

clang_format=${CLANG_FORMAT:-}
if [[ -z "$clang_format" ]]; then
  for candidate in clang-format-14 clang-format; do
    if command -v "$candidate" > /dev/null; then
      clang_format=$candidate
      break
    fi
  done
fi
if [[ -z "$clang_format" ]]; then
  echo "format_check: no clang-format found (install clang-format-14 or set CLANG_FORMAT)" >&2
  exit 2
fi

dirs=()
for dir in include src io reference accuracy tests tools bench lab cli python; do
  [[ -d "$dir" ]] && dirs+=("$dir")
done
if [[ ${#dirs[@]} -eq 0 ]]; then
  echo "format_check: none of the source directories exist" >&2
  exit 2
fi

# Inside a git checkout, the files git knows or would add (build outputs are ignored there);
# otherwise every file, skipping build directories.
files=()
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  while IFS= read -r -d '' f; do
    [[ -f "$f" ]] && files+=("$f")
  done < <(git ls-files -z --cached --others --exclude-standard -- \
             "${dirs[@]/%//*.cc}" "${dirs[@]/%//*.h}")
else
  while IFS= read -r -d '' f; do
    files+=("$f")
  done < <(find "${dirs[@]}" -type d -name 'build*' -prune -o \
             -type f \( -name '*.cc' -o -name '*.h' \) -print0 | sort -z)
fi

failed=()
for f in "${files[@]}"; do
  if ! "$clang_format" --dry-run --Werror "$f" > /dev/null 2>&1; then
    failed+=("$f")
  fi
done

echo "format_check: $clang_format, ${#files[@]} files"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "format_check: ${#failed[@]} file(s) not formatted (see: $clang_format --dry-run FILE):"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
echo "format_check: all formatted"
