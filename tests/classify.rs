//! End-to-end tests of `stance classify` through the real binary.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::OnceLock;

mod common;

use common::browser::headless;
use common::{bin, json_lines, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn articles() -> PathBuf {
    root().join("tests/fixtures/articles")
}

/// A model trained once on the fixture, with the default alias file.
fn model() -> &'static Path {
    static MODEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &MODEL
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("model.json");
            let out = bin()
                .args(["train", "--data"])
                .arg(root().join("tests/fixtures/train.jsonl"))
                .arg("--targets")
                .arg(root().join("training_data/targets.json"))
                .arg("--out")
                .arg(&path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            (dir, path)
        })
        .1
}

fn classify(args: &[&str], paths: &[&Path]) -> Output {
    bin()
        .arg("classify")
        .arg("--model")
        .arg(model())
        .args(args)
        .args(paths)
        .output()
        .unwrap()
}

#[test]
fn jsonl_has_one_line_per_statement_with_true_offsets() {
    let dir = articles();
    let out = classify(&["--format", "jsonl"], &[&dir]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = json_lines(&out);
    // 8 + 6 statements; the whitespace-only article has none.
    assert_eq!(rows.len(), 14);
    for row in &rows {
        let file = row["article"].as_str().unwrap();
        let text = std::fs::read_to_string(file).unwrap();
        let (start, end) = (
            row["start"].as_u64().unwrap() as usize,
            row["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[start..end], row["text"].as_str().unwrap());
        let targets = row["targets"].as_array().unwrap();
        assert_eq!(targets.len(), 2);
        for t in targets {
            if !t["mentioned"].as_bool().unwrap() {
                assert_eq!(t["stance"]["label"], "none");
                assert!(t["mentions"].as_array().unwrap().is_empty());
            } else {
                let p = t["stance"]["probabilities"].as_object().unwrap();
                let sum: f64 = p.values().map(|v| v.as_f64().unwrap()).sum();
                assert!((sum - 1.0).abs() < 1e-4);
                for m in t["mentions"].as_array().unwrap() {
                    let (s, e) = (
                        m["start"].as_u64().unwrap() as usize,
                        m["end"].as_u64().unwrap() as usize,
                    );
                    assert_eq!(&text[s..e], m["alias"].as_str().unwrap());
                }
            }
        }
    }
    // Articles come in sorted order; statements in order within each.
    assert!(rows[0]["article"].as_str().unwrap().ends_with("a-sanctions.txt"));
    assert_eq!(rows[0]["text"], "Kremlin Rejects New U.S. Sanctions");
    assert_eq!(rows[1]["dateline"], "MOSCOW (Wire) -");
    let quote = rows
        .iter()
        .find(|r| r["text"].as_str().unwrap().starts_with("“Without them"))
        .unwrap();
    assert_eq!(quote["text"], "“Without them, there would be no truce,” he said.");
    // "Syrian-Americans" and "us" are not mentions of the United States.
    let vigil = rows.last().unwrap();
    assert_eq!(vigil["targets"][1]["mentioned"], false);
}

#[test]
fn jsonl_input_passes_other_keys_through() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"a1\",\"text\":\"Moscow praised the deal. Washington did not.\",\"source\":\"wire\"}\n{\"id\":\"a2\",\"text\":\"\"}\n",
    )
    .unwrap();
    let out = classify(&["--input-format", "jsonl", "--format", "jsonl"], &[&input]);
    assert!(out.status.success());
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["article"], "a1");
    assert_eq!(rows[0]["meta"]["source"], "wire");
    assert_eq!(rows[1]["index"], 1);
}

#[test]
fn stdin_is_read_when_no_path_is_given() {
    let mut child = bin()
        .args(["classify", "--format", "jsonl", "--model"])
        .arg(model())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"The Kremlin denied it. The U.S. disagreed.")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["article"], "-");
    assert_eq!(rows[0]["targets"][0]["mentions"][0]["alias"], "The Kremlin");
}

#[test]
fn json_csv_and_table_agree_on_counts() {
    let dir = articles();
    let json = classify(&["--format", "json"], &[&dir]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["articles"].as_array().unwrap().len(), 3);
    assert_eq!(doc["corpus"]["articles"], 3);
    assert_eq!(doc["corpus"]["statements"], 14);
    let first = &doc["articles"][0]["summary"][0];
    assert_eq!(first["target"], "Russia");
    let (f, a, n, m) = (
        first["favor"].as_u64().unwrap(),
        first["against"].as_u64().unwrap(),
        first["none"].as_u64().unwrap(),
        first["mentioning"].as_u64().unwrap(),
    );
    assert_eq!(f + a + n, m);
    let net = first["net_stance"].as_f64().unwrap();
    assert!((net - (f as f64 - a as f64) / m as f64).abs() < 1e-6);
    assert_eq!(doc["articles"][2]["statements"].as_array().unwrap().len(), 0);

    let csv = classify(&["--format", "csv"], &[&dir]);
    let mut reader = csv::Reader::from_reader(&csv.stdout[..]);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 14 * 2, "one row per statement and target");

    let table = classify(&["--format", "table", "--color", "never"], &[&dir]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("no statements (empty or whitespace-only article)"),
        "{text}"
    );
    assert!(text.contains("corpus: 3 articles, 14 statements"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when asked for none");
    let colored = classify(&["--format", "table", "--color", "always"], &[&dir]);
    assert!(String::from_utf8(colored.stdout).unwrap().contains("\u{1b}[3"));
}

#[test]
fn explain_lists_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("a.txt");
    std::fs::write(&input, "Officials condemned Moscow over the collapse of the ceasefire.").unwrap();
    let out = classify(&["--format", "jsonl", "--explain", "3"], &[&input]);
    let rows = json_lines(&out);
    let evidence = rows[0]["targets"][0]["stance"]["evidence"].as_array().unwrap();
    assert!(!evidence.is_empty() && evidence.len() <= 3);
    // Strongest first, by size; the sign says which way.
    let sizes: Vec<f64> = evidence
        .iter()
        .map(|e| e["contribution"].as_f64().unwrap().abs())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]) && sizes[0] > 0.0);
    assert!(rows[0]["sentiment"]["evidence"].as_array().is_some());
}

