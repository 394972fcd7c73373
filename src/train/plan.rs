//! Planning: which classifiers to fit, on which rows, as which terms.
//!
//! A [`FitJob`] is one fit: the stance classifier of one target, all
//! targets' stance classifiers together (shared or joint mode), or the
//! sentiment classifier. Planning picks each job's rows (the mention gate
//! leaves out, and counts, stance rows that do not name their target;
//! sentiment fits a text once per label), then extracts every row's terms
//! once, in parallel, with the mask the job's classifier will apply at
//! prediction time. A job with rows of the user's own news is fitted in
//! two domains (general and user) when the settings adapt to them.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::data::labeled::{Domain, Example};
use crate::error::{Error, Result};
use crate::features::mask::MentionMask;
use crate::features::terms::TermExtractor;
use crate::labels::{AnyLabel, ClassifierId, Stance, Task};
use crate::model::mention_mask;
use crate::model::settings::{StanceMode, ValidSettings};
use crate::text::mentions::MentionFinder;
use crate::text::targets::{TargetSpec, same_target, spec_or_named};

/// One fit, its rows turned into what fitting needs.
pub(crate) struct FitJob {
    pub id: ClassifierId,
    pub task: Task,
    /// The stance mode this fit belongs to (`None` for sentiment).
    pub mode: Option<StanceMode>,
    /// Whether the classifier masks its target's mentions.
    pub mask_target: bool,
    /// The targets of a joint fit, which yields a classifier for each, or
    /// the domains (general, user) of an adapted fit, which keeps the user
    /// domain's; any other fit has none and yields one classifier.
    pub groups: Vec<String>,
    /// Whether `groups` are the domains of an adapted fit.
    pub adapted: bool,
    /// Rows the mention gate left out, per classifier.
    pub gated: Vec<(ClassifierId, usize)>,
    /// The labels present, in report order: the classifier's classes.
    pub classes: Vec<AnyLabel>,
    /// Per row: its class (index into `classes`), its group (index into
    /// `groups`, 0 without groups) and its terms.
    pub labels: Vec<usize>,
    pub row_groups: Vec<usize>,
    pub docs: Vec<Vec<String>>,
    /// Per row: its domain, and the article it comes from (its id when it
    /// names none), which weight cross-validation keeps in one fold.
    pub domains: Vec<Domain>,
    pub articles: Vec<String>,
}

/// The names of an adapted fit's groups.
const DOMAIN_GROUPS: [&str; 2] = ["general", "user"];

impl FitJob {
    /// How many classifiers the job fits.
    pub(crate) fn n_groups(&self) -> usize {
        self.groups.len().max(1)
    }

    /// Whether any row comes from the user's own news.
    pub(crate) fn has_user_rows(&self) -> bool {
        self.domains.contains(&Domain::User)
    }

    /// The rows (indices) of `domain`.
    pub(crate) fn rows_of(&self, domain: Domain) -> Vec<usize> {
        (0..self.docs.len()).filter(|&i| self.domains[i] == domain).collect()
    }

    /// The index of the neutral class (`none` / `neutral`), if present.
    pub(crate) fn neutral_class(&self) -> Option<usize> {
        self.classes.iter().position(|c| c.is_neutral())
    }
}

/// A job's rows, before their terms are extracted.
struct Rows<'a> {
    id: ClassifierId,
    task: Task,
    mode: Option<StanceMode>,
    mask_target: bool,
    samples: Vec<Sample<'a>>,
    groups: Vec<String>,
    gated: Vec<(ClassifierId, usize)>,
}

/// A row of a job: the example, the target whose mask applies, the label.
type Sample<'a> = (&'a Example, Option<&'a TargetSpec>, AnyLabel);

