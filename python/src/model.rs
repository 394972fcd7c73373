//! `stance.Model`: a model and its classifier, built once.
//!
//! Building a classifier merges the model's vocabularies into one scorer,
//! which takes longer than classifying a short article, so a Python `Model`
//! holds the model together with its classifier (a self-referential pair,
//! made safe by `self_cell`) and every call reuses it. Each method mirrors
//! a subcommand of the CLI and returns what it prints: `classify` the
//! `--format jsonl` records (one dict per statement), `classify_arrow` the
//! same statements as an Arrow batch, `evaluate` the `--format json`
//! object, `info` what `inspect` shows. Work runs with the GIL released on
//! the binding's own worker pool.

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt, PyList, PyString};
use serde_json::{Map, Value};
use stance::{Article, ArticleClassifier, BUILTIN_NAME, Example, same_target};

use crate::arrow::{Layout, classify_batch};
use crate::convert::{serialize_to_python, to_python};
use crate::errors::{Failure, detached};
use crate::pool::pool;
use crate::train::{read_labeled, warn_bad_rows};

type Classifier<'m> = ArticleClassifier<'m>;

self_cell::self_cell!(
    /// A model and the classifier that borrows it.
    pub(crate) struct Loaded {
        owner: stance::Model,
        #[covariant]
        dependent: Classifier,
    }
);

/// A stance and sentiment model, loaded, with its classifier.
///
/// `Model.builtin()` is the model shipped with `stance` (stance toward
/// Russia and the United States, and sentiment); `Model.load(path)` reads
/// a model `stance train` or `stance.train` wrote.
#[pyclass(name = "Model", module = "stance", frozen)]
pub(crate) struct PyModel {
    loaded: Arc<Loaded>,
    /// The built-in model's name, or the file it was read from.
    source: String,
    /// Whether it was read from a file.
    from_file: bool,
    layout: Layout,
}

impl PyModel {
    pub(crate) fn new(model: stance::Model, source: String, from_file: bool) -> Result<PyModel, Failure> {
        let loaded = Loaded::try_new(model, |m| ArticleClassifier::new(m, None, 0))?;
        let layout = Layout::new(loaded.borrow_owner(), loaded.borrow_dependent())?;
        Ok(PyModel {
            loaded: Arc::new(loaded),
            source,
            from_file,
            layout,
        })
    }

    fn model(&self) -> &stance::Model {
        self.loaded.borrow_owner()
    }

    fn classifier(&self) -> &ArticleClassifier<'_> {
        self.loaded.borrow_dependent()
    }
}

/// `int (3)`, `NoneType (None)`: what a bad item is, for messages.
fn describe(item: &Bound<'_, PyAny>) -> String {
    let type_name = item
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    let repr = item.repr().map(|r| r.to_string()).unwrap_or_default();
    let repr: String = match repr.chars().count() > 40 {
        true => repr.chars().take(40).chain("...".chars()).collect(),
        false => repr,
    };
    format!("{type_name} ({repr})")
}

/// The items of `seq`, which must be an iterable but not a string.
fn items<'py>(seq: &Bound<'py, PyAny>, what: &str) -> Result<Vec<Bound<'py, PyAny>>, Failure> {
    if seq.is_instance_of::<PyString>() || seq.is_instance_of::<PyBytes>() {
        return Err(Failure::input(format!(
            "{what} must be a list of strings, not a single string (wrap it: [{what_one}])",
            what_one = what.trim_end_matches('s')
        )));
    }
    let iter = seq.try_iter().map_err(|_| {
        Failure::input(format!(
            "{what} must be a list (or any iterable), got {}",
            describe(seq)
        ))
    })?;
    iter.map(|item| item.map_err(|e| Failure::input(format!("reading {what}: {e}"))))
        .collect()
}

