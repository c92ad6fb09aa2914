//! The fuzz smoke that runs in CI without cargo-fuzz or nightly: every file of the committed,
//! minimised `decode` corpus (`fuzz/corpus/decode/`) and 5,000 seeded mutations of them go
//! through the same check as the fuzz target (`fuzz_check::check`).

#[path = "../../../testdata/fuzz/corpus_replay.rs"]
mod corpus_replay;
mod fuzz_check;
mod sim;

use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode")
}

#[test]
fn every_corpus_file_passes_the_fuzz_check() {
    corpus_replay::replay(&dir(), fuzz_check::check);
}

#[test]
fn seeded_mutations_of_the_corpus_pass_the_fuzz_check() {
    // VRRP versions/types, auth types, counts, the seed's password, VIP and group, IPv4/VRRP
    // protocol bytes.
    const TOKENS: &[&[u8]] = &[
        b"\x21",
        b"\x31",
        b"\x33",
        b"\x01",
        b"\x02",
        b"\x03",
        b"\x00\x00",
        b"\xff\xff",
        b"1111",
        b"\xc0\xa8\x01\xd2",
        b"\xe0\x00\x00\x12",
        b"\x45",
        b"\x70",
        b"\x33",
    ];
    corpus_replay::replay_mutations(&dir(), TOKENS, 5000, fuzz_check::check);
}
