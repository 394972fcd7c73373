//! Aggregates: the tables analysts read, stance per group of articles
//! (outlet, month, ...) and target, counted and corrected.
//!
//! An analyst does not read single statements but shares: how often an
//! outlet speaks against a target, month by month. A [`Grouping`] says which
//! keys of the input objects name a group (a `date` cut to a day, month or
//! year); an [`Aggregator`] collects, per group, its statements and, per
//! target, the label and calibrated probabilities of each statement that
//! mentions it (from classifying articles, or from lines `classify --format
//! jsonl` wrote), and [`Aggregator::finish`] estimates each group's
//! prevalence ([`crate::prevalence`]): raw and corrected shares, and net
//! stance with its 95% interval; with a period, also each group's change
//! since its previous period ([`crate::prevalence::Change`]), since
//! "whether that changed" is what a monthly table is read for. Groups come
//! out sorted by key, and each estimate is seeded by its group and target,
//! so the same input gives the same table.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::classify::{ArticleClassifier, ArticleResult, counted, mentioning};
use crate::error::{Error, Result, json_line_error};
use crate::labels::{Label, Stance};
use crate::prevalence::{Change, Effort, Estimator, NetDraws, Prevalence, group_seed};

/// How dates are bucketed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Period {
    Day,
    Month,
    Year,
}

impl Period {
    /// Characters of an ISO 8601 date the period keeps.
    fn width(self) -> usize {
        match self {
            Period::Day => 10,
            Period::Month => 7,
            Period::Year => 4,
        }
    }
}

/// The input keys a group is named by.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    fields: Vec<String>,
    period: Option<Period>,
}

/// The field a period buckets.
pub const DATE_FIELD: &str = "date";

impl Grouping {
    /// Groups by `fields` (keys of the input objects besides `id` and
    /// `text`), with the `date` field cut to `period` (and added to the
    /// fields when missing).
    pub fn new(fields: &[String], period: Option<Period>) -> Result<Grouping> {
        let mut fields: Vec<String> = fields.iter().map(|f| f.trim().to_string()).collect();
        if let Some(bad) = fields.iter().find(|f| f.is_empty() || *f == "id" || *f == "text") {
            return Err(Error::Settings(format!(
                "cannot group by \"{bad}\": name keys of the input objects besides id and text"
            )));
        }
        if period.is_some() && !fields.iter().any(|f| f == DATE_FIELD) {
            fields.push(DATE_FIELD.to_string());
        }
        let mut seen = std::collections::HashSet::new();
        fields.retain(|f| seen.insert(f.clone()));
        Ok(Grouping { fields, period })
    }

    /// The fields, in key order.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The key of an article with metadata `meta` (`null` for a field it
    /// lacks); `article` names it in errors.
    pub fn key(&self, article: &str, meta: &Map<String, Value>) -> Result<Vec<Value>> {
        self.fields
            .iter()
            .map(|f| {
                let value = meta.get(f).cloned().unwrap_or(Value::Null);
                match (f == DATE_FIELD, self.period, value) {
                    (true, Some(period), Value::String(date)) => bucket(&date, period)
                        .map(Value::String)
                        .ok_or_else(|| {
                            Error::Settings(format!(
                                "article \"{article}\": date \"{date}\" is not an ISO 8601 date (YYYY-MM-DD, or YYYY-MM for --period month, YYYY for year)"
                            ))
                        }),
                    (true, Some(_), Value::Null) => Ok(Value::Null),
                    (true, Some(_), other) => Err(Error::Settings(format!(
                        "article \"{article}\": date {other} is not a string"
                    ))),
                    (_, _, value) => Ok(value),
                }
            })
            .collect()
    }
}

/// `date` cut to `period`, if it starts with an ISO 8601 date at least that
/// precise (`2016-03-01`, `2016-03-01T12:00:00Z`, `2016-03` for a month).
fn bucket(date: &str, period: Period) -> Option<String> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let number = |r: std::ops::Range<usize>| date[r].parse::<u32>().ok();
    let width = period.width();
    if b.len() < width || !digits(0..4) {
        return None;
    }
    if width >= 7 && !(b[4] == b'-' && digits(5..7) && (1..=12).contains(&number(5..7)?)) {
        return None;
    }
    if width >= 10 && !(b[7] == b'-' && digits(8..10) && (1..=31).contains(&number(8..10)?)) {
        return None;
    }
    // What follows must not extend the last number ("2016-03-011").
    if b.get(width).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(date[..width].to_string())
}

