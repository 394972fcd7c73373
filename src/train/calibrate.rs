//! Calibration samples: each classifier's predictions on rows it was not
//! fitted on, which its calibration is fitted to.
//!
//! Predictions on training rows are overconfident, so the rows are cut into
//! folds and each fold is predicted by a fit on the others, with the final
//! fit's alpha, neutral shift and user weight: the out-of-fold
//! probabilities stand for what the classifier will say about new text. A
//! fit adapted to the user's news is calibrated on the user's rows only
//! (folds by article, the general rows always in training), since those are
//! the text it will be used on; a joint fit's rows are predicted by their
//! own target's classifier.
//!
//! Our corpus's held-out errors are not the errors on a user's outlets, so
//! [`recalibrate`] refits the calibrations of a trained model on a labeled
//! sample of the user's own text (`stance calibrate`), recording the file
//! it came from.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::classify::ArticleClassifier;
use crate::data::labeled::Example;
use crate::features::terms::with_extractor;
use crate::labels::{ClassifierId, Label};
use crate::model::calibration::{CalibrationMethod, calibration_error};
use crate::model::{DataFileInfo, Model};

use crate::data::labeled::Domain;
use crate::error::{Error, Result};
use crate::model::calibration::Calibration;
use crate::model::settings::ValidSettings;
use crate::scores::softmax;
use crate::train::fit::{Hyperparameters, Vectorized};
use crate::train::plan::FitJob;
use crate::train::progress::ProgressCounter;
use crate::train::select::job_folds;
use crate::train::split::fnv1a;

/// Held-out rows of one classifier: gold class and raw probabilities.
#[derive(Debug, Default, Clone)]
pub(crate) struct Sample {
    pub gold: Vec<usize>,
    pub probs: Vec<Vec<f32>>,
}

/// The calibration of each classifier a job yields (in the order
/// [`final_fit`](crate::train::fit::final_fit) returns them), or `None`
/// for each when the settings ask for none or a fold cannot be fitted.
pub(crate) fn calibrations(
    job: &FitJob,
    settings: &ValidSettings,
    hyper: &Hyperparameters,
    counter: &ProgressCounter,
) -> Result<Vec<Option<Calibration>>> {
    let outputs = if job.adapted { 1 } else { job.n_groups() };
    let k = settings.calibration_folds;
    if settings.calibration == crate::model::calibration::CalibrationMethod::None {
        return Ok(vec![None; outputs]);
    }
    let samples = match out_of_fold(job, settings, hyper, counter, k) {
        Ok(samples) => samples,
        // Too few rows of a class for the folds: no calibration, rather
        // than no model.
        Err(Error::Training(_)) => return Ok(vec![None; outputs]),
        Err(e) => return Err(e),
    };
    let source = match job.adapted {
        true => format!("out-of-fold predictions on the user's rows, {k} folds by article"),
        false => format!("out-of-fold predictions, {k} folds"),
    };
    Ok(samples
        .into_iter()
        .map(|s| Calibration::fit(settings.calibration, &s.gold, &s.probs, source.clone()))
        .collect())
}

