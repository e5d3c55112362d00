#!/usr/bin/env python3
"""activ inside a real PyTorch model: a transformer-style feed-forward network trained on
Fashion-MNIST, once with activ.torch's modules and once with torch.nn's, from the same initial
weights on the same batches, side by side.

Each image is a sequence of its 28 rows (tokens of 28 pixels). The network embeds the rows,
adds a learned position embedding, and runs pre-norm residual blocks
    x = x + W_down(SwiGLU(W_gate(LayerNorm(x)), W_up(LayerNorm(x))))
then a final LayerNorm, a linear head over the flattened sequence and log-softmax. The activ
model takes its SwiGLU (activ.torch.SwiGLU) and its LogSoftmax (activ.torch.LogSoftmax) from
activ; the torch.nn model is F.silu(gate) * up and nn.LogSoftmax. Everything else (the linear
layers, LayerNorm, AdamW) is PyTorch's, the same in both.

A third run, the torch.nn model from its initial weights moved by one float32 ULP, is the
yardstick of float32 noise: two float32 trainings never follow one curve exactly, and that is how
far apart two that should be the same drift.

    /usr/bin/python3 examples/ffn_fashion_mnist.py                    # one epoch, three models
    /usr/bin/python3 examples/ffn_fashion_mnist.py --train 2048 --steps 20 --test 1000
    /usr/bin/python3 examples/ffn_fashion_mnist.py --ddp 2            # DistributedDataParallel

--ddp N runs the same training under torch.distributed: N processes on this machine, the gloo
backend over the loopback interface only (127.0.0.1; a file store for the rendezvous, so no port
is opened beyond gloo's own on lo), DistributedDataParallel around each model, every global batch
split across the processes. It also compares the two models' gradients, after DDP's all-reduce,
step for step.

Needs activ installed (pip install, see the README) or PYTHONPATH=build/python, and the Debian
package dataset-fashion-mnist (or --data DIR with the four IDX .gz files).
"""

import argparse
import gzip
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

import activ
import activ.torch as at

DATA = "/usr/share/datasets/fashion-mnist"
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot")
# The two implementations, and the torch.nn one from weights one ULP away (the noise yardstick).
IMPLS = ("activ", "torch.nn", "torch.nn+1ulp")


def load(data, split, limit=None):
    """Images as float32 [N, 28, 28] scaled to [0, 1], labels as int64 [N] (IDX files)."""
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(data, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], ">u4")
    if magic != 2051:
        raise ValueError(f"{data}: {prefix} images: bad IDX magic {magic}")
    images = np.frombuffer(raw[16:], np.uint8).reshape(n, rows, cols)
    with gzip.open(os.path.join(data, f"{prefix}-labels-idx1-ubyte.gz"), "rb") as f:
        raw = f.read()
    labels = np.frombuffer(raw[8:], np.uint8)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return (torch.from_numpy(images.astype(np.float32) / 255.0),
            torch.from_numpy(labels.astype(np.int64)))


class Block(nn.Module):
    """Pre-norm residual SwiGLU feed-forward block."""

    def __init__(self, impl, d, hidden):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.w_gate = nn.Linear(d, hidden, bias=False)
        self.w_up = nn.Linear(d, hidden, bias=False)
        self.w_down = nn.Linear(hidden, d, bias=False)
        self.swiglu = at.SwiGLU() if impl == "activ" else None
        self.silu = None if impl == "activ" else nn.SiLU()

    def forward(self, x):
        h = self.norm(x)
        gate, up = self.w_gate(h), self.w_up(h)
        a = self.swiglu(gate, up) if self.swiglu is not None else self.silu(gate) * up
        return x + self.w_down(a)


class Net(nn.Module):
    def __init__(self, impl, d=64, hidden=172, blocks=2, rows=28, cols=28, classes=10):
        super().__init__()
        self.embed = nn.Linear(cols, d)
        self.pos = nn.Parameter(torch.randn(rows, d) * 0.02)
        self.blocks = nn.ModuleList(Block(impl, d, hidden) for _ in range(blocks))
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(rows * d, classes)
        self.log_softmax = at.LogSoftmax(dim=-1) if impl == "activ" else nn.LogSoftmax(dim=-1)

    def forward(self, x):
        h = self.embed(x) + self.pos
        for block in self.blocks:
            h = block(h)
        return self.log_softmax(self.head(self.norm(h).flatten(1)))


def make_models(seed, **shape):
    """The three models, from one set of initial weights (the third moved up by one ULP)."""
    torch.manual_seed(seed)
    ref = Net("torch.nn", **shape)
    models = {}
    for impl in IMPLS:
        m = Net("activ" if impl == "activ" else "torch.nn", **shape)
        state = ref.state_dict()
        if impl.endswith("+1ulp"):
            state = {k: torch.nextafter(v, torch.tensor(np.inf)) for k, v in state.items()}
        m.load_state_dict(state)
        models[impl] = m
    return models


