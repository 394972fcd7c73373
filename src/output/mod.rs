//! Output formats for classified articles.
//!
//! Results are written article by article as they are produced, so memory
//! stays bounded whatever the input size: `jsonl` (one line per statement,
//! nothing else, for downstream joins), `json` (one document, streamed),
//! `csv` (one row per statement and target), `table` (for a person at a
//! terminal, coloured when asked) and `html` (a self-contained report).

use std::io::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::classify::{
    ArticleResult, CorpusSummary, CorpusTargetSummary, SentimentCounts, StatementResult, TargetSummary,
};
use crate::data::articles::Article;
use crate::labels::{AnyLabel, Label, Sentiment, Stance};
use crate::model::decision::{Decision, Evidence};

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
            Format::Csv => {
                let mut header = vec![
                    "article",
                    "index",
                    "start",
                    "end",
                    "target",
                    "mentioned",
                    "mentions",
                    "stance",
                    "p_favor",
                    "p_against",
                    "p_none",
                    "sentiment",
                    "p_positive",
                    "p_negative",
                    "p_neutral",
                    "target_sentiment",
                    "p_target_positive",
                    "p_target_negative",
                    "p_target_neutral",
                    "text",
                ]
                .join(",");
                header.push('\n');
                self.out.write_all(header.as_bytes())
            }
            Format::Html => self
                .out
                .write_all(html_head(model_description, &self.renderer.targets).as_bytes()),
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
                escape(&error.to_string())
            ),
            Format::Csv => Ok(()),
        }
    }

    /// How this writer renders an article, for rendering on worker threads;
    /// the bytes go out through [`write_rendered`](Self::write_rendered).
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// Articles written so far.
    pub fn articles_written(&self) -> usize {
        self.articles_written
    }

    /// Writes one article rendered by [`Renderer::article`] (with `first`
    /// true only when nothing had been written before it).
    pub fn write_rendered(&mut self, bytes: &[u8]) -> std::io::Result<()> {
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
            Format::Table => {
                writeln!(
                    self.out,
                    "corpus: {} articles, {} statements",
                    corpus.articles, corpus.statements
                )?;
                for t in &corpus.targets {
                    let counts = StanceCounts::from(t);
                    let stance =
                        counts.if_stance(|| format!("; mean article net stance {:+.2}", t.mean_article_net_stance));
                    writeln!(
                        self.out,
                        "  {}: mentioned in {} articles ({} statements{}){stance}",
                        t.target,
                        t.articles_mentioning,
                        t.statements_mentioning,
                        counts.describe(),
                    )?;
                }
            }
            Format::Html => self.out.write_all(html_tail(corpus).as_bytes())?,
            Format::Jsonl | Format::Csv => {}
        }
        self.out.flush()
    }
}

