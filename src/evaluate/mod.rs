//! Evaluation: scoring a model on labeled rows it was not trained on.
//!
//! Runs every labeled row through the same prediction path `classify` uses
//! and reports per task. Rows without a label for a task are counted as
//! skipped for that task, never silently ignored; a stance row whose target
//! the model does not know is an error, since dropping it would inflate the
//! score.

pub(crate) mod check;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::classify::ArticleClassifier;
use crate::data::labeled::Example;
use crate::error::Result;
use crate::labels::{AnyLabel, Task};
use crate::metrics::Report;
use crate::model::Model;
use crate::model::calibration::calibration_error;

/// Reports of a model on a set of rows.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Rows read.
    pub rows: usize,
    /// Per task, rows without a label for it.
    pub skipped: BTreeMap<String, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stance: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Report>,
    /// Per task, how well the probabilities are calibrated, before and
    /// after the model's calibration (for a calibrated model).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub calibration: BTreeMap<String, CalibrationFigures>,
}

/// Expected calibration error (10 bins of the top probability) and Brier
/// score, of the raw and of the calibrated probabilities.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationFigures {
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub ece_before: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub brier_before: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub ece_after: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub brier_after: f64,
}

/// Scores `model` on `examples`, for every task the model was trained for.
/// With `mention_gate`, stance is decided as `classify` decides it: a row
/// whose text does not mention its target (by the model's aliases) is `none`.
pub fn evaluate(model: &Model, examples: &[Example], mention_gate: bool) -> Result<Evaluation> {
    let gate = if mention_gate {
        Some(ArticleClassifier::new(model, None, 0)?)
    } else {
        None
    };
    let mut evaluation = Evaluation {
        rows: examples.len(),
        skipped: BTreeMap::new(),
        stance: None,
        sentiment: None,
        calibration: BTreeMap::new(),
    };
    for task in model.tasks() {
        let mut pairs: Vec<(AnyLabel, AnyLabel)> = Vec::new();
        // (gold, raw, calibrated) probabilities over the task's labels.
        let mut scored: Vec<(usize, Vec<f32>, Vec<f32>)> = Vec::new();
        let mut skipped = 0;
        for e in examples {
            let Some(gold) = e.label(task) else {
                skipped += 1;
                continue;
            };
            let (predicted, by_rule): (AnyLabel, bool) = match task {
                Task::Stance => {
                    let d = match &gate {
                        Some(g) => g.statement_stance(&e.text, &e.target)?,
                        None => model.predict_stance(&e.text, &e.target)?,
                    };
                    (d.label.into(), d.probabilities.is_none())
                }
                Task::Sentiment => (model.predict_sentiment(&e.text, Some(&e.target))?.label.into(), false),
            };
            pairs.push((gold, predicted));
            let labels = task.labels();
            let index = |l: AnyLabel| labels.iter().position(|x| *x == l).unwrap_or(0);
            let (raw, calibrated) = match by_rule {
                // `none` by rule: certain, before and after.
                true => {
                    let certain: Vec<f32> = (0..labels.len())
                        .map(|i| (i == index(predicted)) as u8 as f32)
                        .collect();
                    (certain.clone(), certain)
                }
                false => model.label_probabilities(task, &e.text, &e.target)?.unwrap_or_default(),
            };
            if !raw.is_empty() {
                scored.push((index(gold), raw, calibrated));
            }
        }
        evaluation.skipped.insert(task.name().into(), skipped);
        if model.is_calibrated() {
            let rows = |calibrated: bool| -> Vec<(usize, Vec<f32>)> {
                scored
                    .iter()
                    .map(|(g, raw, cal)| (*g, if calibrated { cal.clone() } else { raw.clone() }))
                    .collect()
            };
            let (ece_before, brier_before) = calibration_error(&rows(false));
            let (ece_after, brier_after) = calibration_error(&rows(true));
            evaluation.calibration.insert(
                task.name().into(),
                CalibrationFigures {
                    ece_before,
                    brier_before,
                    ece_after,
                    brier_after,
                },
            );
        }
        let report = Report::new(task, pairs);
        match task {
            Task::Stance => evaluation.stance = Some(report),
            Task::Sentiment => evaluation.sentiment = Some(report),
        }
    }
    Ok(evaluation)
}

/// Scores a freshly trained `model` on its `held_out` rows (as `mention_gate`
/// says) and records the figures in its training record; `None` when
/// nothing was held out.
pub fn record_held_out(model: &mut Model, held_out: &[Example], mention_gate: bool) -> Result<Option<Evaluation>> {
    if held_out.is_empty() {
        return Ok(None);
    }
    let evaluation = evaluate(model, held_out, mention_gate)?;
    model.training.held_out_rows = held_out.len();
    for (task, report) in [
        (Task::Stance, &evaluation.stance),
        (Task::Sentiment, &evaluation.sentiment),
    ] {
        if let Some(r) = report {
            model.training.held_out.insert(task.name().into(), r.clone());
        }
    }
    Ok(Some(evaluation))
}
