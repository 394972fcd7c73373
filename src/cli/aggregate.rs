//! `stance aggregate`: articles (or `classify --format jsonl` output) in,
//! one line per group and target out: statements mentioning the target,
//! raw and corrected shares, and net stance with its 95% interval.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use stance::{AggregateFormat, Aggregator, ArticleClassifier, Grouping, Period};
use stance::{BATCH_ARTICLES, write_aggregate};

use super::{InputArgs, load_model, read_articles, worker_pool};

#[derive(clap::Args)]
pub struct AggregateArgs {
    /// Model file (default: the model shipped in models/default.json); with
    /// --from-classified, the model that classified the input.
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Read statement lines written by `stance classify --format jsonl`
    /// instead of classifying articles.
    #[arg(long)]
    from_classified: bool,
    /// Keys of the input objects that name a group (e.g. outlet,date); no
    /// key: one group of everything.
    #[arg(long, value_name = "FIELD[,FIELD]", value_delimiter = ',')]
    group_by: Vec<String>,
    /// Bucket the `date` key (ISO 8601, YYYY-MM-DD...) by day, month or
    /// year; adds `date` to the keys when missing.
    #[arg(long, value_enum)]
    period: Option<Period>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: AggregateFormat,
    /// Exit 0 even when some inputs could not be read (they are reported on
    /// stderr and left out of every group).
    #[arg(long)]
    skip_bad: bool,
    /// Worker threads, 1 or more (default: all cores).
    #[arg(long, value_name = "N", value_parser = super::thread_count)]
    threads: Option<usize>,
}

pub fn run(args: AggregateArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    let classifier = ArticleClassifier::new(&model, None, 0)?.with_estimators();
    let grouping = Grouping::new(&args.group_by, args.period)?;
    let mut aggregator = Aggregator::new(&classifier, grouping)?;
    let pool = worker_pool(args.threads)?;
    let failures = match args.from_classified {
        true => read_classified(&mut aggregator, &args.input.paths)?,
        false => classify_articles(&classifier, &mut aggregator, &args, &pool)?,
    };
    if failures > 0 && !args.skip_bad {
        bail!("{failures} input(s) could not be read (see the messages above); --skip-bad aggregates the rest");
    }
    let aggregate = pool.install(|| aggregator.finish(&model_name));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    write_aggregate(&aggregate, args.format, &mut out).context("writing the output")?;
    if failures > 0 {
        eprintln!("stance: {failures} input(s) could not be read and were left out (--skip-bad)");
    }
    Ok(())
}

/// Classifies the articles of `args.paths` in batches and adds each to its
/// group; returns how many inputs could not be read.
fn classify_articles(
    classifier: &ArticleClassifier,
    aggregator: &mut Aggregator,
    args: &AggregateArgs,
    pool: &rayon::ThreadPool,
) -> Result<usize> {
    let mut reader = read_articles(&args.input)?.peekable();
    let mut failures = 0;
    while reader.peek().is_some() {
        let mut batch = Vec::with_capacity(BATCH_ARTICLES);
        for article in reader.by_ref() {
            match article {
                Ok(a) => batch.push(a),
                Err(e) => {
                    eprintln!("stance: error: {e}");
                    failures += 1;
                }
            }
            if batch.len() == BATCH_ARTICLES {
                break;
            }
        }
        let grouping = aggregator.grouping().clone();
        let results = pool.install(|| {
            classifier.classify_all_then(&batch, |_, article, result| {
                grouping.key(&article.id, &article.meta).map(|key| (key, result))
            })
        });
        for r in results {
            let (key, result) = r?;
            aggregator.add_article(key, &result);
        }
    }
    Ok(failures)
}

/// Reads `classify --format jsonl` output from `paths` (stdin when none);
/// returns how many error records (inputs classify could not read) it met.
fn read_classified(aggregator: &mut Aggregator, paths: &[PathBuf]) -> Result<usize> {
    let stdin = [PathBuf::from("-")];
    let paths = if paths.is_empty() { &stdin[..] } else { paths };
    let mut error_records = 0;
    for path in paths {
        error_records += if path == Path::new("-") {
            aggregator.read_classified(Path::new("<stdin>"), std::io::stdin().lock())?
        } else {
            let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
            aggregator.read_classified(path, BufReader::new(file))?
        };
    }
    if error_records > 0 {
        eprintln!(
            "stance: the input holds {error_records} error record(s): articles classify could not read, absent from every group"
        );
    }
    Ok(error_records)
}
