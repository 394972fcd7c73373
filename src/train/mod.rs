//! Training: from labeled rows to a fitted [`Model`].
//!
//! Follows linfa's shape: [`TrainSettings`]
//! (every default documented) are checked into
//! [`ValidSettings`], then [`train`] fits one text classifier per decision
//! and returns the model. The stages, one module each: [`plan`] picks each
//! fit's rows and extracts their terms once; [`select`] runs
//! cross-validation where the settings leave alpha, the neutral shift or
//! the stance mode open (vocabulary, idf and weights refitted inside every
//! fold, so the scores are honest); [`fit`] makes the final fits; [`split`]
//! makes the stratified, seeded folds and hold-outs. The same data and
//! settings give the same model, byte for byte.

pub(crate) mod adapt;
pub(crate) mod calibrate;
pub(crate) mod fit;
pub(crate) mod plan;
pub(crate) mod progress;
pub(crate) mod select;
pub(crate) mod split;

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::data::labeled::{Domain, Example};
use crate::error::{Error, Result};
use crate::labels::{ClassifierId, Task};
use crate::model::settings::{StanceMode, TrainSettings, ValidSettings};
use crate::model::{DataFileInfo, FORMAT_NAME, FORMAT_VERSION, Model, StanceClassifiers, TrainingRecord};
use crate::text::targets::{TargetSpec, same_target, spec_or_named};

pub use progress::Progress;
use progress::ProgressCounter;
use select::Selected;
pub use split::{HoldOut, Split, hold_out};

