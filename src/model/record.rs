//! The training record: what a model was trained on and how it scored.
//!
//! Stored in the model file beside the classifiers, so a model carries its
//! provenance (each training file's path, row count and SHA-256), what was
//! fitted and what was left out, what cross-validation chose, and the
//! held-out figures; `inspect` and `train` print it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::data::labeled::Dataset;
use crate::labels::ClassifierId;
use crate::metrics::Report;

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One training file, as recorded in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFileInfo {
    pub path: String,
    pub sha256: String,
    pub rows: usize,
    /// Rows left out because they could not be read (`--skip-bad`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bad_rows: usize,
    /// Whether the file is the user's own news (given as `FILE:WEIGHT`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub user: bool,
}

impl DataFileInfo {
    /// The record of a labeled file read for training; `user` marks it as
    /// the user's own news.
    pub fn of(dataset: &Dataset, user: bool) -> DataFileInfo {
        DataFileInfo {
            path: dataset.path.display().to_string(),
            sha256: dataset.sha256.clone(),
            rows: dataset.examples.len(),
            bad_rows: dataset.bad_rows.len(),
            user,
        }
    }
}

/// What the model was trained on and how it scored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainingRecord {
    pub data: Vec<DataFileInfo>,
    /// Rows used for fitting, per task.
    pub fit_rows: BTreeMap<String, usize>,
    /// Rows without a label, per task (not used for that task).
    pub skipped: BTreeMap<String, usize>,
    /// Stance rows left out because their text does not mention their target
    /// (with the mention gate), per classifier.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub gated: BTreeMap<ClassifierId, usize>,
    /// Sentiment rows whose text and label repeat an earlier row (a
    /// statement labeled once per target), fitted once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub sentiment_repeats: usize,
    /// Rows held out for evaluation, and the report on them.
    pub held_out_rows: usize,
    pub held_out: BTreeMap<String, Report>,
    /// The penalty chosen for each classifier (by cross-validation when asked).
    pub alpha: BTreeMap<ClassifierId, f32>,
    /// The shift cross-validation added to the intercept of the `none` /
    /// `neutral` class, per classifier (absent when none was chosen).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub neutral_shift: BTreeMap<ClassifierId, f32>,
    /// Cross-validated score per classifier and candidate alpha, if run.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cross_validation: BTreeMap<ClassifierId, Vec<(f32, f64)>>,
    /// With `--mode auto` and several targets: the pooled out-of-fold score
    /// of each stance mode it compared (the best one was fitted).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stance_mode_scores: BTreeMap<String, f64>,
    /// The weight each row of the user's own news counted with (absent
    /// without such rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_weight: Option<u32>,
    /// When cross-validation chose that weight: the out-of-fold score on
    /// the user's rows of each candidate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_weight_cv: Vec<(u32, f64)>,
    /// Rows of the user's own news, per classifier fitted on some.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub user_rows: BTreeMap<ClassifierId, usize>,
    /// Why `auto` fell back to per-target fits without comparing, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance_mode_note: Option<String>,
}

impl TrainingRecord {
    /// What `map` (one of this record's per-classifier maps) holds for
    /// classifier `id`, or for its whole task when one joint fit made all
    /// of the task's classifiers.
    pub fn for_classifier<'a, T>(map: &'a BTreeMap<ClassifierId, T>, id: &ClassifierId) -> Option<&'a T> {
        map.get(id).or_else(|| map.get(&id.whole_task()))
    }
}
