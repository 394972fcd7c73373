#!/usr/bin/env python3
"""K-fold cross-validation of `stance train` settings on a labeled training file.

Used to choose settings honestly: only the training file is read. The rows
are cut into K folds stratified by (target, stance); for each fold the
binary trains on the other folds with the given flags and evaluates on the
fold. Confusion matrices are summed over folds, so the figure is the pooled
one (F_avg = mean of F1(favor) and F1(against) over all targets' rows, or
macro-F1 for sentiment), as on the test set.

Usage: python3 scripts/cv_semeval.py STANCE_BINARY TRAIN.jsonl TASK K [train flags...]
TASK is stance or sentiment. Prints one JSON line: flags, pooled score, per-fold scores.
Rows whose split is "test" are left out. CV_EVAL_FLAGS (space-separated) are
passed to `stance evaluate`, e.g. CV_EVAL_FLAGS=--mention-gate.
"""
import json, os, random, subprocess, sys, tempfile
from collections import defaultdict

binary, train_path, task, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
flags = sys.argv[5:]
rows = [json.loads(l) for l in open(train_path, encoding="utf-8") if l.strip()]
rows = [r for r in rows if r.get(task) and r.get("split") != "test"]
eval_flags = os.environ.get("CV_EVAL_FLAGS", "").split()

# Stratified, seeded folds.
by_key = defaultdict(list)
for i, r in enumerate(rows):
    by_key[(r.get("target", ""), r[task])].append(i)
fold_of = [0] * len(rows)
rng = random.Random(int(os.environ.get("CV_SEED", "42")))
for key in sorted(by_key):
    idx = by_key[key]
    rng.shuffle(idx)
    for j, i in enumerate(idx):
        fold_of[i] = j % k

labels = ["favor", "against", "none"] if task == "stance" else ["positive", "negative", "neutral"]
pooled = {g: {p: 0 for p in labels} for g in labels}
fold_scores = []
with tempfile.TemporaryDirectory() as d:
    for f in range(k):
        tr, te, model = (os.path.join(d, n) for n in ("train.jsonl", "test.jsonl", "model.json"))
        with open(tr, "w", encoding="utf-8") as a, open(te, "w", encoding="utf-8") as b:
            for r, fo in zip(rows, fold_of):
                r = dict(r, split="train")
                (b if fo == f else a).write(json.dumps(r) + "\n")
        subprocess.run([binary, "train", "--data", tr, "--task", task, "--out", model, *flags],
                       check=True, capture_output=True)
        out = subprocess.run([binary, "evaluate", "--model", model, "--data", te, "--format", "json", *eval_flags],
                             check=True, capture_output=True, text=True).stdout
        rep = json.loads(out)[task]
        fold_scores.append(rep["f_avg"] if task == "stance" else rep["macro_f1"])
        m = rep["confusion"]
        for gi, g in enumerate(m["labels"]):
            for pi, p in enumerate(m["labels"]):
                pooled[g][p] += m["matrix"][gi][pi]

def f1(c):
    tp = pooled[c][c]
    pred = sum(pooled[g][c] for g in labels)
    gold = sum(pooled[c].values())
    prec = tp / pred if pred else 0.0
    rec = tp / gold if gold else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0

score = (f1("favor") + f1("against")) / 2 if task == "stance" else sum(map(f1, labels)) / 3
print(json.dumps({"flags": " ".join(flags), "task": task, "k": k, "pooled": round(score, 4),
                  "folds": [round(s, 4) for s in fold_scores]}))
