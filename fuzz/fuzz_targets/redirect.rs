#![no_main]
//! cargo fuzz target: see `doku_fuzzing::redirect`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| doku_fuzzing::redirect(data));
