#![no_main]
//! cargo fuzz target: see `doku_fuzzing::callback`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| doku_fuzzing::callback(data));
