//! Metrics: how well predictions match gold labels.
//!
//! Reports what stance research publishes (accuracy, per-class precision,
//! recall and F1, macro-F1, and SemEval-2016's `F_avg`, the mean of F1(favor)
//! and F1(against)) plus the confusion matrix, as fractions in [0, 1].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::labels::{AnyLabel, Label, Stance, Task};

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub precision: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub recall: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub f1: f64,
    pub support: usize,
}

/// Rows are gold labels, columns predictions, both in `labels` order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    pub matrix: Vec<Vec<usize>>,
}

/// A classification report for one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub n: usize,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub accuracy: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub macro_f1: f64,
    /// Mean of F1(favor) and F1(against); only for stance.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::scores::rounded_option"
    )]
    pub f_avg: Option<f64>,
    pub per_class: BTreeMap<String, ClassMetrics>,
    pub confusion: Confusion,
}

impl Report {
    /// Scores `(gold, predicted)` pairs of `task`'s labels (a label of
    /// the other task is not counted). `f_avg` is filled for stance.
    pub fn new(task: Task, pairs: impl IntoIterator<Item = (AnyLabel, AnyLabel)>) -> Report {
        let labels = task.labels();
        let k = labels.len();
        let pos = |l: AnyLabel| labels.iter().position(|x| *x == l);
        let mut matrix = vec![vec![0usize; k]; k];
        let mut n = 0;
        for (gold, pred) in pairs {
            if let (Some(g), Some(p)) = (pos(gold), pos(pred)) {
                matrix[g][p] += 1;
                n += 1;
            }
        }
        let correct: usize = (0..k).map(|i| matrix[i][i]).sum();
        let mut per_class = BTreeMap::new();
        let mut f1s = Vec::new();
        for (i, label) in labels.iter().enumerate() {
            let tp = matrix[i][i] as f64;
            let support: usize = matrix[i].iter().sum();
            let predicted: usize = matrix.iter().map(|r| r[i]).sum();
            let precision = ratio(tp, predicted as f64);
            let recall = ratio(tp, support as f64);
            let f1 = ratio(2.0 * precision * recall, precision + recall);
            // Macro-F1 averages the classes that occur in gold or predictions.
            if support > 0 || predicted > 0 {
                f1s.push(f1);
            }
            per_class.insert(
                label.name().to_string(),
                ClassMetrics {
                    precision,
                    recall,
                    f1,
                    support,
                },
            );
        }
        let f1 = |label: Stance| per_class[label.name()].f1;
        let f_avg = (task == Task::Stance).then(|| (f1(Stance::Favor) + f1(Stance::Against)) / 2.0);
        Report {
            n,
            accuracy: ratio(correct as f64, n as f64),
            macro_f1: ratio(f1s.iter().sum(), f1s.len() as f64),
            f_avg,
            per_class,
            confusion: Confusion {
                labels: labels.iter().map(|l| l.name().to_string()).collect(),
                matrix,
            },
        }
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_f_avg_and_confusion() {
        use crate::labels::Stance::{Against, Favor, None};
        let pairs = [
            (Favor, Favor),
            (Favor, Against),
            (Against, Against),
            (Against, Against),
            (None, None),
            (None, Favor),
        ];
        let r = Report::new(Task::Stance, pairs.map(|(g, p)| (g.into(), p.into())));
        assert_eq!(r.n, 6);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // favor: P=1/2 R=1/2 F=1/2; against: P=2/3 R=1 F=0.8; none: P=1 R=1/2 F=2/3.
        assert!((r.per_class["favor"].f1 - 0.5).abs() < 1e-12);
        assert!((r.per_class["against"].f1 - 0.8).abs() < 1e-12);
        assert!((r.f_avg.unwrap() - 0.65).abs() < 1e-12);
        assert!((r.macro_f1 - (0.5 + 0.8 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(r.confusion.matrix[0], [1, 1, 0]);
        assert_eq!(r.confusion.matrix[2], [1, 0, 1]);
    }

    #[test]
    fn empty_input_gives_zeros_not_nan() {
        let r = Report::new(Task::Sentiment, []);
        assert_eq!(r.accuracy, 0.0);
        assert_eq!(r.macro_f1, 0.0);
        assert!(r.f_avg.is_none());
    }
}
