#!/usr/bin/env python3
"""The benchmark of the tables themselves: outlet-by-target net stance.

On `fakes_stance/dev.jsonl` (413 real news sentences from 15 outlets, each
labeled for stance toward Russia and the United States; the outlet is the
third dash-separated part of the id), every sentence becomes an article
with its outlet; `stance classify --format jsonl` classifies them and
`stance aggregate --from-classified --group-by outlet --format json` prints
per outlet and target the raw net stance (counted labels) and the corrected
one with its 95% interval. Both are compared with the gold net stance
(favor minus against over the outlet's sentences). Figures: mean absolute
error over the 30 outlet-target cells, raw and corrected; the share of
cells whose gold value lies inside the interval (coverage); the classifier's
accuracy on the sentences that mention their target; and the noise floor,
the MAE expected even if every calibrated probability were exactly right
(the error left by the cells' sizes and the probabilities' uncertainty).

Three settings:
  (a) corpus only: the model's own calibration (out-of-fold predictions on
      our corpus), no labeled sentence of any outlet used;
  (b) cross-fitted by outlet: the outlets are cut into two halves;
      `stance calibrate` refits the calibration on the labeled sentences of
      one half, the other half is aggregated with it, and the halves swap,
      so no outlet is corrected with its own labels. Repeated over
      --splits random halvings (seeded); the figures are their means;
  (c) as (b), but the labeled half also retrains the model (`stance train
      --data corpus --data half.jsonl:W`, adapted to that domain and
      calibrated on those rows), the workflow of `stance label`.
Then, how accurate a classifier would have to be: on the same gold labels
and outlet sizes, a simulated classifier right with probability a (wrong to
either other class alike), its labels counted and corrected with its exact
confusion matrix, for each a of --accuracy-grid.

Usage: python3 scripts/prevalence_benchmark.py [--stance target/release/stance]
       [--model models/default.json] [--splits 5] [--calibration vector]
       [--no-adapt] [--user-weight 1] [--accuracy-grid 0.57,...] [--draws 200]
       [--work DIR] [--out results.json]
Needs ../shared/datasets (not in the repository).
"""

import argparse
import json
import math
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


def sentence_counts(rows):
    """Each outlet's number of sentences, outlets in order of appearance."""
    sentences = defaultdict(set)
    for r in rows:
        sentences[outlet_of(r["id"])].add(sentence_of(r["id"]))
    return {o: len(s) for o, s in sentences.items()}


def gold_cells(rows, sentences):
    """Gold net stance per (outlet, target), over the outlet's sentences
    (`sentences`: their number per outlet)."""
    net = defaultdict(float)
    for r in rows:
        net[(outlet_of(r["id"]), r["target"])] += {"favor": 1, "against": -1}.get(r["stance"], 0)
    return {(o, t): net[(o, t)] / n for o, n in sentences.items() for t in TARGETS}


def aggregate(args, model, rows, outlets, work, name):
    """Classifies the outlets' sentences (`classify --format jsonl`) and runs
    `aggregate --from-classified` on that output. Returns the cells by
    (outlet, target) and, per cell, each mentioning statement's calibrated
    probabilities."""
    articles = os.path.join(work, name + "-articles.jsonl")
    seen = set()
    with open(articles, "w") as f:
        for r in rows:
            s = sentence_of(r["id"])
            if outlet_of(r["id"]) in outlets and s not in seen:
                seen.add(s)
                f.write(json.dumps({"id": s, "text": r["text"], "outlet": outlet_of(r["id"])}) + "\n")
    classified = os.path.join(work, name + "-classified.jsonl")
    with open(classified, "w") as f:
        f.write(run([args.stance, "classify", "--model", model, "--input-format", "jsonl",
                     "--format", "jsonl", articles]))
    out = run([args.stance, "aggregate", "--from-classified", "--model", model,
               "--group-by", "outlet", "--format", "json", classified])
    cells = {}
    for g in json.loads(out)["groups"]:
        for t, p in g["targets"].items():
            cells[(g["key"]["outlet"], t)] = dict(p["net"])
    statements = defaultdict(list)
    for line in open(classified):
        statement = json.loads(line)
        for t in statement.get("targets", []):
            if t["mentioned"]:
                statements[(statement["meta"]["outlet"], t["target"])].append(
                    (statement["article"], t["stance"]["label"], t["stance"]["probabilities"]))
    for key, cell in cells.items():
        cell["statements"] = statements.get(key, [])
    return cells


def noise_floor(cell, sentences):
    """The expected absolute error of a cell's net stance if every calibrated
    probability were exactly right: each mentioning statement's favor minus
    against is then a draw with variance p_f + p_a - (p_f - p_a)^2, and the
    cell's error about normal, so E|error| = sd * sqrt(2 / pi)."""
    variance = sum(p["favor"] + p["against"] - (p["favor"] - p["against"]) ** 2
                   for _, _, p in cell["statements"]) / sentences ** 2
    return math.sqrt(variance) * math.sqrt(2 / math.pi)


