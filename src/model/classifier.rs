//! A text classifier: terms -> tf-idf -> logistic regression, for one
//! decision, and its compiled form.
//!
//! A [`TextClassifier`] carries everything one decision needs at prediction
//! time (its term settings and mask, its vocabulary with idf, its weights),
//! so the features it sees are produced by the same code and settings it was
//! trained with. Evaluated through strings, it is the training path;
//! [`compile`] turns several of them into the compiled scorer, the second
//! backend of the same pipeline, which classification runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::features::compiled::{CompiledScorer, HeadSource};
use crate::features::mask::MentionMask;
use crate::features::terms::{TermExtractor, TermSettings};
use crate::features::vectorize::{SparseVec, Vectorizer};
use crate::labels::Label;
use crate::model::calibration::Calibration;
use crate::model::decision::{ClassLabels, Decision, Evidence};
use crate::model::logistic::LinearClassifier;
use crate::text::targets::TargetSpec;

/// The mask for stance toward `target`: its mentions when `mask_target`,
/// and the other `targets`' mentions too when `mask_others`. Training and
/// prediction both build masks here.
pub(crate) fn mention_mask(
    mask_target: bool,
    mask_others: bool,
    target: &TargetSpec,
    targets: &[TargetSpec],
) -> Option<MentionMask> {
    mask_target.then(|| MentionMask::new(target, if mask_others { targets } else { &[] }))
}

/// Terms -> tf-idf -> logistic regression, for one decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextClassifier {
    pub terms: TermSettings,
    /// Whether target mentions are masked before extracting terms.
    pub mask_target: bool,
    /// Whether mentions of the model's other targets are masked too.
    #[serde(default)]
    pub mask_others: bool,
    pub vectorizer: Vectorizer,
    pub classifier: LinearClassifier,
    /// The calibration of its probabilities, fitted on rows it was not
    /// trained on (absent in models trained without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

impl TextClassifier {
    /// The mask this classifier applies for stance toward `target`, among
    /// the model's `targets` (`None` for a classifier that masks nothing).
    pub fn mask_for(&self, target: &TargetSpec, targets: &[TargetSpec]) -> Option<MentionMask> {
        mention_mask(self.mask_target, self.mask_others, target, targets)
    }

    /// The feature vector of `text`, with the mentions `mask` covers masked.
    pub fn featurize(&self, extractor: &mut TermExtractor, text: &str, mask: Option<&MentionMask>) -> SparseVec {
        self.vectorizer.transform(&extractor.terms(&self.terms, text, mask))
    }

    /// Class probabilities for a feature vector, in class order, as the
    /// logistic regression gives them (before calibration).
    pub fn probabilities(&self, row: &SparseVec) -> Vec<f32> {
        self.classifier.probabilities(row)
    }

    /// Raw class probabilities calibrated (unchanged without a calibration).
    pub fn calibrated(&self, probs: Vec<f32>) -> Vec<f32> {
        match &self.calibration {
            Some(c) => c.apply(&probs),
            None => probs,
        }
    }

