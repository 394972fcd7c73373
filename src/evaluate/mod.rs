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
    };
    for task in model.tasks() {
        let mut pairs: Vec<(AnyLabel, AnyLabel)> = Vec::new();
        let mut skipped = 0;
        for e in examples {
            let Some(gold) = e.label(task) else {
                skipped += 1;
                continue;
            };
            let predicted: AnyLabel = match task {
                Task::Stance => match &gate {
                    Some(g) => g.statement_stance(&e.text, &e.target)?.label,
                    None => model.predict_stance(&e.text, &e.target)?.label,
                }
                .into(),
                Task::Sentiment => model.predict_sentiment(&e.text, Some(&e.target))?.label.into(),
            };
            pairs.push((gold, predicted));
        }
        evaluation.skipped.insert(task.name().into(), skipped);
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
