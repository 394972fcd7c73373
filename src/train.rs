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

use crate::data::{Example, Task};
use crate::error::{Error, Result};
use crate::logistic::{LinearClassifier, LogisticParams};
use crate::mentions::MentionFinder;
use crate::metrics::Report;
use crate::model::{
    DataFileInfo, FORMAT_NAME, FORMAT_VERSION, Model, StanceClassifiers, TextClassifier, TrainingRecord, mention_mask,
};
use crate::ngrams::{TermExtractor, TermSettings};
use crate::targets::{MentionMask, TargetSpec, same_target};
use crate::vectorize::{Selection, SparseVec, VectorSettings, Vectorizer};

/// Which tasks to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSelection {
    Stance,
    Sentiment,
    Both,
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
                let spec = targets
                    .iter()
                    .find(|t| same_target(&t.name, &e.target))
                    .cloned()
                    .unwrap_or_else(|| TargetSpec::named(&e.target));
                target_specs.push(spec);
            }
        }
        target_specs.sort_by(|a, b| a.name.cmp(&b.name));
    }

    // The fitting jobs: (name, task, samples).
    let mut jobs: Vec<Job> = Vec::new();
    if tasks.contains(&Task::Stance) {
        match settings.stance_mode {
            StanceMode::PerTarget => {
                for spec in &target_specs {
                    let finder = MentionFinder::new(spec);
                    let samples: Vec<_> = examples
                        .iter()
                        .filter(|e| e.stance.is_some() && same_target(&e.target, &spec.name))
                        .filter(|e| !settings.mention_gate || !finder.find(&e.text).is_empty())
                        .map(|e| (e.text.as_str(), Some(spec), e.stance.unwrap()))
                        .collect();
                    let all = examples
                        .iter()
                        .filter(|e| e.stance.is_some() && same_target(&e.target, &spec.name))
                        .count();
                    if all > samples.len() {
                        record
                            .gated
                            .insert(format!("stance/{}", spec.name), all - samples.len());
                    }
                    jobs.push(Job {
                        name: format!("stance/{}", spec.name),
                        task: Task::Stance,
                        mask_target: settings.mask_mentions,
                        samples,
                    });
                }
            }
            StanceMode::Shared => {
                let finders: Vec<MentionFinder> = target_specs.iter().map(MentionFinder::new).collect();
                let samples: Vec<_> = examples
                    .iter()
                    .filter(|e| e.stance.is_some())
                    .filter_map(|e| {
                        let i = target_specs
                            .iter()
                            .position(|t| same_target(&t.name, &e.target))
                            .expect("every stance target has a spec");
                        let keep = !settings.mention_gate || !finders[i].find(&e.text).is_empty();
                        keep.then(|| (e.text.as_str(), Some(&target_specs[i]), e.stance.unwrap()))
                    })
                    .collect();
                let all = examples.iter().filter(|e| e.stance.is_some()).count();
                if all > samples.len() {
                    record.gated.insert("stance".into(), all - samples.len());
                }
                jobs.push(Job {
                    name: "stance".into(),
                    task: Task::Stance,
                    mask_target: true,
                    samples,
                });
            }
        }
    }
    if tasks.contains(&Task::Sentiment) {
        // Sentiment belongs to the text, not to a target: a statement labeled
        // once per target is fitted once.
        let mut seen = std::collections::BTreeSet::new();
        let samples: Vec<_> = examples
            .iter()
            .filter_map(|e| e.sentiment.map(|l| (e.text.as_str(), None, l)))
            .filter(|&(text, _, label)| seen.insert((text, label)))
            .collect();
        let repeated = examples.iter().filter(|e| e.sentiment.is_some()).count() - samples.len();
        record.sentiment_repeats = repeated;
        jobs.push(Job {
            name: "sentiment".into(),
            task: Task::Sentiment,
            mask_target: false,
            samples,
        });
    }

    let fits_per_job = 1 + settings.cv_folds.map_or(0, |k| k * settings.alpha_grid.len());
    let counter = ProgressCounter {
        done: std::sync::atomic::AtomicUsize::new(0),
        total: fits_per_job * jobs.len(),
        report: progress,
    };
    let prepared: Vec<PreparedJob> = jobs
        .par_iter()
        .map(|job| prepare_job(job, settings, &target_specs))
        .collect::<Result<_>>()?;
    // With cross-validation: out-of-fold scores of every job, then one
    // (alpha, neutral shift) per task, chosen on the task's pooled score
    // (every target's rows together, as the stance metric pools them).
    let fixed = FitChoice {
        alpha: settings.logistic.alpha,
        shift: settings.neutral_shift,
        cv_scores: Vec::new(),
    };
    let mut choices: Vec<FitChoice> = vec![fixed; prepared.len()];
    if let Some(k) = settings.cv_folds {
        let oof: Vec<Vec<OutOfFold>> = prepared
            .par_iter()
            .map(|p| cross_validate(p, k, settings, &counter))
            .collect::<Result<_>>()?;
        for task in [Task::Stance, Task::Sentiment] {
            let members: Vec<usize> = (0..prepared.len()).filter(|&i| prepared[i].job.task == task).collect();
            if members.is_empty() {
                continue;
            }
            let group: Vec<(&PreparedJob, &Vec<OutOfFold>)> =
                members.iter().map(|&i| (&prepared[i], &oof[i])).collect();
            let (alpha, shift) = choose_alpha_and_shift(task, &group, &settings.alpha_grid);
            for &i in &members {
                // Each classifier's own out-of-fold score per alpha, for the record.
                let own = [(&prepared[i], &oof[i])];
                let per_alpha = settings
                    .alpha_grid
                    .iter()
                    .map(|&a| (a, pooled_score(task, &own, a, 0.0)))
                    .collect();
                choices[i] = FitChoice {
                    alpha,
                    shift,
                    cv_scores: per_alpha,
                };
            }
        }
    }
    let fitted: Vec<FittedJob> = prepared
        .par_iter()
        .zip(choices)
        .map(|(p, choice)| final_fit(p, settings, choice, &counter))
        .collect::<Result<_>>()?;

    let mut stance = None;
    let mut sentiment = None;
    let mut per_target = BTreeMap::new();
    for (job, fit) in jobs.iter().zip(fitted) {
        record.alpha.insert(job.name.clone(), fit.alpha);
        if let Some(shift) = fit.neutral_shift {
            record.neutral_shift.insert(job.name.clone(), shift);
        }
        if !fit.cv_scores.is_empty() {
            record.cross_validation.insert(job.name.clone(), fit.cv_scores);
        }
        match (job.task, settings.stance_mode) {
            (Task::Sentiment, _) => sentiment = Some(fit.classifier),
            (Task::Stance, StanceMode::Shared) => {
                stance = Some(StanceClassifiers::Shared {
                    classifier: fit.classifier,
                })
            }
            (Task::Stance, StanceMode::PerTarget) => {
                let name = job.name.trim_start_matches("stance/").to_string();
                per_target.insert(name, fit.classifier);
            }
        }
    }
    if settings.stance_mode == StanceMode::PerTarget && tasks.contains(&Task::Stance) {
        stance = Some(StanceClassifiers::PerTarget {
            classifiers: per_target,
        });
    }
    Ok(Model {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").into(),
        settings: settings.clone(),
        targets: target_specs,
        stance,
        sentiment,
        training: record,
    })
}

