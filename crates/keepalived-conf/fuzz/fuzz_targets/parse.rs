//! Fuzz target `parse`: any bytes as a keepalived.conf (NUL-separated extra parts are files it
//! can `include`). The checks live in `tests/fuzz_check/mod.rs`, shared with the `fuzz_corpus`
//! test that replays this target's corpus in ordinary `cargo test` runs.
#![no_main]

#[path = "../../tests/fuzz_check/mod.rs"]
mod fuzz_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_check::check(data));
