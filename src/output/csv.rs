//! The `csv` format: one row per statement and target, with every
//! probability in its own column, for spreadsheets and data frames.

use std::io::Write;

use crate::classify::{ArticleResult, TargetStance};
use crate::labels::{Label, Sentiment, Stance};
use crate::model::decision::Decision;

/// The columns, in order.
const COLUMNS: [&str; 20] = [
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
];

/// The header line.
pub(super) fn header() -> String {
    let mut header = COLUMNS.join(",");
    header.push('\n');
    header
}

pub(super) fn rows(result: &ArticleResult, out: &mut impl Write) -> std::io::Result<()> {
    fn p<L: Label>(d: &Decision<L>, label: L) -> String {
        d.probabilities
            .as_ref()
            .and_then(|m| m.get(label))
            .map_or(String::new(), |v| format!("{v:.4}"))
    }
    for st in &result.statements {
        let rows: Vec<Option<&TargetStance>> = if st.targets.is_empty() {
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

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
