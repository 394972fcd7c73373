//! Selection: what cross-validation chooses before the final fits.
//!
//! With `--cv K`, every job is fitted on K folds for every candidate alpha
//! (each fold vectorized, and for a joint fit factored, once), and each
//! task gets the alpha and neutral-class shift with the best out-of-fold
//! score pooled over all its classifiers, as the stance metric pools its
//! targets. With `--mode auto`, the stance modes are compared the same way
//! on the same folds and the better one is fitted.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::vectorize::SparseVec;
use crate::labels::Task;
use crate::metrics::Report;
use crate::model::settings::{StanceMode, ValidSettings};
use crate::scores::argmax;
use crate::train::fit::{Hyperparameters, Vectorized};
use crate::train::plan::FitJob;
use crate::train::progress::ProgressCounter;
use crate::train::split::stratified_folds;

/// Folds used by `auto` to choose the stance mode when `--cv` gives none.
const MODE_CV_FOLDS: usize = 5;

/// Shifts tried for the neutral class's score under `--cv`: a prior
/// correction, since the usual stance metric (`F_avg`) ignores the `none`
/// class and linfa's loss weighs every row the same.
const NEUTRAL_SHIFT_GRID: [f32; 13] = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.5];

/// What selection decided: the stance mode (when there was a choice) and
/// each job's hyperparameters.
pub(crate) struct Selected {
    pub mode: Option<StanceMode>,
    /// In job order.
    pub per_job: Vec<Hyperparameters>,
    /// Pooled out-of-fold score of each candidate stance mode.
    pub mode_scores: BTreeMap<String, f64>,
}

impl Selected {
    /// The settings' own choices, without cross-validation; `mode` is the
    /// stance mode to fit.
    pub(crate) fn fixed(jobs: &[FitJob], mode: Option<StanceMode>, settings: &ValidSettings) -> Selected {
        Selected {
            mode,
            per_job: vec![Hyperparameters::fixed(settings); jobs.len()],
            mode_scores: BTreeMap::new(),
        }
    }
}

/// A row's class index and its out-of-fold class scores.
type ScoredRow = (usize, Vec<f32>);

/// Out-of-fold class scores of one job's rows under one alpha.
struct OutOfFold {
    alpha: f32,
    scored: Vec<ScoredRow>,
}

/// Chooses by cross-validation what `settings` leave open: with `--cv`,
/// one (alpha, neutral shift) per task; among several stance `modes`, the
/// mode (with its own best alpha and shift). Ties go to the earlier mode
/// (per-target).
pub(crate) fn select(
    jobs: &[FitJob],
    modes: &[StanceMode],
    settings: &ValidSettings,
    counter: &ProgressCounter,
) -> Result<Selected> {
    let mut selection = Selected::fixed(jobs, modes.first().copied(), settings);
    let choosing_mode = modes.len() > 1;
    if settings.cv_folds.is_none() && !choosing_mode {
        return Ok(selection);
    }
    let k = settings.cv_folds.unwrap_or(MODE_CV_FOLDS);
    let (alphas, shifts) = match settings.cv_folds {
        Some(_) => (settings.alpha_grid.clone(), NEUTRAL_SHIFT_GRID.to_vec()),
        None => (vec![settings.logistic.alpha], vec![settings.neutral_shift]),
    };
    // Only the stance jobs need scores when only the mode is being chosen.
    let scored = |job: &FitJob| settings.cv_folds.is_some() || job.task == Task::Stance;
    counter.expect(jobs.iter().filter(|j| scored(j)).count() * k * alphas.len());
    let oof: Vec<Vec<OutOfFold>> = jobs
        .par_iter()
        .map(|job| match scored(job) {
            true => cross_validate(job, k, &alphas, settings, counter),
            false => Ok(Vec::new()),
        })
        .collect::<Result<_>>()?;

    // (mode, alpha, shift, score) of the best stance candidate.
    let mut best_stance: Option<(StanceMode, f32, f32, f64)> = None;
    let mut sentiment_choice = None;
    for task in Task::ALL {
        let candidates: Vec<Option<StanceMode>> = match task {
            Task::Stance => modes.iter().copied().map(Some).collect(),
            Task::Sentiment => vec![None],
        };
        for mode in candidates {
            let group: Vec<(&FitJob, &Vec<OutOfFold>)> = jobs
                .iter()
                .zip(&oof)
                .filter(|(job, _)| job.task == task && job.mode == mode && scored(job))
                .collect();
            if group.is_empty() {
                continue;
            }
            let (alpha, shift, score) = choose_alpha_and_shift(task, &group, &alphas, &shifts);
            match mode {
                Some(m) => {
                    if choosing_mode {
                        selection.mode_scores.insert(m.name().to_string(), score);
                    }
                    if best_stance.is_none_or(|b| score > b.3) {
                        best_stance = Some((m, alpha, shift, score));
                    }
                }
                None => sentiment_choice = Some((alpha, shift)),
            }
        }
    }
    if let Some((mode, ..)) = best_stance {
        selection.mode = Some(mode);
    }
    for (i, job) in jobs.iter().enumerate() {
        let (alpha, neutral_shift) = match job.mode {
            Some(_) => match best_stance {
                Some((_, a, s, _)) => (a, s),
                None => continue,
            },
            None => match sentiment_choice {
                Some(choice) => choice,
                None => continue,
            },
        };
        // With --cv, each job's own out-of-fold score per alpha, for the record.
        let cv_scores = match settings.cv_folds {
            Some(_) => {
                let own = [(job, &oof[i])];
                alphas
                    .iter()
                    .map(|&a| (a, pooled_score(job.task, &own, a, 0.0)))
                    .collect()
            }
            None => Vec::new(),
        };
        selection.per_job[i] = Hyperparameters {
            user_weight: selection.per_job[i].user_weight,
            alpha,
            neutral_shift,
            cv_scores,
        };
    }
    Ok(selection)
}

