//! Errors as Python exceptions, and work run with the GIL released.
//!
//! Everything that can go wrong reaches Python as a subclass of
//! `stance.StanceError` carrying `path` and `line` where the CLI names a file
//! and line: the library's [`stance::Error`] by kind (`DataError`,
//! `ModelError`, `ModelVersionError`, `FileError`, `TrainingError`,
//! `SettingsError`), bad input from Python (a non-string text, a missing
//! column) as `InputError`, and a panic, which would be a bug, as
//! `StanceError` rather than a crash of the interpreter. The classes are
//! defined in Python (`stance/_errors.py`) so that a notebook shows their
//! docstrings; this module raises them.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Why a call failed, before it becomes a Python exception (made only once
/// the GIL is held again).
#[derive(Debug)]
pub(crate) enum Failure {
    /// The library's error.
    Stance(stance::Error),
    /// Bad input from Python; `index` is the position of the item or row.
    Input { message: String, index: Option<usize> },
    /// A panic: a bug in `stance`.
    Internal(String),
}

impl From<stance::Error> for Failure {
    fn from(e: stance::Error) -> Self {
        Failure::Stance(e)
    }
}

impl Failure {
    /// Bad input at `index`.
    pub(crate) fn input_at(index: usize, message: impl Into<String>) -> Self {
        Failure::Input {
            message: message.into(),
            index: Some(index),
        }
    }

    /// Bad input as a whole.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Failure::Input {
            message: message.into(),
            index: None,
        }
    }

    /// The Python exception.
    pub(crate) fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            Failure::Stance(e) => stance_error(py, &e),
            Failure::Input { message, index } => raise(py, "InputError", &message, |kw| match index {
                Some(i) => kw.set_item("index", i),
                None => Ok(()),
            }),
            Failure::Internal(message) => raise(
                py,
                "StanceError",
                &format!("internal error in stance (a bug; please report it): {message}"),
                |_| Ok(()),
            ),
        }
    }
}

/// The Python exception for a library error.
pub(crate) fn stance_error(py: Python<'_>, e: &stance::Error) -> PyErr {
    use stance::Error;
    let class = match e {
        Error::Data { .. } | Error::DataFile { .. } => "DataError",
        Error::Model { .. } => "ModelError",
        Error::ModelVersion { .. } => "ModelVersionError",
        Error::Io { .. } => "FileError",
        Error::Training(_) => "TrainingError",
        Error::Settings(_) => "SettingsError",
        Error::Output(_) => "StanceError",
    };
    raise(py, class, &e.to_string(), |kw| {
        if let Some(path) = e.path() {
            kw.set_item("path", path_str(path))?;
        }
        if let Some(line) = e.line() {
            kw.set_item("line", line)?;
        }
        if let Error::ModelVersion { found, supported, .. } = e {
            kw.set_item("found", found)?;
            kw.set_item("supported", supported)?;
        }
        Ok(())
    })
}

fn path_str(path: &Path) -> String {
    path.display().to_string()
}

/// `stance._errors.<class>(message, **keywords)` as a `PyErr`; if even
/// that fails (the package is broken), the failure itself is raised.
fn raise(
    py: Python<'_>,
    class: &str,
    message: &str,
    keywords: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>,
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let class = py.import("stance._errors")?.getattr(class)?;
        let kwargs = PyDict::new(py);
        keywords(&kwargs)?;
        Ok(PyErr::from_value(class.call((message,), Some(&kwargs))?))
    })();
    made.unwrap_or_else(|e| e)
}

/// Runs `work` with the GIL released (other Python threads run meanwhile),
/// turning its failure, or a panic, into a Python exception.
pub(crate) fn detached<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Failure> + Send) -> PyResult<T> {
    let outcome = py.detach(|| {
        catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            Err(Failure::Internal(message))
        })
    });
    outcome.map_err(|f| f.into_pyerr(py))
}