/// The articles `texts` and `ids` give (ids default to positions).
fn read_articles(texts: &Bound<'_, PyAny>, ids: Option<&Bound<'_, PyAny>>) -> Result<Vec<Article>, Failure> {
    let mut articles = Vec::new();
    for (i, item) in items(texts, "texts")?.iter().enumerate() {
        let text = item
            .cast::<PyString>()
            .map_err(|_| Failure::input_at(i, format!("texts[{i}] is {}, not str", describe(item))))?
            .to_str()
            .map_err(|e| Failure::input_at(i, format!("texts[{i}] is not valid Unicode: {e}")))?;
        articles.push(Article {
            id: i.to_string(),
            text: text.to_owned(),
            meta: Map::new(),
        });
    }
    let Some(ids) = ids else { return Ok(articles) };
    let ids = items(ids, "ids")?;
    if ids.len() != articles.len() {
        return Err(Failure::input(format!(
            "{} ids for {} texts; give one id per text",
            ids.len(),
            articles.len()
        )));
    }
    for (i, (id, article)) in ids.iter().zip(&mut articles).enumerate() {
        article.id = if let Ok(s) = id.cast::<PyString>() {
            s.to_str()
                .map_err(|e| Failure::input_at(i, format!("ids[{i}] is not valid Unicode: {e}")))?
                .to_owned()
        } else if id.is_instance_of::<PyInt>() && !id.is_instance_of::<PyBool>() {
            id.str().map_err(|e| Failure::input_at(i, e.to_string()))?.to_string()
        } else {
            return Err(Failure::input_at(
                i,
                format!("ids[{i}] is {}, not str or int", describe(id)),
            ));
        };
    }
    Ok(articles)
}

/// The one record batch `data` holds: a `RecordBatch` as it is, a `Table`
/// (or any Arrow stream) with its batches concatenated.
fn read_batch(data: &Bound<'_, PyAny>) -> Result<RecordBatch, Failure> {
    let unreadable = |e: PyErr| Failure::input(format!("could not read the Arrow data: {e}"));
    if data.hasattr("__arrow_c_array__").unwrap_or(false) {
        return RecordBatch::from_pyarrow_bound(data).map_err(unreadable);
    }
    if data.hasattr("__arrow_c_stream__").unwrap_or(false) {
        let table = arrow_pyarrow::Table::from_pyarrow_bound(data).map_err(unreadable)?;
        let (batches, schema) = table.into_inner();
        return arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| Failure::input(format!("could not read the Arrow data: {e}")));
    }
    Err(Failure::input(format!(
        "expected a pyarrow RecordBatch or Table (an object with __arrow_c_array__ or __arrow_c_stream__), got {}",
        describe(data)
    )))
}

#[pymethods]
impl PyModel {
    /// The model shipped with stance: stance toward Russia and the United
    /// States, and sentiment, trained on the project's own corpus.
    #[staticmethod]
    fn builtin(py: Python<'_>) -> PyResult<PyModel> {
        detached(py, || {
            PyModel::new(stance::Model::builtin()?, BUILTIN_NAME.into(), false)
        })
    }

