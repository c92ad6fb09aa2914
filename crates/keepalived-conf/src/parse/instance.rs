//! `vrrp_instance NAME { … }` and its `authentication` sub-block.

use super::{values::words, P};
use crate::ast::{Addr, Authentication, Notify, State, TrackInterface, TrackScript, VrrpInstance};
use crate::include::Line;
use crate::keywords::Block;

pub(crate) fn vrrp_instance<'a>(p: &mut P<'a>, line: &Line) {
    let Some(name) = p.arg(line, 1) else {
        let _ = p.generic(line);
        return;
    };
    if !p.names[0].insert(name.to_string()) {
        p.error(
            line.span(1),
            format!("vrrp instance {name} already defined - block skipped"),
        );
        let _ = p.generic(line);
        return;
    }
    let mut inst = VrrpInstance {
        name: name.to_string(),
        span: line.span(0),
        ..Default::default()
    };
    inst.spans.name = Some(line.span(1));
    p.block(line, 1, &mut inst, keyword);
    p.cfg.instances.push(inst);
}

/// `KEYWORD SCRIPT [USER [GROUP]]`.
pub(crate) fn notify<'a>(p: &mut P<'a>, l: &Line) -> Option<Notify> {
    let script = p.arg(l, 1)?.to_string();
    Some(Notify {
        script,
        user: l.word(2).map(str::to_string),
        group: l.word(3).map(str::to_string),
        span: l.span(0),
    })
}

/// Parse `notify*` keywords shared by instances and sync groups; returns false if `kw` is not one.
pub(crate) fn notify_kw<'a>(p: &mut P<'a>, l: &Line, slots: [&mut Option<Notify>; 4]) -> bool {
    let [m, b, f, n] = slots;
    let slot = match l.text(0) {
        "notify_master" => m,
        "notify_backup" => b,
        "notify_fault" => f,
        "notify" => n,
        _ => return false,
    };
    if let Some(v) = notify(p, l) {
        *slot = Some(v);
    }
    true
}

