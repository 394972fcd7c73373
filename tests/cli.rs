//! End-to-end tests: the real `stance` binary on fixture files.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, run, stderr, stdout};

/// Trains on the fixture into `dir/model.json` and returns its path.
fn train_fixture(dir: &Path, extra: &[&str]) -> PathBuf {
    let model = dir.join("model.json");
    let train = fixture("train.jsonl");
    let mut args = vec![
        "train",
        "--data",
        train.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(out.status.success(), "train failed: {}", stderr(&out));
    model
}

fn evaluate_json(model: &Path, data: &Path) -> serde_json::Value {
    let out = run(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "evaluate failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("evaluate prints one JSON object")
}

#[test]
fn train_evaluate_inspect_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let test = fixture("test.jsonl");
    let model = dir.path().join("model.json");
    let out = run(&[
        "train",
        "--data",
        fixture("train.jsonl").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--test",
        test.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("trained stance (Russia, United States) + sentiment in"),
        "{report}"
    );
    assert!(report.contains("F_avg"), "{report}");

    let eval = evaluate_json(&model, &test);
    assert_eq!(eval["rows"], 115);
    for task in ["stance", "sentiment"] {
        let acc = eval[task]["accuracy"].as_f64().unwrap();
        // Three balanced classes: chance is 1/3.
        assert!(acc > 0.75, "{task} accuracy {acc} is not clearly above chance");
        assert_eq!(eval[task]["n"], 115);
        let matrix = eval[task]["confusion"]["matrix"].as_array().unwrap();
        let total: u64 = matrix
            .iter()
            .flat_map(|r| r.as_array().unwrap())
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(total, 115);
    }
    let f_avg = eval["stance"]["f_avg"].as_f64().unwrap();
    assert!(f_avg > 0.75 && f_avg <= 1.0, "{f_avg}");
    assert!(eval["sentiment"].get("f_avg").is_none());
    assert_eq!(
        eval["stance"]["per_class"]["favor"]["support"].as_u64().unwrap()
            + eval["stance"]["per_class"]["against"]["support"].as_u64().unwrap()
            + eval["stance"]["per_class"]["none"]["support"].as_u64().unwrap(),
        115
    );

    let table = run(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--data",
        test.to_str().unwrap(),
    ]);
    assert!(table.status.success());
    assert!(stdout(&table).contains("confusion (rows: gold, columns: predicted)"));

    let inspect = run(&["inspect", model.to_str().unwrap(), "--top", "3"]);
    assert!(inspect.status.success(), "{}", stderr(&inspect));
    let text = stdout(&inspect);
    for needle in [
        "stance/Russia",
        "stance/United States",
        "sentiment",
        "format stance-model v1",
        "held out",
    ] {
        assert!(text.contains(needle), "inspect lacks {needle}: {text}");
    }
}

#[test]
fn training_is_deterministic() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let ma = train_fixture(a.path(), &["--cv", "3", "--alpha-grid", "0.1,1"]);
    let mb = train_fixture(b.path(), &["--cv", "3", "--alpha-grid", "0.1,1"]);
    assert_eq!(std::fs::read(ma).unwrap(), std::fs::read(mb).unwrap());
}

