//! Terms: turning a statement's tokens into the strings a model counts.
//!
//! This is the training path's term extractor, and train, evaluate and
//! the classifiers that mask mentions all go through it, so a model sees
//! at prediction time exactly the kind of terms it was trained on (the
//! compiled scorer computes the same terms from ids, by the rules in
//! [`super::encoding`]). Terms are stemmed word n-grams (`sanction
//! russia`), optionally character n-grams of the words (`c: rus`), with
//! target mentions optionally masked and words in a negation scope
//! optionally marked (`not_condemn`). N-grams never cross a clause
//! boundary.

use serde::{Deserialize, Serialize};

use crate::features::encoding::{NegationScope, for_each_char_gram, is_negator, negated, spell_word_gram};
use crate::features::mask::MentionMask;
use crate::text::stem::StemCache;
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

/// Extracts terms from texts, reusing a stem cache across calls; one per
/// thread.
#[derive(Default)]
pub struct TermExtractor {
    stems: StemCache,
}

thread_local! {
    static EXTRACTOR: std::cell::RefCell<TermExtractor> = std::cell::RefCell::new(TermExtractor::default());
}

/// Runs `f` with this thread's term extractor (its stem cache kept from one
/// call to the next).
pub(crate) fn with_extractor<R>(f: impl FnOnce(&mut TermExtractor) -> R) -> R {
    EXTRACTOR.with_borrow_mut(f)
}

/// A text cut into clause segments of units: a unit's term is the stem
/// (with `not_` in a negation scope), a placeholder for a masked mention,
/// or a punctuation mark; its surface word, for words only, is what
/// character n-grams are taken from. Word n-grams never cross a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    segments: Vec<Vec<Unit>>,
}

/// One unit of a segment, with the byte span of the text it stands for
/// (a word, a punctuation mark, or a whole masked mention).
#[derive(Debug, Clone, PartialEq)]
struct Unit {
    term: String,
    surface: Option<String>,
    span: (usize, usize),
}

impl TermExtractor {
    /// The terms of `text` under `settings`; mentions that `mask` covers
    /// become its placeholders.
    pub fn terms(&mut self, settings: &TermSettings, text: &str, mask: Option<&MentionMask>) -> Vec<String> {
        self.segments(settings, text, mask).terms(settings)
    }

    /// The thread's stem cache (shared with the compiled scorer).
    pub(crate) fn stems(&mut self) -> &mut StemCache {
        &mut self.stems
    }

    /// `text` cut into segments of terms, before n-grams are formed.
    pub fn segments(&mut self, settings: &TermSettings, text: &str, mask: Option<&MentionMask>) -> Segments {
        let tokens = tokenize(text);
        let mut segments: Vec<Vec<Unit>> = vec![Vec::new()];
        let mut scope = NegationScope::default();
        let mut i = 0;
        while i < tokens.len() {
            let tok = &tokens[i];
            if tok.kind == TokenKind::Boundary {
                segments.push(Vec::new());
                scope.close();
                i += 1;
                continue;
            }
            let segment = segments.last_mut().expect("segments start non-empty");
            if let Some((len, placeholder)) = mask.and_then(|m| m.match_at(&tokens[i..])) {
                segment.push(Unit {
                    term: placeholder.to_string(),
                    surface: None,
                    span: (tok.start, tokens[i + len - 1].end),
                });
                i += len;
                continue;
            }
            let term = match tok.kind {
                TokenKind::Word => self.stems.stem(&tok.text),
                _ => &tok.text,
            };
            let term = if settings.negation && scope.mark(tok.kind, is_negator(&tok.text)) {
                negated(term)
            } else {
                term.to_string()
            };
            let surface = (tok.kind == TokenKind::Word).then(|| tok.text.to_string());
            segment.push(Unit {
                term,
                surface,
                span: (tok.start, tok.end),
            });
            i += 1;
        }
        Segments { segments }
    }
}

impl Segments {
    /// Every term as a string: word n-grams, then character n-grams.
    pub fn terms(&self, settings: &TermSettings) -> Vec<String> {
        let mut terms = Vec::new();
        self.for_each_term(settings, |term, _| terms.push(term.to_string()));
        terms
    }

    /// Calls `f` with every term, in the order [`terms`](Self::terms) gives
    /// them, and the byte span of the text it comes from: a word n-gram's
    /// from its first word to its last, a character n-gram's its word's.
    pub fn for_each_term(&self, settings: &TermSettings, mut f: impl FnMut(&str, (usize, usize))) {
        let mut buf = String::new();
        for segment in &self.segments {
            for n in 1..=settings.word_ngrams.max(1) {
                for window in segment.windows(n) {
                    spell_word_gram(window.iter().map(|u| u.term.as_str()), &mut buf);
                    f(&buf, (window[0].span.0, window[n - 1].span.1));
                }
            }
        }
        if let Some((lo, hi)) = settings.char_ngrams {
            for unit in self.segments.iter().flatten() {
                if let Some(word) = &unit.surface {
                    for_each_char_gram(word, lo, hi, &mut buf, |g| f(g, unit.span));
                }
            }
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
