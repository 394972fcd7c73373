//! `stance train`: fit a model from labeled files, write it atomically, and
//! report on the held-out rows.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};

use stance::Example;
use stance::LogisticParams;
use stance::TermSettings;
use stance::default_aliases;
use stance::output_target;
use stance::{CalibrationMethod, DataFileInfo, Domain, Model, UserWeight};
use stance::{Evaluation, record_held_out};
use stance::{HoldOut, Progress, Split, hold_out, train};
use stance::{Selection, VectorSettings};
use stance::{StanceMode, TaskSelection, TrainSettings, ValidSettings};
use stance::{TargetSpec, read_targets_file};

use super::evaluate::write_evaluation;
use super::{ReportFormat, plural, read_labeled};

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Labeled file (JSONL, or CSV by extension); repeat to combine files.
    /// FILE:W marks a file of the user's own news, each row counting W
    /// times (FILE:cv: W chosen by cross-validation over its rows).
    #[arg(long, required = true, value_name = "FILE[:W]", value_parser = parse_data_arg)]
    data: Vec<DataArg>,
    /// Candidate weights for FILE:cv.
    #[arg(long, value_name = "W,W,..", value_delimiter = ',', default_value = "1,3,10,30")]
    user_weight_grid: Vec<u32>,
    /// Fit the user's rows (FILE:W) like the others, instead of in a domain
    /// of their own.
    #[arg(long)]
    no_adapt: bool,
    /// How each classifier's probabilities are calibrated, on out-of-fold predictions.
    #[arg(long, value_enum, default_value = "vector")]
    calibration: CalibrationMethod,
    /// Folds of the out-of-fold predictions the calibration is fitted on.
    #[arg(long, value_name = "K", default_value_t = 5)]
    calibration_folds: usize,
    /// Where to write the model (written atomically).
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Leave out rows that cannot be read (each is reported on stderr and
    /// counted in the model's training record) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Which task(s) to train.
    #[arg(long, value_enum, default_value = "both")]
    task: TaskSelection,
    /// Labeled file to report on after training (never used for fitting).
    #[arg(long, value_name = "FILE", conflicts_with = "test_fraction")]
    test: Option<PathBuf>,
    /// Hold out this fraction of the data (stratified) for the report.
    /// Without --test or --test-fraction, rows whose split is "test" are held out.
    #[arg(long, value_name = "F")]
    test_fraction: Option<f64>,
    /// Pick alpha by K-fold cross-validation on the training rows.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Candidate alphas for --cv, comma-separated.
    #[arg(long, value_name = "A,B,..", value_delimiter = ',', default_value = "0.03,0.1,0.3,1")]
    alpha_grid: Vec<f32>,
    /// Seed for folds and held-out splits.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How stance toward several targets is modelled.
    #[arg(long, value_enum, default_value = "per-target")]
    mode: StanceMode,
    /// L2 penalty (scikit-learn's C is 1/alpha).
    #[arg(long, default_value_t = 0.1)]
    alpha: f32,
    /// L-BFGS iterations per solver run.
    #[arg(long, default_value_t = 200)]
    max_iter: u64,
    /// Largest word n-gram.
    #[arg(long, default_value_t = 2)]
    word_ngrams: usize,
    /// Character n-gram lengths MIN-MAX within words, or "none".
    #[arg(long, default_value = "3-6")]
    char_ngrams: String,
    /// Do not mark words after a negation with "not_".
    #[arg(long)]
    no_negation: bool,
    /// Minimum number of documents a term must occur in.
    #[arg(long, default_value_t = 2)]
    min_df: usize,
    /// Maximum number of features per classifier.
    #[arg(long, default_value_t = 20_000)]
    max_features: usize,
    /// How to choose features beyond the cap.
    #[arg(long, value_enum, default_value = "chi2")]
    selection: Selection,
    /// Use raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    no_sublinear_tf: bool,
    /// JSON alias file: {"targets": [{"name": ..., "aliases": [...]}]}.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Progress on stderr: a bar on a terminal (auto), one line per step
    /// wherever stderr goes (always), or none.
    #[arg(long, value_enum, default_value = "auto")]
    progress: ProgressMode,
    /// Fit and report stance only on rows that mention their target (by its
    /// aliases), as classify only asks about mentioned targets.
    #[arg(long)]
    mention_gate: bool,
    /// Weight classes equally in the loss (repeat rows of smaller classes).
    #[arg(long)]
    balance: bool,
    /// Replace target mentions by <target> and other targets' by <other>
    /// before extracting stance terms.
    #[arg(long)]
    mask_mentions: bool,
    /// Add this to the score of the neutral class (none / neutral) of every
    /// classifier, a prior correction; with --cv it is chosen instead.
    #[arg(long, value_name = "X", default_value_t = 0.0, allow_negative_numbers = true)]
    neutral_shift: f32,
    /// Fit sentiment toward each row's target (its mentions masked as
    /// <target>) instead of the sentiment of the whole text; evaluate then
    /// scores each row toward its target.
    #[arg(long)]
    sentiment_toward_target: bool,
}

