#!/usr/bin/env python3
"""The generated blocks of the hand-written documents, for scripts/docs.sh.

A block is the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->` in a document; it is
rendered from stored data only, so that rendering it again on any machine gives the same text:

  docs/LAB.md       default-run  from docs/lab-default.json (scripts/lab_default.sh writes it)
  docs/LAB.md       speed-table  from docs/lab-speed.json (bench/lab_speed.sh writes it)
  docs/ROBUSTNESS.md test-counts from `ctest -N` of a build, one count per stage's selection

and one check without a block: the element-wise table of docs/SPEC.md against
include/activ/ops.def (names and their order, parameters and defaults, the from y, gates and
parameter gradient columns).

    docs_blocks.py write|check [--build DIR]    every block (check: exit 1 on a difference)
    docs_blocks.py ingest-lab-default RUN_DIR [--compare RUN_DIR] --command TEXT --machine TEXT
                   --load TEXT --source TEXT --wall S --cpu S [--compare-wall S --compare-cpu S]
                                                (what scripts/lab_default.sh calls)
"""

import argparse
import difflib
import json
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _path(*parts):
    return os.path.join(ROOT, *parts)


def _load(path):
    with open(path) as f:
        return json.load(f)


# --- docs/LAB.md, the default experiment ------------------------------------------------------


def _ratio(v):  # as the lab's report writes a factor (lab/report/reading.cc)
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def render_lab_default(d):
    main = d["runs"]
    L = [f"Measured with `{d['command']}` on {d['machine']} ({d['load']}): "
         f"{d['wall_seconds']:.0f} s wall, {d['cpu_user_seconds']:.0f} s of CPU (user). "
         f"Data: `docs/lab-default.json` ({d['source']}).", ""]
    L.append("| activation | test accuracy | best epoch | dead units | inactive inputs | "
             "saturated inputs | s per epoch (training pass) |")
    L.append("|---|---|---|---|---|---|---|")
    for r in main:
        L.append(f"| {r['activation']} | {r['test_accuracy']:.4f} | {r['best_epoch']} | "
                 f"{r['dead_fraction']:.3f} | {r['off_fraction']:.3f} | "
                 f"{r['saturated_fraction']:.3f} | {r['seconds_per_epoch']:.2f} |")
    L.append("")
    L.append("(dead, inactive and saturated: means over the hidden layers after the last epoch; "
             "the seconds per epoch are wall time under that load.)")
    with_ratio = [r for r in main if r.get("grad_rms_last_over_first")]
    if with_ratio:
        L.append("")
        L.append("Gradient flow at initialisation (gradient RMS per weight, the first hidden layer "
                 "against the last): " + ", ".join(
                     f"{r['activation']} {_ratio(r['grad_rms_last_over_first'])}× smaller"
                     if r["grad_rms_last_over_first"] >= 1 else
                     f"{r['activation']} {_ratio(1 / r['grad_rms_last_over_first'])}× larger"
                     for r in with_ratio) + ".")
    cmp_ = d.get("compare")
    if cmp_:
        other = {r["activation"]: r for r in cmp_["runs"]}
        L.append("")
        L.append(f"The same with `{cmp_['flag']}`, measured right after it with the same binary "
                 f"({cmp_['wall_seconds']:.0f} s wall, {cmp_['cpu_user_seconds']:.0f} s of CPU):")
        L.append("")
        L.append(f"| activation | test accuracy (`{cmp_['flag']}`) | test accuracy (`--init auto`) "
                 f"| first / last hidden layer's gradient RMS at init ({cmp_['label']}; auto) |")
        L.append("|---|---|---|---|")
        diffs = []
        for r in main:
            o = other[r["activation"]]
            L.append(f"| {r['activation']} | {o['test_accuracy']:.4f} | {r['test_accuracy']:.4f} | "
                     f"1/{_ratio(o['grad_rms_last_over_first'])}; "
                     f"1/{_ratio(r['grad_rms_last_over_first'])} |")
            diffs.append((o["test_accuracy"] - r["test_accuracy"], r["activation"]))
        largest = max(diffs, key=lambda t: abs(t[0]))
        favour = sum(1 for v, _ in diffs if v > 0)
        L.append("")
        L.append(f"The initialisation moves the final accuracy by at most "
                 f"{100 * abs(largest[0]):.1f} points ({largest[1]}), in `{cmp_['flag']}`'s favour "
                 f"for {favour} of the {len(diffs)}, by one seed each.")
    return "\n".join(L)


