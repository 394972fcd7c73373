//! Decisions: what a classifier says about one text, with its confidence.
//!
//! Every prediction, whatever path made it (the training path's feature
//! vector, the compiled scorer, a rule for an unmentioned target), ends as a
//! [`Decision`]: the label, its probability, the probability of every label
//! the classifier knows, and, when asked, the evidence (the terms that
//! pushed it most). A classifier's classes are checked against its task's
//! labels once ([`ClassLabels`]), so a decision's label is always one of
//! them.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::labels::Label;
use crate::scores::argmax;

/// A decision with its probabilities and, when asked, its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision<L: Label> {
    pub label: L,
    #[serde(serialize_with = "crate::scores::rounded_f32")]
    pub confidence: f32,
    /// Probability of every label (absent for a decision made by rule,
    /// such as `none` toward a target the statement does not mention).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Probabilities<L>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl<L: Label> Decision<L> {
    /// The decision with its evidence's offsets moved `by` bytes (from the
    /// statement into the article).
    pub(crate) fn offset_by(mut self, by: usize) -> Self {
        for e in &mut self.evidence {
            e.start += by;
            e.end += by;
        }
        self
    }

    /// A decision made by rule, with full confidence and no probabilities.
    pub fn by_rule(label: L) -> Self {
        Decision {
            label,
            confidence: 1.0,
            probabilities: None,
            evidence: Vec::new(),
        }
    }
}

/// The probability of each label a classifier knows, held inline; written
/// as a JSON object in alphabetical label order (`{"against": 0.1, "favor":
/// 0.7, "none": 0.2}`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probabilities<L: Label> {
    /// By position in [`Label::ALL`]; `None` for a label the classifier
    /// was not trained with.
    values: [Option<f32>; 3],
    _label: std::marker::PhantomData<L>,
}

impl<L: Label> Probabilities<L> {
    /// The probability of `label`, if the classifier knows it.
    pub fn get(&self, label: L) -> Option<f32> {
        self.values[label.index()]
    }

    /// (label, probability) pairs in alphabetical label order.
    pub fn iter(&self) -> impl Iterator<Item = (L, f32)> + '_ {
        L::ALPHABETICAL.into_iter().filter_map(|l| self.get(l).map(|p| (l, p)))
    }
}

impl<L: Label> Serialize for Probabilities<L> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (label, p) in self.iter() {
            map.serialize_entry(label.name(), &crate::scores::round_figure(p as f64))?;
        }
        map.end()
    }
}

/// Words of the text and how much they pushed a decision: a word (its own
/// term and its character n-grams together), a phrase (a word n-gram of
/// the model), or a masked mention, with its byte span and its signed
/// contribution to the decided class's score against the classes' mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The words as written.
    pub text: String,
    /// Byte offsets (into the article in a classification result).
    pub start: usize,
    pub end: usize,
    /// Positive: pushed toward the decided label; negative: away from it.
    #[serde(serialize_with = "crate::scores::rounded_f32")]
    pub contribution: f32,
}

/// A classifier's classes as its task's labels, in class order.
#[derive(Debug, Clone)]
pub(crate) struct ClassLabels<L: Label> {
    labels: Vec<L>,
}

impl<L: Label> ClassLabels<L> {
    /// Checks that `classes` (as a classifier stores them) are distinct
    /// labels of `L`'s task.
    pub(crate) fn new(classes: &[String]) -> Result<Self> {
        let mut labels: Vec<L> = Vec::with_capacity(classes.len());
        for c in classes {
            let label = L::parse(c).filter(|l| l.name() == c).ok_or_else(|| {
                Error::Settings(format!(
                    "the model's {} classifier has an unknown class \"{c}\"",
                    L::TASK.name()
                ))
            })?;
            if labels.contains(&label) {
                return Err(Error::Settings(format!(
                    "the model's {} classifier has class \"{c}\" twice",
                    L::TASK.name()
                )));
            }
            labels.push(label);
        }
        Ok(ClassLabels { labels })
    }

    /// The decision for class probabilities `probs` (in class order).
    pub(crate) fn decide(&self, probs: &[f32], evidence: Vec<Evidence>) -> Decision<L> {
        let best = argmax(probs);
        let mut values = [None; 3];
        for (&label, &p) in self.labels.iter().zip(probs) {
            values[label.index()] = Some(p);
        }
        Decision {
            label: self.labels[best],
            confidence: probs[best],
            probabilities: Some(Probabilities {
                values,
                _label: std::marker::PhantomData,
            }),
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{Sentiment, Stance};

    #[test]
    fn probabilities_come_out_alphabetically_and_labels_are_checked() {
        let classes = ["favor", "against", "none"].map(String::from);
        let labels = ClassLabels::<Stance>::new(&classes).unwrap();
        let d = labels.decide(&[0.2, 0.7, 0.1], Vec::new());
        assert_eq!(d.label, Stance::Against);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"label":"against","confidence":0.7,"probabilities":{"against":0.7,"favor":0.2,"none":0.1}}"#
        );
        // Two classes only: the third label has no probability.
        let two = ClassLabels::<Sentiment>::new(&["neutral".into(), "positive".into()]).unwrap();
        let d = two.decide(&[0.4, 0.6], Vec::new());
        assert_eq!(d.probabilities.unwrap().get(Sentiment::Negative), None);
        assert_eq!(
            serde_json::to_string(&d.probabilities).unwrap(),
            r#"{"neutral":0.4,"positive":0.6}"#
        );
        for bad in [
            &["favor".into(), "positive".into()][..],
            &["favor".into(), "favor".into()],
            &["Favor".into()],
        ] {
            assert!(ClassLabels::<Stance>::new(bad).is_err(), "{bad:?}");
        }
    }
}
