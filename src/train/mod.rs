//! Training: from labeled rows to a fitted [`Model`].
//!
//! Follows linfa's shape: [`TrainSettings`] (every default documented)
//! are validated, then [`train`] fits one text classifier per decision and
//! returns the model. Term extraction runs once per row; with
//! cross-validation the vocabulary, idf and weights are refitted inside every
//! fold, so the scores that pick the penalty are honest. Folds and held-out
//! splits are stratified and seeded, so the same data and settings give the
//! same model, byte for byte.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::labeled::{Example, Task};
use crate::error::{Error, Result};
use crate::features::terms::{TermExtractor, TermSettings};
use crate::features::vectorize::{Selection, SparseVec, VectorSettings, Vectorizer};
use crate::metrics::Report;
use crate::model::joint;
use crate::model::logistic::{LinearClassifier, LogisticParams, balance_classes};
use crate::model::{
    DataFileInfo, FORMAT_NAME, FORMAT_VERSION, Model, StanceClassifiers, TextClassifier, TrainingRecord, mention_mask,
};
use crate::text::mentions::MentionFinder;
use crate::text::targets::{MentionMask, TargetSpec, same_target, spec_or_named};

/// Which tasks to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSelection {
    Stance,
    Sentiment,
    Both,
}

impl StanceMode {
    /// The mode's name as model files spell it (`per_target`, `joint`...).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

impl TaskSelection {
    /// The tasks selected.
    pub fn tasks(self) -> Vec<Task> {
        match self {
            TaskSelection::Stance => vec![Task::Stance],
            TaskSelection::Sentiment => vec![Task::Sentiment],
            TaskSelection::Both => Task::ALL.to_vec(),
        }
    }
}

/// How stance toward several targets is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StanceMode {
    /// One classifier per target.
    PerTarget,
    /// One classifier for all targets, with target mentions masked.
    Shared,
    /// A classifier per target, all fitted together: each target's weights
    /// are a shared part, learned from every target's rows, plus the
    /// target's own part (see [`crate::model::joint`]).
    Joint,
    /// Per-target or joint, whichever scores better in cross-validation on
    /// the training rows (per-target when there is one target).
    Auto,
}

/// Everything that shapes a model. See [`TrainSettings::default`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    pub task: TaskSelection,
    pub stance_mode: StanceMode,
    pub terms: TermSettings,
    pub vectors: VectorSettings,
    pub logistic: LogisticParams,
    /// Folds of cross-validation used to pick `alpha` from `alpha_grid`
    /// (`None`: use `logistic.alpha` as given).
    pub cv_folds: Option<usize>,
    pub alpha_grid: Vec<f32>,
    /// Seed of every random choice (folds, held-out split).
    pub seed: u64,
    /// Fit stance only on rows whose text mentions their target (by its
    /// aliases), as `classify` only asks the classifier about mentioned
    /// targets. Off by default (SemEval-style targets are rarely named).
    #[serde(default)]
    pub mention_gate: bool,
    /// Repeat rows of smaller classes so every class weighs the same in the
    /// loss (scikit-learn's `class_weight="balanced"`).
    #[serde(default)]
    pub class_balance: bool,
    /// Replace mentions by placeholders before extracting stance terms: the
    /// row's target by `<target>`, the other targets by `<other>` (in
    /// per-target mode too), so "`<other>` accused `<target>`" is learned
    /// once rather than once per pair of aliases.
    #[serde(default)]
    pub mask_mentions: bool,
    /// Added to the intercept of the neutral class (`none` / `neutral`) of
    /// every classifier: a prior correction. With `cv_folds`, chosen by
    /// cross-validation instead, together with alpha.
    #[serde(default, skip_serializing_if = "is_zero_f32")]
    pub neutral_shift: f32,
    /// Sentiment toward each row's target (NewsMTSC-style data) rather than
    /// of the whole text: the sentiment classifier masks the row's target
    /// as `<target>`, and a text is fitted
    /// once per (target, label).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sentiment_toward_target: bool,
}

fn is_zero_f32(x: &f32) -> bool {
    *x == 0.0
}

impl Default for TrainSettings {
    /// The defaults, chosen by cross-validation on SemEval-2016 train (see
    /// the README): both tasks; a classifier per target; stemmed word 1-2
    /// grams and character 3-6 grams; negation marking; min_df 2; 20,000
    /// features kept by chi-square; sublinear tf; alpha 0.1 (scikit-learn's
    /// C = 10); 200 L-BFGS iterations with up to 3 warm restarts; no CV;
    /// seed 42.
    fn default() -> Self {
        TrainSettings {
            task: TaskSelection::Both,
            stance_mode: StanceMode::PerTarget,
            terms: TermSettings {
                word_ngrams: 2,
                char_ngrams: Some((3, 6)),
                negation: true,
            },
            vectors: VectorSettings {
                min_df: 2,
                max_features: 20_000,
                selection: Selection::Chi2,
                sublinear_tf: true,
            },
            logistic: LogisticParams {
                alpha: 0.1,
                ..LogisticParams::default()
            },
            cv_folds: None,
            alpha_grid: vec![0.03, 0.1, 0.3, 1.0],
            seed: 42,
            mention_gate: false,
            class_balance: false,
            mask_mentions: false,
            neutral_shift: 0.0,
            sentiment_toward_target: false,
        }
    }
}

