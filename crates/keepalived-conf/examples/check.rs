//! `cargo run -p keepalived-conf --example check -- FILE…`: print diagnostics like `keepalived -t`.
use keepalived_conf::{load, LoadOptions};
use std::path::Path;

fn main() {
    let mut failed = false;
    for f in std::env::args().skip(1) {
        let start = std::time::Instant::now();
        match load(Path::new(&f), &LoadOptions::default()) {
            Ok(l) => {
                eprintln!("{f}: read + parsed + validated in {:?}", start.elapsed());
                print!("{}", l.render_diagnostics());
                println!(
                    "{f}: {} error(s), {} warning(s)",
                    l.error_count(),
                    l.warning_count()
                );
                failed |= l.error_count() > 0;
            }
            Err(e) => {
                println!("{e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
