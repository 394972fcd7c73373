#!/usr/bin/env bash
# Regenerates the README's accuracy table on public benchmarks (SemEval-2016
# Task 6 stance and sentiment, NewsMTSC, RUW) from ../shared/datasets (or
# $DATASETS): our figure and scikit-learn's on each, same rows, same metric.
# Creates a Python virtual environment for scikit-learn (default
# .venv-peers, or $PEERS_VENV). Not part of the tests.
# Usage: scripts/benchmarks.sh [NAME-FILTER...]
set -euo pipefail
cd "$(dirname "$0")/.."
datasets="${DATASETS:-../shared/datasets}"
if [ ! -d "$datasets" ]; then
  echo "benchmarks.sh: no datasets at $datasets (set DATASETS)" >&2
  exit 1
fi
venv="${PEERS_VENV:-.venv-peers}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q scikit-learn fasttext-numpy2
fi
cargo build --release --locked -q
"$venv/bin/python" scripts/benchmarks.py target/release/stance "$datasets" "$@"
