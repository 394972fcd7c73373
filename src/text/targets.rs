//! Targets: what a stance is about, and how a text mentions it.
//!
//! Targets are data, not code. A model names its targets, and each target
//! carries the aliases by which a text refers to it ("Russia": Moscow, the
//! Kremlin, Putin...), and the phrases that contain an alias without
//! mentioning the target ("The Washington Post"). An alias file is JSON:
//! `{"targets": [{"name": "Russia", "aliases": ["Russia", "Moscow", ...]}]}`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::tokenize::{TokenKind, tokenize};

/// A target and the phrases that mention it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSpec {
    /// Display name, as in the training file's `target` column.
    pub name: String,
    /// Phrases that mention the target (matched on whole tokens,
    /// case-insensitively, except that `US` only matches in capitals).
    pub aliases: Vec<String>,
    /// Phrases containing an alias that do not mention the target
    /// (`Latin America`, `The Washington Post`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

impl TargetSpec {
    /// A target whose only alias is its own name.
    pub fn named(name: &str) -> TargetSpec {
        TargetSpec {
            name: name.to_string(),
            aliases: vec![name.to_string()],
            exclude: Vec::new(),
        }
    }

    /// The aliases as sequences of normalised tokens, longest first.
    pub fn alias_token_sequences(&self) -> Vec<Vec<String>> {
        token_sequences(self.aliases.iter().chain(std::iter::once(&self.name)))
    }

    /// The exclusions as sequences of normalised tokens, longest first.
    pub fn exclude_token_sequences(&self) -> Vec<Vec<String>> {
        token_sequences(self.exclude.iter())
    }
}

fn token_sequences<'a>(phrases: impl Iterator<Item = &'a String>) -> Vec<Vec<String>> {
    let mut seqs: Vec<Vec<String>> = phrases
        .map(|a| {
            tokenize(a)
                .into_iter()
                .filter(|t| t.kind != TokenKind::Boundary)
                // Text tokens are matched without a possessive `'s`
                // (`phrase_matches`), so an alias written as one ("Robert
                // Mueller's", as NewsMTSC gives targets) loses it too.
                .map(|t| t.text.strip_suffix("'s").unwrap_or(&t.text).to_string())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    seqs.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    seqs.dedup();
    seqs
}

/// Phrases (normalised token sequences, each with a tag), indexed by their
/// first token so that finding the longest phrase at a position tries only
/// the phrases that can start there, not every alias of every target.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhraseSet<T> {
    /// Longest first.
    phrases: Vec<(Vec<String>, T)>,
    by_first: rustc_hash::FxHashMap<String, Vec<usize>>,
}

impl<T: Copy> PhraseSet<T> {
    /// The set of `phrases`; on equal length, earlier ones win.
    pub(crate) fn new(mut phrases: Vec<(Vec<String>, T)>) -> PhraseSet<T> {
        phrases.retain(|(p, _)| !p.is_empty());
        phrases.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        let mut by_first: rustc_hash::FxHashMap<String, Vec<usize>> = rustc_hash::FxHashMap::default();
        for (i, (p, _)) in phrases.iter().enumerate() {
            by_first.entry(p[0].clone()).or_default().push(i);
        }
        PhraseSet { phrases, by_first }
    }

    /// The longest phrase that `tokens` start with: its length in tokens and tag.
    pub(crate) fn match_at(&self, tokens: &[crate::text::tokenize::Token]) -> Option<(usize, T)> {
        let first = tokens.first()?;
        let word = first.text.strip_suffix("'s").unwrap_or(&first.text);
        // A one-word phrase may match a bare possessive ("Russias").
        let exact = self.by_first.get(word);
        let bare = word.strip_suffix('s').and_then(|k| self.by_first.get(k));
        if exact.is_none() && bare.is_none() {
            // The common case: no phrase starts with this word.
            return None;
        }
        // Each list is in phrase order; the earliest matching phrase wins.
        let first_match = |list: Option<&Vec<usize>>| {
            list.into_iter()
                .flatten()
                .copied()
                .find(|&i| phrase_matches(&self.phrases[i].0, tokens))
        };
        let best = match (first_match(exact), first_match(bare)) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        let (phrase, tag) = &self.phrases[best];
        Some((phrase.len(), *tag))
    }
}

/// True when `tokens` start with `phrase` (normalised token texts); a
/// possessive `'s` (or a bare `s` after a word of four or more letters) on
/// the last token is ignored, so `Russia's` and `Russias` match `Russia`.
pub(crate) fn phrase_matches(phrase: &[String], tokens: &[crate::text::tokenize::Token]) -> bool {
    phrase.len() <= tokens.len()
        && phrase.iter().zip(tokens).enumerate().all(|(i, (p, t))| {
            let word = t.text.strip_suffix("'s").unwrap_or(&t.text);
            // Scraped text often loses the apostrophe: "Russias", "Putins".
            let bare_possessive = i + 1 == phrase.len()
                && p.len() >= 4
                && p.chars().all(char::is_alphabetic)
                && word.strip_suffix('s') == Some(p.as_str());
            t.kind != TokenKind::Boundary && (*p == word || bare_possessive)
        })
}

/// The spec among `specs` for the target `name`, or, when none names it, a
/// spec whose only alias is the name itself.
pub(crate) fn spec_or_named(specs: &[TargetSpec], name: &str) -> TargetSpec {
    specs
        .iter()
        .find(|t| same_target(&t.name, name))
        .cloned()
        .unwrap_or_else(|| TargetSpec::named(name))
}

/// True when two target names denote the same target (case-insensitive).
pub fn same_target(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

#[derive(Deserialize)]
struct TargetsFile {
    targets: Vec<TargetSpec>,
}

/// Reads an alias file.
pub fn read_targets_file(path: &Path) -> Result<Vec<TargetSpec>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_targets(path, &text)
}

/// The alias lists the default model was trained with
/// (`training_data/targets.json`): Russia and the United States.
pub fn builtin_targets() -> Vec<TargetSpec> {
    parse_targets(
        Path::new("training_data/targets.json"),
        include_str!("../../training_data/targets.json"),
    )
    .expect("the built-in alias file parses (a test checks it)")
}

/// Alias lists for data trained without an alias file: the built-in list
/// of each target that is a built-in one, and the targets that have none
/// (they will be found by their names only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefaultAliases {
    pub specs: Vec<TargetSpec>,
    /// Targets given their built-in lists.
    pub builtin: Vec<String>,
    /// Targets with no list but their name.
    pub name_only: Vec<String>,
}

