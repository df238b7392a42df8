//! The committed fuzz corpora (fuzz/corpus/<target>/), replayed as ordinary tests.

use std::path::Path;

#[test]
fn every_corpus_input_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let mut total = 0;
    for (target, run) in doku_fuzzing::TARGETS {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.expect("a corpus entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            count += 1;
        }
        assert!(count > 0, "{target} has no corpus");
        println!("{target}: {count} inputs");
        total += count;
    }
    println!("{total} corpus inputs replayed");
}

#[test]
fn every_fuzz_target_is_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/fuzz_targets");
    let mut fuzzed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a fuzz target").path())
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
        .collect();
    fuzzed.sort();
    let mut replayed: Vec<&str> = doku_fuzzing::TARGETS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    replayed.sort();
    assert_eq!(
        fuzzed, replayed,
        "make fuzz runs every target in fuzz/fuzz_targets"
    );
}
