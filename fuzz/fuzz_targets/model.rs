//! The model loader on arbitrary bytes: a model is loaded or rejected with
//! an error, never a panic; a model that loads can classify.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = stance::Model::from_json(std::path::Path::new("fuzz.json"), data) {
        if let Ok(classifier) = stance::ArticleClassifier::new(&model, None, 2) {
            let _ = classifier.classify("fuzz", "Moscow did not agree. The U.S. said \"no\".");
        }
    }
});
