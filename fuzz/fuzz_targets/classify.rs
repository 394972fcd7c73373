//! The whole classify path with the shipped model on arbitrary text: no
//! panic, probabilities finite and summing to 1, mentions inside their
//! statement.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stance::Label;
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
    // The classifier keeps its per-thread caches for the whole run, as a
    // classify worker thread does.
    let result = classifier().classify("fuzz", &text);
    for st in &result.statements {
        let decisions = st
            .targets
            .iter()
            .flat_map(|t| t.decisions())
            .map(|(_, d)| d.probabilities)
            .chain(std::iter::once(
                st.sentiment.probabilities.iter().flat_map(|p| p.iter()).map(|(l, p)| (l.name(), p)).collect(),
            ));
        for probabilities in decisions {
            if !probabilities.is_empty() {
                let sum: f32 = probabilities.iter().map(|(_, x)| x).sum();
                assert!(probabilities.iter().all(|(_, x)| x.is_finite()) && (sum - 1.0).abs() < 1e-4, "{probabilities:?}");
            }
        }
        for t in &st.targets {
            for m in &t.mentions {
                assert!(m.start >= st.start && m.end <= st.end && m.start < m.end, "{m:?} in {st:?}");
            }
        }
    }
});