impl TrainSettings {
    /// Checks every setting, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        self.logistic.validate()?;
        if self.terms.word_ngrams == 0 || self.terms.word_ngrams > 5 {
            return Err(Error::Settings("word n-grams must be between 1 and 5".into()));
        }
        if let Some((lo, hi)) = self.terms.char_ngrams {
            if lo == 0 || lo > hi || hi > 8 {
                return Err(Error::Settings(format!(
                    "character n-gram range {lo}-{hi} is invalid (need 1 <= min <= max <= 8)"
                )));
            }
        }
        if self.vectors.max_features == 0 {
            return Err(Error::Settings("max features must be at least 1".into()));
        }
        if let Some(k) = self.cv_folds {
            if k < 2 {
                return Err(Error::Settings("cross-validation needs at least 2 folds".into()));
            }
            if self.alpha_grid.is_empty() || self.alpha_grid.iter().any(|a| !(*a > 0.0)) {
                return Err(Error::Settings("the alpha grid needs positive values".into()));
            }
        }
        if !self.neutral_shift.is_finite() {
            return Err(Error::Settings(format!(
                "neutral shift must be finite, got {}",
                self.neutral_shift
            )));
        }
        Ok(())
    }
}

/// A training step finished: `done` of `total` fits, the last one named.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub what: String,
}

