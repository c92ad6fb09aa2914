//! The checker (LVS) side: `virtual_server`, `real_server` and root `SSL`, as keepalived 1.3.5's
//! check_parser reads them. The checker blocks are in `checkers.rs`, `virtual_server_group` in
//! `vsg.rs`, the LVS keywords of `global_defs` in `lvs_global.rs`, the value readers in
//! `lvs_values.rs`.
//!
//! Where 1.3.5 skips a value, drops a server or a whole virtual server, the AST does the same
//! and `-t` reports an error at the offending token.

use super::{checkers, instance::notify, P};
use crate::ast::{
    IpFamily, LbAlgo, LbKind, PersistenceGranularity, Protocol, RealServer, SorryServer, SslConfig,
    VirtualServer, VirtualServerKey, DEFAULT_PERSISTENCE_TIMEOUT,
};
use crate::include::Line;
use crate::keywords::Block;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// A virtual server being read, with the address family 1.3.5 has fixed for it so far.
pub(crate) struct VsCtx {
    vs: VirtualServer,
    /// `Some(true)` for IPv6: set by the address, `ip_family`, or the first real/sorry server.
    v6: Option<bool>,
}

/// Number of words between the keyword and its `{` (or `default` when the line has no `{`).
fn args_before_brace(line: &Line, default: usize) -> usize {
    line.tokens
        .iter()
        .position(|t| t.is_open())
        .map_or(default, |i| i.saturating_sub(1))
}

pub(crate) fn virtual_server<'a>(p: &mut P<'a>, line: &Line) {
    let key = vs_key(p, line);
    let v6 = match &key {
        Some(VirtualServerKey::Addr { addr, .. }) => Some(addr.is_ipv6()),
        _ => None,
    };
    let mut ctx = VsCtx {
        vs: VirtualServer::new(
            key.clone().unwrap_or(VirtualServerKey::Fwmark(0)),
            line.span(0),
        ),
        v6,
    };
    // A virtual server 1.3.5 cannot create is still read, for its diagnostics, then dropped.
    p.block(line, args_before_brace(line, 2), &mut ctx, vs_kw);
    if key.is_some() {
        p.cfg.virtual_servers.push(ctx.vs);
    }
}

/// `IP PORT`, `fwmark N` or `group NAME`; `None` (reported) when 1.3.5 could not create it.
fn vs_key<'a>(p: &mut P<'a>, line: &Line) -> Option<VirtualServerKey> {
    let first = p.arg(line, 1)?;
    match first {
        "group" => Some(VirtualServerKey::Group(p.arg(line, 2)?.to_string())),
        "fwmark" => match p.arg(line, 2)?.parse::<u32>() {
            Ok(m) if m > 0 => Some(VirtualServerKey::Fwmark(m)),
            _ => {
                p.error(
                    line.span(2),
                    format!(
                        "invalid firewall mark '{}' (1..4294967295) - virtual server skipped",
                        line.text(2)
                    ),
                );
                None
            }
        },
        _ => {
            let addr = p.server_addr(line, 1, "virtual server")?;
            let port = p.port(line, 2, "virtual server")?;
            Some(VirtualServerKey::Addr { addr, port })
        }
    }
}

