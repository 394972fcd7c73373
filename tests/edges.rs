//! The sharp edges a new user hit (issue 17), each through the real binary:
//! output paths that are not regular files, Ctrl-C, a binary used outside
//! the repository, training without an alias file, directory and JSONL
//! input, and error messages.

use std::io::{Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{bin, fixture, stderr, stdout};

fn train(args: &[&str]) -> std::process::Output {
    bin()
        .arg("train")
        .arg("--data")
        .arg(fixture("train.jsonl"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn outputs_that_are_not_regular_files_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    // A device node (as root, /dev/null would have become a regular file).
    let started = Instant::now();
    let out = train(&["--out", "/dev/null"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("/dev/null") && err.contains("not a regular file"), "{err}");
    assert!(!stdout(&out).contains("trained"), "refused before training");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());

    // A FIFO and a directory.
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = train(&["--out", fifo.to_str().unwrap()]);
    assert!(
        !out.status.success() && stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    let out = train(&["--out", dir.path().to_str().unwrap()]);
    assert!(
        !out.status.success() && stderr(&out).contains("is a directory"),
        "{}",
        stderr(&out)
    );

    // A symlink: its target is updated, the link stays a link.
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = train(&["--out", link.to_str().unwrap(), "--calibration", "none"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"format\""));

    // The labels file of `stance label` too.
    let out = bin()
        .args(["label", "--input"])
        .arg(fixture("articles"))
        .args(["--out", "/dev/null", "--answer-from"])
        .arg(fixture("test.jsonl"))
        .args(["--count", "1"])
        .output()
        .unwrap();
    assert!(
        !out.status.success() && stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
}

/// Starts `classify` reading JSONL articles from a pipe left open, writes
/// two articles, interrupts it and returns (exit code, stdout, stderr).
fn interrupted(format: &str, signal: &str) -> (Option<i32>, String, String) {
    let mut child = bin()
        .args(["classify", "--input-format", "jsonl", "--format", format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..2 {
        writeln!(
            stdin,
            "{{\"id\": \"a{i}\", \"text\": \"Moscow denied the report. Washington welcomed the talks.\"}}"
        )
        .unwrap();
    }
    stdin.flush().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(stdin);
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (status.code(), out, err)
}

#[test]
fn ctrl_c_and_sigterm_close_the_document_and_exit_130() {
    let (code, out, err) = interrupted("json", "-INT");
    assert_eq!(code, Some(130), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("the JSON document is closed");
    assert_eq!(doc["articles"].as_array().unwrap().len(), 2);
    assert!(err.contains("interrupted: 2 articles written"), "{err}");

    let (code, out, err) = interrupted("html", "-TERM");
    assert_eq!(code, Some(130), "{err}");
    assert!(
        out.trim_end().ends_with("</html>"),
        "{}",
        &out[out.len().saturating_sub(200)..]
    );
}

#[test]
fn check_inspect_and_classify_need_nothing_but_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin().current_dir(dir.path()).args(args).output().unwrap();
    let out = run(&["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("built-in challenge suite"), "{}", stdout(&out));
    assert!(stdout(&out).contains("0.90"), "the built-in floors apply");
    for args in [&["inspect"][..], &["inspect", "builtin"], &["inspect", "--top", "3"]] {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("models/default.json (built in)"),
            "{}",
            stdout(&out)
        );
    }
    let out = bin()
        .current_dir(dir.path())
        .args(["classify", "--model", "builtin", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"Moscow denied it.").unwrap();
            c.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).contains("\"Moscow\""));
}

#[test]
fn training_without_an_alias_file_uses_the_built_in_lists_or_warns() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let out = train(&["--out", model.to_str().unwrap(), "--calibration", "none"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("built-in lists"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(
        text.contains("Kremlin") && text.contains("White House"),
        "built-in aliases in the model"
    );

    // A target with no built-in list: a warning naming it.
    let data = dir.path().join("france.jsonl");
    let rows: String = (0..40)
        .map(|i| {
            let (text, stance) = match i % 2 {
                0 => (format!("France praised the new trade deal number {i}."), "favor"),
                _ => (format!("France condemned the blockade number {i}."), "against"),
            };
            format!("{{\"id\": \"f{i}\", \"text\": \"{text}\", \"target\": \"France\", \"stance\": \"{stance}\"}}\n")
        })
        .collect();
    std::fs::write(&data, rows).unwrap();
    let out = bin()
        .args(["train", "--task", "stance", "--calibration", "none", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("f.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning: France has no alias but its name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn directory_input_says_what_it_skips_and_refuses_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.txt"), "Moscow denied the report.").unwrap();
    std::fs::write(d.join("B.TXT"), "Washington welcomed the talks.").unwrap();
    std::fs::write(d.join("notes.md"), "# notes").unwrap();
    std::fs::write(d.join("blob.bin"), [0u8, 159, 146, 150]).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::fs::write(d.join("sub/c.txt"), "The Kremlin said nothing.").unwrap();
    let classify = |args: &[&str], path: &Path| {
        bin()
            .args(["classify", "--format", "jsonl"])
            .args(args)
            .arg(path)
            .output()
            .unwrap()
    };
    let articles = |o: &std::process::Output| -> Vec<String> {
        let mut ids: Vec<String> = common::json_lines(o)
            .iter()
            .map(|l| l["article"].as_str().unwrap().rsplit('/').next().unwrap().to_string())
            .collect();
        ids.dedup();
        ids
    };
    let out = classify(&[], d);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(articles(&out), ["B.TXT", "a.txt"]);
    let err = stderr(&out);
    assert!(
        err.contains("skipped 3 entries") && err.contains("notes.md") && err.contains("--recursive"),
        "{err}"
    );
    let out = classify(&["--recursive"], d);
    assert_eq!(articles(&out), ["B.TXT", "a.txt", "c.txt"]);
    assert!(stderr(&out).contains("skipped 2 entries"), "{}", stderr(&out));

    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = classify(&[], &empty);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no .txt file to read: it is empty"),
        "{}",
        stderr(&out)
    );
    let only_md = d.join("only-md");
    std::fs::create_dir(&only_md).unwrap();
    std::fs::write(only_md.join("x.md"), "x").unwrap();
    let out = classify(&[], &only_md);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("x.md"), "{}", stderr(&out));
}

#[test]
fn jsonl_files_are_read_as_jsonl_and_json_read_as_text_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let line = "{\"id\": \"n1\", \"text\": \"Moscow denied the report.\", \"outlet\": \"wire\"}\n";
    for name in ["in.jsonl", "in.NDJSON"] {
        let path = dir.path().join(name);
        std::fs::write(&path, line).unwrap();
        let out = bin()
            .args(["classify", "--format", "jsonl"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let lines = common::json_lines(&out);
        assert_eq!(lines[0]["article"], "n1", "{name} read as JSONL");
        assert_eq!(lines[0]["meta"]["outlet"], "wire");
    }
    // The flag still decides, and JSON read as text gets a warning.
    let path = dir.path().join("in.jsonl");
    let out = bin()
        .args(["classify", "--format", "jsonl", "--input-format", "text"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("looks like JSON Lines"), "{}", stderr(&out));
    let as_txt = dir.path().join("in.txt");
    std::fs::write(&as_txt, line).unwrap();
    let out = bin()
        .args(["classify", "--format", "jsonl"])
        .arg(&as_txt)
        .output()
        .unwrap();
    assert!(stderr(&out).contains("looks like JSON Lines"), "{}", stderr(&out));
}

#[test]
fn errors_say_each_thing_once() {
    let dir = tempfile::tempdir().unwrap();
    // An OS error is not repeated.
    let out = bin()
        .args(["train", "--data"])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("m.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    // One line number: the file's.
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, "{\"id\": \"1\", \"text\": \"a\"}\n{bad\n").unwrap();
    let out = bin()
        .args(["classify", "--input-format", "jsonl"])
        .arg(&broken)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("broken.jsonl:2: invalid JSON at column 2"), "{err}");
    assert!(!err.contains("line 1"), "{err}");
}

#[test]
fn a_terminal_on_stdin_gets_a_hint() {
    // `script` gives the binary a terminal; ^D ends the input.
    let command = format!("{} classify --format jsonl", env!("CARGO_BIN_EXE_stance"));
    let mut child = Command::new("timeout")
        .args(["20", "script", "-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script (util-linux) and timeout (coreutils)");
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    stdin.write_all(b"Moscow denied it.\n\x04").unwrap();
    stdin.flush().unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("reading articles from standard input"), "{text}");
    assert!(text.contains("\"Moscow\""), "the article was classified: {text}");
}

#[test]
fn progress_shows_from_the_start_and_zero_threads_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = train(&[
        "--out",
        dir.path().join("m.json").to_str().unwrap(),
        "--progress",
        "always",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(" fits: ")).collect();
    assert!(lines[0].contains("reading"), "{err}");
    assert!(lines[1].contains("extracting terms from 150 rows"), "{err}");
    assert!(lines.iter().any(|l| l.contains("calibration fold")), "{err}");
    let last = lines.last().unwrap();
    let (done, total) = last
        .split(" fits:")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .split_once('/')
        .unwrap();
    assert_eq!(done, total, "the count reaches its total: {last}");

    for sub in ["classify", "bench", "aggregate"] {
        let out = bin().args([sub, "--threads", "0"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{sub}");
        assert!(stderr(&out).contains("0 threads cannot work"), "{}", stderr(&out));
    }
}

#[test]
fn counts_are_singular_for_one_and_floats_have_one_precision() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("one.txt");
    std::fs::write(&article, "Moscow denied the report.").unwrap();
    let out = bin()
        .args(["classify", "--format", "table", "--color", "never"])
        .arg(&article)
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.contains("(1 statement)") && text.contains("1 statement mentions it"),
        "{text}"
    );
    assert!(text.contains("corpus: 1 article, 1 statement"), "{text}");
    assert!(
        !text.contains(" 1 articles") && !text.contains(" 1 statements"),
        "{text}"
    );

    let out = bin()
        .args(["classify", "--format", "json", "--explain", "2"])
        .arg(fixture("articles"))
        .output()
        .unwrap();
    let doc = stdout(&out);
    // Every number with a fraction has at most four decimals.
    let mut longest = 0;
    for (i, _) in doc.match_indices('.') {
        let before = doc[..i].chars().last().unwrap_or(' ');
        if before.is_ascii_digit() {
            let decimals = doc[i + 1..].chars().take_while(char::is_ascii_digit).count();
            let in_string = doc[..i].matches('"').count() % 2 == 1;
            if !in_string {
                longest = longest.max(decimals);
            }
        }
    }
    assert!(longest > 0 && longest <= 4, "longest fraction {longest}");
}

#[test]
fn page_furniture_and_bullets_are_marked_and_left_out_of_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("page.txt");
    std::fs::write(
        &article,
        "Related Content\n\nMoscow denied the report.\n- Sanctions cover Russian banks\nShare this article\nRussia\n",
    )
    .unwrap();
    let out = bin()
        .args(["classify", "--format", "json"])
        .arg(&article)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statements = doc["articles"][0]["statements"].as_array().unwrap();
    let furniture: Vec<bool> = statements.iter().map(|s| s["furniture"] == true).collect();
    assert_eq!(furniture, [true, false, false, true, true]);
    assert_eq!(statements[2]["bullet"], "-");
    assert!(statements[2].get("dateline").is_none(), "a bullet is no dateline");
    let russia = &doc["articles"][0]["summary"][0];
    assert_eq!(russia["target"], "Russia");
    assert_eq!(russia["mentioning"], 2, "the lone word Russia is furniture: {russia}");
    assert_eq!(doc["corpus"]["statements"], 2);
}
