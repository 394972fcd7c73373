//! The JSONL readers (labeled rows and articles) on arbitrary bytes: every
//! line is read or rejected with an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.jsonl");
    let _ = stance::internals::parse_jsonl(path, data);
    for (i, line) in String::from_utf8_lossy(data).lines().enumerate() {
        let _ = stance::internals::parse_article_line(path, i as u64 + 1, line);
    }
});
