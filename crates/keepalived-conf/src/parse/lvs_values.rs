//! Value readers of the checker side: server addresses and ports, counts and whole seconds
//! (1.3.5 reads them with `inet_stosockaddr`, `atoi` and `strtoul`).

use super::P;
use crate::include::Line;
use std::net::IpAddr;
use std::time::Duration;

impl<'a> P<'a> {
    /// A server address (`IP`, 1.3.5 also drops a `/…` or `-…` suffix), reported if invalid.
    pub(crate) fn server_addr(&mut self, l: &Line, i: usize, what: &str) -> Option<IpAddr> {
        let w = self.arg(l, i)?;
        let cut = w.find(['-', '/']).unwrap_or(w.len());
        let (a, rest) = w.split_at(cut);
        match a.parse::<IpAddr>() {
            Ok(addr) => {
                if rest.starts_with('/') {
                    self.warn(
                        l.span(i),
                        format!("keepalived 1.3.5 ignores the '{rest}' of {what} address '{w}'"),
                    );
                } else if !rest.is_empty() && what != "virtual_server_group entry" {
                    self.warn(
                        l.span(i),
                        format!(
                            "keepalived 1.3.5 ignores the range '{rest}' of {what} address '{w}'"
                        ),
                    );
                }
                Some(addr)
            }
            Err(_) => {
                self.error(
                    l.span(i),
                    format!("invalid {what} address '{w}' - {what} skipped"),
                );
                None
            }
        }
    }

    /// A port 0..65535, reported if invalid. A missing port is 0, as in 1.3.5 (which reads
    /// the `{` or nothing as 0): the documented `real_server IP {` of fwmark services.
    pub(crate) fn port(&mut self, l: &Line, i: usize, what: &str) -> Option<u16> {
        let w = match l.tokens.get(i) {
            Some(t) if !t.is_open() && !t.is_close() => l.token_text(t),
            _ => return Some(0),
        };
        match w.parse::<u16>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.error(
                    l.span(i),
                    format!("invalid {what} port '{w}' (0..65535) - {what} skipped"),
                );
                None
            }
        }
    }

    /// A count 0..4294967295 (1.3.5 `strtoul`).
    pub(crate) fn count(&mut self, l: &Line, i: usize) -> Option<u32> {
        self.u32v(l, i)
    }

    /// Whole seconds up to `max` (1.3.5 `strtoul(…) * TIMER_HZ`): a fraction is cut off as 1.3.5
    /// does, and reported.
    pub(crate) fn whole_secs(&mut self, l: &Line, i: usize, max: u64) -> Option<Duration> {
        let w = self.arg(l, i)?;
        let (int, frac) = match w.split_once('.') {
            Some((a, b)) if !a.is_empty() && b.chars().all(|c| c.is_ascii_digit()) => (a, true),
            _ => (w, false),
        };
        match int.parse::<u64>() {
            Ok(v) if v <= max => {
                if frac {
                    self.error(
                        l.span(i),
                        format!(
                            "keepalived 1.3.5 reads whole seconds for {}: '{w}' is read as {v}",
                            l.text(0)
                        ),
                    );
                }
                Some(Duration::from_secs(v))
            }
            _ => {
                self.error(
                    l.span(i),
                    format!(
                        "invalid value '{w}' for {} (whole seconds 0..{max}) - ignored",
                        l.text(0)
                    ),
                );
                None
            }
        }
    }
}
