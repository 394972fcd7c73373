"""Shared fixtures: the repository, the CLI to compare with, and the data.

The comparisons run the real `stance` binary (target/release/stance, built
with cargo when missing, or $STANCE_BIN) on the same input as the Python
package. FA-KES comes from ../shared, which CI does not have: the tests that
need it are skipped with a message saying so, and the same comparisons run
on the repository's own fixtures, which are always there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
FAKES = REPO.parent / "shared" / "datasets" / "fa_kes" / "unlabeled.jsonl"


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `stance` executable of this checkout."""
    exe = Path(os.environ.get("STANCE_BIN", REPO / "target" / "release" / "stance"))
    if not exe.exists():
        cargo = shutil.which("cargo")
        if cargo is None:
            pytest.fail(f"{exe} is missing and cargo is not installed to build it")
        subprocess.run([cargo, "build", "--release", "--locked", "--bin", "stance"], cwd=REPO, check=True)
    return exe


def run_cli(cli: Path, *args: str | os.PathLike[str], cwd: Path = REPO) -> str:
    """Runs the CLI and returns its standard output; fails the test on an error."""
    done = subprocess.run([str(cli), *map(str, args)], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"stance {' '.join(map(str, args))} failed: {done.stderr}"
    return done.stdout


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fixture_articles() -> tuple[list[str], list[str]]:
    """The fixture articles as the CLI names them (paths relative to the
    repository) and their texts."""
    paths = sorted((FIXTURES / "articles").glob("*.txt"))
    ids = [str(p.relative_to(REPO)) for p in paths]
    return ids, [p.read_text(encoding="utf-8") for p in paths]


@pytest.fixture(scope="session")
def fakes() -> list[dict]:
    """The 804 FA-KES articles (`id`, `text`), or a visible skip without ../shared."""
    if not FAKES.exists():
        pytest.skip(f"FA-KES is not here ({FAKES}; ../shared is absent): comparison on FA-KES skipped")
    rows = [json.loads(line) for line in FAKES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": r["id"], "text": r["text"]} for r in rows]


@pytest.fixture(scope="session")
def builtin():
    import stance

    return stance.Model.builtin()
