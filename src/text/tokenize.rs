//! Tokenizing: turning a statement into lowercase word tokens.
//!
//! News text needs more care than a `\w+` regex: `U.S.` and `U.N.` must stay
//! single tokens (and the all-capitals `US` is the country, never the pronoun
//! `us`), curly apostrophes must behave like straight ones so `Russia’s` and
//! `Russia's` are one word, and `!`/`?` carry stance and sentiment signal.
//! Each token keeps its byte span in the original text so later stages can
//! point back at the words they used.

use compact_str::{CompactString, ToCompactString};

/// What a token is; only words are stemmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters (and digits), with internal apostrophes: `russia's`, `don't`.
    Word,
    /// A dotted acronym (`u.s.`, `u.n.`) or the capitalised country `US`.
    Acronym,
    /// A number such as `2016` or `3.5`.
    Number,
    /// A run of `!` or `?`, normalised to one character.
    Punct,
    /// A web address, normalised to `<url>`.
    Url,
    /// A clause boundary (`.`, `,`, `;`, `:`): not a feature itself, but
    /// n-grams and negation scopes stop there.
    Boundary,
}

/// One token: its normalised (lowercase) text and byte span in the input.
/// The text is stored inline when short (nearly every word), so tokenizing
/// does not allocate per token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: CompactString,
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02bc}')
}

/// Splits `text` into tokens, in order.
pub fn tokenize(text: &str) -> Vec<Token> {
    // About one token per five bytes of news text; one allocation up front.
    let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let offset = |i: usize| chars.get(i).map_or(text.len(), |&(o, _)| o);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let start = offset(i);
        if c == 'h' && (text[start..].starts_with("http://") || text[start..].starts_with("https://")) {
            let mut j = i;
            while j < chars.len() && !chars[j].1.is_whitespace() {
                j += 1;
            }
            tokens.push(Token {
                text: "<url>".into(),
                kind: TokenKind::Url,
                start,
                end: offset(j),
            });
            i = j;
        } else if c == '!' || c == '?' {
            let mut j = i;
            while at(j) == Some(c) {
                j += 1;
            }
            tokens.push(Token {
                text: c.to_compact_string(),
                kind: TokenKind::Punct,
                start,
                end: offset(j),
            });
            i = j;
        } else if matches!(c, '.' | ',' | ';' | ':') {
            tokens.push(Token {
                text: c.to_compact_string(),
                kind: TokenKind::Boundary,
                start,
                end: offset(i + 1),
            });
            i += 1;
        } else if c.is_ascii_digit() {
            // Digits with internal separators: 3.5, 1,000, 9/11 stays two numbers.
            let mut j = i + 1;
            while let Some(d) = at(j) {
                if d.is_ascii_digit() || ((d == '.' || d == ',') && at(j + 1).is_some_and(|n| n.is_ascii_digit())) {
                    j += 1;
                } else {
                    break;
                }
            }
            // A number glued to letters ("2nd", "5g") is one word-like token.
            let kind = if at(j).is_some_and(char::is_alphabetic) {
                while at(j).is_some_and(char::is_alphanumeric) {
                    j += 1;
                }
                TokenKind::Word
            } else {
                TokenKind::Number
            };
            tokens.push(Token {
                text: CompactString::from_str_to_lowercase(&text[start..offset(j)]),
                kind,
                start,
                end: offset(j),
            });
            i = j;
        } else if c.is_alphabetic() {
            if let Some(j) = dotted_acronym_end(&chars, i) {
                let raw = &text[start..offset(j)];
                let mut norm = CompactString::from_str_to_lowercase(raw);
                if !norm.ends_with('.') {
                    norm.push('.');
                }
                tokens.push(Token {
                    text: norm,
                    kind: TokenKind::Acronym,
                    start,
                    end: offset(j),
                });
                i = j;
                continue;
            }
            let mut j = i + 1;
            loop {
                match at(j) {
                    Some(d) if d.is_alphanumeric() => j += 1,
                    Some(d) if is_apostrophe(d) && at(j + 1).is_some_and(char::is_alphabetic) => j += 1,
                    _ => break,
                }
            }
            let raw = &text[start..offset(j)];
            let (norm, kind) = if raw == "US" && !shouting_context(text, start, offset(j)) {
                (CompactString::const_new("u.s."), TokenKind::Acronym)
            } else {
                let norm = if raw.is_ascii() {
                    // The common case, without decoding characters; the
                    // ASCII apostrophe is already the normal one.
                    let mut norm = CompactString::from(raw);
                    norm.make_ascii_lowercase();
                    norm
                } else {
                    let mut norm = CompactString::with_capacity(raw.len());
                    norm.extend(
                        raw.chars()
                            .map(|ch| if is_apostrophe(ch) { '\'' } else { ch })
                            .flat_map(char::to_lowercase),
                    );
                    norm
                };
                (norm, TokenKind::Word)
            };
            tokens.push(Token {
                text: norm,
                kind,
                start,
                end: offset(j),
            });
            i = j;
        } else {
            i += 1;
        }
    }
    tokens
}

