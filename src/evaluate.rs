//! Evaluation: scoring a model on labeled rows it was not trained on.
//!
//! Runs every labeled row through the same prediction path `classify` uses
//! and reports per task. Rows without a label for a task are counted as
//! skipped for that task, never silently ignored; a stance row whose target
//! the model does not know is an error, since dropping it would inflate the
//! score.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::{Example, Task};
use crate::error::Result;
use crate::metrics::Report;
use crate::model::Model;
use crate::ngrams::TermExtractor;

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
pub fn evaluate(model: &Model, examples: &[Example]) -> Result<Evaluation> {
    let mut extractor = TermExtractor::default();
    let mut evaluation = Evaluation {
        rows: examples.len(),
        skipped: BTreeMap::new(),
        stance: None,
        sentiment: None,
    };
    for task in model.tasks() {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut skipped = 0;
        for e in examples {
            let Some(gold) = e.label(task) else {
                skipped += 1;
                continue;
            };
            let predicted = match task {
                Task::Stance => model.predict_stance(&mut extractor, &e.text, &e.target)?,
                Task::Sentiment => model.predict_sentiment(&mut extractor, &e.text)?,
            };
            pairs.push((gold, predicted.label));
        }
        evaluation.skipped.insert(task.name().into(), skipped);
        let report = Report::new(task.labels(), pairs.iter().map(|(g, p)| (*g, p.as_str())));
        match task {
            Task::Stance => evaluation.stance = Some(report),
            Task::Sentiment => evaluation.sentiment = Some(report),
        }
    }
    Ok(evaluation)
}
