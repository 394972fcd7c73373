//! `stance check`: the challenge suite, accuracy per phenomenon and every
//! failure, against floors.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use stance::ArticleClassifier;
use stance::{BUILTIN_FLOORS, BUILTIN_SUITE, CheckReport, below_floors, builtin_suite, read_suite, run_check};

use super::{ReportFormat, load_model};

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Challenge suite (JSONL with id, text, target, stance, phenomenon);
    /// default: the suite built into the binary.
    #[arg(long)]
    suite: Option<PathBuf>,
    /// JSON object of minimum accuracy per phenomenon; exit 1 if any is
    /// missed (default: the built-in floors with the built-in suite, none
    /// with another).
    #[arg(long, value_name = "FILE")]
    floors: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
}

pub fn run(args: CheckArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    let classifier = ArticleClassifier::new(&model, None, 0)?;
    let (items, suite_name) = match &args.suite {
        Some(path) => (read_suite(path)?, path.display().to_string()),
        None => (builtin_suite(), BUILTIN_SUITE.to_string()),
    };
    let report = run_check(&classifier, &items)?;
    let floors: BTreeMap<String, f64> = match (&args.floors, &args.suite) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: expected {{\"phenomenon\": floor, ...}}", path.display()))?
        }
        (None, None) => serde_json::from_str(BUILTIN_FLOORS).context("the built-in floors")?,
        (None, Some(_)) => Default::default(),
    };
    let below = below_floors(&report, &floors)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => writeln!(out, "{}", serde_json::to_string(&report)?)?,
        ReportFormat::Table => {
            let title = format!("{model_name} on {suite_name}");
            write_table(&mut out, &title, &report, &floors)?;
        }
    }
    if !below.is_empty() {
        let list: Vec<String> = below.iter().map(|(p, a, f)| format!("{p} {a:.3} < {f:.3}")).collect();
        bail!("below the floor: {}", list.join(", "));
    }
    Ok(())
}

fn write_table(out: &mut impl Write, title: &str, report: &CheckReport, floors: &BTreeMap<String, f64>) -> Result<()> {
    writeln!(
        out,
        "{title}: {}/{} correct ({:.1}%)",
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
    Ok(())
}
