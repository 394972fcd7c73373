//! `stance label`: a local page that asks for the labels worth having, one
//! statement at a time, and appends each to a labels file at once.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use stance::{
    Article, ArticleClassifier, InputFormat, LabelServer, LabelSession, LabelStore, Strategy, read_dataset,
    read_targets_file,
};

use super::{InputArgs, load_model, plural, read_articles};

#[derive(clap::Args)]
pub struct LabelArgs {
    /// The archive: text files, directories of them, or JSONL files of
    /// {"id", "text"} articles (by the .jsonl extension or --input-format).
    #[arg(long, required = true, value_name = "PATH", num_args = 1..)]
    input: Vec<PathBuf>,
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// The labels file (JSONL); labels are appended, and a file that
    /// exists is resumed.
    #[arg(long, value_name = "LABELS")]
    out: PathBuf,
    /// Model whose uncertainty chooses the statements (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// JSON alias file overriding the model's target aliases.
    #[arg(long, value_name = "FILE")]
    targets: Option<PathBuf>,
    /// How statements are chosen.
    #[arg(long, value_enum, default_value = "uncertain")]
    strategy: Strategy,
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// Seed of the random order.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Words of evidence shown per statement.
    #[arg(long, default_value_t = 8)]
    evidence: usize,
    /// Answer without a page, from the gold labels of a labeled file
    /// (matched by text and target), for simulations; needs --count.
    #[arg(long, value_name = "GOLD", requires = "count")]
    answer_from: Option<PathBuf>,
    /// How many statements to answer with --answer-from.
    #[arg(long, value_name = "N")]
    count: Option<usize>,
}

pub fn run(args: LabelArgs) -> Result<()> {
    let (model, model_name) = load_model(args.model.as_deref())?;
    if !model.has_stance() {
        bail!("{model_name} decides no stance: labeling needs a stance model");
    }
    let targets = match &args.targets {
        Some(p) => Some(read_targets_file(p)?),
        None => None,
    };
    let classifier = ArticleClassifier::new(&model, targets.as_deref(), 0)?;
    let articles = read_archive(&args)?;
    let store = LabelStore::open(&args.out)?;
    let mut session = LabelSession::new(&classifier, articles, store, args.strategy, args.seed, args.evidence)?;
    if let Some(gold) = &args.answer_from {
        return answer_from(&mut session, gold, args.count.unwrap_or(0));
    }
    let server = LabelServer::bind(args.port)?;
    let address = server.address().context("the server has no IP address")?;
    let progress = session.progress();
    println!(
        "labeling {} ({} labeled already) with {model_name}: open http://{address}/ (Ctrl-C to stop; every label is saved at once to {})",
        plural(progress.remaining + progress.labeled, "statement", "statements"),
        progress.labeled,
        args.out.display()
    );
    server.serve(&mut session, &|| false)?;
    Ok(())
}

/// Every article of the archive; an input that cannot be read stops.
fn read_archive(args: &LabelArgs) -> Result<Vec<Article>> {
    let articles = read_articles(&InputArgs {
        paths: args.input.clone(),
        input_format: args.input_format,
        recursive: false,
        lossy: false,
    })?
    .collect::<stance::Result<Vec<_>>>()?;
    if articles.is_empty() {
        bail!("the archive has no article");
    }
    Ok(articles)
}

/// Labels `count` statements as the gold file says (skipping those it
/// does not label), the way a person at the page would.
fn answer_from(session: &mut LabelSession, gold: &std::path::Path, count: usize) -> Result<()> {
    let normalized = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let answers: HashMap<(String, String), _> = read_dataset(gold)?
        .examples
        .into_iter()
        .filter_map(|e| Some(((normalized(&e.text), e.target.to_lowercase()), (e.stance?, e.sentiment))))
        .collect();
    let (mut labeled, mut skipped) = (0, 0);
    while labeled < count {
        let Some(item) = session.current() else { break };
        match answers.get(&(normalized(&item.text), item.target.to_lowercase())) {
            Some(&(stance, sentiment)) => {
                session.label(item.key, stance, sentiment)?;
                labeled += 1;
            }
            None => {
                session.skip(item.key)?;
                skipped += 1;
            }
        }
    }
    eprintln!(
        "stance: answered {labeled} statement(s) from {}, skipped {skipped} it does not label",
        gold.display()
    );
    Ok(())
}
