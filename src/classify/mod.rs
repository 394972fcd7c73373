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

pub(crate) mod result;
pub(crate) mod summary;

use std::borrow::Cow;
use std::cell::RefCell;

use crate::data::articles::Article;
use crate::error::{Error, Result};
use crate::features::compiled::{CompiledScorer, ScorerScratch};
use crate::features::mask::MentionMask;
use crate::features::terms::TermExtractor;
use crate::labels::{Label, Sentiment, Stance};
use crate::model::classifier::compile;
use crate::model::decision::{ClassLabels, Decision};
use crate::model::{Model, TextClassifier};
use crate::prevalence::{Effort, Estimator, group_seed};
use crate::scores::argmax;
use crate::text::mentions::MentionFinder;
use crate::text::segment::split_statements;
use crate::text::targets::{TargetSpec, same_target};
use crate::text::tokenize::{Token, TokenKind, tokenize};

pub use result::{DecisionView, StatementResult, TargetStance};
use summary::summarize;
pub use summary::{ArticleResult, CorpusSummary, CorpusTargetSummary, Highlight, SentimentCounts, TargetSummary};
pub(crate) use summary::{counted, mentioning};

/// A worker thread's working memory: the training path's term extractor
/// (for classifiers that mask, and for evidence) and the compiled scorer's
/// caches. Each thread keeps its own from one article to the next, so the
/// warm-up (stems, token ids) is paid once per thread.
#[derive(Default)]
struct Workspace {
    extractor: TermExtractor,
    scorer: ScorerScratch,
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Runs `f` with this thread's workspace.
fn with_workspace<R>(f: impl FnOnce(&mut Workspace) -> R) -> R {
    WORKSPACE.with_borrow_mut(f)
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
/// thread keeps its own caches.
pub struct ArticleClassifier<'m> {
    model: &'m Model,
    targets: Vec<TargetEntry<'m>>,
    sentiment: Option<Decider<'m, Sentiment>>,
    /// The classifiers that mask nothing, merged (see [`crate::features::compiled`]).
    scorer: Option<CompiledScorer>,
    explain: usize,
    /// Per target, its prevalence estimator (a calibrated stance
    /// classifier), when summaries are to carry corrected prevalence.
    estimators: Option<Vec<Option<Estimator>>>,
    /// Whether each article's summary carries its corrected prevalence.
    article_prevalence: bool,
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
        let scorer = compile(&merged);
        Ok(ArticleClassifier {
            model,
            targets: resolved,
            sentiment,
            scorer,
            explain,
            estimators: None,
            article_prevalence: false,
        })
    }

    /// Makes every article's summary (and the corpus's, see
    /// [`estimate_corpus`](Self::estimate_corpus)) carry each stance's
    /// prevalence corrected for the classifier's errors, for targets whose
    /// stance classifier is calibrated.
    pub fn with_prevalence(self) -> Self {
        let mut classifier = self.with_estimators();
        classifier.article_prevalence = true;
        classifier
    }

    /// Makes the prevalence estimators (see [`estimator`](Self::estimator))
    /// without estimating each article's: for aggregates, which estimate
    /// groups of articles.
    pub fn with_estimators(mut self) -> Self {
        let estimators = self
            .targets
            .iter()
            .map(|t| {
                let (decider, _) = t.stance.as_ref()?;
                let calibration = decider.classifier.calibration.as_ref()?;
                let seed = group_seed(&["calibration", &t.spec.name]);
                Some(Estimator::new(
                    calibration,
                    decider.classifier.classifier.classes(),
                    Effort::TABLE.replicates,
                    seed,
                ))
            })
            .collect();
        self.estimators = Some(estimators);
        self
    }

    /// Fills in the corpus's corrected prevalence per target (with
    /// [`with_prevalence`](Self::with_prevalence)), from its sample of
    /// mentioning statements: exact up to 10,000 per target, beyond that
    /// the sample standing for them all.
    pub fn estimate_corpus(&self, corpus: &mut CorpusSummary) {
        let Some(estimators) = &self.estimators else { return };
        for (i, t) in corpus.targets.iter_mut().enumerate() {
            let Some(estimator) = self
                .targets
                .iter()
                .position(|e| e.spec.name == t.target)
                .and_then(|p| estimators[p].as_ref())
            else {
                continue;
            };
            let sample = &corpus.samples[i];
            // The sample's share of the mentioning statements, applied to
            // the corpus's statements.
            let statements = match sample.seen {
                0 => corpus.statements,
                seen => (corpus.statements as f64 * sample.rows.len() as f64 / seen as f64).round() as usize,
            };
            let seed = group_seed(&["corpus", &t.target]);
            let mut p = estimator.estimate(statements.max(sample.rows.len()), &sample.rows, Effort::TABLE, seed);
            p.statements = corpus.statements;
            p.mentioning = sample.seen;
            t.prevalence = Some(p);
        }
    }

