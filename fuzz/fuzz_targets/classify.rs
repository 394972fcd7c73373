//! The whole classify path with the shipped model on arbitrary text: no
//! panic, probabilities finite and summing to 1, mentions inside their
//! statement.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn classifier() -> &'static stance::ArticleClassifier<'static> {
    static MODEL: OnceLock<stance::Model> = OnceLock::new();
    static CLASSIFIER: OnceLock<stance::ArticleClassifier<'static>> = OnceLock::new();
    CLASSIFIER.get_or_init(|| {
        let model = MODEL.get_or_init(|| {
            let bytes = include_bytes!("../../models/default.json");
            stance::Model::from_json(std::path::Path::new("models/default.json"), bytes).expect("shipped model")
        });
        stance::ArticleClassifier::new(model, None, 1).expect("classifier")
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let classifier = classifier();
    // One extractor for the whole run, as a classify worker thread keeps
    // its caches; a fresh one per input would spend most of the time
    // re-stemming and re-sizing its buffers.
    thread_local! {
        static EXTRACTOR: std::cell::RefCell<stance::internals::TermExtractor> = Default::default();
    }
    let result = EXTRACTOR.with_borrow_mut(|extractor| classifier.classify(extractor, "fuzz", &text));
    for st in &result.statements {
        let decisions = st.targets.iter().map(|t| &t.stance).chain(std::iter::once(&st.sentiment));
        for d in decisions {
            if let Some(p) = &d.probabilities {
                let sum: f32 = p.iter().map(|(_, x)| x).sum();
                assert!(p.iter().all(|(_, x)| x.is_finite()) && (sum - 1.0).abs() < 1e-4, "{d:?}");
            }
        }
        for t in &st.targets {
            for m in &t.mentions {
                assert!(m.start >= st.start && m.end <= st.end && m.start < m.end, "{m:?} in {st:?}");
            }
        }
    }
});
