//! Rendering of the checker (LVS) side: `virtual_server_group`, `virtual_server`, `SSL` and the
//! LVS keywords of `global_defs`. Settings that 1.3.5 reads in order (`ip_family`, `lb_algo`
//! before `sh-port`, `alpha` and `ha_suspend` before the real servers) are written in that order.

use super::{quote, Out};
use crate::ast::*;
use std::fmt::Write;
use std::net::IpAddr;
use std::time::Duration;

fn secs(d: &Option<Duration>) -> Option<u64> {
    d.map(|d| d.as_secs())
}

/// The LVS keywords of `global_defs` (inside the block, at `d`).
pub(super) fn global(o: &mut Out, g: &GlobalDefs, d: usize) {
    if let Some(t) = &g.lvs_timeouts {
        let mut s = String::from("lvs_timeouts");
        for (k, v) in [("tcp", &t.tcp), ("tcpfin", &t.tcpfin), ("udp", &t.udp)] {
            if let Some(v) = secs(v) {
                let _ = write!(s, " {k} {v}");
            }
        }
        // A `lvs_timeouts` with no valid option reads back as nothing, as it was read.
        if s.len() > "lvs_timeouts".len() {
            o.line(d, &s);
        }
    }
    o.flag(d, "lvs_flush", g.lvs_flush);
    if let Some(s) = &g.lvs_sync_daemon {
        let mut t = format!(
            "lvs_sync_daemon {} {}",
            quote(&s.interface),
            quote(&s.vrrp_instance)
        );
        if let Some(v) = s.syncid {
            let _ = write!(t, " id {v}");
        }
        if let Some(v) = s.maxlen {
            let _ = write!(t, " maxlen {v}");
        }
        if let Some(v) = s.port {
            let _ = write!(t, " port {v}");
        }
        if let Some(v) = s.ttl {
            let _ = write!(t, " ttl {v}");
        }
        if let Some(v) = s.group {
            let _ = write!(t, " group {v}");
        }
        o.line(d, &t);
    }
    o.opt(d, "checker_priority", &g.checker_priority);
    o.flag(d, "checker_no_swap", g.checker_no_swap);
    o.flag(d, "enable_snmp_checker", g.enable_snmp_checker);
}

/// Root `SSL`, `virtual_server_group` and `virtual_server` blocks.
pub(super) fn root(o: &mut Out, c: &Config) {
    if let Some(s) = &c.ssl {
        o.line(0, "SSL {");
        o.opt(1, "password", &s.password);
        o.opt(1, "ca", &s.ca);
        o.opt(1, "certificate", &s.certificate);
        o.opt(1, "key", &s.key);
        o.line(0, "}");
    }
    for g in &c.virtual_server_groups {
        let items: Vec<String> = g.entries.iter().map(vsg_entry).collect();
        o.list(
            0,
            &format!("virtual_server_group {}", quote(&g.name)),
            &items,
        );
    }
    for vs in &c.virtual_servers {
        virtual_server(o, vs);
    }
}

/// One `virtual_server_group` line.
pub fn vsg_entry(e: &VsgEntry) -> String {
    match e {
        VsgEntry::Addr { addr, port, .. } => format!("{addr} {port}"),
        VsgEntry::Range {
            first, last, port, ..
        } => match last {
            IpAddr::V4(l) => format!("{first}-{} {port}", l.octets()[3]),
            IpAddr::V6(l) => format!("{first}-{:x} {port}", l.segments()[7]),
        },
        VsgEntry::Fwmark { mark, .. } => format!("fwmark {mark}"),
    }
}