/// Fits a model on `examples`. `targets` gives aliases for targets the data
/// names (others get their name as only alias); `files` is recorded as
/// provenance. `progress` is called after every fit, possibly from several
/// threads.
pub fn train(
    settings: &TrainSettings,
    targets: &[TargetSpec],
    examples: &[Example],
    files: Vec<DataFileInfo>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Model> {
    settings.validate()?;
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

    // The stance modes to fit: `auto` compares per-target and joint fits by
    // cross-validation when there are several targets.
    let modes: Vec<StanceMode> = match settings.stance_mode {
        _ if !tasks.contains(&Task::Stance) => Vec::new(),
        StanceMode::Auto if target_specs.len() > 1 => vec![StanceMode::PerTarget, StanceMode::Joint],
        StanceMode::Auto => vec![StanceMode::PerTarget],
        mode => vec![mode],
    };
    let mut jobs: Vec<Job> = Vec::new();
    for &mode in &modes {
        jobs.extend(stance_jobs(mode, settings, examples, &target_specs));
    }
    // Toward-target sentiment: each row's target, with the aliases the
    // alias file gives it.
    let sentiment_targets: BTreeMap<String, TargetSpec> = if settings.sentiment_toward_target {
        examples
            .iter()
            .filter(|e| e.sentiment.is_some())
            .map(|e| (e.target.clone(), spec_or_named(targets, &e.target)))
            .collect()
    } else {
        BTreeMap::new()
    };
    if tasks.contains(&Task::Sentiment) {
        // Sentiment of the text belongs to the text, not to a target: a
        // statement labeled once per target is fitted once. Sentiment toward
        // the target is fitted once per (text, target, label).
        let mut seen = std::collections::BTreeSet::new();
        let samples: Vec<_> = examples
            .iter()
            .filter_map(|e| {
                let target = sentiment_targets.get(&e.target);
                e.sentiment.map(|l| (e.text.as_str(), target, l))
            })
            .filter(|&(text, target, label)| seen.insert((text, target.map(|t| t.name.as_str()), label)))
            .collect();
        let repeated = examples.iter().filter(|e| e.sentiment.is_some()).count() - samples.len();
        record.sentiment_repeats = repeated;
        jobs.push(Job {
            name: "sentiment".into(),
            task: Task::Sentiment,
            mode: None,
            mask_target: settings.sentiment_toward_target,
            samples,
            groups: Vec::new(),
            gated: Vec::new(),
        });
    }

    let counter = ProgressCounter {
        done: std::sync::atomic::AtomicUsize::new(0),
        total: std::sync::atomic::AtomicUsize::new(0),
        report: progress,
    };
    let prepared: Vec<PreparedJob> = jobs
        .par_iter()
        .map(|job| prepare_job(job, settings, &target_specs))
        .collect::<Result<_>>()?;
    let selection = match select(&prepared, &modes, settings, &counter) {
        Ok(selection) => selection,
        // `auto` was not asked to cross-validate: when it cannot (too few
        // rows of a class for the folds), it falls back to per-target fits
        // and says so in the record.
        Err(e) if settings.cv_folds.is_none() && modes.len() > 1 => {
            record.stance_mode_note = Some(format!(
                "per-target, because cross-validation to choose the mode failed: {e}"
            ));
            CvSelection {
                mode: Some(StanceMode::PerTarget),
                choices: vec![FitChoice::fixed(settings); prepared.len()],
                mode_scores: BTreeMap::new(),
            }
        }
        Err(e) => return Err(e),
    };
    record.stance_mode_scores = selection.mode_scores;
    let chosen = |p: &PreparedJob| p.job.mode.is_none() || p.job.mode == selection.mode;
    let finals = prepared.iter().filter(|p| chosen(p)).count();
    counter.total.fetch_add(finals, std::sync::atomic::Ordering::SeqCst);
    let fitted: Vec<(&PreparedJob, FittedJob)> = prepared
        .par_iter()
        .zip(selection.choices)
        .filter(|(p, _)| chosen(p))
        .map(|(p, choice)| Ok((p, final_fit(p, settings, choice, &counter)?)))
        .collect::<Result<_>>()?;

    let mut stance = None;
    let mut sentiment = None;
    let mut per_target = BTreeMap::new();
    for (p, fit) in fitted {
        let job = p.job;
        record.gated.extend(job.gated.iter().cloned());
        record.alpha.insert(job.name.clone(), fit.alpha);
        if let Some(shift) = fit.neutral_shift {
            record.neutral_shift.insert(job.name.clone(), shift);
        }
        if !fit.cv_scores.is_empty() {
            record.cross_validation.insert(job.name.clone(), fit.cv_scores);
        }
        let mut classifiers = fit.classifiers.into_iter();
        match job.mode {
            None => sentiment = classifiers.next(),
            Some(StanceMode::Shared) => {
                stance = classifiers
                    .next()
                    .map(|classifier| StanceClassifiers::Shared { classifier })
            }
            Some(StanceMode::Joint) => per_target.extend(job.groups.iter().cloned().zip(classifiers)),
            Some(_) => {
                let name = job.name.trim_start_matches("stance/").to_string();
                per_target.extend(classifiers.next().map(|c| (name, c)));
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
            ..settings.clone()
        },
        targets: target_specs,
        stance,
        sentiment,
        training: record,
    })
}

/// The stance fits of one mode: a job per target (per-target), or one job
/// for all targets (shared, joint). Rows whose text does not name their
/// target are left out under the mention gate, and counted.
fn stance_jobs<'a>(
    mode: StanceMode,
    settings: &TrainSettings,
    examples: &'a [Example],
    target_specs: &'a [TargetSpec],
) -> Vec<Job<'a>> {
    // Each target's rows, gated, and how many the gate left out.
    let per_target: Vec<(&TargetSpec, Vec<&'a Example>, usize)> = target_specs
        .iter()
        .map(|spec| {
            let finder = MentionFinder::new(spec);
            let all: Vec<&Example> = examples
                .iter()
                .filter(|e| e.stance.is_some() && same_target(&e.target, &spec.name))
                .collect();
            let n = all.len();
            let kept: Vec<&Example> = all
                .into_iter()
                .filter(|e| !settings.mention_gate || !finder.find(&e.text).is_empty())
                .collect();
            let gated = n - kept.len();
            (spec, kept, gated)
        })
        .collect();
    let sample = |spec: &'a TargetSpec, e: &'a Example| (e.text.as_str(), Some(spec), e.stance.unwrap());
    let gated_per_target = || {
        per_target
            .iter()
            .filter(|(_, _, g)| *g > 0)
            .map(|(spec, _, g)| (format!("stance/{}", spec.name), *g))
            .collect::<Vec<_>>()
    };
    match mode {
        StanceMode::PerTarget | StanceMode::Auto => per_target
            .iter()
            .map(|(spec, rows, gated)| Job {
                name: format!("stance/{}", spec.name),
                task: Task::Stance,
                mode: Some(StanceMode::PerTarget),
                mask_target: settings.mask_mentions,
                samples: rows.iter().map(|e| sample(spec, e)).collect(),
                groups: Vec::new(),
                gated: if *gated > 0 {
                    vec![(format!("stance/{}", spec.name), *gated)]
                } else {
                    Vec::new()
                },
            })
            .collect(),
        StanceMode::Joint => vec![Job {
            name: "stance".into(),
            task: Task::Stance,
            mode: Some(StanceMode::Joint),
            mask_target: settings.mask_mentions,
            samples: per_target
                .iter()
                .flat_map(|(spec, rows, _)| rows.iter().map(|e| sample(spec, e)))
                .collect(),
            groups: target_specs.iter().map(|t| t.name.clone()).collect(),
            gated: gated_per_target(),
        }],
        StanceMode::Shared => {
            let gated: usize = per_target.iter().map(|(_, _, g)| g).sum();
            vec![Job {
                name: "stance".into(),
                task: Task::Stance,
                mode: Some(StanceMode::Shared),
                mask_target: true,
                samples: per_target
                    .iter()
                    .flat_map(|(spec, rows, _)| rows.iter().map(|e| sample(spec, e)))
                    .collect(),
                groups: Vec::new(),
                gated: if gated > 0 {
                    vec![("stance".into(), gated)]
                } else {
                    Vec::new()
                },
            }]
        }
    }
}