def accuracy_needed(gold, sentences, rows, mentioned, grid, draws, seed):
    """How accurate must a classifier be for these cells? Simulates, on the
    gold labels of the mentioning sentences and the outlets' sizes, a
    classifier right with probability `a` and otherwise wrong to either other
    class alike, and scores counting its labels (raw) and correcting them
    with its exactly known confusion matrix (adjusted classify-and-count,
    clipped and renormalised) against the gold cells: MAE over the 30 cells,
    mean of `draws`. `mentioned`: the (sentence, target) pairs whose text
    names the target; the others are `none` by the mention gate, as in
    `classify`."""
    gold_labels = defaultdict(list)
    for r in rows:
        if (sentence_of(r["id"]), r["target"]) in mentioned:
            gold_labels[(outlet_of(r["id"]), r["target"])].append(r["stance"])
    classes = ["favor", "against", "none"]
    net = lambda counts: counts["favor"] - counts["against"]
    rng = random.Random(seed)
    table = []
    for a in grid:
        b = (1 - a) / 2
        raw_error = corrected_error = 0.0
        for _ in range(draws):
            for o in sentences:
                for t in TARGETS:
                    labels = gold_labels.get((o, t), [])
                    n = sentences[o]
                    counts = {c: 0 for c in classes}
                    for y in labels:
                        counts[y if rng.random() < a else rng.choice([c for c in classes if c != y])] += 1
                    # The inverse of the symmetric confusion matrix.
                    estimate = {c: max(0.0, (counts[c] - b * len(labels)) / (a - b)) for c in classes}
                    total = sum(estimate.values())
                    if total > 0:
                        estimate = {c: v * len(labels) / total for c, v in estimate.items()}
                    raw_error += abs(net(counts) / n - gold[(o, t)])
                    corrected_error += abs(net(estimate) / n - gold[(o, t)])
        cells = draws * len(sentences) * len(TARGETS)
        table.append({"accuracy": a, "mae_raw": raw_error / cells, "mae_corrected": corrected_error / cells})
    return table


def score(gold, cells, sentences, gold_labels):
    """The cells' errors, their intervals' coverage, the noise floor, and the
    classifier's accuracy on the statements that mention their target."""
    keys = sorted(gold)
    mentioning = [(gold_labels[(sentence, k[1])], label) for k in keys for sentence, label, _ in cells[k]["statements"]]
    accuracy = sum(g == label for g, label in mentioning) / max(1, len(mentioning))
    raw = sum(abs(cells[k]["raw"] - gold[k]) for k in keys) / len(keys)
    corrected = sum(abs(cells[k]["corrected"] - gold[k]) for k in keys) / len(keys)
    covered = sum(cells[k]["low"] <= gold[k] <= cells[k]["high"] for k in keys) / len(keys)
    width = sum(cells[k]["high"] - cells[k]["low"] for k in keys) / len(keys)
    floor = sum(noise_floor(cells[k], sentences[k[0]]) for k in keys) / len(keys)
    return {"cells": len(keys), "mae_raw": raw, "mae_corrected": corrected,
            "coverage": covered, "mean_interval_width": width, "noise_floor": floor,
            "statement_accuracy": accuracy}