/// One classifier to fit: its rows as (text, target to mask, label).
struct Job<'a> {
    name: String,
    task: Task,
    mask_target: bool,
    samples: Vec<(&'a str, Option<&'a TargetSpec>, &'static str)>,
}

struct FittedJob {
    classifier: TextClassifier,
    alpha: f32,
    /// The shift added to the neutral class's intercept, if CV chose one.
    neutral_shift: Option<f32>,
    cv_scores: Vec<(f32, f64)>,
}

struct ProgressCounter<'a> {
    done: std::sync::atomic::AtomicUsize,
    total: usize,
    report: &'a (dyn Fn(Progress) + Sync),
}

impl ProgressCounter<'_> {
    fn tick(&self, what: &str) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        (self.report)(Progress {
            done,
            total: self.total,
            what: what.to_string(),
        });
    }
}

/// A job's rows turned into what fitting needs: the classes present, each
/// row's class index and terms.
struct PreparedJob<'a> {
    job: &'a Job<'a>,
    classes: Vec<&'static str>,
    labels: Vec<usize>,
    docs: Vec<Vec<String>>,
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
    let mut extractor = TermExtractor::default();
    // One mask per target, built once (not once per row).
    let masks: BTreeMap<&str, Option<MentionMask>> = targets
        .iter()
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
        docs,
    })
}

