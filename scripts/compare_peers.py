#!/usr/bin/env python3
"""Times scikit-learn, fastText and `wc -w` against `stance` on the same sentences.

Each tool is trained on the same file (our corpus's train split): stance
toward each target on that target's rows, sentiment on distinct texts. The
input articles are repeated until they fill at least MIN_MB megabytes (the
issue's "real news repeated to >= 100 MB"). Each peer then scores every
sentence of that input for every target and for sentiment, single-threaded,
and its vectorize+predict time is compared with `stance bench` (whole
classify path: split, featurize, score, JSONL) on the same input in the same
run, with 1 and 2 threads. `wc -w` reading the same bytes is the practical
floor. The sentences are the statements `stance classify` cuts the input
into, so every tool sees identical text.

Usage: python3 scripts/compare_peers.py STANCE_BINARY INPUT.jsonl [REPEAT] [MIN_MB]
"""
import json, math, os, subprocess, sys, tempfile, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import fasttext  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

binary, base_path = sys.argv[1], sys.argv[2]
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 3
min_mb = float(sys.argv[4]) if len(sys.argv) > 4 else 100.0
rows = [json.loads(l) for l in open("training_data/corpus.jsonl", encoding="utf-8")]
train = [r for r in rows if r["split"] == "train"]
targets = sorted({r["target"] for r in train})

out = subprocess.run([binary, "classify", "--input-format", "jsonl", "--format", "jsonl", base_path],
                     capture_output=True, text=True, check=True).stdout
base_sentences = [json.loads(l)["text"] for l in out.splitlines()]
# The input, repeated (with distinct ids) to at least MIN_MB.
base_lines = [json.loads(l) for l in open(base_path, encoding="utf-8") if l.strip()]
base_bytes = os.path.getsize(base_path)
copies = max(1, math.ceil(min_mb * 1e6 / base_bytes))
work = tempfile.mkdtemp()
input_path = os.path.join(work, "input.jsonl")
with open(input_path, "w", encoding="utf-8") as f:
    for k in range(copies):
        for r in base_lines:
            f.write(json.dumps({"id": f"{r['id']}#{k}", "text": r["text"]}) + "\n")
input_bytes = os.path.getsize(input_path)
sentences = base_sentences * copies
n_bytes = sum(len(s.encode()) for s in base_sentences) * copies

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

# fastText: supervised, word bigrams.
ft = []
with tempfile.TemporaryDirectory() as d:
    for name, data in tasks():
        path = os.path.join(d, "train.txt")
        with open(path, "w", encoding="utf-8") as f:
            for text, label in data:
                f.write(f"__label__{label} {' '.join(text.split())}\n")
        ft.append(fasttext.train_supervised(path, wordNgrams=2, epoch=25, thread=1, verbose=0, seed=1))
def best(fn, warm_up):
    warm_up()
    return min(fn() for _ in range(repeat))

def timed(fn, items):
    def run():
        t0 = time.perf_counter()
        fn(items)
        return time.perf_counter() - t0
    return run

def sklearn_predict(items):
    for vec, clf in sk:
        clf.predict_proba(vec.transform(items))

def fasttext_predict(items):
    for m in ft:
        m.predict(items, k=-1)

clean_base = [" ".join(s.split()) for s in base_sentences]
clean = clean_base * copies
sk_s = best(timed(sklearn_predict, sentences), lambda: sklearn_predict(base_sentences))
ft_s = best(timed(fasttext_predict, clean), lambda: fasttext_predict(clean_base))

def bench(threads):
    r = subprocess.run([binary, "bench", "--input", input_path, "--input-format", "jsonl", "--threads", str(threads),
                        "--repeat", str(repeat), "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(r.stdout)

def wc_seconds():
    t0 = time.perf_counter()
    subprocess.run(["wc", "-w", input_path], capture_output=True, check=True)
    return time.perf_counter() - t0

one, two = bench(1), bench(2)
wc_s = best(wc_seconds, wc_seconds)
n = len(sentences)
per_run = lambda b: b["seconds"] / b["sentences"] * n
ours1, ours2 = per_run(one), per_run(two)
print(f"input: {input_bytes / 1e6:.1f} MB of JSONL ({base_path} x {copies}), {n} sentences ({n_bytes / 1e6:.1f} MB of sentence text); best of {repeat}")
print(f"every tool scores {len(targets)} stance targets + sentiment per sentence")
print(f"{'tool':<44}{'threads':>8}{'seconds':>9}{'sentences/s':>13}{'vs stance 1 thread':>20}")
rows = [
    ("stance (split+featurize+score+JSONL)", 1, ours1),
    ("stance (split+featurize+score+JSONL)", 2, ours2),
    ("scikit-learn tfidf+LR (vectorize+predict)", 1, sk_s),
    ("fastText (predict)", 1, ft_s),
    ("wc -w (reads the same JSONL)", 1, wc_s),
]
for name, threads, sec in rows:
    print(f"{name:<44}{threads:>8}{sec:>9.3f}{n / sec:>13.0f}{sec / ours1:>19.2f}x")
print(f"peak RSS of stance bench: {one['peak_rss_mb']:.1f} MB (1 thread), {two['peak_rss_mb']:.1f} MB (2 threads)")
print(json.dumps({"input_mb": input_bytes / 1e6, "sentences": n, "stance_1t_s": ours1, "stance_2t_s": ours2,
                  "sklearn_s": sk_s, "fasttext_s": ft_s, "wc_s": wc_s,
                  "stance_2t_sentences_per_sec": n / ours2, "sklearn_ratio": sk_s / ours1,
                  "fasttext_ratio": ft_s / ours1, "wc_ratio_2t": ours2 / wc_s}))
os.remove(input_path)
