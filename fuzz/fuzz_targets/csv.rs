//! The CSV reader on arbitrary bytes: rows read or rejected with an error,
//! never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = stance::internals::parse_csv(std::path::Path::new("fuzz.csv"), data);
});
