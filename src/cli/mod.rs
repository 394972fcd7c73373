//! The subcommands: each module holds one subcommand's flags and the
//! function that runs it, and prints what the library returns.
//!
//! Flags map onto library types directly (the enums of formats, modes and
//! tasks are the library's own, parsed by clap), so nothing here mirrors a
//! library type. What several subcommands share (loading a model, reading a
//! labeled file with `--skip-bad`, a worker pool, the report format) is
//! below.

mod bench;
mod check;
mod classify;
mod evaluate;
mod inspect;
mod label;
mod train;

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

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
        }
    }
}

/// How a report is printed.
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
}

/// The model at `path`, or the built-in one, with the name reports use.
fn load_model(path: Option<&Path>) -> Result<(Model, String)> {
    match path {
        Some(p) => Ok((Model::load(p)?, p.display().to_string())),
        None => Ok((Model::builtin()?, BUILTIN_NAME.to_string())),
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

/// A pool of `threads` worker threads (all cores by default).
fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("starting worker threads")
}
