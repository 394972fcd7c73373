//! Errors of the library.
//!
//! Every failure a user can cause (a bad data row, a broken model file, a fit
//! that cannot run) is a value of [`Error`] that names the file and, where
//! there is one, the line, so the binary can print one clear message and exit
//! non-zero. The library itself never prints and never panics on bad input.

use std::path::PathBuf;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `stance`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A row of a data file is malformed (bad JSON, bad CSV, invalid UTF-8,
    /// a missing column, an unknown label).
    #[error("{}:{line}: {message}", path.display())]
    Data { path: PathBuf, line: u64, message: String },

    /// A data file as a whole is unusable (no header, no rows).
    #[error("{}: {message}", path.display())]
    DataFile { path: PathBuf, message: String },

    /// A model file is missing, truncated, corrupted or inconsistent.
    #[error("{}: {message}", path.display())]
    Model { path: PathBuf, message: String },

    /// A model file was written by a format version this build does not know.
    #[error(
        "{}: model format version {found} is not supported by stance {crate_version} (it reads version {supported}); retrain the model with this version or use the stance release that wrote it",
        path.display()
    )]
    ModelVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
        crate_version: &'static str,
    },

    /// Training cannot proceed (too few rows, one class only, a solver failure).
    #[error("{0}")]
    Training(String),

    /// Invalid settings (out-of-range parameters and the like).
    #[error("{0}")]
    Settings(String),

    /// Writing results failed (a closed pipe, a full disk).
    #[error("writing the output: {0}")]
    Output(#[source] std::io::Error),
}

impl Error {
    /// The file the error is about, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Error::Io { path, .. }
            | Error::Data { path, .. }
            | Error::DataFile { path, .. }
            | Error::Model { path, .. }
            | Error::ModelVersion { path, .. } => Some(path),
            Error::Training(_) | Error::Settings(_) | Error::Output(_) => None,
        }
    }

    /// The line (from 1) the error is about, if any.
    pub fn line(&self) -> Option<u64> {
        match self {
            Error::Data { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// An output path that cannot be written safely (a device, a FIFO, a
    /// directory).
    pub(crate) fn output_path(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::DataFile {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// A JSON parse error of one line, with its column and without the "at line
/// 1 column C" serde_json appends (the caller names the file's line).
pub(crate) fn json_line_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    match e.column() {
        0 => format!("invalid JSON: {message}"),
        c => format!("invalid JSON at column {c}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_line_errors_name_the_column_once_and_no_line() {
        let e = serde_json::from_str::<serde_json::Value>("{bad").unwrap_err();
        let m = json_line_error(&e);
        assert_eq!(m, "invalid JSON at column 2: key must be a string");
        assert!(!m.contains("line"));
    }
}
