//! End-to-end tests of `stance aggregate` and `stance calibrate` through
//! the real binary: the JSON shape the issue fixes, the same table from
//! articles and from `classify --format jsonl` output, every format, the
//! HTML chart in Chromium, and clear errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

mod common;

use common::{bin, browser, json_lines, stderr, stdout};
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn train(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let out = bin()
        .args(["train", "--data"])
        .arg(root().join("tests/fixtures/train.jsonl"))
        .arg("--targets")
        .arg(root().join("training_data/targets.json"))
        .args(extra)
        .arg("--out")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    path
}

/// A model trained once on the fixture, calibrated (the default), and an
/// archive of articles made from the fixture's test sentences: five
/// sentences each, with an outlet and a date.
fn setup() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static SETUP: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let model = train(dir.path(), "model.json", &[]);
        let text = std::fs::read_to_string(root().join("tests/fixtures/test.jsonl")).unwrap();
        let mut sentences: Vec<String> = Vec::new();
        for line in text.lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            let s = row["text"].as_str().unwrap().to_string();
            if !sentences.contains(&s) {
                sentences.push(s);
            }
        }
        let outlets = ["wire", "daily", "state-tv"];
        let mut archive = String::new();
        for (i, chunk) in sentences.chunks(5).enumerate() {
            let article = json!({
                "id": format!("a{i}"),
                "text": chunk.join(" "),
                "outlet": outlets[i % 3],
                "date": format!("2016-0{}-{:02}T08:00:00Z", 1 + i % 2, 1 + i),
            });
            archive.push_str(&article.to_string());
            archive.push('\n');
        }
        let path = dir.path().join("archive.jsonl");
        std::fs::write(&path, archive).unwrap();
        (dir, model, path)
    })
}

fn aggregate(args: &[&str], input: &Path) -> Output {
    let (_, model, _) = setup();
    bin()
        .arg("aggregate")
        .arg("--model")
        .arg(model)
        .args(args)
        .arg(input)
        .output()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 2e-4
}