    /// The `k` words and phrases of `text` that weighed most on the score
    /// of class `class`, strongest first (by size; the sign says which
    /// way). Each term's contribution (its tf-idf value times its weight
    /// for the class less its mean weight over the classes) is shared
    /// equally among its occurrences and summed per span of text: a word
    /// gets its own term and its character n-grams, a phrase its word
    /// n-gram, a masked mention its placeholder.
    pub(crate) fn explain(
        &self,
        extractor: &mut TermExtractor,
        text: &str,
        mask: Option<&MentionMask>,
        class: usize,
        k: usize,
    ) -> Vec<Evidence> {
        let segments = extractor.segments(&self.terms, text, mask);
        let mut occurrences: Vec<(u32, (usize, usize))> = Vec::new();
        segments.for_each_term(&self.terms, |term, span| {
            if let Some(f) = self.vectorizer.feature(term) {
                occurrences.push((f, span));
            }
        });
        let row = self.vectorizer.weigh(occurrences.iter().map(|&(f, _)| f).collect());
        let classes = self.classifier.classes().len();
        // Per feature: its value times its centred weight, over its count.
        let mut share: BTreeMap<u32, (f32, f32)> = row
            .iter()
            .map(|&(f, x)| {
                let mean = (0..classes).map(|c| self.classifier.weight(f as usize, c)).sum::<f32>() / classes as f32;
                (f, (x * (self.classifier.weight(f as usize, class) - mean), 0.0))
            })
            .collect();
        for (f, _) in &occurrences {
            if let Some(entry) = share.get_mut(f) {
                entry.1 += 1.0;
            }
        }
        let mut by_span: BTreeMap<(usize, usize), f32> = BTreeMap::new();
        for (f, span) in &occurrences {
            if let Some(&(total, count)) = share.get(f) {
                *by_span.entry(*span).or_default() += total / count;
            }
        }
        let mut evidence: Vec<((usize, usize), f32)> = by_span.into_iter().filter(|&(_, c)| c != 0.0).collect();
        evidence.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        evidence
            .into_iter()
            .take(k)
            .map(|((start, end), contribution)| Evidence {
                text: text[start..end].to_string(),
                start,
                end,
                contribution,
            })
            .collect()
    }

    /// The decision for a feature vector, as a label of `L`'s task.
    pub fn decide<L: Label>(&self, row: &SparseVec) -> Result<Decision<L>> {
        let probs = self.calibrated(self.probabilities(row));
        Ok(ClassLabels::new(self.classifier.classes())?.decide(&probs, Vec::new()))
    }
}

