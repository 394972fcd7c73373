//! The `table` format: for a person at a terminal, aligned, coloured when
//! asked, with each article's summary and the corpus line.

use std::io::Write;

use crate::classify::{ArticleResult, CorpusSummary};
use crate::labels::{AnyLabel, Label, Sentiment, Stance};
use crate::model::decision::Evidence;
use crate::output::{StanceCounts, plural};
use crate::prevalence::Prevalence;

/// One article's statements, decisions and summary.
pub(super) fn article(
    result: &ArticleResult,
    targets: &[String],
    color: bool,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let heading = format!(
        "== {} ({})",
        result.id,
        plural(result.statements.len(), "statement", "statements")
    );
    let heading = if color {
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
    for t in targets {
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
            line.push_str(&paint(color, paint_as, &padded));
        }
        let sent = format!(
            "{:<15}",
            format!("{} {:.2}", st.sentiment.label, st.sentiment.confidence)
        );
        line.push_str(&paint(color, st.sentiment.label.into(), &sent));
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
            "   {}: {}{}{stance}",
            s.target,
            plural(s.mentioning, "statement mentions it", "statements mention it"),
            counts.describe()
        )?;
        if let Some(p) = &s.prevalence {
            writeln!(out, "   {:w$}  {}", "", corrected(p), w = s.target.chars().count())?;
        }
    }
    writeln!(out)
}

/// The corpus lines that end the table.
pub(super) fn corpus(corpus: &CorpusSummary, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "corpus: {}, {}",
        plural(corpus.articles, "article", "articles"),
        plural(corpus.statements, "statement", "statements")
    )?;
    for t in &corpus.targets {
        let counts = StanceCounts::from(t);
        let stance = counts.if_stance(|| format!("; mean article net stance {:+.2}", t.mean_article_net_stance));
        writeln!(
            out,
            "  {}: mentioned in {} ({}{}){stance}",
            t.target,
            plural(t.articles_mentioning, "article", "articles"),
            plural(t.statements_mentioning, "statement", "statements"),
            counts.describe(),
        )?;
        if let Some(p) = &t.prevalence {
            writeln!(out, "  {:w$}  {}", "", corrected(p), w = t.target.chars().count())?;
        }
    }
    Ok(())
}

/// The corrected prevalence as the table prints it.
fn corrected(p: &Prevalence) -> String {
    format!(
        "corrected for the model's errors, over {}: favor {:.2}, against {:.2}; net {:+.2} (95% interval {:+.2} to {:+.2}; counted {:+.2})",
        plural(p.statements, "statement", "statements"),
        p.corrected.favor,
        p.corrected.against,
        p.net.corrected,
        p.net.low,
        p.net.high,
        p.net.raw
    )
}

fn paint(color: bool, label: AnyLabel, text: &str) -> String {
    if !color {
        return text.to_string();
    }
    let code = match label {
        AnyLabel::Stance(Stance::Favor) | AnyLabel::Sentiment(Sentiment::Positive) => "32",
        AnyLabel::Stance(Stance::Against) | AnyLabel::Sentiment(Sentiment::Negative) => "31",
        AnyLabel::Stance(Stance::None) | AnyLabel::Sentiment(Sentiment::Neutral) => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// A decision's evidence as the table prints it: `"term" +0.42, ...`.
fn evidence_text(evidence: &[Evidence]) -> String {
    evidence
        .iter()
        .map(|e| format!("{:?} {:+.2}", e.text, e.contribution))
        .collect::<Vec<_>>()
        .join(", ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}
