#!/usr/bin/env python3
"""Writes benches/data/articles.jsonl: articles made of our own corpus statements.

The benches need news-like text we may ship. Our corpus is ours, so articles
are assembled from it: per topic, in corpus order, 8-20 statements each, in
paragraphs of 1-3 statements, a headline-style statement first when there is
one. Deterministic (seeded). Usage: python3 scripts/make-bench-data.py
"""
import json, random

rng = random.Random(7)
by_topic = {}
for line in open("training_data/corpus.jsonl", encoding="utf-8"):
    r = json.loads(line)
    if r["id"].endswith("-ru"):
        by_topic.setdefault(r["topic"], []).append(r["text"])
articles = []
for topic in sorted(by_topic):
    texts = by_topic[topic]
    i = 0
    while i < len(texts):
        n = rng.randint(8, 20)
        chunk = texts[i : i + n]
        i += n
        paragraphs, j = [], 0
        while j < len(chunk):
            k = rng.randint(1, 3)
            paragraphs.append(" ".join(chunk[j : j + k]))
            j += k
        articles.append({"id": f"{topic}-{len(articles):04d}", "text": "\n\n".join(paragraphs)})
with open("benches/data/articles.jsonl", "w", encoding="utf-8") as f:
    for a in articles:
        f.write(json.dumps(a, ensure_ascii=False) + "\n")
print(len(articles), "articles")