fn vs_kw<'a>(p: &mut P<'a>, l: &Line, ctx: &mut VsCtx) {
    if !p.known(Block::VirtualServer, l) {
        return;
    }
    let kw = l.text(0);
    let vs = &mut ctx.vs;
    match kw {
        "ip_family" => {
            let Some(w) = p.arg(l, 1) else { return };
            let v6 = match w {
                "inet" => false,
                "inet6" => true,
                _ => {
                    p.error(
                        l.span(1),
                        format!("unknown address family '{w}' (inet or inet6) - ignored"),
                    );
                    return;
                }
            };
            if ctx.v6.is_some_and(|x| x != v6) {
                p.error(
                    l.span(1),
                    format!("ip_family {w} conflicts with the virtual server's address family - ignored"),
                );
                return;
            }
            ctx.v6 = Some(v6);
            vs.ip_family = Some(if v6 { IpFamily::Inet6 } else { IpFamily::Inet });
        }
        "delay_loop" => {
            let Some(mut d) = p.whole_secs(l, 1, u64::from(u32::MAX)) else {
                return;
            };
            if d.is_zero() {
                p.warn(
                    l.span(1),
                    "delay_loop 0 is raised to 1 second (keepalived 1.3.5's minimum)".into(),
                );
                d = Duration::from_secs(1);
            }
            // 1.3.5 gives a checker the delay_loop read so far as its default warmup: keep
            // that for the checkers already read.
            let before = vs.delay_loop();
            let mut pinned = false;
            if before != d {
                for c in vs
                    .real_servers
                    .iter_mut()
                    .flat_map(|r| r.checkers.iter_mut())
                {
                    pinned |= checkers::pin_warmup(c, before);
                }
            }
            if pinned {
                p.warn(
                    l.span(0),
                    format!(
                        "keepalived 1.3.5 gives the checkers read before this delay_loop a warmup of \
                         {} s (the delay_loop in effect then); put delay_loop before the real_server blocks",
                        before.as_secs()
                    ),
                );
            }
            vs.delay_loop = Some(d);
        }
        "lb_algo" | "lvs_sched" => {
            let Some(w) = p.arg(l, 1) else { return };
            if w.len() > 15 {
                p.error(
                    l.span(1),
                    format!("scheduler name '{w}' is longer than IPVS allows (15 bytes) - ignored"),
                );
                return;
            }
            let a = LbAlgo::from_name(w);
            if matches!(a, LbAlgo::Other(_)) {
                p.warn(
                    l.span(1),
                    format!(
                        "'{w}' is not an IPVS scheduler keepalived 1.3.5 documents (rr wrr lc wlc \
                         lblc lblcr dh sh sed nq); the kernel decides whether it exists"
                    ),
                );
            }
            vs.lb_algo = Some(a);
        }
        "hashed" => vs.hashed = true,
        "ops" => vs.ops = true,
        "flag-1" => vs.flag_1 = true,
        "flag-2" => vs.flag_2 = true,
        "flag-3" => vs.flag_3 = true,
        "sh-port" | "sh-fallback" => {
            if vs.lb_algo != Some(LbAlgo::Sh) {
                p.error(
                    l.span(0),
                    format!("{kw} only applies to the sh scheduler (set lb_algo sh before it) - ignored"),
                );
            } else if kw == "sh-port" {
                vs.sh_port = true;
            } else {
                vs.sh_fallback = true;
            }
        }
        "lb_kind" | "lvs_method" => {
            let Some(w) = p.arg(l, 1) else { return };
            vs.lb_kind = match w {
                "NAT" => Some(LbKind::Nat),
                "DR" => Some(LbKind::Dr),
                "TUN" => Some(LbKind::Tun),
                _ => {
                    p.error(
                        l.span(1),
                        format!("unknown routing method '{w}' (NAT, DR or TUN) - ignored"),
                    );
                    return;
                }
            }
        }
        "persistence_engine" => {
            if let Some(w) = p.arg(l, 1) {
                vs.persistence_engine = Some(w.to_string());
            }
        }
        "persistence_timeout" => {
            if l.tokens.len() < 2 {
                vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT);
                return;
            }
            let w = l.text(1);
            match w.parse::<u32>() {
                Ok(n) if n > 0 => vs.persistence_timeout = Some(Duration::from_secs(n.into())),
                _ => p.error(
                    l.span(1),
                    format!("invalid persistence_timeout '{w}' (1..4294967295 seconds) - ignored"),
                ),
            }
        }
        "persistence_granularity" => {
            let Some(w) = p.arg(l, 1) else { return };
            if ctx.v6 == Some(true) && matches!(vs.key, VirtualServerKey::Addr { .. }) {
                match w.parse::<u32>() {
                    Ok(n @ 1..=128) => {
                        vs.persistence_granularity = Some(PersistenceGranularity::Prefix(n))
                    }
                    _ => p.error(
                        l.span(1),
                        format!(
                            "invalid persistence_granularity '{w}' for an IPv6 service (a prefix length 1..128) - ignored"
                        ),
                    ),
                }
            } else if w.parse::<Ipv4Addr>().is_ok() {
                p.error(
                    l.span(1),
                    "keepalived 1.3.5 rejects every valid IPv4 persistence_granularity (its address \
                     check is inverted) and runs without it - ignored"
                        .into(),
                );
            } else {
                p.error(
                    l.span(1),
                    format!("invalid persistence_granularity '{w}' (an IPv4 netmask) - ignored"),
                );
            }
        }
        "protocol" => {
            let Some(w) = p.arg(l, 1) else { return };
            vs.protocol = match w {
                "TCP" => Some(Protocol::Tcp),
                "UDP" => Some(Protocol::Udp),
                "SCTP" => Some(Protocol::Sctp),
                _ => {
                    p.error(
                        l.span(1),
                        format!("unknown protocol '{w}' (TCP, UDP or SCTP) - ignored"),
                    );
                    return;
                }
            }
        }
        "ha_suspend" | "alpha" => {
            if vs.real_servers.iter().any(|r| !r.checkers.is_empty()) {
                p.warn(
                    l.span(0),
                    format!(
                        "keepalived 1.3.5 applies {kw} only to the checkers read after it; this \
                         implementation applies it to all: put it before the real_server blocks"
                    ),
                );
            }
            if kw == "alpha" {
                vs.alpha = true;
            } else {
                vs.ha_suspend = true;
            }
        }
        "omega" => vs.omega = true,
        "virtualhost" => {
            if let Some(w) = p.arg(l, 1) {
                vs.virtualhost = Some(w.to_string());
            }
        }
        "quorum_up" => vs.quorum_up = notify(p, l).or(vs.quorum_up.take()),
        "quorum_down" => vs.quorum_down = notify(p, l).or(vs.quorum_down.take()),
        "quorum" => match p.count(l, 1) {
            Some(0) => {
                p.error(
                    l.span(1),
                    "quorum must be at least 1 (keepalived 1.3.5 uses 1)".into(),
                );
                vs.quorum = Some(1);
            }
            Some(n) => vs.quorum = Some(n),
            None => {}
        },
        "hysteresis" => vs.hysteresis = p.count(l, 1).or(vs.hysteresis),
        "sorry_server" => {
            let Some(addr) = p.server_addr(l, 1, "sorry server") else {
                return;
            };
            let Some(port) = p.port(l, 2, "sorry server") else {
                return;
            };
            if ctx.v6.is_some_and(|v6| v6 != addr.is_ipv6()) {
                p.error(
                    l.span(1),
                    format!("the address families of the virtual server and sorry server {addr} do not match - sorry server skipped"),
                );
                return;
            }
            ctx.v6 = Some(addr.is_ipv6());
            vs.sorry_server = Some(SorryServer {
                addr,
                port,
                inhibit: false,
                span: l.span(0),
            });
        }
        "sorry_server_inhibit" => match vs.sorry_server.as_mut() {
            Some(s) => s.inhibit = true,
            None => p.error(
                l.span(0),
                "sorry_server_inhibit used before or without sorry_server - ignored".into(),
            ),
        },
        "real_server" => real_server(p, l, ctx),
        _ => {}
    }
}

