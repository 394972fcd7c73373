//! Labeled data: reading the rows a model is trained and evaluated on.
//!
//! Training files come from many hands (our own corpus, converted public
//! sets, a spreadsheet export), so this module is strict: every row is either
//! read whole or rejected with the file and line that broke. A label that is
//! `null` (or an empty CSV cell) is not an error: the row simply carries no
//! label for that task and is skipped, and counted, by the trainer.
//!
//! Two encodings share one schema, `{"id","text","target","stance",
//! "sentiment","split"}`: JSON Lines (one object per line, extra keys ignored)
//! and CSV with a header naming the columns. The format is chosen from the
//! file extension (`.csv` is CSV, anything else JSON Lines).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result, json_line_error};
use crate::labels::{AnyLabel, Label, Sentiment, Stance, Task};

/// Where a labeled row comes from, for a model adapted to a user's news.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Domain {
    /// General training data (our corpus, a public data set).
    #[default]
    General,
    /// The user's own news (a file given as `FILE:WEIGHT`): weighted, and
    /// the domain the model is adapted to.
    User,
}

/// One labeled row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Example {
    /// The row's id (the `id` field, or `FILE:LINE` when it has none).
    pub id: String,
    /// The statement.
    pub text: String,
    /// The target the stance label is about (may be empty for sentiment-only rows).
    pub target: String,
    /// Stance label, if the row has one.
    pub stance: Option<Stance>,
    /// Sentiment label, if the row has one.
    pub sentiment: Option<Sentiment>,
    /// The `split` field (`train`, `dev`, `test`...), if present.
    pub split: Option<String>,
    /// The article the row comes from (the `article` field), if given:
    /// cross-validation over the user's rows keeps an article's rows in
    /// one fold.
    pub article: Option<String>,
    /// General data or the user's own news.
    pub domain: Domain,
}

impl Example {
    /// The row's label for a task, if it has one.
    pub fn label(&self, task: Task) -> Option<AnyLabel> {
        match task {
            Task::Stance => self.stance.map(AnyLabel::Stance),
            Task::Sentiment => self.sentiment.map(AnyLabel::Sentiment),
        }
    }
}

/// A file's rows plus a digest of its bytes (stored in the model for provenance).
#[derive(Debug)]
pub struct Dataset {
    pub path: PathBuf,
    pub examples: Vec<Example>,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Rows that could not be read, each as the error naming its line
    /// (only with [`BadRows::Skip`]; otherwise the first one is the error).
    pub bad_rows: Vec<Error>,
}

/// What to do with a row that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRows {
    /// Stop at the first bad row with its error (the default).
    Fail,
    /// Leave the row out and keep its error in [`Dataset::bad_rows`], so the
    /// caller can report and count it.
    Skip,
}

/// Reads a labeled file, choosing JSON Lines or CSV by its extension;
/// stops at the first bad row.
pub fn read_dataset(path: &Path) -> Result<Dataset> {
    read_dataset_with(path, BadRows::Fail)
}

/// Reads a labeled file, choosing JSON Lines or CSV by its extension, with
/// bad rows handled as `bad_rows` says. A file that is unusable as a whole
/// (unreadable, a CSV header without a text column) is always an error.
pub fn read_dataset_with(path: &Path, bad_rows: BadRows) -> Result<Dataset> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let sha256 = sha256_hex(&bytes);
    let is_csv = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
    let mut examples = Vec::new();
    let mut skipped = Vec::new();
    let mut take = |row: Result<Example>| -> Result<()> {
        match (row, bad_rows) {
            (Ok(example), _) => examples.push(example),
            (Err(e @ Error::Data { .. }), BadRows::Skip) => skipped.push(e),
            (Err(e), _) => return Err(e),
        }
        Ok(())
    };
    if is_csv {
        csv_rows(path, &bytes, &mut take)?;
    } else {
        jsonl_rows(path, &bytes[..], &mut take)?;
    }
    Ok(Dataset {
        path: path.to_path_buf(),
        examples,
        sha256,
        bad_rows: skipped,
    })
}

/// Lowercase hex SHA-256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses JSON Lines from a reader; blank lines are allowed and ignored.
/// Stops at the first bad row.
pub fn parse_jsonl(path: &Path, reader: impl Read) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    jsonl_rows(path, reader, &mut |row| {
        examples.push(row?);
        Ok(())
    })?;
    Ok(examples)
}

/// Calls `take` with every row of JSON Lines, read or failed; stops when
/// `take` (or reading the file itself) fails.
fn jsonl_rows(path: &Path, reader: impl Read, take: &mut dyn FnMut(Result<Example>) -> Result<()>) -> Result<()> {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let body = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf);
        if std::str::from_utf8(body).is_ok_and(|s| s.trim().is_empty()) {
            continue;
        }
        take(jsonl_row(path, line_no, &buf))?;
    }
    Ok(())
}

