//! Vectorizing: from terms to L2-normalised tf-idf vectors over a fixed,
//! selected vocabulary.
//!
//! The vocabulary and the idf weights are learned once, from the training
//! corpus, and stored in the model; prediction never recomputes them from the
//! texts being classified. The vocabulary is capped (chi-square or frequency
//! selection) because the logistic-regression fit works on dense matrices, and
//! it is kept sorted so model files are byte-for-byte reproducible.
//!
//! Training turns terms into vectors here ([`Vectorizer::transform`]);
//! classification computes the same tf-idf from token ids in
//! [`crate::features::compiled`], which re-indexes these vocabularies at load time.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::encoding::term_frequency;

/// A sparse row: (feature index, value) pairs sorted by index.
pub(crate) type SparseVec = Vec<(u32, f32)>;

/// How features are selected when there are more than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    /// Keep the terms whose presence is most dependent on the class (chi-square).
    Chi2,
    /// Keep the terms found in the most documents.
    Frequency,
}

impl Selection {
    /// The selection's name as model files spell it.
    pub fn name(self) -> &'static str {
        match self {
            Selection::Chi2 => "chi2",
            Selection::Frequency => "frequency",
        }
    }
}

/// Vocabulary and weighting settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorSettings {
    /// Drop terms found in fewer documents than this.
    pub min_df: usize,
    /// Keep at most this many terms.
    pub max_features: usize,
    /// How to choose the terms kept when there are more than `max_features`.
    pub selection: Selection,
    /// Use `1 + ln(tf)` instead of the raw term count.
    pub sublinear_tf: bool,
}

/// A fitted vocabulary with idf weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "VectorizerParts", into = "VectorizerParts")]
pub struct Vectorizer {
    sublinear_tf: bool,
    vocabulary: Vec<String>,
    idf: Vec<f32>,
    /// Term -> feature id, with a fast non-cryptographic hash (the keys are
    /// the model's own terms, not attacker-chosen).
    index: FxHashMap<String, u32>,
}

/// The stored form of a [`Vectorizer`] (its index is rebuilt on load).
#[derive(Serialize, Deserialize)]
struct VectorizerParts {
    sublinear_tf: bool,
    vocabulary: Vec<String>,
    idf: Vec<f32>,
}

impl TryFrom<VectorizerParts> for Vectorizer {
    type Error = String;
    fn try_from(p: VectorizerParts) -> Result<Self, String> {
        if p.vocabulary.len() != p.idf.len() {
            return Err(format!(
                "vocabulary has {} terms but idf has {} weights",
                p.vocabulary.len(),
                p.idf.len()
            ));
        }
        if p.idf.iter().any(|w| !w.is_finite()) {
            return Err("idf has a non-finite weight".into());
        }
        if p.vocabulary.windows(2).any(|w| w[0] >= w[1]) {
            return Err("vocabulary is not sorted and unique".into());
        }
        Ok(Vectorizer::from_sorted(p.sublinear_tf, p.vocabulary, p.idf))
    }
}

impl From<Vectorizer> for VectorizerParts {
    fn from(v: Vectorizer) -> Self {
        VectorizerParts {
            sublinear_tf: v.sublinear_tf,
            vocabulary: v.vocabulary,
            idf: v.idf,
        }
    }
}

impl Vectorizer {
    fn from_sorted(sublinear_tf: bool, vocabulary: Vec<String>, idf: Vec<f32>) -> Vectorizer {
        let index = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        Vectorizer {
            sublinear_tf,
            vocabulary,
            idf,
            index,
        }
    }

    /// Learns the vocabulary and idf from the terms of each training
    /// document. `labels[i]` (< `n_classes`) is document `i`'s class, used by
    /// chi-square selection.
    pub fn fit(
        settings: &VectorSettings,
        docs: &[&[String]],
        labels: &[usize],
        n_classes: usize,
    ) -> Result<Vectorizer> {
        if settings.max_features == 0 {
            return Err(Error::Settings("max_features must be at least 1".into()));
        }
        // Document frequency, overall and per class.
        let mut df: HashMap<&str, Vec<u32>> = HashMap::new();
        for (doc, &label) in docs.iter().zip(labels) {
            let mut seen: Vec<&str> = doc.iter().map(String::as_str).collect();
            seen.sort_unstable();
            seen.dedup();
            for term in seen {
                df.entry(term).or_insert_with(|| vec![0; n_classes])[label] += 1;
            }
        }
        let n_docs = docs.len() as f64;
        let mut class_docs = vec![0f64; n_classes];
        for &l in labels {
            class_docs[l] += 1.0;
        }
        let mut candidates: Vec<(&str, u32, f64)> = df
            .iter()
            .map(|(term, per_class)| {
                let total: u32 = per_class.iter().sum();
                let score = match settings.selection {
                    Selection::Frequency => total as f64,
                    Selection::Chi2 => per_class
                        .iter()
                        .zip(&class_docs)
                        .filter(|&(_, &nc)| nc > 0.0)
                        .map(|(&obs, &nc)| {
                            let expected = total as f64 * nc / n_docs;
                            (obs as f64 - expected).powi(2) / expected
                        })
                        .sum(),
                };
                (*term, total, score)
            })
            .filter(|&(_, total, _)| total as usize >= settings.min_df.max(1))
            .collect();
        candidates.sort_by(|a, b| {
            b.2.total_cmp(&a.2)
                .then_with(|| b.1.cmp(&a.1))
                .then_with(|| a.0.cmp(b.0))
        });
        candidates.truncate(settings.max_features);
        candidates.sort_by(|a, b| a.0.cmp(b.0));
        // Smoothed idf, as if one extra document held every term.
        let (vocabulary, idf) = candidates
            .into_iter()
            .map(|(term, total, _)| {
                let idf = ((1.0 + n_docs) / (1.0 + total as f64)).ln() + 1.0;
                (term.to_string(), idf as f32)
            })
            .unzip();
        Ok(Vectorizer::from_sorted(settings.sublinear_tf, vocabulary, idf))
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.vocabulary.len()
    }

