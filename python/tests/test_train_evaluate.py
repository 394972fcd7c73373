"""stance.train and Model.evaluate, against `stance train` and `stance evaluate`."""

from __future__ import annotations

import json
import warnings

import pytest

import stance
from conftest import FIXTURES, run_cli

TRAIN = FIXTURES / "train.jsonl"
TEST = FIXTURES / "test.jsonl"
TARGETS = FIXTURES / "targets.json"


def test_train_writes_the_cli_model_byte_for_byte(cli, tmp_path):
    by_cli, by_python = tmp_path / "cli.json", tmp_path / "python.json"
    run_cli(cli, "train", "--data", TRAIN, "--test", TEST, "--out", by_cli)
    model = stance.train([TRAIN], out=by_python, test=TEST)
    assert by_python.read_bytes() == by_cli.read_bytes()
    assert model.path == str(by_python)
    assert model.targets == ["Russia", "United States"]
    held_out = model.info()["training"]
    assert held_out["held_out_rows"] == 115


def test_every_setting_maps_onto_its_flag(cli, tmp_path):
    by_cli, by_python = tmp_path / "cli.json", tmp_path / "python.json"
    run_cli(
        cli, "train", "--data", TRAIN, "--out", by_cli, "--test-fraction", "0.25", "--task", "stance",
        "--mode", "shared", "--alpha", "0.3", "--max-iter", "150", "--word-ngrams", "1",
        "--char-ngrams", "2-5", "--no-negation", "--min-df", "1", "--max-features", "500",
        "--selection", "frequency", "--no-sublinear-tf", "--seed", "7", "--targets", TARGETS,
        "--mention-gate", "--balance", "--mask-mentions", "--neutral-shift", "-0.2",
        "--calibration", "temperature", "--calibration-folds", "3",
    )  # fmt: skip
    stance.train(
        TRAIN, by_python, test_fraction=0.25, task="stance", mode="shared", alpha=0.3, max_iter=150,
        word_ngrams=1, char_ngrams=(2, 5), negation=False, min_df=1, max_features=500,
        selection="frequency", sublinear_tf=False, seed=7, targets=TARGETS, mention_gate=True,
        balance=True, mask_mentions=True, neutral_shift=-0.2, calibration="temperature", calibration_folds=3,
    )  # fmt: skip
    assert json.loads(by_python.read_text()) == json.loads(by_cli.read_text())
    assert by_python.read_bytes() == by_cli.read_bytes()


def test_cross_validation_maps_too(cli, tmp_path):
    by_cli, by_python = tmp_path / "cli.json", tmp_path / "python.json"
    run_cli(
        cli, "train", "--data", TRAIN, "--out", by_cli, "--task", "sentiment", "--cv", "3",
        "--alpha-grid", "0.1,1", "--char-ngrams", "none",
    )  # fmt: skip
    stance.train([TRAIN], by_python, task="sentiment", cv=3, alpha_grid=[0.1, 1], char_ngrams="none")
    assert by_python.read_bytes() == by_cli.read_bytes()


@pytest.mark.parametrize(
    ("flags", "weight", "kwargs"),
    [
        (["--no-adapt"], 3, {"adapt": False}),
        (["--user-weight-grid", "1,3"], "cv", {"user_weight_grid": [1, 3]}),
    ],
)
def test_your_own_news_maps_too(cli, tmp_path, flags, weight, kwargs):
    by_cli, by_python = tmp_path / "cli.json", tmp_path / "python.json"
    csv = FIXTURES / "train.csv"
    run_cli(cli, "train", "--data", TRAIN, "--data", f"{csv}:{weight}", "--out", by_cli, "--task", "sentiment", *flags)
    stance.train([TRAIN, (csv, weight)], by_python, task="sentiment", **kwargs)
    assert by_python.read_bytes() == by_cli.read_bytes()
    with pytest.raises(stance.InputError, match="same weight"):
        stance.train([(TRAIN, 2), (csv, 3)], task="sentiment")


def test_a_model_need_not_be_saved():
    model = stance.train([str(TRAIN)], task="sentiment", max_features=200)
    assert model.path is None
    rows = model.classify(["The minister praised the deal."])
    assert rows[0]["sentiment"]["label"] in ("positive", "negative", "neutral")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"word_ngrams": 0}, stance.SettingsError, "word n-grams must be between 1 and 5"),
        ({"task": "bogus"}, stance.InputError, "task must be one of stance, sentiment, both"),
        ({"mode": "per_target", "selection": "best"}, stance.InputError, "selection must be one of chi2, frequency"),
        ({"char_ngrams": "3to6"}, stance.InputError, "char_ngrams must be"),
        ({"test_fraction": 1.5}, stance.InputError, "test_fraction must be between 0 and 1"),
        ({"cv": 1}, stance.SettingsError, "at least 2 folds"),
    ],
)
def test_bad_settings_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        stance.train([TRAIN], **kwargs)


def test_unknown_keywords_are_a_type_error():
    with pytest.raises(TypeError):
        stance.train([TRAIN], no_negation=True)


def test_bad_data_names_the_file_and_line(tmp_path):
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(stance.FileError) as caught:
        stance.train([missing])
    assert caught.value.path == str(missing)
    bad = tmp_path / "bad.jsonl"
    lines = TRAIN.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace('"favor"', '"pro"').replace('"against"', '"pro"')
    lines[4] = "{not json"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(stance.DataError) as caught:
        stance.train([bad])
    assert (caught.value.path, caught.value.line) == (str(bad), 3)
    assert 'unknown stance label "pro"' in str(caught.value)
    with pytest.warns(UserWarning, match=r"skipped 2 bad row\(s\)"):
        model = stance.train([bad], skip_bad=True, test=TEST)
    assert model.info()["training"]["data"][0]["bad_rows"] == 2
    with pytest.raises(stance.StanceError, match="no rows to train on"):
        empty = tmp_path / "empty.jsonl"
        empty.write_text("\n", encoding="utf-8")
        stance.train([empty])


def test_evaluate_gives_the_cli_json(builtin, cli):
    expected = json.loads(run_cli(cli, "evaluate", "--data", TEST, "--format", "json"))
    assert builtin.evaluate(TEST) == expected
    expected = json.loads(
        run_cli(cli, "evaluate", "--data", TEST, "--format", "json", "--mention-gate", "--target", "russia")
    )
    got = builtin.evaluate(str(TEST), mention_gate=True, target="russia")
    assert got == expected
    assert got["stance"]["n"] < builtin.evaluate(TEST)["stance"]["n"]
    assert set(got["stance"]) >= {"accuracy", "macro_f1", "f_avg", "per_class", "confusion"}


def test_evaluate_errors(builtin, tmp_path):
    with pytest.raises(stance.DataError, match="no rows left"):
        builtin.evaluate(TEST, split="nonexistent")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(TEST.read_text(encoding="utf-8") + '{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(stance.DataError) as caught:
        builtin.evaluate(bad)
    assert caught.value.line == 116 and "missing" in str(caught.value)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert builtin.evaluate(bad, skip_bad=True) == builtin.evaluate(TEST)
    assert any("skipped 1 bad row" in str(w.message) for w in seen)
