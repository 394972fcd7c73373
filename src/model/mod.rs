//! The model: fitted classifiers plus everything needed to use and trust them.
//!
//! A model holds one text classifier per decision (stance toward each target,
//! or one shared stance classifier; sentiment), each carrying its own term
//! settings, vocabulary, idf and weights ([`classifier`]), so the features it
//! sees at prediction time are produced by the same code and settings it was
//! trained with. Beside them: its targets, the settings it was trained with
//! ([`settings`]) and the training record ([`record`]). [`mod@file`] reads and
//! writes it as one versioned JSON file; [`decision`] is what every
//! prediction returns; [`logistic`] and [`joint`] fit the weights.

pub(crate) mod calibration;
pub(crate) mod classifier;
pub(crate) mod decision;
pub(crate) mod file;
pub(crate) mod info;
pub(crate) mod joint;
pub(crate) mod logistic;
pub(crate) mod record;
pub(crate) mod settings;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::terms::with_extractor;
use crate::labels::{ClassifierId, Sentiment, Stance, Task};
use crate::model::decision::Decision;
use crate::model::settings::TrainSettings;
use crate::text::targets::{TargetSpec, same_target, spec_or_named};

pub use classifier::TextClassifier;
pub(crate) use classifier::mention_mask;
pub use file::BUILTIN_NAME;
pub(crate) use file::{FORMAT_NAME, FORMAT_VERSION};
pub use record::{DataFileInfo, TrainingRecord};

/// How stance is modelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub(crate) enum StanceClassifiers {
    /// A classifier per target, keyed by target name.
    PerTarget {
        classifiers: BTreeMap<String, TextClassifier>,
    },
    /// One classifier for every target, on text with mentions masked.
    Shared { classifier: Box<TextClassifier> },
}

/// What a model's sentiment classifier decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentimentScope {
    /// The sentiment of each statement.
    Statement,
    /// Also the sentiment toward each mentioned target (a model trained
    /// with `--sentiment-toward-target`, its target masked).
    StatementAndTargets,
}

/// A trained stance + sentiment model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub format_version: u64,
    /// The `stance` version that wrote the file.
    pub crate_version: String,
    pub settings: TrainSettings,
    pub targets: Vec<TargetSpec>,
    pub(crate) stance: Option<StanceClassifiers>,
    pub(crate) sentiment: Option<TextClassifier>,
    pub training: TrainingRecord,
}

impl Model {
    /// The target spec whose name matches (case-insensitively).
    pub fn target(&self, name: &str) -> Option<&TargetSpec> {
        self.targets.iter().find(|t| same_target(&t.name, name))
    }

    /// Whether the model decides stance.
    pub fn has_stance(&self) -> bool {
        self.stance.is_some()
    }

    /// What the model's sentiment is about, if it has sentiment.
    pub fn sentiment_scope(&self) -> Option<SentimentScope> {
        self.sentiment.as_ref().map(|c| match c.mask_target {
            true => SentimentScope::StatementAndTargets,
            false => SentimentScope::Statement,
        })
    }

    /// Which tasks the model can predict.
    pub fn tasks(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        if self.stance.is_some() {
            tasks.push(Task::Stance);
        }
        if self.sentiment.is_some() {
            tasks.push(Task::Sentiment);
        }
        tasks
    }