#[test]
fn csv_and_jsonl_give_the_same_model_predictions() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let from_jsonl = train_fixture(a.path(), &[]);
    let model_csv = b.path().join("model.json");
    let out = run(&[
        "train",
        "--data",
        fixture("train.csv").to_str().unwrap(),
        "--out",
        model_csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let test = fixture("test.jsonl");
    assert_eq!(evaluate_json(&from_jsonl, &test), evaluate_json(&model_csv, &test));
}

#[test]
fn shared_mode_with_targets_file_trains_and_masks() {
    let dir = tempfile::tempdir().unwrap();
    let targets = fixture("targets.json");
    let model = train_fixture(
        dir.path(),
        &[
            "--mode",
            "shared",
            "--targets",
            targets.to_str().unwrap(),
            "--task",
            "stance",
        ],
    );
    let eval = evaluate_json(&model, &fixture("test.jsonl"));
    assert!(eval["stance"]["accuracy"].as_f64().unwrap() > 0.6);
    assert!(eval.get("sentiment").is_none());
    let inspect = stdout(&run(&["inspect", model.to_str().unwrap()]));
    assert!(
        inspect.contains("target Russia: aliases Russia, Moscow, the Kremlin"),
        "{inspect}"
    );
    let stored = std::fs::read_to_string(&model).unwrap();
    assert!(stored.contains("\"<target>\""), "the placeholder should be a feature");
    assert!(!stored.contains("\"moscow\""), "masked aliases must not be features");
}

#[test]
fn joint_and_auto_modes_give_per_target_classifiers_and_record_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let joint = train_fixture(dir.path(), &["--mode", "joint", "--task", "stance"]);
    let eval = evaluate_json(&joint, &fixture("test.jsonl"));
    assert!(eval["stance"]["accuracy"].as_f64().unwrap() > 0.6, "{eval}");
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&joint).unwrap()).unwrap();
    let classifiers = &stored["stance"]["classifiers"];
    assert!(
        classifiers["Russia"].is_object() && classifiers["United States"].is_object(),
        "{classifiers}"
    );

    let auto_dir = tempfile::tempdir().unwrap();
    let auto = train_fixture(auto_dir.path(), &["--mode", "auto", "--task", "stance"]);
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&auto).unwrap()).unwrap();
    let scores = stored["training"]["stance_mode_scores"]
        .as_object()
        .expect("auto records its comparison");
    let chosen = stored["settings"]["stance_mode"].as_str().unwrap();
    let best = if scores["joint"].as_f64() > scores["per_target"].as_f64() {
        "joint"
    } else {
        "per_target"
    };
    assert_eq!(chosen, best);
    let out = stdout(&run(&["inspect", auto.to_str().unwrap()]));
    assert!(out.contains(&format!("mode {chosen},")), "{out}");
}

