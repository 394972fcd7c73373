//! Summaries: per article and over a corpus, how often and which way each
//! target is spoken of; an article's result is its statements with its
//! summary.
//!
//! Counts are per target over the statements that mention it. The corpus
//! line averages per-article net stance so that long articles do not
//! dominate it. With a calibrated model, and when asked, each also carries
//! the prevalence of each stance corrected for the classifier's errors
//! ([`crate::prevalence`]); the corpus estimates it from a bounded,
//! seeded sample of the mentioning statements, so memory stays bounded.

use serde::Serialize;

use crate::classify::result::StatementResult;
use crate::labels::{Label, Sentiment, Stance};
use crate::prevalence::Prevalence;
use crate::scores::round_figure;
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
    #[serde(serialize_with = "crate::scores::rounded_f32")]
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
    #[serde(serialize_with = "crate::scores::rounded_f32")]
    pub net_stance: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_favor: Option<Highlight>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub most_against: Option<Highlight>,
    /// Sentiment toward the target over the statements mentioning it (a
    /// model trained with `--sentiment-toward-target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentCounts>,
    /// Shares of each stance over the article's statements, counted and
    /// corrected, with the net stance's interval (a calibrated model, when
    /// asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevalence: Option<Prevalence>,
}

/// The statements mentioning `target`: each its label and calibrated
/// probabilities in label order (for the prevalence estimate).
pub(crate) fn mentioning(target: &str, statements: &[StatementResult]) -> Vec<(Stance, [f32; 3])> {
    statements
        .iter()
        .filter(|st| st.counts())
        .filter_map(|st| st.targets.iter().find(|t| same_target(&t.target, target)))
        .filter(|t| t.mentioned)
        .filter_map(|t| {
            let d = t.stance.as_ref()?;
            let p = d.probabilities.as_ref()?;
            // As printed (rounded), so estimates from `classify` output
            // read back are the same.
            Some((
                d.label,
                Stance::ALL.map(|l| round_figure(p.get(l).unwrap_or(0.0) as f64) as f32),
            ))
        })
        .collect()
}

/// How many of `statements` count in summaries (those not page furniture).
pub(crate) fn counted(statements: &[StatementResult]) -> usize {
    statements.iter().filter(|s| s.counts()).count()
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
        prevalence: None,
    };
    for st in statements.iter().filter(|st| st.counts()) {
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
    #[serde(serialize_with = "crate::scores::rounded_f32")]
    pub mean_article_net_stance: f32,
    /// Sentiment toward the target, summed over statements (a model
    /// trained with `--sentiment-toward-target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<SentimentCounts>,
    /// Shares of each stance over the corpus's statements, counted and
    /// corrected (see [`ArticleClassifier::estimate_corpus`]).
    ///
    /// [`ArticleClassifier::estimate_corpus`]: crate::classify::ArticleClassifier::estimate_corpus
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevalence: Option<Prevalence>,
}

/// Most mentioning statements per target the corpus estimate is made from;
/// beyond it, a uniform sample of this many.
pub(crate) const CORPUS_SAMPLE: usize = 10_000;

/// A uniform sample (reservoir sampling, seeded by position) of the
/// statements mentioning a target, with how many were seen.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Reservoir {
    pub seen: usize,
    pub rows: Vec<(Stance, [f32; 3])>,
}

impl Reservoir {
    fn add(&mut self, row: (Stance, [f32; 3])) {
        self.seen += 1;
        if self.rows.len() < CORPUS_SAMPLE {
            self.rows.push(row);
            return;
        }
        // splitmix64 of the position: the same input, the same sample.
        let mut z = (self.seen as u64).wrapping_add(0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^= z >> 31;
        let j = (z % self.seen as u64) as usize;
        if j < CORPUS_SAMPLE {
            self.rows[j] = row;
        }
    }
}

/// A running corpus summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CorpusSummary {
    pub articles: usize,
    pub statements: usize,
    pub targets: Vec<CorpusTargetSummary>,
    #[serde(skip)]
    net_sums: Vec<f64>,
    /// Per target, the sample its corrected prevalence is estimated from.
    #[serde(skip)]
    pub(crate) samples: Vec<Reservoir>,
}

impl CorpusSummary {
    /// Adds an article's figures.
    pub fn add(&mut self, article: &ArticleResult) {
        self.articles += 1;
        self.statements += counted(&article.statements);
        for s in &article.summary {
            let pos = match self.targets.iter().position(|t| t.target == s.target) {
                Some(p) => p,
                None => {
                    self.targets.push(CorpusTargetSummary {
                        target: s.target.clone(),
                        ..Default::default()
                    });
                    self.net_sums.push(0.0);
                    self.samples.push(Reservoir::default());
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
            if s.prevalence.is_some() {
                for row in mentioning(&s.target, &article.statements) {
                    self.samples[pos].add(row);
                }
            }
            if s.mentioning > 0 {
                t.articles_mentioning += 1;
                self.net_sums[pos] += s.net_stance as f64;
                t.mean_article_net_stance = (self.net_sums[pos] / t.articles_mentioning as f64) as f32;
            }
        }
    }
}
