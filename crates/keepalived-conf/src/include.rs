//! Reading files into token lines: `@ID` conditional lines and `include` expansion (with globs,
//! paths relative to the including file, cycle detection), as keepalived 1.3.5's `read_line` does.

use crate::ast::Span;
use crate::diagnostic::{Diagnostic, Severity, Sources};
use crate::lexer::{conditional_prefix, lex_line, Token};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A non-empty tokenized line with its origin.
#[derive(Debug, Clone)]
pub struct Line {
    /// The file the line came from.
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: u32,
    /// Tokens (never empty).
    pub tokens: Vec<Token>,
}

impl Line {
    /// Span of token `i` (or of the end of the line when `i` is past the last token).
    pub fn span(&self, i: usize) -> Span {
        let col = match self.tokens.get(i) {
            Some(t) => t.col,
            None => self
                .tokens
                .last()
                .map(|t| t.col + t.text.chars().count() as u32 + if t.quoted { 2 } else { 0 })
                .unwrap_or(1),
        };
        Span {
            file: self.file.clone(),
            line: self.line,
            col,
        }
    }
    /// Text of token `i`, if present.
    pub fn word(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).map(|t| t.text.as_str())
    }
}

/// State shared while reading the main file and everything it includes.
pub struct Reader<'a> {
    /// `-i` value for `@ID` lines.
    pub config_id: Option<&'a str>,
    /// Lines in reading order.
    pub lines: Vec<Line>,
    /// Diagnostics found while reading.
    pub diags: Vec<Diagnostic>,
    /// Text of every file read.
    pub sources: Sources,
    /// Canonical paths of the files being read (include stack) for cycle detection.
    stack: Vec<PathBuf>,
}

impl<'a> Reader<'a> {
    /// A reader for the given `-i` config id.
    pub fn new(config_id: Option<&'a str>) -> Self {
        Reader {
            config_id,
            lines: Vec::new(),
            diags: Vec::new(),
            sources: Sources::default(),
            stack: Vec::new(),
        }
    }

    fn err(&mut self, span: Span, message: String) {
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            message,
            span,
        });
    }

    /// Read `text` as file `name`; includes are resolved relative to `base_dir`.
    pub fn read_text(&mut self, name: Arc<Path>, text: &str, base_dir: &Path) {
        self.sources.insert(name.clone(), Arc::from(text));
        for (idx, raw) in text.split('\n').enumerate() {
            let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let (body, col_base) = match conditional_prefix(raw) {
                Some((id, rest, col)) => {
                    if self.config_id == Some(id) {
                        (rest, col)
                    } else {
                        continue;
                    }
                }
                None => (raw, 1),
            };
            let lexed = lex_line(body, col_base);
            if let Some(col) = lexed.unmatched_quote {
                self.err(
                    Span {
                        file: name.clone(),
                        line: lineno,
                        col,
                    },
                    "unmatched quote: the rest of the line is ignored".into(),
                );
            }
            if lexed.tokens.is_empty() {
                continue;
            }
            let line = Line {
                file: name.clone(),
                line: lineno,
                tokens: lexed.tokens,
            };
            if line.tokens.len() == 2 && line.tokens[0].text == "include" && !line.tokens[0].quoted
            {
                self.include(&line, base_dir);
            } else {
                self.lines.push(line);
            }
        }
    }

    /// Read a file from disk (used for the main file and includes).
    pub fn read_file(&mut self, path: &Path, canonical: PathBuf) -> std::io::Result<()> {
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8_lossy(&bytes);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.stack.push(canonical);
        self.read_text(Arc::from(path), &text, &dir);
        self.stack.pop();
        Ok(())
    }

    fn include(&mut self, line: &Line, base_dir: &Path) {
        let span = line.span(1);
        let pattern = &line.tokens[1].text;
        let full = if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            base_dir.join(pattern)
        };
        let full_str = full.to_string_lossy().into_owned();
        let mut matches: Vec<PathBuf> = match glob::glob(&full_str) {
            Ok(paths) => paths.filter_map(Result::ok).collect(),
            Err(e) => {
                self.err(span, format!("include: invalid pattern '{pattern}': {e}"));
                return;
            }
        };
        matches.sort();
        if matches.is_empty() {
            self.err(span, format!("include: no file matches '{full_str}'"));
            return;
        }
        for m in matches {
            let canonical = std::fs::canonicalize(&m).unwrap_or_else(|_| m.clone());
            if self.stack.contains(&canonical) {
                self.err(
                    span.clone(),
                    format!(
                        "include cycle: '{}' is already being read (included from {})",
                        m.display(),
                        self.stack
                            .iter()
                            .map(|p| format!("'{}'", p.display()))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                );
                continue;
            }
            match std::fs::metadata(&m) {
                Ok(md) if md.is_file() && !is_executable(&md) => {}
                Ok(_) => {
                    self.err(
                        span.clone(),
                        format!(
                            "configuration file '{}' is not a regular non-executable file - skipping",
                            m.display()
                        ),
                    );
                    continue;
                }
                Err(e) => {
                    self.err(
                        span.clone(),
                        format!("include: cannot read '{}': {e}", m.display()),
                    );
                    continue;
                }
            }
            if let Err(e) = self.read_file(&m, canonical) {
                self.err(
                    span.clone(),
                    format!("include: cannot read '{}': {e}", m.display()),
                );
            }
        }
    }
}

#[cfg(unix)]
fn is_executable(md: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_md: &std::fs::Metadata) -> bool {
    false
}
