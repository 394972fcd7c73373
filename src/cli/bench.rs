//! `stance bench`: classification throughput on an input loaded into
//! memory, through the same batch loop `classify` runs, into a sink.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};

use stance::ArticleClassifier;
use stance::classify_stream;
use stance::{Article, ArticleReader, InputFormat};
use stance::{Format, ResultWriter};

use stance::round_figure;

use super::{ReportFormat, load_model, plural, worker_pool};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Articles to classify (loaded into memory before timing).
    #[arg(long)]
    input: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    input_format: InputFormat,
    /// Worker threads, 1 or more (default: all cores).
    #[arg(long, value_name = "N", value_parser = super::thread_count)]
    threads: Option<usize>,
    /// Timed repetitions after one untimed warm-up run.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
}

pub fn run(args: BenchArgs) -> Result<()> {
    if args.repeat == 0 {
        bail!("--repeat must be at least 1");
    }
    let (model, model_name) = load_model(args.model.as_deref())?;
    let classifier = ArticleClassifier::new(&model, None, 0)?;
    let articles: Vec<Article> = ArticleReader::new(std::slice::from_ref(&args.input), args.input_format, false)
        .collect::<stance::Result<Vec<_>>>()?;
    let bytes: usize = articles.iter().map(|a| a.text.len()).sum();
    let pool = worker_pool(args.threads)?;
    let threads = pool.current_num_threads();
    let names: Vec<String> = classifier.target_names().iter().map(|s| s.to_string()).collect();
    // One pass: the classify loop, rendering JSONL into a sink.
    let run = || -> Result<usize> {
        let mut writer = ResultWriter::new(std::io::sink(), Format::Jsonl, names.clone(), false);
        let inputs = articles.iter().map(Ok);
        let summary = classify_stream(&classifier, inputs, &mut writer, &pool, &mut |_| {})?;
        Ok(summary.statements)
    };
    run()?;
    let started = Instant::now();
    let mut sentences = 0;
    for _ in 0..args.repeat {
        sentences += run()?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let total_bytes = bytes * args.repeat;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.format == ReportFormat::Json {
        let report = serde_json::json!({
            "model": model_name,
            "input": args.input.display().to_string(),
            "articles": articles.len() * args.repeat,
            "sentences": sentences,
            "bytes": total_bytes,
            "seconds": round_figure(seconds),
            "sentences_per_sec": round_figure(sentences as f64 / seconds),
            "mb_per_sec": round_figure(total_bytes as f64 / 1e6 / seconds),
            "threads": threads,
            "peak_rss_mb": round_figure(peak_rss_mb()),
        });
        writeln!(out, "{report}")?;
    } else {
        writeln!(
            out,
            "{}, {:.1} MB in {seconds:.3} s ({}, {}): {:.0} sentences/s, {:.2} MB/s, peak RSS {:.1} MB",
            plural(sentences, "sentence", "sentences"),
            total_bytes as f64 / 1e6,
            plural(args.repeat, "repeat", "repeats"),
            plural(threads, "thread", "threads"),
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