    /// The prevalence estimator of the `i`th target (in output order), if
    /// made [`with_prevalence`](Self::with_prevalence) and its stance
    /// classifier is calibrated.
    pub fn estimator(&self, i: usize) -> Option<&Estimator> {
        self.estimators.as_ref()?.get(i)?.as_ref()
    }

    /// The target names, in output order.
    pub fn target_names(&self) -> Vec<&str> {
        self.targets.iter().map(|t| t.spec.name.as_str()).collect()
    }

    /// Classifies articles in parallel on the current rayon pool, passing
    /// each article's result through `then` (given the article's position
    /// and the article) on the worker thread that made it: rendering output
    /// there keeps the writing thread from becoming the bottleneck. Results
    /// come in input order and do not depend on the number of threads.
    pub fn classify_all_then<A, T>(
        &self,
        articles: &[A],
        then: impl Fn(usize, &Article, ArticleResult) -> T + Sync + Send,
    ) -> Vec<T>
    where
        A: std::borrow::Borrow<Article> + Sync,
        T: Send,
    {
        use rayon::prelude::*;
        articles
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let a = a.borrow();
                then(i, a, self.classify(&a.id, &a.text))
            })
            .collect()
    }

    /// Tokens of `statement`, and the merged heads' probabilities.
    fn score(&self, ws: &mut Workspace, statement: &str) -> StatementScores {
        let tokens = tokenize(statement);
        let words = tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Boundary)
            .cloned()
            .collect();
        let mut heads = Vec::new();
        if let Some(scorer) = &self.scorer {
            scorer.score(&mut ws.scorer, ws.extractor.stems(), &tokens, &mut heads);
        }
        StatementScores { words, heads }
    }

    /// Classifies one article.
    pub fn classify(&self, id: &str, text: &str) -> ArticleResult {
        with_workspace(|ws| self.classify_in(ws, id, text))
    }

    fn classify_in(&self, ws: &mut Workspace, id: &str, text: &str) -> ArticleResult {
        let statements: Vec<StatementResult> = split_statements(text)
            .into_iter()
            .enumerate()
            .map(|(index, st)| {
                let body = &text[st.start..st.end];
                let scores = self.score(ws, body);
                let targets = self
                    .targets
                    .iter()
                    .map(|target| {
                        let mut stance = self.target_stance(ws, &scores, body, target);
                        stance.offset_by(st.start);
                        stance
                    })
                    .collect();
                let sentiment = match &self.sentiment {
                    Some(decider) => self
                        .decide(decider, ws, &scores, body, None, self.explain)
                        .offset_by(st.start),
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
                    dateline: st.prefix.filter(|_| !st.bullet).map(|(a, b)| text[a..b].to_string()),
                    bullet: st.prefix.filter(|_| st.bullet).map(|(a, b)| text[a..b].to_string()),
                    furniture: st.furniture,
                    targets,
                    sentiment,
                }
            })
            .collect();
        let summary = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let mut s = summarize(&t.spec.name, &statements);
                if let Some(estimator) = self.estimator(i).filter(|_| self.article_prevalence) {
                    let rows = mentioning(&t.spec.name, &statements);
                    let seed = group_seed(&[id, &t.spec.name]);
                    s.prevalence = Some(estimator.estimate(counted(&statements), &rows, Effort::ARTICLE, seed));
                }
                s
            })
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
        ws: &mut Workspace,
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
            stance: self.stance_toward(ws, scores, statement, target, mentioned),
            sentiment: self.sentiment_toward(ws, scores, statement, target, mentioned),
        }
    }

    /// The stance toward `target` (`None` without a stance classifier).
    fn stance_toward(
        &self,
        ws: &mut Workspace,
        scores: &StatementScores,
        statement: &str,
        target: &TargetEntry,
        mentioned: bool,
    ) -> Option<Decision<Stance>> {
        let (decider, mask) = target.stance.as_ref()?;
        Some(if mentioned {
            self.decide(decider, ws, scores, statement, mask.as_ref(), self.explain)
        } else {
            Decision::by_rule(Stance::None)
        })
    }

    /// The sentiment toward `target`, when the sentiment classifier was
    /// fitted toward targets and the statement mentions it.
    fn sentiment_toward(
        &self,
        ws: &mut Workspace,
        scores: &StatementScores,
        statement: &str,
        target: &TargetEntry,
        mentioned: bool,
    ) -> Option<Decision<Sentiment>> {
        let mask = target.sentiment_mask.as_ref().filter(|_| mentioned)?;
        let decider = self.sentiment.as_ref()?;
        Some(self.decide(decider, ws, scores, statement, Some(mask), self.explain))
    }

    /// The entry of the target named `target` and whether `statement`
    /// mentions it, with the statement's scores.
    fn statement_target(
        &self,
        ws: &mut Workspace,
        statement: &str,
        target: &str,
    ) -> Result<(&TargetEntry<'m>, StatementScores, bool)> {
        let entry = self.target_entry(target)?;
        let scores = self.score(ws, statement);
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
    pub fn statement_stance(&self, statement: &str, target: &str) -> Result<Decision<Stance>> {
        self.statement_stance_explained(statement, target, self.explain)
    }

    /// Like [`statement_stance`](Self::statement_stance), with `explain`
    /// words of evidence (byte offsets in `statement`).
    pub fn statement_stance_explained(
        &self,
        statement: &str,
        target: &str,
        explain: usize,
    ) -> Result<Decision<Stance>> {
        with_workspace(|ws| {
            let (entry, scores, mentioned) = self.statement_target(ws, statement, target)?;
            let (decider, mask) = entry
                .stance
                .as_ref()
                .ok_or_else(|| Error::Settings("the model has no stance classifier".into()))?;
            Ok(match mentioned {
                true => self.decide(decider, ws, &scores, statement, mask.as_ref(), explain),
                false => Decision::by_rule(Stance::None),
            })
        })
    }

    /// The sentiment of a single statement toward the target named
    /// `target`, as `classify` decides it: `None` when the statement does
    /// not mention it; an error unless the model was trained with
    /// `--sentiment-toward-target`.
    pub fn statement_target_sentiment(&self, statement: &str, target: &str) -> Result<Option<Decision<Sentiment>>> {
        if !self.model.sentiment.as_ref().is_some_and(|c| c.mask_target) {
            return Err(Error::Settings(
                "the model's sentiment classifier was not trained toward targets".into(),
            ));
        }
        with_workspace(|ws| {
            let (entry, scores, mentioned) = self.statement_target(ws, statement, target)?;
            Ok(self.sentiment_toward(ws, &scores, statement, entry, mentioned))
        })
    }

    /// The sentiment of a single statement, as `classify` decides it.
    pub fn statement_sentiment(&self, statement: &str) -> Result<Decision<Sentiment>> {
        let decider = self
            .sentiment
            .as_ref()
            .ok_or_else(|| Error::Settings("the model has no sentiment classifier".into()))?;
        with_workspace(|ws| {
            let scores = self.score(ws, statement);
            Ok(self.decide(decider, ws, &scores, statement, None, self.explain))
        })
    }

    fn decide<L: Label>(
        &self,
        decider: &Decider<L>,
        ws: &mut Workspace,
        scores: &StatementScores,
        text: &str,
        mask: Option<&MentionMask>,
        explain: usize,
    ) -> Decision<L> {
        let classifier = decider.classifier;
        // The merged heads score the unmasked statement, so a masked
        // decision always takes the string path.
        let raw: Cow<[f32]> = match (decider.head, &self.scorer) {
            (Some(h), Some(scorer)) if mask.is_none() => Cow::Borrowed(&scores.heads[scorer.head_range(h)]),
            _ => Cow::Owned(classifier.probabilities(&classifier.featurize(&mut ws.extractor, text, mask))),
        };
        let calibrated = match &classifier.calibration {
            Some(c) => Cow::Owned(c.apply(&raw)),
            None => raw,
        };
        let probabilities = &calibrated[..];
        let evidence = match explain {
            0 => Vec::new(),
            k => classifier.explain(&mut ws.extractor, text, mask, argmax(probabilities), k),
        };
        decider.labels.decide(probabilities, evidence)
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
        let text = "Kopp won praise while Lutz faced a scandal. The weather was mild.";
        let result = classifier.classify("a", text);
        let [both, neither] = &result.statements[..] else {
            panic!("{:?}", result.statements)
        };
        for (t, label) in both.targets.iter().zip([Sentiment::Positive, Sentiment::Negative]) {
            // Stance is absent (the model has none); the sentiment toward
            // each person is the model's, with that person masked.
            assert!(t.mentioned && t.stance.is_none(), "{t:?}");
            let got = t.sentiment.as_ref().unwrap();
            assert_eq!(got.label, label, "{t:?}");
            let want = model.predict_sentiment(&both.text, Some(&t.target)).unwrap();
            for (l, p) in want.probabilities.unwrap().iter() {
                let q = got.probabilities.as_ref().unwrap().get(l).unwrap();
                assert!((p - q).abs() < 1e-6, "{l}: {p} vs {q}");
            }
            let single = classifier.statement_target_sentiment(&both.text, &t.target);
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
        let err = classifier.statement_stance(&both.text, "Kopp").unwrap_err();
        assert!(err.to_string().contains("no stance classifier"), "{err}");
    }

    #[test]
    fn a_plain_sentiment_model_gives_no_sentiment_toward_targets() {
        let mut model = crate::train::two_people_model();
        model.sentiment.as_mut().unwrap().mask_target = false;
        let targets = people();
        let classifier = ArticleClassifier::new(&model, Some(&targets), 0).unwrap();
        let result = classifier.classify("a", "Kopp won praise while Lutz faced a scandal.");
        // No stance and no toward-target sentiment: no target entries.
        assert!(result.statements[0].targets.is_empty());
        assert!(result.summary.iter().all(|s| s.sentiment.is_none()));
        let err = classifier
            .statement_target_sentiment("Kopp won praise", "Kopp")
            .unwrap_err();
        assert!(err.to_string().contains("not trained toward targets"), "{err}");
    }
}
