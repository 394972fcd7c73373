//! The shape of our labeled corpus, `training_data/corpus.jsonl`.
//!
//! The shipped model is only as good as this corpus, and a corpus edited by
//! many hands drifts: a statement labeled for a target it never names, a
//! batch that leans on one framing, near-copies that inflate held-out scores.
//! These checks keep the promises `training_data/README.md` makes.

use std::collections::BTreeMap;
use std::path::Path;

use stance::Label;
use stance::MentionFinder;
use stance::split_statements;
use stance::{Example, read_dataset};
use stance::{TargetSpec, read_targets_file};

const RUSSIA: &str = "Russia";
const US: &str = "United States";

/// One statement: its text, stance toward each target, sentiment and split.
struct Statement {
    stem: String,
    text: String,
    stance: BTreeMap<String, &'static str>,
    sentiment: &'static str,
    split: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn targets() -> Vec<TargetSpec> {
    read_targets_file(&root().join("training_data/targets.json")).expect("alias file reads")
}

/// Reads the corpus and groups its rows into statements, checking that each
/// statement has one row per target with the same text, sentiment and split.
fn statements() -> Vec<Statement> {
    let data = read_dataset(&root().join("training_data/corpus.jsonl")).expect("corpus reads");
    let mut by_stem: BTreeMap<String, Vec<Example>> = BTreeMap::new();
    for ex in data.examples {
        let (stem, suffix) = ex
            .id
            .rsplit_once('-')
            .unwrap_or_else(|| panic!("id {} has no -ru/-us suffix", ex.id));
        let want = match suffix {
            "ru" => RUSSIA,
            "us" => US,
            other => panic!("id {} ends in -{other}, not -ru or -us", ex.id),
        };
        assert_eq!(ex.target, want, "row {} is about the wrong target", ex.id);
        by_stem.entry(stem.to_string()).or_default().push(ex);
    }
    by_stem
        .into_iter()
        .map(|(stem, rows)| {
            assert_eq!(
                rows.len(),
                2,
                "statement {stem} needs exactly two rows (one per target)"
            );
            let (a, b) = (&rows[0], &rows[1]);
            assert_eq!(a.text, b.text, "statement {stem}: rows disagree on the text");
            assert_eq!(a.sentiment, b.sentiment, "statement {stem}: rows disagree on sentiment");
            assert_eq!(a.split, b.split, "statement {stem}: rows disagree on split");
            let split = a
                .split
                .clone()
                .unwrap_or_else(|| panic!("statement {stem} has no split"));
            assert!(split == "train" || split == "test", "statement {stem}: split {split}");
            Statement {
                stem: stem.clone(),
                text: a.text.clone(),
                stance: rows
                    .iter()
                    .map(|r| {
                        (
                            r.target.clone(),
                            r.stance.unwrap_or_else(|| panic!("{} has no stance", r.id)).name(),
                        )
                    })
                    .collect(),
                sentiment: a
                    .sentiment
                    .unwrap_or_else(|| panic!("statement {stem} has no sentiment"))
                    .name(),
                split,
            }
        })
        .collect()
}

#[test]
fn size_and_shape() {
    let statements = statements();
    assert!(statements.len() >= 3000, "only {} statements", statements.len());
    for s in &statements {
        let pieces = split_statements(&s.text);
        assert_eq!(
            pieces.len(),
            1,
            "statement {} is cut into {} by the splitter: {}",
            s.stem,
            pieces.len(),
            s.text
        );
    }
    let mut sentiment: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &statements {
        *sentiment.entry(s.sentiment).or_default() += 1;
    }
    for label in ["positive", "negative", "neutral"] {
        let share = sentiment.get(label).copied().unwrap_or(0) as f64 / statements.len() as f64;
        assert!(share >= 0.10, "sentiment {label} is only {share:.3} of the corpus");
    }
}

#[test]
fn labels_agree_with_mentions_and_cover_both_stances() {
    let statements = statements();
    let targets = targets();
    let mut opposite = 0;
    let mut mention_sets: BTreeMap<(bool, bool), usize> = BTreeMap::new();
    for spec in &targets {
        let finder = MentionFinder::new(spec);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &statements {
            let label = s.stance[&spec.name];
            let mentioned = !finder.find(&s.text).is_empty();
            assert!(
                mentioned || label == "none",
                "statement {} is {label} toward {} but never names it: {}",
                s.stem,
                spec.name,
                s.text
            );
            if mentioned {
                *counts.entry(label).or_default() += 1;
            }
        }
        let mentioning: usize = counts.values().sum();
        for label in ["favor", "against"] {
            let share = counts.get(label).copied().unwrap_or(0) as f64 / mentioning as f64;
            assert!(
                share >= 0.25,
                "{label} is {share:.3} of statements mentioning {} (need 0.25)",
                spec.name
            );
        }
    }
    let finders: Vec<MentionFinder> = targets.iter().map(MentionFinder::new).collect();
    for s in &statements {
        let ru = !finders[0].find(&s.text).is_empty();
        let us = !finders[1].find(&s.text).is_empty();
        *mention_sets.entry((ru, us)).or_default() += 1;
        let pair = (s.stance[RUSSIA], s.stance[US]);
        if ru && us && (pair == ("favor", "against") || pair == ("against", "favor")) {
            opposite += 1;
        }
    }
    for (key, what) in [
        ((true, false), "Russia only"),
        ((false, true), "US only"),
        ((true, true), "both"),
        ((false, false), "neither"),
    ] {
        let n = mention_sets.get(&key).copied().unwrap_or(0);
        assert!(n >= 150, "only {n} statements mention {what}");
    }
    assert!(
        opposite >= 100,
        "only {opposite} statements name both targets with opposite stances"
    );
}

#[test]
fn held_out_split_is_stratified() {
    let statements = statements();
    let mut groups: BTreeMap<(&str, &str), (usize, usize)> = BTreeMap::new();
    for s in &statements {
        let g = groups.entry((s.stance[RUSSIA], s.stance[US])).or_default();
        g.0 += 1;
        if s.split == "test" {
            g.1 += 1;
        }
    }
    let total_test: usize = groups.values().map(|g| g.1).sum();
    let share = total_test as f64 / statements.len() as f64;
    assert!((0.15..=0.25).contains(&share), "test share {share:.3}");
    for (pair, (n, test)) in groups {
        if n >= 20 {
            let s = test as f64 / n as f64;
            assert!(
                (s - share).abs() <= 0.06,
                "stance pair {pair:?}: test share {s:.3} vs {share:.3} overall"
            );
        }
    }
}

/// Each statement's distinct lowercase words, as sorted ids.
fn word_sets(statements: &[Statement]) -> Vec<Vec<u32>> {
    let mut ids: BTreeMap<String, u32> = BTreeMap::new();
    statements
        .iter()
        .map(|s| {
            let mut set: Vec<u32> = s
                .text
                .split(|c: char| !c.is_alphanumeric() && c != '\'')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let next = ids.len() as u32;
                    *ids.entry(w.to_lowercase()).or_insert(next)
                })
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect()
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[test]
fn no_near_duplicates() {
    let statements = statements();
    let sets = word_sets(&statements);
    let mut found = Vec::new();
    for i in 0..sets.len() {
        for j in 0..i {
            let (a, b) = (sets[i].len(), sets[j].len());
            // Jaccard can exceed 0.7 only if the smaller set is over 0.7 of the larger.
            if (a.min(b) as f64) <= 0.7 * a.max(b) as f64 {
                continue;
            }
            let inter = intersection(&sets[i], &sets[j]);
            let union = a + b - inter;
            if union > 0 && inter as f64 / union as f64 > 0.7 {
                found.push(format!(
                    "{} ~ {}: {} | {}",
                    statements[j].stem, statements[i].stem, statements[j].text, statements[i].text
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} near-duplicate pairs (word Jaccard > 0.7):\n{}",
        found.len(),
        found.join("\n")
    );
}
