//! The one check the `parse` fuzz target and the `fuzz_corpus` test both run on an input, so the
//! two cannot drift: both compile this very file (the fuzz target with `#[path]`).
//!
//! Input format: the bytes up to the first NUL are the main configuration file; each further
//! NUL-separated part (at most [`MAX_INCLUDES`]) is a file named `1`, `2`, … beside it, so
//! `include 1` or `include *` reads it. Inputs with such parts that mention `include` are loaded
//! from a scratch directory with [`keepalived_conf::load`]; the others go through the in-memory
//! [`keepalived_conf::load_str`] (same parser, no file system work, which keeps the fuzzer fast).
//!
//! Checked for every input:
//! * reading, parsing, validating, rendering the AST and rendering the diagnostics never panic;
//! * every diagnostic points into a file that was read, at a line that exists, at a column
//!   between 1 and one past the line's last character;
//! * a configuration with neither errors nor warnings renders to text that reparses to the same
//!   AST.

use std::cell::RefCell;
use std::fs;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use keepalived_conf::{load, load_str, LoadOptions, Loaded, SpanInsensitive};

/// Most extra files an input can carry. Includes are followed as keepalived follows them:
/// only a file already on the include stack is refused, a file reached twice is read twice, so
/// n files that each `include *` are read about n! times. Three keep every input fast.
pub const MAX_INCLUDES: usize = 3;

/// Runs every check on one input; panics (with the offending detail) if one fails.
pub fn check(data: &[u8]) {
    let opts = LoadOptions {
        config_id: Some("fuzz".into()),
    };
    let mut parts = data.splitn(MAX_INCLUDES + 1, |&b| b == 0);
    let main = parts.next().unwrap_or_default();
    let loaded = if data.contains(&0) && contains(data, b"include") {
        SCRATCH.with(|s| s.load(main, parts, &opts))
    } else {
        // In memory, an include would be resolved against the current directory: defused.
        let text = defuse(main, |_| true);
        load_str("fuzz.conf", &String::from_utf8_lossy(&text), &opts)
    };
    check_positions(&loaded);
    let _ = loaded.render_diagnostics();
    let rendered = loaded.config.render();
    // The reparse is in memory: an `include` line in the rendering would be resolved against the
    // current directory, so such (rare) renderings are not reparsed.
    if loaded.error_count() == 0
        && loaded.warning_count() == 0
        && !contains(rendered.as_bytes(), b"include")
    {
        let again = load_str("rendered.conf", &rendered, &opts);
        assert_eq!(
            again.config.without_spans(),
            loaded.config.clone().without_spans(),
            "rendering does not reparse to the same AST:\n{rendered}"
        );
    }
}

fn check_positions(loaded: &Loaded) {
    for d in &loaded.diagnostics {
        let span = &d.span;
        let Some(line) = loaded.sources.line(&span.file, span.line) else {
            panic!(
                "diagnostic points outside the files read: {}:{}:{}: {}",
                span.file.display(),
                span.line,
                span.col,
                d.message
            );
        };
        let width = line.chars().count() as u32;
        assert!(
            span.col >= 1 && span.col <= width + 1,
            "diagnostic column {} outside 1..={} of line {} {line:?}: {}",
            span.col,
            width + 1,
            span.line,
            d.message
        );
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Replaces every `include` on the lines `unsafe_line` picks with `xnclude`, leaving every other
/// byte as the fuzzer wrote it.
fn defuse(file: &[u8], unsafe_line: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(file.len());
    for (i, line) in file.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let start = out.len();
        out.extend_from_slice(line);
        if unsafe_line(line) {
            let mut at = start;
            while let Some(pos) = out[at..].windows(7).position(|w| w == b"include") {
                out[at + pos] = b'x';
                at += pos + 7;
            }
        }
    }
    out
}

thread_local! {
    static SCRATCH: Scratch = Scratch::new();
}

/// A per-thread scratch directory holding the current input's files; removed when the thread
/// ends (test threads do; the fuzzer's main thread leaves one small directory in the temp dir).
struct Scratch {
    dir: PathBuf,
    /// What each file holds now: `keepalived.conf`, then `1`, `2`, … (only changed files are
    /// rewritten: mutations mostly touch one of them).
    files: RefCell<Vec<Vec<u8>>>,
}

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "keepalived-conf-fuzz-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("create the fuzz scratch directory");
        Scratch {
            dir,
            files: RefCell::new(Vec::new()),
        }
    }

    fn path(&self, i: usize) -> PathBuf {
        match i {
            0 => self.dir.join("keepalived.conf"),
            i => self.dir.join(i.to_string()),
        }
    }

    fn load<'a>(
        &self,
        main: &'a [u8],
        includes: impl Iterator<Item = &'a [u8]>,
        opts: &LoadOptions,
    ) -> Loaded {
        let mut files = self.files.borrow_mut();
        let mut n = 0;
        for (i, part) in std::iter::once(main).chain(includes).enumerate() {
            let text = defuse_paths(part);
            if files.get(i) != Some(&text) {
                fs::write(self.path(i), &text).expect("write a fuzz scratch file");
                match files.get_mut(i) {
                    Some(old) => *old = text,
                    None => files.push(text),
                }
            }
            n = i + 1;
        }
        // Files of a previous, longer input must not be seen by this one.
        for stale in n..files.len() {
            let _ = fs::remove_file(self.path(stale));
        }
        files.truncate(n);
        load(&self.path(0), opts).expect("the scratch main file is readable")
    }
}

/// In the scratch directory, a line with a path separator could reach other files
/// (`include /etc/*`, `include ../x`); patterns without one (`include *`, `include 1`,
/// `include **`) only ever match the scratch directory's files.
fn defuse_paths(file: &[u8]) -> Vec<u8> {
    defuse(file, |line| line.iter().any(|&b| b == b'/' || b == b'\\'))
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
