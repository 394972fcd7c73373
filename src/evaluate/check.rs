//! The challenge suite: accuracy per linguistic phenomenon.
//!
//! An aggregate score hides what a model cannot do. The suite is a JSONL file
//! of statements we wrote, each tagged with the phenomenon it probes
//! (negation, quoted accusation, denial, attribution after a quote, both
//! targets, sarcasm, hedging, headline, neutral mention, alias), and the check
//! runs each through the same path `classify` uses, then reports accuracy per
//! phenomenon and lists every failure.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::classify::ArticleClassifier;
use crate::data::labeled::parse_label;
use crate::error::{Error, Result, json_line_error};
use crate::labels::Stance;

/// One challenge statement.
#[derive(Debug, Clone, PartialEq)]
pub struct ChallengeItem {
    pub id: String,
    pub text: String,
    pub target: String,
    pub stance: Stance,
    pub phenomenon: String,
}

/// A challenge statement as the suite file spells it.
#[derive(Deserialize)]
struct SuiteLine {
    id: String,
    text: String,
    target: String,
    stance: String,
    phenomenon: String,
}

/// Accuracy on one phenomenon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhenomenonScore {
    pub phenomenon: String,
    pub n: usize,
    pub correct: usize,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub accuracy: f64,
}

/// A statement the model got wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub id: String,
    pub phenomenon: String,
    pub target: String,
    pub expected: Stance,
    pub predicted: Stance,
    #[serde(serialize_with = "crate::scores::rounded_f32")]
    pub confidence: f32,
    pub text: String,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub n: usize,
    pub correct: usize,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub accuracy: f64,
    pub phenomena: Vec<PhenomenonScore>,
    pub failures: Vec<Failure>,
}

/// Reads a challenge suite, rejecting bad lines with file and line.
pub fn read_suite(path: &Path) -> Result<Vec<ChallengeItem>> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_suite(path, &text)
}

/// The name the built-in suite goes by in reports and messages.
pub const BUILTIN_SUITE: &str = "the built-in challenge suite";

/// The floors of the built-in suite (for the built-in model): minimum
/// accuracy per phenomenon.
pub const BUILTIN_FLOORS: &str = include_str!("../../tests/challenge-floors.json");

/// The challenge suite shipped inside the binary (`tests/challenge.jsonl`).
pub fn builtin_suite() -> Vec<ChallengeItem> {
    parse_suite(Path::new(BUILTIN_SUITE), include_bytes!("../../tests/challenge.jsonl"))
        .expect("the built-in suite parses (a test checks it)")
}

/// Parses a suite's bytes; `path` names it in errors.
fn parse_suite(path: &Path, text: &[u8]) -> Result<Vec<ChallengeItem>> {
    let mut items = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let err = |message: String| Error::Data {
            path: path.to_path_buf(),
            line: i as u64 + 1,
            message,
        };
        let line = std::str::from_utf8(line).map_err(|e| err(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
        if line.trim().is_empty() {
            continue;
        }
        let item: SuiteLine =
            serde_json::from_str(line).map_err(|e| err(format!("invalid challenge item: {}", json_line_error(&e))))?;
        items.push(ChallengeItem {
            stance: parse_label::<Stance>(Some(&item.stance))
                .map_err(err)?
                .unwrap_or(Stance::None),
            id: item.id,
            text: item.text,
            target: item.target,
            phenomenon: item.phenomenon,
        });
    }
    if items.is_empty() {
        return Err(Error::DataFile {
            path: path.to_path_buf(),
            message: "the challenge suite is empty".into(),
        });
    }
    Ok(items)
}

/// Runs every item through `classifier` and scores it.
pub fn run_check(classifier: &ArticleClassifier, items: &[ChallengeItem]) -> Result<CheckReport> {
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for item in items {
        let got = classifier.statement_stance(&item.text, &item.target)?;
        let entry = per.entry(&item.phenomenon).or_default();
        entry.0 += 1;
        if got.label == item.stance {
            entry.1 += 1;
        } else {
            failures.push(Failure {
                id: item.id.clone(),
                phenomenon: item.phenomenon.clone(),
                target: item.target.clone(),
                expected: item.stance,
                predicted: got.label,
                confidence: got.confidence,
                text: item.text.clone(),
            });
        }
    }
    let phenomena: Vec<PhenomenonScore> = per
        .into_iter()
        .map(|(p, (n, correct))| PhenomenonScore {
            phenomenon: p.to_string(),
            n,
            correct,
            accuracy: correct as f64 / n as f64,
        })
        .collect();
    let n = items.len();
    let correct = n - failures.len();
    Ok(CheckReport {
        n,
        correct,
        accuracy: correct as f64 / n as f64,
        phenomena,
        failures,
    })
}

/// Phenomena whose accuracy is below their floor: (phenomenon, accuracy, floor).
/// A floor naming a phenomenon the suite lacks is an error.
pub fn below_floors(report: &CheckReport, floors: &BTreeMap<String, f64>) -> Result<Vec<(String, f64, f64)>> {
    let mut below = Vec::new();
    for (p, floor) in floors {
        let score = report
            .phenomena
            .iter()
            .find(|s| &s.phenomenon == p)
            .ok_or_else(|| Error::Settings(format!("the floors name phenomenon \"{p}\", which the suite lacks")))?;
        if score.accuracy < *floor {
            below.push((p.clone(), score.accuracy, *floor));
        }
    }
    Ok(below)
}
