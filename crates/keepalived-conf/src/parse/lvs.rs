//! The checker (LVS) side: `virtual_server`, `real_server`, `virtual_server_group`, root `SSL`
//! and the LVS keywords of `global_defs`, as keepalived 1.3.5's check_parser and global_parser
//! read them. The checker blocks themselves are in `checkers.rs`.
//!
//! Where 1.3.5 skips a value, drops a server or a whole virtual server, the AST does the same
//! and `-t` reports an error at the offending token.

use super::{checkers, instance::notify, P};
use crate::ast::{
    GlobalDefs, IpFamily, LbAlgo, LbKind, LvsSyncDaemon, LvsTimeouts, PersistenceGranularity,
    Protocol, RealServer, SorryServer, SslConfig, VirtualServer, VirtualServerGroup,
    VirtualServerKey, VsgEntry, DEFAULT_PERSISTENCE_TIMEOUT,
};
use crate::include::Line;
use crate::keywords::Block;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// 1.3.5's `LVS_MAX_TIMEOUT` (31 days) for `lvs_timeouts`.
const LVS_MAX_TIMEOUT: u64 = 86400 * 31;

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

pub(crate) fn virtual_server_group<'a>(p: &mut P<'a>, line: &Line) {
    let name = p.arg(line, 1).map(str::to_string);
    let mut g = VirtualServerGroup {
        name: name.clone().unwrap_or_default(),
        span: line.span(0),
        entries: Vec::new(),
    };
    p.list_block(line, |p, l| {
        if let Some(e) = vsg_entry(p, l, &g) {
            g.entries.push(e);
        }
    });
    if name.is_some() {
        p.cfg.virtual_server_groups.push(g);
    }
}

fn vsg_entry<'a>(p: &mut P<'a>, l: &Line, g: &VirtualServerGroup) -> Option<VsgEntry> {
    let first = l.text(0);
    if first == "fwmark" {
        let w = p.arg(l, 1)?;
        return match w.parse::<u32>() {
            Ok(mark) if mark > 0 => Some(VsgEntry::Fwmark {
                mark,
                span: l.span(0),
            }),
            _ => {
                p.error(
                    l.span(1),
                    format!("invalid firewall mark '{w}' (1..4294967295) - entry skipped"),
                );
                None
            }
        };
    }
    let end = first.split_once('-').map(|(_, e)| e);
    let addr = p.server_addr(l, 0, "virtual_server_group entry")?;
    if l.word(1).is_none() {
        p.error(
            l.span(1),
            format!("virtual_server_group entry '{first}' has no port - entry skipped"),
        );
        return None;
    }
    let port = p.port(l, 1, "virtual_server_group entry")?;
    let span = l.span(0);
    let family = g.entries.iter().find_map(|e| match e {
        VsgEntry::Addr { addr, .. } | VsgEntry::Range { first: addr, .. } => Some(addr.is_ipv6()),
        VsgEntry::Fwmark { .. } => None,
    });
    if family.is_some_and(|v6| v6 != addr.is_ipv6()) {
        p.error(
            span,
            format!(
                "cannot mix IPv4 and IPv6 in virtual_server_group {} - entry skipped",
                g.name
            ),
        );
        return None;
    }
    let Some(end) = end else {
        return Some(VsgEntry::Addr { addr, port, span });
    };
    // 1.3.5 reads the end as the last byte (IPv4, decimal) or 16-bit group (IPv6, hex).
    let (end_val, start, max) = match addr {
        IpAddr::V4(v4) => (end.parse::<u32>().ok(), u32::from(v4.octets()[3]), 255),
        IpAddr::V6(v6) => (
            u32::from_str_radix(end, 16).ok(),
            u32::from(v6.segments()[7]),
            0xffff,
        ),
    };
    let Some(end_val) = end_val.filter(|&e| e <= max) else {
        p.error(
            span,
            format!(
                "invalid end '{end}' of address range '{first}' (at most {max}) - entry skipped"
            ),
        );
        return None;
    };
    if end_val <= start {
        p.error(
            span,
            format!(
                "address range '{first}': the end is not greater than the start - entry skipped"
            ),
        );
        return None;
    }
    let last = match addr {
        IpAddr::V4(v4) => {
            let mut o = v4.octets();
            o[3] = end_val as u8;
            IpAddr::V4(Ipv4Addr::from(o))
        }
        IpAddr::V6(v6) => {
            let mut s = v6.segments();
            s[7] = end_val as u16;
            IpAddr::V6(Ipv6Addr::from(s))
        }
    };
    Some(VsgEntry::Range {
        first: addr,
        last,
        port,
        span,
    })
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

/// The LVS keywords of `global_defs`; false if `l` is not one.
pub(crate) fn global_kw<'a>(p: &mut P<'a>, l: &Line, g: &mut GlobalDefs) -> bool {
    match l.text(0) {
        "lvs_timeouts" => lvs_timeouts(p, l, g),
        "lvs_sync_daemon" => lvs_sync_daemon(p, l, g),
        "lvs_flush" => g.lvs_flush = true,
        "checker_no_swap" => g.checker_no_swap = true,
        "enable_snmp_checker" => g.enable_snmp_checker = true,
        "checker_priority" => g.checker_priority = p.int(l, 1, -20, 19).or(g.checker_priority),
        _ => return false,
    }
    true
}