/// What cross-validation chose: the stance mode (when there was a choice),
/// and each prepared job's alpha and neutral shift.
struct CvSelection {
    mode: Option<StanceMode>,
    choices: Vec<FitChoice>,
    /// Pooled out-of-fold score of each candidate stance mode.
    mode_scores: BTreeMap<String, f64>,
}

/// Chooses by cross-validation what `settings` leave open: with `--cv`,
/// one (alpha, neutral shift) per task; among several stance `modes`, the
/// mode (with its own best alpha and shift). Scores are pooled over all of
/// a task's rows, as the stance metric pools its targets; ties go to the
/// earlier mode (per-target).
fn select(
    prepared: &[PreparedJob],
    modes: &[StanceMode],
    settings: &TrainSettings,
    counter: &ProgressCounter,
) -> Result<CvSelection> {
    let mut selection = CvSelection {
        mode: modes.first().copied(),
        choices: vec![FitChoice::fixed(settings); prepared.len()],
        mode_scores: BTreeMap::new(),
    };
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
    let scored = |p: &PreparedJob| settings.cv_folds.is_some() || p.job.task == Task::Stance;
    let cv_fits: usize = prepared.iter().filter(|p| scored(p)).count() * k * alphas.len();
    counter.total.fetch_add(cv_fits, std::sync::atomic::Ordering::SeqCst);
    let oof: Vec<Vec<OutOfFold>> = prepared
        .par_iter()
        .map(|p| match scored(p) {
            true => cross_validate(p, k, &alphas, settings, counter),
            false => Ok(Vec::new()),
        })
        .collect::<Result<_>>()?;

    // (mode, alpha, shift, score) of each candidate, per task.
    let mut best_stance: Option<(StanceMode, f32, f32, f64)> = None;
    let mut sentiment_choice = None;
    for task in [Task::Stance, Task::Sentiment] {
        let candidates: Vec<Option<StanceMode>> = match task {
            Task::Stance => modes.iter().copied().map(Some).collect(),
            Task::Sentiment => vec![None],
        };
        for mode in candidates {
            let group: Vec<(&PreparedJob, &Vec<OutOfFold>)> = prepared
                .iter()
                .zip(&oof)
                .filter(|(p, _)| p.job.task == task && p.job.mode == mode && scored(p))
                .collect();
            if group.is_empty() {
                continue;
            }
            let (alpha, shift, score) = choose_alpha_and_shift(task, &group, &alphas, &shifts);
            match mode {
                Some(m) => {
                    if choosing_mode {
                        selection.mode_scores.insert(m.name(), score);
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
    for (i, p) in prepared.iter().enumerate() {
        let (alpha, shift) = match p.job.mode {
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
                let own = [(p, &oof[i])];
                alphas
                    .iter()
                    .map(|&a| (a, pooled_score(p.job.task, &own, a, 0.0)))
                    .collect()
            }
            None => Vec::new(),
        };
        selection.choices[i] = FitChoice {
            alpha,
            shift,
            cv_scores,
        };
    }
    Ok(selection)
}

/// Folds used by `auto` to choose the stance mode when `--cv` gives none.
const MODE_CV_FOLDS: usize = 5;

/// One fit: its rows as (text, target, label). A joint fit names its
/// groups (targets) and yields a classifier for each; any other fit has no
/// groups and yields one classifier.
struct Job<'a> {
    name: String,
    task: Task,
    /// The stance mode this fit belongs to (`None` for sentiment).
    mode: Option<StanceMode>,
    mask_target: bool,
    samples: Vec<(&'a str, Option<&'a TargetSpec>, &'static str)>,
    groups: Vec<String>,
    /// Rows the mention gate left out, per classifier name.
    gated: Vec<(String, usize)>,
}

struct FittedJob {
    /// One per group of the job (one when it has no groups).
    classifiers: Vec<TextClassifier>,
    alpha: f32,
    /// The shift added to the neutral class's intercept, if CV chose one.
    neutral_shift: Option<f32>,
    cv_scores: Vec<(f32, f64)>,
}

struct ProgressCounter<'a> {
    done: std::sync::atomic::AtomicUsize,
    /// Grows as the fits to run become known.
    total: std::sync::atomic::AtomicUsize,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl ProgressCounter<'_> {
    fn tick(&self, what: &str) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (self.report)(Progress {
            done,
            total: self.total.load(std::sync::atomic::Ordering::SeqCst),
            what: what.to_string(),
        });
    }
}

/// A job's rows turned into what fitting needs: the classes present, each
/// row's class index, group index (0 without groups) and terms.
struct PreparedJob<'a> {
    job: &'a Job<'a>,
    classes: Vec<&'static str>,
    labels: Vec<usize>,
    groups: Vec<usize>,
    docs: Vec<Vec<String>>,
}

impl PreparedJob<'_> {
    /// How many classifiers the job fits.
    fn n_groups(&self) -> usize {
        self.job.groups.len().max(1)
    }
}