    /// True when the vocabulary is empty.
    pub fn is_empty(&self) -> bool {
        self.vocabulary.is_empty()
    }

    /// The idf weight of feature `i`.
    pub fn idf(&self, i: u32) -> f32 {
        self.idf[i as usize]
    }

    /// Whether term counts are damped to `1 + ln(tf)`.
    pub fn sublinear_tf(&self) -> bool {
        self.sublinear_tf
    }

    /// The term of feature `i`.
    pub fn term(&self, i: u32) -> &str {
        &self.vocabulary[i as usize]
    }

    /// The L2-normalised tf-idf vector of a document's terms (terms outside
    /// the vocabulary are ignored; an all-unknown document is the zero vector).
    pub fn transform(&self, terms: &[String]) -> SparseVec {
        let ids: Vec<u32> = terms
            .iter()
            .filter_map(|t| self.index.get(t.as_str()).copied())
            .collect();
        self.weigh(ids)
    }

    /// The feature id of `term`, if it is in the vocabulary.
    pub(crate) fn feature(&self, term: &str) -> Option<u32> {
        self.index.get(term).copied()
    }

    /// The row of a document given as the feature ids of its terms (one per
    /// occurrence): term counts -> (sublinear) tf x idf -> L2 normalisation.
    pub(crate) fn weigh(&self, mut ids: Vec<u32>) -> SparseVec {
        ids.sort_unstable();
        let mut row: SparseVec = Vec::new();
        for id in ids {
            match row.last_mut() {
                Some((last, count)) if *last == id => *count += 1.0,
                _ => row.push((id, 1.0)),
            }
        }
        for (id, value) in row.iter_mut() {
            let tf = term_frequency(*value, self.sublinear_tf);
            *value = tf * self.idf[*id as usize];
        }
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    fn settings(max_features: usize, selection: Selection) -> VectorSettings {
        VectorSettings {
            min_df: 1,
            max_features,
            selection,
            sublinear_tf: false,
        }
    }

    #[test]
    fn vocabulary_is_sorted_and_capped_by_chi2() {
        let docs = [
            doc("good war a"),
            doc("good peace a"),
            doc("bad war a"),
            doc("bad peace a"),
        ];
        let labels = [0, 0, 1, 1];
        let docs: Vec<&[String]> = docs.iter().map(Vec::as_slice).collect();
        let v = Vectorizer::fit(&settings(2, Selection::Chi2), &docs, &labels, 2).unwrap();
        // "good" and "bad" separate the classes; "a", "war", "peace" do not.
        assert_eq!(v.vocabulary, ["bad", "good"]);
        let v = Vectorizer::fit(&settings(1, Selection::Frequency), &docs, &labels, 2).unwrap();
        assert_eq!(v.vocabulary, ["a"]);
    }

    #[test]
    fn rows_are_l2_normalised_tfidf() {
        let docs = [doc("x y"), doc("x z")];
        let docs: Vec<&[String]> = docs.iter().map(Vec::as_slice).collect();
        let v = Vectorizer::fit(&settings(10, Selection::Frequency), &docs, &[0, 1], 2).unwrap();
        let row = v.transform(&doc("x y y unknown"));
        let norm: f32 = row.iter().map(|(_, v)| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-6);
        // idf(x) = 1, idf(y) = ln(3/2) + 1; tf(y) = 2.
        let (x, y) = (row[0].1, row[1].1);
        let want = 2.0 * ((1.5f32).ln() + 1.0);
        assert!((y / x - want).abs() < 1e-5, "{x} {y}");
        assert!(v.transform(&doc("nothing known")).is_empty());
    }

    #[test]
    fn round_trips_through_json_and_rejects_inconsistency() {
        let docs = [doc("a b"), doc("b c")];
        let docs: Vec<&[String]> = docs.iter().map(Vec::as_slice).collect();
        let v = Vectorizer::fit(&settings(10, Selection::Chi2), &docs, &[0, 1], 2).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        let back: Vectorizer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(&doc("a c")), v.transform(&doc("a c")));
        let bad = r#"{"sublinear_tf":false,"vocabulary":["b","a"],"idf":[1.0,1.0]}"#;
        assert!(serde_json::from_str::<Vectorizer>(bad).is_err());
    }
}