/// Orders keys: numbers by value, strings as text, `null` last.
fn compare_keys(a: &[Value], b: &[Value]) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::Array(_) | Value::Object(_) => 3,
            Value::Null => 4,
        }
    }
    for (x, y) in a.iter().zip(b) {
        let o = rank(x).cmp(&rank(y)).then_with(|| match (x, y) {
            (Value::Number(m), Value::Number(n)) => m.as_f64().unwrap_or(0.0).total_cmp(&n.as_f64().unwrap_or(0.0)),
            (Value::String(m), Value::String(n)) => m.cmp(n),
            _ => x.to_string().cmp(&y.to_string()),
        });
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// What a group has collected.
#[derive(Debug, Clone)]
struct GroupRows {
    key: Vec<Value>,
    articles: usize,
    statements: usize,
    /// Per target (in the aggregator's order), the mentioning statements'
    /// labels and calibrated probabilities in label order.
    mentioning: Vec<Vec<(Stance, [f32; 3])>>,
}

/// Collects statements per group, and estimates each group's prevalence.
pub struct Aggregator<'c> {
    estimators: Vec<&'c Estimator>,
    targets: Vec<String>,
    grouping: Grouping,
    groups: HashMap<String, GroupRows>,
}

impl<'c> Aggregator<'c> {
    /// An aggregator of `classifier`'s results (made
    /// [`with_prevalence`](ArticleClassifier::with_prevalence)); fails
    /// when a target's stance classifier has no calibration, since the
    /// correction needs one.
    pub fn new(classifier: &'c ArticleClassifier<'_>, grouping: Grouping) -> Result<Self> {
        let targets: Vec<String> = classifier.target_names().iter().map(|s| s.to_string()).collect();
        if targets.is_empty() {
            return Err(Error::Settings(
                "the model has no target to aggregate stance toward".into(),
            ));
        }
        let estimators = targets
            .iter()
            .enumerate()
            .map(|(i, name)| {
                classifier.estimator(i).ok_or_else(|| {
                    Error::Settings(format!(
                        "the model's stance toward {name} is not calibrated, so its counts cannot be corrected: train it again with --calibration vector (the default), or calibrate it on labeled rows of your own text with `stance calibrate`"
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Aggregator {
            estimators,
            targets,
            grouping,
            groups: HashMap::new(),
        })
    }

    /// The targets, in output order.
    pub fn targets(&self) -> &[String] {
        &self.targets
    }

    /// The grouping.
    pub fn grouping(&self) -> &Grouping {
        &self.grouping
    }

    fn group(&mut self, key: Vec<Value>) -> &mut GroupRows {
        let n = self.targets.len();
        self.groups
            .entry(Value::Array(key.clone()).to_string())
            .or_insert_with(|| GroupRows {
                key,
                articles: 0,
                statements: 0,
                mentioning: vec![Vec::new(); n],
            })
    }

    /// Adds a classified article to the group `key` (see [`Grouping::key`]).
    pub fn add_article(&mut self, key: Vec<Value>, result: &ArticleResult) {
        let rows: Vec<_> = self.targets.iter().map(|t| mentioning(t, &result.statements)).collect();
        let group = self.group(key);
        group.articles += 1;
        group.statements += counted(&result.statements);
        for (all, new) in group.mentioning.iter_mut().zip(rows) {
            all.extend(new);
        }
    }

    /// Adds one statement as `classify --format jsonl` printed it, to the
    /// group its article's metadata names; a new article id counts as a
    /// new article.
    pub fn add_classified(&mut self, line: &ClassifiedLine, new_article: bool) -> Result<()> {
        let key = self.grouping.key(&line.article, &line.meta)?;
        let mut rows = Vec::with_capacity(self.targets.len());
        for name in &self.targets {
            let t = line
                .targets
                .iter()
                .find(|t| crate::text::targets::same_target(&t.target, name));
            rows.push(match t {
                Some(ClassifiedTarget {
                    mentioned: true,
                    stance: Some(d),
                    ..
                }) => {
                    let p = d.probabilities.as_ref().ok_or_else(|| {
                        Error::Settings(format!(
                            "statement {} of article \"{}\": stance toward {name} has no probabilities",
                            line.index, line.article
                        ))
                    })?;
                    let q = Stance::ALL.map(|l| p.get(l.name()).copied().unwrap_or(0.0));
                    Some((d.label, q))
                }
                Some(_) => None,
                None => {
                    return Err(Error::Settings(format!(
                        "statement {} of article \"{}\" has no stance toward {name}: was it classified with this model?",
                        line.index, line.article
                    )));
                }
            });
        }
        let group = self.group(key);
        group.articles += new_article as usize;
        group.statements += 1;
        for (all, row) in group.mentioning.iter_mut().zip(rows) {
            all.extend(row);
        }
        Ok(())
    }

    /// Reads statement lines that `classify --format jsonl` wrote (from
    /// `path`, for errors) and adds each; returns how many error records
    /// (inputs `classify` could not read) it met.
    pub fn read_classified(&mut self, path: &Path, reader: impl BufRead) -> Result<usize> {
        let mut error_records = 0;
        let mut last_article: Option<String> = None;
        for (i, line) in reader.lines().enumerate() {
            let line_no = i as u64 + 1;
            let at = |message: String| Error::Data {
                path: path.to_path_buf(),
                line: line_no,
                message,
            };
            let line = line.map_err(|e| at(format!("cannot read: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(&line).map_err(|e| at(json_line_error(&e)))?;
            if value.get("error").is_some() {
                error_records += 1;
                continue;
            }
            let statement: ClassifiedLine = serde_json::from_value(value).map_err(|e| {
                at(format!(
                    "not a statement line of `stance classify --format jsonl` ({e})"
                ))
            })?;
            let new_article = last_article.as_deref() != Some(statement.article.as_str());
            self.add_classified(&statement, new_article)
                .map_err(|e| at(e.to_string()))?;
            last_article = Some(statement.article);
        }
        Ok(error_records)
    }

    /// Every group's prevalence toward every target, groups sorted by key;
    /// with a period, each group's change from the same group (the same
    /// keys but the date) in the latest earlier period that has one.
    pub fn finish(self, model: &str) -> Aggregate {
        let mut groups: Vec<GroupRows> = self.groups.into_values().collect();
        groups.sort_by(|a, b| compare_keys(&a.key, &b.key));
        let estimators = &self.estimators;
        let targets = &self.targets;
        let fields = self.grouping.fields.clone();
        let (mut groups, draws): (Vec<Group>, Vec<Vec<NetDraws>>) = groups
            .into_par_iter()
            .map(|g| {
                let key_text = Value::Array(g.key.clone()).to_string();
                let (per_target, draws): (Vec<(String, TargetFigures)>, Vec<NetDraws>) = targets
                    .iter()
                    .zip(estimators)
                    .zip(&g.mentioning)
                    .map(|((name, estimator), rows)| {
                        let seed = group_seed(&["group", &key_text, name]);
                        let (prevalence, draws) =
                            estimator.estimate_with_draws(g.statements, rows, Effort::TABLE, seed);
                        (
                            (
                                name.clone(),
                                TargetFigures {
                                    prevalence,
                                    change: None,
                                },
                            ),
                            draws,
                        )
                    })
                    .unzip();
                let group = Group {
                    key: fields.iter().cloned().zip(g.key).collect(),
                    articles: g.articles,
                    statements: g.statements,
                    targets: per_target.into_iter().collect(),
                };
                (group, draws)
            })
            .unzip();
        if self.grouping.period.is_some() {
            for (earlier, later, from) in consecutive_periods(&groups) {
                for (t, (_, figures)) in groups[later].targets.0.iter_mut().enumerate() {
                    figures.change = Some(Change::between(from.clone(), &draws[earlier][t], &draws[later][t]));
                }
            }
        }
        Aggregate {
            model: model.to_string(),
            group_by: fields,
            groups,
        }
    }
}

/// Pairs of groups (earlier, later, the earlier's date) with the same keys
/// but the date, whose dates are consecutive among those groups' dates;
/// groups without a date are in none.
fn consecutive_periods(groups: &[Group]) -> Vec<(usize, usize, String)> {
    let mut series: HashMap<String, Vec<(&str, usize)>> = HashMap::new();
    for (i, g) in groups.iter().enumerate() {
        if let Some(Value::String(date)) = g.key.get(DATE_FIELD) {
            let rest: Vec<&Value> = g.key.iter().filter(|(k, _)| *k != DATE_FIELD).map(|(_, v)| v).collect();
            series
                .entry(serde_json::to_string(&rest).unwrap_or_default())
                .or_default()
                .push((date, i));
        }
    }
    let mut pairs: Vec<(usize, usize, String)> = series
        .into_values()
        .flat_map(|mut dated| {
            // ISO 8601 buckets of one period sort as text.
            dated.sort();
            dated
                .windows(2)
                .map(|w| (w[0].1, w[1].1, w[0].0.to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    pairs.sort();
    pairs
}

/// The prevalence of stance toward each target in each group.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub model: String,
    /// The fields groups are keyed by.
    pub group_by: Vec<String>,
    pub groups: Vec<Group>,
}

/// One group: its key, size and prevalence per target.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: Map<String, Value>,
    pub articles: usize,
    pub statements: usize,
    /// Per target, in the model's order.
    pub targets: PerTarget<TargetFigures>,
}

/// A group's figures toward one target: its prevalence and, with a period,
/// its change from the period before.
#[derive(Debug, Clone, Serialize)]
pub struct TargetFigures {
    #[serde(flatten)]
    pub prevalence: Prevalence,
    /// The change of net stance from the same group in the latest earlier
    /// period that has it (`--period` only; none for a group's first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

/// A statement line of `classify --format jsonl`, as aggregates read it.
#[derive(Debug, Clone, Deserialize)]
pub struct ClassifiedLine {
    pub article: String,
    #[serde(default)]
    pub meta: Map<String, Value>,
    pub index: usize,
    pub targets: Vec<ClassifiedTarget>,
}

/// A target of a classified statement line.
#[derive(Debug, Clone, Deserialize)]
pub struct ClassifiedTarget {
    pub target: String,
    pub mentioned: bool,
    #[serde(default)]
    pub stance: Option<ClassifiedStance>,
}

/// A stance decision of a classified statement line.
#[derive(Debug, Clone, Deserialize)]
pub struct ClassifiedStance {
    pub label: Stance,
    #[serde(default)]
    pub probabilities: Option<HashMap<String, f32>>,
}

/// Name-value pairs (a group's targets) kept in order, serialized as a
/// JSON object.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerTarget<T>(pub Vec<(String, T)>);

impl<T> FromIterator<(String, T)> for PerTarget<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        PerTarget(iter.into_iter().collect())
    }
}

impl<T: Serialize> Serialize for PerTarget<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_cut_to_the_period_and_bad_ones_refused() {
        assert_eq!(bucket("2016-03-09", Period::Month).as_deref(), Some("2016-03"));
        assert_eq!(
            bucket("2016-03-09T10:00:00Z", Period::Day).as_deref(),
            Some("2016-03-09")
        );
        assert_eq!(bucket("2016-03", Period::Month).as_deref(), Some("2016-03"));
        assert_eq!(bucket("2016", Period::Year).as_deref(), Some("2016"));
        for bad in ["2016", "03/09/2016", "2016-13-01", "2016-03-011", "yesterday"] {
            assert_eq!(bucket(bad, Period::Day), None, "{bad}");
        }
        assert_eq!(bucket("2016-3", Period::Month), None);
        let g = Grouping::new(&["outlet".into()], Some(Period::Month)).unwrap();
        assert_eq!(g.fields(), ["outlet", "date"]);
        let meta: Map<String, Value> = serde_json::from_str(r#"{"outlet": "x", "date": "March 2016"}"#).unwrap();
        let e = g.key("a1", &meta).unwrap_err().to_string();
        assert!(e.contains("a1") && e.contains("March 2016"), "{e}");
        let meta: Map<String, Value> = serde_json::from_str(r#"{"date": "2016-03-09"}"#).unwrap();
        assert_eq!(g.key("a1", &meta).unwrap(), vec![Value::Null, Value::from("2016-03")]);
        assert!(Grouping::new(&["text".into()], None).is_err());
    }

    #[test]
    fn keys_sort_numbers_by_value_and_missing_last() {
        let mut keys = [
            vec![Value::Null],
            vec![Value::from("b")],
            vec![Value::from(10)],
            vec![Value::from("a")],
            vec![Value::from(9)],
        ];
        keys.sort_by(|a, b| compare_keys(a, b));
        let shown: Vec<String> = keys.iter().map(|k| k[0].to_string()).collect();
        assert_eq!(shown, ["9", "10", "\"a\"", "\"b\"", "null"]);
    }
}
