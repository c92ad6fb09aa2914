//! The LVS keywords of `global_defs` (`lvs_timeouts`, `lvs_sync_daemon`, `lvs_flush`,
//! `checker_priority`, `checker_no_swap`, `enable_snmp_checker`), as 1.3.5's global_parser
//! reads them: each option is checked on its own and a bad one skipped.

use super::P;
use crate::ast::{GlobalDefs, LvsSyncDaemon, LvsTimeouts};
use crate::include::Line;
use std::net::IpAddr;
use std::time::Duration;

/// 1.3.5's `LVS_MAX_TIMEOUT` (31 days) for `lvs_timeouts`.
const LVS_MAX_TIMEOUT: u64 = 86400 * 31;

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