/// A target's counts as the table and the summaries print them.
struct StanceCounts<'a> {
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
    fn if_stance(&self, part: impl FnOnce() -> String) -> String {
        if self.has_stance() { part() } else { String::new() }
    }

    /// Whether the counts come from a stance classifier: a model trained
    /// only for sentiment toward targets decides no stance, so all three
    /// stance counts stay 0 while its sentiment counts do not.
    fn has_stance(&self) -> bool {
        self.sentiment.is_none() || self.favor + self.against + self.none > 0
    }

    /// `: 2 favor, 1 against, 0 none; sentiment toward it 1 positive, ...`
    /// (each part only when there is one).
    fn describe(&self) -> String {
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

/// Renders articles in one format; shared by worker threads.
#[derive(Debug, Clone)]
pub struct Renderer {
    format: Format,
    color: bool,
    targets: Vec<String>,
}

impl Renderer {
    /// Renders one article's results into `out`; `first` is whether it is
    /// the first article of the output (the `json` format separates
    /// articles with commas).
    pub fn article(
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
            Format::Csv => self.csv_rows(result, out)?,
            Format::Table => self.table(result, out)?,
            Format::Html => {
                let html = html_article(article, result);
                out.write_all(html.as_bytes())?;
            }
        }
        Ok(())
    }

    fn csv_rows(&self, result: &ArticleResult, out: &mut impl Write) -> std::io::Result<()> {
        fn p<L: Label>(d: &Decision<L>, label: L) -> String {
            d.probabilities
                .as_ref()
                .and_then(|m| m.get(label))
                .map_or(String::new(), |v| format!("{v:.4}"))
        }
        for st in &result.statements {
            let rows: Vec<Option<&crate::classify::TargetStance>> = if st.targets.is_empty() {
                vec![None]
            } else {
                st.targets.iter().map(Some).collect()
            };
            for t in rows {
                let stance = t.and_then(|t| t.stance.as_ref());
                let toward = t.and_then(|t| t.sentiment.as_ref());
                let fields: Vec<String> = vec![
                    result.id.clone(),
                    st.index.to_string(),
                    st.start.to_string(),
                    st.end.to_string(),
                    t.map_or(String::new(), |t| t.target.clone()),
                    t.map_or(String::new(), |t| t.mentioned.to_string()),
                    t.map_or(String::new(), |t| {
                        t.mentions
                            .iter()
                            .map(|m| m.alias.as_str())
                            .collect::<Vec<_>>()
                            .join("|")
                    }),
                    stance.map_or(String::new(), |d| d.label.to_string()),
                    stance.map_or(String::new(), |d| p(d, Stance::Favor)),
                    stance.map_or(String::new(), |d| p(d, Stance::Against)),
                    stance.map_or(String::new(), |d| p(d, Stance::None)),
                    st.sentiment.label.to_string(),
                    p(&st.sentiment, Sentiment::Positive),
                    p(&st.sentiment, Sentiment::Negative),
                    p(&st.sentiment, Sentiment::Neutral),
                    toward.map_or(String::new(), |d| d.label.to_string()),
                    toward.map_or(String::new(), |d| p(d, Sentiment::Positive)),
                    toward.map_or(String::new(), |d| p(d, Sentiment::Negative)),
                    toward.map_or(String::new(), |d| p(d, Sentiment::Neutral)),
                    st.text.clone(),
                ];
                let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
                writeln!(out, "{}", line.join(","))?;
            }
        }
        Ok(())
    }

    fn paint(&self, label: AnyLabel, text: &str) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match label {
            AnyLabel::Stance(Stance::Favor) | AnyLabel::Sentiment(Sentiment::Positive) => "32",
            AnyLabel::Stance(Stance::Against) | AnyLabel::Sentiment(Sentiment::Negative) => "31",
            AnyLabel::Stance(Stance::None) | AnyLabel::Sentiment(Sentiment::Neutral) => "2",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    fn table(&self, result: &ArticleResult, out: &mut impl Write) -> std::io::Result<()> {
        let heading = format!("== {} ({} statements)", result.id, result.statements.len());
        let heading = if self.color {
            format!("\x1b[1m{heading}\x1b[0m")
        } else {
            heading
        };
        writeln!(out, "{heading}")?;
        if result.statements.is_empty() {
            writeln!(out, "   no statements (empty or whitespace-only article)\n")?;
            return Ok(());
        }
        let width = 16;
        let mut header = format!("{:>4}  ", "#");
        for t in &self.targets {
            header.push_str(&format!("{:<width$}", truncate(t, width - 2)));
        }
        header.push_str(&format!("{:<15}statement", "sentiment"));
        writeln!(out, "{header}")?;
        for st in &result.statements {
            let mut line = format!("{:>4}  ", st.index);
            for t in &st.targets {
                // "favor 0.83", with the sentiment toward the target after
                // it ("favor 0.83 neg"), or alone ("negative 0.71") for a
                // model without stance.
                let cell = match (t.mentioned, &t.stance, &t.sentiment) {
                    (false, _, _) => "-".to_string(),
                    (true, Some(d), None) => format!("{} {:.2}", d.label, d.confidence),
                    (true, Some(d), Some(s)) => format!("{} {:.2} {}", d.label, d.confidence, &s.label.name()[..3]),
                    (true, None, Some(s)) => format!("{} {:.2}", s.label, s.confidence),
                    (true, None, None) => "?".to_string(),
                };
                let padded = format!("{cell:<width$}");
                let paint_as: AnyLabel = match (&t.stance, &t.sentiment) {
                    _ if !t.mentioned => Stance::None.into(),
                    (Some(d), _) => d.label.into(),
                    (None, Some(s)) => s.label.into(),
                    (None, None) => Stance::None.into(),
                };
                line.push_str(&self.paint(paint_as, &padded));
            }
            let sent = format!(
                "{:<15}",
                format!("{} {:.2}", st.sentiment.label, st.sentiment.confidence)
            );
            line.push_str(&self.paint(st.sentiment.label.into(), &sent));
            line.push_str(&truncate(&st.text.replace('\n', " "), 100));
            writeln!(out, "{line}")?;
            for t in &st.targets {
                for (what, decision) in t.decisions() {
                    if !decision.evidence.is_empty() {
                        let ev = evidence_text(decision.evidence);
                        writeln!(out, "{:>6}{} {what}{}: {ev}", "", t.target, decision.label)?;
                    }
                }
            }
            if !st.sentiment.evidence.is_empty() {
                let ev = evidence_text(&st.sentiment.evidence);
                writeln!(out, "{:>6}sentiment {}: {ev}", "", st.sentiment.label)?;
            }
        }
        for s in &result.summary {
            let counts = StanceCounts::from(s);
            let stance = counts.if_stance(|| format!("; net stance {:+.2}", s.net_stance));
            writeln!(
                out,
                "   {}: {} statements mention it{}{stance}",
                s.target,
                s.mentioning,
                counts.describe()
            )?;
        }
        writeln!(out)
    }
}

/// A decision's evidence as the table prints it: `"term" +0.42, ...`.
fn evidence_text(evidence: &[Evidence]) -> String {
    evidence
        .iter()
        .map(|e| format!("{:?} {:+.2}", e.term, e.contribution))
        .collect::<Vec<_>>()
        .join(", ")
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

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
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

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const HTML_STYLE: &str = r#"
body{font:15px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;background:#f6f7f7}
header{background:#1d2327;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c3c4c7;font-size:13px}
main{max-width:980px;margin:0 auto;padding:16px 24px}
.controls,.legend{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:8px 0}
.key{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:middle;margin-right:4px}
article{background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:14px 18px;margin:16px 0}
article h2{font-size:16px;margin:0 0 8px}
.text{white-space:pre-wrap}
.st{border-radius:3px;padding:1px 0}
.st sup{font-size:10px;color:#50575e;margin-left:2px}
.favor{background:#c6efce}.against{background:#ffc7ce}.none{background:#eef0f2}
.key.favor{background:#8fd19e}.key.against{background:#f28b96}.key.none{background:#d0d4d8}
.bars{display:grid;grid-template-columns:160px 1fr 130px;gap:4px 10px;align-items:center;font-size:13px;margin:6px 0 10px}
.bar{display:flex;height:14px;border-radius:3px;overflow:hidden;background:#eef0f2}
.bar span{display:block;height:100%}
.bar .favor{background:#8fd19e}.bar .against{background:#f28b96}.bar .none{background:#d0d4d8}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #dcdcde;text-align:left}
"#;

fn html_head(model: &str, targets: &[String]) -> String {
    let options: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| format!("<option value=\"{i}\">{}</option>", escape(t)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>stance report</title><style>{HTML_STYLE}</style></head><body>\n<header><h1>stance report</h1><p>{}</p></header><main>\n<div class=\"controls\"><label>Highlight stance toward <select id=\"target\">{options}</select></label> <span id=\"statement-count\"></span></div>\n<div class=\"legend\"><span><span class=\"key favor\"></span>favor</span><span><span class=\"key against\"></span>against</span><span><span class=\"key none\"></span>none / not mentioned</span><span>Hover a statement for every probability.</span></div>\n",
        escape(model)
    )
}

fn html_article(article: &Article, result: &ArticleResult) -> String {
    let mut out = format!(
        "<article data-statements=\"{}\"><h2>{}</h2>\n<div class=\"bars\">",
        result.statements.len(),
        escape(&result.id)
    );
    for s in &result.summary {
        let n = s.mentioning.max(1) as f32;
        let counts = StanceCounts::from(s);
        let net = counts.if_stance(|| format!(", net {:+.2}", s.net_stance));
        out.push_str(&format!(
            "<div>{}</div><div class=\"bar\" title=\"{}\"><span class=\"favor\" style=\"width:{:.1}%\"></span><span class=\"against\" style=\"width:{:.1}%\"></span><span class=\"none\" style=\"width:{:.1}%\"></span></div><div>{} statement{} mentioning{net}</div>",
            escape(&s.target),
            escape(counts.describe().trim_start_matches(": ")),
            100.0 * s.favor as f32 / n,
            100.0 * s.against as f32 / n,
            100.0 * s.none as f32 / n,
            s.mentioning,
            if s.mentioning == 1 { "" } else { "s" },
        ));
    }
    out.push_str("</div>\n<div class=\"text\">");
    if result.statements.is_empty() {
        out.push_str("<em>No statements (empty or whitespace-only article).</em>");
    }
    let text = &article.text;
    let mut pos = 0;
    for st in &result.statements {
        out.push_str(&escape(&text[pos.min(st.start)..st.start]));
        let stances: Vec<String> = st
            .targets
            .iter()
            .map(|t| match &t.stance {
                Some(d) if t.mentioned => d.label.to_string(),
                _ => "none".into(),
            })
            .collect();
        let mut title = String::new();
        for t in &st.targets {
            if !t.mentioned {
                title.push_str(&format!("{}: not mentioned\n", t.target));
                continue;
            }
            for (what, d) in t.decisions() {
                let probs: Vec<String> = d.probabilities.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
                title.push_str(&format!("{}: {what}{} ({})\n", t.target, d.label, probs.join(", ")));
            }
        }
        title.push_str(&format!(
            "sentiment: {} {:.2}",
            st.sentiment.label, st.sentiment.confidence
        ));
        let first = stances.first().cloned().unwrap_or_else(|| "none".into());
        let conf = st
            .targets
            .first()
            .filter(|t| t.mentioned)
            .and_then(|t| t.stance.as_ref())
            .map(|d| format!("<sup>{:.2}</sup>", d.confidence))
            .unwrap_or_default();
        out.push_str(&format!(
            "<span class=\"st {first}\" data-stances=\"{}\" data-confidences=\"{}\" title=\"{}\">{}{conf}</span>",
            stances.join(" "),
            st.targets
                .iter()
                .map(|t| match &t.stance {
                    Some(d) if t.mentioned => format!("{:.2}", d.confidence),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            escape(&title),
            escape(&text[st.start..st.end])
        ));
        pos = st.end;
    }
    out.push_str(&escape(&text[pos.min(text.len())..]));
    out.push_str("</div></article>\n");
    out
}

fn html_tail(corpus: &CorpusSummary) -> String {
    // Sentiment toward targets (a `--sentiment-toward-target` model) gets
    // three more columns; a model without stance leaves the stance ones empty.
    let with_sentiment = corpus.targets.iter().any(|t| t.sentiment.is_some());
    let rows: String = corpus
        .targets
        .iter()
        .map(|t| {
            let counts = StanceCounts::from(t);
            let stance = if counts.has_stance() {
                format!(
                    "<td>{}</td><td>{}</td><td>{}</td><td>{:+.2}</td>",
                    t.favor, t.against, t.none, t.mean_article_net_stance
                )
            } else {
                "<td></td>".repeat(4)
            };
            let sentiment = match (with_sentiment, &t.sentiment) {
                (false, _) => String::new(),
                (true, Some(s)) => format!("<td>{}</td><td>{}</td><td>{}</td>", s.positive, s.negative, s.neutral),
                (true, None) => "<td></td>".repeat(3),
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td>{stance}{sentiment}</tr>",
                escape(&t.target),
                t.articles_mentioning,
                t.statements_mentioning,
            )
        })
        .collect();
    let sentiment_headers = if with_sentiment {
        "<th>positive toward</th><th>negative toward</th><th>neutral toward</th>"
    } else {
        ""
    };
    format!(
        "<section id=\"corpus\"><h2>Corpus</h2><p>{} articles, <span id=\"total-statements\">{}</span> statements. The net stance of an article is (favor − against) / statements mentioning the target; the corpus figure averages articles.</p><table><tr><th>target</th><th>articles</th><th>statements</th><th>favor</th><th>against</th><th>none</th><th>mean net</th>{sentiment_headers}</tr>{rows}</table></section>\n</main><script>\nconst sel=document.getElementById('target');\nfunction paint(){{const i=+sel.value;document.querySelectorAll('.st').forEach(e=>{{const s=(e.dataset.stances||'').split(' ');const c=(e.dataset.confidences||'').split(' ');e.className='st '+(s[i]||'none');const sup=e.querySelector('sup');if(sup)sup.remove();if(c[i]){{const x=document.createElement('sup');x.textContent=c[i];e.appendChild(x);}}}});}}\nsel.addEventListener('change',paint);\nconst n=document.querySelectorAll('.st').length;document.getElementById('statement-count').textContent=n+' statements in '+document.querySelectorAll('article').length+' articles';document.body.dataset.statements=n;\n</script></body></html>\n",
        corpus.articles, corpus.statements
    )
}
