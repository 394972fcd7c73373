"""The exceptions of stance.

Everything stance can report is a ``StanceError``; its ``path`` and ``line``
attributes name the file and line where the CLI names them (``None``
otherwise). The subclasses say what kind of problem it is, so a notebook can
catch a bad data row apart from a broken model file. The extension module
raises these classes; they are defined here so that ``help()`` shows them.
"""

from __future__ import annotations


class StanceError(Exception):
    """Any error stance reports.

    Attributes:
        path: the file the error is about, or None.
        line: the line of that file (from 1), or None.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, **details: object):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        for key, value in details.items():
            setattr(self, key, value)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Picklable with its attributes (Spark sends task errors across processes).
        details = {k: v for k, v in self.__dict__.items() if k not in ("message", "path", "line")}
        return (_rebuild, (type(self), self.message, self.path, self.line, details))


def _rebuild(cls, message, path, line, details):
    return cls(message, path=path, line=line, **details)


class DataError(StanceError):
    """A labeled file or one of its rows cannot be read (invalid JSON or CSV,
    invalid UTF-8, a missing column, an unknown label); ``path`` and ``line``
    say where."""


class FileError(StanceError, OSError):
    """A file cannot be opened, read or written; ``path`` names it."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, **details: object):
        super().__init__(message, path=path, line=line, **details)
        self.filename = path


class ModelError(StanceError):
    """A model file is missing, empty, truncated, corrupted or inconsistent."""


class ModelVersionError(ModelError):
    """A model file was written in another format version than this stance
    reads. Attributes ``found`` and ``supported`` give both versions."""


class TrainingError(StanceError):
    """Training cannot proceed (too few rows, one class only, a solver failure)."""


class SettingsError(StanceError, ValueError):
    """A setting is out of range (a keyword of ``train``, a target file)."""


class InputError(StanceError, TypeError, ValueError):
    """Input from Python cannot be classified: a text that is not a str, a
    missing or null column, ids and texts of different lengths. ``index``
    is the position of the bad item or row, when there is one."""

    index: int | None = None


__all__ = [
    "StanceError",
    "DataError",
    "FileError",
    "ModelError",
    "ModelVersionError",
    "TrainingError",
    "SettingsError",
    "InputError",
]
