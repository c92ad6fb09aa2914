//! Diagnostics (errors and warnings with a source position) and their rustc-like rendering.

use crate::ast::Span;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The line is wrong: keepalived 1.3.5 skips/defaults it or refuses to run; `-t` fails.
    Error,
    /// Suspicious or unsupported, but the configuration runs; `-t` still succeeds.
    Warning,
}

/// One message about the configuration, pointing at the offending token.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Human-readable message (no position, no severity prefix).
    pub message: String,
    /// Where the problem is.
    pub span: Span,
}

/// Source text of every file read, so diagnostics can quote their line.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: HashMap<Arc<Path>, Arc<str>>,
}

impl Sources {
    /// Remember the text of `file`.
    pub fn insert(&mut self, file: Arc<Path>, text: Arc<str>) {
        self.files.insert(file, text);
    }

    /// The 1-based `line` of `file`, without its line ending, if known.
    pub fn line(&self, file: &Path, line: u32) -> Option<&str> {
        let text = self.files.get(file)?;
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        text.split('\n')
            .nth(idx)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Render one diagnostic: `path:line:col: error: msg`, the source line, and a caret under the column.
pub fn render(d: &Diagnostic, sources: &Sources) -> String {
    let sev = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut out = format!("{}: {}: {}\n", d.span, sev, d.message);
    if let Some(src) = sources.line(&d.span.file, d.span.line) {
        let lineno = d.span.line.to_string();
        let pad = " ".repeat(lineno.len());
        // Keep tabs so the caret lines up under the token in a terminal.
        let indent: String = src
            .chars()
            .take(d.span.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("{pad} |\n{lineno} | {src}\n{pad} | {indent}^\n"));
    }
    out
}