/// The [`DefaultAliases`] of the targets `names` (repeats and blanks
/// ignored; sorted).
pub fn default_aliases<'a>(names: impl IntoIterator<Item = &'a str>) -> DefaultAliases {
    let builtin = builtin_targets();
    let mut names: Vec<&str> = names.into_iter().map(str::trim).filter(|t| !t.is_empty()).collect();
    names.sort_unstable();
    names.dedup_by(|a, b| same_target(a, b));
    let mut out = DefaultAliases::default();
    for name in names {
        match builtin.iter().find(|t| same_target(&t.name, name)) {
            Some(spec) => {
                out.specs.push(spec.clone());
                out.builtin.push(name.to_string());
            }
            None => out.name_only.push(name.to_string()),
        }
    }
    out
}

fn parse_targets(path: &Path, text: &str) -> Result<Vec<TargetSpec>> {
    let file: TargetsFile = serde_json::from_str(text).map_err(|e| Error::Data {
        path: path.to_path_buf(),
        line: e.line() as u64,
        message: format!("invalid targets file: {e}"),
    })?;
    for t in &file.targets {
        if t.name.trim().is_empty() {
            return Err(Error::DataFile {
                path: path.to_path_buf(),
                message: "a target has an empty name".into(),
            });
        }
    }
    Ok(file.targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_sequences_are_normalised_and_longest_first() {
        let t = TargetSpec {
            name: "United States".into(),
            aliases: vec!["U.S.".into(), "the White House".into(), "US".into()],
            exclude: vec![],
        };
        let seqs = t.alias_token_sequences();
        assert_eq!(seqs[0], ["the", "white", "house"]);
        assert!(seqs.contains(&vec!["u.s.".to_string()]));
        assert!(seqs.contains(&vec!["united".to_string(), "states".to_string()]));
        // "U.S." and "US" normalise to the same token sequence.
        assert_eq!(seqs.len(), 3);
    }

    #[test]
    fn target_names_compare_case_insensitively() {
        assert!(same_target("Russia", " russia"));
        assert!(!same_target("Russia", "Ukraine"));
    }
}