/// The jobs for stance in each of `modes` and, when asked, sentiment.
/// `targets` are the stance targets (sorted), `aliases` the alias file's
/// targets (for toward-target sentiment). Also returns how many sentiment
/// rows repeat an earlier (text, target, label) and were fitted once.
pub(crate) fn plan(
    settings: &ValidSettings,
    examples: &[Example],
    modes: &[StanceMode],
    targets: &[TargetSpec],
    aliases: &[TargetSpec],
) -> Result<(Vec<FitJob>, usize)> {
    let mut jobs: Vec<Rows> = Vec::new();
    for &mode in modes {
        jobs.extend(stance_rows(mode, settings, examples, targets));
    }
    let toward = toward_targets(settings, examples, aliases);
    let mut repeats = 0;
    if settings.task.tasks().contains(&Task::Sentiment) {
        let (rows, repeated) = sentiment_rows(settings, examples, &toward);
        repeats = repeated;
        jobs.push(rows);
    }
    let prepared = jobs
        .par_iter()
        .map(|rows| prepare(rows, settings, targets))
        .collect::<Result<_>>()?;
    Ok((prepared, repeats))
}

/// A target, its rows with their stance, and how many rows the mention
/// gate left out.
type TargetRows<'a> = (&'a TargetSpec, Vec<(&'a Example, Stance)>, usize);

/// The stance fits of one mode: a job per target (per-target), or one job
/// for all targets (shared, joint). Rows whose text does not name their
/// target are left out under the mention gate, and counted.
fn stance_rows<'a>(
    mode: StanceMode,
    settings: &ValidSettings,
    examples: &'a [Example],
    targets: &'a [TargetSpec],
) -> Vec<Rows<'a>> {
    // Each target's rows with their stance, gated, and how many the gate
    // left out.
    let per_target: Vec<TargetRows> = targets
        .iter()
        .map(|spec| {
            let finder = MentionFinder::new(spec);
            let all: Vec<(&Example, Stance)> = examples
                .iter()
                .filter(|e| same_target(&e.target, &spec.name))
                .filter_map(|e| Some((e, e.stance?)))
                .collect();
            let n = all.len();
            let kept: Vec<(&Example, Stance)> = all
                .into_iter()
                .filter(|(e, _)| !settings.mention_gate || !finder.find(&e.text).is_empty())
                .collect();
            let gated = n - kept.len();
            (spec, kept, gated)
        })
        .collect();
    let sample = |spec: &'a TargetSpec, &(e, stance): &(&'a Example, Stance)| (e, Some(spec), stance.into());
    let all_samples = || {
        per_target
            .iter()
            .flat_map(|(spec, rows, _)| rows.iter().map(|e| sample(spec, e)))
            .collect()
    };
    match mode {
        StanceMode::PerTarget | StanceMode::Auto => per_target
            .iter()
            .map(|(spec, rows, gated)| {
                let id = ClassifierId::stance_toward(&spec.name);
                Rows {
                    gated: if *gated > 0 {
                        vec![(id.clone(), *gated)]
                    } else {
                        Vec::new()
                    },
                    id,
                    task: Task::Stance,
                    mode: Some(StanceMode::PerTarget),
                    mask_target: settings.mask_mentions,
                    samples: rows.iter().map(|e| sample(spec, e)).collect(),
                    groups: Vec::new(),
                }
            })
            .collect(),
        StanceMode::Joint => vec![Rows {
            id: ClassifierId::Stance(None),
            task: Task::Stance,
            mode: Some(StanceMode::Joint),
            mask_target: settings.mask_mentions,
            samples: all_samples(),
            groups: targets.iter().map(|t| t.name.clone()).collect(),
            gated: per_target
                .iter()
                .filter(|(_, _, g)| *g > 0)
                .map(|(spec, _, g)| (ClassifierId::stance_toward(&spec.name), *g))
                .collect(),
        }],
        StanceMode::Shared => {
            let gated: usize = per_target.iter().map(|(_, _, g)| g).sum();
            vec![Rows {
                id: ClassifierId::Stance(None),
                task: Task::Stance,
                mode: Some(StanceMode::Shared),
                mask_target: true,
                samples: all_samples(),
                groups: Vec::new(),
                gated: if gated > 0 {
                    vec![(ClassifierId::Stance(None), gated)]
                } else {
                    Vec::new()
                },
            }]
        }
    }
}

/// For sentiment toward the target (`sentiment_toward_target`): each row's
/// target, with the aliases `aliases` give it.
fn toward_targets<'a>(
    settings: &ValidSettings,
    examples: &'a [Example],
    aliases: &[TargetSpec],
) -> BTreeMap<&'a str, TargetSpec> {
    if !settings.sentiment_toward_target {
        return BTreeMap::new();
    }
    examples
        .iter()
        .filter(|e| e.sentiment.is_some())
        .map(|e| (e.target.as_str(), spec_or_named(aliases, &e.target)))
        .collect()
}