def _summary_runs(run_dir):
    """The summary records of a lab output directory, with the gradient RMS ratio at init."""
    summary = _load(os.path.join(run_dir, "summary.json"))
    rms = {}  # run -> {layer: grad_rms at epoch 0}
    hidden = {}
    with open(os.path.join(run_dir, "log.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "run":
                hidden[rec["run"]] = len(rec.get("hidden", []))
            if rec.get("type") == "layer" and rec.get("epoch") == 0 and not rec.get("output"):
                if rec.get("grad_rms") is not None:
                    rms.setdefault(rec["run"], {})[rec["layer"]] = rec["grad_rms"]
    runs = []
    for r in summary["runs"]:
        out = {k: r[k] for k in ("activation", "test_accuracy", "best_epoch", "dead_fraction",
                                 "off_fraction", "saturated_fraction", "seconds_per_epoch")}
        layers = rms.get(r["run"], {})
        last = hidden.get(r["run"], 0)
        if last >= 2 and layers.get(1) and layers.get(last):
            out["grad_rms_last_over_first"] = layers[last] / layers[1]
        runs.append(out)
    return runs


def ingest_lab_default(a):
    d = {"source": a.source, "command": a.command, "machine": a.machine, "load": a.load,
         "wall_seconds": a.wall, "cpu_user_seconds": a.cpu, "runs": _summary_runs(a.run_dir)}
    if a.compare:
        d["compare"] = {"flag": a.compare_flag, "label": a.compare_flag.split()[-1],
                        "wall_seconds": a.compare_wall, "cpu_user_seconds": a.compare_cpu,
                        "runs": _summary_runs(a.compare)}
    path = _path("docs", "lab-default.json")
    with open(path + ".tmp", "w") as f:
        json.dump(d, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


# --- docs/LAB.md, the speed against PyTorch ---------------------------------------------------


def render_lab_speed(d):
    L = [f"Measured with `{d['command']}` (the fastest of {d['reps'] * d['epochs']} epochs per "
         f"cell) on {d['machine']} ({d['load']}). Data: `docs/lab-speed.json` ({d['source']}).", ""]
    L.append("| threads | lab epoch (s) | PyTorch epoch (s) | lab speed-up over PyTorch |")
    L.append("|---|---|---|---|")
    cells = {c["threads"]: c for c in d["cells"]}
    for t in sorted(cells):
        c = cells[t]
        L.append(f"| {t} | {c['lab']:.2f} | {c['torch']:.2f} | {c['torch'] / c['lab']:.2f}x |")
    if 1 in cells and 2 in cells:
        L.append("")
        L.append(f"lab, 2 threads over 1: {cells[1]['lab'] / cells[2]['lab']:.2f}x; PyTorch: "
                 f"{cells[1]['torch'] / cells[2]['torch']:.2f}x")
    return "\n".join(L)


# --- docs/ROBUSTNESS.md, the test counts of scripts/test.sh's stages ---------------------------

# The selections of scripts/test.sh, stage by stage: a change to one there belongs here too.
STAGES = [
    ("release tests", ["-LE", "slow"]),
    ("ASan + UBSan tests", ["-LE", "slow|python"]),
    ("TSan tests", ["-L", "threads|rowwise|gated|lab", "-E", "LearnsFashionMnist|RowwiseAccuracy"]),
    ("slow (`--full`)", ["-L", "slow"]),
]


def _ctest_count(build, args):
    out = subprocess.run(["ctest", "--test-dir", build, "-N"] + args, check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"Total Tests: (\d+)", out)
    if not m:
        raise SystemExit(f"docs_blocks: no test count in `ctest -N {' '.join(args)}`")
    return int(m.group(1))


def render_test_counts(build):
    L = ["The number of tests each stage runs, counted by `ctest -N` with the stage's selection "
         "on the release build of `scripts/test.sh` (every option on: the Python module, the "
         "tools, the lab). The sanitizer stages build the same tests (TSan only the programs it "
         "runs), so their counts are the release build's under their selection.", ""]
    L.append("| stage | selection | tests |")
    L.append("|---|---|---|")
    for name, args in STAGES:
        sel = " ".join(a if a.startswith("-") else '"' + a.replace("|", "\\|") + '"'
                       for a in args)
        L.append(f"| {name} | `ctest {sel}` | {_ctest_count(build, args)} |")
    return "\n".join(L)


# --- docs/SPEC.md against include/activ/ops.def -----------------------------------------------


def _ops_def():
    """(name, flags, [(param, default, domain)]) per ACTIV_OP line of ops.def, in order."""
    text = open(_path("include", "activ", "ops.def")).read()
    ops = []
    for m in re.finditer(r"^ACTIV_OP\(", text, re.M):
        # The macro's arguments up to its closing parenthesis (formulas hold parentheses too).
        depth, i, in_string = 1, m.end(), False
        while depth:
            c = text[i]
            if c == '"':
                in_string = not in_string
            elif not in_string:
                depth += {"(": 1, ")": -1}.get(c, 0)
            i += 1
        args = text[m.end():i - 1]
        name, flags = [a.strip() for a in args.split(",", 2)[:2]]
        params = re.findall(r"PARAM\((\w+),\s*([^,]+),\s*(\w+)\)", args)
        ops.append((name, flags, params))
    return ops


def _spec_rows():
    rows = []
    in_table = False
    for line in open(_path("docs", "SPEC.md")):
        if line.startswith("| name | f(x) | parameters"):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            if line.startswith("|---"):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows.append(cells)
    return rows


def _default_text(v):
    if v in ("NAN", "std::numeric_limits<double>::quiet_NaN()"):
        return None
    try:
        x = float(eval(v, {"__builtins__": {}}, {}))  # e.g. "1.0 / 3.0"
    except Exception:
        return v
    return x


def check_spec():
    """The differences between docs/SPEC.md's element-wise table and ops.def, as text lines."""
    problems = []
    ops = _ops_def()
    rows = _spec_rows()
    names = [re.sub(r" \(alias \w+\)", "", r[0]) for r in rows]
    if names != [o[0] for o in ops]:
        problems.append(f"names: SPEC.md has {names}, ops.def {[o[0] for o in ops]}")
        return problems
    for (name, flags, params), row in zip(ops, rows):
        _, _, ptext, _, from_y, gates, pgrad = row
        ptext = ptext.replace("\u2212", "-")  # the typographic minus
        for col, flag, cell in (("from y", "kFromY", from_y), ("gates", "kGates", gates),
                                ("parameter gradient", "kParamGrad", pgrad)):
            if (flag in flags) != bool(cell):
                problems.append(f"{name}: the {col} column says '{cell}', ops.def "
                                f"{'has' if flag in flags else 'lacks'} {flag}")
        for pname, default, _ in params:
            if not re.search(rf"\b{pname}\b", ptext):
                problems.append(f"{name}: parameter {pname} is missing from '{ptext}'")
                continue
            d = _default_text(default)
            if isinstance(d, float) and not math.isnan(d):
                # The default is written in the parameter's cell as a number or a fraction.
                numbers = [float(eval(n, {"__builtins__": {}}, {}))
                           for n in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:/\d+)?", ptext)]
                if not any(abs(n - d) <= 1e-15 * max(1.0, abs(d)) for n in numbers):
                    problems.append(f"{name}: default {pname} = {default} is not in '{ptext}'")
        for pname in re.findall(r"(?:^|[;,(] ?)([a-z_]+) \(", ptext):
            if pname not in [p[0] for p in params]:
                problems.append(f"{name}: SPEC.md names a parameter {pname} that ops.def lacks")
    return problems


# --- the blocks -------------------------------------------------------------------------------


def _replace_block(text, name, body):
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise SystemExit(f"docs_blocks: no {begin} ... {end} block")
    return text[:i + len(begin)] + "\n" + body.rstrip("\n") + "\n" + text[j:]


def blocks(build):
    """{document: [(block name, renderer)]}."""
    return {
        os.path.join("docs", "LAB.md"): [
            ("default-run", lambda: render_lab_default(_load(_path("docs", "lab-default.json")))),
            ("speed-table", lambda: render_lab_speed(_load(_path("docs", "lab-speed.json")))),
        ],
        os.path.join("docs", "ROBUSTNESS.md"): [
            ("test-counts", lambda: render_test_counts(build)),
        ],
    }


def run(mode, build):
    failed = False
    for doc, items in blocks(build).items():
        path = _path(doc)
        old = open(path).read()
        new = old
        for name, render in items:
            new = _replace_block(new, name, render())
        if new == old:
            print(f"docs: {doc}: up to date")
            continue
        if mode == "write":
            with open(path + ".tmp", "w") as f:
                f.write(new)
            os.replace(path + ".tmp", path)
            print(f"docs: {doc}: rewritten")
        else:
            failed = True
            print(f"docs: {doc} differs from what its data renders "
                  f"(bash scripts/docs.sh --write):")
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), doc, doc + " (rendered)", n=1))
    problems = check_spec()
    if problems:
        failed = True
        print("docs: docs/SPEC.md's element-wise table does not match include/activ/ops.def:")
        for p in problems:
            print("  " + p)
    else:
        print("docs: docs/SPEC.md: the element-wise table matches include/activ/ops.def")
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for cmd in ("write", "check"):
        s = sub.add_parser(cmd)
        s.add_argument("--build", default=_path("build"))
    s = sub.add_parser("ingest-lab-default")
    s.add_argument("run_dir")
    s.add_argument("--compare", help="a second run's directory, e.g. with --init pytorch")
    s.add_argument("--compare-flag", default="--init pytorch")
    s.add_argument("--command", required=True)
    s.add_argument("--machine", required=True)
    s.add_argument("--load", required=True)
    s.add_argument("--source", required=True)
    s.add_argument("--wall", type=float, required=True)
    s.add_argument("--cpu", type=float, required=True)
    s.add_argument("--compare-wall", type=float, default=0)
    s.add_argument("--compare-cpu", type=float, default=0)
    a = p.parse_args()
    if a.cmd == "ingest-lab-default":
        ingest_lab_default(a)
        return 0
    return run(a.cmd, a.build)


if __name__ == "__main__":
    sys.exit(main())
