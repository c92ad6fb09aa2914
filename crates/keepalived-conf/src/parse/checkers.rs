//! The health checkers of a `real_server`: HTTP_GET, SSL_GET, TCP_CHECK, SMTP_CHECK, MISC_CHECK
//! and DNS_CHECK, as keepalived 1.3.5's check_*.c read them.

use super::P;
use crate::ast::{
    Checker, ConnectOpts, DnsCheck, DnsType, HttpCheck, MiscCheck, SmtpCheck, SmtpHost, Span,
    TcpCheck, Url, UserGroup,
};
use crate::include::Line;
use crate::keywords::Block;
use std::time::Duration;

/// Largest number of seconds a 1.3.5 timer takes (`unsigned` seconds).
const MAX_SECS: u64 = u32::MAX as u64;

/// Read the checker block opened by `l` (a real_server keyword already looked up); `None` if
/// 1.3.5 could not run it.
pub(crate) fn checker<'a>(p: &mut P<'a>, l: &Line) -> Option<Checker> {
    let span = l.span(0);
    Some(match l.text(0) {
        "HTTP_GET" | "SSL_GET" => {
            let mut c = HttpCheck {
                span,
                ..Default::default()
            };
            p.block(l, 0, &mut c, http_kw);
            bind_port_needs_bindto(p, &c.connect, &c.span);
            if c.urls.is_empty() {
                p.warn(
                    c.span.clone(),
                    format!(
                        "{} has no url block: keepalived 1.3.5 marks the real server up without checking",
                        l.text(0)
                    ),
                );
            }
            if l.text(0) == "HTTP_GET" {
                Checker::HttpGet(c)
            } else {
                Checker::SslGet(c)
            }
        }
        "TCP_CHECK" => {
            let mut c = TcpCheck {
                span,
                ..Default::default()
            };
            p.block(l, 0, &mut c, tcp_kw);
            bind_port_needs_bindto(p, &c.connect, &c.span);
            Checker::Tcp(c)
        }
        "SMTP_CHECK" => {
            let mut c = SmtpCheck {
                span,
                ..Default::default()
            };
            p.block(l, 0, &mut c, smtp_kw);
            if c.hosts.is_empty() {
                bind_port_needs_bindto(p, &c.connect, &c.span);
            }
            for h in &c.hosts {
                bind_port_needs_bindto(p, &h.connect.or(&c.connect), &h.span);
            }
            Checker::Smtp(c)
        }
        "MISC_CHECK" => {
            let mut c = MiscCheck {
                span,
                ..Default::default()
            };
            p.block(l, 0, &mut c, misc_kw);
            if c.misc_path.is_none() {
                p.error(
                    c.span.clone(),
                    "MISC_CHECK without misc_path: there is no script to run - checker skipped"
                        .into(),
                );
                return None;
            }
            Checker::Misc(c)
        }
        "DNS_CHECK" => {
            let mut c = DnsCheck {
                span,
                ..Default::default()
            };
            p.block(l, 0, &mut c, dns_kw);
            bind_port_needs_bindto(p, &c.connect, &c.span);
            Checker::Dns(c)
        }
        _ => return None,
    })
}

/// Give `c` an explicit warmup of `delay_loop` if it has none; true if it changed. 1.3.5 copies
/// the delay_loop read so far into each checker as its warmup, so a later `delay_loop` does not
/// change the warmup of the checkers read before it.
pub(crate) fn pin_warmup(c: &mut Checker, delay_loop: Duration) -> bool {
    let slot = match c {
        Checker::HttpGet(c) | Checker::SslGet(c) => &mut c.warmup,
        Checker::Tcp(c) => &mut c.warmup,
        Checker::Smtp(c) => &mut c.warmup,
        Checker::Misc(c) => &mut c.warmup,
        // DNS_CHECK's warmup is not configurable: it follows the final delay_loop here.
        Checker::Dns(_) => return false,
    };
    if slot.is_none() {
        *slot = Some(delay_loop);
        true
    } else {
        false
    }
}