/// Out-of-fold scores of every row for every alpha in `alphas` (`k` folds,
/// stratified and seeded), fitted in parallel.
fn cross_validate(
    job: &FitJob,
    k: usize,
    alphas: &[f32],
    settings: &ValidSettings,
    counter: &ProgressCounter,
) -> Result<Vec<OutOfFold>> {
    let folds = job_folds(job, k, settings.seed);
    let in_fold = |e: Error, fold: usize| match e {
        Error::Training(m) => Error::Training(format!("{} (cross-validation fold {} of {k}): {m}", job.id, fold + 1)),
        other => other,
    };
    // Each fold is vectorized (and for a joint job factored) once; every
    // alpha is fitted on it. Folds and alphas run in parallel.
    let per_fold: Vec<Vec<Vec<ScoredRow>>> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train_idx: Vec<usize> = (0..job.labels.len()).filter(|&i| folds[i] != fold).collect();
            let test_idx: Vec<usize> = (0..job.labels.len()).filter(|&i| folds[i] == fold).collect();
            let input = Vectorized::new(job, &train_idx, settings).map_err(|e| in_fold(e, fold))?;
            let test_rows: Vec<SparseVec> = test_idx
                .iter()
                .map(|&i| input.vectorizer.transform(&job.docs[i]))
                .collect();
            alphas
                .par_iter()
                .map(|&a| {
                    let classifiers = input
                        .fit(&settings.logistic_with_alpha(a), 1)
                        .map_err(|e| in_fold(e, fold))?;
                    counter.tick(&format!("{} (cv alpha={a}, fold {})", job.id, fold + 1));
                    Ok(test_idx
                        .iter()
                        .zip(&test_rows)
                        .map(|(&i, row)| (job.labels[i], classifiers[job.row_groups[i]].scores(row)))
                        .collect())
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    Ok(alphas
        .iter()
        .enumerate()
        .map(|(a, &alpha)| OutOfFold {
            alpha,
            scored: per_fold.iter().flat_map(|fold| fold[a].iter().cloned()).collect(),
        })
        .collect())
}

/// Each row's fold. A joint job's rows get, target by target, the folds the
/// per-target job of that target gives them, so both modes are scored on
/// the same splits.
pub(crate) fn job_folds(job: &FitJob, k: usize, seed: u64) -> Vec<usize> {
    if job.groups.is_empty() {
        return stratified_folds(&job.labels, k, seed, &job.id.to_string());
    }
    let mut folds = vec![0; job.labels.len()];
    for (g, group) in job.groups.iter().enumerate() {
        let members: Vec<usize> = (0..job.labels.len()).filter(|&i| job.row_groups[i] == g).collect();
        let labels: Vec<usize> = members.iter().map(|&i| job.labels[i]).collect();
        let group_folds = stratified_folds(&labels, k, seed, &format!("{}/{group}", job.id));
        for (i, f) in members.into_iter().zip(group_folds) {
            folds[i] = f;
        }
    }
    folds
}

/// The index of the highest score after adding `shift` to class `neutral`'s
/// (first maximum wins, as in prediction).
fn argmax_shifted(scores: &[f32], neutral: Option<usize>, shift: f32) -> usize {
    match neutral {
        Some(n) if shift != 0.0 => {
            let mut shifted = scores.to_vec();
            shifted[n] += shift;
            argmax(&shifted)
        }
        _ => argmax(scores),
    }
}

/// The task's score (F_avg for stance, macro-F1 for sentiment) of the
/// out-of-fold predictions of several jobs pooled, under `alpha` and with
/// `shift` added to each neutral class's score.
fn pooled_score(task: Task, jobs: &[(&FitJob, &Vec<OutOfFold>)], alpha: f32, shift: f32) -> f64 {
    let pairs = jobs.iter().flat_map(|(job, oof)| {
        let neutral = job.neutral_class();
        oof.iter()
            .filter(move |o| o.alpha == alpha)
            .flat_map(|o| o.scored.iter())
            .map(move |(gold, scores)| (job.classes[*gold], job.classes[argmax_shifted(scores, neutral, shift)]))
    });
    let report = Report::new(task, pairs);
    report.f_avg.unwrap_or(report.macro_f1)
}

/// The (alpha, neutral shift, score) with the best pooled out-of-fold score
/// over `jobs` (all of one task), among `alphas` and `shifts`; ties go to
/// the smaller shift, then to the stronger penalty (the simpler model).
fn choose_alpha_and_shift(
    task: Task,
    jobs: &[(&FitJob, &Vec<OutOfFold>)],
    alphas: &[f32],
    shifts: &[f32],
) -> (f32, f32, f64) {
    let shiftable = jobs.iter().any(|(job, _)| job.neutral_class().is_some());
    let shifts: &[f32] = if shiftable { shifts } else { &[0.0] };
    let mut best: Option<(f32, f32, f64)> = None;
    for &a in alphas {
        for &shift in shifts {
            let score = pooled_score(task, jobs, a, shift);
            let better = match best {
                None => true,
                Some((ba, bs, bscore)) => {
                    score > bscore
                        || (score == bscore && (shift.abs() < bs.abs() || (shift.abs() == bs.abs() && a > ba)))
                }
            };
            if better {
                best = Some((a, shift, score));
            }
        }
    }
    best.unwrap_or((alphas[0], 0.0, 0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{ClassifierId, Label, Stance};

    #[test]
    fn cross_validation_pools_targets_and_picks_a_neutral_shift() {
        // Two stance classifiers whose out-of-fold scores favour `none` a
        // little too much: every favor/against row loses to none by 0.3.
        let job = FitJob {
            id: ClassifierId::stance_toward("A"),
            task: Task::Stance,
            mode: Some(StanceMode::PerTarget),
            mask_target: false,
            groups: Vec::new(),
            adapted: false,
            gated: Vec::new(),
            classes: Stance::ALL.map(Into::into).to_vec(),
            labels: Vec::new(),
            row_groups: Vec::new(),
            docs: Vec::new(),
            domains: Vec::new(),
            articles: Vec::new(),
        };
        let scored = |alpha: f32| OutOfFold {
            alpha,
            scored: vec![
                (0, vec![1.0, 0.0, 1.3]),
                (1, vec![0.0, 1.0, 1.3]),
                (2, vec![0.0, 0.0, 1.0]),
                (2, vec![0.5, 0.0, 1.0]),
            ],
        };
        let oof = vec![scored(0.1), scored(1.0)];
        let group = [(&job, &oof), (&job, &oof)];
        assert_eq!(pooled_score(Task::Stance, &group, 0.1, 0.0), 0.0);
        let (alpha, shift, _) = choose_alpha_and_shift(Task::Stance, &group, &[0.1, 1.0], &NEUTRAL_SHIFT_GRID);
        // The smallest shift that fixes both rows wins (at -0.3 favor and
        // none tie, and ties go to the first class); equal scores prefer the
        // stronger penalty.
        assert_eq!(shift, -0.3);
        assert_eq!(alpha, 1.0);
        assert_eq!(pooled_score(Task::Stance, &group, alpha, shift), 1.0);
    }
}
