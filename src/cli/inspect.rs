//! `stance inspect`: what a model is (targets, settings, provenance,
//! held-out figures, each classifier's fit) and its strongest terms.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use stance::ModelInfo;

use super::{load_model, plural};

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Model file (default, or `builtin`: the model built into the binary).
    #[arg(value_name = "MODEL")]
    model: Option<PathBuf>,
    /// How many n-grams to list per class.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

pub fn run(args: InspectArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    let info = model.info(args.top);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "model {model_name}")?;
    write_summary(&mut out, &info)?;
    for c in &info.classifiers {
        let d = &c.fit;
        writeln!(
            out,
            "\n{}: classes {}, {} features, alpha {}, {} (gradient norm {:.2e} from {:.2e}, {} solver runs)",
            c.id,
            c.classes.join("/"),
            c.features,
            c.alpha.unwrap_or(f32::NAN),
            if d.converged { "converged" } else { "NOT converged" },
            d.gradient_norm,
            d.initial_gradient_norm,
            d.solver_runs
        )?;
        for (class, terms) in &c.top_terms {
            let terms: Vec<String> = terms.iter().map(|(t, w)| format!("{t:?} {w:+.2}")).collect();
            writeln!(out, "  {class:<9} {}", terms.join(", "))?;
        }
    }
    Ok(())
}

/// The model's format, tasks, targets, settings, data and held-out figures.
fn write_summary(out: &mut impl Write, info: &ModelInfo) -> Result<()> {
    writeln!(
        out,
        "  format {} v{}, written by stance {}",
        info.format, info.format_version, info.crate_version
    )?;
    writeln!(out, "  tasks: {}", info.tasks)?;
    for t in &info.targets {
        writeln!(out, "  target {}: aliases {}", t.name, t.aliases.join(", "))?;
    }
    let s = &info.settings;
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
        s.vectors.selection.name(),
        s.vectors.sublinear_tf,
        s.logistic.max_iterations,
        s.seed
    )?;
    let record = &info.training;
    for d in &record.data {
        writeln!(
            out,
            "  trained on {} ({}, sha256 {})",
            d.path,
            plural(d.rows, "row", "rows"),
            d.sha256
        )?;
    }
    for (task, r) in &record.held_out {
        write!(
            out,
            "  held out ({}) {task}: accuracy {:.4}, macro-F1 {:.4}",
            plural(record.held_out_rows, "row", "rows"),
            r.accuracy,
            r.macro_f1
        )?;
        if let Some(f) = r.f_avg {
            write!(out, ", F_avg {f:.4}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
