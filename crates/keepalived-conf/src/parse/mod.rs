//! Block structure of keepalived.conf as 1.3.5's `process_stream` walks it, and the root level.
//!
//! A block opened by a known keyword ends at the next line whose *first* token is `}`. Unknown
//! keywords are reported and their `{ … }` is NOT skipped (1.3.5 behaviour: its inner lines are
//! read at the current level and its `}` closes the enclosing block). Known-but-unsupported blocks
//! are skipped by counting braces and kept generically.

mod checkers;
mod global;
mod instance;
mod lvs;
mod lvs_global;
mod lvs_values;
mod other;
pub(crate) mod values;
mod vsg;

use crate::ast::{Config, GenericBlock, Span};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fxhash::FxHashSet as HashSet;
use crate::include::{Line, Reader};
use crate::keywords::{lookup, Block, Effect, KEYWORDS};

/// Parser state: a cursor over the token lines plus the diagnostics sink.
pub(crate) struct P<'a> {
    reader: Reader<'a>,
    peeked: Option<Line>,
    pub(crate) cfg: Config,
    /// Names already defined, per kind (instance/script/group), for O(1) duplicate checks.
    pub(crate) names: [HashSet<String>; 3],
    /// Keywords (indices into [`KEYWORDS`]) whose "not applied" warning was given already.
    warned: HashSet<usize>,
    /// Reasons of [`crate::keywords::Effect::Pending`] keywords already warned (one per reason).
    warned_pending: HashSet<&'static str>,
}

/// Parse all lines into a [`Config`].
pub(crate) fn parse(reader: Reader<'_>) -> (Config, Reader<'_>) {
    let mut p = P {
        reader,
        peeked: None,
        cfg: Config::default(),
        names: Default::default(),
        warned: Default::default(),
        warned_pending: Default::default(),
    };
    let hint = p.reader.instance_hint;
    p.cfg.instances.reserve(hint);
    p.names[0].reserve(hint);
    while let Some(line) = p.next_line() {
        let first = &line.tokens[0];
        if first.is_close() {
            p.error(
                line.span(0),
                "unexpected '}' at top level (no block is open)".into(),
            );
            continue;
        }
        if first.is_open() {
            p.warn(line.span(0), "unexpected '{' - ignoring".into());
            continue;
        }
        root_keyword(&mut p, &line);
    }
    (p.cfg, p.reader)
}

fn root_keyword<'a>(p: &mut P<'a>, line: &Line) {
    if !p.known(Block::Root, line) {
        return;
    }
    match line.text(0) {
        "global_defs" => global::global_defs(p, line),
        "vrrp_instance" => instance::vrrp_instance(p, line),
        "vrrp_script" => other::vrrp_script(p, line),
        "vrrp_sync_group" => other::vrrp_sync_group(p, line),
        "garp_group" => other::garp_group(p, line),
        "static_ipaddress" => {
            let mut v = std::mem::take(&mut p.cfg.static_ipaddress);
            p.list_block(line, |p, l| {
                if let Some(a) = p.vip_line(l) {
                    v.push(a);
                }
            });
            p.cfg.static_ipaddress = v;
        }
        "static_routes" => {
            let mut v = std::mem::take(&mut p.cfg.static_routes);
            p.list_block(line, |_, l| v.push(values::words(l)));
            p.cfg.static_routes = v;
        }
        "static_rules" => {
            let mut v = std::mem::take(&mut p.cfg.static_rules);
            p.list_block(line, |_, l| v.push(values::words(l)));
            p.cfg.static_rules = v;
        }
        // The first definition wins, as in 1.3.5.
        "net_namespace" => {
            if let Some(t) = p.arg(line, 1) {
                if p.cfg.net_namespace.is_some() {
                    p.warn(
                        line.span(1),
                        format!("Duplicate net_namespace definition {t} - ignoring"),
                    );
                } else {
                    p.cfg.net_namespace = Some(t.to_string());
                }
            }
        }
        "instance" => {
            if let Some(t) = p.arg(line, 1) {
                if p.cfg.instance.is_some() {
                    p.warn(
                        line.span(1),
                        format!("Duplicate instance definition {t} - ignoring"),
                    );
                } else {
                    p.cfg.instance = Some(t.to_string());
                }
            }
        }
        "use_pid_dir" => p.cfg.use_pid_dir = true,
        "linkbeat_use_polling" => p.cfg.linkbeat_use_polling = true,
        "namespace_with_ipsets" => p.cfg.namespace_with_ipsets = true,
        "virtual_server" => lvs::virtual_server(p, line),
        "virtual_server_group" => vsg::virtual_server_group(p, line),
        "SSL" => lvs::ssl(p, line),
        // 2.x blocks: kept generically (warned by `known`).
        _ => {
            let g = p.generic(line);
            p.cfg.unsupported.push(g);
        }
    }
}

impl<'a> P<'a> {
    /// The next line, advancing the cursor.
    pub(crate) fn next_line(&mut self) -> Option<Line> {
        self.peeked.take().or_else(|| self.reader.next_line())
    }

