//! `stance classify`: articles in, one result per statement out, in the
//! format asked for, through the library's batch loop.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::ValueEnum;

use stance::ArticleClassifier;
use stance::classify_stream;
use stance::read_targets_file;
use stance::{Format, ResultWriter};
use stance::{Model, SentimentScope};

use super::interrupt::{INTERRUPTED, Interrupt};
use super::{InputArgs, load_model, plural, read_articles, worker_pool};

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct ClassifyArgs {
    /// Model file (default: the model shipped in models/default.json).
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Show the K n-grams that pushed each decision most.
    #[arg(long, value_name = "K", default_value_t = 0)]
    explain: usize,
    /// JSON alias file overriding the model's target aliases.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// Exit 0 even when some inputs could not be read (they are still
    /// reported, on stderr and as error records in the output).
    #[arg(long)]
    skip_bad: bool,
    /// Worker threads, 1 or more (default: all cores).
    #[arg(long, value_name = "N", value_parser = super::thread_count)]
    threads: Option<usize>,
    /// Colour in the table format.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
}

pub fn run(args: ClassifyArgs) -> Result<()> {
    let interrupt = Interrupt::install()?;
    // Reading starts at once, on its own thread, while the model loads.
    let reader = interrupt.until_stopped(read_articles(&args.input)?);
    let (model, model_name) = load_model(args.model.as_deref())?;
    let targets = match &args.targets {
        Some(p) => Some(read_targets_file(p)?),
        None => None,
    };
    let stdout_tty = std::io::stdout().is_terminal();
    let format = args
        .format
        .unwrap_or(if stdout_tty { Format::Table } else { Format::Jsonl });
    let classifier = ArticleClassifier::new(&model, targets.as_deref(), args.explain)?;
    // The formats that print summaries carry the corrected prevalence.
    let classifier = match format {
        Format::Table | Format::Json | Format::Html => classifier.with_prevalence(),
        Format::Jsonl | Format::Csv => classifier,
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none(),
    };
    let pool = worker_pool(args.threads)?;
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let names: Vec<String> = classifier.target_names().iter().map(|s| s.to_string()).collect();
    let mut writer = ResultWriter::new(out, format, names.clone(), color);
    writer.begin(&describe_run(&model, &model_name, &names))?;
    let mut summary = classify_stream(&classifier, reader, &mut writer, &pool, &mut |e| {
        eprintln!("stance: error: {e}")
    })?;
    pool.install(|| classifier.estimate_corpus(&mut summary.corpus));
    writer.finish(&summary.corpus)?;
    if interrupt.requested() {
        eprintln!(
            "stance: interrupted: {} written, the output closed",
            plural(summary.articles, "article", "articles")
        );
        std::process::exit(INTERRUPTED as i32);
    }
    if summary.failures > 0 {
        if !args.skip_bad {
            bail!(
                "{} input(s) could not be read (see the messages above and the error records in the output)",
                summary.failures
            );
        }
        eprintln!(
            "stance: {} input(s) could not be read and were skipped (--skip-bad)",
            summary.failures
        );
    }
    Ok(())
}

/// The header line of a report: which model decides what toward whom.
fn describe_run(model: &Model, model_name: &str, names: &[String]) -> String {
    let targets = if names.is_empty() {
        "no target".to_string()
    } else {
        names.join(", ")
    };
    format!(
        "model {model_name}: stance {}; sentiment {}",
        if model.has_stance() {
            format!("toward {targets}")
        } else {
            "no".to_string()
        },
        match model.sentiment_scope() {
            Some(SentimentScope::StatementAndTargets) => format!("per statement and toward {targets}"),
            Some(SentimentScope::Statement) => "yes".to_string(),
            None => "no".to_string(),
        }
    )
}
