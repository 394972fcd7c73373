//! The model: fitted classifiers plus everything needed to use and trust them,
//! in one versioned, self-describing JSON file.
//!
//! A model holds one text classifier per decision (stance toward each target,
//! or one shared stance classifier; sentiment), each carrying its own term
//! settings, vocabulary, idf and weights, so the features it sees at
//! prediction time are produced by the same code and settings it was trained
//! with. The file also records the format version, the crate version, the
//! training settings, a hash of the training data and the held-out figures.
//! Loading rejects format versions it does not know; saving is atomic.

pub mod decision;
pub mod joint;
pub mod logistic;
pub mod settings;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::labels::{ClassifierId, Label, Sentiment, Stance, Task};
use crate::model::decision::{ClassLabels, Decision};
use crate::features::terms::{TermExtractor, TermSettings};
use crate::features::vectorize::{SparseVec, Vectorizer};
use crate::metrics::Report;
use crate::model::logistic::LinearClassifier;
use crate::text::targets::{MentionMask, TargetSpec, same_target, spec_or_named};
use crate::model::settings::TrainSettings;

/// The `format` field of every model file.
pub const FORMAT_NAME: &str = "stance-model";
/// The model-file format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

/// The mask for stance toward `target`: its mentions when `mask_target`,
/// and the other `targets`' mentions too when `mask_others`. Training and
/// prediction both build masks here.
pub fn mention_mask(
    mask_target: bool,
    mask_others: bool,
    target: &TargetSpec,
    targets: &[TargetSpec],
) -> Option<MentionMask> {
    mask_target.then(|| MentionMask::new(target, if mask_others { targets } else { &[] }))
}

/// Terms -> tf-idf -> logistic regression, for one decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextClassifier {
    pub terms: TermSettings,
    /// Whether target mentions are masked before extracting terms.
    pub mask_target: bool,
    /// Whether mentions of the model's other targets are masked too.
    #[serde(default)]
    pub mask_others: bool,
    pub vectorizer: Vectorizer,
    pub classifier: LinearClassifier,
}

impl TextClassifier {
    /// The mask this classifier applies for stance toward `target`, among
    /// the model's `targets` (`None` for a classifier that masks nothing).
    pub fn mask_for(&self, target: &TargetSpec, targets: &[TargetSpec]) -> Option<MentionMask> {
        mention_mask(self.mask_target, self.mask_others, target, targets)
    }

    /// The feature vector of `text`, with the mentions `mask` covers masked.
    pub fn featurize(&self, extractor: &mut TermExtractor, text: &str, mask: Option<&MentionMask>) -> SparseVec {
        self.vectorizer.transform(&extractor.terms(&self.terms, text, mask))
    }

    /// Class probabilities for a feature vector, in class order.
    pub fn probabilities(&self, row: &SparseVec) -> Vec<f32> {
        self.classifier.probabilities(row)
    }

    /// The decision for a feature vector, as a label of `L`'s task.
    pub fn decide<L: Label>(&self, row: &SparseVec) -> Result<Decision<L>> {
        Ok(ClassLabels::new(self.classifier.classes())?.decide(&self.probabilities(row), Vec::new()))
    }
}

/// How stance is modelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum StanceClassifiers {
    /// A classifier per target, keyed by target name.
    PerTarget {
        classifiers: BTreeMap<String, TextClassifier>,
    },
    /// One classifier for every target, on text with mentions masked.
    Shared { classifier: TextClassifier },
}

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

/// A trained stance + sentiment model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub format_version: u64,
    /// The `stance` version that wrote the file.
    pub crate_version: String,
    pub settings: TrainSettings,
    pub targets: Vec<TargetSpec>,
    pub stance: Option<StanceClassifiers>,
    pub sentiment: Option<TextClassifier>,
    pub training: TrainingRecord,
}