/// If a dotted acronym (`U.S.`, `U.N.`, `e.g.`, `U.S`) starts at `i`, the
/// index just past it (including the final dot when present).
fn dotted_acronym_end(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let letter = |k: usize| chars.get(k).is_some_and(|&(_, c)| c.is_alphabetic());
    let dot = |k: usize| chars.get(k).is_some_and(|&(_, c)| c == '.');
    if i > 0 && chars[i - 1].1.is_alphanumeric() {
        return None;
    }
    let mut k = i;
    let mut letters = 0;
    while letter(k) && dot(k + 1) {
        letters += 1;
        k += 2;
    }
    if letters == 0 {
        return None;
    }
    // "U.S" (a trailing letter without its dot) still counts.
    if letter(k) && !chars.get(k + 1).is_some_and(|&(_, c)| c.is_alphanumeric()) {
        letters += 1;
        k += 1;
    }
    if letters >= 2 && !chars.get(k).is_some_and(|&(_, c)| c.is_alphanumeric()) {
        Some(k)
    } else {
        None
    }
}

/// True when the word at `start..end` sits in all-capitals text ("LET US
/// PRAY"), where `US` is the pronoun written in capitals: every word with
/// letters among the three before and the three after is in capitals. One
/// acronym beside it ("the INF, US forces", "NATO and US troops") is not.
fn shouting_context(text: &str, start: usize, end: usize) -> bool {
    let has_letters = |w: &&str| w.chars().any(char::is_alphabetic);
    let is_caps_word = |w: &str| {
        let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
        letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
    };
    let before = text[..start].split_whitespace().rev().filter(has_letters).take(3);
    let after = text[end..].split_whitespace().filter(has_letters).take(3);
    let window: Vec<&str> = before.chain(after).collect();
    !window.is_empty() && window.into_iter().all(is_caps_word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Boundary)
            .map(|t| t.text.to_string())
            .collect()
    }

    #[test]
    fn token_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "The U.S. and the U.N. met.",
                &["the", "u.s.", "and", "the", "u.n.", "met"],
            ),
            (
                "US troops left; let us go.",
                &["u.s.", "troops", "left", "let", "us", "go"],
            ),
            ("GOD BLESS US ALL", &["god", "bless", "us", "all"]),
            (
                "Russia left the INF, US forces said",
                &["russia", "left", "the", "inf", "u.s.", "forces", "said"],
            ),
            ("NATO and US troops", &["nato", "and", "u.s.", "troops"]),
            ("JOIN US", &["join", "us"]),
            ("Russia’s army", &["russia's", "army"]),
            ("don't", &["don't"]),
            ("Why?!! No!!!", &["why", "?", "!", "no", "!"]),
            ("#StopWar @POTUS now", &["stopwar", "potus", "now"]),
            (
                "grew 3.5% in 2016, 1,000 tanks",
                &["grew", "3.5", "in", "2016", "1,000", "tanks"],
            ),
            ("the U.S-led coalition", &["the", "u.s.", "led", "coalition"]),
            ("see https://t.co/x1 now", &["see", "<url>", "now"]),
            ("“Quoted,” he said", &["quoted", "he", "said"]),
            ("pro-Russian", &["pro", "russian"]),
            ("Ça va, Müller", &["ça", "va", "müller"]),
            ("the 2nd round", &["the", "2nd", "round"]),
        ];
        for (input, want) in cases {
            assert_eq!(texts(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn clause_boundaries_are_marked() {
        let kinds: Vec<TokenKind> = tokenize("No, U.S. aid.").into_iter().map(|t| t.kind).collect();
        use TokenKind::*;
        assert_eq!(kinds, [Word, Boundary, Acronym, Word, Boundary]);
    }

    #[test]
    fn spans_point_into_the_input() {
        let s = "Moscow’s U.S. envoy";
        for t in tokenize(s) {
            assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
        }
        let t = tokenize(s);
        assert_eq!(&s[t[1].start..t[1].end], "U.S.");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn spans_are_in_bounds_ordered_and_on_char_boundaries(text in "(\\PC|U\\.S\\.|US|'s|’|http://x\\.y| |\\.|,|!|\\?|3\\.5){0,60}") {
            let mut last = 0;
            for t in tokenize(&text) {
                proptest::prop_assert!(t.start >= last && t.start < t.end && t.end <= text.len(), "{:?}", t);
                proptest::prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
                proptest::prop_assert!(!t.text.is_empty());
                last = t.end;
            }
        }
    }
}
