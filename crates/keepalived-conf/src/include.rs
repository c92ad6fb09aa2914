//! Reading files into token lines: `@ID` conditional lines and `include` expansion (with globs,
//! paths relative to the including file, cycle detection), as keepalived 1.3.5's `read_line` does.

use crate::ast::Span;
use crate::diagnostic::{Diagnostic, Severity, Sources};
use crate::lexer::{conditional_prefix, lex_line, Token};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A non-empty tokenized line with its origin.
#[derive(Debug, Clone)]
pub struct Line {
    /// The file the line came from.
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: u32,
    /// Tokens (never empty); their byte ranges are relative to `src[base..]`.
    pub tokens: Vec<Token>,
    /// The text of the whole file the line is in (shared, not copied per line).
    src: Arc<str>,
    /// Byte offset in `src` of the lexed part of the line.
    base: usize,
}

impl Line {
    /// Span of token `i` (or of the end of the line when `i` is past the last token).
    pub fn span(&self, i: usize) -> Span {
        let col = match self.tokens.get(i) {
            Some(t) => t.col,
            None => self
                .tokens
                .last()
                .map(|t| {
                    t.col + self.token_text(t).chars().count() as u32 + u32::from(t.quoted) * 2
                })
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
        self.tokens.get(i).map(|t| self.token_text(t))
    }
    /// Text of token `i` (quotes removed); empty past the last token.
    pub fn text(&self, i: usize) -> &str {
        self.word(i).unwrap_or_default()
    }
    /// Text of one of this line's tokens.
    pub fn token_text(&self, t: &Token) -> &str {
        t.text(self.src.get(self.base..).unwrap_or_default())
    }
}

/// One file being read.
struct Frame {
    name: Arc<Path>,
    text: Arc<str>,
    /// Byte offset of the next line; past the end when the file is done.
    pos: usize,
    line: u32,
    dir: PathBuf,
    canonical: Option<PathBuf>,
    /// Glob matches of the include line being expanded, still to read (in order).
    pending: VecDeque<(PathBuf, Span)>,
}

/// Streams the token lines of the main file and everything it includes, in reading order.
/// Lines are produced one at a time (never all held in memory).
pub struct Reader<'a> {
    /// `-i` value for `@ID` lines.
    pub config_id: Option<&'a str>,
    /// Diagnostics found while reading (the parser appends its own).
    pub diags: Vec<Diagnostic>,
    /// Text of every file read.
    pub sources: Sources,
    /// Upper bound of `vrrp_instance` blocks in the main file, to size tables up front (a 16k
    /// instance file otherwise spends much of its time regrowing them).
    pub instance_hint: usize,
    stack: Vec<Frame>,
}

impl<'a> Reader<'a> {
    /// A reader for the given `-i` config id.
    pub fn new(config_id: Option<&'a str>) -> Self {
        Reader {
            config_id,
            diags: Vec::new(),
            sources: Sources::default(),
            instance_hint: 0,
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

    /// Start reading `text` as file `name`; includes are resolved relative to `base_dir`.
    pub fn push_text(
        &mut self,
        name: Arc<Path>,
        text: &str,
        base_dir: &Path,
        canonical: Option<PathBuf>,
    ) {
        if self.stack.is_empty() {
            self.instance_hint = text.matches("vrrp_instance").count();
        }
        let text: Arc<str> = Arc::from(text);
        self.sources.insert(name.clone(), text.clone());
        self.stack.push(Frame {
            name,
            text,
            pos: 0,
            line: 0,
            dir: base_dir.to_path_buf(),
            canonical,
            pending: VecDeque::new(),
        });
    }

    /// Start reading a file from disk (the main file or an include).
    pub fn push_file(&mut self, path: &Path, canonical: PathBuf) -> std::io::Result<()> {
        let bytes = std::fs::read(path)?;
        // Fast path for valid UTF-8; 1.3.5 reads bytes, so invalid sequences only ever sit in
        // comments or values and are replaced rather than rejected.
        let text = match std::str::from_utf8(&bytes) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => String::from_utf8_lossy(&bytes),
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.push_text(Arc::from(path), &text, &dir, Some(canonical));
        Ok(())
    }

    /// The next non-empty token line, expanding includes and `@ID` lines.
    pub fn next_line(&mut self) -> Option<Line> {
        loop {
            let frame = self.stack.last_mut()?;
            if let Some((path, span)) = frame.pending.pop_front() {
                self.open_include(&path, span);
                continue;
            }
            if frame.pos > frame.text.len() {
                self.stack.pop();
                continue;
            }
            let text = frame.text.clone();
            let rest = &text[frame.pos..];
            // A byte scan: lines are short, where `str::find(char)`'s searcher set-up dominated.
            let len = rest.bytes().position(|b| b == b'\n').unwrap_or(rest.len());
            let raw = &rest[..len];
            frame.pos += len + 1;
            frame.line = frame.line.saturating_add(1);
            let (name, lineno) = (frame.name.clone(), frame.line);
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
            // `body` is a slice of `text`: its offset there locates the tokens in the shared text.
            let base = body.as_ptr() as usize - text.as_ptr() as usize;
            let line = Line {
                file: name,
                line: lineno,
                tokens: lexed.tokens,
                src: text.clone(),
                base,
            };
            if line.tokens.len() == 2 && line.text(0) == "include" && !line.tokens[0].quoted {
                let dir = self.stack.last().map(|f| f.dir.clone()).unwrap_or_default();
                self.include(&line, &dir);
                continue;
            }
            return Some(line);
        }
    }

    fn include(&mut self, line: &Line, base_dir: &Path) {
        let span = line.span(1);
        let pattern = line.text(1);
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
        if let Some(top) = self.stack.last_mut() {
            top.pending = matches.into_iter().map(|m| (m, span.clone())).collect();
        }
    }

    fn open_include(&mut self, m: &Path, span: Span) {
        let canonical = std::fs::canonicalize(m).unwrap_or_else(|_| m.to_path_buf());
        if self
            .stack
            .iter()
            .any(|f| f.canonical.as_ref() == Some(&canonical))
        {
            let chain = self
                .stack
                .iter()
                .map(|f| format!("'{}'", f.name.display()))
                .collect::<Vec<_>>()
                .join(" -> ");
            self.err(
                span,
                format!(
                    "include cycle: '{}' is already being read ({chain})",
                    m.display()
                ),
            );
            return;
        }
        match std::fs::metadata(m) {
            Ok(md) if md.is_file() && !is_executable(&md) => {}
            Ok(_) => {
                self.err(
                    span,
                    format!(
                        "configuration file '{}' is not a regular non-executable file - skipping",
                        m.display()
                    ),
                );
                return;
            }
            Err(e) => {
                self.err(span, format!("include: cannot read '{}': {e}", m.display()));
                return;
            }
        }
        if let Err(e) = self.push_file(m, canonical) {
            self.err(span, format!("include: cannot read '{}': {e}", m.display()));
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