    fn peek_line(&mut self) -> Option<&Line> {
        if self.peeked.is_none() {
            self.peeked = self.reader.next_line();
        }
        self.peeked.as_ref()
    }

    /// Drop the peeked line (it was consumed).
    fn consume_peeked(&mut self) {
        self.peeked = None;
    }

    /// Record an error.
    pub(crate) fn error(&mut self, span: Span, message: String) {
        self.reader.diags.push(Diagnostic {
            severity: Severity::Error,
            message,
            span,
        });
    }

    /// Record a warning.
    pub(crate) fn warn(&mut self, span: Span, message: String) {
        self.reader.diags.push(Diagnostic {
            severity: Severity::Warning,
            message,
            span,
        });
    }

    /// Token `i` of `line` as an argument, or a "missing parameter" error (fatal in 1.3.5).
    pub(crate) fn arg<'l>(&mut self, line: &'l Line, i: usize) -> Option<&'l str> {
        match line.tokens.get(i) {
            Some(t) if !t.is_open() && !t.is_close() => Some(line.token_text(t)),
            _ => {
                self.error(
                    line.span(i),
                    format!(
                        "missing parameter after keyword '{}' (keepalived 1.3.5 refuses to start)",
                        line.text(0)
                    ),
                );
                None
            }
        }
    }

    /// Report an unknown keyword (1.3.5: "Unknown keyword"); its block, if any, is not skipped.
    pub(crate) fn unknown(&mut self, line: &Line) {
        let kw = line.text(0);
        self.warn(line.span(0), format!("unknown keyword '{kw}' - ignored"));
        if line.tokens.len() > 1 && line.tokens.last().is_some_and(|t| t.is_open()) {
            self.warn(
                line.span(line.tokens.len() - 1),
                "keepalived 1.3.5 does not skip the block of an unknown keyword: its lines are read \
                 as keywords of the enclosing block and its '}' closes the enclosing block"
                    .into(),
            );
        }
    }

    /// Skip the block of a keyword that keepalived knows but this implementation does not run
    /// (already warned by [`P::known`]), keeping it generically.
    pub(crate) fn unsupported(&mut self, line: &Line) {
        let g = self.generic(line);
        self.cfg.unsupported.push(g);
    }

    /// Looks the line's keyword up in the keyword table for `block`: an unknown keyword is
    /// reported (false); a known one not fully applied gets its warning at its first use.
    pub(crate) fn known(&mut self, block: Block, line: &Line) -> bool {
        let name = line.text(0);
        let Some(i) = lookup(block, name) else {
            self.unknown(line);
            return false;
        };
        if let Some(msg) = KEYWORDS[i].effect.warning(name) {
            let first = match KEYWORDS[i].effect {
                Effect::Pending(why) => self.warned_pending.insert(why),
                _ => self.warned.insert(i),
            };
            if first {
                self.warn(line.span(0), msg);
            }
        }
        true
    }

    /// Handle the `{` of a block keyword whose own arguments take `nargs` tokens after the keyword.
    /// Returns the span of the `{` (or of the keyword when it is missing).
    fn open_brace(&mut self, line: &Line, nargs: usize) -> Span {
        let at = 1 + nargs;
        match line.tokens.get(at) {
            Some(t) if t.is_open() => {
                if line.tokens.len() > at + 1 {
                    self.error(
                        line.span(at + 1),
                        "text after '{' is ignored by keepalived 1.3.5; put it on its own line"
                            .into(),
                    );
                }
                return line.span(at);
            }
            Some(_) => {
                self.warn(
                    line.span(at),
                    format!("extra text after '{}' - ignored", line.text(0)),
                );
                if let Some(i) = line.tokens.iter().position(|t| t.is_open()) {
                    return line.span(i);
                }
            }
            None => {}
        }
        if let Some(next) = self.peek_line() {
            if next.tokens.len() == 1 && next.tokens[0].is_open() {
                let span = next.span(0);
                self.consume_peeked();
                return span;
            }
        }
        self.warn(
            line.span(line.tokens.len()),
            format!("'{{' missing at beginning of block {}", line.text(0)),
        );
        line.span(0)
    }

    /// Parse a keyword block: `{` then lines handled by `f` until a line starting with `}`.
    pub(crate) fn block<T>(
        &mut self,
        line: &Line,
        nargs: usize,
        node: &mut T,
        f: fn(&mut P<'a>, &Line, &mut T),
    ) {
        let open = self.open_brace(line, nargs);
        loop {
            let Some(l) = self.next_line() else {
                self.error(
                    open,
                    format!(
                        "block '{}' is not closed: missing '}}' at end of file",
                        line.text(0)
                    ),
                );
                return;
            };
            let first = &l.tokens[0];
            if first.is_close() {
                if l.tokens.len() > 1 {
                    self.warn(l.span(1), "extra characters after '}' - ignored".into());
                }
                return;
            }
            if first.is_open() {
                self.warn(l.span(0), "unexpected '{' - ignoring".into());
                continue;
            }
            f(self, &l, node);
        }
    }

    /// 1.3.5 `alloc_value_block`: every following line up to one starting with `}` is an item.
    /// Items written on the keyword line after `{` are ignored by 1.3.5 (reported as an error).
    pub(crate) fn list_block(&mut self, line: &Line, mut f: impl FnMut(&mut P<'a>, &Line)) {
        let open_idx = line.tokens.iter().position(|t| t.is_open());
        let open = match open_idx {
            Some(i) => {
                if line.tokens.len() > i + 1 {
                    self.error(
                        line.span(i + 1),
                        format!(
                            "keepalived 1.3.5 ignores items on the '{}' line after '{{' and reads the \
                             following lines up to a line starting with '}}' as items; put each item \
                             on its own line",
                            line.text(0)
                        ),
                    );
                }
                line.span(i)
            }
            None => line.span(0),
        };
        let mut first_line = true;
        loop {
            let Some(l) = self.next_line() else {
                self.error(
                    open,
                    format!(
                        "block '{}' is not closed: missing '}}' at end of file",
                        line.text(0)
                    ),
                );
                return;
            };
            if l.tokens[0].is_close() {
                if l.tokens.len() > 1 {
                    self.warn(l.span(1), "extra characters after '}' - ignored".into());
                }
                return;
            }
            if first_line && open_idx.is_none() && l.tokens.len() == 1 && l.tokens[0].is_open() {
                first_line = false;
                continue;
            }
            first_line = false;
            f(self, &l);
        }
    }

    /// 1.3.5 `read_value_block`: words after `{` (same line or following lines) up to `}`.
    pub(crate) fn value_block(&mut self, line: &Line) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        let mut need_open = true;
        let mut first = Some((line, 1usize));
        loop {
            let owned;
            let (l, mut i): (&Line, usize) = match first.take() {
                Some((l, i)) if l.tokens.len() > 1 => (l, i),
                _ => match self.next_line() {
                    Some(n) => {
                        owned = n;
                        (&owned, 0)
                    }
                    None => {
                        self.error(
                            line.span(0),
                            format!(
                                "block '{}' is not closed: missing '}}' at end of file",
                                line.text(0)
                            ),
                        );
                        return out;
                    }
                },
            };
            if need_open {
                if l.tokens[i].is_open() {
                    i += 1;
                } else {
                    self.warn(
                        l.span(i),
                        format!("'{{' missing at beginning of block {}", line.text(0)),
                    );
                }
                need_open = false;
            }
            while i < l.tokens.len() {
                if l.tokens[i].is_close() {
                    if i + 1 != l.tokens.len() {
                        self.warn(l.span(i + 1), "extra characters after '}' - ignored".into());
                    }
                    return out;
                }
                out.push((l.text(i).to_string(), l.span(i)));
                i += 1;
            }
        }
    }

    /// Skip a block generically (counting braces like 1.3.5's `skip_block`) and keep its lines.
    pub(crate) fn generic(&mut self, line: &Line) -> GenericBlock {
        let opens = line.tokens.last().is_some_and(|t| t.is_open());
        let mut head = generic_line(line);
        if !opens {
            // A block may open on the next line.
            match self.peek_line() {
                Some(n) if n.tokens.len() == 1 && n.tokens[0].is_open() => self.consume_peeked(),
                _ => return head,
            }
        }
        let open_span = line.span(line.tokens.len().saturating_sub(1));
        let mut stack: Vec<(GenericBlock, Span)> = vec![(head.clone(), open_span)];
        head.block = Some(Vec::new());
        stack[0].0.block = Some(Vec::new());
        loop {
            let Some(l) = self.next_line() else {
                // Report the outermost unclosed block: EOF landed inside it.
                let span = stack[0].1.clone();
                self.error(
                    span,
                    format!(
                        "block '{}' is not closed: missing '}}' at end of file",
                        line.text(0)
                    ),
                );
                while stack.len() > 1 {
                    close_generic(&mut stack);
                }
                return stack.pop().map(|(g, _)| g).unwrap_or(head);
            };
            if l.tokens[0].is_close() {
                if stack.len() == 1 {
                    return stack.pop().map(|(g, _)| g).unwrap_or(head);
                }
                close_generic(&mut stack);
                continue;
            }
            let mut g = generic_line(&l);
            if l.tokens.last().is_some_and(|t| t.is_open()) {
                g.block = Some(Vec::new());
                stack.push((g, l.span(l.tokens.len() - 1)));
            } else if let Some((top, _)) = stack.last_mut() {
                if let Some(b) = top.block.as_mut() {
                    b.push(g);
                }
            }
        }
    }
}

fn close_generic(stack: &mut Vec<(GenericBlock, Span)>) {
    if let Some((done, _)) = stack.pop() {
        if let Some((top, _)) = stack.last_mut() {
            if let Some(b) = top.block.as_mut() {
                b.push(done);
            }
        }
    }
}

fn generic_line(l: &Line) -> GenericBlock {
    GenericBlock {
        words: l
            .tokens
            .iter()
            .filter(|t| !t.is_open() && !t.is_close())
            .map(|t| l.token_text(t).to_string())
            .collect(),
        block: None,
        span: l.span(0),
    }
}
