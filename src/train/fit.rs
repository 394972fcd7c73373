//! Fitting: a job's rows vectorized, then fitted with linfa.
//!
//! [`Vectorized`] holds some of a job's rows turned into tf-idf rows over a
//! vocabulary chosen from them, ready to be fitted with any alpha and any
//! weight of the user's rows: one classifier, or with groups (a joint fit's
//! targets, an adapted fit's domains) one per group, fitted together in the
//! kernel basis over a vocabulary they share. Cross-validation builds one
//! per fold and fits every candidate on it (the kernel's factor, the costly
//! part, depends on neither alpha nor weights); [`final_fit`] builds one on
//! all of a job's rows.

use crate::data::labeled::Domain;
use crate::error::{Error, Result};
use crate::features::vectorize::{SparseVec, Vectorizer};
use crate::model::TextClassifier;
use crate::model::joint::{JointBasis, repeat_rows};
use crate::model::logistic::{LinearClassifier, LogisticParams, balance_classes};
use crate::model::settings::ValidSettings;
use crate::train::plan::FitJob;
use crate::train::progress::ProgressCounter;

/// Rows vectorized over their vocabulary, ready to fit at any alpha and
/// user weight.
#[derive(Clone)]
pub(crate) struct Vectorized {
    pub vectorizer: Vectorizer,
    classes: Vec<String>,
    labels: Vec<usize>,
    /// Whether each row is the user's (weighted by the user weight).
    user: Vec<bool>,
    design: Design,
    balance: bool,
}

/// What the solver is given.
#[derive(Clone)]
enum Design {
    /// One classifier.
    Rows(Vec<SparseVec>),
    /// One classifier per group, fitted jointly in the kernel basis.
    Kernel(JointBasis),
}

impl Vectorized {
    /// Vectorizes rows `rows` (indices) of `job`. The vocabulary comes from
    /// those rows, or, for an adapted fit, from its general rows only (so
    /// the user's rows can be added later, see [`extend`](Self::extend)).
    pub fn new(job: &FitJob, rows: &[usize], settings: &ValidSettings) -> Result<Vectorized> {
        let classes: Vec<String> = job.classes.iter().map(|c| c.name().to_string()).collect();
        let k = classes.len();
        let n_groups = job.n_groups();
        let vocabulary_rows: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&i| !job.adapted || job.domains[i] == Domain::General)
            .collect();
        // Chi-square selection by class, for a joint fit by target x class.
        let stratum = |i: usize| match job.adapted {
            true => job.labels[i],
            false => job.row_groups[i] * k + job.labels[i],
        };
        let n_strata = if job.adapted { k } else { n_groups * k };
        let docs: Vec<&[String]> = vocabulary_rows.iter().map(|&i| job.docs[i].as_slice()).collect();
        let strata: Vec<usize> = vocabulary_rows.iter().map(|&i| stratum(i)).collect();
        let vectorizer = Vectorizer::fit(&settings.vectors, &docs, &strata, n_strata)?;
        let vectors: Vec<SparseVec> = rows.iter().map(|&i| vectorizer.transform(&job.docs[i])).collect();
        let design = if n_groups > 1 {
            let groups = rows.iter().map(|&i| job.row_groups[i]).collect();
            Design::Kernel(JointBasis::new(vectors, groups, n_groups, vectorizer.len())?)
        } else {
            Design::Rows(vectors)
        };
        Ok(Vectorized {
            vectorizer,
            classes,
            labels: rows.iter().map(|&i| job.labels[i]).collect(),
            user: rows.iter().map(|&i| job.domains[i] == Domain::User).collect(),
            design,
            balance: settings.class_balance,
        })
    }

    /// These rows and `more` (indices of `job`), over the same vocabulary;
    /// for an adapted fit only the new rows' part of the kernel's factor is
    /// computed.
    pub fn extend(&self, job: &FitJob, more: &[usize]) -> Result<Vectorized> {
        let vectors: Vec<SparseVec> = more.iter().map(|&i| self.vectorizer.transform(&job.docs[i])).collect();
        let design = match &self.design {
            Design::Kernel(basis) => {
                let groups = more.iter().map(|&i| job.row_groups[i]).collect();
                Design::Kernel(basis.extend(vectors, groups)?)
            }
            Design::Rows(rows) => Design::Rows(rows.iter().cloned().chain(vectors).collect()),
        };
        let mut extended = self.clone();
        extended.design = design;
        extended.labels.extend(more.iter().map(|&i| job.labels[i]));
        extended
            .user
            .extend(more.iter().map(|&i| job.domains[i] == Domain::User));
        Ok(extended)
    }

    /// The classifiers (one, or one per group) fitted with `params`, each of
    /// the user's rows counting `user_weight` times.
    pub fn fit(&self, params: &LogisticParams, user_weight: u32) -> Result<Vec<LinearClassifier>> {
        let weights: Option<Vec<u32>> = (user_weight != 1 && self.user.contains(&true))
            .then(|| self.user.iter().map(|&u| if u { user_weight } else { 1 }).collect());
        match &self.design {
            Design::Rows(rows) => {
                let mut rows = rows.clone();
                let mut labels = self.labels.clone();
                if let Some(weights) = &weights {
                    repeat_rows(&mut rows, &mut labels, weights);
                }
                if self.balance {
                    let one_group = vec![0; labels.len()];
                    balance_classes(&mut rows, &mut labels, &one_group, self.classes.len());
                }
                Ok(vec![LinearClassifier::fit(
                    &rows,
                    &labels,
                    self.classes.clone(),
                    self.vectorizer.len(),
                    params,
                )?])
            }
            Design::Kernel(basis) => basis.fit(
                &self.labels,
                self.classes.clone(),
                params,
                self.balance,
                weights.as_deref(),
            ),
        }
    }
}

