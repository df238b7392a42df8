#![no_main]
//! cargo fuzz target: see `doku_fuzzing::payment_page_params`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| doku_fuzzing::payment_page_params(data));
