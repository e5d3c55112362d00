#!/usr/bin/env python3
"""The report's test fixture: a real, small `activ lab` run (the built-in spirals, four
activations one of which has a parameter, two seeds, two hidden layers, early stopping with
patience), in the lab's own format (log.jsonl, summary.json, summary.csv, report.html).

  make_lab_fixture.py --activ build/cli/activ OUT_DIR
      writes the fixture to OUT_DIR (the committed one is tests/data/lab_run; the generated
      report.html is left out of it).
  make_lab_fixture.py --activ build/cli/activ --check tests/data/lab_run WORK_DIR
      runs the same command into WORK_DIR and checks that the committed fixture has the format
      the lab writes now: the same record types with the same keys and JSON types, the same runs,
      epochs and layers. Numbers are not compared: they depend on the CPU (SIMD target, BLAS
      kernels) and the timings on the load.

Standard library only.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

COMMAND = ["lab", "--dataset", "spirals", "--rows", "1000", "--activations",
           "relu,tanh,sigmoid,elu:alpha=0.5", "--hidden", "32,16", "--epochs", "20",
           "--seeds", "2", "--batch", "16", "--lr", "0.1", "--patience", "5", "--threads", "2",
           "--quiet"]


def generate(activ, out):
    """Runs the lab into a scratch directory, then moves its files to out."""
    work = tempfile.mkdtemp(prefix="activ-fixture-")
    try:
        subprocess.run([activ] + COMMAND + ["--out", work], check=True, stdout=subprocess.DEVNULL)
        os.makedirs(out, exist_ok=True)
        for name in ("log.jsonl", "summary.json", "summary.csv"):
            shutil.copyfile(os.path.join(work, name), os.path.join(out, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def kind(value):
    """The JSON type of a value; null counts as a number, since the lab writes NaN as null."""
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return type(value).__name__


def shape(value):
    """Keys and types, recursively for objects; arrays by the types they hold."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return ["list", sorted({json.dumps(shape(v), sort_keys=True) for v in value})]
    return kind(value)


def describe(directory):
    """What the format check compares: per record type the shape of its records, and the
    sequence of (type, run, epoch, layer) of the log."""
    shapes, sequence = {}, []
    with open(os.path.join(directory, "log.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            s = shape(r)
            # A null histogram (output layer) and a stopped-early run's shorter epochs differ
            # between runs, not between formats: collect each type's shapes as a set.
            shapes.setdefault(r["type"], set()).add(json.dumps(s, sort_keys=True))
            sequence.append((r["type"], r["run"], r.get("epoch"), r.get("layer")))
    with open(os.path.join(directory, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(directory, "summary.csv")) as f:
        header = f.readline().strip()
    return shapes, sequence, shape(summary), header


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--activ", required=True)
    ap.add_argument("--check", metavar="FIXTURE", help="compare FIXTURE's format with a new run")
    ap.add_argument("out")
    args = ap.parse_args()
    generate(args.activ, args.out)
    if not args.check:
        return
    old, new = describe(args.check), describe(args.out)
    problems = []
    # Record types and keys must agree; the sequence of runs, epochs and layers too, except
    # where early stopping ended a run at another epoch on this machine.
    if old[0].keys() != new[0].keys():
        problems.append(f"record types {sorted(old[0])} in the fixture, {sorted(new[0])} now")
    for t in old[0].keys() & new[0].keys():
        keys_old = {tuple(sorted(json.loads(s))) for s in old[0][t]}
        keys_new = {tuple(sorted(json.loads(s))) for s in new[0][t]}
        if keys_old != keys_new:
            problems.append(f'"{t}" records: keys {sorted(keys_old)} in the fixture, '
                            f"{sorted(keys_new)} now")
        elif old[0][t] != new[0][t] and not old[0][t] & new[0][t]:
            problems.append(f'"{t}" records: the JSON types of their fields differ')
    runs_old = sorted({(r, t) for t, r, _, _ in old[1] if t == "run"})
    runs_new = sorted({(r, t) for t, r, _, _ in new[1] if t == "run"})
    if runs_old != runs_new:
        problems.append(f"runs {runs_old} in the fixture, {runs_new} now")
    summary_keys = lambda s: sorted(s.keys())
    if summary_keys(old[2]) != summary_keys(new[2]) or \
            old[2]["runs"][1] != new[2]["runs"][1] or old[2]["config"] != new[2]["config"]:
        problems.append("summary.json: its keys or types differ")
    if old[3] != new[3]:
        problems.append(f"summary.csv header: {old[3]!r} in the fixture, {new[3]!r} now")
    for p in problems:
        print("FAIL:", p)
    if problems:
        print(f"the fixture {args.check} is out of date: regenerate it with "
              f"`{sys.argv[0]} --activ ACTIV {args.check}`")
        sys.exit(1)
    print(f"the fixture {args.check} has the format the lab writes now")


if __name__ == "__main__":
    main()