/// 1.3.5 only binds when `bindto` is set: a `bind_port` alone has no effect (warned; the AST
/// keeps it and [`ConnectOpts::bind`] leaves it out).
fn bind_port_needs_bindto<'a>(p: &mut P<'a>, co: &ConnectOpts, span: &Span) {
    if co.bind_port.is_some() && co.bindto.is_none() {
        p.warn(
            span.clone(),
            "bind_port without bindto has no effect in keepalived 1.3.5".into(),
        );
    }
}

/// The connection keywords shared by the network checkers; false if `l` is not one.
fn connect_kw<'a>(p: &mut P<'a>, l: &Line, co: &mut ConnectOpts) -> bool {
    match l.text(0) {
        "connect_ip" => co.connect_ip = p.ip(l, 1).or(co.connect_ip),
        "bindto" => co.bindto = p.ip(l, 1).or(co.bindto),
        "connect_port" => {
            co.connect_port = p.uint(l, 1, 0, 65535).map(|v| v as u16).or(co.connect_port)
        }
        "bind_port" => co.bind_port = p.uint(l, 1, 0, 65535).map(|v| v as u16).or(co.bind_port),
        "connect_timeout" => {
            if let Some(mut d) = p.whole_secs(l, 1, MAX_SECS) {
                if d.is_zero() {
                    p.warn(
                        l.span(1),
                        "connect_timeout 0 is raised to 1 second (keepalived 1.3.5's minimum)"
                            .into(),
                    );
                    d = Duration::from_secs(1);
                }
                co.connect_timeout = Some(d);
            }
        }
        "fwmark" => co.fwmark = p.count(l, 1).or(co.fwmark),
        _ => return false,
    }
    true
}

fn http_kw<'a>(p: &mut P<'a>, l: &Line, c: &mut HttpCheck) {
    if !p.known(Block::HttpGet, l) || connect_kw(p, l, &mut c.connect) {
        return;
    }
    match l.text(0) {
        "warmup" => c.warmup = p.whole_secs(l, 1, MAX_SECS).or(c.warmup),
        "nb_get_retry" => c.nb_get_retry = p.count(l, 1).or(c.nb_get_retry),
        "delay_before_retry" => {
            c.delay_before_retry = p.whole_secs(l, 1, MAX_SECS).or(c.delay_before_retry)
        }
        "url" => {
            let mut u = Url {
                span: l.span(0),
                ..Default::default()
            };
            p.block(l, 0, &mut u, url_kw);
            if u.path.is_none() {
                p.error(
                    u.span.clone(),
                    "url without path: keepalived 1.3.5 would request \"(null)\"".into(),
                );
            }
            c.urls.push(u);
        }
        _ => {}
    }
}

fn url_kw<'a>(p: &mut P<'a>, l: &Line, u: &mut Url) {
    if !p.known(Block::Url, l) {
        return;
    }
    match l.text(0) {
        "path" => u.path = p.arg(l, 1).map(str::to_string).or(u.path.take()),
        "digest" => {
            if let Some(d) = p.arg(l, 1) {
                if d.len() != 32 || !d.chars().all(|c| c.is_ascii_hexdigit()) {
                    p.warn(
                        l.span(1),
                        format!(
                            "digest '{d}' is not 32 hexadecimal digits (an MD5 sum): it can never match"
                        ),
                    );
                }
                u.digest = Some(d.to_string());
            }
        }
        "status_code" => u.status_code = p.uint(l, 1, 100, 999).map(|v| v as u32).or(u.status_code),
        _ => {}
    }
}

fn tcp_kw<'a>(p: &mut P<'a>, l: &Line, c: &mut TcpCheck) {
    if !p.known(Block::TcpCheck, l) || connect_kw(p, l, &mut c.connect) {
        return;
    }
    match l.text(0) {
        "warmup" => c.warmup = p.whole_secs(l, 1, MAX_SECS).or(c.warmup),
        "retry" => c.retry = p.count(l, 1).or(c.retry),
        "delay_before_retry" => {
            c.delay_before_retry = p.whole_secs(l, 1, MAX_SECS).or(c.delay_before_retry)
        }
        _ => {}
    }
}