fn keyword<'a>(p: &mut P<'a>, l: &Line, v: &mut VrrpInstance) {
    if !p.known(Block::VrrpInstance, l) {
        return;
    }
    let kw = l.text(0);
    if notify_kw(
        p,
        l,
        [
            &mut v.notify_master,
            &mut v.notify_backup,
            &mut v.notify_fault,
            &mut v.notify,
        ],
    ) {
        return;
    }
    match kw {
        "state" => {
            if let Some(s) = p.arg(l, 1) {
                v.state = match s {
                    "MASTER" => State::Master,
                    "BACKUP" => State::Backup,
                    _ => {
                        p.error(
                            l.span(1),
                            format!("({}): unknown state '{s}', defaulting to BACKUP", v.name),
                        );
                        State::Backup
                    }
                };
            }
        }
        "interface" => {
            if let Some(s) = p.arg(l, 1) {
                v.interface = Some(s.to_string());
                v.spans.interface = Some(l.span(1));
            }
        }
        "virtual_router_id" => {
            if p.arg(l, 1).is_some() {
                match l.text(1).parse::<u16>() {
                    Ok(n @ 1..=255) => {
                        v.virtual_router_id = Some(n as u8);
                        v.spans.virtual_router_id = Some(l.span(1));
                    }
                    _ => p.error(
                        l.span(1),
                        format!("VRID '{}' not valid - must be between 1 & 255", l.text(1)),
                    ),
                }
            }
        }
        "priority" => {
            if p.arg(l, 1).is_some() {
                match l.text(1).parse::<u16>() {
                    Ok(n @ 1..=255) => {
                        v.priority = Some(n as u8);
                        v.spans.priority = Some(l.span(1));
                    }
                    _ => {
                        // 1.3.5 keeps the default 100 ("Priority not valid! must be between 1 & 255").
                        p.error(
                            l.span(1),
                            format!(
                                "({}): priority '{}' not valid - must be between 1 & 255; using 100",
                                v.name, l.text(1)
                            ),
                        );
                        v.priority = Some(100);
                    }
                }
            }
        }
        "advert_int" => {
            if let Some(s) = p.secs(l, 1, 255.0) {
                if s <= 0.0 {
                    p.error(
                        l.span(1),
                        format!("({}): advert_int must be greater than 0 - ignored", v.name),
                    );
                } else {
                    v.advert_int = Some(s);
                    v.spans.advert_int = Some(l.span(1));
                }
            }
        }
        "version" => v.version = p.uint(l, 1, 2, 3).map(|n| n as u8).or(v.version),
        "authentication" => authentication(p, l, v),
        "virtual_ipaddress" | "virtual_ipaddress_excluded" => {
            let mut list = Vec::new();
            p.list_block(l, |p, item| {
                if let Some(a) = p.vip_line(item) {
                    list.push(a);
                }
            });
            if kw == "virtual_ipaddress" {
                v.virtual_ipaddress.extend(list);
            } else {
                v.virtual_ipaddress_excluded.extend(list);
            }
        }
        "virtual_routes" => p.list_block(l, |_, item| v.virtual_routes.push(words(item))),
        "virtual_rules" => p.list_block(l, |_, item| v.virtual_rules.push(words(item))),
        "unicast_src_ip" => v.unicast_src_ip = p.ip(l, 1).or(v.unicast_src_ip),
        "mcast_src_ip" => v.mcast_src_ip = p.ip(l, 1).or(v.mcast_src_ip),
        "unicast_peer" => p.list_block(l, |p, item| {
            if let Some(addr) = p.parse_ip(item.text(0), item.span(0)) {
                v.unicast_peer.push(Addr {
                    addr,
                    span: item.span(0),
                });
            }
        }),
        "nopreempt" => {
            v.nopreempt = true;
            v.spans.nopreempt = Some(l.span(0));
        }
        "preempt" => v.nopreempt = false,
        "preempt_delay" => {
            if let Some(d) = p.uint(l, 1, 0, 1000) {
                v.preempt_delay = Some(d as u32);
                v.spans.preempt_delay = Some(l.span(1));
            }
        }
        "accept" => v.accept = Some(true),
        "no_accept" => v.accept = Some(false),
        "dont_track_primary" => v.dont_track_primary = true,
        "track_interface" => p.list_block(l, |p, item| {
            let mut t = TrackInterface {
                name: item.text(0).to_string(),
                weight: 0,
                span: item.span(0),
            };
            if item.word(1) == Some("weight") {
                t.weight = p.int(item, 2, -254, 254).unwrap_or(0);
            }
            v.track_interface.push(t);
        }),
        "track_script" => p.list_block(l, |p, item| {
            let mut t = TrackScript {
                name: item.text(0).to_string(),
                weight: None,
                span: item.span(0),
            };
            if item.word(1) == Some("weight") {
                t.weight = p.int(item, 2, -254, 254);
            }
            v.track_script.push(t);
        }),
        "notify_stop" => v.notify_stop = notify(p, l).or(v.notify_stop.take()),
        "smtp_alert" => v.smtp_alert = p.boolean(l).unwrap_or(v.smtp_alert),
        "garp_master_delay" => {
            v.garp_master_delay = p.u32v(l, 1).map(|n| n.max(1)).or(v.garp_master_delay)
        }
        "garp_master_repeat" => v.garp_master_repeat = p.u32v(l, 1).or(v.garp_master_repeat),
        "garp_master_refresh" => v.garp_master_refresh = p.u32v(l, 1).or(v.garp_master_refresh),
        "garp_master_refresh_repeat" => {
            v.garp_master_refresh_repeat = p.u32v(l, 1).or(v.garp_master_refresh_repeat)
        }
        "garp_lower_prio_delay" => {
            v.garp_lower_prio_delay = p.u32v(l, 1).or(v.garp_lower_prio_delay)
        }
        "garp_lower_prio_repeat" => {
            v.garp_lower_prio_repeat = p.u32v(l, 1).or(v.garp_lower_prio_repeat)
        }
        "lower_prio_no_advert" => v.lower_prio_no_advert = p.boolean(l).or(v.lower_prio_no_advert),
        "higher_prio_send_advert" => {
            v.higher_prio_send_advert = p.boolean(l).or(v.higher_prio_send_advert)
        }
        "skip_check_adv_addr" => v.skip_check_adv_addr = p.boolean(l).or(v.skip_check_adv_addr),
        "strict_mode" => v.strict_mode = p.boolean(l).or(v.strict_mode),
        "use_vmac" => {
            v.use_vmac = true;
            v.vmac_name = l.word(1).map(str::to_string);
        }
        "vmac_xmit_base" => v.vmac_xmit_base = true,
        "native_ipv6" => v.native_ipv6 = true,
        "promote_secondaries" => v.promote_secondaries = true,
        "debug" => v.debug = p.uint(l, 1, 0, 4).map(|n| n as u8).or(v.debug),
        "lvs_sync_daemon_interface" => {
            p.warn(
                l.span(0),
                "specifying lvs_sync_daemon_interface against a vrrp is deprecated".into(),
            );
            v.lvs_sync_daemon_interface = p.arg(l, 1).map(str::to_string);
        }
        // Documented by the 1.3.5 man page but not installed by its parser (warned by `known`).
        "garp_interval" | "gna_interval" => {}
        // Common keepalived 2.x additions (1.3.5 would have rejected them as unknown).
        "unicast_ttl" => v.unicast_ttl = p.uint(l, 1, 1, 255).map(|n| n as u8).or(v.unicast_ttl),
        "check_unicast_src" => v.check_unicast_src = p.boolean(l).or(v.check_unicast_src),
        "notify_priority_changes" => {
            v.notify_priority_changes = p.boolean(l).or(v.notify_priority_changes)
        }
        // Other 2.x keywords (warned by `known`): block skipped.
        _ => p.unsupported(l),
    }
}

