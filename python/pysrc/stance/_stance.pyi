"""Type stubs of the extension module (re-exported by ``stance``)."""

from __future__ import annotations

import os
from typing import Any, Iterable, Literal, Sequence, TypedDict, Union

import pyarrow

__version__: str
BUILTIN_NAME: str

StrPath = Union[str, os.PathLike[str]]

class Mention(TypedDict):
    alias: str
    start: int
    end: int

class Evidence(TypedDict):
    text: str
    start: int
    end: int
    contribution: float

class _DecisionBase(TypedDict):
    label: str
    confidence: float

class Decision(_DecisionBase, total=False):
    """A decision: ``probabilities`` is absent for a decision made by rule
    (``none`` toward a target the statement does not mention), ``evidence``
    unless ``explain`` > 0."""

    probabilities: dict[str, float]
    evidence: list[Evidence]

class _TargetBase(TypedDict):
    target: str
    mentioned: bool
    mentions: list[Mention]

class TargetRecord(_TargetBase, total=False):
    stance: Decision
    sentiment: Decision

class _StatementBase(TypedDict):
    article: str
    index: int
    start: int
    end: int
    text: str
    targets: list[TargetRecord]
    sentiment: Decision

class StatementRecord(_StatementBase, total=False):
    """One statement, as one ``stance classify --format jsonl`` line."""

    meta: dict[str, Any]
    dateline: str
    bullet: str
    furniture: bool

class Model:
    """A stance and sentiment model, loaded, with its classifier.

    ``Model.builtin()`` is the model shipped with stance (stance toward
    Russia and the United States, and sentiment); ``Model.load(path)`` reads
    a model ``stance train`` or ``stance.train`` wrote.
    """

    @staticmethod
    def builtin() -> Model:
        """The model shipped with stance."""

    @staticmethod
    def load(path: StrPath) -> Model:
        """Reads a model file. Raises ModelError for a missing, truncated or
        corrupted file and ModelVersionError for another format version."""

    @property
    def targets(self) -> list[str]:
        """The target names, in the order of each statement's ``targets``."""

    @property
    def path(self) -> str | None:
        """The file the model was read from (None for the built-in model)."""

    def info(self, top: int = 10) -> dict[str, Any]:
        """What ``stance inspect`` shows: format, tasks, targets and aliases,
        settings, training record (data, held-out figures), and each
        classifier with its ``top`` strongest terms per class."""

    def save(self, path: StrPath) -> None:
        """Writes the model to ``path`` atomically."""

    def classify(
        self,
        texts: Iterable[str],
        ids: Iterable[str | int] | None = None,
        *,
        threads: int | None = None,
        explain: int = 0,
    ) -> list[StatementRecord]:
        """Classifies articles: one dict per statement, exactly the records
        ``stance classify --format jsonl`` prints (``article``, ``index``,
        ``start``, ``end``, ``text``, ``targets``, ``sentiment``...).

        ``ids`` default to the positions "0", "1", ...; ``threads=None``
        uses all cores; ``explain`` adds that many evidence spans per
        decision. Raises InputError for a text that is not a str.
        """

    def classify_arrow(
        self,
        batch: pyarrow.RecordBatch | pyarrow.Table | Any,
        *,
        keep: Sequence[str] | None = None,
        threads: int | None = None,
    ) -> pyarrow.RecordBatch:
        """Classifies a batch with ``id`` (str or int) and ``text`` (str)
        columns: one output row per statement, in input order, with the
        columns of ``arrow_schema()`` and then the input columns named in
        ``keep``. Raises InputError for a missing column, a null id or text,
        or a column of another type."""

    def arrow_schema(self) -> pyarrow.Schema:
        """The columns of ``classify_arrow``'s output (without kept columns):
        ``article``, ``index``, ``start``, ``end``, ``text``, ``dateline``,
        ``bullet``, ``furniture`` (page furniture, left out of summaries);
        per target (snake case, e.g. ``united_states``) ``<t>_mentioned``,
        ``<t>_mentions``, ``<t>_stance``, ``<t>_p_favor``, ``<t>_p_against``,
        ``<t>_p_none`` (null when not mentioned) and, for a model with
        sentiment toward targets, ``<t>_sentiment``, ``<t>_p_positive``...;
        then ``sentiment``, ``p_positive``, ``p_negative``, ``p_neutral``."""

    def evaluate(
        self,
        path: StrPath,
        *,
        mention_gate: bool = False,
        split: str | None = None,
        target: str | None = None,
        skip_bad: bool = False,
    ) -> dict[str, Any]:
        """Scores the model on a labeled file: the dict ``stance evaluate
        --format json`` prints (``rows``, ``skipped``, ``stance``,
        ``sentiment``)."""

def train(
    data: StrPath | Sequence[StrPath | tuple[StrPath, int | Literal["cv"]]],
    out: StrPath | None = None,
    *,
    targets: StrPath | None = None,
    test: StrPath | None = None,
    test_fraction: float | None = None,
    skip_bad: bool = False,
    task: Literal["stance", "sentiment", "both"] | None = None,
    mode: Literal["per-target", "shared", "joint", "auto"] | None = None,
    alpha: float | None = None,
    max_iter: int | None = None,
    word_ngrams: int | None = None,
    char_ngrams: str | tuple[int, int] | None = None,
    negation: bool | None = None,
    min_df: int | None = None,
    max_features: int | None = None,
    selection: Literal["chi2", "frequency"] | None = None,
    sublinear_tf: bool | None = None,
    cv: int | None = None,
    alpha_grid: Sequence[float] | None = None,
    seed: int | None = None,
    mention_gate: bool | None = None,
    balance: bool | None = None,
    mask_mentions: bool | None = None,
    neutral_shift: float | None = None,
    sentiment_toward_target: bool | None = None,
    user_weight_grid: Sequence[int] | None = None,
    adapt: bool | None = None,
    calibration: Literal["vector", "temperature", "none"] | None = None,
    calibration_folds: int | None = None,
) -> Model:
    """Fits a model as ``stance train`` does and returns it (written
    atomically to ``out`` when given). ``data``: labeled files (JSONL, or
    CSV by extension); ``(path, weight)`` marks your own news. Every other
    keyword is a ``stance train`` flag in Python spelling (``negation=False``
    for ``--no-negation``); None keeps its default (task both, mode
    per-target, alpha 0.1, max_iter 200, word_ngrams 2, char_ngrams "3-6",
    min_df 2, max_features 20000, selection chi2, seed 42)."""
