"""PyTorch side of bench/lab_speed.sh: the lab's speed benchmark network, trained the same way.

Fashion-MNIST (standardised like the lab: per-pixel mean and population standard deviation of
the training set), 784-512-256-256-128-10 ReLU, nn.Linear's default initialisation, SGD with
momentum 0.9 and lr 0.01, batch 256, a fresh random order each epoch. Prints one JSON line per
epoch with the training pass in seconds. Run with Debian's /usr/bin/python3 (torch 1.13).

usage: /usr/bin/python3 bench/lab_speed.py THREADS [EPOCHS]
"""
import gzip
import json
import os
import sys
import time

# Debian's PyTorch 1.13 runs its float32 GEMMs in the system's OpenBLAS (BLAS_INFO=generic) and
# never tells OpenBLAS how many threads to use: after torch.set_num_threads(1) the GEMMs still
# run on every core (OpenBLAS's worker thread accumulates CPU time), and with 2 threads OpenMP's
# and OpenBLAS's workers oversubscribe the cores. OpenBLAS reads its thread count once, when it
# is loaded, so THREADS goes into its environment variable before numpy and torch are imported.
# LAB_SPEED_TORCH_BLAS=all keeps OpenBLAS's own choice (every core), to reproduce the old figures.
if __name__ == "__main__" and len(sys.argv) > 1 and os.environ.get("LAB_SPEED_TORCH_BLAS") != "all":
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[1]

import numpy as np
import torch
from torch import nn

DIR = "/usr/share/datasets/fashion-mnist"


def idx(name, offset):
    with gzip.open(f"{DIR}/{name}", "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main():
    threads = int(sys.argv[1])
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784).astype(np.float32)
    y = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1
    x = torch.from_numpy((x - mean) / std)
    y = torch.from_numpy(y)
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    batch = 256
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(x.shape[0])
        total = 0.0
        for i in range(0, x.shape[0], batch):
            idx_b = order[i:i + batch]
            xb, yb = x[idx_b], y[idx_b]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        seconds = time.perf_counter() - start
        print(json.dumps({"epoch": epoch, "train_seconds": round(seconds, 4),
                          "train_loss": round(total / x.shape[0], 5), "threads": threads,
                          "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