#[test]
fn explain_shows_whole_words_and_phrases_of_the_text() {
    // Every decision's evidence on the fixture articles is words of the
    // article at its offsets, starting and ending at word boundaries:
    // never a character n-gram ("c:kov") or a stem.
    let out = classify(&["--format", "jsonl", "--explain", "3"], &[&articles()]);
    let mut checked = 0;
    for row in json_lines(&out) {
        let path = row["article"].as_str().unwrap();
        let article = std::fs::read_to_string(path).unwrap();
        let decisions = row["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["stance"])
            .chain(std::iter::once(&row["sentiment"]));
        for d in decisions {
            for e in d["evidence"].as_array().into_iter().flatten() {
                let (start, end) = (
                    e["start"].as_u64().unwrap() as usize,
                    e["end"].as_u64().unwrap() as usize,
                );
                let text = e["text"].as_str().unwrap();
                assert_eq!(&article[start..end], text, "{e}");
                assert!(!text.starts_with("c:") && !text.contains("not_"), "{e}");
                let before = article[..start].chars().next_back();
                let after = article[end..].chars().next();
                for c in [before, after].into_iter().flatten() {
                    assert!(!c.is_alphanumeric(), "{text:?} is cut out of a word: {e}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 30, "{checked}");
    let table = classify(&["--format", "table", "--explain", "3"], &[&articles()]);
    assert!(!stdout(&table).contains("\"c:"), "{}", stdout(&table));
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = articles();
    let one = classify(&["--format", "jsonl", "--threads", "1"], &[&dir]);
    let two = classify(&["--format", "jsonl", "--threads", "2"], &[&dir]);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_processed() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("latin1.txt");
    std::fs::write(&bad, b"Moscow caf\xe9.").unwrap();
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "The Kremlin spoke.").unwrap();
    let missing = dir.path().join("missing.txt");
    let out = classify(&["--format", "jsonl"], &[&missing, &bad, &good]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.txt"), "{err}");
    assert!(err.contains("latin1.txt: invalid UTF-8 at byte 10"), "{err}");
    let records = json_lines(&out);
    let errors: Vec<&serde_json::Value> = records.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(
        errors.len(),
        2,
        "each unreadable input has an error record in the output"
    );
    assert!(errors[0]["path"].as_str().unwrap().ends_with("missing.txt"));
    assert_eq!(records.len() - errors.len(), 1, "the good file is still classified");

    let lossy = classify(&["--format", "jsonl", "--lossy"], &[&bad]);
    assert!(lossy.status.success());
    assert_eq!(json_lines(&lossy)[0]["text"], "Moscow caf\u{fffd}.");
}

#[test]
fn closed_stdout_is_a_quiet_success() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    for i in 0..3000 {
        writeln!(
            f,
            "{{\"id\":\"{i}\",\"text\":\"Moscow said one thing. Washington said another.\"}}"
        )
        .unwrap();
    }
    drop(f);
    let mut child = bin()
        .args(["classify", "--input-format", "jsonl", "--format", "jsonl", "--model"])
        .arg(model())
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_shipped_default_model_is_used_without_model() {
    let out = bin()
        .args(["classify", "--format", "jsonl"])
        .arg(articles().join("b-ceasefire.txt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 6);
    let names: Vec<&str> = rows[0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Russia", "United States"]);
}

/// The HTML report holds every statement and fetches nothing.
#[test]
fn html_report_is_self_contained() {
    let out = classify(&["--format", "html"], &[&articles()]);
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("data-statements=\"8\"") && html.contains("class=\"legend\""));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the report must be self-contained"
    );
}

/// Renders the HTML report in headless Chromium and checks the page ran its
/// script and shows every statement.
#[test]
#[ignore = "needs Chromium: `cargo test --release -- --ignored` runs it (.ci/run does, and installs Chromium)"]
fn html_report_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let out = classify(&["--format", "html"], &[&articles()]);
    let html = String::from_utf8(out.stdout).unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let chromium = common::browser::chromium();
    let profile = dir.path().join("profile");
    let url = format!("file://{}", page.display());
    let dom = headless(&chromium, &profile).arg("--dump-dom").arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("14 statements in 3 articles"),
        "the page script did not run: {}",
        &dom[..dom.len().min(400)]
    );
    assert!(dom.contains("data-statements=\"14\""));
    let png = dir.path().join("report.png");
    let shot = headless(&chromium, &profile)
        .arg("--window-size=1100,1400")
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.status.success());
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "screenshot is empty"
    );
    if let Some(keep) = std::env::var_os("STANCE_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}