/// The sentiment fit. Sentiment of the text belongs to the text, not to a
/// target: a statement labeled once per target is fitted once. Sentiment
/// toward the target masks each row's target (as `toward` gives it) and is
/// fitted once per (text, target, label).
fn sentiment_rows<'a>(
    settings: &ValidSettings,
    examples: &'a [Example],
    toward: &'a BTreeMap<&'a str, TargetSpec>,
) -> (Rows<'a>, usize) {
    let mut seen = BTreeSet::new();
    let samples: Vec<_> = examples
        .iter()
        .filter_map(|e| {
            let target = toward.get(e.target.as_str());
            e.sentiment.map(|l| (e, target, AnyLabel::Sentiment(l)))
        })
        .filter(|&(e, target, label)| seen.insert((e.text.as_str(), target.map(|t| t.name.as_str()), label, e.domain)))
        .collect();
    let repeated = examples.iter().filter(|e| e.sentiment.is_some()).count() - samples.len();
    let rows = Rows {
        id: ClassifierId::Sentiment,
        task: Task::Sentiment,
        mode: None,
        mask_target: settings.sentiment_toward_target,
        samples,
        groups: Vec::new(),
        gated: Vec::new(),
    };
    (rows, repeated)
}

/// A job's classes, labels, groups and terms.
fn prepare(rows: &Rows, settings: &ValidSettings, targets: &[TargetSpec]) -> Result<FitJob> {
    let classes: Vec<AnyLabel> = rows
        .task
        .labels()
        .into_iter()
        .filter(|l| rows.samples.iter().any(|s| s.2 == *l))
        .collect();
    if classes.len() < 2 {
        return Err(Error::Training(format!(
            "{}: {} the label \"{}\"; a classifier needs at least two classes",
            rows.id,
            match rows.samples.len() {
                1 => "the only row has".to_string(),
                n => format!("all {n} rows have"),
            },
            classes.first().map_or("?", |c| c.name())
        )));
    }
    let labels: Vec<usize> = rows
        .samples
        .iter()
        .map(|s| classes.iter().position(|c| *c == s.2).unwrap_or(0))
        .collect();
    let adapted = settings.adapt && rows.samples.iter().any(|s| s.0.domain == Domain::User);
    if adapted && !rows.groups.is_empty() {
        return Err(Error::Training(format!(
            "{}: a joint fit cannot also adapt to the user's rows (use --mode per-target)",
            rows.id
        )));
    }
    let groups: Vec<String> = match adapted {
        true => DOMAIN_GROUPS.map(String::from).to_vec(),
        false => rows.groups.clone(),
    };
    let row_groups: Vec<usize> = rows
        .samples
        .iter()
        .map(|s| match adapted {
            true => (s.0.domain == Domain::User) as usize,
            false => {
                s.1.and_then(|t| rows.groups.iter().position(|g| *g == t.name))
                    .unwrap_or(0)
            }
        })
        .collect();
    let mut extractor = TermExtractor::default();
    // One mask per target, built once (not once per row).
    let masks: BTreeMap<&str, Option<MentionMask>> = rows
        .samples
        .iter()
        .filter_map(|s| s.1)
        .map(|t| {
            (
                t.name.as_str(),
                mention_mask(rows.mask_target, settings.mask_mentions, t, targets),
            )
        })
        .collect();
    let docs: Vec<Vec<String>> = rows
        .samples
        .iter()
        .map(|&(e, target, _)| {
            let mask = target.and_then(|t| masks[t.name.as_str()].as_ref());
            extractor.terms(&settings.terms, &e.text, mask)
        })
        .collect();
    Ok(FitJob {
        id: rows.id.clone(),
        task: rows.task,
        mode: rows.mode,
        mask_target: rows.mask_target,
        groups,
        adapted,
        gated: rows.gated.clone(),
        classes,
        labels,
        row_groups,
        docs,
        domains: rows.samples.iter().map(|s| s.0.domain).collect(),
        articles: rows
            .samples
            .iter()
            .map(|s| s.0.article.clone().unwrap_or_else(|| s.0.id.clone()))
            .collect(),
    })
}
