//! `global_defs { … }`.

use super::{values::words, P};
use crate::ast::{GenericBlock, GlobalDefs, SmtpServer, UserGroup};
use crate::include::Line;
use crate::keywords::{self, Block, Origin};

pub(crate) fn global_defs<'a>(p: &mut P<'a>, line: &Line) {
    let mut g = std::mem::take(&mut p.cfg.global_defs);
    if g.span.line == 0 {
        g.span = line.span(0);
    }
    p.block(line, 0, &mut g, keyword);
    p.cfg.global_defs = g;
}

fn keyword<'a>(p: &mut P<'a>, l: &Line, g: &mut GlobalDefs) {
    if !p.known(Block::GlobalDefs, l) {
        return;
    }
    if super::lvs_global::global_kw(p, l, g) {
        return;
    }
    let kw = l.text(0);
    let s = |p: &mut P<'a>| p.arg(l, 1).map(str::to_string);
    match kw {
        "router_id" => g.router_id = s(p).or(g.router_id.take()),
        "notification_email" => {
            let v = p.value_block(l);
            g.notification_email.extend(v.into_iter().map(|(w, _)| w));
        }
        "notification_email_from" => {
            g.notification_email_from = s(p).or(g.notification_email_from.take())
        }
        "smtp_server" => {
            if let Some(host) = s(p) {
                let port = if l.tokens.len() > 2 {
                    p.uint(l, 2, 1, 65535).map(|v| v as u16)
                } else {
                    None
                };
                g.smtp_server = Some(SmtpServer { host, port });
            }
        }
        "smtp_helo_name" => g.smtp_helo_name = s(p).or(g.smtp_helo_name.take()),
        "smtp_connect_timeout" => g.smtp_connect_timeout = p.u32v(l, 1).or(g.smtp_connect_timeout),
        "default_interface" => g.default_interface = s(p).or(g.default_interface.take()),
        "vrrp_mcast_group4" => {
            if let Some(a) = p.ip(l, 1) {
                match a {
                    std::net::IpAddr::V4(v4) if v4.is_multicast() => g.vrrp_mcast_group4 = Some(v4),
                    _ => p.error(
                        l.span(1),
                        format!(
                            "vrrp_mcast_group4 '{a}' is not an IPv4 multicast address - ignored"
                        ),
                    ),
                }
            }
        }
        "vrrp_mcast_group6" => {
            if let Some(a) = p.ip(l, 1) {
                match a {
                    std::net::IpAddr::V6(v6) if v6.is_multicast() => g.vrrp_mcast_group6 = Some(v6),
                    _ => p.error(
                        l.span(1),
                        format!(
                            "vrrp_mcast_group6 '{a}' is not an IPv6 multicast address - ignored"
                        ),
                    ),
                }
            }
        }
        "vrrp_garp_master_delay" => {
            g.vrrp_garp_master_delay = p.u32v(l, 1).or(g.vrrp_garp_master_delay)
        }
        "vrrp_garp_master_repeat" => {
            g.vrrp_garp_master_repeat = p.u32v(l, 1).or(g.vrrp_garp_master_repeat)
        }
        "vrrp_garp_master_refresh" => {
            g.vrrp_garp_master_refresh = p.u32v(l, 1).or(g.vrrp_garp_master_refresh)
        }
        "vrrp_garp_master_refresh_repeat" => {
            g.vrrp_garp_master_refresh_repeat = p.u32v(l, 1).or(g.vrrp_garp_master_refresh_repeat)
        }
        "vrrp_garp_lower_prio_delay" => {
            g.vrrp_garp_lower_prio_delay = p.u32v(l, 1).or(g.vrrp_garp_lower_prio_delay)
        }
        "vrrp_garp_lower_prio_repeat" => {
            g.vrrp_garp_lower_prio_repeat = p.u32v(l, 1).or(g.vrrp_garp_lower_prio_repeat)
        }
        // 1.3.5 accepts 0 (the stock EL7 file has `vrrp_garp_interval 0`); 2.2.x rejects it.
        "vrrp_garp_interval" => g.vrrp_garp_interval = interval(p, l).or(g.vrrp_garp_interval),
        "vrrp_gna_interval" => g.vrrp_gna_interval = interval(p, l).or(g.vrrp_gna_interval),
        "vrrp_lower_prio_no_advert" => {
            g.vrrp_lower_prio_no_advert = p.boolean(l).or(g.vrrp_lower_prio_no_advert)
        }
        "vrrp_higher_prio_send_advert" => {
            g.vrrp_higher_prio_send_advert = p.boolean(l).or(g.vrrp_higher_prio_send_advert)
        }
        "vrrp_version" => g.vrrp_version = p.uint(l, 1, 2, 3).map(|v| v as u8).or(g.vrrp_version),
        "vrrp_iptables" => {
            g.vrrp_iptables = Some(
                l.tokens[1..]
                    .iter()
                    .take(2)
                    .map(|t| l.token_text(t).to_string())
                    .collect(),
            )
        }
        "vrrp_ipsets" => {
            g.vrrp_ipsets = Some(
                l.tokens[1..]
                    .iter()
                    .take(3)
                    .map(|t| l.token_text(t).to_string())
                    .collect(),
            )
        }
        "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
        "vrrp_skip_check_adv_addr" => {
            g.vrrp_skip_check_adv_addr = p.boolean(l).unwrap_or(g.vrrp_skip_check_adv_addr)
        }
        "vrrp_strict" => g.vrrp_strict = true,
        "vrrp_priority" => g.vrrp_priority = p.int(l, 1, -20, 19).or(g.vrrp_priority),
        "vrrp_no_swap" => g.vrrp_no_swap = true,
        "script_user" => {
            if let Some(user) = s(p) {
                g.script_user = Some(UserGroup {
                    user,
                    group: l.word(2).map(str::to_string),
                });
            }
        }
        "enable_script_security" => g.enable_script_security = true,
        // LVS, SNMP and 2.x keywords (warned by `known`): 1.3.5's are kept verbatim, a 2.x
        // block is skipped.
        _ => match keywords::lookup(Block::GlobalDefs, kw).map(|i| keywords::KEYWORDS[i].origin) {
            Some(Origin::V135) => g.other.push(GenericBlock {
                words: words(l).words,
                block: None,
                span: l.span(0),
            }),
            _ => {
                if l.tokens.last().is_some_and(|t| t.is_open()) {
                    let gb = p.generic(l);
                    p.cfg.unsupported.push(gb);
                }
            }
        },
    }
}

fn interval<'a>(p: &mut P<'a>, l: &Line) -> Option<f64> {
    let v = p.secs(l, 1, 1.0e9)?;
    if v >= 1.0 {
        p.warn(
            l.span(1),
            format!("the {} is very large - {v} seconds", l.text(0)),
        );
    }
    Some(v)
}
