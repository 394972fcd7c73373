//! N-grams: turning tokens into the terms a model counts.
//!
//! This is the one place that decides what a "feature" is, and train,
//! evaluate and classify all go through it, so a model always sees at
//! prediction time exactly the kind of terms it was trained on. Terms are
//! stemmed word n-grams (`sanction russia`), optionally character n-grams of
//! the words (`c: rus`), with target mentions optionally masked and words in
//! a negation scope optionally marked (`not_condemn`). N-grams never cross a
//! clause boundary.

use serde::{Deserialize, Serialize};

use crate::features::compiled::ScorerScratch;
use crate::text::stem::StemCache;
use crate::text::targets::MentionMask;
use crate::text::tokenize::{TokenKind, tokenize};

/// Which terms are extracted from a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermSettings {
    /// Largest word n-gram (1 = unigrams only).
    pub word_ngrams: usize,
    /// Character n-gram lengths `[min, max]` over each word padded with
    /// spaces, or `None` for no character n-grams.
    pub char_ngrams: Option<(usize, usize)>,
    /// Mark words after a negation (`not`, `no`, `never`, `n't`...) up to
    /// the next clause boundary with a `not_` prefix.
    pub negation: bool,
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "without", "cannot",
];

/// True for a word that opens a negation scope.
pub fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

/// Extracts terms from texts, reusing a stem cache across calls; one per
/// thread. It also carries the thread's working memory for
/// [`crate::features::compiled::CompiledScorer`].
#[derive(Default)]
pub struct TermExtractor {
    pub(crate) stems: StemCache,
    pub(crate) scorer: ScorerScratch,
}

/// A text cut into clause segments of (term, surface word) pairs: the term
/// is the stem (with `not_` in a negation scope), a placeholder for a masked
/// mention, or a punctuation mark; the surface word, for words only, is what
/// character n-grams are taken from. Word n-grams never cross a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    segments: Vec<Vec<(String, Option<String>)>>,
}

impl TermExtractor {
    /// The terms of `text` under `settings`; mentions that `mask` covers
    /// become its placeholders.
    pub fn terms(&mut self, settings: &TermSettings, text: &str, mask: Option<&MentionMask>) -> Vec<String> {
        self.segments(settings, text, mask).terms(settings)
    }

    /// `text` cut into segments of terms, before n-grams are formed.
    pub fn segments(&mut self, settings: &TermSettings, text: &str, mask: Option<&MentionMask>) -> Segments {
        let tokens = tokenize(text);
        let mut segments: Vec<Vec<(String, Option<String>)>> = vec![Vec::new()];
        let mut negated = false;
        let mut i = 0;
        while i < tokens.len() {
            let tok = &tokens[i];
            if tok.kind == TokenKind::Boundary {
                segments.push(Vec::new());
                negated = false;
                i += 1;
                continue;
            }
            if let Some((len, placeholder)) = mask.and_then(|m| m.match_at(&tokens[i..])) {
                segments.last_mut().unwrap().push((placeholder.to_string(), None));
                i += len;
                continue;
            }
            let mut term = match tok.kind {
                TokenKind::Word => self.stems.stem(&tok.text).to_string(),
                _ => tok.text.to_string(),
            };
            if settings.negation {
                if tok.kind == TokenKind::Punct {
                    negated = false;
                } else if negated {
                    term.insert_str(0, "not_");
                }
            }
            let surface = (tok.kind == TokenKind::Word).then(|| tok.text.to_string());
            segments.last_mut().unwrap().push((term, surface));
            if settings.negation && tok.kind == TokenKind::Word && is_negator(&tok.text) {
                negated = true;
            }
            i += 1;
        }
        Segments { segments }
    }
}