impl Model {
    /// The target spec whose name matches (case-insensitively).
    pub fn target(&self, name: &str) -> Option<&TargetSpec> {
        self.targets.iter().find(|t| same_target(&t.name, name))
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
    pub fn predict_stance(&self, extractor: &mut TermExtractor, text: &str, target: &str) -> Result<Decision<Stance>> {
        let (classifier, spec) = self.stance_classifier(target)?;
        let mask = classifier.mask_for(&spec, &self.targets);
        let row = classifier.featurize(extractor, text, mask.as_ref());
        classifier.decide(&row)
    }

    /// Sentiment of `text`, or, for a model trained for sentiment toward a
    /// target (`--sentiment-toward-target`), toward `target` when given.
    pub fn predict_sentiment(
        &self,
        extractor: &mut TermExtractor,
        text: &str,
        target: Option<&str>,
    ) -> Result<Decision<Sentiment>> {
        let classifier = self
            .sentiment
            .as_ref()
            .ok_or_else(|| Error::Settings("the model was not trained for sentiment".into()))?;
        let mask = target.filter(|_| classifier.mask_target).map(|name| {
            let spec = spec_or_named(&self.targets, name);
            classifier.mask_for(&spec, &self.targets)
        });
        let row = classifier.featurize(extractor, text, mask.flatten().as_ref());
        classifier.decide(&row)
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

    /// Writes the model as JSON, atomically: a temporary file in the same
    /// directory is written, flushed to disk and renamed over `path`, so a
    /// failed or interrupted save leaves any previous file intact.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| Error::Model {
            path: path.to_path_buf(),
            message: format!("could not serialise the model: {e}"),
        })?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let file_name = path.file_name().ok_or_else(|| Error::Model {
            path: path.to_path_buf(),
            message: "the output path has no file name".into(),
        })?;
        let tmp = dir.join(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_json(path, &bytes)
    }

