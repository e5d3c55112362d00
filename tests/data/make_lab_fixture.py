#!/usr/bin/env python3
"""Writes a TEST FIXTURE in the lab's output format (LAB_SCHEMA: log.jsonl, summary.json,
summary.csv) for the report's tests. The numbers are synthetic -- curves shaped like training
runs, made up from a seeded random generator -- not results of training anything. The summary's
config says so ("fixture": true), and the report prints a banner for such a directory.

  make_lab_fixture.py OUT_DIR [--task classification|regression] [--runs-stop-nonfinite]
                              [--seeds N] [--epochs N]

The committed tests/data/lab_run/ is `make_lab_fixture.py tests/data/lab_run`. Standard library
only, deterministic.
"""
import argparse
import csv
import json
import math
import os
import random

BINS = 32

# How each activation behaves in the fixture: final validation accuracy, speed of learning,
# dead and saturated fractions at the end per layer, first-layer gradient scale at init
# relative to the last layer (sigmoid's is tiny: vanishing gradients), seconds per epoch.
PROFILES = {
    "relu": dict(acc=0.872, rate=0.9, dead=(0.04, 0.18), sat=(0.0, 0.0), grad0=0.8, sec=1.9),
    "tanh": dict(acc=0.861, rate=0.7, dead=(0.0, 0.0), sat=(0.14, 0.06), grad0=0.35, sec=2.1),
    "sigmoid": dict(acc=0.815, rate=0.35, dead=(0.0, 0.0), sat=(0.08, 0.03), grad0=0.04, sec=2.0),
    "leaky_relu": dict(acc=0.869, rate=0.85, dead=(0.0, 0.01), sat=(0.0, 0.0), grad0=0.8,
                       sec=2.0, params={"negative_slope": 0.1}),
}