def split_halves(outlets, splits, seed):
    rng = random.Random(seed)
    halvings = []
    for _ in range(splits):
        shuffled = outlets[:]
        rng.shuffle(shuffled)
        halvings.append([set(shuffled[: len(shuffled) // 2]), set(shuffled[len(shuffled) // 2:])])
    return halvings


def cross_fitted(args, rows, halvings, gold, sentences, gold_labels, prepare, name):
    """Setting (b) or (c): `prepare(labeled_file, model_path)` makes the model
    from one half's labeled sentences; the other half is measured with it."""
    splits = []
    for split, halves in enumerate(halvings):
        cells = {}
        for h in range(2):
            calibrate_on, measure = halves[h], halves[1 - h]
            labeled = os.path.join(args.work, "split%d-half%d-labels.jsonl" % (split, h))
            with open(labeled, "w") as f:
                for r in rows:
                    if outlet_of(r["id"]) in calibrate_on:
                        f.write(json.dumps(r) + "\n")
            model = os.path.join(args.work, "%s-split%d-half%d-model.json" % (name, split, h))
            prepare(labeled, model)
            cells.update(aggregate(args, model, rows, measure, args.work, "%s-split%d-half%d" % (name, split, h)))
        s = score(gold, cells, sentences, gold_labels)
        s["halves"] = [sorted(h) for h in halves]
        splits.append(s)
        print("%s, split %d: accuracy %.3f, MAE raw %.3f, corrected %.3f, coverage %.2f, noise floor %.3f" % (
            name, split, s["statement_accuracy"], s["mae_raw"], s["mae_corrected"], s["coverage"],
            s["noise_floor"]), file=sys.stderr)
    mean = lambda key: sum(s[key] for s in splits) / len(splits)
    result = {k: mean(k) for k in ["mae_raw", "mae_corrected", "coverage", "mean_interval_width",
                                   "noise_floor", "statement_accuracy"]}
    result["splits"] = splits
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    p.add_argument("--model", default=os.path.join(ROOT, "models", "default.json"))
    p.add_argument("--splits", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--calibration", default="vector")
    p.add_argument("--no-adapt", action="store_true",
                   help="skip setting (c), which trains 2 models per halving (about 25 s each)")
    p.add_argument("--user-weight", default="1",
                   help="(c): the weight of the labeled half's rows in `train --data FILE:W`")
    p.add_argument("--accuracy-grid", default="0.57,0.7,0.8,0.85,0.9,0.95")
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--work", default="/tmp/stance-prevalence")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    if not os.path.exists(DATA):
        sys.exit("needs %s" % DATA)
    os.makedirs(args.work, exist_ok=True)
    rows = [json.loads(l) for l in open(DATA)]
    sentences = sentence_counts(rows)
    outlets = sorted(sentences)
    gold = gold_cells(rows, sentences)
    gold_labels = {(sentence_of(r["id"]), r["target"]): r["stance"] for r in rows}
    started = time.time()

    results = {"outlets": len(outlets), "sentences": sum(sentences.values())}
    cells = aggregate(args, args.model, rows, set(outlets), args.work, "all")
    results["corpus_only"] = score(gold, cells, sentences, gold_labels)
    results["corpus_only_cells"] = {
        "%s/%s" % k: {"gold": gold[k], **{f: v for f, v in cells[k].items() if f != "statements"}}
        for k in sorted(gold)}

    halvings = split_halves(outlets, args.splits, args.seed)
    recalibrate = lambda labeled, model: run([
        args.stance, "calibrate", "--model", args.model, "--data", labeled,
        "--calibration", args.calibration, "--out", model])
    results["cross_fitted"] = cross_fitted(args, rows, halvings, gold, sentences, gold_labels, recalibrate, "calibrated")
    if not args.no_adapt:
        # The workflow of `stance label`: the labeled half retrains the model
        # (in a domain of its own, issue 15) and calibrates it, folds by article.
        adapt = lambda labeled, model: run([
            args.stance, "train", "--data", os.path.join(ROOT, "training_data", "corpus.jsonl"),
            "--data", "%s:%s" % (labeled, args.user_weight),
            "--targets", os.path.join(ROOT, "training_data", "targets.json"),
            "--mention-gate", "--alpha", "0.3", "--task", "stance",
            "--calibration", args.calibration, "--out", model])
        results["adapted"] = cross_fitted(args, rows, halvings, gold, sentences, gold_labels, adapt, "adapted")

    mentioned = set()
    for line in open(os.path.join(args.work, "all-classified.jsonl")):
        statement = json.loads(line)
        for t in statement.get("targets", []):
            if t["mentioned"]:
                mentioned.add((statement["article"], t["target"]))
    grid = [float(a) for a in args.accuracy_grid.split(",")]
    results["accuracy_needed"] = accuracy_needed(gold, sentences, rows, mentioned, grid, args.draws, args.seed)
    results["seconds"] = round(time.time() - started, 1)

    print("| setting | accuracy on mentioning statements | net stance MAE, raw counts | MAE, corrected | 95% interval coverage | mean interval width | noise floor |")
    print("|---|---|---|---|---|---|---|")
    rows_out = [("(a) calibration from our corpus only", results["corpus_only"]),
                ("(b) cross-fitted by outlet: `stance calibrate` (%d halvings)" % args.splits, results["cross_fitted"])]
    if "adapted" in results:
        rows_out.append(("(c) cross-fitted by outlet: retrained with the labels, weight %s (%d halvings)" % (
            args.user_weight, args.splits), results["adapted"]))
    for label, r in rows_out:
        print("| %s | %.3f | %.3f | %.3f | %.2f | %.2f | %.3f |" % (
            label, r["statement_accuracy"], r["mae_raw"], r["mae_corrected"], r["coverage"], r["mean_interval_width"], r["noise_floor"]))
    print()
    print("| simulated classifier accuracy (mentioning sentences) | MAE, raw counts | MAE, corrected with its exact confusion matrix |")
    print("|---|---|---|")
    for r in results["accuracy_needed"]:
        print("| %.2f | %.3f | %.3f |" % (r["accuracy"], r["mae_raw"], r["mae_corrected"]))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
