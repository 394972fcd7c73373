//! The feature contract: how a term is spelled and weighed.
//!
//! A model's vocabulary is a list of term strings, and two backends must
//! agree on them exactly: the training path ([`super::terms`],
//! [`super::vectorize`]) builds each term as a string, while the compiled
//! scorer ([`super::compiled`]) never builds one and instead reads the
//! vocabulary apart at load time. Every rule they share is defined here
//! once: the spelling of word n-grams, negation marks, character n-grams
//! and mask placeholders; which words open a negation scope and where it
//! ends; and how a term count becomes a weight. Change a rule here and both
//! backends change with it (the equivalence tests in `compiled` check that
//! they still agree on every corpus statement).

use crate::text::tokenize::TokenKind;

/// Joins the words of a word n-gram: `sanction russia`.
pub(crate) const WORD_SEPARATOR: char = ' ';

/// Marks a word inside a negation scope: `not_condemn`.
pub(crate) const NEGATION_PREFIX: &str = "not_";

/// Marks a character n-gram: `c: ru` (the word is padded with spaces).
pub(crate) const CHAR_GRAM_PREFIX: &str = "c:";

/// Stands for a mention of the target whose stance is decided.
pub(crate) const TARGET_PLACEHOLDER: &str = "<target>";

/// Stands for a mention of another of the model's targets.
pub(crate) const OTHER_PLACEHOLDER: &str = "<other>";

/// Words that open a negation scope (besides any ending in `n't`).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "without", "cannot",
];

/// True for a word that opens a negation scope.
pub(crate) fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't")
}

/// The term of `term` inside a negation scope.
pub(crate) fn negated(term: &str) -> String {
    format!("{NEGATION_PREFIX}{term}")
}

/// True for a character n-gram term.
pub(crate) fn is_char_gram(term: &str) -> bool {
    term.starts_with(CHAR_GRAM_PREFIX)
}

/// The words of a word n-gram term, in order.
pub(crate) fn word_gram_parts(term: &str) -> impl Iterator<Item = &str> {
    term.split(WORD_SEPARATOR)
}

/// Builds the word n-gram of `words` in `buf`.
pub(crate) fn spell_word_gram<'a>(words: impl IntoIterator<Item = &'a str>, buf: &mut String) {
    buf.clear();
    for (k, w) in words.into_iter().enumerate() {
        if k > 0 {
            buf.push(WORD_SEPARATOR);
        }
        buf.push_str(w);
    }
}

/// Calls `f` with every character n-gram (`lo..=hi` characters) of `word`
/// padded with a space on each side, spelled in `buf`.
pub(crate) fn for_each_char_gram(word: &str, lo: usize, hi: usize, buf: &mut String, mut f: impl FnMut(&str)) {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(word.chars())
        .chain(std::iter::once(' '))
        .collect();
    for n in lo.max(1)..=hi {
        for w in padded.windows(n) {
            buf.clear();
            buf.push_str(CHAR_GRAM_PREFIX);
            buf.extend(w);
            f(buf);
        }
    }
}

/// Where a negation scope is open: from a negator to the next clause
/// boundary or `!`/`?`. Feed it every token of a clause in order.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct NegationScope {
    open: bool,
}

impl NegationScope {
    /// Whether a token of `kind` (a negator when `negator`) is marked as
    /// negated; moves the scope past it.
    pub(crate) fn mark(&mut self, kind: TokenKind, negator: bool) -> bool {
        let marked = match kind {
            TokenKind::Punct => {
                self.open = false;
                false
            }
            _ => self.open,
        };
        if kind == TokenKind::Word && negator {
            self.open = true;
        }
        marked
    }

    /// A clause boundary: the scope ends.
    pub(crate) fn close(&mut self) {
        self.open = false;
    }
}

/// The weight of a term seen `count` times: `1 + ln(count)` when damped
/// (sublinear), else the count itself; multiplied by the term's idf.
pub(crate) fn term_frequency(count: f32, sublinear: bool) -> f32 {
    if sublinear { 1.0 + count.ln() } else { count }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        let mut buf = String::new();
        spell_word_gram(["sanction", "russia"], &mut buf);
        assert_eq!(buf, "sanction russia");
        assert_eq!(word_gram_parts(&buf).collect::<Vec<_>>(), ["sanction", "russia"]);
        assert_eq!(negated("condemn"), "not_condemn");
        let mut grams = Vec::new();
        for_each_char_gram("war", 3, 3, &mut buf, |g| grams.push(g.to_string()));
        assert_eq!(grams, ["c: wa", "c:war", "c:ar "]);
        assert!(grams.iter().all(|g| is_char_gram(g)) && !is_char_gram("war"));
    }

    #[test]
    fn a_negation_scope_runs_from_a_negator_to_punctuation() {
        let mut scope = NegationScope::default();
        let marks: Vec<bool> = [
            (TokenKind::Word, false),
            (TokenKind::Word, true),
            (TokenKind::Word, false),
            (TokenKind::Acronym, false),
            (TokenKind::Punct, false),
            (TokenKind::Word, false),
        ]
        .iter()
        .map(|&(kind, negator)| scope.mark(kind, negator))
        .collect();
        assert_eq!(marks, [false, false, true, true, false, false]);
        scope.mark(TokenKind::Word, true);
        scope.close();
        assert!(!scope.mark(TokenKind::Word, false));
        assert_eq!(term_frequency(1.0, true), 1.0);
        assert_eq!(term_frequency(3.0, false), 3.0);
    }
}
