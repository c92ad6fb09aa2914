//! keepalived.conf reader: parses a configuration exactly as keepalived 1.3.5 reads it into a
//! typed AST ([`Config`]) with source spans, plus diagnostics for the `-t` linter.
//!
//! One parse serves two consumers: [`Loaded::config`] is what keepalived 1.3.5 would run (bad
//! values defaulted or skipped as 1.3.5 does), and [`Loaded::error_count`] > 0 makes `-t` fail.

#![forbid(unsafe_code)]

pub mod ast;
pub mod diagnostic;
mod fxhash;
mod include;
pub mod keywords;
pub mod lexer;
mod parse;
pub mod render;
mod validate;

pub use ast::*;
pub use diagnostic::{Diagnostic, Severity};
pub use validate::truncate_ifname;

use diagnostic::Sources;
use include::Reader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options affecting how the file is read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `-i/--config-id`: selects `@ID` conditional lines (without it they are all dropped, as in 1.3.5).
    pub config_id: Option<String>,
}

/// The main configuration file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// No such file (keepalived: "Unable to find config file(s) '%s'.").
    #[error("Unable to find config file(s) '{}'.", .0.display())]
    NotFound(PathBuf),
    /// Not a regular, non-executable file.
    #[error("Configuration file '{}' is not a regular non-executable file", .0.display())]
    NotRegular(PathBuf),
    /// Any other read error.
    #[error("Cannot read configuration file '{}': {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// A parsed configuration with its diagnostics and the source text needed to render them.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// What keepalived 1.3.5 would run.
    pub config: Config,
    /// Every error and warning, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Source text of every file read.
    pub sources: Sources,
}

impl Loaded {
    /// Number of errors (`-t` fails if non-zero).
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }
    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
    /// All diagnostics rendered rustc-style (`path:line:col: error: msg`, source line, caret).
    pub fn render_diagnostics(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| diagnostic::render(d, &self.sources))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Read and parse the configuration file at `path` (includes relative to its directory).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let md = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            LoadError::NotFound(path.to_path_buf())
        } else {
            LoadError::Io {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    if !md.is_file() || is_exec(&md) {
        return Err(LoadError::NotRegular(path.to_path_buf()));
    }
    let mut reader = Reader::new(opts.config_id.as_deref());
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    reader
        .push_file(path, canonical)
        .map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(finish(reader))
}

/// Parse `text` as if it were the file `name`; includes are resolved relative to the current directory.
pub fn load_str(name: &str, text: &str, opts: &LoadOptions) -> Loaded {
    let mut reader = Reader::new(opts.config_id.as_deref());
    let canonical = std::fs::canonicalize(name).ok();
    reader.push_text(Arc::from(Path::new(name)), text, Path::new(""), canonical);
    finish(reader)
}

fn finish(reader: Reader<'_>) -> Loaded {
    let (mut config, reader) = parse::parse(reader);
    let mut diagnostics = reader.diags;
    validate::validate(&mut config, &mut diagnostics);
    // File order: stable sort keeps same-position diagnostics in emission order.
    diagnostics.sort_by(|a, b| {
        (a.span.file.as_ref(), a.span.line, a.span.col).cmp(&(
            b.span.file.as_ref(),
            b.span.line,
            b.span.col,
        ))
    });
    Loaded {
        config,
        diagnostics,
        sources: reader.sources,
    }
}

#[cfg(unix)]
fn is_exec(md: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_exec(_md: &std::fs::Metadata) -> bool {
    false
}
