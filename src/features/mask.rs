//! Masks: mentions replaced by placeholders before terms are extracted.
//!
//! A shared stance model, or one trained with `--mask-mentions`, sees every
//! mention of the target as `<target>` and every mention of another of the
//! model's targets as `<other>`, so what it learns about "`<other>` accused
//! `<target>`" transfers across targets and aliases. A mask is built once
//! per target from the alias lists and matched token by token.

use crate::features::encoding::{OTHER_PLACEHOLDER, TARGET_PLACEHOLDER};
use crate::text::targets::{PhraseSet, TargetSpec, same_target};
use crate::text::tokenize::Token;

/// Mentions to replace by placeholders before terms are extracted: the
/// target's become `<target>`, other targets' `<other>`.
#[derive(Debug, Clone, Default)]
pub struct MentionMask {
    phrases: PhraseSet<&'static str>,
}

impl MentionMask {
    /// The mask for stance toward `target`; `others` are the model's other
    /// targets (empty to leave their mentions as words).
    pub fn new<'a>(target: &TargetSpec, others: impl IntoIterator<Item = &'a TargetSpec>) -> MentionMask {
        // The target's own aliases first, so they win ties of length.
        let mut phrases: Vec<(Vec<String>, &'static str)> = target
            .alias_token_sequences()
            .into_iter()
            .map(|p| (p, TARGET_PLACEHOLDER))
            .collect();
        for other in others {
            if !same_target(&other.name, &target.name) {
                phrases.extend(
                    other
                        .alias_token_sequences()
                        .into_iter()
                        .map(|p| (p, OTHER_PLACEHOLDER)),
                );
            }
        }
        MentionMask {
            phrases: PhraseSet::new(phrases),
        }
    }

    /// The placeholder and length in tokens of the longest alias matching at
    /// the start of `tokens`.
    pub fn match_at(&self, tokens: &[Token]) -> Option<(usize, &'static str)> {
        self.phrases.match_at(tokens)
    }
}
