//! The Python binding of `stance`: the extension module `stance._stance`.
//!
//! Notebook users and Spark jobs work in Python, so this crate exposes the
//! library there with PyO3, as a crate of its own so that `stance` itself
//! gains no Python dependency. It is thin: [`model`] holds a model with its
//! classifier and mirrors the CLI's subcommands (`classify` gives the
//! `--format jsonl` records, `evaluate` the `--format json` object, `info`
//! what `inspect` shows), [`arrow`] classifies Arrow batches into one row
//! per statement, [`train`] maps keyword arguments onto the library's
//! settings, [`errors`] turns every failure into a `stance.StanceError`,
//! [`pool`] keeps the worker threads and [`convert`] turns JSON values into
//! Python objects. The Python package around it (`pysrc/stance`) adds the
//! exception classes, a per-process model cache for Spark executors, and
//! type stubs.

mod arrow;
mod convert;
mod errors;
mod model;
mod pool;
mod train;

use pyo3::prelude::*;

#[pymodule]
fn _stance(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::PyModel>()?;
    m.add_function(wrap_pyfunction!(train::train, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("BUILTIN_NAME", stance::BUILTIN_NAME)?;
    Ok(())
}
