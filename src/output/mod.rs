//! Output formats for classified articles.
//!
//! Results are written article by article as they are produced, so memory
//! stays bounded whatever the input size: `jsonl` (one line per statement,
//! nothing else, for downstream joins), `json` (one document, streamed),
//! `csv` (one row per statement and target), `table` (for a person at a
//! terminal, coloured when asked) and `html` (a self-contained report).
//! The `jsonl` lines are also public ([`statement_lines`],
//! [`statement_records`]), so that a caller outside the CLI (the Python
//! binding) hands out the same records, made by the same code.

pub(crate) mod aggregate;
mod csv;
mod html;
mod table;

use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::classify::{
    ArticleResult, CorpusSummary, CorpusTargetSummary, SentimentCounts, StatementResult, TargetSummary,
};
use crate::data::articles::Article;
use crate::error::{Error, Result};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Jsonl,
    Json,
    Csv,
    Html,
}

/// Writes classified articles in one format.
pub struct ResultWriter<W: Write> {
    out: W,
    renderer: Renderer,
    articles_written: usize,
    /// Inputs that could not be read, for the `json` document's `errors`.
    errors: Vec<Value>,
}

impl<W: Write> ResultWriter<W> {
    /// A writer for results over `targets`; `color` applies to `table`.
    pub fn new(out: W, format: Format, targets: Vec<String>, color: bool) -> Self {
        ResultWriter {
            out,
            renderer: Renderer { format, color, targets },
            articles_written: 0,
            errors: Vec::new(),
        }
    }

    /// Writes what comes before the first article.
    pub fn begin(&mut self, model_description: &str) -> std::io::Result<()> {
        match self.renderer.format {
            Format::Json => {
                write!(self.out, "{{\"model\":{},\"articles\":[", json!(model_description))
            }
            Format::Csv => self.out.write_all(csv::header().as_bytes()),
            Format::Html => self
                .out
                .write_all(html::head(model_description, &self.renderer.targets).as_bytes()),
            Format::Table | Format::Jsonl => Ok(()),
        }
    }

    /// Reports an input that could not be read, in the output itself, so
    /// that it is not silently missing: `jsonl` writes an error record
    /// (`{"error": message, "path": ..., "line": ...}`) in its place, `table`
    /// and `html` a line, `json` lists it under `"errors"`; `csv`, whose
    /// rows are statements, leaves it to the message on stderr.
    pub fn error(&mut self, error: &crate::Error) -> std::io::Result<()> {
        let record = error_record(error);
        match self.renderer.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, &record)?;
                self.out.write_all(b"\n")
            }
            Format::Json => {
                self.errors.push(record);
                Ok(())
            }
            Format::Table => writeln!(self.out, "!! could not read: {error}\n"),
            Format::Html => writeln!(
                self.out,
                "<section class=\"article\"><p class=\"error\">could not read: {}</p></section>",
                html::escape(&error.to_string())
            ),
            Format::Csv => Ok(()),
        }
    }

    /// How this writer renders an article, for rendering on worker threads;
    /// the bytes go out through [`write_rendered`](Self::write_rendered).
    pub(crate) fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// Articles written so far.
    pub(crate) fn articles_written(&self) -> usize {
        self.articles_written
    }

    /// Writes one article rendered by [`Renderer::article`] (with `first`
    /// true only when nothing had been written before it).
    pub(crate) fn write_rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.articles_written += 1;
        Ok(())
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes what comes after the last article, and flushes.
    pub fn finish(&mut self, corpus: &CorpusSummary) -> std::io::Result<()> {
        match self.renderer.format {
            Format::Json => {
                writeln!(
                    self.out,
                    "],\"errors\":{},\"corpus\":{}}}",
                    Value::Array(std::mem::take(&mut self.errors)),
                    json!(corpus)
                )?;
            }
            Format::Table => table::corpus(corpus, &mut self.out)?,
            Format::Html => self.out.write_all(html::tail(corpus).as_bytes())?,
            Format::Jsonl | Format::Csv => {}
        }
        self.out.flush()
    }
}

/// A target's counts as the table and the summaries print them.
pub(crate) struct StanceCounts<'a> {
    favor: usize,
    against: usize,
    none: usize,
    sentiment: Option<&'a SentimentCounts>,
}

impl<'a> From<&'a TargetSummary> for StanceCounts<'a> {
    fn from(s: &'a TargetSummary) -> Self {
        StanceCounts {
            favor: s.favor,
            against: s.against,
            none: s.none,
            sentiment: s.sentiment.as_ref(),
        }
    }
}

impl<'a> From<&'a CorpusTargetSummary> for StanceCounts<'a> {
    fn from(t: &'a CorpusTargetSummary) -> Self {
        StanceCounts {
            favor: t.favor,
            against: t.against,
            none: t.none,
            sentiment: t.sentiment.as_ref(),
        }
    }
}

