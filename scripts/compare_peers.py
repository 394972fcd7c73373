#!/usr/bin/env python3
"""Times scikit-learn and fastText against `stance` on the same sentences.

Each tool is trained on the same file (our corpus's train split): stance
toward each target on that target's rows, sentiment on distinct texts. Then each one scores
every sentence for every target and for sentiment, single-threaded, and the
vectorize+predict time is compared with `stance bench --threads 1` on the
same input in the same run. The sentences are the statements `stance
classify` cuts the input into, so all three see identical text.

Usage: python3 scripts/compare_peers.py STANCE_BINARY INPUT.jsonl [REPEAT]
"""
import json, os, subprocess, sys, tempfile, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import fasttext  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

binary, input_path = sys.argv[1], sys.argv[2]
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
rows = [json.loads(l) for l in open("training_data/corpus.jsonl", encoding="utf-8")]
train = [r for r in rows if r["split"] == "train"]
targets = sorted({r["target"] for r in train})

out = subprocess.run([binary, "classify", "--input-format", "jsonl", "--format", "jsonl", "--threads", "1", input_path],
                     capture_output=True, text=True, check=True).stdout
sentences = [json.loads(l)["text"] for l in out.splitlines()]
n_bytes = sum(len(s.encode()) for s in sentences)

def tasks():
    for t in targets:
        yield f"stance/{t}", [(r["text"], r["stance"]) for r in train if r["target"] == t]
    seen = {}
    for r in train:
        seen.setdefault(r["text"], r["sentiment"])
    yield "sentiment", list(seen.items())

# scikit-learn: the usual baseline, word 1-2 tf-idf and logistic regression.
sk = []
for name, data in tasks():
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    X = vec.fit_transform([t for t, _ in data])
    clf = LogisticRegression(C=10, max_iter=1000).fit(X, [y for _, y in data])
    sk.append((vec, clf))

def time_sklearn():
    t0 = time.perf_counter()
    for vec, clf in sk:
        clf.predict_proba(vec.transform(sentences))
    return time.perf_counter() - t0

# fastText: supervised, word bigrams.
ft = []
with tempfile.TemporaryDirectory() as d:
    for name, data in tasks():
        path = os.path.join(d, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            for text, label in data:
                f.write(f"__label__{label} {' '.join(text.split())}\n")
        ft.append(fasttext.train_supervised(path, wordNgrams=2, epoch=25, thread=1, verbose=0, seed=1))
clean = [" ".join(s.split()) for s in sentences]

def time_fasttext():
    t0 = time.perf_counter()
    for m in ft:
        m.predict(clean, k=-1)
    return time.perf_counter() - t0

def best(fn):
    fn()  # warm-up
    return min(fn() for _ in range(repeat))

sk_s, ft_s = best(time_sklearn), best(time_fasttext)
bench = json.loads(subprocess.run([binary, "bench", "--input", input_path, "--input-format", "jsonl", "--threads", "1",
                                   "--repeat", str(repeat), "--format", "json"], capture_output=True, text=True, check=True).stdout)
ours_s = bench["seconds"] / bench["sentences"] * len(sentences)
n = len(sentences)
print(f"{n} sentences, {n_bytes / 1e6:.1f} MB, single-threaded, best of {repeat}; every tool scores {len(targets)} stance targets + sentiment")
print(f"{'tool':<38}{'seconds':>9}{'sentences/s':>14}{'stance speed-up':>17}")
for name, s in [("stance (split+featurize+score+JSONL)", ours_s), ("scikit-learn tfidf+LR (predict only)", sk_s), ("fastText (predict only)", ft_s)]:
    print(f"{name:<38}{s:>9.3f}{n / s:>14.0f}{s / ours_s:>16.2f}x")
