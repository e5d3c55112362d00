#!/usr/bin/env python3
"""Times activ.torch against torch.nn: forward plus backward of gelu, silu, swiglu and softmax
on [4096, 4096] float32 and bfloat16 tensors, and the fixed cost of a call on small tensors.
One thread on both sides (torch.set_num_threads(1), activ.set_num_threads(1)). Writes the section
"activ.torch against torch.nn" at the end of docs/PYTHON.md (python/make_doc.py keeps it).

    PYTHONPATH=build/python /usr/bin/python3 python/bench_modules.py [--reps 5] [--out FILE]
        [--print-only]

Times are the process's CPU time (user + system, time.process_time), not the wall clock: with one
thread per side that is the time the call computes, whatever share of the CPU the machine's other
work leaves it (on a loaded machine the wall clock measures mostly the waiting). Each large figure
is the median over --reps timed calls after one untimed warm-up call; the two sides run
alternately, one repetition each in turn.
"""

import argparse
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# This folder holds the source package activ/ without its extension: never import that one.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import activ  # noqa: E402
import activ.torch as at  # noqa: E402

TITLE = "## activ.torch against torch.nn: forward and backward\n"
SHAPE = (4096, 4096)
SMALL = (1, 64, 1024)
SMALL_BATCHES, SMALL_CALLS = 30, 100


class TorchSwiGLU(nn.Module):
    def forward(self, gate, up):
        return F.silu(gate) * up


# name: (activ.torch module, torch.nn module, number of inputs)
CASES = {
    "gelu": (at.GELU(), nn.GELU(), 1),
    "silu": (at.SiLU(), nn.SiLU(), 1),
    "swiglu": (at.SwiGLU(), TorchSwiGLU(), 2),
    "softmax": (at.Softmax(dim=-1), nn.Softmax(dim=-1), 1),
}