def batches(n, batch, steps, seed):
    """Index tensors of `steps` batches, shuffled each epoch, the same for every model."""
    g = torch.Generator().manual_seed(seed)
    out, perm = [], torch.randperm(n, generator=g)
    while len(out) < steps:
        if len(perm) < batch:
            perm = torch.randperm(n, generator=g)
        out.append(perm[:batch])
        perm = perm[batch:]
    return out


def _flat_grad(model):
    return torch.cat([p.grad.reshape(-1) for p in model.parameters()])


def train(models, x, y, order, lr, rank=0, world=1, on_step=None):
    """Trains every model on the same batches (rank's share of each under DDP). Returns
    {impl: [loss per step]} (the mean over all ranks), {impl: [(wall, CPU) seconds per step]} and,
    per step, the relative difference of the activ model's gradient from the torch.nn model's,
    |g_activ - g_torch| / |g_torch| (after DDP's all-reduce)."""
    opts = {k: torch.optim.AdamW(m.parameters(), lr=lr) for k, m in models.items()}
    losses = {k: [] for k in models}
    seconds = {k: [] for k in models}  # (wall clock, CPU time of this process)
    grad_diff = []
    for step, idx in enumerate(order):
        idx = idx[rank::world]
        xb, yb = x[idx], y[idx]
        grads = {}
        for k, m in models.items():
            t0, c0 = time.perf_counter(), time.process_time()
            opts[k].zero_grad(set_to_none=True)
            loss = F.nll_loss(m(xb), yb)
            loss.backward()
            if k != "torch.nn+1ulp":
                grads[k] = _flat_grad(m).clone()
            opts[k].step()
            seconds[k].append((time.perf_counter() - t0, time.process_time() - c0))
            value = loss.detach().clone()
            if world > 1:
                dist.all_reduce(value)
                value /= world
            losses[k].append(float(value))
        d = torch.linalg.vector_norm(grads["activ"] - grads["torch.nn"])
        grad_diff.append(float(d / torch.linalg.vector_norm(grads["torch.nn"])))
        if on_step:
            on_step(step, {k: v[-1] for k, v in losses.items()}, grad_diff[-1])
    return losses, seconds, grad_diff


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    correct = sum(int((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum())
                  for i in range(0, len(x), 1000))
    model.train()
    return correct / len(x)


def summary(losses, seconds, grad_diff):
    """The figures the example prints and the tests check."""
    a, t, n = (np.array(losses[k]) for k in IMPLS)
    steady = slice(min(3, len(a) - 1), None)  # the first steps warm caches and allocators
    return {
        "steps": len(a),
        "loss_first": {k: losses[k][0] for k in IMPLS},
        "loss_last": {k: losses[k][-1] for k in IMPLS},
        "max_rel_diff_activ_vs_torch": float(np.max(np.abs(a - t) / np.abs(t))),
        "max_rel_diff_noise": float(np.max(np.abs(n - t) / np.abs(t))),
        "max_rel_grad_diff_activ_vs_torch": float(np.max(grad_diff)),
        # The median step: wall clock, and CPU time of the process (on a machine busy with other
        # work, the wall clock is mostly waiting; with one thread, CPU time is the computing).
        "ms_per_step": {k: 1e3 * float(np.median([w for w, _ in seconds[k][steady]]))
                        for k in IMPLS},
        "cpu_ms_per_step": {k: 1e3 * float(np.median([c for _, c in seconds[k][steady]]))
                            for k in IMPLS},
    }


def _print_step(step, loss, gdiff, every):
    if step % every == 0:
        a, t, n = (loss[k] for k in IMPLS)
        print(f"{step:6d} {a:12.7f} {t:12.7f} {abs(a - t) / t:12.2e} {abs(n - t) / t:12.2e} "
              f"{gdiff:12.2e}", flush=True)


def _header():
    print(f"{'step':>6} {'activ':>12} {'torch.nn':>12} {'rel diff':>12} {'noise':>12} "
          f"{'grad diff':>12}")


def _report(s, acc=None):
    print(f"\nlosses over {s['steps']} steps, activ.torch against torch.nn: largest relative "
          f"difference {s['max_rel_diff_activ_vs_torch']:.2e}; float32 noise (torch.nn from "
          f"weights 1 ULP away) {s['max_rel_diff_noise']:.2e}; gradients "
          f"{s['max_rel_grad_diff_activ_vs_torch']:.2e}")
    for k in IMPLS:
        extra = f", test accuracy {acc[k]:.4f}" if acc else ""
        print(f"{k:>14}: loss {s['loss_first'][k]:.4f} -> {s['loss_last'][k]:.4f}, "
              f"{s['ms_per_step'][k]:.2f} ms per step ({s['cpu_ms_per_step'][k]:.2f} ms CPU; "
              f"medians){extra}")


def run(args):
    """One process: the three models side by side. Returns the summary."""
    torch.set_num_threads(args.threads)
    activ.set_num_threads(args.threads)  # activ splits large calls across threads too
    x, y = load(args.data, "train", args.train)
    order = batches(len(x), args.batch, args.steps or (len(x) // args.batch), args.seed)
    models = make_models(args.seed)
    print(f"activ {activ.__version__} ({activ.simd_target()}), PyTorch {torch.__version__}, "
          f"{args.threads} thread(s); {len(order)} steps of {args.batch} images of "
          f"{len(x)}\n(rel diff: |loss activ - loss torch.nn| / loss torch.nn; noise: the same "
          f"for torch.nn from weights 1 ULP away; grad diff: |g_activ - g_torch| / |g_torch|)")
    _header()
    losses, seconds, gdiff = train(models, x, y, order, args.lr,
                                   on_step=lambda s, l, g: _print_step(s, l, g, args.every))
    acc = None
    if args.test:
        xt, yt = load(args.data, "test", args.test)
        acc = {k: accuracy(m, xt, yt) for k, m in models.items()}
    s = summary(losses, seconds, gdiff)
    s["losses"] = losses
    if acc:
        s["test_accuracy"] = acc
    _report(s, acc)
    return s


def _ddp_worker(rank, world, store, args, out):
    os.environ["GLOO_SOCKET_IFNAME"] = "lo"  # gloo's connections on the loopback interface only
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(args.threads)
        activ.set_num_threads(args.threads)
        x, y = load(args.data, "train", args.train)
        order = batches(len(x), args.batch, args.steps or (len(x) // args.batch), args.seed)
        models = {k: nn.parallel.DistributedDataParallel(m)
                  for k, m in make_models(args.seed).items()}
        if rank == 0:
            print(f"DistributedDataParallel, gloo on lo, {world} processes, {args.threads} "
                  f"thread(s) each; {len(order)} steps of {args.batch} images "
                  f"({args.batch // world} per process)")
            _header()
        step_print = (lambda s, l, g: _print_step(s, l, g, args.every)) if rank == 0 else None
        losses, seconds, gdiff = train(models, x, y, order, args.lr, rank, world, step_print)
        # Every process must hold the same weights after the same all-reduced steps.
        for k, m in models.items():
            w = torch.cat([p.detach().reshape(-1) for p in m.parameters()])
            mine = w.clone()
            dist.broadcast(w, 0)
            if not torch.equal(w, mine):
                raise RuntimeError(f"rank {rank}: {k} weights differ from rank 0's")
        if rank == 0:
            s = summary(losses, seconds, gdiff)
            s["losses"] = losses
            s["grad_diff"] = gdiff
            s["world"] = world
            with open(out, "w", encoding="utf-8") as f:
                json.dump(s, f)
        # Every collective is finished on both ranks before either leaves.
        dist.barrier()
    except BaseException:
        dist.destroy_process_group()
        raise
    # PyTorch 1.13's ProcessGroupGloo destructor joins its worker threads while the exiting
    # thread holds the GIL, and a worker still freeing a tensor waits for the GIL: the process
    # can hang at exit (seen in CI: ~Reducer -> ~ProcessGroupGloo -> thread::join, the worker in
    # TensorImpl::destroy_pyobj_if_needed). The work is done and written, so the process leaves
    # without running those destructors; mp.spawn sees exit status 0.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def run_ddp(args):
    """--ddp N: the same training under DistributedDataParallel. Returns rank 0's summary."""
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory(prefix="activ-ddp-") as tmp:
        out = os.path.join(tmp, "summary.json")
        mp.spawn(_ddp_worker, args=(args.ddp, os.path.join(tmp, "store"), args, out),
                 nprocs=args.ddp, join=True)
        with open(out, encoding="utf-8") as f:
            s = json.load(f)
    _report(s)
    return s


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=DATA, help="folder of the Fashion-MNIST IDX .gz files")
    p.add_argument("--train", type=int, default=None, help="first N training images (all)")
    p.add_argument("--test", type=int, default=10000, help="test images to score (0: none)")
    p.add_argument("--steps", type=int, default=0, help="steps (0: one epoch)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="PyTorch threads per process")
    p.add_argument("--every", type=int, default=20, help="print every N steps")
    p.add_argument("--ddp", type=int, default=0, help="processes for DistributedDataParallel")
    p.add_argument("--json", help="write the summary (and the loss curves) here")
    args = p.parse_args(argv)
    if args.ddp and args.batch % args.ddp:
        p.error("--batch must be a multiple of --ddp")
    return args


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isdir(args.data):
        sys.exit(f"{args.data}: no Fashion-MNIST (install the Debian package "
                 "dataset-fashion-mnist, or pass --data)")
    s = run_ddp(args) if args.ddp else run(args)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(s, f, indent=1)
    return s


if __name__ == "__main__":
    main()
