//! The shipped model is what the README's training command builds.
//!
//! `models/default.json` must never drift from `training_data/` and the
//! code: this test reruns the documented command and compares the result
//! byte for byte (training is seeded and deterministic).

use std::path::Path;
use std::process::Command;

#[test]
fn readme_command_rebuilds_the_shipped_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default.json");
    // The command in README.md, section "The default model".
    let status = Command::new(env!("CARGO_BIN_EXE_stance"))
        .current_dir(root)
        .args([
            "train",
            "--data",
            "training_data/corpus.jsonl",
            "--targets",
            "training_data/targets.json",
            "--mention-gate",
            "--alpha",
            "0.3",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("binary runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let rebuilt = std::fs::read(&out).unwrap();
    let shipped = std::fs::read(root.join("models/default.json")).unwrap();
    assert!(
        rebuilt == shipped,
        "models/default.json differs from what the README command builds now; rebuild it"
    );
}

#[test]
fn fast_features_equal_the_training_features_on_the_corpus() {
    // classify builds vectors without a string per term; training builds
    // the terms. Both must give the same vector for every corpus statement.
    use stance::ngrams::TermExtractor;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = stance::Model::load(&root.join("models/default.json")).unwrap();
    let data = stance::data::read_dataset(&root.join("training_data/corpus.jsonl")).unwrap();
    let mut extractor = TermExtractor::default();
    for (name, classifier) in model.classifiers() {
        for ex in data.examples.iter().filter(|e| e.id.ends_with("-ru")) {
            let slow = classifier.vectorizer.transform(&extractor.terms(&classifier.terms, &ex.text, None));
            let fast = classifier.featurize(&mut extractor, &ex.text, None);
            assert_eq!(slow, fast, "{name}: {}", ex.text);
        }
    }
}
