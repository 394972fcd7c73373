//! Bad input, end to end: every class of broken input a user can feed the
//! real binary gets a clear message naming the file (and line), a
//! documented exit code, and nothing lost: no panic, no silently dropped
//! row, no half-written model.

mod common;

use std::path::Path;
use std::process::Output;

use common::{bin, fixture, json_lines, run, stderr};

/// No panic message ever reaches the user.
fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(o.status.code(), Some(101), "{err}");
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn skip_bad_leaves_out_counts_and_names_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let good: String = std::fs::read_to_string(fixture("train.jsonl")).unwrap();
    let data = dir.path().join("mixed.jsonl");
    let mut content = good.clone();
    content.push_str("{not json}\n");
    content.push_str("{\"text\":\"x\",\"target\":\"Russia\",\"stance\":\"pro\"}\n");
    content.push_str("{\"text\":\"caf\u{e9}\",\"target\":\"Russia\",\"stance\":\"none\"}\n");
    let mut bytes = content.into_bytes();
    bytes.extend_from_slice(b"{\"text\":\"caf\xe9\",\"target\":\"Russia\",\"stance\":\"none\"}\n");
    std::fs::write(&data, &bytes).unwrap();
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let model = dir.path().join("m.json");

    // Without --skip-bad: the first bad row stops training, no model.
    let out = run(&["train", "--data", s(&data), "--out", s(&model)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("mixed.jsonl:{}: invalid JSON", lines - 3)),
        "{}",
        stderr(&out)
    );
    assert!(!model.exists());

    // With it: every bad row named, counted, and recorded in the model.
    let out = run(&["train", "--data", s(&data), "--out", s(&model), "--skip-bad"]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("mixed.jsonl:{}: invalid JSON", lines - 3)),
        "{err}"
    );
    assert!(
        err.contains(&format!("mixed.jsonl:{}: unknown stance label \"pro\"", lines - 2)),
        "{err}"
    );
    assert!(err.contains(&format!("mixed.jsonl:{}: invalid UTF-8", lines)), "{err}");
    assert!(err.contains("skipped 3 bad row(s)"), "{err}");
    let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(stored["training"]["data"][0]["bad_rows"], 3);
    assert_eq!(
        stored["training"]["data"][0]["rows"].as_u64().unwrap() as usize,
        lines - 3
    );

    // evaluate takes the flag too.
    let out = run(&["evaluate", "--model", s(&model), "--data", s(&data), "--skip-bad"]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped 3 bad row(s)"), "{}", stderr(&out));
}

