//! JSON values as Python objects.
//!
//! What the CLI prints as JSON (a `jsonl` line, `evaluate --format json`,
//! the model summary `inspect` shows) reaches Python as the dicts, lists,
//! strings and numbers `json.loads` would give for the same text. Values are
//! made by writing the JSON and reading it back ([`json_value`]), so that an
//! `f32` probability is the shortest decimal the CLI prints (`0.7`), not
//! its widening to `f64`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;
use serde_json::Value;

use crate::errors::Failure;

/// `x` as the JSON value a reader of its serialization gets.
pub(crate) fn json_value(x: &impl Serialize) -> Result<Value, Failure> {
    let bytes = serde_json::to_vec(x).map_err(|e| Failure::Internal(format!("serializing: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| Failure::Internal(format!("reading back: {e}")))
}

/// A JSON value as a Python object; objects keep their key order.
pub(crate) fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, None, Some(f)) => f.into_pyobject(py)?.into_any(),
            (None, None, None) => py.None().into_bound(py),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_python(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// `x` as the Python object `json.loads` gives for its JSON.
pub(crate) fn serialize_to_python<'py>(py: Python<'py>, x: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    let value = json_value(x).map_err(|f| f.into_pyerr(py))?;
    to_python(py, &value)
}
