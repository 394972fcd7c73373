//! The splitter's tests: table tests of the traps wire copy sets, and
//! property tests (spans in bounds and ordered, no text lost).

use super::*;

fn texts(s: &str) -> Vec<&str> {
    split_statements(s).into_iter().map(|st| &s[st.start..st.end]).collect()
}

#[test]
fn splitting_traps() {
    let cases: &[(&str, &[&str])] = &[
        // Abbreviations and acronyms.
        (
            "The U.S. envoy met U.N. officials. Talks ended.",
            &["The U.S. envoy met U.N. officials.", "Talks ended."],
        ),
        (
            "He moved to the U.S. The move surprised many.",
            &["He moved to the U.S.", "The move surprised many."],
        ),
        (
            "Troops left the U.K. Tuesday after talks.",
            &["Troops left the U.K. Tuesday after talks."],
        ),
        // An acronym that ends a sentence before a capitalised word opening
        // a clause splits; one that the next word continues does not.
        (
            "The talks were held in the U.S. Russia did not attend.",
            &["The talks were held in the U.S.", "Russia did not attend."],
        ),
        (
            "Aid reached the U.N. Moscow said it would veto the plan.",
            &["Aid reached the U.N.", "Moscow said it would veto the plan."],
        ),
        (
            "The U.S. Army said the convoy was hit.",
            &["The U.S. Army said the convoy was hit."],
        ),
        (
            "U.S. President Joe Biden met U.N. Secretary-General Antonio Guterres.",
            &["U.S. President Joe Biden met U.N. Secretary-General Antonio Guterres."],
        ),
        (
            "A U.S. State Department spokesman spoke to the U.N. Security Council today.",
            &["A U.S. State Department spokesman spoke to the U.N. Security Council today."],
        ),
        (
            "Officials from the U.S. Treasury said sanctions would follow.",
            &["Officials from the U.S. Treasury said sanctions would follow."],
        ),
        (
            "U.S. LNG to the rescue as U.S. Patriot missiles arrive",
            &["U.S. LNG to the rescue as U.S. Patriot missiles arrive"],
        ),
        (
            "Mr. Lavrov and Mrs. Clinton met Dr. Smith.",
            &["Mr. Lavrov and Mrs. Clinton met Dr. Smith."],
        ),
        (
            "Gen. Gerasimov spoke. Sen. Graham and Rep. Pelosi replied.",
            &["Gen. Gerasimov spoke.", "Sen. Graham and Rep. Pelosi replied."],
        ),
        (
            "The talks began Jan. 15 in St. Petersburg. They failed.",
            &["The talks began Jan. 15 in St. Petersburg.", "They failed."],
        ),
        (
            "John F. Kennedy met Nikita Khrushchev in 1961.",
            &["John F. Kennedy met Nikita Khrushchev in 1961."],
        ),
        // Decimals, times, ellipses.
        (
            "Growth was 3.5 percent. Prices rose 1.2%.",
            &["Growth was 3.5 percent.", "Prices rose 1.2%."],
        ),
        (
            "The strike came at 10:30 a.m. local time.",
            &["The strike came at 10:30 a.m. local time."],
        ),
        (
            "He waited... and waited. Nothing came.",
            &["He waited... and waited.", "Nothing came."],
        ),
        (
            "It was over… Then the shelling resumed.",
            &["It was over…", "Then the shelling resumed."],
        ),
        // Quotes.
        (
            "Moscow denied it, he said.” Washington disagreed.",
            &["Moscow denied it, he said.”", "Washington disagreed."],
        ),
        (
            "“We will not give up,” the minister said. Talks resume Monday.",
            &["“We will not give up,” the minister said.", "Talks resume Monday."],
        ),
        (
            "“We will respond.” Peskov said on Monday. Markets fell.",
            &["“We will respond.” Peskov said on Monday.", "Markets fell."],
        ),
        ("“…” Peskov said.", &["“…” Peskov said."]),
        (
            "“Is this justice?” he asked. Nobody answered.",
            &["“Is this justice?” he asked.", "Nobody answered."],
        ),
        (
            "\"We are ready.\" The Kremlin then left.",
            &["\"We are ready.\"", "The Kremlin then left."],
        ),
        (
            "“Sanctions failed,” according to the minister. Others agree.",
            &["“Sanctions failed,” according to the minister.", "Others agree."],
        ),
        // Questions and exclamations.
        (
            "Who benefits? Washington does! Ask anyone.",
            &["Who benefits?", "Washington does!", "Ask anyone."],
        ),
        // Scraped copy: an omission inside a quotation, inline bullets, a
        // sentence glued to the next.
        (
            "\"As well as the 10 killed on the bus... 21 others died\" the monitor said.",
            &["\"As well as the 10 killed on the bus... 21 others died\" the monitor said."],
        ),
        ("It was over... 21 people died.", &["It was over...", "21 people died."]),
        (
            "Crowds massed downtown. - The governor was sacked. - Tanks moved in.",
            &["Crowds massed downtown.", "The governor was sacked.", "Tanks moved in."],
        ),
        (
            "Key dates: * 1982: - A siege began.",
            &["Key dates:", "1982:", "A siege began."],
        ),
        (
            "It was a sign of weakness.For his part Hollande blamed Damascus.",
            &["It was a sign of weakness.", "For his part Hollande blamed Damascus."],
        ),
        (
            "Visit sputnik.com.Tags or U.S.Army units.",
            &["Visit sputnik.com.Tags or U.S.Army units."],
        ),
        (
            "Talks went well: both sides agreed.",
            &["Talks went well: both sides agreed."],
        ),
        // Not datelines.
        ("US-led strikes hit the town.", &["US-led strikes hit the town."]),
        ("NATO - the alliance - met.", &["NATO - the alliance - met."]),
    ];
    for (input, want) in cases {
        assert_eq!(texts(input), *want, "input: {input}");
    }
}