/// The compiled scorer of `classifiers`, which must share one
/// [`TermSettings`] and mask nothing: the same probabilities as each
/// classifier's string path, from token ids in one pass (`None` for a set
/// it cannot merge). Head `h` of the scorer is `classifiers[h]`.
pub fn compile(classifiers: &[&TextClassifier]) -> Option<CompiledScorer> {
    let settings = &classifiers.first()?.terms;
    if classifiers
        .iter()
        .any(|c| c.terms != *settings || c.mask_target || c.mask_others)
    {
        return None;
    }
    let sources: Vec<HeadSource> = classifiers
        .iter()
        .map(|c| HeadSource {
            vectorizer: &c.vectorizer,
            weights: c.classifier.weights(),
            intercepts: c.classifier.intercepts(),
        })
        .collect();
    CompiledScorer::new(settings, &sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::compiled::ScorerScratch;
    use crate::features::vectorize::{Selection, VectorSettings};
    use crate::text::stem::StemCache;
    use crate::text::tokenize::tokenize;

    /// Two small classifiers over the same texts, with different
    /// vocabularies (one frequency-, one chi-square-selected).
    fn classifiers(terms: &TermSettings, texts: &[&str]) -> Vec<TextClassifier> {
        let mut extractor = TermExtractor::default();
        let docs: Vec<Vec<String>> = texts.iter().map(|t| extractor.terms(terms, t, None)).collect();
        let labels: Vec<usize> = (0..docs.len()).map(|i| i % 3).collect();
        [(Selection::Frequency, 150, false), (Selection::Chi2, 90, true)]
            .into_iter()
            .map(|(selection, max_features, sublinear_tf)| {
                let settings = VectorSettings {
                    min_df: 1,
                    max_features,
                    selection,
                    sublinear_tf,
                };
                let slices: Vec<&[String]> = docs.iter().map(Vec::as_slice).collect();
                let vectorizer = Vectorizer::fit(&settings, &slices, &labels, 3).unwrap();
                let rows: Vec<_> = docs.iter().map(|d| vectorizer.transform(d)).collect();
                let classes = ["favor", "against", "none"].map(String::from).to_vec();
                let params = crate::model::logistic::LogisticParams {
                    alpha: 0.1,
                    ..Default::default()
                };
                let classifier =
                    crate::model::logistic::LinearClassifier::fit(&rows, &labels, classes, vectorizer.len(), &params)
                        .unwrap();
                TextClassifier {
                    terms: terms.clone(),
                    mask_target: false,
                    mask_others: false,
                    vectorizer,
                    classifier,
                    calibration: None,
                }
            })
            .collect()
    }

    const TEXTS: &[&str] = &[
        "Moscow did not condemn the strikes, officials said.",
        "The U.S.-led coalition denied that its jets hit the market; no one believed it.",
        "Washington's sanctions failed, Moscow said. Sanctions, sanctions, sanctions!",
        "“We will not give up,” the minister said of the talks in St. Petersburg.",
        "US troops never left the base without orders, the Pentagon said.",
        "Russia praised the deal; the U.S. did not comment?!",
        "Ça va? Москва заявила. 東京 — 発表。",
        "The Kremlin welcomed the talks, which it called not a failure at all.",
        "",
    ];

    #[test]
    fn equals_the_string_path() {
        for word_ngrams in 1..=3 {
            for char_ngrams in [None, Some((3, 5))] {
                for negation in [false, true] {
                    let terms = TermSettings {
                        word_ngrams,
                        char_ngrams,
                        negation,
                    };
                    let fitted = classifiers(&terms, TEXTS);
                    let refs: Vec<&TextClassifier> = fitted.iter().collect();
                    let scorer = compile(&refs).unwrap();
                    let mut extractor = TermExtractor::default();
                    let mut scratch = ScorerScratch::default();
                    let mut stems = StemCache::default();
                    let mut out = Vec::new();
                    // Twice: the second pass reads every token from the cache.
                    for _ in 0..2 {
                        for text in TEXTS
                            .iter()
                            .chain(["Unseen: Kremlin, Pentagon, not war, no no no."].iter())
                        {
                            scorer.score(&mut scratch, &mut stems, &tokenize(text), &mut out);
                            for (h, c) in fitted.iter().enumerate() {
                                let fast = &out[scorer.head_range(h)];
                                let slow = c.probabilities(&c.featurize(&mut extractor, text, None));
                                for (p, q) in slow.iter().zip(fast) {
                                    assert!((p - q).abs() < 1e-5, "{terms:?} {text}: {p} vs {q}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn any_text_scores_like_the_string_path(text in "(\\PC|not |Moscow|U\\.S\\.|sanctions| |, |\\. |!){0,80}") {
            use std::sync::OnceLock;
            static FITTED: OnceLock<Vec<TextClassifier>> = OnceLock::new();
            let fitted = FITTED.get_or_init(|| {
                let terms = TermSettings { word_ngrams: 2, char_ngrams: Some((3, 5)), negation: true };
                classifiers(&terms, TEXTS)
            });
            let refs: Vec<&TextClassifier> = fitted.iter().collect();
            let scorer = compile(&refs).unwrap();
            let (mut scratch, mut stems, mut out) = (ScorerScratch::default(), StemCache::default(), Vec::new());
            let mut extractor = TermExtractor::default();
            scorer.score(&mut scratch, &mut stems, &tokenize(&text), &mut out);
            for (h, c) in fitted.iter().enumerate() {
                let fast = &out[scorer.head_range(h)];
                let sum: f32 = fast.iter().sum();
                proptest::prop_assert!(fast.iter().all(|p| p.is_finite()) && (sum - 1.0).abs() < 1e-5);
                let slow = c.probabilities(&c.featurize(&mut extractor, &text, None));
                for (p, q) in slow.iter().zip(fast) {
                    proptest::prop_assert!((p - q).abs() < 1e-5, "{} vs {}", p, q);
                }
            }
        }
    }

    #[test]
    fn refuses_masking_classifiers_and_mixed_settings() {
        let terms = TermSettings {
            word_ngrams: 2,
            char_ngrams: None,
            negation: true,
        };
        let mut fitted = classifiers(&terms, TEXTS);
        fitted[1].mask_target = true;
        assert!(compile(&fitted.iter().collect::<Vec<_>>()).is_none());
        fitted[1].mask_target = false;
        fitted[1].terms.word_ngrams = 1;
        assert!(compile(&fitted.iter().collect::<Vec<_>>()).is_none());
        assert!(compile(&[]).is_none());
    }
}