/// A `--data` argument: a file, and for the user's own news its weight.
#[derive(Clone)]
struct DataArg {
    path: PathBuf,
    weight: Option<UserWeight>,
}

/// `FILE`, `FILE:W` (a whole number) or `FILE:cv`; a path that exists as
/// given is a path, even with a colon in it.
fn parse_data_arg(arg: &str) -> std::result::Result<DataArg, String> {
    let plain = || DataArg {
        path: PathBuf::from(arg),
        weight: None,
    };
    if std::path::Path::new(arg).exists() {
        return Ok(plain());
    }
    let Some((path, weight)) = arg.rsplit_once(':').filter(|(p, _)| !p.is_empty()) else {
        return Ok(plain());
    };
    let weight = match weight {
        "cv" => UserWeight::CrossValidated,
        w => match w.parse::<u32>() {
            Ok(w) if w >= 1 => UserWeight::Fixed(w),
            Ok(_) => return Err("a weight must be a whole number of at least 1".into()),
            Err(_) if w.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                return Err(format!(
                    "a weight must be a whole number of at least 1 or \"cv\", got \"{w}\""
                ));
            }
            Err(_) => return Ok(plain()),
        },
    };
    Ok(DataArg {
        path: PathBuf::from(path),
        weight: Some(weight),
    })
}

/// The one weight the user's files give (they must agree).
fn user_weight(data: &[DataArg]) -> Result<UserWeight> {
    let weights: Vec<UserWeight> = data.iter().filter_map(|d| d.weight).collect();
    match weights.first() {
        None => Ok(UserWeight::Fixed(1)),
        Some(&w) if weights.iter().all(|&x| x == w) => Ok(w),
        Some(_) => bail!("the files of your own news (FILE:W) must all have the same weight"),
    }
}

pub fn run(args: TrainArgs) -> Result<()> {
    // Refuse an output that is not a regular file before any work.
    output_target(&args.out)?;
    let settings = settings(&args)?;
    let targets: Vec<TargetSpec> = match &args.targets {
        Some(path) => read_targets_file(path)?,
        None => Vec::new(),
    };
    let view = ProgressView::new(args.progress);
    let names: Vec<String> = args.data.iter().map(|d| d.path.display().to_string()).collect();
    view.show(Progress {
        done: 0,
        total: 0,
        what: format!("reading {}", names.join(", ")),
    });
    let (examples, files) = read_all(&args.data, args.skip_bad)?;
    if examples.is_empty() {
        let names: Vec<String> = args.data.iter().map(|d| d.path.display().to_string()).collect();
        bail!("{}: no rows to train on", names.join(", "));
    }
    let targets = match args.targets {
        Some(_) => targets,
        None => targets_without_file(&examples),
    };
    let split = hold_out(examples, hold_out_policy(&args)?, args.seed)?;
    let started = Instant::now();
    let mut model = fit_with_progress(&settings, &targets, &split.fit, files, &view)?;
    let seconds = started.elapsed().as_secs_f64();
    let evaluation = record_held_out(&mut model, &split.held_out, settings.mention_gate)?;
    model.save(&args.out)?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => write_json_report(&mut out, &args, &model, seconds, &evaluation)?,
        ReportFormat::Table => {
            write_table_report(&mut out, &args, &model, seconds)?;
            write_held_out(&mut out, &split, evaluation.as_ref())?;
        }
    }
    for c in model.info(0).classifiers {
        if !c.fit.converged {
            eprintln!(
                "stance: warning: {} did not converge; its predictions may be poor (see the report)",
                c.id
            );
        }
    }
    Ok(())
}