    /// Reads a model file written by `stance train` or `stance.train`.
    ///
    /// Raises ModelError for a missing, truncated or corrupted file and
    /// ModelVersionError for a file of another format version.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyModel> {
        detached(py, || {
            PyModel::new(stance::Model::load(&path)?, path.display().to_string(), true)
        })
    }

    /// The target names, in the order of each statement's `targets`.
    #[getter]
    fn targets(&self) -> Vec<String> {
        self.classifier().target_names().into_iter().map(String::from).collect()
    }

    /// The file the model was read from (None for the built-in model).
    #[getter]
    fn path(&self) -> Option<String> {
        self.from_file.then(|| self.source.clone())
    }

    fn __repr__(&self) -> String {
        format!("<stance.Model {}: {}>", self.source, self.model().describe_tasks())
    }

    /// What `stance inspect` shows, as a dict: format and version, tasks,
    /// targets and aliases, settings, the training record (data, held-out
    /// figures) and each classifier with its `top` strongest terms per class.
    #[pyo3(signature = (top = 10))]
    fn info<'py>(&self, py: Python<'py>, top: usize) -> PyResult<Bound<'py, PyAny>> {
        let info = detached(py, || Ok(self.model().info(top)))?;
        serialize_to_python(py, &info)
    }

    /// Writes the model to `path` (atomically: a temporary file renamed
    /// into place).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        detached(py, || Ok(self.model().save(&path)?))
    }

    /// Classifies articles, one dict per statement, exactly the records
    /// `stance classify --format jsonl` prints: `article`, `index`, `start`,
    /// `end` (byte offsets in the article's UTF-8), `text`, `dateline` when
    /// there is one, `targets` (per target: `target`, `mentioned`,
    /// `mentions`, `stance` with `label`, `confidence`, `probabilities`)
    /// and `sentiment`.
    ///
    /// `texts`: a list (or any iterable) of str, one article each; `ids`:
    /// one str or int per text (default: the positions "0", "1", ...);
    /// `threads`: worker threads (None: all cores); `explain`: the number
    /// of evidence spans per decision (0: none).
    #[pyo3(signature = (texts, ids = None, *, threads = None, explain = 0))]
    fn classify<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyAny>,
        ids: Option<&Bound<'py, PyAny>>,
        threads: Option<usize>,
        explain: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let articles = read_articles(texts, ids).map_err(|f| f.into_pyerr(py))?;
        let records: Vec<Vec<Value>> = detached(py, || {
            let pool = pool(threads)?;
            let with_evidence;
            let classifier = match explain {
                0 => self.classifier(),
                k => {
                    with_evidence = ArticleClassifier::new(self.model(), None, k)?;
                    &with_evidence
                }
            };
            let records = pool.install(|| {
                classifier.classify_all_then(&articles, |_, article, result| {
                    stance::statement_records(article, &result)
                })
            });
            Ok(records.into_iter().collect::<stance::Result<Vec<_>>>()?)
        })?;
        let list = PyList::empty(py);
        for record in records.iter().flatten() {
            list.append(to_python(py, record)?)?;
        }
        Ok(list)
    }

    /// Classifies the articles of an Arrow batch: a pyarrow RecordBatch or
    /// Table (or any object with `__arrow_c_array__` / `__arrow_c_stream__`)
    /// with an `id` column (strings or integers) and a `text` column
    /// (strings). Returns a pyarrow RecordBatch with one row per statement,
    /// in input order; its columns are those of `arrow_schema()`, then the
    /// input columns named in `keep`, repeated on each of their article's
    /// statements.
    #[pyo3(signature = (batch, *, keep = None, threads = None))]
    fn classify_arrow<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        keep: Option<Vec<String>>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = read_batch(batch).map_err(|f| f.into_pyerr(py))?;
        let keep = keep.unwrap_or_default();
        let output = detached(py, || {
            let pool = pool(threads)?;
            classify_batch(self.classifier(), &self.layout, &input, &keep, &pool)
        })?;
        output.to_pyarrow(py)
    }

    /// The pyarrow schema of `classify_arrow`'s output (without kept
    /// columns): `article`, `index`, `start`, `end`, `text`, `dateline`;
    /// per target (its name in snake case, e.g. `united_states`)
    /// `<t>_mentioned`, `<t>_mentions` (the aliases found), `<t>_stance`,
    /// `<t>_p_favor`, `<t>_p_against`, `<t>_p_none` (null when the target
    /// is not mentioned: `none` by rule), and with a model trained with
    /// sentiment toward targets `<t>_sentiment`, `<t>_p_positive`...;
    /// then `sentiment`, `p_positive`, `p_negative`, `p_neutral`.
    fn arrow_schema<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.layout.schema().as_ref().to_pyarrow(py)
    }

    /// Scores the model on a labeled file (JSONL, or CSV by extension), as
    /// `stance evaluate --format json`: the same dict (`rows`, `skipped`,
    /// `stance` and `sentiment` reports with accuracy, macro-F1, F_avg,
    /// per-class figures and the confusion matrix).
    ///
    /// `mention_gate`: decide stance as classify does (a row whose text does
    /// not name its target is `none`); `split`, `target`: only those rows;
    /// `skip_bad`: leave out unreadable rows (with a warning) instead of
    /// raising DataError.
    #[pyo3(signature = (path, *, mention_gate = false, split = None, target = None, skip_bad = false))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
        mention_gate: bool,
        split: Option<String>,
        target: Option<String>,
        skip_bad: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (evaluation, bad_rows) = detached(py, || {
            let dataset = read_labeled(&path, skip_bad)?;
            let read = dataset.examples.len();
            let rows: Vec<Example> = dataset
                .examples
                .into_iter()
                .filter(|e| split.as_ref().is_none_or(|s| e.split.as_ref() == Some(s)))
                .filter(|e| target.as_ref().is_none_or(|t| same_target(t, &e.target)))
                .collect();
            if rows.is_empty() {
                return Err(stance::Error::DataFile {
                    path: path.clone(),
                    message: format!("no rows left after split/target ({read} read)"),
                }
                .into());
            }
            Ok((stance::evaluate(self.model(), &rows, mention_gate)?, dataset.bad_rows))
        })?;
        warn_bad_rows(py, &path, &bad_rows)?;
        serialize_to_python(py, &evaluation)
    }
}