/// One non-blank line of JSON Lines as a row.
fn jsonl_row(path: &Path, line_no: u64, buf: &[u8]) -> Result<Example> {
    let data_err = |message: String| Error::Data {
        path: path.to_path_buf(),
        line: line_no,
        message,
    };
    let line = std::str::from_utf8(buf)
        .map_err(|e| data_err(format!("invalid UTF-8 at byte {} of the line", e.valid_up_to())))?;
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let value: Value = serde_json::from_str(line).map_err(|e| data_err(json_line_error(&e)))?;
    let Value::Object(map) = value else {
        return Err(data_err("expected a JSON object".into()));
    };
    let field = |name: &str| -> Result<Option<String>> {
        match map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) if name == "id" || name == "article" => Ok(Some(n.to_string())),
            Some(other) => Err(data_err(format!("field \"{name}\" must be a string, found {other}"))),
        }
    };
    let raw = RawRow {
        id: field("id")?,
        text: field("text")?,
        target: field("target")?,
        stance: field("stance")?,
        sentiment: field("sentiment")?,
        split: field("split")?,
        article: field("article")?,
    };
    raw.validate(path, line_no)
}

/// Parses CSV with a header row; an empty cell is a missing value. Stops
/// at the first bad row.
pub fn parse_csv(path: &Path, bytes: &[u8]) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    csv_rows(path, bytes, &mut |row| {
        examples.push(row?);
        Ok(())
    })?;
    Ok(examples)
}

/// Calls `take` with every row of a CSV file, read or failed; stops when
/// `take` fails or the header is unusable.
fn csv_rows(path: &Path, bytes: &[u8], take: &mut dyn FnMut(Result<Example>) -> Result<()>) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    // The csv crate's own line numbers are off by one in CRLF files, so a
    // line is counted from the byte offset where its record starts.
    // Records come in file order, so counting resumes where it stopped.
    let counted = std::cell::Cell::new((0usize, 1u64));
    let line_at = |byte: u64| {
        // A record's reported start can be the line ending before it.
        let mut byte = (byte as usize).min(bytes.len());
        while byte < bytes.len() && matches!(bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        let (from, line) = match counted.get() {
            (from, line) if from <= byte => (from, line),
            _ => (0, 1),
        };
        let line = line + bytes[from..byte].iter().filter(|&&b| b == b'\n').count() as u64;
        counted.set((byte, line));
        line
    };
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("row has {len} fields but the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 ({err})"),
            _ => e.to_string(),
        };
        Error::Data {
            path: path.to_path_buf(),
            line,
            message,
        }
    };
    let headers = reader.byte_headers().map_err(csv_err)?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| String::from_utf8_lossy(h).trim().eq_ignore_ascii_case(name))
    };
    let text_col = column("text").ok_or_else(|| Error::DataFile {
        path: path.to_path_buf(),
        message: "CSV header has no \"text\" column".into(),
    })?;
    let cols = [
        column("id"),
        column("target"),
        column("stance"),
        column("sentiment"),
        column("split"),
        column("article"),
    ];
    if cols[2].is_none() && cols[3].is_none() {
        return Err(Error::DataFile {
            path: path.to_path_buf(),
            message: "CSV header has neither a \"stance\" nor a \"sentiment\" column".into(),
        });
    }
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // A ragged or undecodable record: the reader goes on with the next.
            Err(e)
                if matches!(
                    e.kind(),
                    csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }
                ) =>
            {
                take(Err(csv_err(e)))?;
                continue;
            }
            Err(e) => return Err(csv_err(e)),
        }
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
        let cell = |col: Option<usize>| -> Result<Option<String>> {
            let Some(col) = col else { return Ok(None) };
            let bytes = record.get(col).unwrap_or_default();
            let s = std::str::from_utf8(bytes).map_err(|e| Error::Data {
                path: path.to_path_buf(),
                line,
                message: format!("invalid UTF-8 at byte {} of a field", e.valid_up_to()),
            })?;
            Ok(if s.trim().is_empty() { None } else { Some(s.to_string()) })
        };
        let row = (|| {
            RawRow {
                id: cell(cols[0])?,
                text: cell(Some(text_col))?,
                target: cell(cols[1])?,
                stance: cell(cols[2])?,
                sentiment: cell(cols[3])?,
                split: cell(cols[4])?,
                article: cell(cols[5])?,
            }
            .validate(path, line)
        })();
        take(row)?;
    }
    Ok(())
}