/// Fits a model on `examples`. `targets` gives aliases for targets the data
/// names (others get their name as only alias); `files` is recorded as
/// provenance. `progress` is called after every fit, possibly from several
/// threads.
pub fn train(
    settings: &ValidSettings,
    targets: &[TargetSpec],
    examples: &[Example],
    files: Vec<DataFileInfo>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Model> {
    let tasks = settings.task.tasks();
    let mut record = TrainingRecord {
        data: files,
        ..TrainingRecord::default()
    };
    for &task in &tasks {
        let labeled = examples.iter().filter(|e| e.label(task).is_some()).count();
        record.fit_rows.insert(task.name().into(), labeled);
        record.skipped.insert(task.name().into(), examples.len() - labeled);
        if labeled == 0 {
            return Err(Error::Training(format!(
                "no row has a {} label (use --task to train the other task only)",
                task.name()
            )));
        }
    }

    // The targets named in the data, in sorted order, with their aliases.
    let mut target_specs: Vec<TargetSpec> = Vec::new();
    if tasks.contains(&Task::Stance) {
        for e in examples.iter().filter(|e| e.stance.is_some()) {
            if !target_specs.iter().any(|t| same_target(&t.name, &e.target)) {
                target_specs.push(spec_or_named(targets, &e.target));
            }
        }
        target_specs.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let user_rows = examples.iter().any(|e| e.domain == Domain::User);
    if user_rows && settings.cv_folds.is_some() {
        return Err(Error::Settings(
            "--cv chooses alpha on general data: train without the user's rows to choose it, then adapt with that alpha"
                .into(),
        ));
    }
    // The stance modes to fit: `auto` compares per-target and joint fits by
    // cross-validation when there are several targets (and no user rows,
    // which a joint fit cannot adapt to).
    let modes: Vec<StanceMode> = match settings.stance_mode {
        _ if !tasks.contains(&Task::Stance) => Vec::new(),
        StanceMode::Auto if target_specs.len() > 1 && !user_rows => vec![StanceMode::PerTarget, StanceMode::Joint],
        StanceMode::Auto => vec![StanceMode::PerTarget],
        mode => vec![mode],
    };
    let counter = ProgressCounter::new(progress);
    counter.announce(&format!("extracting terms from {} rows", examples.len()));
    let (jobs, sentiment_repeats) = plan::plan(settings, examples, &modes, &target_specs, targets)?;
    record.sentiment_repeats = sentiment_repeats;
    counter.announce(&format!("fitting {} classifier groups", jobs.len()));
    let mut selection = match select::select(&jobs, &modes, settings, &counter) {
        Ok(selection) => selection,
        // `auto` was not asked to cross-validate: when it cannot (too few
        // rows of a class for the folds), it falls back to per-target fits
        // and says so in the record.
        Err(e) if settings.cv_folds.is_none() && modes.len() > 1 => {
            record.stance_mode_note = Some(format!(
                "per-target, because cross-validation to choose the mode failed: {e}"
            ));
            Selected::fixed(&jobs, Some(StanceMode::PerTarget), settings)
        }
        Err(e) => return Err(e),
    };
    record.stance_mode_scores = std::mem::take(&mut selection.mode_scores);
    if user_rows {
        let weight = match settings.fixed_user_weight() {
            Some(w) => w,
            None => {
                let (w, scores) = adapt::choose_user_weight(&jobs, settings, &counter)?;
                record.user_weight_cv = scores;
                w
            }
        };
        selection.per_job.iter_mut().for_each(|h| h.user_weight = weight);
        record.user_weight = Some(weight);
        record.user_rows = adapt::user_rows(&jobs);
    }
    let chosen = |job: &plan::FitJob| job.mode.is_none() || job.mode == selection.mode;
    // The final fits, and each one's calibration folds.
    let calibration_fits = match settings.calibration {
        crate::model::calibration::CalibrationMethod::None => 0,
        _ => settings.calibration_folds,
    };
    counter.expect(jobs.iter().filter(|j| chosen(j)).count() * (1 + calibration_fits));
    let fitted: Vec<_> = jobs
        .par_iter()
        .zip(&selection.per_job)
        .filter(|(job, _)| chosen(job))
        .map(|(job, hyper)| {
            let (mut classifiers, shift) = fit::final_fit(job, settings, hyper, &counter)?;
            let calibrations = calibrate::calibrations(job, settings, hyper, &counter)?;
            for (classifier, calibration) in classifiers.iter_mut().zip(calibrations) {
                classifier.calibration = calibration;
            }
            Ok((job, hyper, (classifiers, shift)))
        })
        .collect::<Result<_>>()?;

    let mut stance = None;
    let mut sentiment = None;
    let mut per_target = BTreeMap::new();
    for (job, hyper, (classifiers, shift)) in fitted {
        record.gated.extend(job.gated.iter().cloned());
        record.alpha.insert(job.id.clone(), hyper.alpha);
        if let Some(shift) = shift {
            record.neutral_shift.insert(job.id.clone(), shift);
        }
        if !hyper.cv_scores.is_empty() {
            record.cross_validation.insert(job.id.clone(), hyper.cv_scores.clone());
        }
        let mut classifiers = classifiers.into_iter();
        match (job.mode, &job.id) {
            (None, _) => sentiment = classifiers.next(),
            (Some(StanceMode::Shared), _) => {
                stance = classifiers.next().map(|classifier| StanceClassifiers::Shared {
                    classifier: Box::new(classifier),
                })
            }
            (Some(StanceMode::Joint), _) => per_target.extend(job.groups.iter().cloned().zip(classifiers)),
            (Some(_), ClassifierId::Stance(Some(target))) => {
                per_target.extend(classifiers.next().map(|c| (target.clone(), c)));
            }
            (Some(_), other) => {
                return Err(Error::Training(format!("{other}: a per-target fit without a target")));
            }
        }
    }
    if !per_target.is_empty() {
        stance = Some(StanceClassifiers::PerTarget {
            classifiers: per_target,
        });
    }
    Ok(Model {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").into(),
        // The settings as fitted: `auto` is recorded as the mode it chose.
        settings: TrainSettings {
            stance_mode: selection.mode.unwrap_or(settings.stance_mode),
            ..TrainSettings::clone(settings)
        },
        targets: target_specs,
        stance,
        sentiment,
        training: record,
    })
}

/// A sentiment model fitted toward targets (no stance) on sentences that
/// praise one person and blame another, for the tests of this crate.
#[cfg(test)]
pub(crate) fn two_people_model() -> Model {
    use crate::labels::Sentiment;
    use crate::model::settings::TaskSelection;
    let names = ["Ames", "Berg", "Cole", "Dorn", "Esch", "Fink", "Gray", "Hale"];
    let mut rows = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in names.iter().filter(|b| *b != a) {
            let text = format!("{a} won praise while {b} faced a scandal, day {i}");
            for (target, label) in [(a, Sentiment::Positive), (b, Sentiment::Negative)] {
                rows.push(Example {
                    id: format!("{text}/{target}"),
                    text: text.clone(),
                    target: target.to_string(),
                    stance: None,
                    sentiment: Some(label),
                    ..Example::default()
                });
            }
            // A neutral sentence about each, so the class exists.
            rows.push(Example {
                id: format!("{a}-{b}-n"),
                text: format!("{a} met {b} on day {i}"),
                target: a.to_string(),
                stance: None,
                sentiment: Some(Sentiment::Neutral),
                ..Example::default()
            });
        }
    }
    let settings = TrainSettings {
        task: TaskSelection::Sentiment,
        sentiment_toward_target: true,
        ..TrainSettings::default()
    };
    train(&settings.check().unwrap(), &[], &rows, vec![], &|_| {}).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::vectorize::VectorSettings;
    use crate::labels::{Sentiment, Stance};
    use crate::model::settings::TaskSelection;

    fn ex(text: &str, target: &str, stance: Stance) -> Example {
        Example {
            id: text.into(),
            text: text.into(),
            target: target.into(),
            stance: Some(stance),
            sentiment: None,
            ..Example::default()
        }
    }

    /// Two targets, 30 rows each, with a cue word per class.
    fn two_targets() -> Vec<Example> {
        let mut rows = Vec::new();
        for target in ["A", "B"] {
            for i in 0..30 {
                let (stance, cue) = [
                    (Stance::Favor, "praise"),
                    (Stance::Against, "condemn"),
                    (Stance::None, "weather"),
                ][i % 3];
                rows.push(ex(&format!("{cue} {target} item{i} day{}", i % 4), target, stance));
            }
        }
        rows
    }

    /// Stance only, `--mode auto`, min_df 1 (the rows are few).
    fn auto_stance_settings() -> ValidSettings {
        TrainSettings {
            task: TaskSelection::Stance,
            stance_mode: StanceMode::Auto,
            vectors: VectorSettings {
                min_df: 1,
                ..TrainSettings::default().vectors
            },
            ..TrainSettings::default()
        }
        .check()
        .unwrap()
    }

    #[test]
    fn auto_compares_per_target_and_joint_on_the_same_folds() {
        let rows = two_targets();
        let settings = auto_stance_settings();
        let model = train(&settings, &[], &rows, vec![], &|_| {}).unwrap();
        let scores = &model.training.stance_mode_scores;
        assert_eq!(scores.keys().collect::<Vec<_>>(), ["joint", "per_target"]);
        let best = if scores["joint"] > scores["per_target"] {
            StanceMode::Joint
        } else {
            StanceMode::PerTarget
        };
        assert_eq!(model.settings.stance_mode, best);
        assert!(model.training.stance_mode_note.is_none());
        match &model.stance {
            Some(StanceClassifiers::PerTarget { classifiers }) => assert_eq!(classifiers.len(), 2),
            other => panic!("expected per-target classifiers, got {other:?}"),
        }

        // The joint job's rows get the folds the per-target jobs give them.
        let targets: Vec<TargetSpec> = ["A", "B"].map(TargetSpec::named).to_vec();
        let modes = [StanceMode::PerTarget, StanceMode::Joint];
        let (jobs, _) = plan::plan(&settings, &rows, &modes, &targets, &[]).unwrap();
        let per_target: Vec<usize> = jobs[..2].iter().flat_map(|j| select::job_folds(j, 5, 42)).collect();
        assert_eq!(select::job_folds(&jobs[2], 5, 42), per_target);
    }

    #[test]
    fn auto_falls_back_to_per_target_when_folds_cannot_be_fitted() {
        // Target B has a single `favor` row: some fold trains without it.
        let mut rows = two_targets();
        rows.retain(|e| !(e.target == "B" && e.stance == Some(Stance::Favor)));
        rows.push(ex("praise B once", "B", Stance::Favor));
        let settings = auto_stance_settings();
        let model = train(&settings, &[], &rows, vec![], &|_| {}).unwrap();
        assert_eq!(model.settings.stance_mode, StanceMode::PerTarget);
        let note = model.training.stance_mode_note.as_deref().unwrap();
        assert!(note.contains("cross-validation"), "{note}");
        assert!(model.training.stance_mode_scores.is_empty());
    }

    #[test]
    fn one_class_is_a_clear_error() {
        let rows: Vec<_> = (0..10).map(|i| ex(&format!("t{i} x"), "A", Stance::Favor)).collect();
        let settings = TrainSettings {
            task: TaskSelection::Stance,
            ..TrainSettings::default()
        };
        let err = train(&settings.check().unwrap(), &[], &rows, vec![], &|_| {}).unwrap_err();
        assert!(err.to_string().contains("at least two classes"), "{err}");
    }

    #[test]
    fn sentiment_toward_target_tells_two_people_in_one_sentence_apart() {
        let model = two_people_model();
        // Every (text, target, label) is fitted once: none repeats.
        assert_eq!(model.training.sentiment_repeats, 0);
        let text = "Kopp won praise while Lutz faced a scandal";
        let toward = |t: &str| model.predict_sentiment(text, Some(t)).unwrap().label;
        assert_eq!(toward("Kopp"), Sentiment::Positive);
        assert_eq!(toward("Lutz"), Sentiment::Negative);
        // Without a target the text is scored unmasked.
        assert!(model.predict_sentiment(text, None).is_ok());
    }
}
