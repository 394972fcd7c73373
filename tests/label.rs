//! `stance label` end to end: the page driven by keyboard in headless
//! Chromium, the labels file read line by line, the server killed and
//! restarted; and a model trained on a labels file with a weight.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::browser::{Browser, chromium};
use common::{bin, fixture, run, stderr};

/// Starts `stance label` on the fixture articles, writing `labels`; returns
/// the server and the page's address.
fn start_server(labels: &Path) -> (Child, String) {
    let mut child = bin()
        .args(["label", "--input"])
        .arg(fixture("articles"))
        .arg("--out")
        .arg(labels)
        .args(["--port", "0", "--strategy", "uncertain"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (child, url)
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect()
}

#[test]
#[ignore = "needs Chromium: `cargo test --release -- --ignored` runs it (.ci/run does, and installs Chromium)"]
fn the_page_labels_by_keyboard_and_nothing_is_lost() {
    let chromium = chromium();
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.jsonl");
    let (mut server, url) = start_server(&labels);
    let mut page = Browser::open(&chromium, &dir.path().join("profile"), &url);
    page.wait_until("document.body.dataset.key !== undefined && document.body.dataset.labeled === '0'");

    // Five labels (the first with a sentiment), one skip between them.
    let mut shown = Vec::new();
    for (i, keys) in [&["2", "a"][..], &["f"], &["n"], &["s"], &["a"], &["f"]]
        .iter()
        .enumerate()
    {
        shown.push(page.eval("document.getElementById('statement').textContent"));
        let before = page.eval("document.body.dataset.key");
        for k in *keys {
            page.key(k);
        }
        page.wait_until(&format!("document.body.dataset.key !== {before}"));
        let _ = i;
    }
    page.wait_until("document.body.dataset.labeled === '5'");
    let got = lines(&labels);
    assert_eq!(got.len(), 5);
    let stances: Vec<&str> = got.iter().map(|l| l["stance"].as_str().unwrap()).collect();
    assert_eq!(stances, ["against", "favor", "none", "against", "favor"]);
    assert_eq!(got[0]["sentiment"], "negative");
    assert!(got[1..].iter().all(|l| l["sentiment"].is_null()));
    // Each line is the statement shown when its key was typed (the skipped
    // fourth one is not in the file), with where it came from.
    let texts: Vec<&str> = got.iter().map(|l| l["text"].as_str().unwrap()).collect();
    let shown: Vec<&str> = shown.iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(texts, [shown[0], shown[1], shown[2], shown[4], shown[5]]);
    for l in &got {
        assert_eq!(l["strategy"], "uncertain");
        assert!(l["article"].as_str().unwrap().ends_with(".txt"), "{l}");
        assert!(l["start"].as_u64().unwrap() < l["end"].as_u64().unwrap());
        assert!(l["predicted"]["probabilities"].is_object());
    }

    // Undo: the last line goes, and its statement is shown again.
    page.key("u");
    page.wait_until("document.body.dataset.labeled === '4'");
    assert_eq!(lines(&labels), got[..4]);
    assert_eq!(page.eval("document.getElementById('statement').textContent"), shown[5]);

    // A reload shows the same state.
    page.call("Page.reload", serde_json::json!({}));
    page.wait_until("document.body.dataset.labeled === '4'");
    assert_eq!(page.eval("document.getElementById('statement').textContent"), shown[5]);

    // Killed and restarted: the file is whole, and resumes.
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(lines(&labels), got[..4]);
    let (mut server, url) = start_server(&labels);
    page.navigate(&url);
    page.wait_until("document.body.dataset.labeled === '4'");
    let next = page.eval("document.getElementById('statement').textContent");
    page.key("n");
    page.wait_until("document.body.dataset.labeled === '5'");
    let after = lines(&labels);
    assert_eq!(after[..4], got[..4]);
    assert_eq!(after[4]["text"], next);
    // No statement was asked twice toward the same target.
    let mut asked: Vec<(String, String)> = after
        .iter()
        .map(|l| (l["text"].to_string(), l["target"].to_string()))
        .collect();
    asked.sort();
    asked.dedup();
    assert_eq!(asked.len(), 5);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[test]
fn a_labels_file_trains_with_its_weight_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.jsonl");
    // Label 12 statements of the fixture articles from the fixture's own
    // gold-like file: the statements' text is matched against test.jsonl,
    // so answer from a file written from the archive itself instead.
    let out = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(["classify", "--format", "jsonl"])
        .arg(fixture("articles"))
        .output()
        .unwrap();
    let mut gold = String::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for t in v["targets"].as_array().unwrap() {
            if t["mentioned"] == true {
                // Say the opposite of the model where it says favor, so the labels differ from it.
                let stance = if t["stance"]["label"] == "favor" {
                    "against"
                } else {
                    "favor"
                };
                gold.push_str(
                    &serde_json::json!({"text": v["text"], "target": t["target"], "stance": stance}).to_string(),
                );
                gold.push('\n');
            }
        }
    }
    let gold_path = dir.path().join("gold.jsonl");
    std::fs::write(&gold_path, gold).unwrap();
    let answered = run(&[
        "label",
        "--input",
        fixture("articles").to_str().unwrap(),
        "--out",
        labels.to_str().unwrap(),
        "--answer-from",
        gold_path.to_str().unwrap(),
        "--count",
        "6",
        "--strategy",
        "random",
    ]);
    assert!(answered.status.success(), "{}", stderr(&answered));
    assert_eq!(lines(&labels).len(), 6);

    let model = dir.path().join("mine.json");
    let train = run(&[
        "train",
        "--data",
        fixture("train.jsonl").to_str().unwrap(),
        "--data",
        &format!("{}:5", labels.display()),
        "--task",
        "stance",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(train.status.success(), "{}", stderr(&train));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["training"]["user_weight"], 5);
    let files = m["training"]["data"].as_array().unwrap();
    assert_eq!(files[1]["user"], true);
    assert!(files[0].get("user").is_none());
    assert_eq!(m["settings"]["user_weight"]["fixed"], 5);
    let user_rows: u64 = m["training"]["user_rows"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(user_rows, 6);

    // The weight changes the model: weight 1 gives other probabilities.
    let plain = dir.path().join("plain.json");
    let train = run(&[
        "train",
        "--data",
        fixture("train.jsonl").to_str().unwrap(),
        "--data",
        &format!("{}:1", labels.display()),
        "--task",
        "stance",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(train.status.success(), "{}", stderr(&train));
    let probs = |model: &Path| {
        let out = run(&[
            "classify",
            "--model",
            model.to_str().unwrap(),
            "--format",
            "jsonl",
            fixture("articles/a-sanctions.txt").to_str().unwrap(),
        ]);
        String::from_utf8(out.stdout).unwrap()
    };
    assert_ne!(probs(&model), probs(&plain));

    // A weight that is not a whole number is refused.
    let bad = run(&[
        "train",
        "--data",
        &format!("{}:2.5", labels.display()),
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("whole number"), "{}", stderr(&bad));
}