    /// Parses a model from JSON bytes; `path` is used in messages.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<Model> {
        let model_err = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(model_err("the model file is empty".into()));
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            let hint = if e.is_eof() {
                "the file ends early (truncated?)"
            } else {
                "the file is not valid JSON (corrupted?)"
            };
            model_err(format!("{hint}: {e}"))
        })?;
        if value.get("format").and_then(Value::as_str) != Some(FORMAT_NAME) {
            return Err(model_err(format!(
                "not a stance model file (no \"format\": \"{FORMAT_NAME}\")"
            )));
        }
        let found = value
            .get("format_version")
            .and_then(Value::as_u64)
            .ok_or_else(|| model_err("the model file has no format_version".into()))?;
        if found != FORMAT_VERSION {
            return Err(Error::ModelVersion {
                path: path.to_path_buf(),
                found,
                supported: FORMAT_VERSION,
                crate_version: env!("CARGO_PKG_VERSION"),
            });
        }
        let model: Model =
            serde_json::from_value(value).map_err(|e| model_err(format!("the model file is inconsistent: {e}")))?;
        model.check().map_err(model_err)?;
        Ok(model)
    }

    /// Cross-checks the parts of a loaded model.
    fn check(&self) -> Result<(), String> {
        if self.stance.is_none() && self.sentiment.is_none() {
            return Err("the model has no classifier".into());
        }
        for (name, c) in self.classifiers() {
            let classes = c.classifier.classes();
            match name.task() {
                Task::Stance => ClassLabels::<Stance>::new(classes).map(drop),
                Task::Sentiment => ClassLabels::<Sentiment>::new(classes).map(drop),
            }
            .map_err(|e| format!("{name}: {e}"))?;
            if c.vectorizer.len() != c.classifier.n_features() {
                return Err(format!(
                    "{name}: vocabulary has {} terms but the classifier expects {}",
                    c.vectorizer.len(),
                    c.classifier.n_features()
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::labeled::read_dataset;
    use crate::train::train;

    fn fixture_model() -> (Model, Vec<crate::data::labeled::Example>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let data = read_dataset(&dir.join("train.jsonl")).unwrap();
        let test = read_dataset(&dir.join("test.jsonl")).unwrap();
        let settings = TrainSettings::default().check().unwrap();
        let model = train(&settings, &[], &data.examples, vec![], &|_| {}).unwrap();
        (model, test.examples)
    }

    #[test]
    fn save_and_load_give_identical_predictions() {
        let (model, test) = fixture_model();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        model.save(&path).unwrap();
        let loaded = Model::load(&path).unwrap();
        let mut ex = TermExtractor::default();
        for e in &test {
            assert_eq!(
                model.predict_stance(&mut ex, &e.text, &e.target).unwrap(),
                loaded.predict_stance(&mut ex, &e.text, &e.target).unwrap()
            );
            assert_eq!(
                model.predict_sentiment(&mut ex, &e.text, None).unwrap(),
                loaded.predict_sentiment(&mut ex, &e.text, None).unwrap()
            );
        }
        // Saving the loaded model reproduces the file byte for byte.
        let again = dir.path().join("again.json");
        loaded.save(&again).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), std::fs::read(&again).unwrap());
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn failed_save_keeps_the_old_file() {
        let (model, _) = fixture_model();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        std::fs::write(&path, "old").unwrap();
        // A directory in the way of the temporary file makes the write fail.
        let blocker = dir.path().join(format!(".m.json.tmp-{}", std::process::id()));
        std::fs::create_dir(&blocker).unwrap();
        assert!(model.save(&path).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }

    #[test]
    fn rejects_unknown_versions_and_inconsistent_parts() {
        let (model, _) = fixture_model();
        let mut value = serde_json::to_value(&model).unwrap();
        value["format_version"] = 2.into();
        let err = Model::from_json(Path::new("m.json"), value.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::ModelVersion {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{err}"
        );
        let mut value = serde_json::to_value(&model).unwrap();
        value["sentiment"]["classifier"]["intercepts"] = serde_json::json!([0.0]);
        let err = Model::from_json(Path::new("m.json"), value.to_string().as_bytes()).unwrap_err();
        assert!(err.to_string().contains("do not fit"), "{err}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn any_text_gets_finite_probabilities_summing_to_one(text in "\\PC{0,300}") {
            static MODEL: std::sync::OnceLock<Model> = std::sync::OnceLock::new();
            let model = MODEL.get_or_init(|| fixture_model().0);
            let mut ex = TermExtractor::default();
            let stance = model.predict_stance(&mut ex, &text, "United States").unwrap();
            let sentiment = model.predict_sentiment(&mut ex, &text, None).unwrap();
            let stance: Vec<f32> = stance.probabilities.unwrap().iter().map(|(_, x)| x).collect();
            let sentiment: Vec<f32> = sentiment.probabilities.unwrap().iter().map(|(_, x)| x).collect();
            for p in [stance, sentiment] {
                let sum: f32 = p.iter().sum();
                proptest::prop_assert!((sum - 1.0).abs() < 1e-4);
                proptest::prop_assert!(p.iter().all(|x| x.is_finite() && *x >= 0.0));
            }
        }
    }

    #[test]
    fn probabilities_are_finite_and_sum_to_one() {
        let (model, test) = fixture_model();
        let mut ex = TermExtractor::default();
        for e in test.iter().take(20) {
            let p = model.predict_stance(&mut ex, &e.text, &e.target).unwrap();
            let probs = p.probabilities.unwrap();
            let sum: f32 = probs.iter().map(|(_, x)| x).sum();
            assert!((sum - 1.0).abs() < 1e-5 && probs.iter().all(|(_, x)| x.is_finite()));
            assert_eq!(p.label, probs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0);
        }
        let empty = model.predict_stance(&mut ex, "", "Russia").unwrap();
        assert!(empty.confidence.is_finite());
    }
}