/// The alias lists of a model trained without `--targets`: the built-in
/// lists for the data's targets that are built-in ones (Russia, the United
/// States), said on stderr, and a warning naming the others, which will be
/// found only by their names.
fn targets_without_file(examples: &[Example]) -> Vec<TargetSpec> {
    let aliases = default_aliases(examples.iter().map(|e| e.target.as_str()));
    if !aliases.builtin.is_empty() {
        eprintln!(
            "stance: aliases of {}: the built-in lists (Moscow, the Kremlin, Putin...; U.S., Washington, the White House...), as no --targets file was given",
            aliases.builtin.join(", ")
        );
    }
    let unknown = &aliases.name_only;
    if !unknown.is_empty() {
        let one = unknown.len() == 1;
        eprintln!(
            "stance: warning: {} {} no alias but {} name (no --targets file): statements that mention {} otherwise will be read as not mentioning {}; pass --targets FILE",
            unknown.join(", "),
            if one { "has" } else { "have" },
            if one { "its" } else { "their" },
            if one { "it" } else { "them" },
            if one { "it" } else { "them" },
        );
    }
    aliases.specs
}

/// The settings the flags give, checked.
fn settings(args: &TrainArgs) -> Result<ValidSettings> {
    let settings = TrainSettings {
        task: args.task,
        stance_mode: args.mode,
        terms: TermSettings {
            word_ngrams: args.word_ngrams,
            char_ngrams: parse_char_ngrams(&args.char_ngrams)?,
            negation: !args.no_negation,
        },
        vectors: VectorSettings {
            min_df: args.min_df,
            max_features: args.max_features,
            selection: args.selection,
            sublinear_tf: !args.no_sublinear_tf,
        },
        logistic: LogisticParams {
            alpha: args.alpha,
            max_iterations: args.max_iter,
            ..Default::default()
        },
        cv_folds: args.cv,
        alpha_grid: args.alpha_grid.clone(),
        seed: args.seed,
        mention_gate: args.mention_gate,
        class_balance: args.balance,
        mask_mentions: args.mask_mentions,
        neutral_shift: args.neutral_shift,
        sentiment_toward_target: args.sentiment_toward_target,
        user_weight: user_weight(&args.data)?,
        user_weight_grid: args.user_weight_grid.clone(),
        adapt: !args.no_adapt,
        calibration: args.calibration,
        calibration_folds: args.calibration_folds,
    };
    Ok(settings.check()?)
}

fn parse_char_ngrams(spec: &str) -> Result<Option<(usize, usize)>> {
    if spec.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let parsed = spec
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some(range) => Ok(Some(range)),
        None => bail!("--char-ngrams expects MIN-MAX (e.g. 2-5) or none, got \"{spec}\""),
    }
}

/// Every row of the labeled files (those of the user's own news marked as
/// such), and each file's record for the model.
fn read_all(data: &[DataArg], skip_bad: bool) -> Result<(Vec<Example>, Vec<DataFileInfo>)> {
    let mut examples = Vec::new();
    let mut files = Vec::new();
    for d in data {
        let dataset = read_labeled(&d.path, skip_bad)?;
        let user = d.weight.is_some();
        files.push(DataFileInfo::of(&dataset, user));
        let domain = if user { Domain::User } else { Domain::General };
        examples.extend(dataset.examples.into_iter().map(|e| Example { domain, ..e }));
    }
    Ok((examples, files))
}