def histogram(rng, activation, epoch, layer, profile, pre):
    """32 counts of 2000 sampled values, and the range they cover."""
    spread = 1.0 + 0.15 * epoch + 0.2 * layer
    xs = [rng.gauss(0.2 * layer, spread) for _ in range(2000)]
    if pre:
        lo, hi = -6.0, 6.0
    elif activation in ("relu", "leaky_relu"):
        slope = 0.0 if activation == "relu" else profile["params"]["negative_slope"]
        xs = [x if x > 0 else slope * x for x in xs]
        lo, hi = (-1.0 if slope else 0.0), 5.0
    elif activation == "tanh":
        xs = [math.tanh(1.3 * x) for x in xs]
        lo, hi = -1.0, 1.0
    else:
        xs = [1 / (1 + math.exp(-1.3 * x)) for x in xs]
        lo, hi = 0.0, 1.0
    counts = [0] * BINS
    for x in xs:
        i = int((x - lo) / (hi - lo) * BINS)
        counts[min(max(i, 0), BINS - 1)] += 1
    return lo, hi, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--task", default="classification", choices=["classification", "regression"])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--runs-stop-nonfinite", action="store_true",
                    help="make the last sigmoid run end with a non-finite loss")
    args = ap.parse_args()
    rng = random.Random(20240611)
    os.makedirs(args.out, exist_ok=True)
    regression = args.task == "regression"
    hidden = [64, 32]
    log, summary_runs = [], []
    for activation, p in PROFILES.items():
        for seed in range(args.seeds):
            run = f"{activation}-s{seed}"
            params = p.get("params", {})
            log.append(dict(type="run", run=run, activation=activation, seed=seed,
                            dataset="fixture-synthetic", hidden=hidden, optimizer="adam",
                            lr=0.001, batch=128, epochs=args.epochs, params=params))
            noise = lambda s=0.004: rng.gauss(0, s)
            final_acc = p["acc"] + noise(0.003)
            stopped, epochs_run = "completed", args.epochs
            if activation == "relu" and seed == args.seeds - 1 and args.seeds > 1:
                stopped, epochs_run = "early_stopping", args.epochs - 2
            if args.runs_stop_nonfinite and activation == "sigmoid" and seed == args.seeds - 1:
                stopped, epochs_run = "non_finite_loss", 3
            best_epoch, best_val = 0, -1.0
            val_losses = []
            for epoch in range(epochs_run + 1):
                progress = 1 - math.exp(-p["rate"] * epoch)
                acc = 0.1 + (final_acc - 0.1) * progress
                train_loss = 2.303 * math.exp(-1.1 * p["rate"] * epoch) + 0.28 + noise(0.01)
                # Validation loss bottoms out and rises a little for the fast learners.
                val_loss = train_loss + 0.03 + 0.012 * max(0, epoch - 5) * p["rate"] + noise(0.01)
                train_acc = min(acc + 0.01 * epoch * p["rate"], 0.99)
                val_acc = acc + noise(0.003)
                nonfinite = stopped == "non_finite_loss" and epoch == epochs_run
                rec = dict(type="epoch", run=run, epoch=epoch,
                           train_loss=None if nonfinite else round(train_loss, 5),
                           train_acc=None if regression else round(train_acc, 5),
                           val_loss=None if nonfinite else round(val_loss, 5),
                           val_acc=None if regression else round(val_acc, 5),
                           seconds=0.0 if epoch == 0 else round(p["sec"] + noise(0.05), 3),
                           lr=0.001)
                if regression:
                    rec["train_loss"] = None if nonfinite else round(train_loss / 8, 5)
                    rec["val_loss"] = None if nonfinite else round(val_loss / 8, 5)
                log.append(rec)
                if not nonfinite:
                    val_losses.append(rec["val_loss"])
                if not regression and val_acc > best_val:
                    best_epoch, best_val = epoch, val_acc
                for layer in range(len(hidden)):
                    t = epoch / max(1, args.epochs)
                    dead = p["dead"][layer] * t + (0.02 if activation == "relu" else 0.0)
                    sat = p["sat"][layer] * t + (0.01 if p["sat"][layer] else 0.0)
                    scale = p["grad0"] if layer == 0 else 1.0
                    grad = 0.05 * scale * math.exp(-0.25 * epoch) * (1 + noise(0.05))
                    lo, hi, hist = histogram(rng, activation, epoch, layer, p, pre=False)
                    plo, phi, phist = histogram(rng, activation, epoch, layer, p, pre=True)
                    log.append(dict(type="layer", run=run, epoch=epoch, layer=layer,
                                    units=hidden[layer], activation=activation,
                                    dead_fraction=round(max(0.0, dead + noise(0.003)), 4),
                                    saturated_fraction=round(max(0.0, sat + noise(0.003)), 4),
                                    act_mean=round(0.3 + noise(0.02), 4),
                                    act_std=round(0.6 + 0.05 * epoch + noise(0.02), 4),
                                    grad_norm=round(grad, 7),
                                    update_ratio=round(0.001 * math.exp(-0.2 * epoch), 6),
                                    hist_lo=lo, hist_hi=hi, hist=hist,
                                    preact_hist_lo=plo, preact_hist_hi=phi, preact_hist=phist))
            if regression:
                best_epoch = min(range(len(val_losses)), key=val_losses.__getitem__)
            summary_runs.append(dict(
                run=run, activation=activation, seed=seed, best_epoch=best_epoch,
                val_accuracy=None if regression else round(best_val, 5),
                test_accuracy=None if regression else round(final_acc - 0.004 + noise(0.002), 5),
                final_train_loss=[r for r in log if r.get("run") == run
                                  and r["type"] == "epoch"][-1]["train_loss"],
                seconds_per_epoch=round(p["sec"] + noise(0.03), 3),
                epochs_run=epochs_run, stopped=stopped))
    with open(os.path.join(args.out, "log.jsonl"), "w") as f:
        for rec in log:
            f.write(json.dumps(rec) + "\n")
    summary = dict(runs=summary_runs, dataset="fixture-synthetic", task=args.task,
                   config=dict(fixture=True,
                               note="synthetic numbers from tests/data/make_lab_fixture.py for "
                                    "the report's tests; not results of training",
                               hidden=hidden, optimizer="adam", lr=0.001, batch=128,
                               epochs=args.epochs, seeds=args.seeds))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    fields = ["run", "activation", "seed", "best_epoch", "val_accuracy", "test_accuracy",
              "final_train_loss", "seconds_per_epoch", "epochs_run", "stopped"]
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for r in summary_runs:
            w.writerow(["" if r[k] is None else r[k] for k in fields])


if __name__ == "__main__":
    main()
