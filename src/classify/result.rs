//! Results: what classifying an article gives, as the output formats and
//! library users read it.
//!
//! An [`ArticleResult`](super::summary::ArticleResult) holds the article's statements, each with its byte
//! span, its stance toward every target (with the mentions found) and its
//! sentiment, and the per-target summary of the article. Every type here
//! serializes to the JSON the `jsonl` and `json` formats print.

use serde::Serialize;

use crate::labels::{AnyLabel, Label, Sentiment, Stance};
use crate::model::decision::{Decision, Evidence};
use crate::text::mentions::Mention;

/// A statement's stance (and sentiment, when the model has it) toward one
/// target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStance {
    pub target: String,
    pub mentioned: bool,
    /// Mentions, with byte offsets into the article.
    pub mentions: Vec<Mention>,
    /// Absent when the model has no stance classifier (a model trained
    /// only for sentiment toward targets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stance: Option<Decision<Stance>>,
    /// The sentiment toward the target, for a model trained with
    /// `--sentiment-toward-target`; absent otherwise and when the target is
    /// not mentioned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Decision<Sentiment>>,
}

/// A decision of either task, as output formats show it.
#[derive(Debug, Clone)]
pub struct DecisionView<'a> {
    pub label: AnyLabel,
    pub confidence: f32,
    /// (label, probability) in alphabetical label order.
    pub probabilities: Vec<(&'static str, f32)>,
    pub evidence: &'a [Evidence],
}

impl<'a> DecisionView<'a> {
    fn of<L: Label>(d: &'a Decision<L>) -> Self {
        DecisionView {
            label: d.label.into(),
            confidence: d.confidence,
            probabilities: d
                .probabilities
                .iter()
                .flat_map(|p| p.iter())
                .map(|(l, p)| (l.name(), p))
                .collect(),
            evidence: &d.evidence,
        }
    }
}

impl TargetStance {
    /// Moves the byte offsets of its mentions and evidence `by` bytes
    /// (from the statement into the article).
    pub(crate) fn offset_by(&mut self, by: usize) {
        for m in &mut self.mentions {
            m.start += by;
            m.end += by;
        }
        self.stance = self.stance.take().map(|d| d.offset_by(by));
        self.sentiment = self.sentiment.take().map(|d| d.offset_by(by));
    }

    /// The stance and the sentiment toward the target, those the model
    /// gave, each with a prefix naming what it is (`""`, `"sentiment "`).
    pub fn decisions(&self) -> Vec<(&'static str, DecisionView<'_>)> {
        let stance = self.stance.as_ref().map(|d| ("", DecisionView::of(d)));
        let sentiment = self.sentiment.as_ref().map(|d| ("sentiment ", DecisionView::of(d)));
        stance.into_iter().chain(sentiment).collect()
    }
}

impl StatementResult {
    /// Whether it counts in summaries (it is not page furniture).
    pub fn counts(&self) -> bool {
        !self.furniture
    }
}

/// One statement of an article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementResult {
    /// Position in the article, from 0.
    pub index: usize,
    /// Byte offsets of the statement in the article text.
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The dateline before the statement (`MOSCOW (Reuters) -`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    /// The bullet marker before the statement (`-`, `*`, `1.`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bullet: Option<String>,
    /// Page furniture ("Related Content", "Share this article", a line of
    /// a word or two), not a statement: classified like one, but left out
    /// of every summary and count.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub furniture: bool,
    pub targets: Vec<TargetStance>,
    pub sentiment: Decision<Sentiment>,
}
