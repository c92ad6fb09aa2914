//! The fuzz smoke that runs in CI without cargo-fuzz or nightly: every file of the committed,
//! minimised `parse` corpus (`fuzz/corpus/parse/`) and 2,000 seeded mutations of them go
//! through the same check as the fuzz target (`fuzz_check::check`).

#[path = "../../../testdata/fuzz/corpus_replay.rs"]
mod corpus_replay;
mod fuzz_check;

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse")
}

#[test]
fn every_corpus_file_passes_the_fuzz_check() {
    corpus_replay::replay(&dir(), fuzz_check::check);
}

#[test]
fn seeded_mutations_of_the_corpus_pass_the_fuzz_check() {
    const TOKENS: &[&[u8]] = &[
        b"{",
        b"}",
        b"\n",
        b"\"",
        b"#",
        b"!",
        b"@fuzz ",
        b"include *\n",
        b"\0",
        b" ",
        b"\t",
        b"\xff",
        b"\xc3\xa9",
        b"\r\n",
        b"255",
        b"0",
        b"-1",
        b"4294967296",
        b"/",
        b"::",
    ];
    // Bounded by count, not time: ~2 s in a debug build.
    corpus_replay::replay_mutations(&dir(), TOKENS, 2000, fuzz_check::check);
}
