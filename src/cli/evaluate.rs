//! `stance evaluate`: score a model on labeled rows, as a table or JSON.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use stance::Example;
use stance::Report;
use stance::Task;
use stance::same_target;
use stance::{Evaluation, evaluate};

use super::{ReportFormat, load_model, plural, read_labeled};

#[derive(clap::Args)]
pub struct EvaluateArgs {
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

pub fn run(args: EvaluateArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    let dataset = read_labeled(&args.data, args.skip_bad)?;
    let read = dataset.examples.len();
    let rows: Vec<Example> = dataset
        .examples
        .into_iter()
        .filter(|e| args.split.as_ref().is_none_or(|s| e.split.as_ref() == Some(s)))
        .filter(|e| args.target.as_ref().is_none_or(|t| same_target(t, &e.target)))
        .collect();
    if rows.is_empty() {
        bail!(
            "{}: no rows left after --split/--target ({read} read)",
            args.data.display()
        );
    }
    if rows.len() < read {
        eprintln!(
            "stance: evaluating {} of {} (--split/--target)",
            rows.len(),
            plural(read, "row", "rows")
        );
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
                "{model_name} on {} ({})",
                args.data.display(),
                plural(evaluation.rows, "row", "rows")
            )?;
            write_evaluation(&mut out, &evaluation)?;
        }
    }
    Ok(())
}

/// Every task's report, as `train` and `evaluate` print it.
pub(super) fn write_evaluation(out: &mut impl Write, e: &Evaluation) -> Result<()> {
    for (task, report) in [(Task::Stance, &e.stance), (Task::Sentiment, &e.sentiment)] {
        let Some(r) = report else { continue };
        let skipped = e.skipped.get(task.name()).copied().unwrap_or(0);
        writeln!(out)?;
        write_report(out, task, r, skipped)?;
        if let Some(c) = e.calibration.get(task.name()) {
            writeln!(
                out,
                "  calibration: ECE {:.4} -> {:.4}, Brier {:.4} -> {:.4} (raw -> calibrated probabilities)",
                c.ece_before, c.ece_after, c.brier_before, c.brier_after
            )?;
        }
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
