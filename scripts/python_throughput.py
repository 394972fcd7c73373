#!/usr/bin/env python3
"""Throughput through Python: Model.classify_arrow next to `stance bench`.

The FA-KES articles (../shared/datasets/fa_kes/unlabeled.jsonl) are repeated
until the archive holds at least --megabytes of text (ids made unique), and
written as JSONL. In the same run, for 1 and 2 threads, this times:
- `stance bench --input ARCHIVE --input-format jsonl --threads N --repeat 1`
  (the CLI's own timing of classifying the archive, without reading it);
- `stance.Model.builtin().classify_arrow(table, threads=N)` on the archive as
  a pyarrow Table (read before timing), in batches of --batch articles.
It prints statements per second for both, and the ratio Python / CLI.

Usage: python3 scripts/python_throughput.py [--stance target/release/stance]
       [--megabytes 100] [--batch 2000] [--out results.json]
Needs the Python package (`pip install "./python[arrow]"`) and ../shared.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAKES = os.path.join(ROOT, "..", "shared", "datasets", "fa_kes", "unlabeled.jsonl")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stance", default=os.path.join(ROOT, "target", "release", "stance"))
    p.add_argument("--megabytes", type=float, default=100)
    p.add_argument("--batch", type=int, default=2000)
    p.add_argument("--work", default="/tmp/stance-python-throughput")
    p.add_argument("--out", default=None)
    args = p.parse_args()
    if not os.path.exists(FAKES):
        sys.exit("needs %s" % FAKES)
    import pyarrow as pa
    import stance

    os.makedirs(args.work, exist_ok=True)
    articles = [json.loads(l) for l in open(FAKES) if l.strip()]
    archive = os.path.join(args.work, "archive.jsonl")
    ids, texts, size, copy = [], [], 0, 0
    while size < args.megabytes * 1e6:
        for a in articles:
            ids.append("%s-%d" % (a["id"], copy))
            texts.append(a["text"])
            size += len(a["text"].encode())
        copy += 1
    with open(archive, "w") as f:
        for i, t in zip(ids, texts):
            f.write(json.dumps({"id": i, "text": t}) + "\n")
    table = pa.table({"id": ids, "text": texts})
    model = stance.Model.builtin()
    results = {"articles": len(ids), "megabytes": round(size / 1e6, 1), "runs": []}
    for threads in (1, 2):
        out = subprocess.run([args.stance, "bench", "--input", archive, "--input-format", "jsonl",
                              "--threads", str(threads), "--repeat", "1", "--format", "json"],
                             capture_output=True, text=True, check=True)
        bench = json.loads(out.stdout)
        cli_rate = bench["sentences_per_sec"]
        started = time.perf_counter()
        statements = 0
        for batch in table.to_batches(max_chunksize=args.batch):
            statements += model.classify_arrow(batch, threads=threads).num_rows
        seconds = time.perf_counter() - started
        py_rate = statements / seconds
        run = {"threads": threads, "cli_sentences_per_second": round(cli_rate),
               "python_statements_per_second": round(py_rate), "python_seconds": round(seconds, 2),
               "statements": statements, "ratio": round(py_rate / cli_rate, 3)}
        results["runs"].append(run)
        print("threads %d: CLI %.0f statements/s, Python classify_arrow %.0f statements/s (%.1f s): ratio %.2f"
              % (threads, cli_rate, py_rate, seconds, py_rate / cli_rate), flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