def _inputs(n_in, shape, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    xs = [(torch.randn(shape, generator=g) * 3).to(dtype) for _ in range(n_in)]
    return xs, torch.randn(shape, generator=g).to(dtype)


def _step(module, xs, dy, backward):
    xs = [x.detach().requires_grad_(backward) for x in xs]
    y = module(*xs)
    if backward:
        y.backward(dy)
    return y


def time_pair(a, b, xs, dy, backward, reps, inner=1):
    """Seconds per call of a and of b, one list of `reps` timings each, alternating; `inner`
    calls per timing."""
    for m in (a, b):
        _step(m, xs, dy, backward)
    ta, tb = [], []
    for _ in range(reps):
        for m, out in ((a, ta), (b, tb)):
            t0 = time.process_time()
            for _ in range(inner):
                _step(m, xs, dy, backward)
            out.append((time.process_time() - t0) / inner)
    return ta, tb


def measure(reps):
    big, small = [], []
    for dtype in (torch.float32, torch.bfloat16):
        for name, (a, b, n_in) in CASES.items():
            xs, dy = _inputs(n_in, SHAPE, dtype)
            ta, tb = map(statistics.median, time_pair(a, b, xs, dy, True, reps))
            big.append((name, str(dtype).replace("torch.", ""), ta, tb))
            print(f"{name} {dtype}: activ.torch {ta * 1e3:.1f} ms, torch.nn {tb * 1e3:.1f} ms",
                  flush=True)
    for name, (a, b, n_in) in CASES.items():
        for backward in (False, True):
            row = []
            for n in SMALL:
                xs, dy = _inputs(n_in, (n,), torch.float32)
                # The fastest batch: on a loaded machine the others measure the load.
                row.append(tuple(map(min, time_pair(a, b, xs, dy, backward, SMALL_BATCHES,
                                                    inner=SMALL_CALLS))))
            small.append((name, backward, row))
            print(f"{name} small {'fwd+bwd' if backward else 'fwd'}: "
                  + ", ".join(f"{ta * 1e6:.1f}/{tb * 1e6:.1f} us" for ta, tb in row), flush=True)
    return big, small


def _cpu():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def render(big, small, reps, load_before, load_after, seconds):
    n = SHAPE[0] * SHAPE[1]
    L = [TITLE]
    L.append(
        f"`python/bench_modules.py` (writes this section; `python/make_doc.py` keeps it). "
        f"activ.torch's modules (`GELU()`, `SiLU()`, `SwiGLU()`, `Softmax(dim=-1)`) against "
        f"torch.nn's (`nn.GELU()`, `nn.SiLU()`, `F.silu(gate) * up`, `nn.Softmax(dim=-1)`): one "
        f"forward and one backward call through autograd (`y = m(x); y.backward(dy)`, inputs "
        f"requiring grad), on [{SHAPE[0]}, {SHAPE[1]}] tensors, each side allocating its "
        f"results. One thread on both sides (`torch.set_num_threads(1)`, "
        f"`activ.set_num_threads(1)`). Times are CPU time of the process (user + system, "
        f"`time.process_time`), not the wall clock: with one thread that is the time the call "
        f"computes, whatever share of the CPU the other work on the machine leaves it. The "
        f"median of {reps} calls after a warm-up call, the two sides alternating. activ "
        f"{activ.__version__}, SIMD target {activ.simd_target()}; PyTorch {torch.__version__}; {_cpu()}, {os.cpu_count()} cores.\n")
    L.append(
        f"Load: this machine is shared with other work (builds and tests of other sessions); the "
        f"load average (1, 5, 15 min) was {', '.join(f'{v:.1f}' for v in load_before)} before "
        f"the run and {', '.join(f'{v:.1f}' for v in load_after)} after it ({seconds:.0f} s), "
        f"on {os.cpu_count()} cores. CPU time leaves out the waiting, not the contention: "
        f"other processes share the caches and the memory bandwidth, so a figure can still be "
        f"off by some tens of percent; the alternation puts the same load on both sides of a "
        f"ratio.\n")
    L.append("| function | dtype | activ.torch ms | torch.nn ms | activ.torch ns/element | "
             "torch.nn ns/element | torch.nn / activ.torch |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    for name, dtype, ta, tb in big:
        L.append(f"| {name} | {dtype} | {ta * 1e3:.1f} | {tb * 1e3:.1f} | {ta / n * 1e9:.2f} | "
                 f"{tb / n * 1e9:.2f} | {tb / ta:.2f} |")
    L.append("")
    L.append("Ratios above 1: activ.torch is faster. swiglu's figures are per output element "
             "(two inputs of that shape); torch.nn's side is two operations (silu, then the "
             "product) and keeps the silu output for its backward, activ's is one fused kernel "
             "each way.\n")
    L.append("### The fixed cost of a call\n")
    L.append(
        f"float32 tensors of {', '.join(str(s) for s in SMALL)} elements: microseconds per "
        f"call, forward alone and forward plus backward, from the fastest of {SMALL_BATCHES} "
        f"batches of {SMALL_CALLS} calls (on a loaded machine the slower batches measure the "
        f"load, not the call). At these sizes the kernels take next to nothing and the figure "
        f"is the cost of the call: autograd, the checks, and for activ.torch the NumPy views of the tensors "
        f"and the dispatch through the Python bindings.\n")
    L.append("| function | pass | " + " | ".join(
        f"{s} el.: activ.torch µs | torch.nn µs" for s in SMALL) + " | activ.torch extra µs |")
    L.append("|---|---|" + "---:|---:|" * len(SMALL) + "---:|")
    extras = []
    for name, backward, row in small:
        extra = row[0][0] - row[0][1]
        extras.append((backward, extra))
        L.append(f"| {name} | {'fwd+bwd' if backward else 'fwd'} | "
                 + " | ".join(f"{ta * 1e6:.1f} | {tb * 1e6:.1f}" for ta, tb in row)
                 + f" | {extra * 1e6:.1f} |")
    L.append("")
    fwd = [e for b, e in extras if not b]
    both = [e for b, e in extras if b]
    last = [row[-1][0] - row[-1][1] for _, _, row in small]
    L.append(
        f"activ.torch extra µs: activ.torch's time minus torch.nn's at {SMALL[0]} element, the "
        f"fixed cost activ.torch adds per call: {min(fwd) * 1e6:.1f} to {max(fwd) * 1e6:.1f} µs "
        f"forward, {min(both) * 1e6:.1f} to {max(both) * 1e6:.1f} µs forward plus backward "
        f"(at {SMALL[-1]} elements the difference is {min(last) * 1e6:.1f} to "
        f"{max(last) * 1e6:.1f} µs). It is the price of going through NumPy views and the "
        f"Python bindings on every call; in a model it matters only for small tensors.\n")
    return "\n".join(L)


def write(path, section):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if TITLE in text:
        text = text[:text.index(TITLE)]
    text = text.rstrip("\n") + "\n\n" + section
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--out", default=os.path.join(ROOT, "docs", "PYTHON.md"))
    p.add_argument("--print-only", action="store_true", help="print the section, write nothing")
    args = p.parse_args()
    torch.set_num_threads(1)
    activ.set_num_threads(1)
    load_before, t0 = os.getloadavg(), time.time()
    big, small = measure(args.reps)
    section = render(big, small, args.reps, load_before, os.getloadavg(), time.time() - t0)
    print(section)
    if not args.print_only:
        write(args.out, section)
        print(f"bench_modules: wrote the section to {args.out}")


if __name__ == "__main__":
    main()