/// The out-of-fold sample of each classifier the job yields.
fn out_of_fold(
    job: &FitJob,
    settings: &ValidSettings,
    hyper: &Hyperparameters,
    counter: &ProgressCounter,
    k: usize,
) -> Result<Vec<Sample>> {
    let params = settings.logistic_with_alpha(hyper.alpha);
    let neutral = job.neutral_class().filter(|_| hyper.neutral_shift != 0.0);
    let all: Vec<usize> = (0..job.docs.len()).collect();
    // Each scored row's fold; rows that are never scored (an adapted fit's
    // general rows) are in no fold.
    let folds: Vec<Option<usize>> = match job.adapted {
        true => all
            .iter()
            .map(|&i| (job.domains[i] == Domain::User).then(|| (fnv1a(&job.articles[i]) ^ settings.seed) as usize % k))
            .collect(),
        false => job_folds(job, k, settings.seed).into_iter().map(Some).collect(),
    };
    let base = match job.adapted {
        true => Some(Vectorized::new(job, &job.rows_of(Domain::General), settings)?),
        false => None,
    };
    let per_fold: Vec<Vec<(usize, usize, Vec<f32>)>> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let test: Vec<usize> = all.iter().copied().filter(|&i| folds[i] == Some(fold)).collect();
            if test.is_empty() {
                counter.tick(&format!("{} (calibration fold {})", job.id, fold + 1));
                return Ok(Vec::new());
            }
            let input = match &base {
                Some(base) => {
                    let train: Vec<usize> = all
                        .iter()
                        .copied()
                        .filter(|&i| job.domains[i] == Domain::User && folds[i] != Some(fold))
                        .collect();
                    base.extend(job, &train)?
                }
                None => {
                    let train: Vec<usize> = all.iter().copied().filter(|&i| folds[i] != Some(fold)).collect();
                    Vectorized::new(job, &train, settings)?
                }
            };
            let classifiers = input.fit(&params, hyper.user_weight)?;
            counter.tick(&format!("{} (calibration fold {})", job.id, fold + 1));
            Ok(test
                .iter()
                .map(|&i| {
                    let (output, classifier) = match job.adapted {
                        true => (0, &classifiers[classifiers.len() - 1]),
                        false => (job.row_groups[i], &classifiers[job.row_groups[i]]),
                    };
                    let mut scores = classifier.scores(&input.vectorizer.transform(&job.docs[i]));
                    if let Some(c) = neutral {
                        scores[c] += hyper.neutral_shift;
                    }
                    (output, job.labels[i], softmax(scores))
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let outputs = if job.adapted { 1 } else { job.n_groups() };
    let mut samples = vec![Sample::default(); outputs];
    for (output, gold, probs) in per_fold.into_iter().flatten() {
        samples[output].gold.push(gold);
        samples[output].probs.push(probs);
    }
    Ok(samples)
}

/// What refitting one classifier's calibration on the user's rows did.
#[derive(Debug, Clone, Serialize)]
pub struct Recalibration {
    /// The classifier (`stance/Russia`, or `stance` for a shared one).
    pub classifier: String,
    /// Rows it was fitted on (labeled, and mentioning their target).
    pub rows: usize,
    /// Expected calibration error and Brier score on those rows, of the
    /// classifier's raw probabilities, under the calibration it had (if
    /// any), and under the new one (fitted on the same rows, so in-sample).
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub ece_raw: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub brier_raw: f64,
    #[serde(serialize_with = "crate::scores::rounded_option")]
    pub ece_previous: Option<f64>,
    #[serde(serialize_with = "crate::scores::rounded_option")]
    pub brier_previous: Option<f64>,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub ece_after: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub brier_after: f64,
}

/// Refits the calibration of every stance classifier of `model` on
/// `examples`, labeled statements of the user's own text, and records
/// `data` (the file, its size and hash) in each. Rows are taken as
/// `classify` decides them: a row whose text does not mention its target
/// is `none` by rule and calibrates nothing, as do rows without a stance
/// label. A classifier none of whose targets has such a row keeps its
/// calibration (and is not in the returned list); no row at all is an
/// error.
pub fn recalibrate(
    model: &mut Model,
    examples: &[Example],
    method: CalibrationMethod,
    data: &DataFileInfo,
) -> Result<Vec<Recalibration>> {
    if method == CalibrationMethod::None {
        return Err(Error::Settings("--calibration none: nothing to fit".into()));
    }
    let mut samples: BTreeMap<String, (ClassifierId, Sample)> = BTreeMap::new();
    {
        let gate = ArticleClassifier::new(model, None, 0)?;
        for e in examples {
            let Some(gold) = e.stance else { continue };
            if gate.statement_stance(&e.text, &e.target)?.probabilities.is_none() {
                continue;
            }
            let id = model.stance_classifier_id(&e.target)?;
            let (classifier, spec) = model.stance_classifier(&e.target)?;
            let mask = classifier.mask_for(&spec, &model.targets);
            let probs = with_extractor(|x| classifier.probabilities(&classifier.featurize(x, &e.text, mask.as_ref())));
            let class = classifier
                .classifier
                .classes()
                .iter()
                .position(|c| c == gold.name())
                .ok_or_else(|| Error::Settings(format!("the model's stance classes lack \"{gold}\"")))?;
            let sample = &mut samples
                .entry(id.to_string())
                .or_insert_with(|| (id, Sample::default()))
                .1;
            sample.gold.push(class);
            sample.probs.push(probs);
        }
    }
    if samples.is_empty() {
        return Err(Error::DataFile {
            path: data.path.clone().into(),
            message: "no row has a stance label and a text that mentions its target (by the model's aliases): nothing to calibrate on".into(),
        });
    }
    let source = format!("{} ({} rows, sha256 {})", data.path, data.rows, data.sha256);
    let mut report = Vec::new();
    for (name, (id, sample)) in samples {
        let classifier = model
            .classifier_mut(&id)
            .expect("the id of one of the model's classifiers");
        let figures = |probs: &dyn Fn(&[f32]) -> Vec<f32>| {
            let rows: Vec<(usize, Vec<f32>)> = sample
                .gold
                .iter()
                .zip(&sample.probs)
                .map(|(&g, p)| (g, probs(p)))
                .collect();
            calibration_error(&rows)
        };
        let (ece_raw, brier_raw) = figures(&|p| p.to_vec());
        let previous = classifier.calibration.as_ref().map(|c| figures(&|p| c.apply(p)));
        let mut calibration = Calibration::fit(method, &sample.gold, &sample.probs, source.clone())
            .expect("a sample with rows and a method");
        calibration.data = Some(data.clone());
        let (ece_after, brier_after) = figures(&|p| calibration.apply(p));
        classifier.calibration = Some(calibration);
        report.push(Recalibration {
            classifier: name,
            rows: sample.gold.len(),
            ece_raw,
            brier_raw,
            ece_previous: previous.map(|p| p.0),
            brier_previous: previous.map(|p| p.1),
            ece_after,
            brier_after,
        });
    }
    Ok(report)
}