#[test]
fn sentiment_toward_target_is_scored_per_row_target() {
    // The same sentence, positive toward one person and negative toward the
    // other: only a model that reads the row's target can score it.
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "Ames", "Berg", "Cole", "Dorn", "Esch", "Fink", "Gray", "Hale", "Kopp", "Lutz",
    ];
    let mut lines = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in names.iter().filter(|b| *b != a) {
            let text = format!("{a} won praise while {b} faced a scandal.");
            let split = if i >= 8 { "test" } else { "train" };
            for (target, label) in [(a, "positive"), (b, "negative")] {
                lines.push(serde_json::json!({"text": text, "target": target, "sentiment": label, "split": split}));
            }
            let neutral = format!("{a} met {b} on Monday.");
            lines.push(serde_json::json!({"text": neutral, "target": a, "sentiment": "neutral", "split": split}));
        }
    }
    let data = dir.path().join("people.jsonl");
    std::fs::write(&data, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let model = dir.path().join("m.json");
    let (data_s, model_s) = (data.to_str().unwrap(), model.to_str().unwrap());
    let out = run(&[
        "train",
        "--data",
        data_s,
        "--task",
        "sentiment",
        "--sentiment-toward-target",
        "--out",
        model_s,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The held-out rows (names 9 and 10 first) are scored toward their own target.
    let report = stdout(&out);
    assert!(report.contains("macro-F1 1.0000"), "{report}");
    // classify gives the sentiment toward each mentioned target named by
    // --targets, and no stance (the model has none).
    let targets = dir.path().join("people.json");
    std::fs::write(
        &targets,
        r#"{"targets": [{"name": "Kopp", "aliases": ["Kopp"]}, {"name": "Lutz", "aliases": ["Lutz"]}]}"#,
    )
    .unwrap();
    let article = dir.path().join("article.txt");
    std::fs::write(&article, "Lutz won praise while Kopp faced a scandal. Rain is due.").unwrap();
    let (targets_s, article_s) = (targets.to_str().unwrap(), article.to_str().unwrap());
    let classify = |format: &str| {
        let out = run(&[
            "classify",
            "--model",
            model_s,
            "--targets",
            targets_s,
            "--format",
            format,
            article_s,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let json: serde_json::Value = serde_json::from_str(&classify("json")).unwrap();
    let statements = &json["articles"][0]["statements"];
    let toward = |i: usize, t: usize| statements[i]["targets"][t]["sentiment"]["label"].clone();
    assert_eq!(toward(0, 0), "negative", "{statements}");
    assert_eq!(toward(0, 1), "positive", "{statements}");
    assert!(statements[1]["targets"][0].get("sentiment").is_none(), "{statements}");
    assert!(statements[0]["targets"][0].get("stance").is_none(), "{statements}");
    let summary = &json["corpus"]["targets"][0];
    assert_eq!(summary["sentiment"]["negative"], 1, "{summary}");
    let csv = classify("csv");
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",target_sentiment,p_target_positive,p_target_negative,p_target_neutral,text"));
    assert!(csv.lines().nth(1).unwrap().contains(",Kopp,true,Kopp,,,,,"), "{csv}");
    assert!(classify("table").contains("Kopp: 1 statement mentions it: sentiment toward it 0 positive, 1 negative"));
    let html = classify("html");
    assert!(html.contains("<th>positive toward</th>"), "{html}");
    assert!(
        html.contains("title=\"sentiment toward it 0 positive, 1 negative, 0 neutral\""),
        "{html}"
    );
    // Without the flag, one sentence gets one sentiment for both people.
    let plain = run(&["train", "--data", data_s, "--task", "sentiment", "--out", model_s]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(!stdout(&plain).contains("macro-F1 1.0000"), "{}", stdout(&plain));
}

#[test]
fn wrong_version_truncated_and_foreign_models_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let model = train_fixture(dir.path(), &["--task", "sentiment"]);
    let text = std::fs::read_to_string(&model).unwrap();
    let test = fixture("test.jsonl");
    let cases = [
        (
            "future.json",
            text.replacen("\"format_version\":1", "\"format_version\":99", 1),
            "model format version 99 is not supported",
        ),
        ("truncated.json", text[..text.len() / 2].to_string(), "truncated"),
        ("empty.json", String::new(), "empty"),
        ("foreign.json", "{\"hello\": 1}".to_string(), "not a stance model file"),
    ];
    for (name, content, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let out = run(&[
            "evaluate",
            "--model",
            path.to_str().unwrap(),
            "--data",
            test.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = stderr(&out);
        assert!(err.contains(needle), "{name}: {err}");
        assert!(err.contains(name), "{name}: error should name the file: {err}");
        if name == "future.json" {
            assert!(err.contains("reads version 1"), "{err}");
        }
    }
}

#[test]
fn bad_data_names_file_and_line_and_writes_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "bad.jsonl",
            "{\"text\":\"a\",\"target\":\"Russia\",\"stance\":\"favor\"}\n{not json}\n",
            "bad.jsonl:2: invalid JSON",
        ),
        (
            "label.jsonl",
            "{\"text\":\"a\",\"target\":\"Russia\",\"stance\":\"pro\"}\n",
            "label.jsonl:1: unknown stance label \"pro\"",
        ),
        (
            "notext.jsonl",
            "{\"target\":\"Russia\",\"stance\":\"favor\"}\n",
            "notext.jsonl:1: missing \"text\"",
        ),
        (
            "ragged.csv",
            "text,target,stance\na,Russia,favor\nb,Russia\n",
            "ragged.csv:3:",
        ),
    ];
    for (name, content, needle) in cases {
        let data = dir.path().join(name);
        std::fs::write(&data, content).unwrap();
        let model = dir.path().join("never.json");
        let out = run(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--out",
            model.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert!(stderr(&out).contains(needle), "{name}: {}", stderr(&out));
        assert!(!model.exists(), "{name}: no model may be written");
    }
    // Invalid UTF-8.
    let data = dir.path().join("latin1.jsonl");
    std::fs::write(
        &data,
        b"{\"text\":\"caf\xe9\",\"target\":\"Russia\",\"stance\":\"none\"}\n",
    )
    .unwrap();
    let out = run(&["train", "--data", data.to_str().unwrap(), "--out", "x.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("latin1.jsonl:1: invalid UTF-8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn one_class_and_unknown_target_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("one.jsonl");
    let rows: String = (0..10)
        .map(|i| format!("{{\"text\":\"Moscow said thing {i}\",\"target\":\"Russia\",\"stance\":\"favor\"}}\n"))
        .collect();
    std::fs::write(&data, rows).unwrap();
    let out = run(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        dir.path().join("m.json").to_str().unwrap(),
        "--task",
        "stance",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stance/Russia: all 10 rows have the label \"favor\""),
        "{}",
        stderr(&out)
    );

    let model = train_fixture(dir.path(), &[]);
    let other = dir.path().join("other.jsonl");
    std::fs::write(&other, "{\"text\":\"x\",\"target\":\"Ukraine\",\"stance\":\"none\"}\n").unwrap();
    let out = run(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--data",
        other.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no stance classifier for target \"Ukraine\" (it knows: Russia, United States)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unwritable_output_fails_cleanly() {
    let out = run(&[
        "train",
        "--data",
        fixture("train.jsonl").to_str().unwrap(),
        "--out",
        "/nonexistent-dir/model.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent-dir/model.json"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&["train", "--out", "m.json"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["train", "--data", "x.jsonl", "--out", "m.json", "--char-ngrams", "5-2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("character n-gram range 5-2 is invalid"),
        "{}",
        stderr(&out)
    );
}