fn smtp_kw<'a>(p: &mut P<'a>, l: &Line, c: &mut SmtpCheck) {
    if !p.known(Block::SmtpCheck, l) {
        return;
    }
    // 1.3.5 points its "current connection options" at the newest host block, so connection
    // keywords written after a `host { … }` change that host, not the checker.
    let after_host = !c.hosts.is_empty();
    let co = match c.hosts.last_mut() {
        Some(h) => &mut h.connect,
        None => &mut c.connect,
    };
    if connect_kw(p, l, co) {
        if after_host {
            p.warn(
                l.span(0),
                format!(
                    "keepalived 1.3.5 applies this {} to the host block before it, not to the \
                     checker: put checker-wide settings before the first host block",
                    l.text(0)
                ),
            );
        }
        return;
    }
    match l.text(0) {
        "warmup" => c.warmup = p.whole_secs(l, 1, MAX_SECS).or(c.warmup),
        "helo_name" => c.helo_name = p.arg(l, 1).map(str::to_string).or(c.helo_name.take()),
        "retry" => c.retry = p.count(l, 1).or(c.retry),
        "delay_before_retry" => {
            c.delay_before_retry = p.whole_secs(l, 1, MAX_SECS).or(c.delay_before_retry)
        }
        "host" => {
            let mut h = SmtpHost {
                span: l.span(0),
                ..Default::default()
            };
            p.block(l, 0, &mut h, host_kw);
            c.hosts.push(h);
        }
        _ => {}
    }
}

fn host_kw<'a>(p: &mut P<'a>, l: &Line, h: &mut SmtpHost) {
    if p.known(Block::SmtpHost, l) {
        connect_kw(p, l, &mut h.connect);
    }
}

fn misc_kw<'a>(p: &mut P<'a>, l: &Line, c: &mut MiscCheck) {
    if !p.known(Block::MiscCheck, l) {
        return;
    }
    match l.text(0) {
        // Only the second word is the command (1.3.5 `set_value`): quote commands with arguments.
        "misc_path" => {
            if let Some(cmd) = p.arg(l, 1) {
                if l.tokens.len() > 2 {
                    p.warn(
                        l.span(2),
                        "keepalived 1.3.5 only uses the first word of an unquoted misc_path: quote the command"
                            .into(),
                    );
                }
                c.misc_path = Some(cmd.to_string());
            }
        }
        "misc_timeout" => c.misc_timeout = p.whole_secs(l, 1, MAX_SECS).or(c.misc_timeout),
        "misc_dynamic" => c.misc_dynamic = true,
        "warmup" => c.warmup = p.whole_secs(l, 1, MAX_SECS).or(c.warmup),
        "user" => {
            if let Some(u) = p.arg(l, 1) {
                c.user = Some(UserGroup {
                    user: u.to_string(),
                    group: l.word(2).map(str::to_string),
                });
            }
        }
        _ => {}
    }
}

fn dns_kw<'a>(p: &mut P<'a>, l: &Line, c: &mut DnsCheck) {
    if !p.known(Block::DnsCheck, l) || connect_kw(p, l, &mut c.connect) {
        return;
    }
    match l.text(0) {
        "retry" => c.retry = p.count(l, 1).or(c.retry),
        "name" => c.name = p.arg(l, 1).map(str::to_string).or(c.name.take()),
        "type" => {
            if let Some(t) = p.arg(l, 1) {
                match DnsType::from_name(t) {
                    Some(d) => c.dns_type = Some(d),
                    // 1.3.5 keeps the name and sends query type 0.
                    None => p.error(
                        l.span(1),
                        format!("unknown DNS_CHECK type '{t}' (A, NS, CNAME, SOA, MX, TXT or AAAA) - ignored"),
                    ),
                }
            }
        }
        _ => {}
    }
}
