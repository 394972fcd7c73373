//! Mentions: where a statement refers to a target.
//!
//! A target that a statement does not mention gets stance `none` without
//! asking the classifier, so false mentions cost precision and missed ones
//! cost recall. Aliases are matched on whole tokens (so `US` in capitals is
//! the country and `us` the pronoun, as the tokenizer decides), longest first;
//! a match inside an excluded phrase (`Latin America`, `The Washington Post`)
//! or glued to a capitalised word by a hyphen (`Syrian-Americans`) is not a
//! mention, while `anti-American` and `pro-Russian` are.

use serde::Serialize;

use crate::text::targets::{PhraseSet, TargetSpec};
use crate::text::tokenize::{Token, TokenKind, tokenize};

/// One mention: the alias as written and its byte span in the searched text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mention {
    pub alias: String,
    pub start: usize,
    pub end: usize,
}

/// A target's aliases and exclusions, tokenized once.
#[derive(Debug, Clone)]
pub struct MentionFinder {
    aliases: PhraseSet<()>,
    excludes: PhraseSet<()>,
}

impl MentionFinder {
    pub fn new(target: &TargetSpec) -> MentionFinder {
        let set = |seqs: Vec<Vec<String>>| PhraseSet::new(seqs.into_iter().map(|p| (p, ())).collect());
        MentionFinder {
            aliases: set(target.alias_token_sequences()),
            excludes: set(target.exclude_token_sequences()),
        }
    }

    /// Every mention in `text`, in order, not overlapping.
    pub fn find(&self, text: &str) -> Vec<Mention> {
        let tokens: Vec<Token> = tokenize(text)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Boundary)
            .collect();
        self.find_in_tokens(text, &tokens)
    }

    /// Like [`find`](Self::find), over the tokens of `text` other than
    /// clause boundaries.
    pub fn find_in_tokens(&self, text: &str, tokens: &[Token]) -> Vec<Mention> {
        // Most statements mention no target: find that out before anything
        // is allocated.
        let Some(first) = (0..tokens.len()).find(|&i| self.aliases.match_at(&tokens[i..]).is_some()) else {
            return Vec::new();
        };
        // Token positions covered by an excluded phrase.
        let mut excluded = vec![false; tokens.len()];
        for i in 0..tokens.len() {
            if let Some((len, ())) = self.excludes.match_at(&tokens[i..]) {
                excluded[i..i + len].iter_mut().for_each(|e| *e = true);
            }
        }
        let mut mentions = Vec::new();
        let mut i = first;
        while i < tokens.len() {
            match self.aliases.match_at(&tokens[i..]) {
                Some((len, ())) if !excluded[i..i + len].iter().any(|&e| e) && !hyphen_compound(text, &tokens[i]) => {
                    let (start, end) = (tokens[i].start, tokens[i + len - 1].end);
                    mentions.push(Mention {
                        alias: text[start..end].to_string(),
                        start,
                        end,
                    });
                    i += len;
                }
                _ => i += 1,
            }
        }
        mentions
    }
}

/// `Syrian-Americans`: the token follows a hyphen glued to a capitalised word.
fn hyphen_compound(text: &str, token: &Token) -> bool {
    let before = &text[..token.start];
    let Some(rest) = before.strip_suffix('-') else {
        return false;
    };
    let word: String = rest.chars().rev().take_while(|c| c.is_alphabetic()).collect();
    word.chars().last().is_some_and(|c| c.is_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> TargetSpec {
        TargetSpec {
            name: "United States".into(),
            aliases: [
                "U.S.",
                "US",
                "United States",
                "America",
                "American",
                "Americans",
                "Washington",
                "the White House",
                "the Pentagon",
                "the Biden administration",
            ]
            .map(String::from)
            .to_vec(),
            exclude: [
                "Latin America",
                "South America",
                "The Washington Post",
                "Washington state",
                "George Washington",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    fn aliases(text: &str) -> Vec<String> {
        MentionFinder::new(&us())
            .find(text)
            .into_iter()
            .map(|m| m.alias)
            .collect()
    }

    #[test]
    fn mention_table() {
        let cases: &[(&str, &[&str])] = &[
            ("The U.S. and US officials met", &["U.S.", "US"]),
            ("Let us hope, he told us", &[]),
            (
                "Washington rejected the plan, The Washington Post reported",
                &["Washington"],
            ),
            ("Trade with Latin America and South America grew", &[]),
            ("Syrian-Americans rallied; anti-American protests spread", &["American"]),
            (
                "the White House and the Pentagon disagreed with the Biden administration",
                &["the White House", "the Pentagon", "the Biden administration"],
            ),
            ("American troops left; Americans voted", &["American", "Americans"]),
            ("A bridge in Washington state and George Washington University", &[]),
            ("The United States' allies", &["United States"]),
            ("America's allies and Washington’s plan", &["America's", "Washington’s"]),
            ("Americas allies (apostrophe lost in export)", &["Americas"]),
        ];
        for (text, want) in cases {
            assert_eq!(aliases(text), *want, "{text}");
        }
    }

    #[test]
    fn an_alias_written_as_a_possessive_matches_its_name() {
        // NewsMTSC gives targets as they appear: "Robert Mueller's".
        let finder = MentionFinder::new(&TargetSpec::named("Robert Mueller's"));
        for text in [
            "Robert Mueller's final report",
            "Robert Mueller’s report",
            "Robert Mueller spoke",
        ] {
            let found = finder.find(text);
            assert_eq!(found.len(), 1, "{text}");
            assert!(found[0].alias.starts_with("Robert Mueller"), "{text}");
        }
        assert!(finder.find("Mueller spoke").is_empty());
    }

    #[test]
    fn spans_point_at_the_alias() {
        let text = "Officials in Washington said";
        let m = &MentionFinder::new(&us()).find(text)[0];
        assert_eq!(&text[m.start..m.end], "Washington");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn mentions_lie_on_boundaries_in_order(text in "(\\PC|US|U\\.S\\.|Washington|-| ){0,80}") {
            let finder = MentionFinder::new(&TargetSpec {
                name: "United States".into(),
                aliases: vec!["US".into(), "Washington".into(), "the Pentagon".into()],
                exclude: vec!["Washington Post".into()],
            });
            let mut last = 0;
            for m in finder.find(&text) {
                prop_assert!(m.start >= last && m.start < m.end && m.end <= text.len());
                prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
                prop_assert_eq!(&text[m.start..m.end], m.alias.as_str());
                last = m.end;
            }
        }
    }
}
