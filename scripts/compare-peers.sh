#!/usr/bin/env bash
# Side-by-side inference speed: stance vs scikit-learn vs fastText vs `wc -w`,
# on the same sentences, in one run. Creates a Python virtual environment
# (default .venv-peers, or $PEERS_VENV) and installs the peers from PyPI.
# Input: FA-KES articles from ../shared when present (real news), else our
# bench articles, repeated to at least MIN_MB (default 100) megabytes.
# Usage: scripts/compare-peers.sh [INPUT.jsonl] [REPEAT] [MIN_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PEERS_VENV:-.venv-peers}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q scikit-learn fasttext-numpy2
fi
cargo build --release --locked -q
input="${1:-}"
if [ -z "$input" ]; then
  fakes=../shared/datasets/fa_kes/unlabeled.jsonl
  if [ -f "$fakes" ]; then
    input="$(mktemp --suffix .jsonl)"
    # id and text only, so that every tool sees the same articles.
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l); print(json.dumps({"id": r["id"], "text": r["text"]}))' "$fakes" > "$input"
  else
    input=benches/data/articles.jsonl
  fi
fi
"$venv/bin/python" scripts/compare_peers.py target/release/stance "$input" "${2:-3}" "${3:-100}"