/// A row's class index and its out-of-fold class scores.
type ScoredRow = (usize, Vec<f32>);

/// Out-of-fold class scores of one job's rows under one alpha.
struct OutOfFold {
    alpha: f32,
    scored: Vec<ScoredRow>,
}

/// What a job is fitted with: alpha, the neutral shift, and (after
/// cross-validation) its own out-of-fold score per alpha, for the record.
#[derive(Clone)]
struct FitChoice {
    alpha: f32,
    shift: f32,
    cv_scores: Vec<(f32, f64)>,
}

impl FitChoice {
    /// Alpha and shift as the settings give them.
    fn fixed(settings: &TrainSettings) -> FitChoice {
        FitChoice {
            alpha: settings.logistic.alpha,
            shift: settings.neutral_shift,
            cv_scores: Vec::new(),
        }
    }
}

fn prepare_job<'a>(job: &'a Job<'a>, settings: &TrainSettings, targets: &[TargetSpec]) -> Result<PreparedJob<'a>> {
    let labels_all = job.task.labels();
    let classes: Vec<&'static str> = labels_all
        .iter()
        .copied()
        .filter(|l| job.samples.iter().any(|s| s.2 == *l))
        .collect();
    if classes.len() < 2 {
        return Err(Error::Training(format!(
            "{}: all {} rows have the label \"{}\"; a classifier needs at least two classes",
            job.name,
            job.samples.len(),
            classes.first().copied().unwrap_or("?")
        )));
    }
    let labels: Vec<usize> = job
        .samples
        .iter()
        .map(|s| classes.iter().position(|c| *c == s.2).unwrap())
        .collect();
    let groups: Vec<usize> = job
        .samples
        .iter()
        .map(|s| {
            s.1.and_then(|t| job.groups.iter().position(|g| *g == t.name))
                .unwrap_or(0)
        })
        .collect();
    let mut extractor = TermExtractor::default();
    // One mask per target, built once (not once per row).
    let masks: BTreeMap<&str, Option<MentionMask>> = job
        .samples
        .iter()
        .filter_map(|s| s.1)
        .map(|t| {
            (
                t.name.as_str(),
                mention_mask(job.mask_target, settings.mask_mentions, t, targets),
            )
        })
        .collect();
    let docs: Vec<Vec<String>> = job
        .samples
        .iter()
        .map(|&(text, target, _)| {
            let mask = target.and_then(|t| masks[t.name.as_str()].as_ref());
            extractor.terms(&settings.terms, text, mask)
        })
        .collect();
    Ok(PreparedJob {
        job,
        classes,
        labels,
        groups,
        docs,
    })
}

