//! `stance`: statement-level stance and sentiment toward named targets in
//! news text.
//!
//! The pipeline, one module per stage, shared by training, evaluation and
//! classification:
//!
//! 1. [`tokenize`]: lowercase tokens with byte spans; `U.S.` stays whole.
//! 2. [`stem`]: Snowball stems, each distinct word stemmed once.
//! 3. [`ngrams`]: word and character n-grams, target masking, negation marks.
//! 4. [`vectorize`]: a selected vocabulary, tf-idf, L2-normalised rows.
//! 5. [`logistic`]: multinomial logistic regression, fitted by linfa.
//!
//! Classification computes the same function in one pass from token ids:
//! [`scorer`] merges a model's classifiers at load time, and [`classify`]
//! adds sentence splitting ([`segment`]), mentions and per-article summaries.
//!
//! [`data`] reads labeled files, [`train`] fits a [`model::Model`] (with
//! [`joint`] fitting several targets' classifiers together),
//! [`evaluate`] scores one, [`metrics`] holds the report. The library never
//! prints; every failure is an [`Error`] naming the file and line.
//!
//! ```
//! use stance::text::tokenize::tokenize;
//! let words: Vec<String> = tokenize("US officials met the U.N. envoy; let us see.")
//!     .into_iter()
//!     .map(|t| t.text.to_string())
//!     .collect();
//! assert_eq!(words, ["u.s.", "officials", "met", "the", "u.n.", "envoy", ";", "let", "us", "see", "."]);
//! ```

pub mod batch;
pub mod classify;
pub mod data;
pub mod error;
pub mod evaluate;
pub mod features;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod output;
pub mod text;
pub mod train;

pub use error::{Error, Result};
pub use model::Model;
