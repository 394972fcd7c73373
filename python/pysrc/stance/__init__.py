"""stance: statement-level stance and sentiment toward named targets in news text.

Load a model, classify articles, read one record per statement::

    import stance

    model = stance.Model.builtin()
    rows = model.classify(["Moscow denied the strike. Officials met in Geneva."])
    rows[0]["targets"][0]   # {'target': 'Russia', 'mentioned': True, 'mentions': [...], 'stance': {...}}

``Model.classify`` returns the records ``stance classify --format jsonl``
prints; ``Model.classify_arrow`` takes and returns Arrow batches (pyarrow),
one row per statement, for pandas, Polars, DuckDB or Spark's ``mapInArrow``;
``train`` fits a model as ``stance train`` does and ``Model.evaluate``
scores one as ``stance evaluate --format json`` does. Work runs in Rust
with the GIL released, on a pool of worker threads (``threads=None``: all
cores). Every error is a ``StanceError``.
"""

from __future__ import annotations

import functools
import os

from ._errors import (
    DataError,
    FileError,
    InputError,
    ModelError,
    ModelVersionError,
    SettingsError,
    StanceError,
    TrainingError,
)
from ._stance import BUILTIN_NAME, Model, __version__, train


@functools.lru_cache(maxsize=8)
def _cached(path: str | None) -> Model:
    return Model.builtin() if path is None else Model.load(path)


def cached_model(path: str | os.PathLike[str] | None = None) -> Model:
    """The model at ``path`` (None: the built-in model), loaded once per process.

    For code that runs many times in one process, such as the function a
    Spark job passes to ``mapInArrow``: Spark ships that function to every
    task, but this cache lives in the ``stance`` module of the Python worker,
    so each executor's worker loads the model once and reuses it for every
    batch and task it runs.
    """
    return _cached(None if path is None else os.fspath(path))


__all__ = [
    "BUILTIN_NAME",
    "DataError",
    "FileError",
    "InputError",
    "Model",
    "ModelError",
    "ModelVersionError",
    "SettingsError",
    "StanceError",
    "TrainingError",
    "__version__",
    "cached_model",
    "train",
]
