//! Adaptation: how much the user's own rows should weigh, chosen by
//! cross-validation over them.
//!
//! A few hundred statements labeled from the user's own news move accuracy
//! on that news more than thousands more of ours, provided they weigh
//! enough against the general corpus, and how much is enough depends on
//! the news and the labels. So the weight is chosen from a grid: the user's
//! rows are cut into folds that keep each article's rows together (a
//! statement's neighbours share its topic and wording, and would leak),
//! every fold is fitted with all the general rows and the other folds'
//! user rows at each weight, and the weight whose out-of-fold predictions
//! on the user's rows score best (stance macro-F1 pooled over targets; for
//! a sentiment-only model, sentiment macro-F1) is kept. For an adapted fit
//! the general rows are vectorized and factored once, and each fold only
//! adds its user rows to the factor.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::data::labeled::Domain;
use crate::error::{Error, Result};
use crate::labels::{AnyLabel, ClassifierId, Task};
use crate::metrics::Report;
use crate::model::settings::ValidSettings;
use crate::scores::argmax;
use crate::train::fit::Vectorized;
use crate::train::plan::FitJob;
use crate::train::progress::ProgressCounter;
use crate::train::split::fnv1a;

/// Folds of the user's rows.
const USER_FOLDS: usize = 3;

/// The user weight with the best out-of-fold score, and the score of every
/// candidate (in grid order). Ties go to the earlier weight in the grid.
pub(crate) fn choose_user_weight(
    jobs: &[FitJob],
    settings: &ValidSettings,
    counter: &ProgressCounter,
) -> Result<(u32, Vec<(u32, f64)>)> {
    let with_user: Vec<&FitJob> = jobs.iter().filter(|j| j.has_user_rows()).collect();
    let task = if with_user.iter().any(|j| j.task == Task::Stance) {
        Task::Stance
    } else {
        Task::Sentiment
    };
    let scored: Vec<&FitJob> = with_user.into_iter().filter(|j| j.task == task).collect();
    if scored.is_empty() {
        return Err(Error::Training(
            "choosing the user weight by cross-validation needs rows of the user's own news (FILE:cv)".into(),
        ));
    }
    let grid = &settings.user_weight_grid;
    counter.expect(scored.len() * USER_FOLDS * grid.len());
    let per_job: Vec<Vec<Vec<(AnyLabel, AnyLabel)>>> = scored
        .par_iter()
        .map(|job| out_of_fold(job, settings, counter))
        .collect::<Result<_>>()?;
    if per_job.iter().all(|job| job.iter().all(Vec::is_empty)) {
        return Err(Error::Training(
            "too few rows of your own news to choose their weight by cross-validation: give it (FILE:W)".into(),
        ));
    }
    let scores: Vec<(u32, f64)> = grid
        .iter()
        .enumerate()
        .map(|(w, &weight)| {
            let pairs = per_job.iter().flat_map(|job| job[w].iter().copied());
            (weight, Report::new(task, pairs).macro_f1)
        })
        .collect();
    let best = scores
        .iter()
        .fold(None, |best: Option<(u32, f64)>, &(w, s)| match best {
            Some((_, b)) if b >= s => best,
            _ => Some((w, s)),
        })
        .map_or(1, |(w, _)| w);
    Ok((best, scores))
}

/// The user's rows' (gold, out-of-fold prediction) pairs at each weight of
/// the grid.
fn out_of_fold(
    job: &FitJob,
    settings: &ValidSettings,
    counter: &ProgressCounter,
) -> Result<Vec<Vec<(AnyLabel, AnyLabel)>>> {
    let general = job.rows_of(Domain::General);
    let user = job.rows_of(Domain::User);
    let fold_of = |i: usize| (fnv1a(&job.articles[i]) ^ settings.seed) as usize % USER_FOLDS;
    let in_fold = |e: Error, fold: usize| match e {
        Error::Training(m) => Error::Training(format!(
            "{} (user weight cross-validation, fold {} of {USER_FOLDS}): {m}",
            job.id,
            fold + 1
        )),
        other => other,
    };
    // An adapted fit's vocabulary comes from the general rows alone, so
    // they are vectorized and factored once for every fold.
    let base = match job.adapted {
        true => Some(Vectorized::new(job, &general, settings)?),
        false => None,
    };
    let grid = &settings.user_weight_grid;
    let params = settings.logistic_with_alpha(settings.logistic.alpha);
    let folds: Vec<Vec<Vec<(AnyLabel, AnyLabel)>>> = (0..USER_FOLDS)
        .into_par_iter()
        .map(|fold| {
            let (test, train): (Vec<usize>, Vec<usize>) = user.iter().partition(|&&i| fold_of(i) == fold);
            // A fold whose training rows lack a class cannot be fitted: it
            // is left out of the score.
            let complete = (0..job.classes.len()).all(|c| general.iter().chain(&train).any(|&i| job.labels[i] == c));
            if test.is_empty() || !complete {
                return Ok(vec![Vec::new(); grid.len()]);
            }
            let input = match &base {
                Some(base) => base.extend(job, &train),
                None => Vectorized::new(job, &[general.clone(), train].concat(), settings),
            }
            .map_err(|e| in_fold(e, fold))?;
            let keep = if job.adapted { job.n_groups() - 1 } else { 0 };
            let test_rows: Vec<_> = test.iter().map(|&i| input.vectorizer.transform(&job.docs[i])).collect();
            grid.iter()
                .map(|&w| {
                    let classifiers = input.fit(&params, w).map_err(|e| in_fold(e, fold))?;
                    counter.tick(&format!("{} (user weight {w}, fold {})", job.id, fold + 1));
                    Ok(test
                        .iter()
                        .zip(&test_rows)
                        .map(|(&i, row)| {
                            let predicted = argmax(&classifiers[keep].scores(row));
                            (job.classes[job.labels[i]], job.classes[predicted])
                        })
                        .collect())
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<_>>()?;
    Ok((0..grid.len())
        .map(|w| folds.iter().flat_map(|fold| fold[w].iter().copied()).collect())
        .collect())
}

/// How many of each job's rows are the user's, for the record.
pub(crate) fn user_rows(jobs: &[FitJob]) -> BTreeMap<ClassifierId, usize> {
    jobs.iter()
        .filter(|j| j.has_user_rows())
        .map(|j| (j.id.clone(), j.rows_of(Domain::User).len()))
        .collect()
}
