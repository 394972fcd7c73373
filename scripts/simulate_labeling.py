#!/usr/bin/env python3
"""Simulates the labeling loop on real news: how much do a user's labels help?

`fakes_stance/dev.jsonl` (413 real news sentences from 212 FA-KES articles,
labeled by our team for stance toward Russia and the United States) plays a
user's archive, and its gold labels play the user. Five folds by article:
for each fold, the other four fifths of the articles are the archive, whose
statements `stance label --answer-from` labels the way a person at the page
would (choosing them by --strategy), and the fold's articles are scored.

For each strategy, labels are given in rounds up to each budget (50, 100,
200, 300): each round asks with the model of the round before (the
corpus-only model first), then `stance train --data corpus --data
labels.jsonl:cv` retrains (the user weight chosen by cross-validation
inside the labels, folds by article) and `--test` scores the held-out
articles, mention-gated, as `stance evaluate --mention-gate` does. The
corpus-only model is scored on the same folds.

Usage: python3 scripts/simulate_labeling.py [--stance target/release/stance]
       [--folds 5] [--budgets 50,100,200,300] [--strategies uncertain,random,mixed]
       [--work DIR] [--out results.json] [--train-args '--calibration none']
Needs ../shared/datasets (not in the repository). Prints the learning-curve
table (mean macro-F1 over the folds, and the per-fold figures) in Markdown.
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "datasets", "fakes_stance", "dev.jsonl")


def article_of(row_id):
    return re.sub(r"-s\d+-(russia|us)$", "", row_id)


def sentence_index(row_id):
    return int(re.search(r"-s(\d+)-(russia|us)$", row_id).group(1))


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def run(cmd):
    started = time.time()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return out.stdout, time.time() - started


def train(args, out_model, test, labels=None):
    cmd = [args.stance, "train", "--data", "training_data/corpus.jsonl"]
    if labels:
        cmd += ["--data", labels + ":cv"]
    cmd += ["--targets", "training_data/targets.json", "--mention-gate", "--alpha", "0.3",
            "--task", "stance", "--test", test, "--out", out_model, "--format", "json"]
    cmd += args.train_args.split()
    stdout, seconds = run(cmd)
    report = json.loads(stdout)
    model = json.load(open(out_model))
    return {
        "macro_f1": report["held_out"]["stance"]["macro_f1"],
        "f_avg": report["held_out"]["stance"]["f_avg"],
        "user_weight": model["training"].get("user_weight"),
        "seconds": round(seconds, 1),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--budgets", default="50,100,200,300")
    p.add_argument("--strategies", default="uncertain,random,mixed")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", default="/tmp/stance-simulation")
    p.add_argument("--out", default=None)
    p.add_argument("--train-args", default="",
                   help="extra flags for every `stance train`, e.g. '--calibration none'")
    args = p.parse_args()
    budgets = [int(b) for b in args.budgets.split(",")]
    strategies = args.strategies.split(",")
    os.makedirs(args.work, exist_ok=True)

    rows = [json.loads(l) for l in open(DATA)]
    for r in rows:
        r["article"] = article_of(r["id"])
    # Each article's labeled sentences, in order, one paragraph each.
    sentences = {}
    for r in rows:
        sentences.setdefault(r["article"], {})[sentence_index(r["id"])] = r["text"]
    articles = sorted(sentences)
    random.Random(args.seed).shuffle(articles)
    fold_of = {a: i % args.folds for i, a in enumerate(articles)}

    results = {"folds": args.folds, "budgets": budgets, "runs": []}
    for fold in range(args.folds):
        d = os.path.join(args.work, "fold%d" % fold)
        os.makedirs(d, exist_ok=True)
        archive = [{"id": a, "text": "\n\n".join(sentences[a][k] for k in sorted(sentences[a]))}
                   for a in sorted(sentences) if fold_of[a] != fold]
        write_jsonl(os.path.join(d, "archive.jsonl"), archive)
        write_jsonl(os.path.join(d, "gold.jsonl"), [r for r in rows if fold_of[r["article"]] != fold])
        test = os.path.join(d, "heldout.jsonl")
        write_jsonl(test, [r for r in rows if fold_of[r["article"]] == fold])
        base_model = os.path.join(d, "corpus.json")
        base = train(args, base_model, test)
        results["runs"].append({"fold": fold, "strategy": "corpus only", "budget": 0, **base})
        print("fold %d corpus only: %.4f (%ss)" % (fold, base["macro_f1"], base["seconds"]), file=sys.stderr)
        for strategy in strategies:
            labels = os.path.join(d, "labels-%s.jsonl" % strategy)
            if os.path.exists(labels):
                os.remove(labels)
            model, given = base_model, 0
            for budget in budgets:
                run([args.stance, "label", "--input", os.path.join(d, "archive.jsonl"), "--out", labels,
                     "--model", model, "--strategy", strategy, "--seed", str(args.seed + fold),
                     "--answer-from", os.path.join(d, "gold.jsonl"), "--count", str(budget - given)])
                given = sum(1 for _ in open(labels))
                model = os.path.join(d, "%s-%d.json" % (strategy, budget))
                r = train(args, model, test, labels)
                r.update(fold=fold, strategy=strategy, budget=budget, labels=given)
                results["runs"].append(r)
                print("fold %d %s %d: %.4f (weight %s, %ss)" % (fold, strategy, given, r["macro_f1"],
                                                                r["user_weight"], r["seconds"]), file=sys.stderr)
        if args.out:
            json.dump(results, open(args.out, "w"), indent=1)

    print("| strategy | " + " | ".join(["0"] + [str(b) for b in budgets]) + " |")
    print("|---|" + "---|" * (len(budgets) + 1))
    base = [r["macro_f1"] for r in results["runs"] if r["budget"] == 0]
    mean = lambda xs: sum(xs) / len(xs)
    for strategy in strategies:
        cells = ["%.3f" % mean(base)]
        for b in budgets:
            xs = [r["macro_f1"] for r in results["runs"] if r["strategy"] == strategy and r["budget"] == b]
            cells.append("%.3f" % mean(xs))
        print("| %s | %s |" % (strategy, " | ".join(cells)))
    print("\nper fold:")
    for r in results["runs"]:
        print("  fold %(fold)d %(strategy)s %(budget)d: macro-F1 %(macro_f1).4f, weight %(user_weight)s" % r)


if __name__ == "__main__":
    main()
