"""examples/spark/classify_archive.py in Spark local mode (local[2]).

The job's per-statement rows must equal `stance classify --format jsonl` on
the same articles, and its outlet-month table must equal the counts made
from that JSONL. The archive is made from the repository's fixture
sentences (always), and from the FA-KES articles when ../shared is here.
Without pyspark or Java the tests are skipped, visibly; with
STANCE_REQUIRE_SPARK set (as .ci/run sets it) they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import FAKES, FIXTURES, REPO, run_cli

SCRIPT = REPO / "examples" / "spark" / "classify_archive.py"
TARGETS = {"Russia": "russia", "United States": "united_states"}


def require_spark():
    missing = []
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        missing.append("Java")
    if missing:
        message = f"{' and '.join(missing)} not installed: the Spark job was not run"
        if os.environ.get("STANCE_REQUIRE_SPARK"):
            pytest.fail(message)
        pytest.skip(message)


def fixture_archive(path: Path) -> int:
    """Articles of five fixture sentences each, with outlets and dates."""
    sentences = []
    for line in (FIXTURES / "test.jsonl").read_text().splitlines():
        text = json.loads(line)["text"]
        if text not in sentences:
            sentences.append(text)
    outlets = ["wire", "daily", "state-tv"]
    with path.open("w") as f:
        for i in range(0, len(sentences), 5):
            n = i // 5
            f.write(json.dumps({
                "id": f"a{n}",
                "text": " ".join(sentences[i:i + 5]),
                "outlet": outlets[n % 3],
                "date": f"2016-0{1 + n % 2}-{1 + n:02d}",
            }) + "\n")
    return (len(sentences) + 4) // 5


def run_job(archive: Path, out: Path) -> float:
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--format", "json", "--input", str(archive), "--output", str(out),
         "--master", "local[2]"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return time.time() - started


def check_against_cli(cli, archive: Path, out: Path):
    import pyarrow.parquet as pq

    lines = [json.loads(l) for l in run_cli(cli, "classify", "--input-format", "jsonl", "--format", "jsonl",
                                             archive).splitlines()]
    rows = pq.read_table(out / "statements").to_pylist()
    by_key = {(r["article"], r["index"]): r for r in rows}
    assert len(by_key) == len(rows) == len(lines)
    for line in lines:
        row = by_key[(line["article"], line["index"])]
        where = (line["article"], line["index"])
        for key in ("start", "end", "text"):
            assert row[key] == line[key], where
        assert row["furniture"] == line.get("furniture", False), where
        assert row["outlet"] == line["meta"].get("outlet"), where
        for t in line["targets"]:
            p = TARGETS[t["target"]]
            assert row[f"{p}_mentioned"] == t["mentioned"], where
            assert row[f"{p}_stance"] == t["stance"]["label"], where
            for label, prob in t["stance"].get("probabilities", {}).items():
                assert abs(row[f"{p}_p_{label}"] - prob) < 1e-6, where
        assert row["sentiment"] == line["sentiment"]["label"], where

    # The outlet-month table, counted from the CLI's lines.
    expected = defaultdict(lambda: defaultdict(int))
    for line in lines:
        if line.get("furniture"):
            continue
        meta = line.get("meta", {})
        key = (meta.get("outlet"), (meta.get("date") or "")[:7] or None)
        cell = expected[key]
        cell["statements"] += 1
        for t in line["targets"]:
            p = TARGETS[t["target"]]
            if t["mentioned"]:
                cell[f"{p}_mentioning"] += 1
                cell[f"{p}_{t['stance']['label']}"] += 1
    table = pq.read_table(out / "table").to_pylist()
    assert len(table) == len(expected)
    for row in table:
        cell = expected[(row.get("outlet"), row.get("month"))]
        assert row["statements"] == cell["statements"], row
        for p in TARGETS.values():
            for c in ("mentioning", "favor", "against", "none"):
                assert row[f"{p}_{c}"] == cell[f"{p}_{c}"], (row, c)
            net = (cell[f"{p}_favor"] - cell[f"{p}_against"]) / cell["statements"]
            assert abs(row[f"{p}_net"] - net) < 1e-12, row
    return len(lines)


def test_the_spark_job_gives_the_cli_statements_and_table(cli, tmp_path):
    require_spark()
    archive = tmp_path / "archive.jsonl"
    fixture_archive(archive)
    seconds = run_job(archive, tmp_path / "out")
    statements = check_against_cli(cli, archive, tmp_path / "out")
    print(f"\nSpark local[2]: {statements} statements in {seconds:.1f} s (fixture archive)")


def test_the_spark_job_on_fakes(cli, fakes, tmp_path):
    require_spark()
    archive = tmp_path / "fakes.jsonl"
    with archive.open("w") as f:
        for row in fakes:
            # The outlet is the third part of the id; FA-KES has no date.
            f.write(json.dumps({"id": row["id"], "text": row["text"], "outlet": row["id"].split("-")[2]}) + "\n")
    seconds = run_job(archive, tmp_path / "out")
    statements = check_against_cli(cli, archive, tmp_path / "out")
    print(f"\nSpark local[2]: {statements} statements of {len(fakes)} FA-KES articles in {seconds:.1f} s "
          f"({statements / seconds:.0f} statements/s, job start-up included)")
