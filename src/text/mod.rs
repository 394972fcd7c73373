//! Text: from an article to statements, tokens, stems and target mentions.
//!
//! These stages know nothing of features or models. [`segment`] cuts an
//! article into statements with byte offsets, [`tokenize`] turns a statement
//! into lowercase tokens with spans, [`stem`] reduces words to Snowball
//! stems, and [`targets`] and [`mentions`] say which targets a statement
//! names and where. Everything after (features, training, classification)
//! reads text only through them.

pub(crate) mod mentions;
pub(crate) mod segment;
pub(crate) mod stem;
pub(crate) mod targets;
pub(crate) mod tokenize;
