//! The tokenizer on arbitrary text: no panic, spans in bounds, ordered and
//! on character boundaries, no empty token.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut last = 0;
    for t in stance::internals::tokenize(&text) {
        assert!(t.start >= last && t.start < t.end && t.end <= text.len(), "{t:?}");
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        assert!(!t.text.is_empty());
        last = t.end;
    }
});
