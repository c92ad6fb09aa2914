//! `virtual_server_group NAME { IP PORT | IP-END PORT | fwmark N … }`, as 1.3.5's
//! `alloc_vsg_entry` reads it.

use super::P;
use crate::ast::{VirtualServerGroup, VsgEntry};
use crate::include::Line;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
