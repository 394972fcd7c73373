//! The `stance` command line: parses arguments and routes each subcommand to
//! one function. All the work happens in the library; this file only reads
//! flags, prints reports and turns errors into messages and exit codes
//! (0 success, 1 bad data, model or settings, 2 bad usage).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use stance::data::labeled::Example;
use stance::evaluate::{Evaluation, evaluate};
use stance::features::terms::TermSettings;
use stance::features::vectorize::Selection;
use stance::labels::Task;
use stance::metrics::Report;
use stance::model::TrainingRecord;
use stance::model::settings::{StanceMode, TaskSelection, TrainSettings};
use stance::model::{DataFileInfo, Model};
use stance::text::targets::{TargetSpec, read_targets_file};
use stance::train::{stratified_holdout, train};

#[derive(Parser)]
#[command(
    name = "stance",
    version,
    about = "Stance and sentiment toward named targets in news text"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model from labeled JSONL or CSV and report on held-out rows.
    Train(TrainArgs),
    /// Score a model on labeled rows.
    Evaluate(EvaluateArgs),
    /// Summarise a model: targets, labels, settings, fit, top n-grams.
    Inspect(InspectArgs),
    /// Classify articles: stance toward each target and sentiment, per statement.
    Classify(ClassifyArgs),
    /// Run the challenge suite: accuracy per phenomenon, and every failure.
    Check(CheckArgs),
    /// Measure classification throughput on an input file.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Articles to classify (loaded into memory before timing).
    #[arg(long)]
    input: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    input_format: InputFormatArg,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed repetitions after one untimed warm-up run.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Challenge suite (JSONL with id, text, target, stance, phenomenon).
    #[arg(long, default_value = "tests/challenge.jsonl")]
    suite: PathBuf,
    /// JSON object of minimum accuracy per phenomenon; exit 1 if any is missed.
    #[arg(long, value_name = "FILE")]
    floors: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum InputFormatArg {
    Text,
    Jsonl,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum OutputFormatArg {
    Table,
    Jsonl,
    Json,
    Csv,
    Html,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct ClassifyArgs {
    /// Model file (default: the model shipped in models/default.json).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Text files (one article each), directories (their .txt files, sorted) or - for stdin.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// text: a file is one article; jsonl: one {"id", "text", ...} object per line.
    #[arg(long, value_enum, default_value = "text")]
    input_format: InputFormatArg,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    format: Option<OutputFormatArg>,
    /// Show the K n-grams that pushed each decision most.
    #[arg(long, value_name = "K", default_value_t = 0)]
    explain: usize,
    /// JSON alias file overriding the model's target aliases.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Replace invalid UTF-8 instead of reporting it as an error.
    #[arg(long)]
    lossy: bool,
    /// Exit 0 even when some inputs could not be read (they are still
    /// reported, on stderr and as error records in the output).
    #[arg(long)]
    skip_bad: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Colour in the table format.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum TaskArg {
    Stance,
    Sentiment,
    Both,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    /// A classifier per target, fitted on that target's rows
    PerTarget,
    /// One classifier for all targets, with target mentions masked
    Shared,
    /// A classifier per target, fitted together: shared weights learned from every target's rows plus each target's own
    Joint,
    /// Per-target or joint, whichever scores better in 5-fold cross-validation on the training rows (or --cv K folds)
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
enum SelectionArg {
    Chi2,
    Frequency,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Labeled file (JSONL, or CSV by extension); repeat to combine files.
    #[arg(long, required = true, value_name = "FILE")]
    data: Vec<PathBuf>,
    /// Where to write the model (written atomically).
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Leave out rows that cannot be read (each is reported on stderr and
    /// counted in the model's training record) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
    /// Which task(s) to train.
    #[arg(long, value_enum, default_value = "both")]
    task: TaskArg,
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
    mode: ModeArg,
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
    selection: SelectionArg,
    /// Use raw term counts instead of 1 + ln(tf).
    #[arg(long)]
    no_sublinear_tf: bool,
    /// JSON alias file: {"targets": [{"name": ..., "aliases": [...]}]}.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
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

#[derive(clap::Args)]
struct EvaluateArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Labeled file (JSONL, or CSV by extension).
    #[arg(long)]
    data: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Decide stance as classify does: a row whose text does not mention its
    /// target (by the model's aliases) is "none" without asking the classifier.
    #[arg(long)]
    mention_gate: bool,
    /// Only rows whose split is this (e.g. test).
    #[arg(long, value_name = "NAME")]
    split: Option<String>,
    /// Only rows about this target (case-insensitive).
    #[arg(long, value_name = "NAME")]
    target: Option<String>,
    /// Leave out rows that cannot be read (each is reported on stderr and
    /// counted) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(clap::Args)]
struct InspectArgs {
    /// Model file.
    model: PathBuf,
    /// How many n-grams to list per class.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

fn main() -> ExitCode {
    // A panic is a bug, never the user's fault: say so in one line and exit
    // with the code the README documents for it (101), without a backtrace
    // dump unless RUST_BACKTRACE asks for one.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default_hook(info);
        }
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("stance: internal error (a bug in stance, please report it){location}: {message}");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => cmd_train(args),
        Command::Evaluate(args) => cmd_evaluate(args),
        Command::Inspect(args) => cmd_inspect(args),
        Command::Classify(args) => cmd_classify(args),
        Command::Check(args) => cmd_check(args),
        Command::Bench(args) => cmd_bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stance: error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
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

fn read_all(paths: &[PathBuf], skip_bad: bool) -> Result<(Vec<Example>, Vec<DataFileInfo>)> {
    let mut examples = Vec::new();
    let mut files = Vec::new();
    for path in paths {
        let dataset = read_labeled(path, skip_bad)?;
        files.push(DataFileInfo {
            path: path.display().to_string(),
            sha256: dataset.sha256,
            rows: dataset.examples.len(),
            bad_rows: dataset.bad_rows.len(),
        });
        examples.extend(dataset.examples);
    }
    Ok((examples, files))
}

/// Reads a labeled file; with `skip_bad`, rows that cannot be read are left
/// out, each reported on stderr, with a count at the end.
fn read_labeled(path: &Path, skip_bad: bool) -> Result<stance::data::labeled::Dataset> {
    use stance::data::labeled::{BadRows, read_dataset_with};
    let dataset = read_dataset_with(path, if skip_bad { BadRows::Skip } else { BadRows::Fail })?;
    for e in &dataset.bad_rows {
        eprintln!("stance: skipped: {e}");
    }
    if !dataset.bad_rows.is_empty() {
        eprintln!(
            "stance: {}: skipped {} bad row(s), read {}",
            path.display(),
            dataset.bad_rows.len(),
            dataset.examples.len()
        );
    }
    Ok(dataset)
}

fn cmd_train(args: TrainArgs) -> Result<()> {
    let settings = TrainSettings {
        task: match args.task {
            TaskArg::Stance => TaskSelection::Stance,
            TaskArg::Sentiment => TaskSelection::Sentiment,
            TaskArg::Both => TaskSelection::Both,
        },
        stance_mode: match args.mode {
            ModeArg::PerTarget => StanceMode::PerTarget,
            ModeArg::Shared => StanceMode::Shared,
            ModeArg::Joint => StanceMode::Joint,
            ModeArg::Auto => StanceMode::Auto,
        },
        terms: TermSettings {
            word_ngrams: args.word_ngrams,
            char_ngrams: parse_char_ngrams(&args.char_ngrams)?,
            negation: !args.no_negation,
        },
        vectors: stance::features::vectorize::VectorSettings {
            min_df: args.min_df,
            max_features: args.max_features,
            selection: match args.selection {
                SelectionArg::Chi2 => Selection::Chi2,
                SelectionArg::Frequency => Selection::Frequency,
            },
            sublinear_tf: !args.no_sublinear_tf,
        },
        logistic: stance::model::logistic::LogisticParams {
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
    };
    let settings = settings.check()?;
    let targets: Vec<TargetSpec> = match &args.targets {
        Some(path) => read_targets_file(path)?,
        None => Vec::new(),
    };
    let (examples, files) = read_all(&args.data, args.skip_bad)?;
    if examples.is_empty() {
        bail!(
            "{}: no rows to train on",
            args.data
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    // Decide what is held out for the report.
    let (fit_rows, held_out, held_out_name) = if let Some(test) = &args.test {
        let dataset = read_labeled(test, args.skip_bad)?;
        (examples, dataset.examples, test.display().to_string())
    } else if let Some(fraction) = args.test_fraction {
        if !(fraction > 0.0 && fraction < 1.0) {
            bail!("--test-fraction must be between 0 and 1, got {fraction}");
        }
        let (fit, test) = stratified_holdout(&examples, fraction, args.seed);
        (fit, test, format!("{:.0}% stratified hold-out", fraction * 100.0))
    } else {
        let (test, fit): (Vec<_>, Vec<_>) = examples.into_iter().partition(|e| e.split.as_deref() == Some("test"));
        (fit, test, "rows with split \"test\"".to_string())
    };

    let bar = progress_bar();
    let started = Instant::now();
    let progress = |p: stance::train::Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(p.what);
        }
    };
    let mut model = train(&settings, &targets, &fit_rows, files, &progress)?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let evaluation = if held_out.is_empty() {
        None
    } else {
        let evaluation = evaluate(&model, &held_out, settings.mention_gate)?;
        model.training.held_out_rows = held_out.len();
        for (task, report) in [("stance", &evaluation.stance), ("sentiment", &evaluation.sentiment)] {
            if let Some(r) = report {
                model.training.held_out.insert(task.into(), r.clone());
            }
        }
        Some(evaluation)
    };
    model.save(&args.out)?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == ReportFormat::Json {
        let report = serde_json::json!({
            "model": args.out.display().to_string(),
            "seconds": seconds,
            "fit_rows": model.training.fit_rows,
            "skipped": model.training.skipped,
            "alpha": model.training.alpha,
            "converged": model.classifiers().iter().map(|(n, c)| (n.clone(), c.classifier.diagnostics().converged)).collect::<std::collections::BTreeMap<_, _>>(),
            "held_out": evaluation,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        writeln!(
            out,
            "trained {} in {seconds:.1}s -> {}",
            describe_tasks(&model),
            args.out.display()
        )?;
        for (task, n) in &model.training.fit_rows {
            let skipped = model.training.skipped.get(task).copied().unwrap_or(0);
            writeln!(
                out,
                "  {task}: fitted on {n} rows ({skipped} rows without a {task} label skipped)"
            )?;
        }
        for (name, n) in &model.training.gated {
            writeln!(
                out,
                "  {name}: {n} rows left out by the mention gate (their text does not mention the target)"
            )?;
        }
        if !model.training.stance_mode_scores.is_empty() {
            let scores: Vec<String> = model
                .training
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
        if let Some(note) = &model.training.stance_mode_note {
            writeln!(out, "  stance mode: {note}")?;
        }
        if model.training.sentiment_repeats > 0 {
            writeln!(
                out,
                "  sentiment: {} rows repeat the text and label of another row, fitted once",
                model.training.sentiment_repeats
            )?;
        }
        for (name, c) in model.classifiers() {
            let d = c.classifier.diagnostics();
            writeln!(
                out,
                "  {name}: {} features, alpha {}, {}",
                c.vectorizer.len(),
                TrainingRecord::for_classifier(&model.training.alpha, &name)
                    .copied()
                    .unwrap_or(f32::NAN),
                if d.converged {
                    format!("converged (gradient norm {:.2e})", d.gradient_norm)
                } else {
                    format!(
                        "NOT CONVERGED after {} solver runs (gradient norm {:.2e}, start {:.2e}); try a larger --alpha or --max-iter",
                        d.solver_runs, d.gradient_norm, d.initial_gradient_norm
                    )
                }
            )?;
            if let Some(scores) = TrainingRecord::for_classifier(&model.training.cross_validation, &name) {
                let cells: Vec<String> = scores.iter().map(|(a, s)| format!("alpha {a}: {s:.4}")).collect();
                writeln!(out, "    cv: {}", cells.join(", "))?;
            }
            if let Some(shift) = TrainingRecord::for_classifier(&model.training.neutral_shift, &name) {
                writeln!(out, "    cv chose a prior shift of {shift:+} on the neutral class")?;
            }
        }
        match &evaluation {
            Some(e) => {
                writeln!(out, "\nheld out: {} ({} rows)", held_out_name, held_out.len())?;
                write_evaluation(&mut out, e)?;
            }
            None => writeln!(
                out,
                "\nno held-out rows: pass --test FILE or --test-fraction F for an honest report"
            )?,
        }
    }
    for (name, c) in model.classifiers() {
        if !c.classifier.diagnostics().converged {
            eprintln!("stance: warning: {name} did not converge; its predictions may be poor (see the report)");
        }
    }
    Ok(())
}

fn describe_tasks(model: &Model) -> String {
    let mut parts = Vec::new();
    if model.stance.is_some() {
        let names: Vec<&str> = model.targets.iter().map(|t| t.name.as_str()).collect();
        parts.push(format!("stance ({})", names.join(", ")));
    }
    match &model.sentiment {
        Some(c) if c.mask_target => parts.push("sentiment (also toward each target)".to_string()),
        Some(_) => parts.push("sentiment".to_string()),
        None => {}
    }
    parts.join(" + ")
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} fits  {msg}")
            .ok()?
            .progress_chars("=> "),
    );
    Some(bar)
}

fn cmd_evaluate(args: EvaluateArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    let dataset = read_labeled(&args.data, args.skip_bad)?;
    let read = dataset.examples.len();
    let rows: Vec<Example> = dataset
        .examples
        .into_iter()
        .filter(|e| args.split.as_ref().is_none_or(|s| e.split.as_ref() == Some(s)))
        .filter(|e| {
            args.target
                .as_ref()
                .is_none_or(|t| stance::text::targets::same_target(t, &e.target))
        })
        .collect();
    if rows.is_empty() {
        bail!(
            "{}: no rows left after --split/--target ({read} read)",
            args.data.display()
        );
    }
    if rows.len() < read {
        eprintln!("stance: evaluating {} of {read} rows (--split/--target)", rows.len());
    }
    let evaluation =
        evaluate(&model, &rows, args.mention_gate).with_context(|| format!("evaluating on {}", args.data.display()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => writeln!(out, "{}", serde_json::to_string(&evaluation)?)?,
        ReportFormat::Table => {
            writeln!(
                out,
                "{model_name} on {} ({} rows)",
                args.data.display(),
                evaluation.rows
            )?;
            write_evaluation(&mut out, &evaluation)?;
        }
    }
    Ok(())
}

fn write_evaluation(out: &mut impl Write, e: &Evaluation) -> Result<()> {
    for (task, report) in [(Task::Stance, &e.stance), (Task::Sentiment, &e.sentiment)] {
        let Some(r) = report else { continue };
        let skipped = e.skipped.get(task.name()).copied().unwrap_or(0);
        writeln!(out)?;
        write_report(out, task, r, skipped)?;
    }
    Ok(())
}

fn write_report(out: &mut impl Write, task: Task, r: &Report, skipped: usize) -> Result<()> {
    write!(
        out,
        "{}: n={} (skipped {skipped})  accuracy {:.4}  macro-F1 {:.4}",
        task.name(),
        r.n,
        r.accuracy,
        r.macro_f1
    )?;
    if let Some(f) = r.f_avg {
        write!(out, "  F_avg {f:.4}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  {:<10} {:>9} {:>7} {:>7} {:>8}",
        "label", "precision", "recall", "f1", "support"
    )?;
    for label in &r.confusion.labels {
        let m = &r.per_class[label];
        writeln!(
            out,
            "  {:<10} {:>9.4} {:>7.4} {:>7.4} {:>8}",
            label, m.precision, m.recall, m.f1, m.support
        )?;
    }
    writeln!(out, "  confusion (rows: gold, columns: predicted)")?;
    write!(out, "  {:<10}", "")?;
    for label in &r.confusion.labels {
        write!(out, " {label:>9}")?;
    }
    writeln!(out)?;
    for (label, row) in r.confusion.labels.iter().zip(&r.confusion.matrix) {
        write!(out, "  {label:<10}")?;
        for n in row {
            write!(out, " {n:>9}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The default model, built into the binary.
const DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.json");
const DEFAULT_MODEL_NAME: &str = "models/default.json (built in)";

fn load_model(path: Option<&Path>) -> Result<(Model, String)> {
    match path {
        Some(p) => Ok((Model::load(p)?, p.display().to_string())),
        None => Ok((
            Model::from_json(Path::new(DEFAULT_MODEL_NAME), DEFAULT_MODEL)?,
            DEFAULT_MODEL_NAME.to_string(),
        )),
    }
}

fn cmd_classify(args: ClassifyArgs) -> Result<()> {
    use stance::classify::{ArticleClassifier, CorpusSummary};
    use stance::data::articles::{Article, ArticleReader, InputFormat};
    use stance::output::{Format, ResultWriter};

    let (model, model_name) = load_model(args.model.as_deref())?;
    let targets = match &args.targets {
        Some(p) => Some(read_targets_file(p)?),
        None => None,
    };
    let classifier = ArticleClassifier::new(&model, targets.as_deref(), args.explain)?;
    let stdout_tty = std::io::stdout().is_terminal();
    let format = match args.format.unwrap_or(if stdout_tty {
        OutputFormatArg::Table
    } else {
        OutputFormatArg::Jsonl
    }) {
        OutputFormatArg::Table => Format::Table,
        OutputFormatArg::Jsonl => Format::Jsonl,
        OutputFormatArg::Json => Format::Json,
        OutputFormatArg::Csv => Format::Csv,
        OutputFormatArg::Html => Format::Html,
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let input_format = match args.input_format {
        InputFormatArg::Text => InputFormat::Text,
        InputFormatArg::Jsonl => InputFormat::Jsonl,
    };
    let reader = ArticleReader::new(&args.paths, input_format, args.lossy);
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let names: Vec<String> = classifier.target_names().iter().map(|s| s.to_string()).collect();
    let mut writer = ResultWriter::new(out, format, names.clone(), color);
    let targets = if names.is_empty() {
        "no target".to_string()
    } else {
        names.join(", ")
    };
    let description = format!(
        "model {model_name}: stance {}; sentiment {}",
        if model.stance.is_some() {
            format!("toward {targets}")
        } else {
            "no".to_string()
        },
        match &model.sentiment {
            Some(c) if c.mask_target => format!("per statement and toward {targets}"),
            Some(_) => "yes".to_string(),
            None => "no".to_string(),
        }
    );
    writer.begin(&description)?;
    let mut corpus = CorpusSummary::default();
    let mut failures = 0usize;
    // Read a batch, classify it in parallel, write it in input order; an
    // input that cannot be read keeps its place as an error record.
    const BATCH_ARTICLES: usize = 256;
    const BATCH_BYTES: usize = 8 << 20;
    let mut reader = reader.peekable();
    while reader.peek().is_some() {
        let mut batch: Vec<Article> = Vec::new();
        let mut errors: Vec<(usize, stance::Error)> = Vec::new();
        let mut bytes = 0;
        while batch.len() < BATCH_ARTICLES && bytes < BATCH_BYTES {
            match reader.next() {
                Some(Ok(article)) => {
                    bytes += article.text.len();
                    batch.push(article);
                }
                Some(Err(e)) => {
                    eprintln!("stance: error: {e}");
                    failures += 1;
                    errors.push((batch.len(), e));
                }
                None => break,
            }
        }
        let rendered = classify_and_render(&pool, &classifier, &writer, &batch);
        let mut errors = errors.into_iter().peekable();
        for (i, (result, bytes)) in rendered.into_iter().enumerate() {
            while let Some((_, e)) = errors.next_if(|(at, _)| *at == i) {
                writer.error(&e)?;
            }
            writer.write_rendered(&bytes?)?;
            corpus.add(&result);
        }
        for (_, e) in errors {
            writer.error(&e)?;
        }
    }
    writer.finish(&corpus)?;
    if failures > 0 {
        if !args.skip_bad {
            bail!("{failures} input(s) could not be read (see the messages above and the error records in the output)");
        }
        eprintln!("stance: {failures} input(s) could not be read and were skipped (--skip-bad)");
    }
    Ok(())
}

/// Classifies a batch on `pool`, each article's output rendered (for
/// `writer`) on the worker thread that classified it, in input order.
fn classify_and_render<W: Write>(
    pool: &rayon::ThreadPool,
    classifier: &stance::classify::ArticleClassifier,
    writer: &stance::output::ResultWriter<W>,
    batch: &[stance::data::articles::Article],
) -> Vec<(stance::classify::ArticleResult, std::io::Result<Vec<u8>>)> {
    let first = writer.articles_written() == 0;
    let renderer = writer.renderer();
    pool.install(|| {
        classifier.classify_all_then(batch, |i, article, result| {
            let mut bytes = Vec::with_capacity(article.text.len() * 4);
            let written = renderer.article(article, &result, first && i == 0, &mut bytes);
            (result, written.map(|()| bytes))
        })
    })
}

fn cmd_bench(args: BenchArgs) -> Result<()> {
    use stance::classify::ArticleClassifier;
    use stance::data::articles::{ArticleReader, InputFormat};
    use stance::output::{Format, ResultWriter};

    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let (model, model_name) = load_model(args.model.as_deref())?;
    let classifier = ArticleClassifier::new(&model, None, 0)?;
    let format = match args.input_format {
        InputFormatArg::Text => InputFormat::Text,
        InputFormatArg::Jsonl => InputFormat::Jsonl,
    };
    let articles =
        ArticleReader::new(std::slice::from_ref(&args.input), format, false).collect::<stance::Result<Vec<_>>>()?;
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let threads = pool.current_num_threads();
    let names: Vec<String> = classifier.target_names().iter().map(|s| s.to_string()).collect();
    // One pass: classify in batches and serialise JSONL into a sink, as classify does.
    let run = || -> Result<usize> {
        let mut writer = ResultWriter::new(std::io::sink(), Format::Jsonl, names.clone(), false);
        let mut sentences = 0;
        for batch in articles.chunks(256) {
            for (result, bytes) in classify_and_render(&pool, &classifier, &writer, batch) {
                sentences += result.statements.len();
                writer.write_rendered(&bytes?)?;
            }
        }
        Ok(sentences)
    };
    run()?;
    let started = Instant::now();
    let mut sentences = 0;
    for _ in 0..args.repeat {
        sentences += run()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let total_bytes = bytes * args.repeat;
    let report = serde_json::json!({
        "model": model_name,
        "input": args.input.display().to_string(),
        "articles": articles.len() * args.repeat,
        "sentences": sentences,
        "bytes": total_bytes,
        "seconds": seconds,
        "sentences_per_sec": sentences as f64 / seconds,
        "mb_per_sec": total_bytes as f64 / 1e6 / seconds,
        "threads": threads,
        "peak_rss_mb": peak_rss_mb(),
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == ReportFormat::Json {
        writeln!(out, "{report}")?;
    } else {
        writeln!(
            out,
            "{} sentences, {:.1} MB in {seconds:.3} s ({} repeats, {threads} threads): {:.0} sentences/s, {:.2} MB/s, peak RSS {:.1} MB",
            sentences,
            total_bytes as f64 / 1e6,
            args.repeat,
            sentences as f64 / seconds,
            total_bytes as f64 / 1e6 / seconds,
            peak_rss_mb()
        )?;
    }
    Ok(())
}

/// Peak resident memory of this process in MB (Linux), 0 where unknown.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn cmd_check(args: CheckArgs) -> Result<()> {
    use stance::classify::ArticleClassifier;
    use stance::evaluate::check::{below_floors, read_suite, run_check};

    let (model, model_name) = load_model(args.model.as_deref())?;
    let classifier = ArticleClassifier::new(&model, None, 0)?;
    let items = read_suite(&args.suite)?;
    let report = run_check(&classifier, &items)?;
    let floors: std::collections::BTreeMap<String, f64> = match &args.floors {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: expected {{\"phenomenon\": floor, ...}}", path.display()))?
        }
        None => Default::default(),
    };
    let below = below_floors(&report, &floors)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == ReportFormat::Json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "{model_name} on {}: {}/{} correct ({:.1}%)",
            args.suite.display(),
            report.correct,
            report.n,
            100.0 * report.accuracy
        )?;
        writeln!(
            out,
            "  {:<26} {:>4} {:>8} {:>7}",
            "phenomenon", "n", "accuracy", "floor"
        )?;
        for p in &report.phenomena {
            let floor = floors.get(&p.phenomenon).map_or("-".to_string(), |f| format!("{f:.2}"));
            writeln!(
                out,
                "  {:<26} {:>4} {:>8.3} {:>7}",
                p.phenomenon, p.n, p.accuracy, floor
            )?;
        }
        if !report.failures.is_empty() {
            writeln!(out, "\nfailures:")?;
            for f in &report.failures {
                writeln!(
                    out,
                    "  {} [{}] {}: expected {}, got {} ({:.2})\n      {}",
                    f.id, f.phenomenon, f.target, f.expected, f.predicted, f.confidence, f.text
                )?;
            }
        }
    }
    if !below.is_empty() {
        let list: Vec<String> = below.iter().map(|(p, a, f)| format!("{p} {a:.3} < {f:.3}")).collect();
        bail!("below the floor: {}", list.join(", "));
    }
    Ok(())
}

fn cmd_inspect(args: InspectArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write_inspection(&mut out, &args.model, &model, args.top)?;
    Ok(())
}

fn write_inspection(out: &mut impl Write, path: &Path, model: &Model, top: usize) -> Result<()> {
    writeln!(out, "model {}", path.display())?;
    writeln!(
        out,
        "  format {} v{}, written by stance {}",
        model.format, model.format_version, model.crate_version
    )?;
    writeln!(out, "  tasks: {}", describe_tasks(model))?;
    for t in &model.targets {
        writeln!(out, "  target {}: aliases {}", t.name, t.aliases.join(", "))?;
    }
    let s = &model.settings;
    writeln!(
        out,
        "  settings: mode {}, word n-grams 1-{}, char n-grams {}, negation {}, min_df {}, max features {}, selection {}, sublinear tf {}, max iterations {}, seed {}",
        s.stance_mode.name(),
        s.terms.word_ngrams,
        s.terms
            .char_ngrams
            .map_or("none".to_string(), |(a, b)| format!("{a}-{b}")),
        s.terms.negation,
        s.vectors.min_df,
        s.vectors.max_features,
        serde_json::to_value(s.vectors.selection)?.as_str().unwrap_or("?"),
        s.vectors.sublinear_tf,
        s.logistic.max_iterations,
        s.seed
    )?;
    for d in &model.training.data {
        writeln!(out, "  trained on {} ({} rows, sha256 {})", d.path, d.rows, d.sha256)?;
    }
    for (task, r) in &model.training.held_out {
        write!(
            out,
            "  held out ({} rows) {task}: accuracy {:.4}, macro-F1 {:.4}",
            model.training.held_out_rows, r.accuracy, r.macro_f1
        )?;
        if let Some(f) = r.f_avg {
            write!(out, ", F_avg {f:.4}")?;
        }
        writeln!(out)?;
    }
    for (name, c) in model.classifiers() {
        let d = c.classifier.diagnostics();
        writeln!(
            out,
            "\n{name}: classes {}, {} features, alpha {}, {} (gradient norm {:.2e} from {:.2e}, {} solver runs)",
            c.classifier.classes().join("/"),
            c.vectorizer.len(),
            TrainingRecord::for_classifier(&model.training.alpha, &name)
                .copied()
                .unwrap_or(f32::NAN),
            if d.converged { "converged" } else { "NOT converged" },
            d.gradient_norm,
            d.initial_gradient_norm,
            d.solver_runs
        )?;
        for (ci, class) in c.classifier.classes().iter().enumerate() {
            let mut ranked: Vec<(u32, f32)> = (0..c.vectorizer.len() as u32)
                .map(|f| (f, c.classifier.weight(f as usize, ci)))
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let terms: Vec<String> = ranked
                .iter()
                .take(top)
                .map(|(f, w)| format!("{:?} {w:+.2}", c.vectorizer.term(*f)))
                .collect();
            writeln!(out, "  {class:<9} {}", terms.join(", "))?;
        }
    }
    Ok(())
}
