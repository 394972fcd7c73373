//! Classifying articles: statements, mentions, stance per target, sentiment,
//! and the per-article summary an analyst reads first.
//!
//! An article is split into statements; for each statement and target the
//! aliases are searched, and only a mentioned target is given to the stance
//! classifier (an unmentioned one is `none` by rule). Sentiment is decided
//! for every statement, and, with a model whose sentiment classifier was
//! fitted toward a target (`--sentiment-toward-target`), also toward each
//! mentioned target, with the target's mentions masked as in training.
//! Each decision can carry its evidence: the n-grams
//! whose weight times feature value pushed it most. Summaries count per
//! target so that long articles do not dominate a corpus: the corpus line
//! averages per-article scores.

use serde::Serialize;

use crate::data::articles::Article;
use crate::error::{Error, Result};
use crate::features::compiled::CompiledScorer;
use crate::features::terms::TermExtractor;
use crate::labels::{AnyLabel, Label, Sentiment, Stance};
use crate::model::decision::{ClassLabels, Decision, Evidence};
use crate::model::logistic::argmax;
use crate::model::{Model, TextClassifier};
use crate::text::mentions::{Mention, MentionFinder};
use crate::text::segment::split_statements;
use crate::text::targets::{MentionMask, TargetSpec, same_target};
use crate::text::tokenize::{Token, TokenKind, tokenize};

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
            probabilities: d.probabilities.iter().flat_map(|p| p.iter()).map(|(l, p)| (l.name(), p)).collect(),
            evidence: &d.evidence,
        }
    }
}

impl TargetStance {
    /// The stance and the sentiment toward the target, those the model
    /// gave, each with a prefix naming what it is (`""`, `"sentiment "`).
    pub fn decisions(&self) -> Vec<(&'static str, DecisionView<'_>)> {
        let stance = self.stance.as_ref().map(|d| ("", DecisionView::of(d)));
        let sentiment = self.sentiment.as_ref().map(|d| ("sentiment ", DecisionView::of(d)));
        stance.into_iter().chain(sentiment).collect()
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
    /// The dateline or bullet marker before the statement, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    pub targets: Vec<TargetStance>,
    pub sentiment: Decision<Sentiment>,
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

/// An article's statements and summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleResult {
    pub id: String,
    pub statements: Vec<StatementResult>,
    pub summary: Vec<TargetSummary>,
}

/// A classifier as an [`ArticleClassifier`] uses it, deciding labels of `L`.
struct Decider<'m, L: Label> {
    classifier: &'m TextClassifier,
    /// Its head in the compiled scorer, if it is merged there.
    head: Option<usize>,
    labels: ClassLabels<L>,
}

/// One target of an [`ArticleClassifier`].
struct TargetEntry<'m> {
    spec: TargetSpec,
    finder: MentionFinder,
    /// The stance classifier and the mask it applies (none without stance).
    stance: Option<(Decider<'m, Stance>, Option<MentionMask>)>,
    /// The mask the sentiment classifier applies for sentiment toward this
    /// target; `None` unless it was fitted toward targets
    /// (`--sentiment-toward-target`).
    sentiment_mask: Option<MentionMask>,
}

/// Classifies articles with a model. Cheap to share across threads; each
/// thread brings its own [`TermExtractor`].
pub struct ArticleClassifier<'m> {
    model: &'m Model,
    targets: Vec<TargetEntry<'m>>,
    sentiment: Option<Decider<'m, Sentiment>>,
    /// The classifiers that mask nothing, merged (see [`crate::features::compiled`]).
    scorer: Option<CompiledScorer>,
    explain: usize,
}

