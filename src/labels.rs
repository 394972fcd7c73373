//! Labels: what each task can say, and which classifier says it, as types.
//!
//! A model makes two kinds of decision. Stance toward a target is
//! [`Stance`] (favor, against, none) and sentiment is [`Sentiment`]
//! (positive, negative, neutral); each task's neutral label is named
//! ([`Label::NEUTRAL`]), never found by its position. Code that treats both
//! tasks alike (training, reports) carries an [`AnyLabel`]. Files spell
//! labels in lowercase (`"favor"`), which is what these types read and
//! write. A model's classifiers are named by [`ClassifierId`], whose text
//! form (`stance/Russia`, `stance`, `sentiment`) is the one model files and
//! reports use.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The two classification tasks a model can be trained for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Stance toward the row's target: favor, against or none.
    Stance,
    /// Sentiment of the statement: positive, negative or neutral.
    Sentiment,
}

impl Task {
    /// Both tasks, stance first.
    pub const ALL: [Task; 2] = [Task::Stance, Task::Sentiment];

    /// The task's name as it appears in files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Task::Stance => "stance",
            Task::Sentiment => "sentiment",
        }
    }

    /// The task's labels in the order reports list them (neutral last).
    pub fn labels(self) -> [AnyLabel; 3] {
        match self {
            Task::Stance => Stance::ALL.map(AnyLabel::Stance),
            Task::Sentiment => Sentiment::ALL.map(AnyLabel::Sentiment),
        }
    }

    /// The label named `name` (case-insensitive, surrounding space ignored).
    pub fn parse_label(self, name: &str) -> Option<AnyLabel> {
        let name = name.trim();
        self.labels().into_iter().find(|l| l.name().eq_ignore_ascii_case(name))
    }
}

/// A task's label type.
pub trait Label: Copy + Eq + fmt::Debug + fmt::Display + Serialize + Send + Sync + 'static + Into<AnyLabel> {
    /// The task whose labels these are.
    const TASK: Task;
    /// Every label, in report order (the neutral one last).
    const ALL: [Self; 3];
    /// Every label, in alphabetical order of its name (the order of
    /// probabilities in the output).
    const ALPHABETICAL: [Self; 3];
    /// The label that takes no side.
    const NEUTRAL: Self;

    /// The label as files spell it.
    fn name(self) -> &'static str;

    /// The label of this task that `any` is, if it is one.
    fn from_any(any: AnyLabel) -> Option<Self>;

    /// Position in [`ALL`](Self::ALL).
    fn index(self) -> usize {
        Self::ALL.iter().position(|&l| l == self).unwrap_or(0)
    }

    /// The label named `name` (case-insensitive).
    fn parse(name: &str) -> Option<Self> {
        Self::TASK.parse_label(name).and_then(Self::from_any)
    }
}

/// Stance toward a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    Favor,
    Against,
    /// No stance: the target is not mentioned, or only as a fact.
    None,
}

/// Sentiment of a statement (or toward a target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

impl Label for Stance {
    const TASK: Task = Task::Stance;
    const ALL: [Self; 3] = [Stance::Favor, Stance::Against, Stance::None];
    const ALPHABETICAL: [Self; 3] = [Stance::Against, Stance::Favor, Stance::None];
    const NEUTRAL: Self = Stance::None;

    fn name(self) -> &'static str {
        match self {
            Stance::Favor => "favor",
            Stance::Against => "against",
            Stance::None => "none",
        }
    }

    fn from_any(any: AnyLabel) -> Option<Self> {
        match any {
            AnyLabel::Stance(s) => Some(s),
            AnyLabel::Sentiment(_) => None,
        }
    }
}

impl Label for Sentiment {
    const TASK: Task = Task::Sentiment;
    const ALL: [Self; 3] = [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral];
    const ALPHABETICAL: [Self; 3] = [Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive];
    const NEUTRAL: Self = Sentiment::Neutral;

    fn name(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
        }
    }

    fn from_any(any: AnyLabel) -> Option<Self> {
        match any {
            AnyLabel::Sentiment(s) => Some(s),
            AnyLabel::Stance(_) => None,
        }
    }
}

/// A label of either task, for code that handles both alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnyLabel {
    Stance(Stance),
    Sentiment(Sentiment),
}

