//! The batch loop: read articles, classify them in parallel, write them in
//! input order.
//!
//! `classify` and `bench` both run this loop, so the benchmark times the
//! path users run. Articles are taken in batches of at most
//! [`BATCH_ARTICLES`] articles or [`BATCH_BYTES`] bytes of text, so memory
//! stays bounded whatever the input size; each batch is classified on the
//! thread pool and each article's output is rendered on the worker thread
//! that classified it, so the writing thread only copies bytes. An input
//! that cannot be read keeps its place in the output as an error record.

use std::borrow::Borrow;
use std::io::Write;

use crate::classify::{ArticleClassifier, CorpusSummary};
use crate::data::articles::Article;
use crate::error::{Error, Result};
use crate::output::ResultWriter;

/// Most articles classified together in one batch.
pub const BATCH_ARTICLES: usize = 256;
/// Most bytes of article text in one batch.
pub const BATCH_BYTES: usize = 8 << 20;

/// What a run of the loop did.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Articles classified and written.
    pub articles: usize,
    /// Their statements.
    pub statements: usize,
    /// Inputs that could not be read (each reported to `on_error` and
    /// written as an error record in its place).
    pub failures: usize,
    /// Per-target figures over the articles.
    pub corpus: CorpusSummary,
}

/// Classifies `articles` with `classifier` on `pool` and writes them to
/// `writer` in input order; an input that could not be read is passed to
/// `on_error` and written in its place. The caller writes the document's
/// beginning and end ([`ResultWriter::begin`], [`ResultWriter::finish`]).
/// Fails only when writing fails.
pub fn classify_stream<W, A, I>(
    classifier: &ArticleClassifier,
    articles: I,
    writer: &mut ResultWriter<W>,
    pool: &rayon::ThreadPool,
    on_error: &mut dyn FnMut(&Error),
) -> Result<RunSummary>
where
    W: Write,
    A: Borrow<Article> + Send + Sync,
    I: IntoIterator<Item = Result<A>>,
{
    let mut summary = RunSummary::default();
    let mut articles = articles.into_iter().peekable();
    while articles.peek().is_some() {
        let mut batch: Vec<A> = Vec::new();
        let mut errors: Vec<(usize, Error)> = Vec::new();
        let mut bytes = 0;
        while batch.len() < BATCH_ARTICLES && bytes < BATCH_BYTES {
            match articles.next() {
                Some(Ok(article)) => {
                    bytes += article.borrow().text.len();
                    batch.push(article);
                }
                Some(Err(e)) => {
                    on_error(&e);
                    summary.failures += 1;
                    errors.push((batch.len(), e));
                }
                None => break,
            }
        }
        let first = writer.articles_written() == 0;
        let renderer = writer.renderer();
        let rendered = pool.install(|| {
            classifier.classify_all_then(&batch, |i, article, result| {
                let mut bytes = Vec::with_capacity(article.text.len() * 4);
                let written = renderer.article(article, &result, first && i == 0, &mut bytes);
                (result, written.map(|()| bytes))
            })
        });
        let mut errors = errors.into_iter().peekable();
        for (i, (result, bytes)) in rendered.into_iter().enumerate() {
            while let Some((_, e)) = errors.next_if(|(at, _)| *at == i) {
                writer.error(&e).map_err(Error::Output)?;
            }
            writer
                .write_rendered(&bytes.map_err(Error::Output)?)
                .map_err(Error::Output)?;
            summary.articles += 1;
            summary.statements += result.statements.len();
            summary.corpus.add(&result);
        }
        for (_, e) in errors {
            writer.error(&e).map_err(Error::Output)?;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Format;

    #[test]
    fn output_keeps_input_order_with_errors_in_place_whatever_the_threads() {
        let model = crate::train::two_people_model();
        let targets = ["Kopp", "Lutz"].map(crate::text::targets::TargetSpec::named);
        let classifier = ArticleClassifier::new(&model, Some(&targets), 0).unwrap();
        let article = |i: usize| Article {
            id: format!("a{i}"),
            text: format!("Kopp won praise on day {i}. Lutz faced a scandal."),
            meta: Default::default(),
        };
        // 600 articles (more than two batches), an unreadable input at 3 and 300.
        let inputs = || {
            (0..600).map(move |i| match i {
                3 | 300 => Err(Error::Settings(format!("bad input {i}"))),
                _ => Ok(article(i)),
            })
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut writer = ResultWriter::new(Vec::new(), Format::Jsonl, vec!["Kopp".into(), "Lutz".into()], false);
            let mut seen = Vec::new();
            let summary = classify_stream(&classifier, inputs(), &mut writer, &pool, &mut |e| {
                seen.push(e.to_string())
            })
            .unwrap();
            (summary, seen, writer.into_inner())
        };
        let (summary, seen, bytes) = run(1);
        assert_eq!((summary.articles, summary.failures, summary.statements), (598, 2, 1196));
        assert_eq!(seen, ["bad input 3", "bad input 300"]);
        let lines: Vec<serde_json::Value> = String::from_utf8(bytes.clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // Article 2's two statements, then the error record, then article 4.
        assert_eq!(lines[4]["article"], "a2");
        assert_eq!(lines[6]["error"], "bad input 3");
        assert_eq!(lines[7]["article"], "a4");
        assert_eq!(run(2).2, bytes);
    }
}
