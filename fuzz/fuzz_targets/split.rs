//! The sentence splitter on arbitrary text: no panic, and every statement
//! span is in bounds, on character boundaries, ordered and non-overlapping,
//! with no non-whitespace text outside the statements and their prefixes
//! except quote and bullet punctuation.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut last = 0;
    for st in stance::split_statements(&text) {
        assert!(st.start >= last && st.start < st.end && st.end <= text.len(), "{st:?} after {last}");
        assert!(text.is_char_boundary(st.start) && text.is_char_boundary(st.end));
        if let Some((a, b)) = st.prefix {
            assert!(a <= b && b <= st.start && a >= last && text.is_char_boundary(a) && text.is_char_boundary(b));
        }
        last = st.end;
    }
});