/// What a job is fitted with: alpha, the shift of the neutral class's
/// score, the weight of the user's rows, and (after `--cv`) its own
/// out-of-fold score per alpha, for the record.
#[derive(Debug, Clone)]
pub(crate) struct Hyperparameters {
    pub alpha: f32,
    pub neutral_shift: f32,
    pub user_weight: u32,
    pub cv_scores: Vec<(f32, f64)>,
}

impl Hyperparameters {
    /// Alpha and shift as the settings give them; the user weight, when
    /// cross-validation is to choose it, 1 until it has.
    pub(crate) fn fixed(settings: &ValidSettings) -> Hyperparameters {
        Hyperparameters {
            alpha: settings.logistic.alpha,
            neutral_shift: settings.neutral_shift,
            user_weight: settings.fixed_user_weight().unwrap_or(1),
            cv_scores: Vec::new(),
        }
    }
}

/// The final fit of a job on all its rows, with the neutral class's
/// intercept shifted by the chosen shift. Returns the classifiers (one per
/// target of a joint fit, else one: an adapted fit keeps its user domain's)
/// and the shift applied, if any.
pub(crate) fn final_fit(
    job: &FitJob,
    settings: &ValidSettings,
    hyper: &Hyperparameters,
    counter: &ProgressCounter,
) -> Result<(Vec<TextClassifier>, Option<f32>)> {
    let params = settings.logistic_with_alpha(hyper.alpha);
    let all: Vec<usize> = (0..job.docs.len()).collect();
    let fitted = Vectorized::new(job, &all, settings)
        .and_then(|input| Ok((input.fit(&params, hyper.user_weight)?, input.vectorizer)));
    let (mut classifiers, vectorizer) = fitted.map_err(|e| match e {
        Error::Training(m) => Error::Training(format!("{}: {m}", job.id)),
        other => other,
    })?;
    if job.adapted {
        classifiers.drain(..classifiers.len() - 1);
    }
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
            calibration: None,
        })
        .collect();
    Ok((classifiers, neutral.map(|_| shift)))
}
