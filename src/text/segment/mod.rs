//! Sentence splitting: cutting an article into statements, with byte offsets.
//!
//! Stance is decided per statement, so a wrong cut mixes two claims or splits
//! one. Wire copy is full of traps for a naive "split at a period" rule:
//! abbreviations and initials (`U.S.`, `Gen.`, `John F. Kennedy`), decimals
//! and times, ellipses, a closing quote after the period, a quotation
//! followed by its attribution (`“We will not give up,” the minister said.`
//! is one statement, as is `“…” Peskov said.`), datelines (`MOSCOW
//! (Reuters) -`), headlines and bullets without final punctuation. A
//! statement never spans two paragraphs; a dateline or bullet marker is kept
//! apart from the statement it introduces rather than dropped.

use std::sync::LazyLock;

use regex::Regex;

/// One statement: the byte range of its text, and of the dateline or bullet
/// marker that introduced it, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    pub start: usize,
    pub end: usize,
    pub prefix: Option<(usize, usize)>,
    /// Whether the prefix is a bullet marker (`-`, `*`, `1.`) rather than a
    /// dateline.
    pub bullet: bool,
    /// Whether it is page furniture rather than a statement: a line that
    /// stands alone and is a site's navigation or sharing text ("Related
    /// Content", "Leave a Reply") or a word or two without a sentence end.
    pub furniture: bool,
}

/// Abbreviations after which a period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Capt", "Sgt", "Maj", "Adm", "Cmdr", "Prof",
    "St", "Jr", "Sr", "Rev", "Hon", "Pres", "Amb", "Messrs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "No", "Nos", "Vol", "vs", "Ft", "Mt", "Gens", "Supt", "approx", "Fig", "Corp", "Inc",
    "Ltd", "Co", "Bros", "Univ", "Dept",
];

/// Capitalised words that continue a dotted acronym rather than start a new
/// sentence after it, though a lowercase word follows them: "U.S. Army
/// said", "U.N. Security Council", "the U.K. Tuesday after talks".
const ACRONYM_CONTINUATIONS: &[&str] = &[
    "Army",
    "Navy",
    "Air",
    "Marine",
    "Marines",
    "President",
    "Vice",
    "Secretary",
    "Senate",
    "Senator",
    "Senators",
    "House",
    "Congress",
    "Congressman",
    "Embassy",
    "Embassies",
    "Ambassador",
    "Envoy",
    "Government",
    "Administration",
    "Treasury",
    "Department",
    "State",
    "Defense",
    "Defence",
    "Justice",
    "Military",
    "Forces",
    "Troops",
    "Command",
    "Coast",
    "Officials",
    "Intelligence",
    "Attorney",
    "Special",
    "Central",
    "Supreme",
    "Court",
    "Security",
    "General",
    "Chamber",
    "Commerce",
    "Dollar",
    "Dollars",
    "Census",
    "Mission",
    "Agency",
    "Peacekeepers",
    "Peacekeeping",
    "Spokesman",
    "Spokeswoman",
    "Deputy",
    "Diplomats",
    "Allies",
    "Sanctions",
    "Policy",
    "Trade",
    "Energy",
    "Health",
    "Human",
    "Refugee",
    "Refugees",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Finite verbs and auxiliaries that, after a capitalised word, show it is
/// the subject of a new clause ("the U.S. Russia did not attend").
const CLAUSE_VERBS: &[&str] = &[
    "is",
    "was",
    "are",
    "were",
    "has",
    "had",
    "have",
    "did",
    "does",
    "do",
    "will",
    "would",
    "could",
    "can",
    "should",
    "may",
    "might",
    "must",
    "said",
    "says",
    "denied",
    "denies",
    "rejected",
    "rejects",
    "refused",
    "refuses",
    "accused",
    "accuses",
    "announced",
    "announces",
    "warned",
    "warns",
    "called",
    "calls",
    "vowed",
    "vows",
    "responded",
    "responds",
    "insisted",
    "insists",
    "welcomed",
    "welcomes",
    "condemned",
    "condemns",
    "blamed",
    "blames",
    "praised",
    "praises",
    "claimed",
    "claims",
    "stated",
    "states",
    "argued",
    "argues",
];

/// Whether `word` is capitalised and not all capitals ("Russia", not
/// "LNG").
fn is_titlecase(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.any(char::is_lowercase)
}

/// Words that start a new sentence after a dotted acronym ("in the U.S. The
/// move..."): elsewhere an acronym's period is taken as part of the acronym.
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "This",
    "That",
    "These",
    "Those",
    "But",
    "And",
    "However",
    "In",
    "On",
    "At",
    "Its",
    "His",
    "Her",
    "Their",
    "Our",
    "There",
    "What",
    "When",
    "Meanwhile",
    "Officials",
    "After",
    "Before",
    "If",
    "As",
    "Some",
    "Many",
    "Earlier",
    "Later",
    "Still",
    "Yet",
    "So",
    "Now",
];

