#!/usr/bin/env bash
# Runs the lab's default experiment twice, with its default `--init auto` and with
# `--init pytorch`, and stores what docs/LAB.md shows of them in docs/lab-default.json: each
# run's summary records, the gradient RMS ratio at initialisation from its log, the wall and CPU
# time and the machine's load. Then renders docs/LAB.md's block from it (scripts/docs.sh).
# Needs build/ (scripts/build.sh); minutes on two cores. The run directories are kept in
# build/lab-default-auto and build/lab-default-pytorch.
set -euo pipefail
cd "$(dirname "$0")/.."
activ=${ACTIV:-build/cli/activ}
[ -x "$activ" ] || { echo "lab_default: build first (bash scripts/build.sh)" >&2; exit 1; }

loads=()
run() {  # run DIR FLAGS...: times one experiment; sets wall and cpu
  local dir=$1 times
  shift
  rm -rf "$dir"
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  times=$( { /usr/bin/time -f '%e %U' "$activ" lab --out "$dir" --quiet "$@" >/dev/null; } 2>&1 |
    tail -1)
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  read -r wall cpu <<<"$times"
}
run build/lab-default-auto
auto_wall=$wall auto_cpu=$cpu
run build/lab-default-pytorch --init pytorch
load=$(printf '%s\n' "${loads[@]}" | sort -g | sed -n '1p;$p' | paste -sd' ')
/usr/bin/python3 scripts/docs_blocks.py ingest-lab-default build/lab-default-auto \
  --compare build/lab-default-pytorch --compare-flag "--init pytorch" \
  --command "activ lab --out DIR --quiet" \
  --machine "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))" \
  --load "load average ${load/ / to } at the start and end of each run" \
  --source "scripts/lab_default.sh, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)" \
  --wall "$auto_wall" --cpu "$auto_cpu" --compare-wall "$wall" --compare-cpu "$cpu"
bash scripts/docs.sh --write
