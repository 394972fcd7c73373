//! Classifying articles: statements, mentions, stance per target, sentiment,
//! and the per-article summary an analyst reads first.
//!
//! An article is split into statements; for each statement and target the
//! aliases are searched, and only a mentioned target is given to the stance
//! classifier (an unmentioned one is `none` by rule). Sentiment is decided
//! for every statement. Each decision can carry its evidence: the n-grams
//! whose weight times feature value pushed it most. Summaries count per
//! target so that long articles do not dominate a corpus: the corpus line
//! averages per-article scores.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::articles::Article;
use crate::error::{Error, Result};
use crate::mentions::{Mention, MentionFinder};
use crate::model::{Model, TextClassifier};
use crate::ngrams::{Segments, TermExtractor, TermSettings};
use crate::segment::split_statements;
use crate::targets::{MentionMask, TargetSpec, same_target};

/// A decision with its probabilities and, when asked, its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub label: String,
    pub confidence: f32,
    /// Probability of every label (absent for a target that is not mentioned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<BTreeMap<String, f32>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// An n-gram and how much it pushed a decision (weight x feature value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub term: String,
    pub contribution: f32,
}

/// A statement's stance toward one target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStance {
    pub target: String,
    pub mentioned: bool,
    /// Mentions, with byte offsets into the article.
    pub mentions: Vec<Mention>,
    pub stance: Decision,
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
    /// The dateline or bullet marker before the statement, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    pub targets: Vec<TargetStance>,
    pub sentiment: Decision,
}

/// The most confident statement one way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Highlight {
    pub index: usize,
    pub confidence: f32,
    pub text: String,
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
}

/// An article's statements and summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleResult {
    pub id: String,
    pub statements: Vec<StatementResult>,
    pub summary: Vec<TargetSummary>,
}

/// The unmasked segments of one statement, made once and shared by every
/// classifier that uses the same term settings (typically all of them: each
/// target's stance and the sentiment).
#[derive(Default)]
struct StatementTerms {
    cached: Option<(TermSettings, Segments)>,
}

impl StatementTerms {
    fn get(&mut self, extractor: &mut TermExtractor, settings: &TermSettings, text: &str) -> &Segments {
        if !self.cached.as_ref().is_some_and(|(s, _)| s == settings) {
            self.cached = Some((settings.clone(), extractor.segments(settings, text, None)));
        }
        &self.cached.as_ref().expect("just filled").1
    }
}

/// Classifies articles with a model. Cheap to share across threads; each
/// thread brings its own [`TermExtractor`].
pub struct ArticleClassifier<'m> {
    model: &'m Model,
    targets: Vec<(TargetSpec, MentionFinder, &'m TextClassifier, Option<MentionMask>)>,
    sentiment: Option<&'m TextClassifier>,
    explain: usize,
}

impl<'m> ArticleClassifier<'m> {
    /// Uses the model's targets, or `targets` (aliases replacing the model's
    /// for targets of the same name) when given. `explain` is the number of
    /// evidence n-grams per decision (0 for none).
    pub fn new(model: &'m Model, targets: Option<&[TargetSpec]>, explain: usize) -> Result<Self> {
        let specs: Vec<TargetSpec> = match targets {
            Some(t) => t.to_vec(),
            None => model.targets.clone(),
        };
        let mut resolved = Vec::new();
        if model.stance.is_some() {
            for spec in &specs {
                let (classifier, _) = model.stance_classifier(&spec.name)?;
                let finder = MentionFinder::new(spec);
                let mask = classifier.mask_for(spec, &specs);
                resolved.push((spec.clone(), finder, classifier, mask));
            }
        }
        if resolved.is_empty() && model.sentiment.is_none() {
            return Err(Error::Settings("the model has nothing to classify with".into()));
        }
        Ok(ArticleClassifier {
            model,
            targets: resolved,
            sentiment: model.sentiment.as_ref(),
            explain,
        })
    }

