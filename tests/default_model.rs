//! The shipped model is what the README's training command builds.
//!
//! `models/default.json` must never drift from `training_data/` and the
//! code: this test reruns the documented command and compares the result
//! byte for byte (training is seeded and deterministic).

use std::path::Path;
use std::process::Command;

#[test]
#[ignore = "slow (minutes): `cargo test --release -- --ignored` runs it (.ci/run does)"]
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
fn classify_scores_equal_the_training_features_on_the_corpus() {
    // classify scores statements from token ids (src/scorer.rs); training
    // builds the terms as strings. For every corpus statement, each
    // classifier must give the same probabilities both ways.
    use stance::ArticleClassifier;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = stance::Model::load(&root.join("models/default.json")).unwrap();
    let data = stance::read_dataset(&root.join("training_data/corpus.jsonl")).unwrap();
    let classifier = ArticleClassifier::new(&model, None, 0).unwrap();
    fn close<L: stance::Label>(fast: &stance::Decision<L>, slow: &stance::Decision<L>, what: &str) {
        let fast = fast.probabilities.as_ref().unwrap();
        for (label, p) in slow.probabilities.as_ref().unwrap().iter() {
            let q = fast.get(label).unwrap();
            assert!((p - q).abs() < 1e-5, "{what}: {label} {p} (strings) vs {q} (ids)");
        }
    }
    let mut compared = 0;
    for ex in &data.examples {
        let sentiment = classifier.statement_sentiment(&ex.text).unwrap();
        let slow = model.predict_sentiment(&ex.text, None).unwrap();
        close(&sentiment, &slow, &ex.text);
        let stance = classifier.statement_stance(&ex.text, &ex.target).unwrap();
        if stance.probabilities.is_some() {
            let slow = model.predict_stance(&ex.text, &ex.target).unwrap();
            close(&stance, &slow, &ex.text);
            compared += 1;
        }
    }
    // Most rows mention their target, so most stance decisions were compared.
    assert!(compared > data.examples.len() / 2, "{compared}");
}