fn lvs_timeouts<'a>(p: &mut P<'a>, l: &Line, g: &mut GlobalDefs) {
    if l.tokens.len() < 3 {
        p.error(
            l.span(1),
            "lvs_timeouts requires at least one option (tcp N, tcpfin N or udp N) - ignored".into(),
        );
        return;
    }
    let mut t = g.lvs_timeouts.take().unwrap_or_else(|| LvsTimeouts {
        span: l.span(0),
        ..Default::default()
    });
    let mut i = 1;
    while i < l.tokens.len() {
        let opt = l.text(i);
        let min = match opt {
            "tcp" => 0,
            "tcpfin" | "udp" => 1,
            _ => {
                p.error(
                    l.span(i),
                    format!("unknown lvs_timeouts option '{opt}' (tcp, tcpfin or udp) - ignored"),
                );
                i += 1;
                continue;
            }
        };
        let Some(w) = l.word(i + 1) else {
            p.error(
                l.span(i + 1),
                format!("no value for lvs_timeouts {opt} - ignored"),
            );
            break;
        };
        match w.parse::<u64>() {
            Ok(v) if (min..=LVS_MAX_TIMEOUT).contains(&v) => {
                let d = Some(Duration::from_secs(v));
                match opt {
                    "tcp" => t.tcp = d,
                    "tcpfin" => t.tcpfin = d,
                    _ => t.udp = d,
                }
            }
            _ => p.error(
                l.span(i + 1),
                format!(
                    "invalid lvs_timeouts {opt} '{w}' ({min}..{LVS_MAX_TIMEOUT} seconds) - ignored"
                ),
            ),
        }
        i += 2;
    }
    g.lvs_timeouts = Some(t);
}

fn lvs_sync_daemon<'a>(p: &mut P<'a>, l: &Line, g: &mut GlobalDefs) {
    if let Some(s) = &g.lvs_sync_daemon {
        p.error(
            l.span(0),
            format!(
                "lvs_sync_daemon has already been specified as {} {} - ignored",
                s.interface, s.vrrp_instance
            ),
        );
        return;
    }
    if l.tokens.len() < 3 {
        p.error(
            l.span(l.tokens.len()),
            "lvs_sync_daemon requires an interface and a VRRP instance - ignored".into(),
        );
        return;
    }
    let mut s = LvsSyncDaemon {
        interface: l.text(1).to_string(),
        vrrp_instance: l.text(2).to_string(),
        syncid: None,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
        span: l.span(0),
    };
    let mut i = 3;
    // Before the `id` option existed the sync id was the third argument.
    if l.word(3)
        .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
    {
        p.warn(
            l.span(3),
            "write 'id' before the lvs_sync_daemon sync id".into(),
        );
        s.syncid = sync_num(p, l, 3, "sync id", 0, 255).map(|v| v as u8);
        i = 4;
    }
    while i < l.tokens.len() {
        let opt = l.text(i);
        if !matches!(opt, "id" | "maxlen" | "port" | "ttl" | "group") {
            p.error(
                l.span(i),
                format!("unknown lvs_sync_daemon option '{opt}' - ignored"),
            );
            i += 1;
            continue;
        }
        if l.word(i + 1).is_none() {
            p.error(
                l.span(i + 1),
                format!("no value for lvs_sync_daemon {opt} - ignored"),
            );
            break;
        }
        match opt {
            "id" => {
                s.syncid = sync_num(p, l, i + 1, "sync id", 0, 255)
                    .map(|v| v as u8)
                    .or(s.syncid)
            }
            "maxlen" => {
                s.maxlen = sync_num(p, l, i + 1, "maxlen", 1, 65535 - 20 - 8)
                    .map(|v| v as u16)
                    .or(s.maxlen)
            }
            "port" => {
                s.port = sync_num(p, l, i + 1, "port", 1, 65535)
                    .map(|v| v as u16)
                    .or(s.port)
            }
            "ttl" => {
                s.ttl = sync_num(p, l, i + 1, "ttl", 1, 255)
                    .map(|v| v as u8)
                    .or(s.ttl)
            }
            _ => {
                let w = l.text(i + 1);
                match w.parse::<IpAddr>() {
                    Ok(a) if a.is_multicast() => s.group = Some(a),
                    Ok(_) => p.error(
                        l.span(i + 1),
                        format!("lvs_sync_daemon group address {w} is not multicast - ignored"),
                    ),
                    Err(_) => p.error(
                        l.span(i + 1),
                        format!("invalid lvs_sync_daemon group '{w}' - ignored"),
                    ),
                }
            }
        }
        i += 2;
    }
    g.lvs_sync_daemon = Some(s);
}

fn sync_num<'a>(p: &mut P<'a>, l: &Line, i: usize, what: &str, min: u64, max: u64) -> Option<u64> {
    let w = l.text(i);
    match w.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Some(v),
        _ => {
            p.error(
                l.span(i),
                format!("invalid lvs_sync_daemon {what} '{w}' ({min}..{max}) - ignored"),
            );
            None
        }
    }
}

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
