//! What a model is, in a form to print or serialize: the summary `inspect`
//! shows (and `train` reports), without reaching into the classifiers.
//!
//! [`Model::info`] gathers the model's format and provenance, targets,
//! settings and training record, and for every classifier its classes,
//! size, penalty, how its fit ended, what cross-validation chose for it and
//! its strongest terms per class.

use serde::Serialize;

use crate::labels::ClassifierId;
use crate::model::logistic::FitDiagnostics;
use crate::model::record::TrainingRecord;
use crate::model::settings::TrainSettings;
use crate::model::{Model, SentimentScope};
use crate::text::targets::TargetSpec;

/// A model, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub format: String,
    pub format_version: u64,
    /// The `stance` version that wrote the model.
    pub crate_version: String,
    /// What it decides: `stance (Russia, United States) + sentiment`.
    pub tasks: String,
    pub targets: Vec<TargetSpec>,
    pub settings: TrainSettings,
    pub training: TrainingRecord,
    pub classifiers: Vec<ClassifierInfo>,
}

/// One classifier of a model, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct ClassifierInfo {
    pub id: ClassifierId,
    /// Its classes, in its order.
    pub classes: Vec<String>,
    /// Terms in its vocabulary.
    pub features: usize,
    /// The penalty it was fitted with.
    pub alpha: Option<f32>,
    /// How its fit ended.
    pub fit: FitDiagnostics,
    /// Cross-validated score per candidate alpha (with `--cv`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_scores: Option<Vec<(f32, f64)>>,
    /// The shift cross-validation added to its neutral class, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neutral_shift: Option<f32>,
    /// Per class (in class order), its strongest terms with their weights.
    pub top_terms: Vec<(String, Vec<(String, f32)>)>,
}

impl Model {
    /// What the model decides: `stance (Russia, United States) + sentiment`.
    pub fn describe_tasks(&self) -> String {
        let mut parts = Vec::new();
        if self.has_stance() {
            let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
            parts.push(format!("stance ({})", names.join(", ")));
        }
        match self.sentiment_scope() {
            Some(SentimentScope::StatementAndTargets) => parts.push("sentiment (also toward each target)".to_string()),
            Some(SentimentScope::Statement) => parts.push("sentiment".to_string()),
            None => {}
        }
        parts.join(" + ")
    }

    /// The model summarised, with the `top` strongest terms per class of
    /// each classifier.
    pub fn info(&self, top: usize) -> ModelInfo {
        let record = &self.training;
        let classifiers = self
            .classifiers()
            .into_iter()
            .map(|(id, c)| {
                let top_terms = c
                    .classifier
                    .classes()
                    .iter()
                    .enumerate()
                    .map(|(ci, class)| {
                        let mut ranked: Vec<(u32, f32)> = (0..c.vectorizer.len() as u32)
                            .map(|f| (f, c.classifier.weight(f as usize, ci)))
                            .collect();
                        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                        let terms = ranked
                            .iter()
                            .take(top)
                            .map(|&(f, w)| (c.vectorizer.term(f).to_string(), w))
                            .collect();
                        (class.clone(), terms)
                    })
                    .collect();
                ClassifierInfo {
                    classes: c.classifier.classes().to_vec(),
                    features: c.vectorizer.len(),
                    alpha: TrainingRecord::for_classifier(&record.alpha, &id).copied(),
                    fit: c.classifier.diagnostics().clone(),
                    cv_scores: TrainingRecord::for_classifier(&record.cross_validation, &id).cloned(),
                    neutral_shift: TrainingRecord::for_classifier(&record.neutral_shift, &id).copied(),
                    top_terms,
                    id,
                }
            })
            .collect();
        ModelInfo {
            format: self.format.clone(),
            format_version: self.format_version,
            crate_version: self.crate_version.clone(),
            tasks: self.describe_tasks(),
            targets: self.targets.clone(),
            settings: self.settings.clone(),
            training: self.training.clone(),
            classifiers,
        }
    }
}
