#!/usr/bin/env python3
"""Regenerates the README's accuracy table on public benchmarks.

For each benchmark, `stance` is trained on the training file with the flags
shown in the table and evaluated once on the test file; scikit-learn's
linear baseline (per-target TfidfVectorizer word 1-2 + LogisticRegression,
as in scripts/compare_peers.py) is trained and scored on the same rows with
the same metric. Nothing here is used by the unit tests.

Usage: python3 scripts/benchmarks.py STANCE_BINARY DATASETS_DIR
"""
import json, os, subprocess, sys, tempfile, time
from collections import defaultdict

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

binary, root = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp()


def rows(path, task, target=None):
    out = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    return [r for r in out if r.get(task) and (target is None or r["target"].lower() == target.lower())]


def metric(task, gold, pred):
    if task == "stance":
        f = f1_score(gold, pred, labels=["favor", "against"], average=None, zero_division=0)
        return (f[0] + f[1]) / 2
    return f1_score(gold, pred, labels=["positive", "negative", "neutral"], average="macro", zero_division=0)


def ours(name, train, test, task, flags, target=None):
    model = os.path.join(work, name + ".json")
    t0 = time.perf_counter()
    subprocess.run([binary, "train", "--data", train, "--task", task, "--out", model, *flags], check=True,
                   capture_output=True)
    seconds = time.perf_counter() - t0
    cmd = [binary, "evaluate", "--model", model, "--data", test, "--format", "json"]
    if target:
        cmd += ["--target", target]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)[task]
    return (report["f_avg"] if task == "stance" else report["macro_f1"]), seconds


def through_classify(name, test, task):
    """Scores sentiment toward each test row's target as `classify` gives it:
    every sentence is classified with a targets file naming each row's
    target (its only alias), and the row gets the most confident decision
    among the statements that mention it; a row whose target is not found
    counts as wrong. Returns the score and the number of rows found."""
    te = rows(test, task)
    names = {}
    for r in te:
        names.setdefault(r["target"].lower(), r["target"])
    targets = os.path.join(work, name + "-targets.json")
    with open(targets, "w", encoding="utf-8") as f:
        json.dump({"targets": [{"name": n, "aliases": [n]} for n in names.values()]}, f)
    articles = os.path.join(work, name + "-articles.jsonl")
    with open(articles, "w", encoding="utf-8") as f:
        for i, r in enumerate(te):
            f.write(json.dumps({"id": str(i), "text": r["text"]}) + "\n")
    model = os.path.join(work, name + ".json")
    out = subprocess.run([binary, "classify", "--model", model, "--targets", targets, "--input-format", "jsonl",
                          "--format", "jsonl", articles], check=True, capture_output=True, text=True).stdout
    decisions = defaultdict(list)
    for line in out.splitlines():
        statement = json.loads(line)
        for t in statement["targets"]:
            if t["mentioned"]:
                decisions[(statement["article"], t["target"].lower())].append(t[task])
    pred = []
    for i, r in enumerate(te):
        found = decisions.get((str(i), r["target"].lower()), [])
        pred.append(max(found, key=lambda d: d["confidence"])["label"] if found else "")
    return metric(task, [r[task] for r in te], pred), sum(1 for p in pred if p)


def sklearn(train, test, task, target=None):
    tr, te = rows(train, task), rows(test, task, target)
    # A classifier per target for stance; one for sentiment (targets ignored).
    key = (lambda r: r["target"]) if task == "stance" else (lambda r: "")
    groups = defaultdict(list)
    for r in tr:
        groups[key(r)].append(r)
    models = {}
    for k, g in groups.items():
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        X = vec.fit_transform([r["text"] for r in g])
        models[k] = (vec, LogisticRegression(C=10, max_iter=1000).fit(X, [r[task] for r in g]))
    pred = []
    for r in te:
        vec, clf = models[key(r)]
        pred.append(clf.predict(vec.transform([r["text"]]))[0])
    return metric(task, [r[task] for r in te], pred)


S = root
benchmarks = [
    # (name, metric label, train, test, task, our flags, target filter)
    ("SemEval-2016 Task 6 A, stance", "F_avg", f"{S}/semeval2016_task6/train.jsonl", f"{S}/semeval2016_task6/test.jsonl",
     "stance", [], None),
    ("SemEval-2016 Task 6 A, stance (mode chosen by CV)", "F_avg", f"{S}/semeval2016_task6/train.jsonl",
     f"{S}/semeval2016_task6/test.jsonl", "stance", ["--mode", "auto"], None),
    ("SemEval-2016 Task 6 A, stance (CV-chosen)", "F_avg", f"{S}/semeval2016_task6/train.jsonl",
     f"{S}/semeval2016_task6/test.jsonl", "stance", ["--balance", "--cv", "5"], None),
    ("SemEval-2016 Task 6, sentiment", "macro-F1", f"{S}/semeval2016_task6/train.jsonl",
     f"{S}/semeval2016_task6/test.jsonl", "sentiment", [], None),
    ("NewsMTSC (rw), sentiment in news sentences (test)", "macro-F1", f"{S}/newsmtsc_rw/train.jsonl",
     f"{S}/newsmtsc_rw/test.jsonl", "sentiment", ["--sentiment-toward-target"], None),
    ("RUW, stance toward Russia (dev)", "F_avg", f"{S}/ruw/train.jsonl", f"{S}/ruw/dev.jsonl", "stance", [], "Russia"),
]
if len(sys.argv) > 3:
    benchmarks = [b for b in benchmarks if any(w in b[0] for w in sys.argv[3:])]
print("| benchmark | metric | `stance` | flags | train s | scikit-learn |")
print("|---|---|---|---|---|---|")
for name, label, train, test, task, flags, target in benchmarks:
    score, seconds = ours(name.split(",")[0].replace(" ", "_"), train, test, task, flags, target)
    sk = sklearn(train, test, task, target)
    flag_text = "`" + " ".join(["--task", task, *flags]) + "`"
    print(f"| {name} | {label} | **{score:.4f}** | {flag_text} | {seconds:.0f} | {sk:.4f} |", flush=True)
    if "--sentiment-toward-target" in flags:
        # The same model's sentiment toward each row's target, as classify gives it.
        via, found = through_classify(name.split(",")[0].replace(" ", "_"), test, task)
        print(f"| same, through `classify` ({found} of {len(rows(test, task))} targets found) | {label} | "
              f"**{via:.4f}** | `classify --targets` | | |", flush=True)
