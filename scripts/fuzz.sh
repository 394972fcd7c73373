#!/usr/bin/env bash
# Fuzzes the input-facing code with cargo-fuzz (libFuzzer): the sentence
# splitter, the tokenizer, the JSONL readers, the CSV reader, the model
# loader and the whole classify path. Each target runs a fixed number of
# executions (default 200,000; 6 targets, 1.2 million in all), seeded from
# the test fixtures; any crash fails the script and leaves the input in
# fuzz/artifacts/<target>/ (turn it into a regression test).
# Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz
# Usage: scripts/fuzz.sh [RUNS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(split tokenize jsonl csv model classify)
fi
cargo +nightly fuzz build -O >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Seeds: our fixtures and a small model trained on them.
seeds="$work/seeds"
mkdir -p "$seeds"/{text,jsonl,csv,model}
cp tests/fixtures/articles/*.txt "$seeds/text/"
head -c 4000 tests/fixtures/train.jsonl > "$seeds/jsonl/train.jsonl"
head -c 4000 training_data/corpus.jsonl > "$seeds/jsonl/corpus.jsonl"
head -c 4000 tests/fixtures/train.csv > "$seeds/csv/train.csv"
cargo build --release --locked -q
target/release/stance train --data tests/fixtures/train.jsonl --task sentiment --max-features 20 \
  --char-ngrams none --out "$seeds/model/tiny.json" >/dev/null

seed_of() {
  case "$1" in
    split | tokenize | classify) echo "$seeds/text" ;;
    jsonl) echo "$seeds/jsonl" ;;
    csv) echo "$seeds/csv" ;;
    model) echo "$seeds/model" ;;
  esac
}

total=0
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"
  mkdir -p "$corpus"
  echo "== $t: $runs executions"
  # -max_len bounds input size (the model seed is about 3 kB); libFuzzer
  # exits non-zero on a crash, a timeout (-timeout seconds per input) or
  # running out of memory (-rss_limit_mb).
  if ! cargo +nightly fuzz run -O "$t" "$corpus" "$(seed_of "$t")" -- \
      -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$work/$t.log" 2>&1; then
    tail -40 "$work/$t.log"
    echo "fuzz.sh: target $t failed; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  done_runs=$(grep -m1 -E '^stat::number_of_executed_units' "$work/$t.log" | awk '{print $2}')
  echo "   clean: ${done_runs:-?} executions"
  total=$((total + ${done_runs:-0}))
done
echo "all targets clean: $total executions in total"
