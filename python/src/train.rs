//! `stance.train`: fit a model from labeled files, as `stance train` does.
//!
//! The keyword arguments are the CLI's flags (`src/cli/train.rs`) in
//! Python spelling (`--no-negation` is `negation=False`); each left at
//! None takes the library's default ([`TrainSettings::default`]), so the
//! defaults live in one place. Rows are held out for the training record
//! as the CLI holds them out (`test=`, `test_fraction=`, or rows whose
//! split is "test"), and the model is written atomically when `out` is
//! given. What the CLI prints on stderr (skipped rows, a classifier that
//! did not converge) becomes a Python warning.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString, PyTuple};
use stance::{
    BadRows, DataFileInfo, Dataset, Domain, Example, HoldOut, Selection, StanceMode, TargetSpec, TaskSelection,
    TrainSettings, UserWeight, hold_out, read_dataset_with, read_targets_file, record_held_out,
};

use crate::errors::{Failure, detached};
use crate::model::PyModel;

/// Reads a labeled file; with `skip_bad`, unreadable rows are left out and
/// listed in the dataset (for [`warn_bad_rows`]).
pub(crate) fn read_labeled(path: &Path, skip_bad: bool) -> stance::Result<Dataset> {
    read_dataset_with(path, if skip_bad { BadRows::Skip } else { BadRows::Fail })
}

/// A Python `UserWarning`.
fn warn(py: Python<'_>, message: &str) -> PyResult<()> {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 1)
}

/// One warning for the rows of `path` that `skip_bad` left out.
pub(crate) fn warn_bad_rows(py: Python<'_>, path: &Path, bad: &[stance::Error]) -> PyResult<()> {
    if bad.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = bad.iter().take(5).map(|e| e.to_string()).collect();
    let more = match bad.len() > 5 {
        true => format!("; and {} more", bad.len() - 5),
        false => String::new(),
    };
    warn(
        py,
        &format!(
            "{}: skipped {} bad row(s): {}{more}",
            path.display(),
            bad.len(),
            listed.join("; ")
        ),
    )
}

/// A choice among a clap value enum's names (`per-target`, `chi2`...),
/// case-insensitively, with `_` for `-`.
fn choice<T: ValueEnum>(what: &str, value: &str) -> Result<T, Failure> {
    T::from_str(&value.replace('_', "-"), true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| Some(v.to_possible_value()?.get_name().to_string()))
            .collect();
        Failure::input(format!("{what} must be one of {}, got \"{value}\"", names.join(", ")))
    })
}

/// A file of `data`: a path, or (path, weight) for the user's own news,
/// the weight a whole number or "cv".
struct DataFile {
    path: PathBuf,
    weight: Option<UserWeight>,
}

fn data_files(data: &Bound<'_, PyAny>) -> Result<Vec<DataFile>, Failure> {
    let one = |item: &Bound<'_, PyAny>, i: usize| -> Result<DataFile, Failure> {
        let bad = || {
            Failure::input_at(
                i,
                "each item of data must be a path, or (path, weight) with a whole weight >= 1 or \"cv\"",
            )
        };
        if let Ok(tuple) = item.cast::<PyTuple>() {
            let (path, weight): (PathBuf, Bound<'_, PyAny>) = tuple.extract().map_err(|_| bad())?;
            let weight = if let Ok(s) = weight.cast::<PyString>() {
                match s.to_str().map_err(|_| bad())? {
                    "cv" => UserWeight::CrossValidated,
                    _ => return Err(bad()),
                }
            } else if weight.is_instance_of::<PyInt>() {
                match weight.extract::<u32>() {
                    Ok(w) if w >= 1 => UserWeight::Fixed(w),
                    _ => return Err(bad()),
                }
            } else {
                return Err(bad());
            };
            return Ok(DataFile {
                path,
                weight: Some(weight),
            });
        }
        let path: PathBuf = item.extract().map_err(|_| bad())?;
        Ok(DataFile { path, weight: None })
    };
    if let Ok(path) = data.extract::<PathBuf>() {
        return Ok(vec![DataFile { path, weight: None }]);
    }
    let items = data
        .try_iter()
        .map_err(|_| Failure::input("data must be a path or a list of paths"))?;
    let mut files = Vec::new();
    for (i, item) in items.enumerate() {
        let item = item.map_err(|e| Failure::input(format!("reading data: {e}")))?;
        files.push(one(&item, i)?);
    }
    if files.is_empty() {
        return Err(Failure::input("data names no file"));
    }
    Ok(files)
}

