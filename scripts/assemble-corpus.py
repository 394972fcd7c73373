#!/usr/bin/env python3
"""Assembles training_data/corpus.jsonl from the batches our writers produced.

Each batch line is one statement we wrote:
  {"text", "russia": stance, "us": stance, "sentiment", "phenomena": [...]}
The corpus has two rows per statement (ids cNNNN-ru and cNNNN-us) in the
project's JSONL schema, plus `topic` (the batch) and `phenomena`. A seeded,
stratified 20% of statements (within each pair of Russia and US stances) gets
split "test"; the rest "train". Statements that repeat an earlier one (word
Jaccard > 0.7) are dropped and counted. Usage:
  python3 scripts/assemble-corpus.py OUT.jsonl BATCH.jsonl [BATCH.jsonl ...]
"""
import json, os, random, re, sys
from collections import defaultdict

STANCES = {"favor", "against", "none"}
SENTIMENTS = {"positive", "negative", "neutral"}
TEST_SHARE, SEED = 0.2, 42


def words(text):
    return frozenset(re.findall(r"[^\W_]+(?:'[^\W_]+)*", text.lower()))


def main(out, batches):
    kept, seen, dropped = [], [], 0
    for path in batches:
        topic = re.sub(r"^\d+-", "", os.path.basename(path).rsplit(".", 1)[0])
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if r["russia"] not in STANCES or r["us"] not in STANCES or r["sentiment"] not in SENTIMENTS:
                sys.exit(f"{path}:{n}: bad label")
            w = words(r["text"])
            if any(len(w & o) / len(w | o) > 0.7 for o in seen if min(len(w), len(o)) > 0.7 * max(len(w), len(o))):
                dropped += 1
                continue
            seen.append(w)
            kept.append(dict(r, topic=topic))
    groups = defaultdict(list)
    for i, r in enumerate(kept):
        groups[(r["russia"], r["us"])].append(i)
    rng = random.Random(SEED)
    test = set()
    for key in sorted(groups):
        idx = groups[key][:]
        rng.shuffle(idx)
        test.update(idx[: round(len(idx) * TEST_SHARE)])
    with open(out, "w", encoding="utf-8") as f:
        for i, r in enumerate(kept):
            for suffix, target, key in (("ru", "Russia", "russia"), ("us", "United States", "us")):
                row = {
                    "id": f"c{i + 1:04d}-{suffix}",
                    "text": r["text"],
                    "target": target,
                    "stance": r[key],
                    "sentiment": r["sentiment"],
                    "split": "test" if i in test else "train",
                    "topic": r["topic"],
                    "phenomena": sorted(set(r.get("phenomena", []))),
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(kept)} statements ({len(test)} test), {dropped} near-duplicates dropped", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