fn real_server<'a>(p: &mut P<'a>, line: &Line, ctx: &mut VsCtx) {
    let addr = p.server_addr(line, 1, "real server");
    let port = addr.and_then(|_| p.port(line, 2, "real server"));
    let mut keep = addr.is_some() && port.is_some();
    let addr = addr.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if keep && ctx.v6.is_some_and(|v6| v6 != addr.is_ipv6()) {
        p.error(
            line.span(1),
            format!(
                "the address families of the virtual server and real server {addr} do not match - \
                 real server skipped (keepalived 1.3.5 skips it and applies its block to the \
                 previous real server)"
            ),
        );
        keep = false;
    }
    let mut rs = RealServer::new(addr, port.unwrap_or(0), line.span(0));
    p.block(line, args_before_brace(line, 2), &mut rs, rs_kw);
    if keep {
        ctx.v6 = Some(addr.is_ipv6());
        ctx.vs.real_servers.push(rs);
    }
}

fn rs_kw<'a>(p: &mut P<'a>, l: &Line, rs: &mut RealServer) {
    if !p.known(Block::RealServer, l) {
        return;
    }
    match l.text(0) {
        // IPVS rejects a negative weight.
        "weight" => {
            rs.weight = p
                .uint(l, 1, 0, i32::MAX as u64)
                .map(|v| v as i32)
                .or(rs.weight)
        }
        "uthreshold" => rs.uthreshold = p.count(l, 1).or(rs.uthreshold),
        "lthreshold" => rs.lthreshold = p.count(l, 1).or(rs.lthreshold),
        "inhibit_on_failure" => rs.inhibit_on_failure = true,
        "notify_up" => rs.notify_up = notify(p, l).or(rs.notify_up.take()),
        "notify_down" => rs.notify_down = notify(p, l).or(rs.notify_down.take()),
        _ => {
            if let Some(c) = checkers::checker(p, l) {
                rs.checkers.push(c);
            }
        }
    }
}
pub(crate) fn ssl<'a>(p: &mut P<'a>, line: &Line) {
    let mut s = SslConfig {
        span: line.span(0),
        ..Default::default()
    };
    p.block(line, 0, &mut s, ssl_kw);
    // Each SSL block starts afresh, as 1.3.5's `alloc_ssl` does.
    p.cfg.ssl = Some(s);
}

fn ssl_kw<'a>(p: &mut P<'a>, l: &Line, s: &mut SslConfig) {
    if !p.known(Block::Ssl, l) {
        return;
    }
    let Some(w) = p.arg(l, 1).map(str::to_string) else {
        return;
    };
    match l.text(0) {
        "password" => s.password = Some(w),
        "ca" => s.ca = Some(w),
        "certificate" => s.certificate = Some(w),
        "key" => s.key = Some(w),
        _ => {}
    }
}