/// Per statement: its tokens other than clause boundaries (for the mention
/// finders), and each merged head's probabilities.
struct StatementScores {
    words: Vec<Token>,
    /// Probabilities of every merged head (see [`CompiledScorer::head_range`]).
    heads: Vec<f32>,
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
        let toward_target = model.sentiment.as_ref().filter(|c| c.mask_target);
        let mut resolved = Vec::new();
        if model.stance.is_some() || toward_target.is_some() {
            for spec in &specs {
                let stance = match model.stance {
                    Some(_) => {
                        let (classifier, _) = model.stance_classifier(&spec.name)?;
                        let decider = Decider {
                            classifier,
                            head: None,
                            labels: ClassLabels::new(classifier.classifier.classes())?,
                        };
                        Some((decider, classifier.mask_for(spec, &specs)))
                    }
                    None => None,
                };
                resolved.push(TargetEntry {
                    finder: MentionFinder::new(spec),
                    stance,
                    sentiment_mask: toward_target.and_then(|c| c.mask_for(spec, &specs)),
                    spec: spec.clone(),
                });
            }
        }
        if resolved.is_empty() && model.sentiment.is_none() {
            return Err(Error::Settings("the model has nothing to classify with".into()));
        }
        // Merge every classifier that masks nothing and shares the first
        // one's term settings; the rest keep the string path.
        let mut merged: Vec<&TextClassifier> = Vec::new();
        let mut join = |c: &'m TextClassifier, masked: bool| -> Option<usize> {
            if masked || merged.first().is_some_and(|f| f.terms != c.terms) {
                return None;
            }
            merged.push(c);
            Some(merged.len() - 1)
        };
        for t in &mut resolved {
            if let Some((decider, mask)) = &mut t.stance {
                decider.head = join(decider.classifier, mask.is_some());
            }
        }
        let sentiment = match &model.sentiment {
            Some(classifier) => Some(Decider {
                classifier,
                head: join(classifier, false),
                labels: ClassLabels::new(classifier.classifier.classes())?,
            }),
            None => None,
        };
        // Without a scorer (settings it cannot merge) every head is unused.
        let scorer = CompiledScorer::new(&merged);
        Ok(ArticleClassifier {
            model,
            targets: resolved,
            sentiment,
            scorer,
            explain,
        })
    }

    /// The target names, in output order.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.spec.name.as_str()).collect()
    }

    /// The model in use.
    pub fn model(&self) -> &Model {
        self.model
    }

    /// Classifies articles in parallel on the current rayon pool; results
    /// come in input order and do not depend on the number of threads.
    /// Each worker thread keeps its caches (stems, token ids) from one call
    /// to the next, so their warm-up is paid once per thread, not per batch.
    pub fn classify_all(&self, articles: &[Article]) -> Vec<ArticleResult> {
        self.classify_all_then(articles, |_, _, result| result)
    }

    /// Like [`classify_all`](Self::classify_all), passing each article's
    /// result through `then` (given the article's position and the article)
    /// on the worker thread that made it: rendering output there keeps the
    /// writing thread from becoming the bottleneck.
    pub fn classify_all_then<T: Send>(
        &self,
        articles: &[Article],
        then: impl Fn(usize, &Article, ArticleResult) -> T + Sync + Send,
    ) -> Vec<T> {
        use rayon::prelude::*;
        thread_local! {
            static EXTRACTOR: std::cell::RefCell<TermExtractor> = std::cell::RefCell::new(TermExtractor::default());
        }
        articles
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let result = EXTRACTOR.with_borrow_mut(|ex| self.classify(ex, &a.id, &a.text));
                then(i, a, result)
            })
            .collect()
    }

    /// Tokens of `statement`, and the merged heads' probabilities.
    fn score(&self, extractor: &mut TermExtractor, statement: &str) -> StatementScores {
        let tokens = tokenize(statement);
        let words = tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Boundary)
            .cloned()
            .collect();
        let mut heads = Vec::new();
        if let Some(scorer) = &self.scorer {
            scorer.score(&mut extractor.scorer, &mut extractor.stems, &tokens, &mut heads);
        }
        StatementScores { words, heads }
    }

    /// Classifies one article.
    pub fn classify(&self, extractor: &mut TermExtractor, id: &str, text: &str) -> ArticleResult {
        let statements: Vec<StatementResult> = split_statements(text)
            .into_iter()
            .enumerate()
            .map(|(index, st)| {
                let body = &text[st.start..st.end];
                let scores = self.score(extractor, body);
                let targets = self
                    .targets
                    .iter()
                    .map(|target| {
                        let mut stance = self.target_stance(extractor, &scores, body, target);
                        for m in &mut stance.mentions {
                            m.start += st.start;
                            m.end += st.start;
                        }
                        stance
                    })
                    .collect();
                let sentiment = match &self.sentiment {
                    Some(decider) => self.decide(decider, extractor, &scores, body, None),
                    None => Decision {
                        label: Sentiment::Neutral,
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
            .map(|t| summarize(&t.spec.name, &statements))
            .collect();
        ArticleResult {
            id: id.to_string(),
            statements,
            summary,
        }
    }

    /// The stance of one statement toward one of the classifier's targets
    /// (`none` by rule when the statement does not mention it), and the
    /// sentiment toward it when the model has a toward-target sentiment
    /// classifier and the statement mentions it.
    fn target_stance(
        &self,
        extractor: &mut TermExtractor,
        scores: &StatementScores,
        statement: &str,
        target: &TargetEntry,
    ) -> TargetStance {
        let mentions = target.finder.find_in_tokens(statement, &scores.words);
        let mentioned = !mentions.is_empty();
        TargetStance {
            target: target.spec.name.clone(),
            mentioned,
            mentions,
            stance: self.stance_toward(extractor, scores, statement, target, mentioned),
            sentiment: self.sentiment_toward(extractor, scores, statement, target, mentioned),
        }
    }

    /// The stance toward `target` (`None` without a stance classifier).
    fn stance_toward(
        &self,
        extractor: &mut TermExtractor,
        scores: &StatementScores,
        statement: &str,
        target: &TargetEntry,
        mentioned: bool,
    ) -> Option<Decision<Stance>> {
        let (decider, mask) = target.stance.as_ref()?;
        Some(if mentioned {
            self.decide(decider, extractor, scores, statement, mask.as_ref())
        } else {
            Decision::by_rule(Stance::None)
        })
    }

    /// The sentiment toward `target`, when the sentiment classifier was
    /// fitted toward targets and the statement mentions it.
    fn sentiment_toward(
        &self,
        extractor: &mut TermExtractor,
        scores: &StatementScores,
        statement: &str,
        target: &TargetEntry,
        mentioned: bool,
    ) -> Option<Decision<Sentiment>> {
        let mask = target.sentiment_mask.as_ref().filter(|_| mentioned)?;
        let decider = self.sentiment.as_ref()?;
        Some(self.decide(decider, extractor, scores, statement, Some(mask)))
    }

    /// The entry of the target named `target` and whether `statement`
    /// mentions it, with the statement's scores.
    fn statement_target(
        &self,
        extractor: &mut TermExtractor,
        statement: &str,
        target: &str,
    ) -> Result<(&TargetEntry<'m>, StatementScores, bool)> {
        let entry = self.target_entry(target)?;
        let scores = self.score(extractor, statement);
        let mentioned = !entry.finder.find_in_tokens(statement, &scores.words).is_empty();
        Ok((entry, scores, mentioned))
    }

    /// The entry of the target named `target`.
    fn target_entry(&self, target: &str) -> Result<&TargetEntry<'m>> {
        self.targets
            .iter()
            .find(|t| same_target(&t.spec.name, target))
            .ok_or_else(|| {
                Error::Settings(format!(
                    "no target \"{target}\" in this classifier (it has: {})",
                    self.target_names().join(", ")
                ))
            })
    }

    /// The stance of a single statement toward the target named `target`,
    /// as `classify` decides it (`none` by rule when it is not mentioned).
    pub fn statement_stance(
        &self,
        extractor: &mut TermExtractor,
        statement: &str,
        target: &str,
    ) -> Result<Decision<Stance>> {
        let (entry, scores, mentioned) = self.statement_target(extractor, statement, target)?;
        self.stance_toward(extractor, &scores, statement, entry, mentioned)
            .ok_or_else(|| Error::Settings("the model has no stance classifier".into()))
    }

    /// The sentiment of a single statement toward the target named
    /// `target`, as `classify` decides it: `None` when the statement does
    /// not mention it; an error unless the model was trained with
    /// `--sentiment-toward-target`.
    pub fn statement_target_sentiment(
        &self,
        extractor: &mut TermExtractor,
        statement: &str,
        target: &str,
    ) -> Result<Option<Decision<Sentiment>>> {
        if !self.model.sentiment.as_ref().is_some_and(|c| c.mask_target) {
            return Err(Error::Settings(
                "the model's sentiment classifier was not trained toward targets".into(),
            ));
        }
        let (entry, scores, mentioned) = self.statement_target(extractor, statement, target)?;
        Ok(self.sentiment_toward(extractor, &scores, statement, entry, mentioned))
    }

    /// The sentiment of a single statement, as `classify` decides it.
    pub fn statement_sentiment(&self, extractor: &mut TermExtractor, statement: &str) -> Result<Decision<Sentiment>> {
        let decider = self
            .sentiment
            .as_ref()
            .ok_or_else(|| Error::Settings("the model has no sentiment classifier".into()))?;
        let scores = self.score(extractor, statement);
        Ok(self.decide(decider, extractor, &scores, statement, None))
    }

    fn decide<L: Label>(
        &self,
        decider: &Decider<L>,
        extractor: &mut TermExtractor,
        scores: &StatementScores,
        text: &str,
        mask: Option<&MentionMask>,
    ) -> Decision<L> {
        let classifier = decider.classifier;
        // The merged heads score the unmasked statement, so a masked
        // decision always takes the string path. The features are needed
        // as a vector only off the merged path or to explain a decision.
        let mut row = (self.explain > 0).then(|| classifier.featurize(extractor, text, mask));
        let fallback;
        let probabilities: &[f32] = match (decider.head, &self.scorer) {
            (Some(h), Some(scorer)) if mask.is_none() => &scores.heads[scorer.head_range(h)],
            _ => {
                let row = row.get_or_insert_with(|| classifier.featurize(extractor, text, mask));
                fallback = classifier.classifier.probabilities(row);
                &fallback
            }
        };
        let best = argmax(probabilities);
        let evidence = match &row {
            Some(row) if self.explain > 0 => {
                let mut pushes: Vec<(u32, f32)> = row
                    .iter()
                    .map(|&(f, v)| (f, v * classifier.classifier.weight(f as usize, best)))
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
            }
            _ => Vec::new(),
        };
        decider.labels.decide(probabilities, evidence)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<TargetSpec> {
        vec![TargetSpec::named("Kopp"), TargetSpec::named("Lutz")]
    }

    #[test]
    fn a_toward_target_model_gives_sentiment_per_mentioned_target() {
        let model = crate::train::two_people_model();
        let targets = people();
        let classifier = ArticleClassifier::new(&model, Some(&targets), 0).unwrap();
        let mut ex = TermExtractor::default();
        let text = "Kopp won praise while Lutz faced a scandal. The weather was mild.";
        let result = classifier.classify(&mut ex, "a", text);
        let [both, neither] = &result.statements[..] else {
            panic!("{:?}", result.statements)
        };
        for (t, label) in both.targets.iter().zip([Sentiment::Positive, Sentiment::Negative]) {
            // Stance is absent (the model has none); the sentiment toward
            // each person is the model's, with that person masked.
            assert!(t.mentioned && t.stance.is_none(), "{t:?}");
            let got = t.sentiment.as_ref().unwrap();
            assert_eq!(got.label, label, "{t:?}");
            let want = model.predict_sentiment(&mut ex, &both.text, Some(&t.target)).unwrap();
            for (l, p) in want.probabilities.unwrap().iter() {
                let q = got.probabilities.as_ref().unwrap().get(l).unwrap();
                assert!((p - q).abs() < 1e-6, "{l}: {p} vs {q}");
            }
            let single = classifier.statement_target_sentiment(&mut ex, &both.text, &t.target);
            assert_eq!(single.unwrap().as_ref(), Some(got));
        }
        assert!(neither.targets.iter().all(|t| !t.mentioned && t.sentiment.is_none()));
        // The summaries count the sentiment toward each target.
        let counts = |name: &str| result.summary.iter().find(|s| s.target == name).unwrap().sentiment;
        let positive = SentimentCounts {
            positive: 1,
            ..SentimentCounts::default()
        };
        assert_eq!(counts("Kopp"), Some(positive));
        let mut corpus = CorpusSummary::default();
        corpus.add(&result);
        corpus.add(&result);
        assert_eq!(corpus.targets[1].sentiment.unwrap().negative, 2);
        // Without stance, asking for stance is an error, not a made-up label.
        let err = classifier.statement_stance(&mut ex, &both.text, "Kopp").unwrap_err();
        assert!(err.to_string().contains("no stance classifier"), "{err}");
    }

    #[test]
    fn a_plain_sentiment_model_gives_no_sentiment_toward_targets() {
        let mut model = crate::train::two_people_model();
        model.sentiment.as_mut().unwrap().mask_target = false;
        let targets = people();
        let classifier = ArticleClassifier::new(&model, Some(&targets), 0).unwrap();
        let mut ex = TermExtractor::default();
        let result = classifier.classify(&mut ex, "a", "Kopp won praise while Lutz faced a scandal.");
        // No stance and no toward-target sentiment: no target entries.
        assert!(result.statements[0].targets.is_empty());
        assert!(result.summary.iter().all(|s| s.sentiment.is_none()));
        let err = classifier
            .statement_target_sentiment(&mut ex, "Kopp won praise", "Kopp")
            .unwrap_err();
        assert!(err.to_string().contains("not trained toward targets"), "{err}");
    }
}
