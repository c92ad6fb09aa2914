//! `genhash` (placeholder until the next commit).
fn main() {}
