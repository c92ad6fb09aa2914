//! Fuzz target `decode`: any bytes as a received packet, through every decoder and through the
//! engine's receive path. The checks live in `tests/fuzz_check/mod.rs`, shared with the
//! `fuzz_corpus` test that replays this target's corpus in ordinary `cargo test` runs.
#![no_main]

#[path = "../../tests/sim/mod.rs"]
mod sim;

#[path = "../../tests/fuzz_check/mod.rs"]
mod fuzz_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_check::check(data));