#[test]
fn json_has_the_documented_shape_and_agrees_with_classify() {
    let (dir, model, archive) = setup();
    let out = aggregate(
        &[
            "--input-format",
            "jsonl",
            "--group-by",
            "outlet",
            "--period",
            "month",
            "--format",
            "json",
        ],
        archive,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["model"], json!(model.display().to_string()));
    let groups = doc["groups"].as_array().unwrap();
    // Three outlets, two months: six groups, sorted by key.
    assert_eq!(groups.len(), 6, "{doc:#}");
    let keys: Vec<(String, String)> = groups
        .iter()
        .map(|g| {
            (
                g["key"]["outlet"].as_str().unwrap().to_string(),
                g["key"]["date"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(keys.iter().all(|(_, d)| d == "2016-01" || d == "2016-02"), "{keys:?}");

    // What classify says of the same articles, counted by group.
    let classified = bin()
        .args(["classify", "--model"])
        .arg(model)
        .args(["--input-format", "jsonl", "--format", "jsonl"])
        .arg(archive)
        .output()
        .unwrap();
    assert!(classified.status.success());
    // Per (outlet, month): statements, and per target favor/against/none.
    type Counts = (usize, BTreeMap<String, [usize; 3]>);
    let mut counted: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for line in json_lines(&classified) {
        let key = (
            line["meta"]["outlet"].as_str().unwrap().to_string(),
            line["meta"]["date"].as_str().unwrap()[..7].to_string(),
        );
        let entry = counted.entry(key).or_default();
        entry.0 += 1;
        for t in line["targets"].as_array().unwrap() {
            let c = entry.1.entry(t["target"].as_str().unwrap().to_string()).or_default();
            if t["mentioned"] == json!(true) {
                match t["stance"]["label"].as_str().unwrap() {
                    "favor" => c[0] += 1,
                    "against" => c[1] += 1,
                    _ => c[2] += 1,
                }
            }
        }
    }
    for (g, key) in groups.iter().zip(&keys) {
        let (statements, per_target) = &counted[key];
        assert_eq!(g["statements"], json!(statements));
        let n = *statements as f64;
        for target in ["Russia", "United States"] {
            let t = &g["targets"][target];
            let c = per_target.get(target).copied().unwrap_or_default();
            assert_eq!(t["mentioning"], json!(c.iter().sum::<usize>()), "{target} in {key:?}");
            let f = |v: &Value| v.as_f64().unwrap();
            assert!(close(f(&t["raw"]["favor"]), c[0] as f64 / n), "{t}");
            assert!(close(f(&t["raw"]["against"]), c[1] as f64 / n), "{t}");
            assert!(close(f(&t["raw"]["none"]), 1.0 - (c[0] + c[1]) as f64 / n), "{t}");
            assert!(close(f(&t["net"]["raw"]), (c[0] as f64 - c[1] as f64) / n), "{t}");
            let corrected = &t["corrected"];
            let sum = f(&corrected["favor"]) + f(&corrected["against"]) + f(&corrected["none"]);
            assert!(close(sum, 1.0), "{t}");
            assert!(
                close(
                    f(&t["net"]["corrected"]),
                    f(&corrected["favor"]) - f(&corrected["against"])
                ),
                "{t}"
            );
            let (low, mid, high) = (f(&t["net"]["low"]), f(&t["net"]["corrected"]), f(&t["net"]["high"]));
            assert!(-1.0 <= low && low <= mid && mid <= high && high <= 1.0, "{t}");
        }
    }

    // With a period, each outlet's February has its change since January,
    // which is the difference of the two months' nets; January has none.
    let by_key: BTreeMap<&(String, String), &Value> = keys.iter().zip(groups).collect();
    let mut changes = 0;
    for ((outlet, month), g) in &by_key {
        for target in ["Russia", "United States"] {
            let t = &g["targets"][target];
            let january = by_key.get(&(outlet.clone(), "2016-01".to_string()));
            match (month.as_str(), january) {
                ("2016-02", Some(before)) => {
                    let c = &t["change"];
                    let before = &before["targets"][target];
                    let f = |v: &Value| v.as_f64().unwrap();
                    assert_eq!(c["from"], json!("2016-01"), "{t}");
                    assert!(close(f(&c["raw"]), f(&t["net"]["raw"]) - f(&before["net"]["raw"])), "{c} {t} {before}");
                    assert!(
                        (f(&c["corrected"]) - (f(&t["net"]["corrected"]) - f(&before["net"]["corrected"]))).abs() < 3e-4,
                        "{c} {t} {before}"
                    );
                    assert!(f(&c["low"]) <= f(&c["corrected"]) && f(&c["corrected"]) <= f(&c["high"]), "{c}");
                    changes += 1;
                }
                _ => assert!(t.get("change").is_none(), "{t}"),
            }
        }
    }
    assert_eq!(changes, 3 * 2, "every outlet has both months");

    // The same table from classify's JSONL output.
    let lines = dir.path().join("classified.jsonl");
    std::fs::write(&lines, &classified.stdout).unwrap();
    let again = aggregate(
        &[
            "--from-classified",
            "--group-by",
            "outlet",
            "--period",
            "month",
            "--format",
            "json",
        ],
        &lines,
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), stdout(&out));
}

#[test]
fn csv_table_and_html_show_every_group_and_target() {
    let (_, _, archive) = setup();
    let csv = aggregate(
        &["--input-format", "jsonl", "--group-by", "outlet", "--format", "csv"],
        archive,
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("outlet,articles,statements,target,mentioning,raw_favor")
    );
    assert_eq!(lines.count(), 3 * 2);

    // By month too: the change columns, filled for the later month only.
    let csv = aggregate(
        &["--input-format", "jsonl", "--group-by", "outlet", "--period", "month", "--format", "csv"],
        archive,
    );
    assert!(csv.status.success(), "{}", stderr(&csv));
    let text = stdout(&csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert!(header.iter().any(|h| h == "change_corrected"), "{header:?}");
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        match &row[column("date")] {
            "2016-01" => assert_eq!(&row[column("change_from")], "", "{row:?}"),
            _ => {
                assert_eq!(&row[column("change_from")], "2016-01", "{row:?}");
                assert!(row[column("change_low")].parse::<f64>().is_ok(), "{row:?}");
            }
        }
    }
    let table = aggregate(&["--input-format", "jsonl", "--group-by", "outlet", "--period", "month"], archive);
    assert!(stdout(&table).contains("since 2016-01"), "{}", stdout(&table));

    let table = aggregate(&["--input-format", "jsonl", "--group-by", "outlet"], archive);
    assert!(table.status.success());
    let text = stdout(&table);
    assert!(text.contains("outlet=wire") && text.contains("95% interval"), "{text}");

    let html = aggregate(
        &["--input-format", "jsonl", "--group-by", "outlet", "--format", "html"],
        archive,
    );
    assert!(html.status.success());
    let page = String::from_utf8(html.stdout).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
    assert_eq!(page.matches("class=\"track\"").count(), 6);
}

#[test]
#[ignore = "needs Chromium: `cargo test --release -- --ignored` runs it (.ci/run does, and installs Chromium)"]
fn html_chart_renders_in_chromium() {
    let (dir, _, archive) = setup();
    let chromium = browser::chromium();
    // The page `aggregate` prints with `extra` flags, as Chromium renders it.
    let rendered = |name: &str, extra: &[&str]| -> String {
        let mut args = vec!["--input-format", "jsonl", "--group-by", "outlet", "--format", "html"];
        args.extend(extra);
        let html = aggregate(&args, archive);
        assert!(html.status.success(), "{}", stderr(&html));
        let file = dir.path().join(format!("{name}.html"));
        std::fs::write(&file, &html.stdout).unwrap();
        let dom = browser::headless(&chromium, &dir.path().join(format!("profile-{name}")))
            .arg("--dump-dom")
            .arg(format!("file://{}", file.display()))
            .output()
            .unwrap();
        String::from_utf8_lossy(&dom.stdout).into_owned()
    };
    let dom = rendered("aggregate", &[]);
    assert!(
        dom.contains("data-drawn=\"6\""),
        "every interval and point drawn: {}",
        &dom[..dom.len().min(300)]
    );
    // By month: twelve tracks, and the change column.
    let dom = rendered("aggregate-month", &["--period", "month"]);
    assert!(dom.contains("data-drawn=\"12\""), "{}", &dom[..dom.len().min(300)]);
    assert!(dom.contains("since 2016-01"), "the change column is drawn");
}

#[test]
fn bad_dates_uncalibrated_models_and_bad_keys_are_clear_errors() {
    let (dir, _, _) = setup();
    let archive = dir.path().join("bad-date.jsonl");
    std::fs::write(
        &archive,
        "{\"id\": \"ok\", \"text\": \"Moscow denied it.\", \"date\": \"2016-03-01\"}\n{\"id\": \"x7\", \"text\": \"Moscow denied it.\", \"date\": \"March 2016\"}\n",
    )
    .unwrap();
    let out = aggregate(&["--input-format", "jsonl", "--period", "month"], &archive);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("x7") && stderr(&out).contains("March 2016"),
        "{}",
        stderr(&out)
    );

    let out = aggregate(&["--input-format", "jsonl", "--group-by", "text"], &archive);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot group by \"text\""), "{}", stderr(&out));

    let plain = train(dir.path(), "uncalibrated.json", &["--calibration", "none"]);
    let out = bin()
        .args(["aggregate", "--model"])
        .arg(&plain)
        .arg(root().join("tests/fixtures/articles"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not calibrated"), "{}", stderr(&out));

    let junk = dir.path().join("junk.jsonl");
    std::fs::write(
        &junk,
        "{\"article\": \"a\", \"index\": 0, \"targets\": []}\n{\"oops\": 1}\n",
    )
    .unwrap();
    let out = aggregate(&["--from-classified"], &junk);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("junk.jsonl:1"), "{}", stderr(&out));
}

/// Runs `stance calibrate --model model --data data --out out` with `extra`.
fn calibrate(model: &Path, data: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["calibrate", "--model"])
        .arg(model)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn calibrate_refits_on_labeled_rows_and_records_the_sample() {
    let (dir, model, archive) = setup();
    let data = root().join("tests/fixtures/test.jsonl");
    let out_model = dir.path().join("calibrated.json");
    let out = calibrate(model, &data, &out_model, &["--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let report = report.as_array().unwrap();
    assert_eq!(report.len(), 2, "one per target: {report:?}");
    assert!(report.iter().all(|r| r["rows"].as_u64().unwrap() > 10));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out_model).unwrap()).unwrap();
    let text = written.to_string();
    let sha = common::sha256_hex(&std::fs::read(&data).unwrap());
    assert!(text.contains(&sha), "the sample's hash is recorded");
    assert!(text.contains("\"rows\":115"), "the sample's size is recorded");

    // The calibrated model aggregates.
    let out = bin()
        .args(["aggregate", "--model"])
        .arg(&out_model)
        .args(["--input-format", "jsonl", "--format", "json"])
        .arg(archive)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // A file with no row to calibrate on: an error, and no model written.
    let empty = dir.path().join("no-stance.jsonl");
    std::fs::write(
        &empty,
        "{\"id\": \"1\", \"text\": \"Rain fell.\", \"target\": \"Russia\", \"stance\": \"none\"}\n",
    )
    .unwrap();
    let nothing = dir.path().join("nothing.json");
    let out = calibrate(model, &empty, &nothing, &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no-stance.jsonl"), "{}", stderr(&out));
    assert!(!nothing.exists());
}