/// What is held out for the report: `--test FILE`, `--test-fraction F`,
/// or the rows whose split is "test".
fn hold_out_policy(args: &TrainArgs) -> Result<HoldOut> {
    Ok(match (&args.test, args.test_fraction) {
        (Some(test), _) => HoldOut::Rows {
            rows: read_labeled(test, args.skip_bad)?.examples,
            name: test.display().to_string(),
        },
        (None, Some(fraction)) => {
            if !(fraction > 0.0 && fraction < 1.0) {
                bail!("--test-fraction must be between 0 and 1, got {fraction}");
            }
            HoldOut::Fraction(fraction)
        }
        (None, None) => HoldOut::SplitTest,
    })
}

/// How training shows its progress.
#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum ProgressMode {
    Auto,
    Always,
    Never,
}

/// Where progress goes: a bar on a terminal, or lines.
enum ProgressView {
    Bar(indicatif::ProgressBar),
    Lines(Instant),
    Hidden,
}

impl ProgressView {
    fn new(mode: ProgressMode) -> ProgressView {
        let terminal = std::io::stderr().is_terminal();
        match (mode, terminal) {
            (ProgressMode::Never, _) => ProgressView::Hidden,
            (_, true) => progress_bar().map_or(ProgressView::Hidden, ProgressView::Bar),
            (ProgressMode::Always, false) => ProgressView::Lines(Instant::now()),
            (ProgressMode::Auto, false) => ProgressView::Hidden,
        }
    }

    fn show(&self, p: Progress) {
        match self {
            ProgressView::Bar(bar) => {
                bar.set_length(p.total.max(1) as u64);
                bar.set_position(p.done as u64);
                bar.set_message(p.what);
            }
            ProgressView::Lines(started) => eprintln!(
                "stance: {:>6.1}s {}/{} fits: {}",
                started.elapsed().as_secs_f64(),
                p.done,
                p.total,
                p.what
            ),
            ProgressView::Hidden => {}
        }
    }
}

/// Trains, showing progress from the start.
fn fit_with_progress(
    settings: &ValidSettings,
    targets: &[TargetSpec],
    rows: &[Example],
    files: Vec<DataFileInfo>,
    view: &ProgressView,
) -> Result<Model> {
    let progress = |p: Progress| view.show(p);
    let model = train(settings, targets, rows, files, &progress)?;
    if let ProgressView::Bar(bar) = view {
        bar.finish_and_clear();
    }
    Ok(model)
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    bar.enable_steady_tick(std::time::Duration::from_millis(250));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} fits  {msg}")
            .ok()?
            .progress_chars("=> "),
    );
    Some(bar)
}

