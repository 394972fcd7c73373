//! The shipped model on the challenge suite, through the real binary.
//!
//! `tests/challenge.jsonl` holds statements we wrote, each tagged with the
//! phenomenon it probes; `tests/challenge-floors.json` the accuracy the
//! shipped model must keep on each. Raise a floor when the model improves;
//! a change that drops a phenomenon below its floor fails here.

use std::path::Path;
use std::process::Command;

#[test]
fn default_model_meets_the_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["check", "--format", "json", "--suite"])
        .arg(root.join("tests/challenge.jsonl"))
        .arg("--floors")
        .arg(root.join("tests/challenge-floors.json"))
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "below a floor:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("check prints JSON");
    assert_eq!(report["n"], 260);
    let phenomena = report["phenomena"].as_array().unwrap();
    assert_eq!(phenomena.len(), 10, "every phenomenon of the suite is scored");
}

#[test]
fn suite_items_are_single_statements_about_a_mentioned_target() {
    // A favor/against item whose target is never named would test the
    // mention finder, not the stance classifier.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let targets = stance::read_targets_file(&root.join("training_data/targets.json")).unwrap();
    let items = stance::read_suite(&root.join("tests/challenge.jsonl")).unwrap();
    for item in &items {
        assert_eq!(
            stance::split_statements(&item.text).len(),
            1,
            "{}: {}",
            item.id,
            item.text
        );
        let spec = targets.iter().find(|t| t.name == item.target).expect("known target");
        let mentioned = !stance::MentionFinder::new(spec).find(&item.text).is_empty();
        assert!(
            mentioned || item.stance == stance::Stance::None,
            "{} is {} but never names {}",
            item.id,
            item.stance,
            item.target
        );
    }
}