#[test]
fn ragged_csv_and_csv_without_text_column() {
    let dir = tempfile::tempdir().unwrap();
    let ragged = dir.path().join("ragged.csv");
    let mut content = std::fs::read_to_string(fixture("train.csv")).unwrap();
    content.push_str("only-one-field\n");
    std::fs::write(&ragged, &content).unwrap();
    let lines = content.lines().count();
    let model = dir.path().join("m.json");
    let out = run(&["train", "--data", s(&ragged), "--out", s(&model)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("ragged.csv:{lines}: row has 1 fields")),
        "{}",
        stderr(&out)
    );
    let out = run(&["train", "--data", s(&ragged), "--out", s(&model), "--skip-bad"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped 1 bad row(s)"), "{}", stderr(&out));

    let headless = dir.path().join("notext.csv");
    std::fs::write(&headless, "body,stance\nhello,favor\n").unwrap();
    let out = run(&["train", "--data", s(&headless), "--out", s(&model), "--skip-bad"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("notext.csv: CSV header has no \"text\" column"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn empty_files_are_clear_errors_for_training_and_nothing_for_classify() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = run(&["train", "--data", s(&empty), "--out", s(&dir.path().join("m.json"))]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("empty.jsonl: no rows to train on"),
        "{}",
        stderr(&out)
    );

    // An empty or whitespace-only article has no statements: no line, exit 0.
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, " \n\t\n").unwrap();
    let empty_txt = dir.path().join("empty.txt");
    std::fs::write(&empty_txt, "").unwrap();
    let out = run(&["classify", "--format", "jsonl", s(&blank), s(&empty_txt)]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = run(&["classify", "--format", "json", s(&blank)]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["articles"][0]["statements"].as_array().unwrap().len(), 0);
}

#[test]
fn nul_bytes_and_a_ten_megabyte_line_without_punctuation() {
    let dir = tempfile::tempdir().unwrap();
    let nul = dir.path().join("nul.txt");
    std::fs::write(&nul, "Moscow\0 denied it. \0\0 Washington agreed. \0").unwrap();
    let out = run(&["classify", "--format", "jsonl", s(&nul)]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert!(!lines.is_empty());
    assert_eq!(lines[0]["targets"][0]["mentioned"], true);
    let mut last = 0;
    for l in &lines {
        let (start, end) = (l["start"].as_u64().unwrap(), l["end"].as_u64().unwrap());
        assert!(start >= last && start < end && end as usize <= 43, "{l}");
        last = end;
    }

    // One statement of 10 MB: read, classified, written, in bounded time
    // (the splitter and scorer are linear; this would time out otherwise).
    let words = [
        "Moscow",
        "talks",
        "the",
        "sanctions",
        "Washington",
        "and",
        "peace",
        "war",
    ];
    let mut text = String::with_capacity(10_000_100);
    let mut i = 0usize;
    while text.len() < 10_000_000 {
        text.push_str(words[(i * 7 + i / 3) % words.len()]);
        text.push(' ');
        i += 1;
    }
    let long = dir.path().join("long.txt");
    std::fs::write(&long, &text).unwrap();
    let out = run(&["classify", "--format", "jsonl", s(&long)]);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["end"].as_u64().unwrap() as usize, text.trim_end().len());
}

#[test]
fn unreadable_inputs_become_error_records_in_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let mut bytes = b"{\"id\":\"a\",\"text\":\"Moscow denied it. Fine.\"}\n{broken\n".to_vec();
    bytes.extend_from_slice(b"{\"id\":\"b\",\"text\":\"caf\xe9\"}\n{\"id\":\"c\",\"text\":\"Washington agreed.\"}\n");
    std::fs::write(&input, &bytes).unwrap();
    let out = run(&["classify", "--input-format", "jsonl", "--format", "jsonl", s(&input)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "unread inputs make the run fail");
    let lines = json_lines(&out);
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| match l.get("error") {
            Some(_) => format!("error@{}", l["line"]),
            None => l["article"].as_str().unwrap().to_string(),
        })
        .collect();
    // One line per statement, and each unreadable line in its place.
    assert_eq!(kinds, ["a", "a", "error@2", "error@3", "c"]);
    assert!(
        lines[3]["error"].as_str().unwrap().contains("invalid UTF-8 at byte"),
        "{}",
        lines[3]
    );
    assert!(lines[2]["path"].as_str().unwrap().ends_with("mixed.jsonl"));

    let out = run(&[
        "classify",
        "--input-format",
        "jsonl",
        "--format",
        "jsonl",
        "--skip-bad",
        s(&input),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 5);
    assert!(
        stderr(&out).contains("2 input(s) could not be read and were skipped"),
        "{}",
        stderr(&out)
    );

    let out = run(&["classify", "--input-format", "jsonl", "--format", "json", s(&input)]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["articles"].as_array().unwrap().len(), 2);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn too_few_rows_for_a_target_or_for_cross_validation_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("few.jsonl");
    let mut rows = std::fs::read_to_string(fixture("train.jsonl")).unwrap();
    rows.push_str("{\"text\":\"Kyiv said so.\",\"target\":\"Ukraine\",\"stance\":\"favor\"}\n");
    std::fs::write(&data, &rows).unwrap();
    let model = dir.path().join("m.json");
    let out = run(&["train", "--data", s(&data), "--out", s(&model), "--task", "stance"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stance/Ukraine: the only row has the label \"favor\""),
        "{}",
        stderr(&out)
    );
    assert!(!model.exists());

    // Two rows, two classes, five folds: too few for cross-validation.
    let tiny = dir.path().join("tiny.jsonl");
    std::fs::write(
        &tiny,
        "{\"text\":\"Good deal.\",\"target\":\"Russia\",\"stance\":\"favor\"}\n\
         {\"text\":\"Bad deal.\",\"target\":\"Russia\",\"stance\":\"against\"}\n",
    )
    .unwrap();
    let out = run(&[
        "train",
        "--data",
        s(&tiny),
        "--out",
        s(&model),
        "--task",
        "stance",
        "--cv",
        "5",
    ]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!model.exists());
}

#[test]
fn missing_and_corrupted_models_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let text = fixture("articles").join("a-sanctions.txt");
    let missing = dir.path().join("nope.json");
    let out = run(&["classify", "--model", s(&missing), s(&text)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope.json"), "{}", stderr(&out));

    // A model whose vocabulary and weights disagree.
    let model = dir.path().join("m.json");
    let out = run(&[
        "train",
        "--data",
        s(&fixture("train.jsonl")),
        "--out",
        s(&model),
        "--task",
        "sentiment",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let good = std::fs::read_to_string(&model).unwrap();
    let corrupted = good.replacen("\"idf\":[", "\"idf\":[1.0,", 1);
    let bad = dir.path().join("corrupted.json");
    std::fs::write(&bad, corrupted).unwrap();
    let out = run(&["classify", "--model", s(&bad), s(&text)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("corrupted.json"), "{}", stderr(&out));
    // Bytes flipped in the middle.
    let mut bytes = good.into_bytes();
    let mid = bytes.len() / 2;
    let junk = b"\xff\x00}]{\"x\":";
    bytes[mid..mid + junk.len()].copy_from_slice(junk);
    let flipped = dir.path().join("flipped.json");
    std::fs::write(&flipped, bytes).unwrap();
    let out = run(&["classify", "--model", s(&flipped), s(&text)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("flipped.json"), "{}", stderr(&out));
}

#[test]
fn a_killed_training_run_leaves_the_old_model_intact() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let out = run(&["train", "--data", s(&fixture("train.jsonl")), "--out", s(&model)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = std::fs::read(&model).unwrap();
    // A long training run (the corpus with cross-validation), killed early.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("training_data/corpus.jsonl");
    let mut child = bin()
        .args(["train", "--data", s(&corpus), "--cv", "5", "--out", s(&model)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&model).unwrap(), before, "the old model must survive");
    let model_like: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(model_like, ["m.json"], "no second model file appears");
}