fn write_json_report(
    out: &mut impl Write,
    args: &TrainArgs,
    model: &Model,
    seconds: f64,
    evaluation: &Option<Evaluation>,
) -> Result<()> {
    let converged: std::collections::BTreeMap<_, _> = model
        .info(0)
        .classifiers
        .iter()
        .map(|c| (c.id.to_string(), c.fit.converged))
        .collect();
    let mut report = serde_json::json!({
        "model": args.out.display().to_string(),
        "seconds": seconds,
        "fit_rows": model.training.fit_rows,
        "skipped": model.training.skipped,
        "alpha": model.training.alpha,
        "converged": converged,
        "held_out": evaluation,
    });
    if let Some(weight) = model.training.user_weight {
        report["user_weight"] = weight.into();
        report["user_weight_cv"] = serde_json::json!(model.training.user_weight_cv);
        report["user_rows"] = serde_json::json!(model.training.user_rows);
    }
    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// What was fitted, left out and chosen, and how each classifier ended.
fn write_table_report(out: &mut impl Write, args: &TrainArgs, model: &Model, seconds: f64) -> Result<()> {
    let record = &model.training;
    writeln!(
        out,
        "trained {} in {seconds:.1}s -> {}",
        model.describe_tasks(),
        args.out.display()
    )?;
    for (task, n) in &record.fit_rows {
        let skipped = record.skipped.get(task).copied().unwrap_or(0);
        writeln!(
            out,
            "  {task}: fitted on {} ({} without a {task} label skipped)",
            plural(*n, "row", "rows"),
            plural(skipped, "row", "rows")
        )?;
    }
    for (name, n) in &record.gated {
        writeln!(
            out,
            "  {name}: {} left out by the mention gate (their text does not mention the target)",
            plural(*n, "row", "rows")
        )?;
    }
    if !record.stance_mode_scores.is_empty() {
        let scores: Vec<String> = record
            .stance_mode_scores
            .iter()
            .map(|(mode, score)| format!("{mode} {score:.4}"))
            .collect();
        writeln!(
            out,
            "  stance mode: {} (cross-validated F_avg: {})",
            model.settings.stance_mode.name(),
            scores.join(", ")
        )?;
    }
    if let Some(note) = &record.stance_mode_note {
        writeln!(out, "  stance mode: {note}")?;
    }
    if let Some(weight) = record.user_weight {
        let rows: Vec<String> = record.user_rows.iter().map(|(id, n)| format!("{id} {n}")).collect();
        let chosen = match record.user_weight_cv.is_empty() {
            true => String::new(),
            false => {
                let cells: Vec<String> = record
                    .user_weight_cv
                    .iter()
                    .map(|(w, s)| format!("{w}: {s:.4}"))
                    .collect();
                format!(
                    ", chosen by cross-validation over them (macro-F1 by weight: {})",
                    cells.join(", ")
                )
            }
        };
        let adapted = if model.settings.adapt {
            ", fitted in a domain of their own"
        } else {
            ""
        };
        writeln!(
            out,
            "  your own news: {} rows, each counting {weight} time{}{chosen}{adapted}",
            rows.join(", "),
            if weight == 1 { "" } else { "s" }
        )?;
    }
    if record.sentiment_repeats > 0 {
        writeln!(
            out,
            "  sentiment: {} the text and label of another row, fitted once",
            plural(record.sentiment_repeats, "row repeats", "rows repeat")
        )?;
    }
    write_classifiers(out, model)
}

/// Each classifier's size, penalty and convergence, and what `--cv` chose.
fn write_classifiers(out: &mut impl Write, model: &Model) -> Result<()> {
    for c in model.info(0).classifiers {
        let d = &c.fit;
        writeln!(
            out,
            "  {}: {} features, alpha {}, {}",
            c.id,
            c.features,
            c.alpha.unwrap_or(f32::NAN),
            if d.converged {
                format!("converged (gradient norm {:.2e})", d.gradient_norm)
            } else {
                format!(
                    "NOT CONVERGED after {} solver runs (gradient norm {:.2e}, start {:.2e}); try a larger --alpha or --max-iter",
                    d.solver_runs, d.gradient_norm, d.initial_gradient_norm
                )
            }
        )?;
        if let Some(scores) = &c.cv_scores {
            let cells: Vec<String> = scores.iter().map(|(a, s)| format!("alpha {a}: {s:.4}")).collect();
            writeln!(out, "    cv: {}", cells.join(", "))?;
        }
        if let Some(shift) = c.neutral_shift {
            writeln!(out, "    cv chose a prior shift of {shift:+} on the neutral class")?;
        }
    }
    Ok(())
}

fn write_held_out(out: &mut impl Write, split: &Split, evaluation: Option<&Evaluation>) -> Result<()> {
    match evaluation {
        Some(e) => {
            writeln!(
                out,
                "\nheld out: {} ({})",
                split.description,
                plural(split.held_out.len(), "row", "rows")
            )?;
            write_evaluation(out, e)
        }
        None => {
            writeln!(
                out,
                "\nno held-out rows: pass --test FILE or --test-fraction F for an honest report"
            )?;
            Ok(())
        }
    }
}