/// Verbs that make a short clause after a quotation its attribution.
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "tells",
    "added",
    "adds",
    "asked",
    "asks",
    "stated",
    "wrote",
    "writes",
    "insisted",
    "noted",
    "warned",
    "declared",
    "tweeted",
    "explained",
    "replied",
    "claimed",
    "argued",
    "continued",
    "concluded",
    "stressed",
    "according",
    "announced",
    "responded",
    "countered",
    "posted",
    "urged",
    "remarked",
    "quipped",
    "recalled",
    "emphasised",
    "emphasized",
];

static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    // PLACE[/PLACE][, Region][, Month Day][ (Source)] followed by a dash that
    // stands apart ("MOSCOW (Reuters) -", "DAMASCUS —"), never "US-led".
    Regex::new(
        r"^[A-Z][A-Z'.]*[A-Z.](?:[ /-][A-Z][A-Z'.]*[A-Z.])*(?:, [A-Z][a-z]+)?(?:,? (?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [A-Z][a-z]{2,8}))?(?: ?\([A-Za-z][A-Za-z .&/]*\))?(?: ?[—–] ?| -{1,2} )",
    )
    .unwrap()
});

static BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:[-*•·▪–—]|\d{1,2}[.)])[ \t]+").unwrap());

/// A bullet marker inside a block whose line breaks were lost (scraped wire
/// copy: "...fired on crowds. - Assad sacked the governor"): only after a
/// sentence end or a colon, and only before a capital, a digit or a quote.
static INLINE_BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"^[-*•▪][ \t]+["“‘(]?[\p{Lu}\d]"#).unwrap());

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…')
}

fn is_closing(c: char) -> bool {
    matches!(c, '"' | '”' | '’' | '\'' | ')' | ']' | '»')
}

fn is_opening(c: char) -> bool {
    matches!(c, '"' | '“' | '‘' | '\'' | '(' | '[' | '«')
}

/// Splits `text` into statements, in order.
pub fn split_statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    for (start, end) in blocks(text) {
        let first = out.len();
        split_block(text, start, end, &mut out);
        if let [only] = &mut out[first..]
            && only.prefix.is_none()
        {
            only.furniture = is_furniture(&text[only.start..only.end]);
        }
    }
    out
}

/// Lines sites put around an article, compared in lowercase without
/// trailing punctuation.
const FURNITURE: &[&str] = &[
    "related content",
    "related articles",
    "related stories",
    "related news",
    "related posts",
    "leave a reply",
    "leave a comment",
    "post a comment",
    "share this article",
    "share this story",
    "share this post",
    "share on facebook",
    "share on twitter",
    "read more",
    "read also",
    "see also",
    "click here",
    "subscribe now",
    "sign up for our newsletter",
    "follow us",
    "follow us on twitter",
    "print this article",
    "email this article",
    "you may also like",
    "most popular",
    "most read",
    "all rights reserved",
    "skip to content",
    "back to top",
];

/// Whether a line standing alone is page furniture: a known phrase, or a
/// word or two without a sentence end.
fn is_furniture(line: &str) -> bool {
    let bare = line
        .trim()
        .trim_end_matches([':', '.', '»', '›', '>', '|'])
        .trim()
        .to_lowercase();
    if FURNITURE.contains(&bare.as_str()) {
        return true;
    }
    let ends_sentence = line.trim_end().ends_with(|c: char| is_terminal(c) || is_closing(c));
    !ends_sentence && line.split_whitespace().count() <= 2
}

/// Byte ranges of blocks: paragraphs, and lines that stand alone (headlines,
/// bullets). A single line break joins two lines only when the first does not
/// end a sentence and the second goes on in lowercase (a hard-wrapped line).
fn blocks(text: &str) -> Vec<(usize, usize)> {
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        lines.push((pos, pos + body.len()));
        pos += line.len();
    }
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for (ls, le) in lines {
        let line = &text[ls..le];
        if line.trim().is_empty() {
            blocks.extend(current.take());
            continue;
        }
        let continues = current.is_some_and(|(cs, ce)| {
            let prev = text[cs..ce].trim_end();
            let first = line.trim_start().chars().next();
            !prev.ends_with(|c: char| is_terminal(c) || is_closing(c) || c == ':')
                && first.is_some_and(|c| c.is_lowercase())
                && !BULLET.is_match(line.trim_start())
        });
        current = match current {
            Some((cs, _)) if continues => Some((cs, le)),
            Some(block) => {
                blocks.push(block);
                Some((ls, le))
            }
            None => Some((ls, le)),
        };
    }
    blocks.extend(current);
    blocks
}