impl StanceCounts<'_> {
    /// `part` when the counts come from a stance classifier, else nothing
    /// (a net stance is meaningless without stance).
    pub(crate) fn if_stance(&self, part: impl FnOnce() -> String) -> String {
        if self.has_stance() { part() } else { String::new() }
    }

    /// Whether the counts come from a stance classifier: a model trained
    /// only for sentiment toward targets decides no stance, so all three
    /// stance counts stay 0 while its sentiment counts do not.
    pub(crate) fn has_stance(&self) -> bool {
        self.sentiment.is_none() || self.favor + self.against + self.none > 0
    }

    /// `: 2 favor, 1 against, 0 none; sentiment toward it 1 positive, ...`
    /// (each part only when there is one).
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.has_stance() {
            parts.push(format!(
                "{} favor, {} against, {} none",
                self.favor, self.against, self.none
            ));
        }
        if let Some(s) = self.sentiment {
            parts.push(format!(
                "sentiment toward it {} positive, {} negative, {} neutral",
                s.positive, s.negative, s.neutral
            ));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join("; "))
        }
    }
}

/// `n` with its noun, singular for one (`1 article`, `2 articles`): how
/// every count in a report is written.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Renders articles in one format; shared by worker threads.
#[derive(Debug, Clone)]
pub(crate) struct Renderer {
    format: Format,
    color: bool,
    targets: Vec<String>,
}

impl Renderer {
    /// Renders one article's results into `out`; `first` is whether it is
    /// the first article of the output (the `json` format separates
    /// articles with commas).
    pub(crate) fn article(
        &self,
        article: &Article,
        result: &ArticleResult,
        first: bool,
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        match self.format {
            Format::Jsonl => {
                for line in statement_lines(article, result) {
                    serde_json::to_writer(&mut *out, &line)?;
                    out.write_all(b"\n")?;
                }
            }
            Format::Json => {
                if !first {
                    out.write_all(b",")?;
                }
                let doc = ArticleDoc {
                    id: &result.id,
                    meta: (!article.meta.is_empty()).then_some(&article.meta),
                    statements: &result.statements,
                    summary: &result.summary,
                };
                serde_json::to_writer(&mut *out, &doc)?;
            }
            Format::Csv => csv::rows(result, out)?,
            Format::Table => table::article(result, &self.targets, self.color, out)?,
            Format::Html => out.write_all(html::article(article, result).as_bytes())?,
        }
        Ok(())
    }
}

/// The JSON record of an input that could not be read.
fn error_record(error: &crate::Error) -> Value {
    let mut record = Map::new();
    record.insert("error".into(), Value::String(error.to_string()));
    if let Some(path) = error.path() {
        record.insert("path".into(), Value::String(path.display().to_string()));
    }
    if let Some(line) = error.line() {
        record.insert("line".into(), Value::from(line));
    }
    Value::Object(record)
}

/// A `jsonl` line: the statement with its article's id and metadata. It
/// serializes to the line `--format jsonl` prints.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StatementLine<'a> {
    article: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Map<String, Value>>,
    #[serde(flatten)]
    statement: &'a StatementResult,
}

/// The `--format jsonl` lines of an article, one per statement, in order:
/// what the `jsonl` renderer writes, for callers that serialize them
/// elsewhere (the Python binding, a message queue).
pub fn statement_lines<'a>(
    article: &'a Article,
    result: &'a ArticleResult,
) -> impl Iterator<Item = StatementLine<'a>> + 'a {
    let meta = (!article.meta.is_empty()).then_some(&article.meta);
    result.statements.iter().map(move |statement| StatementLine {
        article: &result.id,
        meta,
        statement,
    })
}

/// The `--format jsonl` lines of an article as JSON values, equal to what a
/// reader of the printed lines gets: each line is written as the renderer
/// writes it and read back, so a probability comes back as the shortest
/// decimal of its `f32` (`0.7`), as from the line, rather than widened to
/// `f64` (`0.699999988079071`), as `serde_json::to_value` would give it.
pub fn statement_records(article: &Article, result: &ArticleResult) -> Result<Vec<Value>> {
    statement_lines(article, result)
        .map(|line| {
            let bytes = serde_json::to_vec(&line).map_err(|e| Error::Output(e.into()))?;
            serde_json::from_slice(&bytes).map_err(|e| Error::Output(e.into()))
        })
        .collect()
}

/// An article in the `json` document.
#[derive(Serialize)]
struct ArticleDoc<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Map<String, Value>>,
    statements: &'a [StatementResult],
    summary: &'a [crate::classify::TargetSummary],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::ArticleClassifier;

    #[test]
    fn statement_records_are_the_jsonl_lines_read_back() {
        let model = crate::train::two_people_model();
        let targets = ["Kopp", "Lutz"].map(crate::text::targets::TargetSpec::named);
        let classifier = ArticleClassifier::new(&model, Some(&targets), 2).unwrap();
        let mut meta = Map::new();
        meta.insert("outlet".into(), json!("tass"));
        let article = Article {
            id: "a1".into(),
            text: "Kopp won praise. Lutz faced a scandal.\n\nNo one else spoke.".into(),
            meta,
        };
        let result = classifier.classify(&article.id, &article.text);
        let renderer = Renderer {
            format: Format::Jsonl,
            color: false,
            targets: vec!["Kopp".into(), "Lutz".into()],
        };
        let mut bytes = Vec::new();
        renderer.article(&article, &result, true, &mut bytes).unwrap();
        let lines: Vec<Value> = String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let records = statement_records(&article, &result).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records, lines);
        assert_eq!(records[0]["meta"]["outlet"], "tass");
        // Probabilities as the line writes them, not widened to f64.
        let p = &records[0]["sentiment"]["confidence"];
        let shortest = serde_json::to_string(&(p.as_f64().unwrap() as f32)).unwrap();
        assert_eq!(p.to_string(), shortest);
    }
}