impl Segments {
    /// Every term as a string: word n-grams, then character n-grams.
    pub fn terms(&self, settings: &TermSettings) -> Vec<String> {
        let mut terms = Vec::new();
        let mut buf = String::new();
        self.for_each_word_gram(settings.word_ngrams, &mut buf, |g| terms.push(g.to_string()));
        if let Some((lo, hi)) = settings.char_ngrams {
            for word in self.surfaces() {
                for_each_char_gram(word, lo, hi, &mut buf, |g| terms.push(g.to_string()));
            }
        }
        terms
    }

    /// Calls `f` with every word n-gram (1..=`max_n`) within a segment,
    /// built in `buf`.
    pub fn for_each_word_gram(&self, max_n: usize, buf: &mut String, mut f: impl FnMut(&str)) {
        for segment in &self.segments {
            for n in 1..=max_n.max(1) {
                for window in segment.windows(n) {
                    buf.clear();
                    for (k, (t, _)) in window.iter().enumerate() {
                        if k > 0 {
                            buf.push(' ');
                        }
                        buf.push_str(t);
                    }
                    f(buf);
                }
            }
        }
    }

    /// The surface words, in order (each occurrence).
    pub fn surfaces(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().flatten().filter_map(|(_, s)| s.as_deref())
    }
}

/// Calls `f` with every character n-gram (`c:` + `lo..=hi` characters) of
/// `word` padded with a space on each side, built in `buf`.
pub fn for_each_char_gram(word: &str, lo: usize, hi: usize, buf: &mut String, mut f: impl FnMut(&str)) {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(word.chars())
        .chain(std::iter::once(' '))
        .collect();
    for n in lo.max(1)..=hi {
        for w in padded.windows(n) {
            buf.clear();
            buf.push_str("c:");
            buf.extend(w);
            f(buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::targets::TargetSpec;

    fn settings(word_ngrams: usize, negation: bool) -> TermSettings {
        TermSettings {
            word_ngrams,
            char_ngrams: None,
            negation,
        }
    }

    #[test]
    fn word_ngrams_are_stemmed_and_stop_at_boundaries() {
        let mut ex = TermExtractor::default();
        let terms = ex.terms(&settings(2, false), "Sanctions hurt, Moscow said", None);
        assert_eq!(
            terms,
            ["sanction", "hurt", "sanction hurt", "moscow", "said", "moscow said"]
        );
    }

    #[test]
    fn negation_scope_runs_to_the_boundary() {
        let mut ex = TermExtractor::default();
        let terms = ex.terms(&settings(1, true), "They did not condemn Russia. It helps", None);
        assert_eq!(terms, ["they", "did", "not", "not_condemn", "not_russia", "it", "help"]);
        let terms = ex.terms(&settings(1, true), "Don't stop!", None);
        assert_eq!(terms, ["don't", "not_stop", "!"]);
    }

    #[test]
    fn mentions_are_masked() {
        let mut ex = TermExtractor::default();
        let russia = TargetSpec {
            name: "Russia".into(),
            aliases: vec!["the Kremlin".into(), "Moscow".into()],
            exclude: vec![],
        };
        let us = TargetSpec {
            name: "United States".into(),
            aliases: vec!["US".into(), "Washington".into()],
            exclude: vec![],
        };
        let mask = MentionMask::new(&russia, []);
        let terms = ex.terms(&settings(1, false), "The Kremlin blamed the US", Some(&mask));
        assert_eq!(terms, ["<target>", "blame", "the", "u.s."]);
        let mask = MentionMask::new(&russia, [&russia, &us]);
        let terms = ex.terms(
            &settings(1, false),
            "The Kremlin blamed Washington and Russia",
            Some(&mask),
        );
        assert_eq!(terms, ["<target>", "blame", "<other>", "and", "<target>"]);
    }

    #[test]
    fn char_ngrams_cover_padded_words() {
        let mut ex = TermExtractor::default();
        let s = TermSettings {
            word_ngrams: 1,
            char_ngrams: Some((3, 3)),
            negation: false,
        };
        let terms = ex.terms(&s, "war", None);
        assert_eq!(terms, ["war", "c: wa", "c:war", "c:ar "]);
    }
}