fn split_block(text: &str, start: usize, end: usize, out: &mut Vec<Statement>) {
    let mut s = skip_space(text, start, end);
    let mut prefix = None;
    let mut bullet = false;
    for (re, is_dateline) in [(&*BULLET, false), (&*DATELINE, true)] {
        if let Some(m) = re.find(&text[s..end]) {
            // It must introduce more text; a dateline introduces a sentence.
            let rest = s + m.end();
            let next = text[rest..end].trim_start().chars().next();
            let introduces =
                next.is_some_and(|c| !is_dateline || c.is_uppercase() || c.is_ascii_digit() || is_opening(c));
            if introduces {
                bullet |= !is_dateline && prefix.is_none();
                let p_start = prefix.map_or(s, |(ps, _): (usize, usize)| ps);
                prefix = Some((p_start, s + m.as_str().trim_end().len()));
                s = skip_space(text, rest, end);
            }
        }
    }
    let chars: Vec<(usize, char)> = text[s..end].char_indices().map(|(i, c)| (s + i, c)).collect();
    let mut sent_start = s;
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c == ':' {
            // "details: * 1982: - In June ..." – a colon ends a statement only
            // before an inline bullet.
            let after = skip_space(text, at + 1, end);
            if after > at + 1 && INLINE_BULLET.is_match(&text[after..end]) {
                push(out, text, sent_start, at + 1, &mut prefix, &mut bullet);
                sent_start = inline_bullet(text, after, end, &mut prefix, &mut bullet);
            }
            i += 1;
            continue;
        }
        if !is_terminal(c) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_terminal(chars[j].1) {
            j += 1;
        }
        let mut k = j;
        while k < chars.len() && is_closing(chars[k].1) {
            k += 1;
        }
        let cut = chars.get(k).map_or(end, |&(o, _)| o);
        let at_end = k >= chars.len();
        let followed_by_space = chars.get(k).is_some_and(|&(_, c)| c.is_whitespace());
        let boundary = if followed_by_space {
            is_boundary(text, &chars, i, j, k, end, sent_start)
        } else {
            !at_end && is_glued_boundary(&chars, i, j, k)
        };
        if at_end || !boundary {
            i = k.max(i + 1);
            continue;
        }
        push(out, text, sent_start, cut, &mut prefix, &mut bullet);
        sent_start = inline_bullet(text, skip_space(text, cut, end), end, &mut prefix, &mut bullet);
        i = chars.partition_point(|&(o, _)| o < sent_start).max(k);
    }
    push(out, text, sent_start, end, &mut prefix, &mut bullet);
}

fn push(
    out: &mut Vec<Statement>,
    text: &str,
    start: usize,
    end: usize,
    prefix: &mut Option<(usize, usize)>,
    bullet: &mut bool,
) {
    let trimmed = text[start..end].trim_end();
    if trimmed.is_empty() {
        return;
    }
    let start = skip_space(text, start, end);
    out.push(Statement {
        start,
        end: start + text[start..end].trim().len(),
        prefix: prefix.take(),
        bullet: std::mem::take(bullet),
        furniture: false,
    });
}

/// If an inline bullet marker opens the text at `at`, records it as the next
/// statement's prefix and returns where the statement itself starts.
fn inline_bullet(text: &str, at: usize, end: usize, prefix: &mut Option<(usize, usize)>, bullet: &mut bool) -> usize {
    if !INLINE_BULLET.is_match(&text[at..end]) {
        return at;
    }
    let marker_len = text[at..end].chars().next().map_or(0, char::len_utf8);
    *prefix = Some((at, at + marker_len));
    *bullet = true;
    skip_space(text, at + marker_len, end)
}

/// A sentence end with no space after it, as scraped copy often has
/// ("the past administrations irresolution.For his part"): a single period
/// after a lowercase word of three letters or more, before a capitalised word.
fn is_glued_boundary(chars: &[(usize, char)], i: usize, j: usize, k: usize) -> bool {
    if j - i != 1 || chars[i].1 != '.' || k != j {
        return false;
    }
    let before = chars[..i].iter().rev().take_while(|&&(_, c)| c.is_alphabetic()).count();
    let word_start = i - before;
    let glued_to_word = word_start > 0 && !chars[word_start - 1].1.is_whitespace();
    before >= 3
        && !glued_to_word
        && chars[i - 1].1.is_lowercase()
        && chars.get(k).is_some_and(|&(_, c)| c.is_uppercase())
        && chars.get(k + 1).is_some_and(|&(_, c)| c.is_lowercase())
}

