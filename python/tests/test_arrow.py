"""Model.classify_arrow: one row per statement, the same statements as the CLI."""

from __future__ import annotations

import json
import struct

import pyarrow as pa
import pytest

import stance
from conftest import FIXTURES, fixture_articles, jsonl, run_cli

STANCES = ("favor", "against", "none")
SENTIMENTS = ("positive", "negative", "neutral")


def f32(x: float | None) -> float | None:
    """A JSON number as the f32 it was written from."""
    return None if x is None else struct.unpack("f", struct.pack("f", x))[0]


def prefix(target: str) -> str:
    return target.lower().replace(" ", "_")


def assert_rows_are_records(batch: pa.RecordBatch, records: list[dict]) -> None:
    """Every row of `batch` says what the `jsonl` record at its place says."""
    rows = batch.to_pylist()
    assert len(rows) == len(records)
    for row, rec in zip(rows, records):
        where = (rec["article"], rec["index"])
        for key in ("article", "index", "start", "end", "text"):
            assert row[key] == rec[key], where
        assert row["dateline"] == rec.get("dateline"), where
        assert row["bullet"] == rec.get("bullet"), where
        assert row["furniture"] == rec.get("furniture", False), where
        for t in rec["targets"]:
            p = prefix(t["target"])
            assert row[f"{p}_mentioned"] == t["mentioned"], where
            assert row[f"{p}_mentions"] == [m["alias"] for m in t["mentions"]], where
            for task, labels in (("stance", STANCES), ("sentiment", SENTIMENTS)):
                decision = t.get(task)
                if f"{p}_{task}" not in row:
                    assert decision is None, where
                    continue
                assert row[f"{p}_{task}"] == (decision or {}).get("label"), where
                probabilities = (decision or {}).get("probabilities", {})
                for label in labels:
                    assert row[f"{p}_p_{label}"] == f32(probabilities.get(label)), where
        assert row["sentiment"] == rec["sentiment"]["label"], where
        for label in SENTIMENTS:
            assert row[f"p_{label}"] == f32(rec["sentiment"].get("probabilities", {}).get(label)), where


def test_the_schema_is_flat_and_named_after_the_targets(builtin):
    names = builtin.arrow_schema().names
    per_target = ["mentioned", "mentions", "stance", "p_favor", "p_against", "p_none"]
    assert names == (
        ["article", "index", "start", "end", "text", "dateline", "bullet", "furniture"]
        + [f"russia_{c}" for c in per_target]
        + [f"united_states_{c}" for c in per_target]
        + ["sentiment", "p_positive", "p_negative", "p_neutral"]
    )


def test_rows_are_the_cli_statements_on_the_fixtures(builtin, cli):
    ids, texts = fixture_articles()
    expected = jsonl(run_cli(cli, "classify", "--format", "jsonl", *ids))
    batch = builtin.classify_arrow(pa.record_batch({"id": ids, "text": texts}))
    assert batch.schema == builtin.arrow_schema()
    assert_rows_are_records(batch, expected)
    assert any(r["dateline"] for r in batch.to_pylist())


def test_rows_are_the_cli_statements_on_fakes(builtin, cli, fakes, tmp_path):
    path = tmp_path / "fakes.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in fakes), encoding="utf-8")
    expected = jsonl(run_cli(cli, "classify", "--input-format", "jsonl", "--format", "jsonl", path))
    table = pa.table({"id": [a["id"] for a in fakes], "text": [a["text"] for a in fakes]})
    batch = builtin.classify_arrow(table, threads=2)
    assert batch.num_rows == len(expected) > 9000
    assert_rows_are_records(batch, expected)
    assert builtin.classify_arrow(table, threads=1).equals(batch)


