//! Settings: everything that shapes a model, as stored in the model file.
//!
//! [`TrainSettings`] is the schema a model file records under `settings`
//! (so it lives with the model, not with the trainer) and what a user of
//! the library fills in; every field has a documented default. As in linfa
//! (`Params` -> `check()` -> valid params), [`TrainSettings::check`] tests
//! every setting once and gives a [`ValidSettings`], the only kind
//! [`crate::train::train`] accepts, so nothing downstream checks again.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::terms::TermSettings;
use crate::features::vectorize::{Selection, VectorSettings};
use crate::labels::Task;
use crate::model::calibration::CalibrationMethod;
use crate::model::logistic::LogisticParams;

/// Which tasks to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum StanceMode {
    /// A classifier per target, fitted on that target's rows
    PerTarget,
    /// One classifier for all targets, with target mentions masked
    Shared,
    /// A classifier per target, fitted together: shared weights learned from every target's rows plus each target's own
    Joint,
    /// Per-target or joint, whichever scores better in 5-fold cross-validation on the training rows (or --cv K folds)
    Auto,
}

impl StanceMode {
    /// The mode's name as model files spell it (`per_target`, `joint`...).
    pub fn name(self) -> &'static str {
        match self {
            StanceMode::PerTarget => "per_target",
            StanceMode::Shared => "shared",
            StanceMode::Joint => "joint",
            StanceMode::Auto => "auto",
        }
    }
}

/// How much a row of the user's own news counts in the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserWeight {
    /// Each user row counts this many times (a whole number, at least 1).
    Fixed(u32),
    /// Chosen from `user_weight_grid` by cross-validation over the user's
    /// rows, in folds that keep each article's rows together.
    CrossValidated,
}

impl UserWeight {
    fn is_one(&self) -> bool {
        *self == UserWeight::Fixed(1)
    }

    fn one() -> UserWeight {
        UserWeight::Fixed(1)
    }
}

/// The weights `UserWeight::CrossValidated` chooses from by default.
pub const USER_WEIGHT_GRID: [u32; 4] = [1, 3, 10, 30];

fn default_user_weight_grid() -> Vec<u32> {
    USER_WEIGHT_GRID.to_vec()
}

fn is_default_user_weight_grid(grid: &[u32]) -> bool {
    *grid == USER_WEIGHT_GRID
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
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
    /// How much a row of the user's own news ([`Domain::User`]) counts.
    ///
    /// [`Domain::User`]: crate::data::labeled::Domain::User
    #[serde(default = "UserWeight::one", skip_serializing_if = "UserWeight::is_one")]
    pub user_weight: UserWeight,
    /// Candidate weights for [`UserWeight::CrossValidated`].
    #[serde(
        default = "default_user_weight_grid",
        skip_serializing_if = "is_default_user_weight_grid"
    )]
    pub user_weight_grid: Vec<u32>,
    /// With user rows: fit them in a domain of their own (feature
    /// augmentation, Daumé III 2007: every classifier is fitted as a shared
    /// part, learned from all rows, plus a part for each domain), and keep
    /// the user domain's classifier, so the model keeps what generalises
    /// from the corpus and learns what differs in the user's news.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub adapt: bool,
    /// How each classifier's probabilities are calibrated, fitted on its
    /// out-of-fold predictions (for an adapted fit, on the user's rows).
    /// Model files from before calibration read as `None`.
    #[serde(default = "uncalibrated")]
    pub calibration: CalibrationMethod,
    /// Folds of the out-of-fold predictions the calibration is fitted on.
    #[serde(default = "default_calibration_folds")]
    pub calibration_folds: usize,
}

fn uncalibrated() -> CalibrationMethod {
    CalibrationMethod::None
}

fn default_calibration_folds() -> usize {
    5
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
    /// seed 42; user rows (if any) weighted 1 and fitted in a domain of
    /// their own; probabilities calibrated by vector scaling on 5-fold
    /// out-of-fold predictions.
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
            user_weight: UserWeight::Fixed(1),
            user_weight_grid: USER_WEIGHT_GRID.to_vec(),
            adapt: true,
            calibration: CalibrationMethod::Vector,
            calibration_folds: default_calibration_folds(),
        }
    }
}