/// Out-of-fold scores of every row for every alpha of the grid (`k` folds,
/// stratified and seeded), fitted in parallel.
fn cross_validate(
    p: &PreparedJob,
    k: usize,
    settings: &TrainSettings,
    counter: &ProgressCounter,
) -> Result<Vec<OutOfFold>> {
    let folds = stratified_folds(&p.labels, k, settings.seed, &p.job.name);
    let grid: Vec<(f32, usize)> = settings
        .alpha_grid
        .iter()
        .flat_map(|&a| (0..k).map(move |f| (a, f)))
        .collect();
    let per_fold: Vec<(f32, Vec<ScoredRow>)> = grid
        .par_iter()
        .map(|&(a, fold)| {
            let train_idx: Vec<usize> = (0..p.labels.len()).filter(|&i| folds[i] != fold).collect();
            let test_idx: Vec<usize> = (0..p.labels.len()).filter(|&i| folds[i] == fold).collect();
            let params = LogisticParams {
                alpha: a,
                ..settings.logistic.clone()
            };
            let (vectorizer, classifier) = fit_classifier(
                &train_idx.iter().map(|&i| p.docs[i].clone()).collect::<Vec<_>>(),
                &train_idx.iter().map(|&i| p.labels[i]).collect::<Vec<_>>(),
                &p.classes,
                settings,
                &params,
            )
            .map_err(|e| match e {
                Error::Training(m) => Error::Training(format!(
                    "{} (cross-validation fold {} of {k}): {m}",
                    p.job.name,
                    fold + 1
                )),
                other => other,
            })?;
            counter.tick(&format!("{} (cv alpha={a}, fold {})", p.job.name, fold + 1));
            let scored = test_idx
                .iter()
                .map(|&i| (p.labels[i], classifier.scores(&vectorizer.transform(&p.docs[i]))))
                .collect();
            Ok((a, scored))
        })
        .collect::<Result<_>>()?;
    Ok(settings
        .alpha_grid
        .iter()
        .map(|&alpha| OutOfFold {
            alpha,
            scored: per_fold
                .iter()
                .filter(|(a, _)| *a == alpha)
                .flat_map(|(_, s)| s.iter().cloned())
                .collect(),
        })
        .collect())
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

/// The (alpha, neutral shift) with the best pooled out-of-fold score over
/// `jobs` (all of one task); ties go to the smaller shift, then to the
/// stronger penalty (the simpler model).
fn choose_alpha_and_shift(task: Task, jobs: &[(&PreparedJob, &Vec<OutOfFold>)], alpha_grid: &[f32]) -> (f32, f32) {
    let shiftable = jobs.iter().any(|(p, _)| neutral_class(task, &p.classes).is_some());
    let shifts: &[f32] = if shiftable { &NEUTRAL_SHIFT_GRID } else { &[0.0] };
    let mut best: Option<(f32, f32, f64)> = None;
    for &a in alpha_grid {
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
    best.map(|(a, s, _)| (a, s)).unwrap_or((alpha_grid[0], 0.0))
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
    let (vectorizer, mut classifier) =
        fit_classifier(&p.docs, &p.labels, &p.classes, settings, &params).map_err(|e| match e {
            Error::Training(m) => Error::Training(format!("{}: {m}", p.job.name)),
            other => other,
        })?;
    let neutral = neutral_class(p.job.task, &p.classes).filter(|_| shift != 0.0);
    if let Some(c) = neutral {
        classifier.shift_intercept(c, shift);
    }
    counter.tick(&p.job.name);
    Ok(FittedJob {
        classifier: TextClassifier {
            terms: settings.terms.clone(),
            mask_target: p.job.mask_target,
            mask_others: p.job.mask_target && settings.mask_mentions,
            vectorizer,
            classifier,
        },
        alpha,
        neutral_shift: neutral.map(|_| shift),
        cv_scores,
    })
}

/// Vocabulary + weights for documents given as terms.
fn fit_classifier(
    docs: &[Vec<String>],
    labels: &[usize],
    classes: &[&str],
    settings: &TrainSettings,
    params: &LogisticParams,
) -> Result<(Vectorizer, LinearClassifier)> {
    let vectorizer = Vectorizer::fit(&settings.vectors, docs, labels, classes.len())?;
    let mut rows: Vec<_> = docs.iter().map(|d| vectorizer.transform(d)).collect();
    let mut labels = labels.to_vec();
    if settings.class_balance {
        balance_classes(&mut rows, &mut labels, classes.len());
    }
    let classifier = LinearClassifier::fit(
        &rows,
        &labels,
        classes.iter().map(|c| c.to_string()).collect(),
        vectorizer.len(),
        params,
    )?;
    Ok((vectorizer, classifier))
}

/// Repeats rows of the smaller classes until every class has as many rows as
/// the largest, which weights the log loss like scikit-learn's
/// `class_weight="balanced"` (linfa takes no sample weights). Whole copies
/// first, then the first rows of the class again for the remainder, so the
/// result is deterministic.
fn balance_classes(rows: &mut Vec<SparseVec>, labels: &mut Vec<usize>, n_classes: usize) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l].push(i);
    }
    let target = by_class.iter().map(Vec::len).max().unwrap_or(0);
    for (class, members) in by_class.iter().enumerate() {
        if members.is_empty() {
            continue;
        }
        for k in 0..target - members.len() {
            let i = members[k % members.len()];
            rows.push(rows[i].clone());
            labels.push(class);
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
            crate::logistic::argmax(&shifted)
        }
        _ => crate::logistic::argmax(scores),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        balance_classes(&mut rows, &mut labels, 3);
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
            mask_target: false,
            samples: Vec::new(),
        };
        let classes = vec!["favor", "against", "none"];
        let p = PreparedJob {
            job: &job,
            classes: classes.clone(),
            labels: Vec::new(),
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
        let (alpha, shift) = choose_alpha_and_shift(Task::Stance, &group, &[0.1, 1.0]);
        // The smallest shift that fixes both rows wins (at -0.3 favor and
        // none tie, and ties go to the first class); equal scores prefer the
        // stronger penalty.
        assert_eq!(shift, -0.3);
        assert_eq!(alpha, 1.0);
        assert_eq!(pooled_score(Task::Stance, &group, alpha, shift), 1.0);
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
}
