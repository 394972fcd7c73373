"""Model.builtin / load / targets / info / classify, and the same records as the CLI."""

from __future__ import annotations

import json
import threading
import time

import pytest

import stance
from conftest import FIXTURES, REPO, fixture_articles, jsonl, run_cli


def test_the_readme_one_liner_prints_the_russia_entry(builtin):
    targets = builtin.classify(["Moscow denied the strike."])[0]["targets"]
    russia = targets[0]
    assert russia["target"] == "Russia" and russia["mentioned"]
    assert russia["mentions"] == [{"alias": "Moscow", "start": 0, "end": 6}]
    assert russia["stance"]["label"] in ("favor", "against", "none")
    assert set(russia["stance"]["probabilities"]) == {"favor", "against", "none"}
    # Not mentioned: none by rule, without probabilities.
    assert targets[1]["target"] == "United States" and not targets[1]["mentioned"]
    assert targets[1]["stance"] == {"label": "none", "confidence": 1.0}


def test_builtin_model_names_its_targets(builtin):
    assert builtin.targets == ["Russia", "United States"]
    assert builtin.path is None
    assert "stance (Russia, United States) + sentiment" in repr(builtin)
    assert stance.cached_model() is stance.cached_model()


def test_classify_gives_the_cli_jsonl_records_on_the_fixtures(builtin, cli):
    ids, texts = fixture_articles()
    expected = jsonl(run_cli(cli, "classify", "--format", "jsonl", *ids))
    assert len(expected) > 5
    assert builtin.classify(texts, ids) == expected
    # Evidence too.
    expected = jsonl(run_cli(cli, "classify", "--format", "jsonl", "--explain", "3", *ids))
    got = builtin.classify(texts, ids, explain=3)
    assert got == expected
    assert any("evidence" in t.get("stance", {}) for r in got for t in r["targets"])


def test_classify_gives_the_cli_jsonl_records_on_fakes(builtin, cli, fakes, tmp_path):
    path = tmp_path / "fakes.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in fakes), encoding="utf-8")
    expected = jsonl(run_cli(cli, "classify", "--input-format", "jsonl", "--format", "jsonl", path))
    got = builtin.classify([a["text"] for a in fakes], [a["id"] for a in fakes])
    assert len(got) == len(expected) > 9000
    for g, e in zip(got, expected):
        assert g == e, (g["article"], g["index"])
    assert builtin.classify([a["text"] for a in fakes[:100]], threads=1) == builtin.classify(
        [a["text"] for a in fakes[:100]], threads=2
    )


def test_ids_default_to_positions_and_may_be_integers(builtin):
    rows = builtin.classify(["Moscow spoke.", "Washington spoke."])
    assert [r["article"] for r in rows] == ["0", "1"]
    rows = builtin.classify(iter(["Moscow spoke.", "Washington spoke."]), ids=[7, "x"])
    assert [r["article"] for r in rows] == ["7", "x"]
    assert builtin.classify([]) == []
    assert builtin.classify([""]) == []


@pytest.mark.parametrize(
    ("texts", "ids", "message", "index"),
    [
        (["fine", 3], None, "texts[1] is int (3), not str", 1),
        ([None], None, "texts[0] is NoneType (None), not str", 0),
        ([b"bytes"], None, "texts[0] is bytes", 0),
        (["\ud800 lone surrogate"], None, "texts[0] is not valid Unicode", 0),
        ("one string", None, "not a single string", None),
        (42, None, "texts must be a list", None),
        (["a", "b"], ["only one"], "1 ids for 2 texts", None),
        (["a"], [True], "ids[0] is bool (True), not str or int", 0),
        (["a"], [1.5], "ids[0] is float (1.5)", 0),
    ],
)
def test_bad_input_raises_input_error(builtin, texts, ids, message, index):
    with pytest.raises(stance.InputError) as caught:
        builtin.classify(texts, ids)
    assert message in str(caught.value)
    assert caught.value.index == index
    # Also a TypeError / ValueError, so generic handlers catch it.
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, stance.StanceError)


def test_threads_must_be_positive(builtin):
    with pytest.raises(stance.InputError, match="threads must be at least 1"):
        builtin.classify(["Moscow spoke."], threads=0)
    assert builtin.classify(["Moscow spoke."], threads=1) == builtin.classify(["Moscow spoke."])


def test_save_and_load_give_the_same_model(builtin, tmp_path):
    path = tmp_path / "model.json"
    builtin.save(path)
    loaded = stance.Model.load(path)
    assert loaded.path == str(path)
    assert loaded.targets == builtin.targets
    text = ["The Kremlin praised the deal. Washington condemned it."]
    assert loaded.classify(text) == builtin.classify(text)
    assert stance.cached_model(path) is stance.cached_model(str(path))


def test_load_errors_name_the_file(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(stance.FileError) as caught:
        stance.Model.load(missing)
    assert caught.value.path == str(missing) and isinstance(caught.value, OSError)
    truncated = tmp_path / "truncated.json"
    truncated.write_text('{"format": "stance-model", "format_version": 1, "targets": [', encoding="utf-8")
    with pytest.raises(stance.ModelError) as caught:
        stance.Model.load(truncated)
    assert caught.value.path == str(truncated)
    assert "truncated" in str(caught.value) or "not a stance model" in str(caught.value)


def test_a_model_of_another_format_version_is_refused(builtin, tmp_path):
    path = tmp_path / "model.json"
    builtin.save(path)
    model = json.loads(path.read_text(encoding="utf-8"))
    model["format_version"] += 40
    path.write_text(json.dumps(model), encoding="utf-8")
    with pytest.raises(stance.ModelVersionError) as caught:
        stance.Model.load(path)
    e = caught.value
    assert isinstance(e, stance.ModelError)
    assert (e.path, e.found, e.supported) == (str(path), model["format_version"], model["format_version"] - 40)
    assert f"model format version {e.found}" in str(e)


def test_info_is_what_inspect_shows(builtin):
    info = builtin.info(top=3)
    assert info["format_version"] >= 1
    assert info["tasks"] == "stance (Russia, United States) + sentiment"
    assert [t["name"] for t in info["targets"]] == ["Russia", "United States"]
    assert info["settings"]["logistic"]["alpha"] == 0.3  # the shortest decimal, as JSON has it
    assert len(info["classifiers"]) == 3
    for c in info["classifiers"]:
        assert all(len(terms) == 3 for _, terms in c["top_terms"])
    json.dumps(info)  # plain Python values


def test_work_runs_with_the_gil_released(builtin):
    ids, texts = fixture_articles()
    # Large enough to take well over 0.2 s on a fast, idle machine (400
    # copies took 0.16 s on our idle 2-core machine).
    texts = [t for t in texts if t] * 4000
    done = threading.Event()
    counts = []

    def work():
        started = time.perf_counter()
        builtin.classify(texts, threads=1)
        counts.append(time.perf_counter() - started)
        done.set()

    ticks = 0
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    # With the GIL held for the whole call this thread would not run at all
    # meanwhile; released, it ticks about once a millisecond.
    assert counts[0] > 0.2, "the workload is too small to tell"
    assert ticks > 0.15 * counts[0] * 1000, (ticks, counts)


def test_the_fixture_paths_exist():
    # The CLI comparisons above are only meaningful if they compare something.
    ids, texts = fixture_articles()
    assert len(ids) == 3 and sum(bool(t.strip()) for t in texts) == 2
    assert (REPO / ids[0]).exists() and FIXTURES.exists()