    /// The target names, in output order.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|(t, _, _, _)| t.name.as_str()).collect()
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        self.model
    }

    /// Classifies articles in parallel on the current rayon pool, each
    /// worker with its own stem cache; results come in input order and do not
    /// depend on the number of threads.
    pub fn classify_all(&self, articles: &[Article]) -> Vec<ArticleResult> {
        use rayon::prelude::*;
        articles
            .par_iter()
            .map_init(TermExtractor::default, |ex, a| self.classify(ex, &a.id, &a.text))
            .collect()
    }

    /// Classifies one article.
    pub fn classify(&self, extractor: &mut TermExtractor, id: &str, text: &str) -> ArticleResult {
        let statements: Vec<StatementResult> = split_statements(text)
            .into_iter()
            .enumerate()
            .map(|(index, st)| {
                let body = &text[st.start..st.end];
                let mut terms = StatementTerms::default();
                let targets = self
                    .targets
                    .iter()
                    .map(|target| {
                        let mut stance = self.target_stance(extractor, &mut terms, body, target);
                        for m in &mut stance.mentions {
                            m.start += st.start;
                            m.end += st.start;
                        }
                        stance
                    })
                    .collect();
                let sentiment = match self.sentiment {
                    Some(c) => self.decide(c, extractor, &mut terms, body, None),
                    None => Decision {
                        label: "neutral".into(),
                        confidence: 0.0,
                        probabilities: None,
                        evidence: Vec::new(),
                    },
                };
                StatementResult {
                    index,
                    start: st.start,
                    end: st.end,
                    text: body.to_string(),
                    dateline: st.prefix.map(|(a, b)| text[a..b].to_string()),
                    targets,
                    sentiment,
                }
            })
            .collect();
        let summary = self
            .targets
            .iter()
            .map(|(spec, _, _, _)| summarize(&spec.name, &statements))
            .collect();
        ArticleResult {
            id: id.to_string(),
            statements,
            summary,
        }
    }

    /// The stance of one statement toward one of the classifier's targets:
    /// `none` by rule when the statement does not mention it.
    fn target_stance(
        &self,
        extractor: &mut TermExtractor,
        terms: &mut StatementTerms,
        statement: &str,
        (spec, finder, classifier, mask): &(TargetSpec, MentionFinder, &TextClassifier, Option<MentionMask>),
    ) -> TargetStance {
        let mentions = finder.find(statement);
        let stance = if mentions.is_empty() {
            Decision {
                label: "none".into(),
                confidence: 1.0,
                probabilities: None,
                evidence: Vec::new(),
            }
        } else {
            self.decide(classifier, extractor, terms, statement, mask.as_ref())
        };
        TargetStance {
            target: spec.name.clone(),
            mentioned: !mentions.is_empty(),
            mentions,
            stance,
        }
    }

    /// The stance of a single statement toward the target named `target`
    /// (mentions offsets relative to the statement), as `classify` decides it.
    pub fn statement_stance(
        &self,
        extractor: &mut TermExtractor,
        statement: &str,
        target: &str,
    ) -> Result<TargetStance> {
        let entry = self
            .targets
            .iter()
            .find(|(spec, _, _, _)| same_target(&spec.name, target))
            .ok_or_else(|| {
                Error::Settings(format!(
                    "no target \"{target}\" in this classifier (it has: {})",
                    self.target_names().join(", ")
                ))
            })?;
        Ok(self.target_stance(extractor, &mut StatementTerms::default(), statement, entry))
    }

    fn decide(
        &self,
        classifier: &TextClassifier,
        extractor: &mut TermExtractor,
        terms: &mut StatementTerms,
        text: &str,
        mask: Option<&MentionMask>,
    ) -> Decision {
        let row = match mask {
            Some(_) => classifier.featurize(extractor, text, mask),
            None => {
                let segments = terms.get(extractor, &classifier.terms, text);
                classifier.featurize_segments(extractor, segments)
            }
        };
        let prediction = classifier.predict_row(&row);
        let class = classifier
            .classifier
            .classes()
            .iter()
            .position(|c| *c == prediction.label)
            .unwrap_or(0);
        let evidence = if self.explain > 0 {
            let mut pushes: Vec<(u32, f32)> = row
                .iter()
                .map(|&(f, v)| (f, v * classifier.classifier.weight(f as usize, class)))
                .filter(|&(_, c)| c > 0.0)
                .collect();
            pushes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            pushes
                .into_iter()
                .take(self.explain)
                .map(|(f, c)| Evidence {
                    term: classifier.vectorizer.term(f).to_string(),
                    contribution: c,
                })
                .collect()
        } else {
            Vec::new()
        };
        Decision {
            label: prediction.label,
            confidence: prediction.confidence,
            probabilities: Some(prediction.probabilities.into_iter().collect()),
            evidence,
        }
    }
}

fn summarize(target: &str, statements: &[StatementResult]) -> TargetSummary {
    let mut s = TargetSummary {
        target: target.to_string(),
        mentioning: 0,
        favor: 0,
        against: 0,
        none: 0,
        net_stance: 0.0,
        most_favor: None,
        most_against: None,
    };
    for st in statements {
        let Some(t) = st.targets.iter().find(|t| same_target(&t.target, target)) else {
            continue;
        };
        if !t.mentioned {
            continue;
        }
        s.mentioning += 1;
        let slot = match t.stance.label.as_str() {
            "favor" => {
                s.favor += 1;
                &mut s.most_favor
            }
            "against" => {
                s.against += 1;
                &mut s.most_against
            }
            _ => {
                s.none += 1;
                continue;
            }
        };
        if slot.as_ref().is_none_or(|h| t.stance.confidence > h.confidence) {
            *slot = Some(Highlight {
                index: st.index,
                confidence: t.stance.confidence,
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
            if s.mentioning > 0 {
                t.articles_mentioning += 1;
                self.net_sums[pos] += s.net_stance as f64;
                t.mean_article_net_stance = (self.net_sums[pos] / t.articles_mentioning as f64) as f32;
            }
        }
    }
}
