//! `stance`: statement-level stance and sentiment toward named targets in
//! news text.
//!
//! Load a model (the built-in one, or a file `stance train` wrote), wrap it
//! in an [`ArticleClassifier`], and classify articles: each is split into
//! statements, and each statement gets its stance toward every target it
//! mentions (favor, against, none) and its sentiment, each a [`Decision`]
//! with the probability of every label.
//!
//! ```
//! use stance::{ArticleClassifier, Model, Stance};
//!
//! let model = Model::builtin()?;
//! let classifier = ArticleClassifier::new(&model, None, 0)?;
//! let result = classifier.classify("a1", "The Kremlin denied the strike. Officials met in Geneva.");
//! assert_eq!(result.statements.len(), 2);
//! let russia = &result.statements[0].targets[0];
//! assert_eq!(russia.target, "Russia");
//! assert!(russia.mentioned);
//! let stance = russia.stance.as_ref().unwrap();
//! assert!(stance.probabilities.unwrap().get(Stance::Favor).is_some());
//! // A target that is not mentioned is `none` by rule.
//! assert_eq!(result.statements[1].targets[0].stance.as_ref().unwrap().label, Stance::None);
//! # Ok::<(), stance::Error>(())
//! ```
//!
//! [`train()`] fits a model from labeled rows ([`read_dataset`]) with
//! [`TrainSettings`], [`evaluate()`] scores one, [`classify_stream`] runs
//! the parallel, ordered batch loop into any [`Format`], and every failure
//! is an [`Error`] naming the file and line. The library never prints.
//!
//! The pipeline inside, one folder per stage: `text/` (statements, tokens,
//! stems, targets and mentions), `features/` (terms and tf-idf vectors, and
//! the compiled scorer that computes the same scores from token ids),
//! `model/` (the model file, its classifiers, linfa fits), `train/`
//! (planning, cross-validation, the final fits), `classify/` (decisions per
//! statement and summaries), `data/` and `output/` (what is read and
//! written), `evaluate/` (scores and the challenge suite).

mod aggregate;
mod batch;
mod classify;
mod data;
mod error;
mod evaluate;
mod features;
mod files;
mod label;
mod labels;
mod metrics;
mod model;
mod output;
mod prevalence;
mod scores;
mod text;
mod train;

pub use aggregate::{
    Aggregate, Aggregator, ClassifiedLine, ClassifiedStance, ClassifiedTarget, DATE_FIELD, Group, Grouping, PerTarget,
    Period, TargetFigures,
};
pub use batch::{BATCH_ARTICLES, BATCH_BYTES, RunSummary, classify_stream};
pub use classify::{
    ArticleClassifier, ArticleResult, CorpusSummary, CorpusTargetSummary, DecisionView, Highlight, SentimentCounts,
    StatementResult, TargetStance, TargetSummary,
};
pub use data::articles::{Article, ArticleReader, InputFormat, Inputs, expand_inputs, is_jsonl_name, looks_like_jsonl};
pub use data::labeled::{BadRows, Dataset, Domain, Example, read_dataset, read_dataset_with};
pub use error::{Error, Result};
pub use evaluate::check::{
    BUILTIN_FLOORS, BUILTIN_SUITE, ChallengeItem, CheckReport, Failure, PhenomenonScore, below_floors, builtin_suite,
    read_suite, run_check,
};
pub use evaluate::{CalibrationFigures, Evaluation, evaluate, record_held_out};
pub use features::terms::TermSettings;
pub use features::vectorize::{Selection, VectorSettings};
pub use files::{output_target, write_atomically};
pub use label::server::LabelServer;
pub use label::store::{LabelRecord, LabelStore};
pub use label::{Item, LabelProgress, Session as LabelSession, Strategy};
pub use labels::{AnyLabel, ClassifierId, Label, Sentiment, Stance, Task};
pub use metrics::{ClassMetrics, Confusion, Report};
pub use model::calibration::{Calibration, CalibrationMethod};
pub use model::decision::{Decision, Evidence, Probabilities};
pub use model::info::{ClassifierInfo, ModelInfo};
pub use model::logistic::{FitDiagnostics, LogisticParams};
pub use model::settings::{StanceMode, TaskSelection, TrainSettings, USER_WEIGHT_GRID, UserWeight, ValidSettings};
pub use model::{BUILTIN_NAME, DataFileInfo, Model, SentimentScope, TrainingRecord};
pub use output::aggregate::{AggregateFormat, write_aggregate};
pub use output::{Format, ResultWriter, StatementLine, plural, statement_lines, statement_records};
pub use prevalence::{Change, Effort, Estimator, Net, NetDraws, PRIOR_STATEMENTS, Prevalence, Shares};
pub use scores::{DECIMALS, round_figure};
pub use text::mentions::{Mention, MentionFinder};
pub use text::segment::{Statement, split_statements};
pub use text::targets::{DefaultAliases, TargetSpec, builtin_targets, default_aliases, read_targets_file, same_target};
pub use train::calibrate::{Recalibration, recalibrate};
pub use train::{HoldOut, Progress, Split, hold_out, train};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Internals for the benches and fuzz targets; not a stable interface.
#[doc(hidden)]
pub mod internals {
    pub use crate::data::articles::parse_article_line;
    pub use crate::data::labeled::{parse_csv, parse_jsonl};
    pub use crate::features::compiled::ScorerScratch;
    pub use crate::features::terms::TermExtractor;
    pub use crate::model::TextClassifier;
    pub use crate::model::classifier::compile;
    pub use crate::text::stem::StemCache;
    pub use crate::text::tokenize::{Token, TokenKind, tokenize};

    /// Every classifier of `model`, with its id.
    pub fn classifiers(model: &crate::Model) -> Vec<(crate::ClassifierId, &TextClassifier)> {
        model.classifiers()
    }
}
