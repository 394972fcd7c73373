//! The subcommands: each module holds one subcommand's flags and the
//! function that runs it, and prints what the library returns.
//!
//! Flags map onto library types directly (the enums of formats, modes and
//! tasks are the library's own, parsed by clap), so nothing here mirrors a
//! library type. What several subcommands share (loading a model, reading a
//! labeled file with `--skip-bad`, a worker pool, the report format) is
//! below.

mod aggregate;
mod bench;
mod calibrate;
mod check;
mod classify;
mod evaluate;
mod inspect;
mod interrupt;
mod label;
mod train;

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use std::io::IsTerminal;

pub(crate) use stance::plural;
use stance::{Article, ArticleReader, InputFormat, expand_inputs, looks_like_jsonl};
use stance::{BUILTIN_NAME, Model};
use stance::{BadRows, Dataset, read_dataset_with};

#[derive(Parser)]
#[command(
    name = "stance",
    version,
    about = "Stance and sentiment toward named targets in news text"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Train a model from labeled JSONL or CSV and report on held-out rows.
    Train(train::TrainArgs),
    /// Score a model on labeled rows.
    Evaluate(evaluate::EvaluateArgs),
    /// Summarise a model: targets, labels, settings, fit, top n-grams.
    Inspect(inspect::InspectArgs),
    /// Classify articles: stance toward each target and sentiment, per statement.
    Classify(classify::ClassifyArgs),
    /// Run the challenge suite: accuracy per phenomenon, and every failure.
    Check(check::CheckArgs),
    /// Measure classification throughput on an input file.
    Bench(bench::BenchArgs),
    /// Label statements of your own news on a local page, chosen where they help most.
    Label(label::LabelArgs),
    /// Stance per group (outlet, month...) and target: raw and corrected shares, net stance with its interval.
    Aggregate(aggregate::AggregateArgs),
    /// Refit a model's calibration on labeled statements of your own text.
    Calibrate(calibrate::CalibrateArgs),
}

impl Command {
    /// Runs the subcommand.
    pub fn run(self) -> Result<()> {
        match self {
            Command::Train(args) => train::run(args),
            Command::Evaluate(args) => evaluate::run(args),
            Command::Inspect(args) => inspect::run(args),
            Command::Classify(args) => classify::run(args),
            Command::Check(args) => check::run(args),
            Command::Bench(args) => bench::run(args),
            Command::Label(args) => label::run(args),
            Command::Aggregate(args) => aggregate::run(args),
            Command::Calibrate(args) => calibrate::run(args),
        }
    }
}

/// How a report is printed.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
}

/// The model at `path`, or the built-in one (no path, or `builtin` when no
/// such file exists), with the name reports use.
fn load_model(path: Option<&Path>) -> Result<(Model, String)> {
    match path {
        Some(p) if p != Path::new("builtin") || p.exists() => Ok((Model::load(p)?, p.display().to_string())),
        _ => Ok((Model::builtin()?, BUILTIN_NAME.to_string())),
    }
}

/// Reads a labeled file; with `skip_bad`, rows that cannot be read are left
/// out, each reported on stderr, with a count at the end.
fn read_labeled(path: &Path, skip_bad: bool) -> Result<Dataset> {
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

/// Where articles come from, as `classify` and `aggregate` read them.
#[derive(clap::Args)]
pub struct InputArgs {
    /// Text files (one article each), directories (their .txt files,
    /// sorted), or - for stdin (the default); with `aggregate
    /// --from-classified`, the JSONL `classify --format jsonl` wrote.
    #[arg(value_name = "PATH")]
    paths: Vec<std::path::PathBuf>,
    /// text: a file is one article; jsonl: one {"id", "text", ...} object
    /// per line, its other keys kept as metadata (default: jsonl for
    /// .jsonl/.ndjson files, text otherwise).
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// Read the .txt files of subdirectories of directory inputs too.
    #[arg(long)]
    recursive: bool,
    /// Replace invalid UTF-8 instead of reporting it as an error.
    #[arg(long)]
    lossy: bool,
}

/// The articles of `paths` (directories expanded, `recursive`ly if asked;
/// what is skipped said on stderr), read as `format`, or when no format
/// was chosen as JSONL for `.jsonl`/`.ndjson` files and as text otherwise
/// (text that looks like JSON Lines gets a warning). With no path, standard
/// input, with a hint when it is a terminal.
fn read_articles(input: &InputArgs) -> Result<impl Iterator<Item = stance::Result<Article>> + Send + use<>> {
    let (format, lossy, recursive) = (input.input_format, input.lossy, input.recursive);
    let inputs = expand_inputs(&input.paths, recursive)?;
    if !inputs.skipped.is_empty() {
        let n = inputs.skipped.len();
        let first: Vec<String> = inputs.skipped.iter().take(3).map(|p| p.display().to_string()).collect();
        let dirs = inputs.skipped.iter().any(|p| p.is_dir());
        eprintln!(
            "stance: skipped {n} {} that {} not .txt files ({}{}){}",
            if n == 1 { "entry" } else { "entries" },
            if n == 1 { "is" } else { "are" },
            first.join(", "),
            if n > 3 { ", ..." } else { "" },
            if dirs && !recursive {
                "; --recursive reads subdirectories"
            } else {
                ""
            }
        );
    }
    let stdin = inputs.paths.is_empty() || inputs.paths.iter().any(|p| p.as_os_str() == "-");
    if stdin && std::io::stdin().is_terminal() {
        eprintln!("{}", STDIN_HINT);
    }
    let reader = ArticleReader::new(&inputs.paths, format.unwrap_or(InputFormat::Text), lossy);
    let reader = match format {
        None => reader.jsonl_by_extension(),
        Some(_) => reader,
    };
    let as_text = format != Some(InputFormat::Jsonl);
    let mut warned = false;
    Ok(reader.inspect(move |article| {
        if let Ok(a) = article
            && as_text
            && !warned
            && looks_like_jsonl(&a.text)
        {
            warned = true;
            eprintln!(
                "stance: warning: {} looks like JSON Lines but is read as text, one article; pass --input-format jsonl to read one article per line",
                a.id
            );
        }
    }))
}

/// What `stance` says when it waits for articles on a terminal.
const STDIN_HINT: &str =
    "stance: reading articles from standard input (end with Ctrl-D; give a file or directory to read those instead)";

/// Parses `--threads`: at least 1 (omitting the flag means all cores).
fn thread_count(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("0 threads cannot work: give 1 or more, or omit --threads to use every core".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// A pool of `threads` worker threads (all cores by default).
fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")
}
