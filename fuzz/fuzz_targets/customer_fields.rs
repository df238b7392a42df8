#![no_main]
//! cargo fuzz target: see `doku_fuzzing::customer_fields`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| doku_fuzzing::customer_fields(data));
