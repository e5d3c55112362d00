#!/usr/bin/env bash
# The lab against PyTorch on one epoch of Fashion-MNIST: 784-512-256-256-128-10 ReLU, SGD with
# momentum, batch 256, on 1 and 2 threads. Each side trains EPOCHS epochs (default 2) per
# repetition and the fastest epoch of REPS repetitions (default 2) is kept; the two sides take
# turns so that a busy machine slows both alike. Prints a Markdown table and stores the figures in
# docs/lab-speed.json (LAB_SPEED_JSON: another file), from which `bash scripts/docs.sh` renders
# docs/LAB.md's table. Needs build/ (scripts/build.sh) and Debian's python3-torch. PyTorch's GEMMs run
# in OpenBLAS, which bench/lab_speed.py pins to the same thread count as the lab's
# (LAB_SPEED_TORCH_BLAS=all leaves it on every core, as torch.set_num_threads alone does).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-2}
reps=${REPS:-2}
bench=${LAB_BENCH:-build/lab/activ-lab-bench}  # LAB_BENCH: another build's binary
[ -x "$bench" ] || { echo "lab_speed: build first (bash scripts/build.sh)" >&2; exit 1; }

best() {  # the smallest train_seconds of the JSON lines on stdin
  /usr/bin/python3 -c 'import json,sys; print(min(json.loads(l)["train_seconds"] for l in sys.stdin if "train_seconds" in l))'
}

declare -A lab torch
load_min=1e9
load_max=0
note_load() {
  local l
  l=$(cut -d' ' -f1 /proc/loadavg)
  load_min=$(/usr/bin/python3 -c "print(min($load_min, $l))")
  load_max=$(/usr/bin/python3 -c "print(max($load_max, $l))")
}
note_load
for threads in 1 2; do
  lab[$threads]=1e9
  torch[$threads]=1e9
  for ((r = 0; r < reps; ++r)); do
    l=$("$bench" speed --threads "$threads" --epochs "$epochs" | best)
    t=$(/usr/bin/python3 bench/lab_speed.py "$threads" "$epochs" | best)
    lab[$threads]=$(/usr/bin/python3 -c "print(min(${lab[$threads]}, $l))")
    torch[$threads]=$(/usr/bin/python3 -c "print(min(${torch[$threads]}, $t))")
    echo "threads $threads, repetition $((r + 1)): lab ${l} s, PyTorch ${t} s (load average" \
      "$(cut -d' ' -f1-3 /proc/loadavg))" >&2
    note_load
  done
done
echo "| threads | lab epoch (s) | PyTorch epoch (s) | lab speed-up over PyTorch |"
echo "|---|---|---|---|"
for threads in 1 2; do
  /usr/bin/python3 -c "l, t = ${lab[$threads]}, ${torch[$threads]}; print(f'| $threads | {l:.2f} | {t:.2f} | {t / l:.2f}x |')"
done
/usr/bin/python3 -c "print(f'\nlab, 2 threads over 1: {${lab[1]} / ${lab[2]}:.2f}x; PyTorch: {${torch[1]} / ${torch[2]}:.2f}x')"
json=${LAB_SPEED_JSON:-docs/lab-speed.json}
/usr/bin/python3 - "$json" <<EOF
import json, os, sys
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
d = {"source": "bench/lab_speed.sh, $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')",
     "command": "REPS=$reps EPOCHS=$epochs bash bench/lab_speed.sh", "reps": $reps, "epochs": $epochs,
     "machine": f"{os.cpu_count()} cores ({cpu})",
     "load": "load average $load_min to $load_max during the run",
     "cells": [{"threads": 1, "lab": ${lab[1]}, "torch": ${torch[1]}},
               {"threads": 2, "lab": ${lab[2]}, "torch": ${torch[2]}}]}
with open(sys.argv[1] + ".tmp", "w") as f:
    json.dump(d, f, indent=1, ensure_ascii=False)
    f.write("\n")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
echo "lab_speed: figures in $json; bash scripts/docs.sh renders docs/LAB.md from them" >&2