fn virtual_server(o: &mut Out, vs: &VirtualServer) {
    let key = match &vs.key {
        VirtualServerKey::Addr { addr, port } => format!("{addr} {port}"),
        VirtualServerKey::Fwmark(m) => format!("fwmark {m}"),
        VirtualServerKey::Group(g) => format!("group {}", quote(g)),
    };
    o.line(0, &format!("virtual_server {key} {{"));
    let d = 1;
    if let Some(f) = vs.ip_family {
        o.line(
            d,
            match f {
                IpFamily::Inet => "ip_family inet",
                IpFamily::Inet6 => "ip_family inet6",
            },
        );
    }
    o.opt(d, "delay_loop", &secs(&vs.delay_loop));
    if let Some(a) = &vs.lb_algo {
        o.line(d, &format!("lb_algo {}", quote(a.name())));
    }
    o.flag(d, "hashed", vs.hashed);
    o.flag(d, "ops", vs.ops);
    o.flag(d, "flag-1", vs.flag_1);
    o.flag(d, "flag-2", vs.flag_2);
    o.flag(d, "flag-3", vs.flag_3);
    o.flag(d, "sh-port", vs.sh_port);
    o.flag(d, "sh-fallback", vs.sh_fallback);
    if let Some(k) = vs.lb_kind {
        o.line(d, &format!("lb_kind {}", k.name()));
    }
    o.opt(d, "persistence_engine", &vs.persistence_engine);
    o.opt(d, "persistence_timeout", &secs(&vs.persistence_timeout));
    match vs.persistence_granularity {
        Some(PersistenceGranularity::Mask(m)) => o.line(d, &format!("persistence_granularity {m}")),
        Some(PersistenceGranularity::Prefix(p)) => {
            o.line(d, &format!("persistence_granularity {p}"))
        }
        None => {}
    }
    if let Some(p) = vs.protocol {
        o.line(d, &format!("protocol {}", p.name()));
    }
    o.flag(d, "ha_suspend", vs.ha_suspend);
    o.opt(d, "virtualhost", &vs.virtualhost);
    o.flag(d, "alpha", vs.alpha);
    o.flag(d, "omega", vs.omega);
    o.opt(d, "quorum", &vs.quorum);
    o.notify(d, "quorum_up", &vs.quorum_up);
    o.notify(d, "quorum_down", &vs.quorum_down);
    o.opt(d, "hysteresis", &vs.hysteresis);
    if let Some(s) = &vs.sorry_server {
        o.line(d, &format!("sorry_server {} {}", s.addr, s.port));
        o.flag(d, "sorry_server_inhibit", s.inhibit);
    }
    for rs in &vs.real_servers {
        real_server(o, rs, d);
    }
    o.line(0, "}");
}

fn real_server(o: &mut Out, rs: &RealServer, d: usize) {
    o.line(d, &format!("real_server {} {} {{", rs.addr, rs.port));
    let i = d + 1;
    o.opt(i, "weight", &rs.weight);
    o.flag(i, "inhibit_on_failure", rs.inhibit_on_failure);
    o.notify(i, "notify_up", &rs.notify_up);
    o.notify(i, "notify_down", &rs.notify_down);
    o.opt(i, "uthreshold", &rs.uthreshold);
    o.opt(i, "lthreshold", &rs.lthreshold);
    for c in &rs.checkers {
        checker(o, c, i);
    }
    o.line(d, "}");
}

fn connect(o: &mut Out, c: &ConnectOpts, d: usize) {
    o.opt(d, "connect_ip", &c.connect_ip);
    o.opt(d, "connect_port", &c.connect_port);
    o.opt(d, "bindto", &c.bindto);
    o.opt(d, "bind_port", &c.bind_port);
    o.opt(d, "connect_timeout", &secs(&c.connect_timeout));
    o.opt(d, "fwmark", &c.fwmark);
}

fn checker(o: &mut Out, c: &Checker, d: usize) {
    o.line(d, &format!("{} {{", c.keyword()));
    let i = d + 1;
    match c {
        Checker::HttpGet(h) | Checker::SslGet(h) => {
            connect(o, &h.connect, i);
            o.opt(i, "warmup", &secs(&h.warmup));
            o.opt(i, "nb_get_retry", &h.nb_get_retry);
            o.opt(i, "delay_before_retry", &secs(&h.delay_before_retry));
            for u in &h.urls {
                o.line(i, "url {");
                o.opt(i + 1, "path", &u.path);
                o.opt(i + 1, "digest", &u.digest);
                o.opt(i + 1, "status_code", &u.status_code);
                o.line(i, "}");
            }
        }
        Checker::Tcp(t) => {
            connect(o, &t.connect, i);
            o.opt(i, "warmup", &secs(&t.warmup));
            o.opt(i, "retry", &t.retry);
            o.opt(i, "delay_before_retry", &secs(&t.delay_before_retry));
        }
        Checker::Smtp(s) => {
            // The checker's own options first: after a host block they would apply to the host.
            connect(o, &s.connect, i);
            o.opt(i, "warmup", &secs(&s.warmup));
            o.opt(i, "helo_name", &s.helo_name);
            o.opt(i, "retry", &s.retry);
            o.opt(i, "delay_before_retry", &secs(&s.delay_before_retry));
            for h in &s.hosts {
                o.line(i, "host {");
                connect(o, &h.connect, i + 1);
                o.line(i, "}");
            }
        }
        Checker::Misc(m) => {
            o.opt(i, "misc_path", &m.misc_path);
            o.opt(i, "misc_timeout", &secs(&m.misc_timeout));
            o.flag(i, "misc_dynamic", m.misc_dynamic);
            o.opt(i, "warmup", &secs(&m.warmup));
            if let Some(u) = &m.user {
                match &u.group {
                    Some(g) => o.line(i, &format!("user {} {}", quote(&u.user), quote(g))),
                    None => o.line(i, &format!("user {}", quote(&u.user))),
                }
            }
        }
        Checker::Dns(n) => {
            connect(o, &n.connect, i);
            o.opt(i, "retry", &n.retry);
            if let Some(t) = n.dns_type {
                o.line(i, &format!("type {}", t.name()));
            }
            o.opt(i, "name", &n.name);
        }
    }
    o.line(d, "}");
}