impl AnyLabel {
    /// The label as files spell it.
    pub fn name(self) -> &'static str {
        match self {
            AnyLabel::Stance(s) => s.name(),
            AnyLabel::Sentiment(s) => s.name(),
        }
    }

    /// Its task's neutral label?
    pub fn is_neutral(self) -> bool {
        match self {
            AnyLabel::Stance(s) => s == Stance::NEUTRAL,
            AnyLabel::Sentiment(s) => s == Sentiment::NEUTRAL,
        }
    }
}

impl From<Stance> for AnyLabel {
    fn from(s: Stance) -> Self {
        AnyLabel::Stance(s)
    }
}

impl From<Sentiment> for AnyLabel {
    fn from(s: Sentiment) -> Self {
        AnyLabel::Sentiment(s)
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl fmt::Display for Sentiment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl fmt::Display for AnyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Which classifier of a model: the stance classifier of one target, the
/// stance classifiers of every target together (one shared classifier, or
/// one joint fit), or the sentiment classifier. Written `stance/Russia`,
/// `stance` and `sentiment` in files and reports, and ordered as those
/// strings are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClassifierId {
    /// `None`: every target's stance at once.
    Stance(Option<String>),
    Sentiment,
}

impl ClassifierId {
    /// The stance classifier of `target`.
    pub fn stance_toward(target: &str) -> ClassifierId {
        ClassifierId::Stance(Some(target.to_string()))
    }

    /// The task the classifier decides.
    pub fn task(&self) -> Task {
        match self {
            ClassifierId::Stance(_) => Task::Stance,
            ClassifierId::Sentiment => Task::Sentiment,
        }
    }

    /// The target of a per-target stance classifier.
    pub fn target(&self) -> Option<&str> {
        match self {
            ClassifierId::Stance(target) => target.as_deref(),
            ClassifierId::Sentiment => None,
        }
    }

    /// The id for the whole task (`stance/Russia` -> `stance`), under which
    /// one fit of every target's classifier is recorded.
    pub fn whole_task(&self) -> ClassifierId {
        match self {
            ClassifierId::Stance(_) => ClassifierId::Stance(None),
            ClassifierId::Sentiment => ClassifierId::Sentiment,
        }
    }

    fn sort_key(&self) -> (&'static str, Option<&str>) {
        (self.task().name(), self.target())
    }
}

impl Ord for ClassifierId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for ClassifierId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for ClassifierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassifierId::Stance(Some(target)) => f.pad(&format!("stance/{target}")),
            ClassifierId::Stance(None) => f.pad("stance"),
            ClassifierId::Sentiment => f.pad("sentiment"),
        }
    }
}

impl std::str::FromStr for ClassifierId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('/') {
            Some(("stance", target)) => Ok(ClassifierId::stance_toward(target)),
            None if s == "stance" => Ok(ClassifierId::Stance(None)),
            None if s == "sentiment" => Ok(ClassifierId::Sentiment),
            _ => Err(format!("unknown classifier \"{s}\"")),
        }
    }
}

impl Serialize for ClassifierId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClassifierId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_case_insensitively_and_name_their_neutral() {
        assert_eq!(Stance::parse(" Favor"), Some(Stance::Favor));
        assert_eq!(Sentiment::parse("NEUTRAL"), Some(Sentiment::Neutral));
        assert_eq!(Stance::parse("positive"), None);
        assert!(AnyLabel::Stance(Stance::None).is_neutral());
        assert!(!AnyLabel::Sentiment(Sentiment::Negative).is_neutral());
        for task in Task::ALL {
            assert!(task.labels()[2].is_neutral(), "{task:?}");
        }
        let names: Vec<_> = Stance::ALPHABETICAL.iter().map(|l| l.name()).collect();
        assert!(names.is_sorted());
        let names: Vec<_> = Sentiment::ALPHABETICAL.iter().map(|l| l.name()).collect();
        assert!(names.is_sorted());
    }

    #[test]
    fn classifier_ids_round_trip_and_sort_as_their_text() {
        let ids = [
            ClassifierId::stance_toward("United States"),
            ClassifierId::Sentiment,
            ClassifierId::stance_toward("Russia"),
            ClassifierId::Stance(None),
        ];
        let mut by_id = ids.to_vec();
        by_id.sort();
        let mut by_text: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        by_text.sort();
        assert_eq!(by_id.iter().map(|i| i.to_string()).collect::<Vec<_>>(), by_text);
        for id in ids {
            assert_eq!(id.to_string().parse::<ClassifierId>().unwrap(), id);
        }
        assert!("stances".parse::<ClassifierId>().is_err());
        assert_eq!(
            ClassifierId::stance_toward("Russia").whole_task(),
            ClassifierId::Stance(None)
        );
    }
}