/// `authentication { … }` contents before resolution.
#[derive(Default)]
struct AuthTmp {
    kind: Option<(String, crate::ast::Span)>,
    pass: Option<String>,
}

fn authentication<'a>(p: &mut P<'a>, l: &Line, v: &mut VrrpInstance) {
    let mut a = AuthTmp::default();
    p.block(l, 0, &mut a, auth_keyword);
    let Some((kind, span)) = a.kind else {
        // 1.3.5: auth_pass without auth_type leaves authentication off.
        if a.pass.is_some() {
            p.warn(
                l.span(0),
                format!(
                    "({}): auth_pass given without auth_type - no authentication",
                    v.name
                ),
            );
        }
        return;
    };
    let Some(pass) = a.pass else {
        p.error(
            span,
            format!(
                "({}): authentication specified but no password given - ignoring",
                v.name
            ),
        );
        return;
    };
    v.spans.authentication = Some(l.span(0));
    v.authentication = Some(if kind == "AH" {
        Authentication::Ah(pass)
    } else {
        Authentication::Pass(pass)
    });
}

fn auth_keyword<'a>(p: &mut P<'a>, l: &Line, a: &mut AuthTmp) {
    if !p.known(Block::Authentication, l) {
        return;
    }
    match l.text(0) {
        "auth_type" => {
            if let Some(t) = p.arg(l, 1) {
                match t {
                    "PASS" | "AH" => a.kind = Some((t.to_string(), l.span(0))),
                    _ => p.error(l.span(1), format!("unknown authentication type '{t}'")),
                }
            }
        }
        "auth_pass" => {
            if let Some(s) = p.arg(l, 1) {
                if s.len() > 8 {
                    p.warn(
                        l.span(1),
                        "auth_pass is longer than 8 characters: only the first 8 are used".into(),
                    );
                }
                a.pass = Some(s.to_string());
            }
        }
        _ => {}
    }
}
