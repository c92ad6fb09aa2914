//! `vrrp_script`, `vrrp_sync_group` and `garp_group` blocks.

use super::{instance::notify_kw, P};
use crate::ast::{GarpGroup, Name, SyncGroup, UserGroup, VrrpScript};
use crate::include::Line;
use crate::keywords::Block;

pub(crate) fn vrrp_script<'a>(p: &mut P<'a>, line: &Line) {
    let Some(name) = p.arg(line, 1) else {
        let _ = p.generic(line);
        return;
    };
    if !p.names[1].insert(name.to_string()) {
        p.error(
            line.span(1),
            format!("vrrp script {name} already defined - block skipped"),
        );
        let _ = p.generic(line);
        return;
    }
    let mut s = VrrpScript {
        name: name.to_string(),
        span: line.span(0),
        ..Default::default()
    };
    p.block(line, 1, &mut s, script_kw);
    p.cfg.scripts.push(s);
}

fn script_kw<'a>(p: &mut P<'a>, l: &Line, s: &mut VrrpScript) {
    if !p.known(Block::VrrpScript, l) {
        return;
    }
    match l.text(0) {
        // Only the 2nd token is the command (1.3.5 set_value): commands with args must be quoted.
        "script" => {
            if let Some(c) = p.arg(l, 1) {
                if l.tokens.len() > 2 {
                    p.warn(
                        l.span(2),
                        "keepalived 1.3.5 only uses the first word of an unquoted script: quote the command"
                            .into(),
                    );
                }
                s.script = Some(c.to_string());
            }
        }
        "interval" => {
            s.interval = p
                .uint(l, 1, 1, u64::from(u32::MAX))
                .map(|v| v as u32)
                .or(s.interval)
        }
        "timeout" => s.timeout = p.u32v(l, 1).or(s.timeout),
        "weight" => s.weight = p.int(l, 1, -254, 254).or(s.weight),
        "rise" => {
            s.rise = p
                .uint(l, 1, 1, u64::from(u32::MAX))
                .map(|v| v as u32)
                .or(s.rise)
        }
        "fall" => {
            s.fall = p
                .uint(l, 1, 1, u64::from(u32::MAX))
                .map(|v| v as u32)
                .or(s.fall)
        }
        "user" => {
            if let Some(u) = p.arg(l, 1) {
                s.user = Some(UserGroup {
                    user: u.to_string(),
                    group: l.word(2).map(str::to_string),
                });
            }
        }
        "init_fail" => s.init_fail = true,
        _ => {}
    }
}

pub(crate) fn vrrp_sync_group<'a>(p: &mut P<'a>, line: &Line) {
    let Some(name) = p.arg(line, 1) else {
        let _ = p.generic(line);
        return;
    };
    if !p.names[2].insert(name.to_string()) {
        p.error(
            line.span(1),
            format!("vrrp sync group {name} already defined - block skipped"),
        );
        let _ = p.generic(line);
        return;
    }
    let mut g = SyncGroup {
        name: name.to_string(),
        span: line.span(0),
        ..Default::default()
    };
    p.block(line, 1, &mut g, sync_kw);
    p.cfg.sync_groups.push(g);
}

fn sync_kw<'a>(p: &mut P<'a>, l: &Line, g: &mut SyncGroup) {
    if !p.known(Block::VrrpSyncGroup, l) {
        return;
    }
    if notify_kw(
        p,
        l,
        [
            &mut g.notify_master,
            &mut g.notify_backup,
            &mut g.notify_fault,
            &mut g.notify,
        ],
    ) {
        return;
    }
    match l.text(0) {
        "group" => {
            let v = p.value_block(l);
            g.group
                .extend(v.into_iter().map(|(name, span)| Name { name, span }));
        }
        "smtp_alert" => g.smtp_alert = p.boolean(l).unwrap_or(g.smtp_alert),
        "global_tracking" => g.global_tracking = true,
        // 2.x keywords (warned by `known`): block skipped.
        _ => p.unsupported(l),
    }
}

pub(crate) fn garp_group<'a>(p: &mut P<'a>, line: &Line) {
    let mut g = GarpGroup {
        span: line.span(0),
        ..Default::default()
    };
    p.block(line, 0, &mut g, garp_kw);
    p.cfg.garp_groups.push(g);
}

fn garp_kw<'a>(p: &mut P<'a>, l: &Line, g: &mut GarpGroup) {
    if !p.known(Block::GarpGroup, l) {
        return;
    }
    match l.text(0) {
        "garp_interval" => g.garp_interval = p.secs(l, 1, 1.0e9).or(g.garp_interval),
        "gna_interval" => g.gna_interval = p.secs(l, 1, 1.0e9).or(g.gna_interval),
        "interface" => {
            if let Some(i) = p.arg(l, 1) {
                g.interfaces.push(Name {
                    name: i.to_string(),
                    span: l.span(1),
                });
            }
        }
        "interfaces" => {
            let v = p.value_block(l);
            g.interfaces
                .extend(v.into_iter().map(|(name, span)| Name { name, span }));
        }
        _ => {}
    }
}
