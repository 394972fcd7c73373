//! `stance inspect`: what a model is (targets, settings, provenance,
//! held-out figures, each classifier's fit) and its strongest terms.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use stance::model::{Model, TextClassifier, TrainingRecord};

use super::describe_tasks;

#[derive(clap::Args)]
pub struct InspectArgs {
    /// Model file.
    model: PathBuf,
    /// How many n-grams to list per class.
    #[arg(long, default_value_t = 10)]
    top: usize,
}

pub fn run(args: InspectArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    write_summary(&mut out, &args.model, &model)?;
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
        write_top_terms(&mut out, c, args.top)?;
    }
    Ok(())
}

/// The model's format, tasks, targets, settings, data and held-out figures.
fn write_summary(out: &mut impl Write, path: &Path, model: &Model) -> Result<()> {
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
        s.vectors.selection.name(),
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
    Ok(())
}

/// The `top` terms with the largest weight for each class.
fn write_top_terms(out: &mut impl Write, c: &TextClassifier, top: usize) -> Result<()> {
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
    Ok(())
}