fn skip_space(text: &str, from: usize, to: usize) -> usize {
    from + (text[from..to].len() - text[from..to].trim_start().len())
}

/// Whether the terminal run `chars[i..j]` (closed by `chars[j..k]`) ends a
/// sentence, judging by the word before it and the text after it.
fn is_boundary(
    text: &str,
    chars: &[(usize, char)],
    i: usize,
    j: usize,
    k: usize,
    end: usize,
    sent_start: usize,
) -> bool {
    let next_at = chars[k..].iter().find(|(_, c)| !c.is_whitespace()).map(|&(o, _)| o);
    let Some(next_at) = next_at else { return true };
    let rest = &text[next_at..end];
    if INLINE_BULLET.is_match(rest) {
        return true;
    }
    let mut rest_chars = rest.chars();
    let first = rest_chars.next().unwrap();
    let starts_sentence = first.is_uppercase()
        || first.is_ascii_digit()
        || (is_opening(first)
            && rest_chars
                .next()
                .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || c == '…'));
    if !starts_sentence {
        return false;
    }
    // An ellipsis inside an open quotation before a number marks an omission,
    // not an end: `"As well as the 10 killed on the bus... 21 others died"`.
    let ellipsis = chars[i].1 == '…' || j - i >= 3;
    if ellipsis && k == j && first.is_ascii_digit() && inside_open_quote(&text[sent_start..chars[i].0]) {
        return false;
    }
    let next_word: &str = rest
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .find(|w| !w.is_empty())
        .unwrap_or("");
    // A single period after an abbreviation, an initial or an acronym.
    if j - i == 1 && chars[i].1 == '.' {
        let word_start = chars[..i]
            .iter()
            .rposition(|&(_, c)| !(c.is_alphanumeric() || c == '.' || c == '\''))
            .map_or(0, |p| p + 1);
        let word: String = chars[word_start..i].iter().map(|&(_, c)| c).collect();
        if ABBREVIATIONS.contains(&word.as_str()) {
            return false;
        }
        let letters = word.chars().filter(|c| c.is_alphabetic()).count();
        if letters == 1 && word.chars().all(|c| c.is_uppercase()) {
            return false; // an initial: "John F. Kennedy"
        }
        if word.contains('.') || matches!(word.as_str(), "am" | "pm") {
            // "U.S.", "U.N.", "a.m.": a boundary before a sentence starter,
            // or before a capitalised word that is the subject of a clause
            // of its own (a verb follows it: "in the U.S. Russia did not"),
            // unless it is one that continues the acronym ("U.S. Army said";
            // "U.S. Patriot missiles" and "U.S. LNG to" have no verb).
            let words: Vec<&str> = rest
                .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                .filter(|w| !w.is_empty())
                .take(2)
                .collect();
            let new_clause = match words[..] {
                [next, after, ..] => {
                    is_titlecase(next)
                        && CLAUSE_VERBS.contains(&after)
                        && !ACRONYM_CONTINUATIONS.contains(&next)
                        && rest.trim_start().starts_with(next)
                }
                _ => false,
            };
            return SENTENCE_STARTERS.contains(&next_word) || new_clause;
        }
    }
    // A quotation followed by its attribution: `“...” Peskov said.`
    if k > j && chars[j..k].iter().any(|&(_, c)| c != ')' && c != ']') && is_attribution(rest) {
        return false;
    }
    true
}

/// Whether a double quotation opened in `before` is still open at its end.
fn inside_open_quote(before: &str) -> bool {
    let curly_open = before.matches('“').count() > before.matches('”').count();
    curly_open || before.matches('"').count() % 2 == 1
}

/// True when `rest` opens with a short clause naming a speaker and a speech
/// verb before its own end: "Peskov said.", "the ministry said in a statement."
fn is_attribution(rest: &str) -> bool {
    let clause_end = rest.find(['.', '!', '?', '“', '"']).unwrap_or(rest.len());
    let clause = &rest[..clause_end];
    let words: Vec<&str> = clause
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty()
        && words.len() <= 12
        && words
            .iter()
            .take(6)
            .any(|w| SPEECH_VERBS.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests;
