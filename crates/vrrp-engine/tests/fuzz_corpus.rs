//! The fuzz smoke that runs in CI without cargo-fuzz or nightly: every file of the committed,
//! minimised `decode` corpus (`fuzz/corpus/decode/`) and a fixed number of seeded mutations of
//! them go through the same check as the fuzz target (`fuzz_check::check`).

mod fuzz_check;
mod sim;

use std::path::PathBuf;

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/decode");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let corpus: Vec<_> = files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert!(
        corpus.len() >= 20,
        "corpus went missing: {} files",
        corpus.len()
    );
    corpus
}

#[test]
fn every_corpus_file_passes_the_fuzz_check() {
    for (path, bytes) in corpus() {
        let r = std::panic::catch_unwind(|| fuzz_check::check(&bytes));
        assert!(r.is_ok(), "fuzz check failed on {}", path.display());
    }
}

/// splitmix64: a fixed seed, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A few libFuzzer-like edits: flip, overwrite, insert interesting bytes, delete, duplicate or
/// splice in a slice of another input.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    const INTERESTING: &[&[u8]] = &[
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
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = at.min(input.len() - 1);
                input[i] ^= 1 << rng.below(8);
            }
            1 | 2 => {
                let ins = INTERESTING[rng.below(INTERESTING.len())];
                input.splice(at..at, ins.iter().copied());
            }
            3 if !input.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(input.len());
                input.drain(at.min(end)..end);
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(256)).min(other.len());
                input.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let end = (at + 1 + rng.below(32)).min(input.len());
                let dup = input[at.min(end)..end].to_vec();
                input.splice(at..at, dup);
            }
        }
    }
}

#[test]
fn seeded_mutations_of_the_corpus_pass_the_fuzz_check() {
    let corpus = corpus();
    let mut rng = Rng(0x6b65_6570_616c_6976);
    // Bounded by count, not time: ~2 s in a debug build.
    for round in 0..5000 {
        let (_, base) = &corpus[rng.below(corpus.len())];
        let (_, other) = &corpus[rng.below(corpus.len())];
        let mut input = base.clone();
        mutate(&mut rng, &mut input, other);
        let r = std::panic::catch_unwind(|| fuzz_check::check(&input));
        assert!(
            r.is_ok(),
            "fuzz check failed on mutation {round}: {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}
