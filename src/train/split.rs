//! Splits: cross-validation folds and held-out rows, stratified and seeded.
//!
//! Every random choice in training is made here, from the settings' seed,
//! so the same data and settings give the same folds, hold-out and model.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::data::labeled::Example;
use crate::error::{Error, Result};

/// Which rows are held out of fitting, for the report on a fresh model.
#[derive(Debug, Clone)]
pub enum HoldOut {
    /// Rows of their own (another file), with a name for the report.
    Rows { rows: Vec<Example>, name: String },
    /// A seeded, stratified fraction of the rows (strictly between 0 and 1).
    Fraction(f64),
    /// The rows whose `split` is `"test"` (what `train` does by default).
    SplitTest,
}

/// Rows split into those fitted and those held out.
#[derive(Debug, Clone)]
pub struct Split {
    pub fit: Vec<Example>,
    pub held_out: Vec<Example>,
    /// What was held out, for the report.
    pub description: String,
}

/// Splits `examples` as `how` says; `seed` seeds a fraction's shuffle.
pub fn hold_out(examples: Vec<Example>, how: HoldOut, seed: u64) -> Result<Split> {
    Ok(match how {
        HoldOut::Rows { rows, name } => Split {
            fit: examples,
            held_out: rows,
            description: name,
        },
        HoldOut::Fraction(fraction) => {
            if !(fraction > 0.0 && fraction < 1.0) {
                return Err(Error::Settings(format!(
                    "the held-out fraction must be between 0 and 1, got {fraction}"
                )));
            }
            let (fit, held_out) = stratified_holdout(&examples, fraction, seed);
            Split {
                fit,
                held_out,
                description: format!("{:.0}% stratified hold-out", fraction * 100.0),
            }
        }
        HoldOut::SplitTest => {
            let (held_out, fit): (Vec<_>, Vec<_>) =
                examples.into_iter().partition(|e| e.split.as_deref() == Some("test"));
            Split {
                fit,
                held_out,
                description: "rows with split \"test\"".to_string(),
            }
        }
    })
}

/// Seeded stratified fold numbers (`0..k`) for each label; `salt` (a
/// classifier's name) gives each classifier its own shuffle.
pub(crate) fn stratified_folds(labels: &[usize], k: usize, seed: u64, salt: &str) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ fnv1a(salt));
    let n_classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut folds = vec![0; labels.len()];
    let mut next = 0;
    for class in 0..n_classes {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        idx.shuffle(&mut rng);
        for i in idx {
            folds[i] = next % k;
            next += 1;
        }
    }
    folds
}

/// Splits rows into (fit, held-out), holding out `fraction` of each
/// (target, stance, sentiment) stratum, chosen by a seeded shuffle.
pub(crate) fn stratified_holdout(examples: &[Example], fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    // (target, stance, sentiment) -> rows.
    type Stratum<'a> = (String, Option<&'a str>, Option<&'a str>);
    let mut strata: BTreeMap<Stratum, Vec<usize>> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        let name = |l: Option<crate::labels::AnyLabel>| l.map(|l| l.name());
        strata
            .entry((
                e.target.to_lowercase(),
                name(e.label(crate::labels::Task::Stance)),
                name(e.label(crate::labels::Task::Sentiment)),
            ))
            .or_default()
            .push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut held = vec![false; examples.len()];
    for idx in strata.values_mut() {
        idx.shuffle(&mut rng);
        let n = (idx.len() as f64 * fraction).round() as usize;
        for &i in idx.iter().take(n) {
            held[i] = true;
        }
    }
    let mut fit = Vec::new();
    let mut test = Vec::new();
    for (e, h) in examples.iter().zip(held) {
        if h { test.push(e.clone()) } else { fit.push(e.clone()) }
    }
    (fit, test)
}

pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes()
        .fold(0xcbf29ce484222325, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::Stance;

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
        let a = stratified_folds(&labels, 2, 7, "x");
        assert_eq!(a, stratified_folds(&labels, 2, 7, "x"));
        for class in 0..2 {
            let in_fold0 = (0..10).filter(|&i| labels[i] == class && a[i] == 0).count();
            assert_eq!(in_fold0, 2);
        }
    }

    #[test]
    fn holdout_is_stratified() {
        let ex = |text: String, stance| Example {
            id: text.clone(),
            text,
            target: "A".into(),
            stance: Some(stance),
            sentiment: None,
            ..Example::default()
        };
        let mut rows = Vec::new();
        for i in 0..20 {
            rows.push(ex(format!("f{i}"), Stance::Favor));
            rows.push(ex(format!("a{i}"), Stance::Against));
        }
        let (fit, test) = stratified_holdout(&rows, 0.25, 1);
        assert_eq!(test.len(), 10);
        assert_eq!(fit.len(), 30);
        assert_eq!(test.iter().filter(|e| e.stance == Some(Stance::Favor)).count(), 5);
    }
}
