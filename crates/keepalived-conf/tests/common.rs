//! Helpers shared by the integration tests.
#![allow(dead_code)]

use keepalived_conf::{load, LoadOptions, Loaded, Severity};
use std::path::{Path, PathBuf};

/// Path of a file under the workspace's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(rel)
}

/// Load a file under `testdata/` with default options.
pub fn load_td(rel: &str) -> Loaded {
    load(&testdata(rel), &LoadOptions::default()).unwrap()
}

/// `(file name, line, col)` of every error, in order.
pub fn errors(l: &Loaded) -> Vec<(String, u32, u32)> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            (
                d.span
                    .file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                d.span.line,
                d.span.col,
            )
        })
        .collect()
}