/// `"3-6"`, `"none"`, or (3, 6).
fn parse_char_ngrams(value: &Bound<'_, PyAny>) -> Result<Option<(usize, usize)>, Failure> {
    let bad = || Failure::input("char_ngrams must be \"MIN-MAX\" (e.g. \"3-6\"), (MIN, MAX) or \"none\"");
    if let Ok(range) = value.extract::<(usize, usize)>() {
        return Ok(Some(range));
    }
    let spec: String = value.extract().map_err(|_| bad())?;
    if spec.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    spec.split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
        .map(Some)
        .ok_or_else(bad)
}

/// Fits a model, as `stance train` does, and returns it (written to `out`
/// when given).
///
/// `data`: a path or a list of labeled files (JSONL, or CSV by extension);
/// `(path, weight)` marks a file of your own news, each row counting
/// `weight` times (`"cv"`: chosen by cross-validation). Every other keyword
/// is a `stance train` flag; None means its default.
#[pyfunction]
#[pyo3(signature = (
    data, out = None, *, targets = None, test = None, test_fraction = None, skip_bad = false,
    task = None, mode = None, alpha = None, max_iter = None, word_ngrams = None, char_ngrams = None,
    negation = None, min_df = None, max_features = None, selection = None, sublinear_tf = None,
    cv = None, alpha_grid = None, seed = None, mention_gate = None, balance = None,
    mask_mentions = None, neutral_shift = None, sentiment_toward_target = None,
    user_weight_grid = None, adapt = None, calibration = None, calibration_folds = None
))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    out: Option<PathBuf>,
    targets: Option<PathBuf>,
    test: Option<PathBuf>,
    test_fraction: Option<f64>,
    skip_bad: bool,
    task: Option<String>,
    mode: Option<String>,
    alpha: Option<f32>,
    max_iter: Option<u64>,
    word_ngrams: Option<usize>,
    char_ngrams: Option<&Bound<'_, PyAny>>,
    negation: Option<bool>,
    min_df: Option<usize>,
    max_features: Option<usize>,
    selection: Option<String>,
    sublinear_tf: Option<bool>,
    cv: Option<usize>,
    alpha_grid: Option<Vec<f32>>,
    seed: Option<u64>,
    mention_gate: Option<bool>,
    balance: Option<bool>,
    mask_mentions: Option<bool>,
    neutral_shift: Option<f32>,
    sentiment_toward_target: Option<bool>,
    user_weight_grid: Option<Vec<u32>>,
    adapt: Option<bool>,
    calibration: Option<String>,
    calibration_folds: Option<usize>,
) -> PyResult<PyModel> {
    let files = data_files(data).map_err(|f| f.into_pyerr(py))?;
    let char_ngrams = char_ngrams
        .map(parse_char_ngrams)
        .transpose()
        .map_err(|f| f.into_pyerr(py))?;
    let settings = (|| -> Result<TrainSettings, Failure> {
        let mut s = TrainSettings::default();
        if let Some(v) = task {
            s.task = choice::<TaskSelection>("task", &v)?;
        }
        if let Some(v) = mode {
            s.stance_mode = choice::<StanceMode>("mode", &v)?;
        }
        if let Some(v) = selection {
            s.vectors.selection = choice::<Selection>("selection", &v)?;
        }
        if let Some(v) = alpha {
            s.logistic.alpha = v;
        }
        if let Some(v) = max_iter {
            s.logistic.max_iterations = v;
        }
        if let Some(v) = word_ngrams {
            s.terms.word_ngrams = v;
        }
        if let Some(v) = char_ngrams {
            s.terms.char_ngrams = v;
        }
        if let Some(v) = negation {
            s.terms.negation = v;
        }
        if let Some(v) = min_df {
            s.vectors.min_df = v;
        }
        if let Some(v) = max_features {
            s.vectors.max_features = v;
        }
        if let Some(v) = sublinear_tf {
            s.vectors.sublinear_tf = v;
        }
        s.cv_folds = cv.or(s.cv_folds);
        if let Some(v) = alpha_grid {
            s.alpha_grid = v;
        }
        if let Some(v) = seed {
            s.seed = v;
        }
        if let Some(v) = mention_gate {
            s.mention_gate = v;
        }
        if let Some(v) = balance {
            s.class_balance = v;
        }
        if let Some(v) = mask_mentions {
            s.mask_mentions = v;
        }
        if let Some(v) = neutral_shift {
            s.neutral_shift = v;
        }
        if let Some(v) = sentiment_toward_target {
            s.sentiment_toward_target = v;
        }
        if let Some(v) = user_weight_grid {
            s.user_weight_grid = v;
        }
        if let Some(v) = calibration {
            s.calibration = choice::<stance::CalibrationMethod>("calibration", &v)?;
        }
        if let Some(v) = calibration_folds {
            s.calibration_folds = v;
        }
        if let Some(v) = adapt {
            s.adapt = v;
        }
        let weights: Vec<UserWeight> = files.iter().filter_map(|f| f.weight).collect();
        if let Some(&w) = weights.first() {
            if weights.iter().any(|&x| x != w) {
                return Err(Failure::input(
                    "the files of your own news ((path, weight)) must all have the same weight",
                ));
            }
            s.user_weight = w;
        }
        Ok(s)
    })()
    .map_err(|f| f.into_pyerr(py))?;
    if let Some(f) = test_fraction
        && !(f > 0.0 && f < 1.0)
    {
        return Err(Failure::input(format!("test_fraction must be between 0 and 1, got {f}")).into_pyerr(py));
    }
    let (model, bad_rows) = detached(py, || {
        let settings = settings.check()?;
        let aliases_file = targets.is_some();
        let targets: Vec<TargetSpec> = match &targets {
            Some(path) => read_targets_file(path)?,
            None => Vec::new(),
        };
        let mut examples = Vec::new();
        let mut infos = Vec::new();
        let mut bad_rows = Vec::new();
        for f in &files {
            let dataset = read_labeled(&f.path, skip_bad)?;
            let user = f.weight.is_some();
            infos.push(DataFileInfo::of(&dataset, user));
            let domain = if user { Domain::User } else { Domain::General };
            examples.extend(dataset.examples.into_iter().map(|e| Example { domain, ..e }));
            bad_rows.push((f.path.clone(), dataset.bad_rows));
        }
        // As the CLI: without an alias file, built-in targets get the
        // built-in alias lists.
        let targets = match aliases_file {
            true => targets,
            false => stance::default_aliases(examples.iter().map(|e| e.target.as_str())).specs,
        };
        if examples.is_empty() {
            let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
            return Err(stance::Error::DataFile {
                path: PathBuf::from(names.join(", ")),
                message: "no rows to train on".into(),
            }
            .into());
        }
        let how = match (&test, test_fraction) {
            (Some(test), _) => HoldOut::Rows {
                rows: read_labeled(test, skip_bad)?.examples,
                name: test.display().to_string(),
            },
            (None, Some(fraction)) => HoldOut::Fraction(fraction),
            (None, None) => HoldOut::SplitTest,
        };
        let split = hold_out(examples, how, settings.seed)?;
        let mut model = stance::train(&settings, &targets, &split.fit, infos, &|_| {})?;
        record_held_out(&mut model, &split.held_out, settings.mention_gate)?;
        if let Some(out) = &out {
            model.save(out)?;
        }
        Ok((model, bad_rows))
    })?;
    for (path, bad) in &bad_rows {
        warn_bad_rows(py, path, bad)?;
    }
    for c in model.info(0).classifiers {
        if !c.fit.converged {
            warn(
                py,
                &format!(
                    "{} did not converge; its predictions may be poor (see info()[\"classifiers\"])",
                    c.id
                ),
            )?;
        }
    }
    let source = match &out {
        Some(p) => p.display().to_string(),
        None => "(trained, not saved)".to_string(),
    };
    let from_file = out.is_some();
    detached(py, || PyModel::new(model, source, from_file))
}
