//! Data: the files `stance` reads.
//!
//! [`labeled`] reads the labeled rows a model is trained and evaluated on
//! (JSON Lines or CSV, strict, every bad row named by file and line);
//! [`articles`] streams the articles to classify (text files, directories,
//! standard input, or JSON Lines), one at a time.

pub(crate) mod articles;
pub(crate) mod labeled;
