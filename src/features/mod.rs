//! Features: what a model counts in a statement, and how it is weighed.
//!
//! [`terms`] turns a statement's tokens into terms (stemmed word n-grams,
//! character n-grams, negation marks, masked mentions) and [`vectorize`]
//! turns terms into an L2-normalised tf-idf row over a fitted vocabulary.
//! That is the training path, built from strings. [`compiled`] is a second
//! backend of the same function for classification: it computes the same
//! scores from token ids in one pass, with no string per term.

pub(crate) mod compiled;
pub(crate) mod encoding;
pub(crate) mod mask;
pub(crate) mod terms;
pub(crate) mod vectorize;
