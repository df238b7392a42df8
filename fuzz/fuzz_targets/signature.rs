#![no_main]
//! cargo fuzz target: see `doku_fuzzing::signature`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| doku_fuzzing::signature(data));