impl TrainSettings {
    /// Checks every setting, naming the first bad one.
    pub fn check(&self) -> Result<ValidSettings> {
        self.logistic.validate()?;
        if self.terms.word_ngrams == 0 || self.terms.word_ngrams > 5 {
            return Err(Error::Settings("word n-grams must be between 1 and 5".into()));
        }
        if let Some((lo, hi)) = self.terms.char_ngrams
            && (lo == 0 || lo > hi || hi > 8)
        {
            return Err(Error::Settings(format!(
                "character n-gram range {lo}-{hi} is invalid (need 1 <= min <= max <= 8)"
            )));
        }
        if self.vectors.max_features == 0 {
            return Err(Error::Settings("max features must be at least 1".into()));
        }
        if let Some(k) = self.cv_folds {
            if k < 2 {
                return Err(Error::Settings("cross-validation needs at least 2 folds".into()));
            }
            if self.alpha_grid.is_empty() || self.alpha_grid.iter().any(|a| !(a.is_finite() && *a > 0.0)) {
                return Err(Error::Settings("the alpha grid needs positive values".into()));
            }
        }
        if self.calibration != CalibrationMethod::None && self.calibration_folds < 2 {
            return Err(Error::Settings("calibration needs at least 2 folds".into()));
        }
        if self.user_weight == UserWeight::Fixed(0) {
            return Err(Error::Settings("a user weight must be at least 1".into()));
        }
        if self.user_weight == UserWeight::CrossValidated
            && (self.user_weight_grid.is_empty() || self.user_weight_grid.contains(&0))
        {
            return Err(Error::Settings(
                "the user weight grid needs whole numbers of at least 1".into(),
            ));
        }
        if !self.neutral_shift.is_finite() {
            return Err(Error::Settings(format!(
                "neutral shift must be finite, got {}",
                self.neutral_shift
            )));
        }
        Ok(ValidSettings(self.clone()))
    }
}

/// Settings that passed [`TrainSettings::check`]; read them through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSettings(TrainSettings);

impl std::ops::Deref for ValidSettings {
    type Target = TrainSettings;
    fn deref(&self) -> &TrainSettings {
        &self.0
    }
}

impl ValidSettings {
    /// The user rows' weight, unless cross-validation is to choose it.
    pub(crate) fn fixed_user_weight(&self) -> Option<u32> {
        match self.0.user_weight {
            UserWeight::Fixed(w) => Some(w),
            UserWeight::CrossValidated => None,
        }
    }

    /// The logistic-regression settings with the penalty `alpha` (one of
    /// the checked grid's, or the checked default).
    pub(crate) fn logistic_with_alpha(&self, alpha: f32) -> LogisticParams {
        LogisticParams {
            alpha,
            ..self.0.logistic.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_first_bad_setting() {
        let bad = |f: fn(&mut TrainSettings)| {
            let mut s = TrainSettings::default();
            f(&mut s);
            s.check().unwrap_err().to_string()
        };
        assert!(bad(|s| s.logistic.alpha = -1.0).contains("alpha must be a positive number"));
        assert!(bad(|s| s.terms.word_ngrams = 0).contains("word n-grams"));
        assert!(bad(|s| s.terms.char_ngrams = Some((4, 2))).contains("4-2 is invalid"));
        assert!(bad(|s| s.cv_folds = Some(1)).contains("at least 2 folds"));
        assert!(
            bad(|s| {
                s.cv_folds = Some(3);
                s.alpha_grid = vec![0.1, f32::NAN];
            })
            .contains("alpha grid")
        );
        assert!(bad(|s| s.neutral_shift = f32::INFINITY).contains("neutral shift"));
        assert_eq!(*TrainSettings::default().check().unwrap(), TrainSettings::default());
    }
}
