//! `stance calibrate`: refit a trained model's calibration (and the
//! confusion matrix its corrections use) on labeled statements of the
//! user's own text, and write the model with it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};

use stance::{CalibrationMethod, DataFileInfo, Recalibration, output_target, recalibrate};

use super::{ReportFormat, load_model, read_labeled};

#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// Model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Labeled statements of your own text (JSONL or CSV, the schema
    /// `train` reads; `stance label --strategy random` writes one).
    #[arg(long)]
    data: PathBuf,
    /// Where to write the calibrated model.
    #[arg(long)]
    out: PathBuf,
    /// How the probabilities are mapped (vector scaling, or one temperature).
    #[arg(long, value_enum, default_value = "vector")]
    calibration: CalibrationMethod,
    #[arg(long, value_enum, default_value = "table")]
    format: ReportFormat,
    /// Leave out rows that cannot be read (each is reported on stderr and
    /// counted) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    // Refuse an output that is not a regular file before any work.
    output_target(&args.out)?;
    let (mut model, model_name) = load_model(args.model.as_deref())?;
    if !model.has_stance() {
        bail!("model {model_name} has no stance classifier to calibrate");
    }
    let dataset = read_labeled(&args.data, args.skip_bad)?;
    let data = DataFileInfo::of(&dataset, true);
    let report = recalibrate(&mut model, &dataset.examples, args.calibration, &data)?;
    model.save(&args.out)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Table => print_table(&mut out, &report, &model_name, &args)?,
    }
    Ok(())
}

fn print_table(out: &mut impl Write, report: &[Recalibration], model: &str, args: &CalibrateArgs) -> Result<()> {
    writeln!(
        out,
        "calibrated {model} on {} ({} scaling) -> {}",
        args.data.display(),
        args.calibration.name(),
        args.out.display()
    )?;
    for r in report {
        let previous = match (r.ece_previous, r.brier_previous) {
            (Some(e), Some(b)) => format!("; previous calibration ECE {e:.3}, Brier {b:.3}"),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}: {} {} mentioning their target; raw ECE {:.3}, Brier {:.3}{previous}; now ECE {:.3}, Brier {:.3} (on the same rows)",
            r.classifier,
            r.rows,
            if r.rows == 1 { "row" } else { "rows" },
            r.ece_raw,
            r.brier_raw,
            r.ece_after,
            r.brier_after
        )?;
        if r.rows < 100 {
            writeln!(
                out,
                "  {}: few rows: corrections will carry wide intervals; a few hundred labeled statements (stance label --strategy random) narrow them",
                r.classifier
            )?;
        }
    }
    Ok(())
}
