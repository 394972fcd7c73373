//! The model file: one versioned, self-describing JSON document.
//!
//! Loading checks the format name and version before anything else and
//! rejects a version this build does not know, naming both; then it
//! cross-checks the parts (vocabulary against weights, classes against the
//! task's labels). Saving is atomic: a temporary file in the same directory
//! is written, synced and renamed over the target, so a failed or killed
//! run leaves any previous model intact.

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::files::write_atomically;
use crate::labels::{Sentiment, Stance, Task};
use crate::model::Model;
use crate::model::decision::ClassLabels;

/// The `format` field of every model file.
pub(crate) const FORMAT_NAME: &str = "stance-model";
/// The model-file format version this build reads and writes.
pub(crate) const FORMAT_VERSION: u64 = 1;

/// How the built-in model is named in messages and reports.
pub const BUILTIN_NAME: &str = "models/default.json (built in)";

/// The default model, `models/default.json`, built into the crate.
const BUILTIN: &[u8] = include_bytes!("../../models/default.json");

impl Model {
    /// The default model shipped with `stance` (trained on our corpus for
    /// stance toward Russia and the United States, and sentiment).
    pub fn builtin() -> Result<Model> {
        Model::from_json(Path::new(BUILTIN_NAME), BUILTIN)
    }

    /// Writes the model as JSON, atomically: a temporary file in the same
    /// directory is written, flushed to disk and renamed over `path`, so a
    /// failed or interrupted save leaves any previous file intact. A
    /// symlink is written through to its target; a path that is not a
    /// regular file (a directory, a device) is refused (the rules of the
    /// crate's `files` module).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec(self).map_err(|e| Error::Model {
            path: path.to_path_buf(),
            message: format!("could not serialise the model: {e}"),
        })?;
        json.push(b'\n');
        write_atomically(path, &json)
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
    use crate::model::settings::TrainSettings;
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
        for e in &test {
            assert_eq!(
                model.predict_stance(&e.text, &e.target).unwrap(),
                loaded.predict_stance(&e.text, &e.target).unwrap()
            );
            assert_eq!(
                model.predict_sentiment(&e.text, None).unwrap(),
                loaded.predict_sentiment(&e.text, None).unwrap()
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
            let stance = model.predict_stance(&text, "United States").unwrap();
            let sentiment = model.predict_sentiment(&text, None).unwrap();
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
        for e in test.iter().take(20) {
            let p = model.predict_stance(&e.text, &e.target).unwrap();
            let probs = p.probabilities.unwrap();
            let sum: f32 = probs.iter().map(|(_, x)| x).sum();
            assert!((sum - 1.0).abs() < 1e-5 && probs.iter().all(|(_, x)| x.is_finite()));
            assert_eq!(p.label, probs.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap().0);
        }
        let empty = model.predict_stance("", "Russia").unwrap();
        assert!(empty.confidence.is_finite());
    }
}
