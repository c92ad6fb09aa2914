//! The fuzz smoke driver shared by the crates' `fuzz_corpus` tests (each includes this file
//! with `#[path]`): replays every file of a committed, minimised cargo-fuzz corpus, then a fixed
//! number of seeded libFuzzer-like mutations of them, through the same check as the crate's fuzz
//! target. It runs in CI without cargo-fuzz or a nightly toolchain, and a fixed seed makes any
//! failure reproduce.

use std::panic::{catch_unwind, RefUnwindSafe};
use std::path::{Path, PathBuf};

/// Every file of the corpus directory `dir`, sorted by name.
pub fn corpus(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
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
        "corpus {} went missing: {} files",
        dir.display(),
        corpus.len()
    );
    corpus
}

/// Runs `check` on every corpus file; fails naming the first file it panics on.
pub fn replay(dir: &Path, check: impl Fn(&[u8]) + RefUnwindSafe) {
    for (path, bytes) in corpus(dir) {
        let r = catch_unwind(|| check(&bytes));
        assert!(r.is_ok(), "fuzz check failed on {}", path.display());
    }
}

/// Runs `check` on `rounds` seeded mutations of corpus files; `tokens` are the byte strings the
/// mutator likes to insert (the format's delimiters and interesting values).
pub fn replay_mutations(
    dir: &Path,
    tokens: &[&[u8]],
    rounds: usize,
    check: impl Fn(&[u8]) + RefUnwindSafe,
) {
    let corpus = corpus(dir);
    let mut rng = Rng(0x6b65_6570_616c_6976);
    for round in 0..rounds {
        let (_, base) = &corpus[rng.below(corpus.len())];
        let (_, other) = &corpus[rng.below(corpus.len())];
        let mut input = base.clone();
        mutate(&mut rng, &mut input, other, tokens);
        let r = catch_unwind(|| check(&input));
        assert!(
            r.is_ok(),
            "fuzz check failed on mutation {round}: {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}

/// splitmix64.
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

/// A few edits: flip a bit, insert a token, delete, splice in a slice of another input, or
/// duplicate a slice.
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8], tokens: &[&[u8]]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = at.min(input.len() - 1);
                input[i] ^= 1 << rng.below(8);
            }
            1 | 2 if !tokens.is_empty() => {
                let ins = tokens[rng.below(tokens.len())];
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
