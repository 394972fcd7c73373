//! Output formats for classified articles.
//!
//! Results are written article by article as they are produced, so memory
//! stays bounded whatever the input size: `jsonl` (one line per statement,
//! nothing else, for downstream joins), `json` (one document, streamed),
//! `csv` (one row per statement and target), `table` (for a person at a
//! terminal, coloured when asked) and `html` (a self-contained report).

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
                let meta = (!article.meta.is_empty()).then_some(&article.meta);
                for statement in &result.statements {
                    let line = StatementLine {
                        article: &result.id,
                        meta,
                        statement,
                    };
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

/// A `jsonl` line: the statement with its article's id and metadata.
#[derive(Serialize)]
struct StatementLine<'a> {
    article: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meta: Option<&'a Map<String, Value>>,
    #[serde(flatten)]
    statement: &'a StatementResult,
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