def test_input_layouts(builtin):
    ids, texts = fixture_articles()
    expected = builtin.classify_arrow(pa.record_batch({"id": ids, "text": texts}))
    # A table in several chunks, large strings, string views.
    chunked = pa.Table.from_batches(
        [pa.record_batch({"id": ids[:1], "text": texts[:1]}), pa.record_batch({"id": ids[1:], "text": texts[1:]})]
    )
    assert builtin.classify_arrow(chunked).equals(expected)
    large = pa.record_batch({"id": pa.array(ids, pa.large_string()), "text": pa.array(texts, pa.large_string())})
    assert builtin.classify_arrow(large).equals(expected)
    view = pa.record_batch({"id": pa.array(ids, pa.string_view()), "text": pa.array(texts, pa.string_view())})
    assert builtin.classify_arrow(view).equals(expected)
    # Integer ids are written in decimal, as the CLI writes a number id.
    numbered = builtin.classify_arrow(pa.record_batch({"id": pa.array([7, 8, 9], pa.int32()), "text": texts}))
    assert set(numbered.column("article").to_pylist()) == {"7", "8"}
    # Nothing in, nothing out, with the same columns.
    empty = builtin.classify_arrow(pa.record_batch({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}))
    assert empty.num_rows == 0 and empty.schema == builtin.arrow_schema()


def test_kept_columns_repeat_on_each_statement(builtin):
    batch = pa.record_batch(
        {
            "id": ["a", "b"],
            "text": ["Moscow denied it. Washington agreed.", "The Kremlin spoke."],
            "outlet": ["tass", "reuters"],
            "date": pa.array([17000, 17001], pa.date32()),
        }
    )
    out = builtin.classify_arrow(batch, keep=["outlet", "date"])
    assert out.schema.names[-2:] == ["outlet", "date"]
    assert out.schema.field("date").type == pa.date32()
    assert out.column("outlet").to_pylist() == ["tass", "tass", "reuters"]
    assert out.column("article").to_pylist() == ["a", "a", "b"]
    with pytest.raises(stance.InputError, match='no "source" column'):
        builtin.classify_arrow(batch, keep=["source"])
    with pytest.raises(stance.InputError, match='two output columns would be named "text"'):
        builtin.classify_arrow(batch, keep=["text"])


@pytest.mark.parametrize(
    ("columns", "message", "index"),
    [
        ({"id": ["a"], "body": ["x"]}, 'the batch has no "text" column (it has: id, body)', None),
        ({"text": ["x"]}, 'the batch has no "id" column (it has: text)', None),
        ({"id": ["a", "b"], "text": ["fine", None]}, "row 1 has a null text", 1),
        ({"id": ["a", None], "text": ["fine", "fine"]}, "row 1 has a null id", 1),
        ({"id": ["a"], "text": [3]}, 'the "text" column has type Int64; expected strings', None),
        ({"id": [1.5], "text": ["x"]}, 'the "id" column has type Float64', None),
    ],
)
def test_bad_batches_raise_input_error(builtin, columns, message, index):
    with pytest.raises(stance.InputError) as caught:
        builtin.classify_arrow(pa.record_batch(columns))
    assert message in str(caught.value)
    assert caught.value.index == index


def test_what_is_not_arrow_is_refused(builtin):
    with pytest.raises(stance.InputError, match="expected a pyarrow RecordBatch or Table"):
        builtin.classify_arrow([{"id": "a", "text": "x"}])
    with pytest.raises(stance.InputError, match="threads must be at least 1"):
        builtin.classify_arrow(pa.record_batch({"id": ["a"], "text": ["x"]}), threads=0)


def test_sentiment_toward_targets_gets_columns_of_its_own(tmp_path):
    model = stance.train(
        [FIXTURES / "train.jsonl"], sentiment_toward_target=True, targets=FIXTURES / "targets.json"
    )
    names = model.arrow_schema().names
    assert "russia_sentiment" in names and "united_states_p_neutral" in names and "russia_stance" in names
    ids, texts = fixture_articles()
    batch = model.classify_arrow(pa.record_batch({"id": ids, "text": texts}))
    records = model.classify(texts, ids)
    assert any("sentiment" in t for r in records for t in r["targets"])
    assert_rows_are_records(batch, records)
    # Sentiment only: no stance columns.
    only = stance.train([FIXTURES / "train.jsonl"], task="sentiment", sentiment_toward_target=True)
    assert not any(n.endswith("_stance") for n in only.arrow_schema().names)
    assert_rows_are_records(only.classify_arrow(pa.record_batch({"id": ids, "text": texts})), only.classify(texts, ids))