    /// The classifier that decides stance toward `target`.
    pub fn stance_classifier(&self, target: &str) -> Result<(&TextClassifier, TargetSpec)> {
        let stance = self
            .stance
            .as_ref()
            .ok_or_else(|| Error::Settings("the model was not trained for stance".into()))?;
        let known = || {
            self.targets
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let spec = self.target(target).cloned();
        match stance {
            StanceClassifiers::PerTarget { classifiers } => {
                let classifier = classifiers
                    .iter()
                    .find(|(name, _)| same_target(name, target))
                    .map(|(_, c)| c)
                    .ok_or_else(|| {
                        Error::Settings(format!(
                            "the model has no stance classifier for target \"{target}\" (it knows: {})",
                            known()
                        ))
                    })?;
                Ok((classifier, spec.unwrap_or_else(|| TargetSpec::named(target))))
            }
            StanceClassifiers::Shared { classifier } => {
                Ok((classifier, spec.unwrap_or_else(|| TargetSpec::named(target))))
            }
        }
    }

    /// Stance of `text` toward `target`.
    pub fn predict_stance(&self, text: &str, target: &str) -> Result<Decision<Stance>> {
        let (classifier, spec) = self.stance_classifier(target)?;
        let mask = classifier.mask_for(&spec, &self.targets);
        let row = with_extractor(|extractor| classifier.featurize(extractor, text, mask.as_ref()));
        classifier.decide(&row)
    }

    /// Sentiment of `text`, or, for a model trained for sentiment toward a
    /// target (`--sentiment-toward-target`), toward `target` when given.
    pub fn predict_sentiment(&self, text: &str, target: Option<&str>) -> Result<Decision<Sentiment>> {
        let classifier = self
            .sentiment
            .as_ref()
            .ok_or_else(|| Error::Settings("the model was not trained for sentiment".into()))?;
        let mask = target.filter(|_| classifier.mask_target).map(|name| {
            let spec = spec_or_named(&self.targets, name);
            classifier.mask_for(&spec, &self.targets)
        });
        let row = with_extractor(|extractor| classifier.featurize(extractor, text, mask.flatten().as_ref()));
        classifier.decide(&row)
    }

    /// The raw and the calibrated probability of each of `task`'s labels
    /// (in [`Task::labels`] order; 0 for a label the classifier lacks) for
    /// `text`, toward `target` (stance, or sentiment of a model fitted
    /// toward targets); `None` when the model has no classifier for it.
    pub fn label_probabilities(&self, task: Task, text: &str, target: &str) -> Result<Option<(Vec<f32>, Vec<f32>)>> {
        let (classifier, mask) = match task {
            Task::Stance => {
                let (classifier, spec) = self.stance_classifier(target)?;
                (classifier, classifier.mask_for(&spec, &self.targets))
            }
            Task::Sentiment => {
                let Some(classifier) = self.sentiment.as_ref() else {
                    return Ok(None);
                };
                let mask = match classifier.mask_target {
                    true => classifier.mask_for(&spec_or_named(&self.targets, target), &self.targets),
                    false => None,
                };
                (classifier, mask)
            }
        };
        let raw =
            with_extractor(|extractor| classifier.probabilities(&classifier.featurize(extractor, text, mask.as_ref())));
        let calibrated = classifier.calibrated(raw.clone());
        let in_task_order = |probs: &[f32]| -> Vec<f32> {
            task.labels()
                .iter()
                .map(|l| {
                    classifier
                        .classifier
                        .classes()
                        .iter()
                        .position(|c| c == l.name())
                        .map_or(0.0, |i| probs[i])
                })
                .collect()
        };
        Ok(Some((in_task_order(&raw), in_task_order(&calibrated))))
    }

    /// Whether any classifier carries a calibration.
    pub fn is_calibrated(&self) -> bool {
        self.classifiers().iter().any(|(_, c)| c.calibration.is_some())
    }

    /// The id of the classifier that decides stance toward `target`.
    pub fn stance_classifier_id(&self, target: &str) -> Result<ClassifierId> {
        self.stance_classifier(target)?;
        Ok(match &self.stance {
            Some(StanceClassifiers::PerTarget { classifiers }) => classifiers
                .keys()
                .find(|name| same_target(name, target))
                .map(|name| ClassifierId::stance_toward(name))
                .unwrap_or(ClassifierId::Stance(None)),
            _ => ClassifierId::Stance(None),
        })
    }

    /// The classifier `id` names, to change it.
    pub(crate) fn classifier_mut(&mut self, id: &ClassifierId) -> Option<&mut TextClassifier> {
        match (id, &mut self.stance, &mut self.sentiment) {
            (ClassifierId::Stance(Some(name)), Some(StanceClassifiers::PerTarget { classifiers }), _) => {
                classifiers.get_mut(name)
            }
            (ClassifierId::Stance(None), Some(StanceClassifiers::Shared { classifier }), _) => Some(classifier),
            (ClassifierId::Sentiment, _, Some(c)) => Some(c),
            _ => None,
        }
    }

    /// Every classifier in the model, with its id (`stance/Russia`,
    /// `sentiment`).
    pub fn classifiers(&self) -> Vec<(ClassifierId, &TextClassifier)> {
        let mut all = Vec::new();
        match &self.stance {
            Some(StanceClassifiers::PerTarget { classifiers }) => {
                for (name, c) in classifiers {
                    all.push((ClassifierId::stance_toward(name), c));
                }
            }
            Some(StanceClassifiers::Shared { classifier }) => {
                all.push((ClassifierId::Stance(None), classifier));
            }
            None => {}
        }
        if let Some(c) = &self.sentiment {
            all.push((ClassifierId::Sentiment, c));
        }
        all
    }
}
