//! Fitting: a job's rows vectorized, then fitted with linfa.
//!
//! [`Vectorized`] holds documents turned into tf-idf rows over a vocabulary
//! chosen from them, ready to be fitted with any alpha: one classifier, or
//! for a joint job one per target, fitted together over a vocabulary they
//! share (chosen by chi-square on target × class). Cross-validation builds
//! one per fold and fits every candidate alpha on it (for a joint fit the
//! kernel's factor, the costly part, does not depend on alpha);
//! [`final_fit`] builds one on all of a job's rows.

use crate::error::{Error, Result};
use crate::features::vectorize::{SparseVec, Vectorizer};
use crate::model::TextClassifier;
use crate::model::joint::JointBasis;
use crate::model::logistic::{LinearClassifier, LogisticParams, balance_classes};
use crate::model::settings::ValidSettings;
use crate::train::plan::FitJob;
use crate::train::progress::ProgressCounter;

/// Rows vectorized over their vocabulary, ready to fit at any alpha.
pub(crate) struct Vectorized {
    pub vectorizer: Vectorizer,
    classes: Vec<String>,
    design: Design,
}

/// What the solver is given.
enum Design {
    /// One classifier (rows already repeated for `--balance`).
    Rows { rows: Vec<SparseVec>, labels: Vec<usize> },
    /// One classifier per group, fitted jointly in the kernel basis.
    Kernel {
        basis: JointBasis,
        labels: Vec<usize>,
        balance: bool,
    },
}

impl Vectorized {
    /// Vectorizes `docs` (with their class `labels` and `groups`) of `job`.
    pub(crate) fn new(
        docs: &[Vec<String>],
        labels: &[usize],
        groups: &[usize],
        job: &FitJob,
        settings: &ValidSettings,
    ) -> Result<Vectorized> {
        let classes: Vec<String> = job.classes.iter().map(|c| c.name().to_string()).collect();
        let k = classes.len();
        let n_groups = job.n_groups();
        if n_groups > 1 {
            let strata: Vec<usize> = labels.iter().zip(groups).map(|(&l, &g)| g * k + l).collect();
            let vectorizer = Vectorizer::fit(&settings.vectors, docs, &strata, n_groups * k)?;
            let rows: Vec<_> = docs.iter().map(|d| vectorizer.transform(d)).collect();
            let basis = JointBasis::new(rows, groups.to_vec(), n_groups, vectorizer.len())?;
            return Ok(Vectorized {
                vectorizer,
                classes,
                design: Design::Kernel {
                    basis,
                    labels: labels.to_vec(),
                    balance: settings.class_balance,
                },
            });
        }
        let vectorizer = Vectorizer::fit(&settings.vectors, docs, labels, k)?;
        let mut rows: Vec<_> = docs.iter().map(|d| vectorizer.transform(d)).collect();
        let mut labels = labels.to_vec();
        if settings.class_balance {
            let one_group = vec![0; labels.len()];
            balance_classes(&mut rows, &mut labels, &one_group, k);
        }
        Ok(Vectorized {
            vectorizer,
            classes,
            design: Design::Rows { rows, labels },
        })
    }

    /// The classifiers (one, or one per group) fitted with `params`.
    pub(crate) fn fit(&self, params: &LogisticParams) -> Result<Vec<LinearClassifier>> {
        match &self.design {
            Design::Rows { rows, labels } => Ok(vec![LinearClassifier::fit(
                rows,
                labels,
                self.classes.clone(),
                self.vectorizer.len(),
                params,
            )?]),
            Design::Kernel { basis, labels, balance } => basis.fit(labels, self.classes.clone(), params, *balance),
        }
    }
}

/// What a job is fitted with: alpha, the shift of the neutral class's
/// score, and (after `--cv`) its own out-of-fold score per alpha, for the
/// record.
#[derive(Debug, Clone)]
pub(crate) struct Hyperparameters {
    pub alpha: f32,
    pub neutral_shift: f32,
    pub cv_scores: Vec<(f32, f64)>,
}

impl Hyperparameters {
    /// Alpha and shift as the settings give them.
    pub(crate) fn fixed(settings: &ValidSettings) -> Hyperparameters {
        Hyperparameters {
            alpha: settings.logistic.alpha,
            neutral_shift: settings.neutral_shift,
            cv_scores: Vec::new(),
        }
    }
}

/// The final fit of a job on all its rows, with the neutral class's
/// intercept shifted by the chosen shift. Returns the classifiers (one per
/// group) and the shift applied, if any.
pub(crate) fn final_fit(
    job: &FitJob,
    settings: &ValidSettings,
    hyper: &Hyperparameters,
    counter: &ProgressCounter,
) -> Result<(Vec<TextClassifier>, Option<f32>)> {
    let params = settings.logistic_with_alpha(hyper.alpha);
    let fitted = Vectorized::new(&job.docs, &job.labels, &job.row_groups, job, settings)
        .and_then(|input| Ok((input.fit(&params)?, input.vectorizer)));
    let (mut classifiers, vectorizer) = fitted.map_err(|e| match e {
        Error::Training(m) => Error::Training(format!("{}: {m}", job.id)),
        other => other,
    })?;
    let shift = hyper.neutral_shift;
    let neutral = job.neutral_class().filter(|_| shift != 0.0);
    if let Some(c) = neutral {
        classifiers
            .iter_mut()
            .for_each(|classifier| classifier.shift_intercept(c, shift));
    }
    counter.tick(&job.id.to_string());
    let classifiers = classifiers
        .into_iter()
        .map(|classifier| TextClassifier {
            terms: settings.terms.clone(),
            mask_target: job.mask_target,
            mask_others: job.mask_target && settings.mask_mentions,
            vectorizer: vectorizer.clone(),
            classifier,
        })
        .collect();
    Ok((classifiers, neutral.map(|_| shift)))
}