/// Out-of-fold scores of every row for every alpha in `alphas` (`k` folds,
/// stratified and seeded), fitted in parallel.
fn cross_validate(
    p: &PreparedJob,
    k: usize,
    alphas: &[f32],
    settings: &TrainSettings,
    counter: &ProgressCounter,
) -> Result<Vec<OutOfFold>> {
    let folds = job_folds(p, k, settings.seed);
    let in_fold = |e: Error, fold: usize| match e {
        Error::Training(m) => Error::Training(format!(
            "{} (cross-validation fold {} of {k}): {m}",
            p.job.name,
            fold + 1
        )),
        other => other,
    };
    // Each fold is vectorized (and for a joint job factored) once; every
    // alpha is fitted on it. Folds and alphas run in parallel.
    let per_fold: Vec<Vec<Vec<ScoredRow>>> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train_idx: Vec<usize> = (0..p.labels.len()).filter(|&i| folds[i] != fold).collect();
            let test_idx: Vec<usize> = (0..p.labels.len()).filter(|&i| folds[i] == fold).collect();
            let input = FitInput::new(
                &train_idx.iter().map(|&i| p.docs[i].clone()).collect::<Vec<_>>(),
                &train_idx.iter().map(|&i| p.labels[i]).collect::<Vec<_>>(),
                &train_idx.iter().map(|&i| p.groups[i]).collect::<Vec<_>>(),
                p.n_groups(),
                &p.classes,
                settings,
            )
            .map_err(|e| in_fold(e, fold))?;
            let test_rows: Vec<SparseVec> = test_idx
                .iter()
                .map(|&i| input.vectorizer.transform(&p.docs[i]))
                .collect();
            alphas
                .par_iter()
                .map(|&a| {
                    let params = LogisticParams {
                        alpha: a,
                        ..settings.logistic.clone()
                    };
                    let classifiers = input.fit(&params).map_err(|e| in_fold(e, fold))?;
                    counter.tick(&format!("{} (cv alpha={a}, fold {})", p.job.name, fold + 1));
                    Ok(test_idx
                        .iter()
                        .zip(&test_rows)
                        .map(|(&i, row)| (p.labels[i], classifiers[p.groups[i]].scores(row)))
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
fn job_folds(p: &PreparedJob, k: usize, seed: u64) -> Vec<usize> {
    if p.job.groups.is_empty() {
        return stratified_folds(&p.labels, k, seed, &p.job.name);
    }
    let mut folds = vec![0; p.labels.len()];
    for (g, group) in p.job.groups.iter().enumerate() {
        let members: Vec<usize> = (0..p.labels.len()).filter(|&i| p.groups[i] == g).collect();
        let labels: Vec<usize> = members.iter().map(|&i| p.labels[i]).collect();
        let group_folds = stratified_folds(&labels, k, seed, &format!("{}/{group}", p.job.name));
        for (i, f) in members.into_iter().zip(group_folds) {
            folds[i] = f;
        }
    }
    folds
}

/// The index of a task's no-stance / neutral class among `classes`.
fn neutral_class(task: Task, classes: &[&str]) -> Option<usize> {
    task.labels().last().and_then(|n| classes.iter().position(|c| c == n))
}

/// The task's score (F_avg for stance, macro-F1 for sentiment) of the
/// out-of-fold predictions of several jobs pooled, under `alpha` and with
/// `shift` added to each neutral class's score.
fn pooled_score(task: Task, jobs: &[(&PreparedJob, &Vec<OutOfFold>)], alpha: f32, shift: f32) -> f64 {
    let pairs = jobs.iter().flat_map(|(p, oof)| {
        let neutral = neutral_class(task, &p.classes);
        oof.iter()
            .filter(move |o| o.alpha == alpha)
            .flat_map(|o| o.scored.iter())
            .map(move |(gold, scores)| (p.classes[*gold], p.classes[argmax_shifted(scores, neutral, shift)]))
    });
    let report = Report::new(task.labels(), pairs);
    report.f_avg.unwrap_or(report.macro_f1)
}

/// The (alpha, neutral shift, score) with the best pooled out-of-fold score
/// over `jobs` (all of one task), among `alphas` and `shifts`; ties go to
/// the smaller shift, then to the stronger penalty (the simpler model).
fn choose_alpha_and_shift(
    task: Task,
    jobs: &[(&PreparedJob, &Vec<OutOfFold>)],
    alphas: &[f32],
    shifts: &[f32],
) -> (f32, f32, f64) {
    let shiftable = jobs.iter().any(|(p, _)| neutral_class(task, &p.classes).is_some());
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

/// The final fit of a job on all its rows, with the neutral class's
/// intercept shifted by `shift`.
fn final_fit(
    p: &PreparedJob,
    settings: &TrainSettings,
    choice: FitChoice,
    counter: &ProgressCounter,
) -> Result<FittedJob> {
    let FitChoice {
        alpha,
        shift,
        cv_scores,
    } = choice;
    let params = LogisticParams {
        alpha,
        ..settings.logistic.clone()
    };
    let fitted = FitInput::new(&p.docs, &p.labels, &p.groups, p.n_groups(), &p.classes, settings)
        .and_then(|input| Ok((input.fit(&params)?, input.vectorizer)));
    let (mut classifiers, vectorizer) = fitted.map_err(|e| match e {
        Error::Training(m) => Error::Training(format!("{}: {m}", p.job.name)),
        other => other,
    })?;
    let neutral = neutral_class(p.job.task, &p.classes).filter(|_| shift != 0.0);
    if let Some(c) = neutral {
        classifiers
            .iter_mut()
            .for_each(|classifier| classifier.shift_intercept(c, shift));
    }
    counter.tick(&p.job.name);
    Ok(FittedJob {
        classifiers: classifiers
            .into_iter()
            .map(|classifier| TextClassifier {
                terms: settings.terms.clone(),
                mask_target: p.job.mask_target,
                mask_others: p.job.mask_target && settings.mask_mentions,
                vectorizer: vectorizer.clone(),
                classifier,
            })
            .collect(),
        alpha,
        neutral_shift: neutral.map(|_| shift),
        cv_scores,
    })
}

/// Documents given as terms, vectorized over the vocabulary chosen from
/// them, ready to be fitted with any alpha: one classifier, or with several
/// groups one per group, fitted jointly over a vocabulary they share (chosen
/// by chi-square on group × class). Cross-validation prepares each fold once
/// and fits every candidate alpha on it (for a joint fit the kernel's
/// factor, the costly part, does not depend on alpha).
struct FitInput {
    vectorizer: Vectorizer,
    classes: Vec<String>,
    rows: FitRows,
}

enum FitRows {
    /// One classifier (rows already repeated for `--balance`).
    Single { rows: Vec<SparseVec>, labels: Vec<usize> },
    /// One classifier per group, fitted jointly.
    Joint {
        basis: joint::JointBasis,
        labels: Vec<usize>,
        balance: bool,
    },
}

impl FitInput {
    fn new(
        docs: &[Vec<String>],
        labels: &[usize],
        groups: &[usize],
        n_groups: usize,
        classes: &[&str],
        settings: &TrainSettings,
    ) -> Result<FitInput> {
        let classes: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        let k = classes.len();
        if n_groups > 1 {
            let strata: Vec<usize> = labels.iter().zip(groups).map(|(&l, &g)| g * k + l).collect();
            let vectorizer = Vectorizer::fit(&settings.vectors, docs, &strata, n_groups * k)?;
            let rows: Vec<_> = docs.iter().map(|d| vectorizer.transform(d)).collect();
            let basis = joint::JointBasis::new(rows, groups.to_vec(), n_groups, vectorizer.len())?;
            return Ok(FitInput {
                vectorizer,
                classes,
                rows: FitRows::Joint {
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
        Ok(FitInput {
            vectorizer,
            classes,
            rows: FitRows::Single { rows, labels },
        })
    }

    /// The classifiers (one, or one per group) fitted with `params`.
    fn fit(&self, params: &LogisticParams) -> Result<Vec<LinearClassifier>> {
        match &self.rows {
            FitRows::Single { rows, labels } => Ok(vec![LinearClassifier::fit(
                rows,
                labels,
                self.classes.clone(),
                self.vectorizer.len(),
                params,
            )?]),
            FitRows::Joint { basis, labels, balance } => basis.fit(labels, self.classes.clone(), params, *balance),
        }
    }
}

/// Shifts tried for the neutral class's score under `--cv`: a prior
/// correction, since the usual stance metric (`F_avg`) ignores the `none`
/// class and linfa's loss weighs every row the same.
const NEUTRAL_SHIFT_GRID: [f32; 13] = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.5];

/// The index of the highest score after adding `shift` to class `neutral`'s
/// (first maximum wins, as in prediction).
fn argmax_shifted(scores: &[f32], neutral: Option<usize>, shift: f32) -> usize {
    match neutral {
        Some(n) if shift != 0.0 => {
            let mut shifted = scores.to_vec();
            shifted[n] += shift;
            crate::model::logistic::argmax(&shifted)
        }
        _ => crate::model::logistic::argmax(scores),
    }
}

/// Seeded stratified fold numbers (`0..k`) for each label.
fn stratified_folds(labels: &[usize], k: usize, seed: u64, salt: &str) -> Vec<usize> {
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
pub fn stratified_holdout(examples: &[Example], fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let mut strata: BTreeMap<(String, Option<&str>, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        strata
            .entry((e.target.to_lowercase(), e.stance, e.sentiment))
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

fn fnv1a(s: &str) -> u64 {
    s.bytes()
        .fold(0xcbf29ce484222325, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
}

/// A sentiment model fitted toward targets (no stance) on sentences that
/// praise one person and blame another, for the tests of this crate.
#[cfg(test)]
pub(crate) fn two_people_model() -> Model {
    let names = ["Ames", "Berg", "Cole", "Dorn", "Esch", "Fink", "Gray", "Hale"];
    let mut rows = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in names.iter().filter(|b| *b != a) {
            let text = format!("{a} won praise while {b} faced a scandal, day {i}");
            for (target, label) in [(a, "positive"), (b, "negative")] {
                rows.push(Example {
                    id: format!("{text}/{target}"),
                    text: text.clone(),
                    target: target.to_string(),
                    stance: None,
                    sentiment: Some(label),
                    split: None,
                });
            }
            // A neutral sentence about each, so the class exists.
            rows.push(Example {
                id: format!("{a}-{b}-n"),
                text: format!("{a} met {b} on day {i}"),
                target: a.to_string(),
                stance: None,
                sentiment: Some("neutral"),
                split: None,
            });
        }
    }
    let settings = TrainSettings {
        task: TaskSelection::Sentiment,
        sentiment_toward_target: true,
        ..TrainSettings::default()
    };
    train(&settings, &[], &rows, vec![], &|_| {}).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::vectorize::SparseVec;

    fn ex(text: &str, target: &str, stance: &'static str) -> Example {
        Example {
            id: text.into(),
            text: text.into(),
            target: target.into(),
            stance: Some(stance),
            sentiment: None,
            split: None,
        }
    }

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
        let mut rows = Vec::new();
        for i in 0..20 {
            rows.push(ex(&format!("f{i}"), "A", "favor"));
            rows.push(ex(&format!("a{i}"), "A", "against"));
        }
        let (fit, test) = stratified_holdout(&rows, 0.25, 1);
        assert_eq!(test.len(), 10);
        assert_eq!(fit.len(), 30);
        assert_eq!(test.iter().filter(|e| e.stance == Some("favor")).count(), 5);
    }

    #[test]
    fn balancing_equalises_class_counts() {
        let mut rows: Vec<SparseVec> = (0..7).map(|i| vec![(i, 1.0)]).collect();
        let mut labels = vec![0, 0, 0, 0, 0, 1, 2];
        balance_classes(&mut rows, &mut labels, &[0; 7], 3);
        for c in 0..3 {
            assert_eq!(labels.iter().filter(|&&l| l == c).count(), 5);
        }
        assert_eq!(rows.len(), 15);
        assert_eq!(rows[7], vec![(5, 1.0)]);
    }

    #[test]
    fn cross_validation_pools_targets_and_picks_a_neutral_shift() {
        // Two stance classifiers whose out-of-fold scores favour `none` a
        // little too much: every favor/against row loses to none by 0.3.
        let job = Job {
            name: "stance/A".into(),
            task: Task::Stance,
            mode: Some(StanceMode::PerTarget),
            mask_target: false,
            samples: Vec::new(),
            groups: Vec::new(),
            gated: Vec::new(),
        };
        let classes = vec!["favor", "against", "none"];
        let p = PreparedJob {
            job: &job,
            classes: classes.clone(),
            labels: Vec::new(),
            groups: Vec::new(),
            docs: Vec::new(),
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
        let group = [(&p, &oof), (&p, &oof)];
        assert_eq!(pooled_score(Task::Stance, &group, 0.1, 0.0), 0.0);
        let (alpha, shift, _) = choose_alpha_and_shift(Task::Stance, &group, &[0.1, 1.0], &NEUTRAL_SHIFT_GRID);
        // The smallest shift that fixes both rows wins (at -0.3 favor and
        // none tie, and ties go to the first class); equal scores prefer the
        // stronger penalty.
        assert_eq!(shift, -0.3);
        assert_eq!(alpha, 1.0);
        assert_eq!(pooled_score(Task::Stance, &group, alpha, shift), 1.0);
    }

    /// Two targets, 30 rows each, with a cue word per class.
    fn two_targets() -> Vec<Example> {
        let mut rows = Vec::new();
        for target in ["A", "B"] {
            for i in 0..30 {
                let (stance, cue) = [("favor", "praise"), ("against", "condemn"), ("none", "weather")][i % 3];
                rows.push(ex(&format!("{cue} {target} item{i} day{}", i % 4), target, stance));
            }
        }
        rows
    }

    /// Stance only, `--mode auto`, min_df 1 (the rows are few).
    fn auto_stance_settings() -> TrainSettings {
        TrainSettings {
            task: TaskSelection::Stance,
            stance_mode: StanceMode::Auto,
            vectors: VectorSettings {
                min_df: 1,
                ..TrainSettings::default().vectors
            },
            ..TrainSettings::default()
        }
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
        let jobs: Vec<Job> = [StanceMode::PerTarget, StanceMode::Joint]
            .iter()
            .flat_map(|&m| stance_jobs(m, &settings, &rows, &targets))
            .collect();
        let prepared: Vec<PreparedJob> = jobs
            .iter()
            .map(|j| prepare_job(j, &settings, &targets).unwrap())
            .collect();
        let per_target: Vec<usize> = prepared[..2].iter().flat_map(|p| job_folds(p, 5, 42)).collect();
        assert_eq!(job_folds(&prepared[2], 5, 42), per_target);
    }

    #[test]
    fn auto_falls_back_to_per_target_when_folds_cannot_be_fitted() {
        // Target B has a single `favor` row: some fold trains without it.
        let mut rows = two_targets();
        rows.retain(|e| !(e.target == "B" && e.stance == Some("favor")));
        rows.push(ex("praise B once", "B", "favor"));
        let settings = auto_stance_settings();
        let model = train(&settings, &[], &rows, vec![], &|_| {}).unwrap();
        assert_eq!(model.settings.stance_mode, StanceMode::PerTarget);
        let note = model.training.stance_mode_note.as_deref().unwrap();
        assert!(note.contains("cross-validation"), "{note}");
        assert!(model.training.stance_mode_scores.is_empty());
    }

    #[test]
    fn one_class_is_a_clear_error() {
        let rows: Vec<_> = (0..10).map(|i| ex(&format!("t{i} x"), "A", "favor")).collect();
        let settings = TrainSettings {
            task: TaskSelection::Stance,
            ..TrainSettings::default()
        };
        let err = train(&settings, &[], &rows, vec![], &|_| {}).unwrap_err();
        assert!(err.to_string().contains("at least two classes"), "{err}");
    }

    #[test]
    fn sentiment_toward_target_tells_two_people_in_one_sentence_apart() {
        let model = two_people_model();
        // Every (text, target, label) is fitted once: none repeats.
        assert_eq!(model.training.sentiment_repeats, 0);
        let mut ex = TermExtractor::default();
        let text = "Kopp won praise while Lutz faced a scandal";
        let toward = |t: &str| {
            model
                .predict_sentiment(&mut TermExtractor::default(), text, Some(t))
                .unwrap()
                .label
        };
        assert_eq!(toward("Kopp"), "positive");
        assert_eq!(toward("Lutz"), "negative");
        // Without a target the text is scored unmasked.
        assert!(model.predict_sentiment(&mut ex, text, None).is_ok());
    }
}
