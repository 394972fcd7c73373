//! Summaries: per article and over a corpus, how often and which way each
//! target is spoken of; an article's result is its statements with its
//! summary.
//!
//! Counts are per target over the statements that mention it. The corpus
//! line averages per-article net stance so that long articles do not
//! dominate it.

use serde::Serialize;

use crate::classify::result::StatementResult;
use crate::labels::{Sentiment, Stance};
use crate::text::targets::same_target;

/// An article's result: its statements and its summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleResult {
    pub id: String,
    pub statements: Vec<StatementResult>,
    pub summary: Vec<TargetSummary>,
}

/// The most confident statement one way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Highlight {
    pub index: usize,
    pub confidence: f32,
    pub text: String,
}

/// How many statements speak positively, negatively or neutrally about a
/// target (with a model trained with `--sentiment-toward-target`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SentimentCounts {
    pub positive: usize,
    pub negative: usize,
    pub neutral: usize,
}

impl SentimentCounts {
    fn add(&mut self, label: Sentiment) {
        match label {
            Sentiment::Positive => self.positive += 1,
            Sentiment::Negative => self.negative += 1,
            Sentiment::Neutral => self.neutral += 1,
        }
    }

    fn add_counts(&mut self, other: &SentimentCounts) {
        self.positive += other.positive;
        self.negative += other.negative;
        self.neutral += other.neutral;
    }
}

/// Per article and target: how often and which way it is mentioned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSummary {
    pub target: String,
    /// Statements that mention the target.
    pub mentioning: usize,
    pub favor: usize,
    pub against: usize,
    pub none: usize,
    /// (favor - against) / mentioning, in [-1, 1]; 0 when not mentioned.
    pub net_stance: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_favor: Option<Highlight>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_against: Option<Highlight>,
    /// Sentiment toward the target over the statements mentioning it (a
    /// model trained with `--sentiment-toward-target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentCounts>,
}

pub(crate) fn summarize(target: &str, statements: &[StatementResult]) -> TargetSummary {
    let mut s = TargetSummary {
        target: target.to_string(),
        mentioning: 0,
        favor: 0,
        against: 0,
        none: 0,
        net_stance: 0.0,
        most_favor: None,
        most_against: None,
        sentiment: None,
    };
    for st in statements {
        let Some(t) = st.targets.iter().find(|t| same_target(&t.target, target)) else {
            continue;
        };
        if !t.mentioned {
            continue;
        }
        s.mentioning += 1;
        if let Some(sentiment) = &t.sentiment {
            s.sentiment
                .get_or_insert_with(SentimentCounts::default)
                .add(sentiment.label);
        }
        let Some(stance) = &t.stance else {
            continue;
        };
        let slot = match stance.label {
            Stance::Favor => {
                s.favor += 1;
                &mut s.most_favor
            }
            Stance::Against => {
                s.against += 1;
                &mut s.most_against
            }
            Stance::None => {
                s.none += 1;
                continue;
            }
        };
        if slot.as_ref().is_none_or(|h| stance.confidence > h.confidence) {
            *slot = Some(Highlight {
                index: st.index,
                confidence: stance.confidence,
                text: st.text.clone(),
            });
        }
    }
    if s.mentioning > 0 {
        s.net_stance = (s.favor as f32 - s.against as f32) / s.mentioning as f32;
    }
    s
}

/// Corpus figures per target, averaging articles so long ones do not dominate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CorpusTargetSummary {
    pub target: String,
    /// Articles with at least one statement mentioning the target.
    pub articles_mentioning: usize,
    pub statements_mentioning: usize,
    pub favor: usize,
    pub against: usize,
    pub none: usize,
    /// Mean of the per-article net stance over articles that mention it.
    pub mean_article_net_stance: f32,
    /// Sentiment toward the target, summed over statements (a model
    /// trained with `--sentiment-toward-target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentCounts>,
}

/// A running corpus summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CorpusSummary {
    pub articles: usize,
    pub statements: usize,
    pub targets: Vec<CorpusTargetSummary>,
    #[serde(skip)]
    net_sums: Vec<f64>,
}

impl CorpusSummary {
    /// Adds an article's figures.
    pub fn add(&mut self, article: &ArticleResult) {
        self.articles += 1;
        self.statements += article.statements.len();
        for s in &article.summary {
            let pos = match self.targets.iter().position(|t| t.target == s.target) {
                Some(p) => p,
                None => {
                    self.targets.push(CorpusTargetSummary {
                        target: s.target.clone(),
                        ..Default::default()
                    });
                    self.net_sums.push(0.0);
                    self.targets.len() - 1
                }
            };
            let t = &mut self.targets[pos];
            t.statements_mentioning += s.mentioning;
            t.favor += s.favor;
            t.against += s.against;
            t.none += s.none;
            if let Some(counts) = &s.sentiment {
                t.sentiment
                    .get_or_insert_with(SentimentCounts::default)
                    .add_counts(counts);
            }
            if s.mentioning > 0 {
                t.articles_mentioning += 1;
                self.net_sums[pos] += s.net_stance as f64;
                t.mean_article_net_stance = (self.net_sums[pos] / t.articles_mentioning as f64) as f32;
            }
        }
    }
}
