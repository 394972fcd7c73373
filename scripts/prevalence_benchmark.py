#!/usr/bin/env python3
"""The benchmark of the tables themselves: outlet-by-target net stance.

On `fakes_stance/dev.jsonl` (413 real news sentences from 15 outlets, each
labeled for stance toward Russia and the United States; the outlet is the
third dash-separated part of the id), every sentence becomes an article
with its outlet, `stance aggregate --group-by outlet --format json` prints
per outlet and target the raw net stance (counted labels) and the corrected
one with its 95% interval, and both are compared with the gold net stance
(favor minus against over the outlet's sentences). Figures: mean absolute
error over the 30 outlet-target cells, raw and corrected, and the share of
cells whose gold value lies inside the interval (coverage).

Two settings:
  (a) corpus only: the model's own calibration (out-of-fold predictions on
      our corpus), no labeled sentence of any outlet used;
  (b) cross-fitted by outlet: the outlets are cut into two halves;
      `stance calibrate` refits the calibration on the labeled sentences of
      one half, the other half is aggregated with it, and the halves swap,
      so no outlet is corrected with its own labels. Repeated over
      --splits random halvings (seeded); the figures are their means.

Usage: python3 scripts/prevalence_benchmark.py [--stance target/release/stance]
       [--model models/default.json] [--splits 5] [--calibration vector]
       [--work DIR] [--out results.json]
Needs ../shared/datasets (not in the repository).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets", "fakes_stance", "dev.jsonl")
TARGETS = ["Russia", "United States"]


def outlet_of(row_id):
    return row_id.split("-")[2]


def sentence_of(row_id):
    return row_id.rsplit("-", 1)[0]


def run(cmd):
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return out.stdout


def gold_cells(rows, outlets):
    """Gold net stance per (outlet, target), over the outlet's sentences."""
    sentences = defaultdict(set)
    net = defaultdict(float)
    for r in rows:
        o = outlet_of(r["id"])
        if o not in outlets:
            continue
        sentences[o].add(sentence_of(r["id"]))
        net[(o, r["target"])] += {"favor": 1, "against": -1}.get(r["stance"], 0)
    return {(o, t): net[(o, t)] / len(sentences[o]) for o in outlets for t in TARGETS}


def aggregate(args, model, rows, outlets, work, name):
    """Runs `stance aggregate` on the outlets' sentences; cells by (outlet, target)."""
    articles = os.path.join(work, name + "-articles.jsonl")
    seen = set()
    with open(articles, "w") as f:
        for r in rows:
            s = sentence_of(r["id"])
            if outlet_of(r["id"]) in outlets and s not in seen:
                seen.add(s)
                f.write(json.dumps({"id": s, "text": r["text"], "outlet": outlet_of(r["id"])}) + "\n")
    out = run([args.stance, "aggregate", "--model", model, "--input-format", "jsonl",
               "--group-by", "outlet", "--format", "json", articles])
    cells = {}
    for g in json.loads(out)["groups"]:
        for t, p in g["targets"].items():
            cells[(g["key"]["outlet"], t)] = p["net"]
    return cells


def score(gold, cells):
    keys = sorted(gold)
    raw = sum(abs(cells[k]["raw"] - gold[k]) for k in keys) / len(keys)
    corrected = sum(abs(cells[k]["corrected"] - gold[k]) for k in keys) / len(keys)
    covered = sum(cells[k]["low"] <= gold[k] <= cells[k]["high"] for k in keys) / len(keys)
    width = sum(cells[k]["high"] - cells[k]["low"] for k in keys) / len(keys)
    return {"cells": len(keys), "mae_raw": raw, "mae_corrected": corrected,
            "coverage": covered, "mean_interval_width": width}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    p.add_argument("--model", default=os.path.join(ROOT, "models", "default.json"))
    p.add_argument("--splits", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--calibration", default="vector")
    p.add_argument("--work", default="/tmp/stance-prevalence")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    if not os.path.exists(DATA):
        sys.exit("needs %s" % DATA)
    os.makedirs(args.work, exist_ok=True)
    rows = [json.loads(l) for l in open(DATA)]
    outlets = sorted({outlet_of(r["id"]) for r in rows})
    gold = gold_cells(rows, set(outlets))
    started = time.time()

    results = {"outlets": len(outlets), "sentences": len({sentence_of(r["id"]) for r in rows})}
    cells = aggregate(args, args.model, rows, set(outlets), args.work, "all")
    results["corpus_only"] = score(gold, cells)
    results["corpus_only_cells"] = {"%s/%s" % k: {"gold": gold[k], **cells[k]} for k in sorted(gold)}

    rng = random.Random(args.seed)
    splits = []
    for split in range(args.splits):
        shuffled = outlets[:]
        rng.shuffle(shuffled)
        halves = [set(shuffled[: len(shuffled) // 2]), set(shuffled[len(shuffled) // 2:])]
        cells = {}
        for h in range(2):
            calibrate_on, measure = halves[h], halves[1 - h]
            labeled = os.path.join(args.work, "split%d-half%d-labels.jsonl" % (split, h))
            with open(labeled, "w") as f:
                for r in rows:
                    if outlet_of(r["id"]) in calibrate_on:
                        f.write(json.dumps(r) + "\n")
            model = os.path.join(args.work, "split%d-half%d-model.json" % (split, h))
            run([args.stance, "calibrate", "--model", args.model, "--data", labeled,
                 "--calibration", args.calibration, "--out", model])
            cells.update(aggregate(args, model, rows, measure, args.work, "split%d-half%d" % (split, h)))
        s = score(gold, cells)
        s["halves"] = [sorted(h) for h in halves]
        splits.append(s)
        print("split %d: MAE raw %.3f, corrected %.3f, coverage %.2f" % (
            split, s["mae_raw"], s["mae_corrected"], s["coverage"]), file=sys.stderr)
    mean = lambda key: sum(s[key] for s in splits) / len(splits)
    results["cross_fitted"] = {k: mean(k) for k in ["mae_raw", "mae_corrected", "coverage", "mean_interval_width"]}
    results["cross_fitted"]["splits"] = splits
    results["seconds"] = round(time.time() - started, 1)

    a, b = results["corpus_only"], results["cross_fitted"]
    print("| setting | cells | net stance MAE, raw counts | MAE, corrected | 95% interval coverage | mean interval width |")
    print("|---|---|---|---|---|---|")
    print("| (a) calibration from our corpus only | %d | %.3f | %.3f | %.2f | %.2f |" % (
        a["cells"], a["mae_raw"], a["mae_corrected"], a["coverage"], a["mean_interval_width"]))
    print("| (b) cross-fitted by outlet (%d halvings) | 30 | %.3f | %.3f | %.2f | %.2f |" % (
        args.splits, b["mae_raw"], b["mae_corrected"], b["coverage"], b["mean_interval_width"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
