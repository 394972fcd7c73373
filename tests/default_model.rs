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