/// A row as read, before its labels are checked.
struct RawRow {
    id: Option<String>,
    text: Option<String>,
    target: Option<String>,
    stance: Option<String>,
    sentiment: Option<String>,
    split: Option<String>,
    article: Option<String>,
}

impl RawRow {
    fn validate(self, path: &Path, line: u64) -> Result<Example> {
        let err = |message: String| Error::Data {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = self.text.ok_or_else(|| err("missing \"text\"".to_string()))?;
        let stance = parse_label::<Stance>(self.stance.as_deref()).map_err(err)?;
        let sentiment = parse_label::<Sentiment>(self.sentiment.as_deref()).map_err(err)?;
        let target = self.target.unwrap_or_default().trim().to_string();
        if stance.is_some() && target.is_empty() {
            return Err(err("a row with a stance label needs a \"target\"".into()));
        }
        Ok(Example {
            id: self.id.unwrap_or_else(|| format!("{}:{line}", path.display())),
            text,
            target,
            stance,
            sentiment,
            split: self.split,
            article: self.article,
            domain: Domain::General,
        })
    }
}

/// Parses a label of `L`'s task (case-insensitive); `None` stays `None`.
pub(crate) fn parse_label<L: Label>(value: Option<&str>) -> Result<Option<L>, String> {
    let Some(value) = value else { return Ok(None) };
    match L::parse(value) {
        Some(label) => Ok(Some(label)),
        None => Err(format!(
            "unknown {} label \"{value}\" (expected one of: {})",
            L::TASK.name(),
            L::ALL.map(Label::name).join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jsonl(s: &str) -> Result<Vec<Example>> {
        parse_jsonl(Path::new("t.jsonl"), s.as_bytes())
    }

    #[test]
    fn reads_jsonl_rows_with_nulls_and_extra_keys() {
        let rows = jsonl(concat!(
            r#"{"id":"a","text":"Hello","target":"Russia","stance":"favor","sentiment":null,"x":1}"#,
            "\n\n",
            r#"{"id":7,"text":"Bye","target":"US","stance":null,"sentiment":"Negative"}"#,
            "\n"
        ))
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].stance, Some(Stance::Favor));
        assert_eq!(rows[0].sentiment, None);
        assert_eq!(rows[1].id, "7");
        assert_eq!(rows[1].sentiment, Some(Sentiment::Negative));
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let cases = [
            ("{\"text\":\"a\",\"stance\":null}\n{bad json\n", 2, "invalid JSON"),
            (
                "{\"text\":\"a\",\"target\":\"X\",\"stance\":\"maybe\"}\n",
                1,
                "unknown stance label",
            ),
            ("{\"target\":\"X\",\"stance\":\"favor\"}\n", 1, "missing \"text\""),
            ("{\"text\":\"a\",\"stance\":\"favor\"}\n", 1, "needs a \"target\""),
            ("[1,2]\n", 1, "expected a JSON object"),
            ("{\"text\":3}\n", 1, "must be a string"),
        ];
        for (input, line, needle) in cases {
            let err = jsonl(input).unwrap_err();
            match &err {
                Error::Data { line: l, message, .. } => {
                    assert_eq!(*l, line, "{input}");
                    assert!(message.contains(needle), "{message} lacks {needle}");
                }
                other => panic!("unexpected error {other}"),
            }
            assert!(err.to_string().starts_with(&format!("t.jsonl:{line}:")));
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_with_line() {
        let mut bytes = b"{\"text\":\"ok\",\"sentiment\":\"neutral\"}\n{\"text\":\"".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        bytes.extend_from_slice(b"\"}\n");
        let err = parse_jsonl(Path::new("u.jsonl"), &bytes[..]).unwrap_err();
        assert!(err.to_string().starts_with("u.jsonl:2: invalid UTF-8"), "{err}");
    }

    #[test]
    fn reads_csv_and_reports_ragged_rows() {
        let good = "id,text,target,stance,sentiment\n1,\"Hi, there\",Russia,against,\n";
        let rows = parse_csv(Path::new("d.csv"), good.as_bytes()).unwrap();
        assert_eq!(rows[0].text, "Hi, there");
        assert_eq!(rows[0].stance, Some(Stance::Against));
        assert_eq!(rows[0].sentiment, None);

        let ragged = "text,target,stance\na,Russia,favor\nb,Russia\n";
        let err = parse_csv(Path::new("d.csv"), ragged.as_bytes()).unwrap_err();
        assert!(err.to_string().starts_with("d.csv:3:"), "{err}");

        let no_text = "body,stance\na,favor\n";
        let err = parse_csv(Path::new("d.csv"), no_text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no \"text\" column"), "{err}");
    }
}
