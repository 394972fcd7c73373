//! Criterion benches of the classify path, stage by stage, on articles
//! assembled from our own corpus (`benches/data/articles.jsonl`, made by
//! `scripts/make-bench-data.py`), with the shipped model.
//!
//! Run: `cargo bench --bench pipeline`. Stages: the sentence splitter (bytes
//! per second), the tokenizer (statements per second), the compiled scorer
//! giving every classifier's probabilities for a tokenized statement
//! (statements per second), the training path's feature vector for one
//! classifier (for comparison), and one whole article through
//! `ArticleClassifier`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stance::ArticleClassifier;
use stance::Model;
use stance::internals::ScorerScratch;
use stance::internals::StemCache;
use stance::internals::TermExtractor;
use stance::internals::TextClassifier;
use stance::internals::tokenize;
use stance::split_statements;

fn articles() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/articles.jsonl");
    std::fs::read_to_string(&path)
        .expect("bench data")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
            v["text"].as_str().expect("text").to_string()
        })
        .collect()
}

fn model() -> Model {
    Model::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.json")).expect("default model")
}

fn bench(c: &mut Criterion) {
    let articles = articles();
    let model = model();
    let bytes: usize = articles.iter().map(String::len).sum();
    let statements: Vec<&str> = articles
        .iter()
        .flat_map(|a| split_statements(a).into_iter().map(move |s| &a[s.start..s.end]))
        .collect();
    let sentiment = stance::internals::classifiers(&model)
        .into_iter()
        .find(|(id, _)| *id == stance::ClassifierId::Sentiment)
        .map(|(_, c)| c)
        .expect("a sentiment classifier");

    let mut group = c.benchmark_group("splitter");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("all articles", |b| {
        b.iter(|| articles.iter().map(|a| split_statements(a).len()).sum::<usize>())
    });
    group.finish();

    let mut group = c.benchmark_group("tokenizer");
    group.throughput(Throughput::Elements(statements.len() as u64));
    group.bench_function("tokens of every statement", |b| {
        b.iter(|| statements.iter().map(|s| tokenize(s).len()).sum::<usize>())
    });
    group.finish();

    let classifiers: Vec<&TextClassifier> = stance::internals::classifiers(&model)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let scorer = stance::internals::compile(&classifiers).expect("the default model's classifiers merge");
    let tokens: Vec<_> = statements.iter().map(|s| tokenize(s)).collect();
    let mut group = c.benchmark_group("scorer");
    group.throughput(Throughput::Elements(statements.len() as u64));
    group.bench_function("probabilities of every classifier, every statement", |b| {
        let (mut scratch, mut stems, mut out) = (ScorerScratch::default(), StemCache::default(), Vec::new());
        b.iter(|| {
            tokens
                .iter()
                .map(|t| {
                    scorer.score(&mut scratch, &mut stems, t, &mut out);
                    out[0]
                })
                .sum::<f32>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("training features");
    group.throughput(Throughput::Elements(statements.len() as u64));
    group.bench_function("feature vector of every statement (sentiment, string path)", |b| {
        let mut extractor = TermExtractor::default();
        b.iter(|| {
            statements
                .iter()
                .map(|s| sentiment.featurize(&mut extractor, s, None).len())
                .sum::<usize>()
        })
    });
    group.finish();

    let classifier = ArticleClassifier::new(&model, None, 0).expect("classifier");
    let article = articles.iter().max_by_key(|a| a.len()).expect("an article");
    let mut group = c.benchmark_group("article");
    group.throughput(Throughput::Bytes(article.len() as u64));
    group.bench_function("longest article, every target and sentiment", |b| {
        b.iter(|| classifier.classify("bench", article).statements.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
