//! Value readers shared by the block parsers: numbers, booleans, addresses, VIP lines.

use super::P;
use crate::ast::{Span, VirtualAddress, Words};
use crate::include::Line;
use std::net::IpAddr;

/// The line as words (routes, rules).
pub(crate) fn words(l: &Line) -> Words {
    Words {
        words: l
            .tokens
            .iter()
            .map(|t| l.token_text(t).to_string())
            .collect(),
        span: l.span(0),
    }
}

impl<'a> P<'a> {
    /// Integer argument `i` within `min..=max`; an out-of-range or non-numeric word is an
    /// error and the item is ignored (`None`).
    fn ranged<T>(&mut self, l: &Line, i: usize, min: T, max: T) -> Option<T>
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
    {
        let w = self.arg(l, i)?;
        match w.parse::<T>() {
            Ok(v) if min <= v && v <= max => Some(v),
            Ok(v) => {
                self.error(
                    l.span(i),
                    format!("{} {v} is out of range {min}..{max} - ignored", l.text(0)),
                );
                None
            }
            Err(_) => {
                self.error(
                    l.span(i),
                    format!("invalid number '{w}' for {} - ignored", l.text(0)),
                );
                None
            }
        }
    }

    /// Unsigned integer argument `i` within `min..=max`; on error the item is ignored.
    pub(crate) fn uint(&mut self, l: &Line, i: usize, min: u64, max: u64) -> Option<u64> {
        self.ranged(l, i, min, max)
    }

    /// Unsigned 32-bit argument (any value).
    pub(crate) fn u32v(&mut self, l: &Line, i: usize) -> Option<u32> {
        self.uint(l, i, 0, u64::from(u32::MAX)).map(|v| v as u32)
    }

    /// Signed integer argument within `min..=max`.
    pub(crate) fn int(&mut self, l: &Line, i: usize, min: i64, max: i64) -> Option<i32> {
        self.ranged(l, i, min, max)
            .and_then(|v| i32::try_from(v).ok())
    }

    /// Non-negative decimal seconds (fractional allowed), at most `max`.
    pub(crate) fn secs(&mut self, l: &Line, i: usize, max: f64) -> Option<f64> {
        let w = self.arg(l, i)?;
        match w.parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=max).contains(&v) => Some(v),
            _ => {
                self.error(
                    l.span(i),
                    format!(
                        "invalid value '{w}' for {} (expected seconds 0..{max}) - ignored",
                        l.text(0)
                    ),
                );
                None
            }
        }
    }

    /// Optional boolean argument (`on|off|true|false|yes|no`); a bare keyword means true.
    pub(crate) fn boolean(&mut self, l: &Line) -> Option<bool> {
        match l.tokens.get(1).map(|t| l.token_text(t)) {
            None => Some(true),
            Some("on" | "true" | "yes") => Some(true),
            Some("off" | "false" | "no") => Some(false),
            Some(w) => {
                self.error(
                    l.span(1),
                    format!(
                        "invalid value '{w}' for {} (expected on/off, true/false or yes/no) - ignored",
                        l.text(0)
                    ),
                );
                None
            }
        }
    }

    /// An IP address argument.
    pub(crate) fn ip(&mut self, l: &Line, i: usize) -> Option<IpAddr> {
        let w = self.arg(l, i)?;
        self.parse_ip(w, l.span(i))
    }

    /// Parse an IP address, reporting an error at `span`.
    pub(crate) fn parse_ip(&mut self, w: &str, span: Span) -> Option<IpAddr> {
        match w.parse::<IpAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.error(span, format!("invalid IP address '{w}' - ignored"));
                None
            }
        }
    }

    /// `ADDR[/PREFIX] [dev IF] [brd ADDR|broadcast ADDR] [scope S] [label L]`; `None` = skipped.
    pub(crate) fn vip_line(&mut self, l: &Line) -> Option<VirtualAddress> {
        let first = l.text(0);
        let (a, p) = match first.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (first, None),
        };
        let addr = self.parse_ip(a, l.span(0))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix_len = match p {
            None => None,
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n <= max => Some(n),
                _ => {
                    self.error(
                        l.span(0),
                        format!("invalid prefix length '/{p}' in '{first}' (0..{max}) - address ignored"),
                    );
                    return None;
                }
            },
        };
        let mut v = VirtualAddress {
            addr,
            prefix_len,
            dev: None,
            brd: None,
            scope: None,
            label: None,
            span: l.span(0),
        };
        let mut i = 1;
        while i < l.tokens.len() {
            let opt = l.text(i);
            let val = l.tokens.get(i + 1).map(|t| l.token_text(t).to_string());
            match (opt, val) {
                ("dev", Some(d)) => v.dev = Some(d),
                ("brd" | "broadcast", Some(b)) => {
                    v.brd = self.parse_ip(&b, l.span(i + 1));
                }
                ("scope", Some(s)) => {
                    if is_scope(&s) {
                        v.scope = Some(s);
                    } else {
                        self.error(l.span(i + 1), format!("invalid scope '{s}' - ignored"));
                    }
                }
                ("label", Some(s)) => v.label = Some(s),
                ("dev" | "brd" | "broadcast" | "scope" | "label", None) => {
                    self.error(l.span(i + 1), format!("missing value after '{opt}'"));
                }
                _ => {
                    self.warn(
                        l.span(i),
                        format!("unknown configuration entry '{opt}' for ip address - ignoring"),
                    );
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        Some(v)
    }
}

fn is_scope(s: &str) -> bool {
    matches!(
        s,
        "global" | "host" | "link" | "site" | "nowhere" | "universe"
    ) || s.parse::<u8>().is_ok()
}