#[test]
fn datelines_headlines_paragraphs_and_bullets() {
    let article = "Russia Vetoes Syria Resolution\n\nMOSCOW (Reuters) - Russia vetoed the draft on Monday. The U.S. condemned it.\n\nDAMASCUS — Shelling resumed\nin the east overnight.\n- First point\n- Second point\nWASHINGTON, March 3 (AP) — The Pentagon said it was ready.";
    let got = texts(article);
    assert_eq!(
        got,
        [
            "Russia Vetoes Syria Resolution",
            "Russia vetoed the draft on Monday.",
            "The U.S. condemned it.",
            "Shelling resumed\nin the east overnight.",
            "First point",
            "Second point",
            "The Pentagon said it was ready.",
        ]
    );
    let st = split_statements(article);
    let dateline = st[1].prefix.unwrap();
    assert_eq!(&article[dateline.0..dateline.1], "MOSCOW (Reuters) -");
    let dateline = st[3].prefix.unwrap();
    assert_eq!(&article[dateline.0..dateline.1], "DAMASCUS —");
    assert_eq!(&article[st[4].prefix.unwrap().0..st[4].prefix.unwrap().1], "-");
    assert!(
        st[4].bullet && !st[1].bullet && !st[6].bullet,
        "a bullet is no dateline"
    );
    assert!(st.iter().all(|s| !s.furniture));
    assert!(st[2].prefix.is_none());
    assert_eq!(
        &article[st[6].prefix.unwrap().0..st[6].prefix.unwrap().1],
        "WASHINGTON, March 3 (AP) —"
    );
}

#[test]
fn page_furniture_is_marked_and_kept() {
    let article = "Russia Vetoes Syria Resolution\n\nRelated Content\n\nMoscow vetoed the draft.\nShare this article\nLeave a Reply:\nSyria\nWorld News\n- Sanctions cover banks\nRead more about the vote in the Security Council.";
    let st = split_statements(article);
    let marked: Vec<(&str, bool)> = st.iter().map(|s| (&article[s.start..s.end], s.furniture)).collect();
    assert_eq!(
        marked,
        [
            ("Russia Vetoes Syria Resolution", false),
            ("Related Content", true),
            ("Moscow vetoed the draft.", false),
            ("Share this article", true),
            ("Leave a Reply:", true),
            ("Syria", true),
            ("World News", true),
            ("Sanctions cover banks", false),
            ("Read more about the vote in the Security Council.", false),
        ]
    );
    assert!(st[7].bullet);
}

#[test]
fn never_spans_paragraphs() {
    let text = "First paragraph without a stop\n\nsecond paragraph in lowercase";
    assert_eq!(
        texts(text),
        ["First paragraph without a stop", "second paragraph in lowercase"]
    );
    let text = "A headline\nThe body starts here.";
    assert_eq!(texts(text), ["A headline", "The body starts here."]);
}

#[test]
fn empty_and_whitespace() {
    assert!(split_statements("").is_empty());
    assert!(split_statements("  \n\n \t ").is_empty());
    assert_eq!(texts("  Hello  "), ["Hello"]);
}

#[test]
fn spans_are_ordered_and_on_char_boundaries() {
    let text = "Ça va? «Oui». Москва заявила. 東京 — 発表。 Done.";
    let st = split_statements(text);
    let mut last = 0;
    for s in st {
        assert!(s.start >= last && s.start < s.end && s.end <= text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        last = s.end;
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text built from the pieces that trip splitters.
    fn newsy_text() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "U.S.",
            "U.N.",
            " ",
            "  ",
            "\n",
            "\n\n",
            ".",
            "...",
            "…",
            "!",
            "?",
            "“",
            "”",
            "\"",
            "'",
            "’",
            "Mr.",
            "Gen.",
            "Jan.",
            "3.5",
            "10:30 a.m.",
            "MOSCOW (Reuters) - ",
            "DAMASCUS — ",
            "- ",
            "• ",
            "1) ",
            "he said",
            "Peskov said.",
            "The",
            "the",
            "Kremlin",
            "war",
            "é",
            "東京",
            "\t",
            "—",
            "-",
            "(",
            ")",
            "A",
            "b",
            "US-led",
            "\r\n",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    fn check(text: &str) {
        let statements = split_statements(text);
        let mut covered = vec![false; text.len()];
        let mut last_end = 0;
        for s in &statements {
            assert!(s.start < s.end && s.end <= text.len(), "{s:?} in {text:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            assert!(s.start >= last_end, "overlap or disorder in {text:?}: {statements:?}");
            let mut spans = vec![(s.start, s.end)];
            if let Some((a, b)) = s.prefix {
                assert!(a < b && b <= s.start && a >= last_end && text.is_char_boundary(a) && text.is_char_boundary(b));
                spans.push((a, b));
            }
            for (a, b) in spans {
                covered[a..b].iter_mut().for_each(|c| *c = true);
            }
            last_end = s.end;
        }
        for (i, c) in text.char_indices() {
            if !c.is_whitespace() {
                assert!(covered[i], "lost {c:?} at {i} in {text:?}: {statements:?}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn spans_are_ordered_in_bounds_and_lose_nothing(text in newsy_text()) {
            check(&text);
        }

        #[test]
        fn arbitrary_unicode_never_panics(text in "\\PC{0,200}") {
            check(&text);
        }
    }
}
