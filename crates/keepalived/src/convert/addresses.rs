//! Addresses of one instance: its VIPs and excluded VIPs, and the source address of its adverts.

use std::net::IpAddr;

use keepalived_conf as conf;
use vrrp_engine::{Family, LogLine, Vip};

use super::{info, IfInfo, Interfaces};

/// Most VIPs one advert can carry: the VRRP address count is one byte.
const MAX_ADVERT_VIPS: usize = 255;

/// An instance's VIPs (advertised) and excluded VIPs (not advertised).
pub(super) struct Addresses {
    /// `virtual_ipaddress`.
    pub(super) vips: Vec<Vip>,
    /// `virtual_ipaddress_excluded`, plus VIPs beyond what an advert carries.
    pub(super) excluded_vips: Vec<Vip>,
}

/// The VIPs and eVIPs of `inst`, whose own interface is `interface`; `None` (logged) when
/// `vips_required` and no VIP is usable, which rejects the instance.
pub(super) fn instance_addresses(
    inst: &conf::VrrpInstance,
    interface: &str,
    family: Family,
    vips_required: bool,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<Addresses> {
    let mut vips = advertised_vips(inst, interface, family, ifs, msgs);
    let mut excluded_vips: Vec<Vip> = inst
        .virtual_ipaddress_excluded
        .iter()
        .filter_map(|a| convert_vip(a, interface, ifs, msgs))
        .collect();
    if vips.is_empty() && vips_required {
        info(
            msgs,
            format!(
                "({}): No VIP specified; at least one is required",
                inst.name
            ),
        );
        return None;
    }
    move_excess_vips(&inst.name, &mut vips, &mut excluded_vips, msgs);
    Some(Addresses {
        vips,
        excluded_vips,
    })
}

/// `virtual_ipaddress` entries of the instance's family whose device exists.
fn advertised_vips(
    inst: &conf::VrrpInstance,
    interface: &str,
    family: Family,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Vec<Vip> {
    let mut vips = Vec::new();
    for a in &inst.virtual_ipaddress {
        if family_of(&a.addr) != family {
            info(
                msgs,
                format!(
                    "({}): address family must match VRRP instance [{}] - ignoring",
                    inst.name, a.addr
                ),
            );
            continue;
        }
        if let Some(v) = convert_vip(a, interface, ifs, msgs) {
            vips.push(v);
        }
    }
    vips
}

/// Moves the VIPs an advert cannot carry to the excluded VIPs (keepalived does the same).
fn move_excess_vips(
    name: &str,
    vips: &mut Vec<Vip>,
    excluded_vips: &mut Vec<Vip>,
    msgs: &mut Vec<LogLine>,
) {
    if vips.len() <= MAX_ADVERT_VIPS {
        return;
    }
    info(
        msgs,
        format!(
            "({name}): Number of VIPs ({}) exceeds maximum/space available in packet (max 255 addresses) - excess moved to eVIPs",
            vips.len()
        ),
    );
    excluded_vips.extend(vips.split_off(MAX_ADVERT_VIPS));
}

/// Address family of an address.
fn family_of(a: &IpAddr) -> Family {
    match a {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

/// One address line; `None` (logged) when its device (default `default_dev`) is unknown.
fn convert_vip(
    a: &conf::VirtualAddress,
    default_dev: &str,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<Vip> {
    let dev = a.dev.clone().unwrap_or_else(|| default_dev.to_string());
    if !ifs.contains_key(&dev) {
        info(
            msgs,
            format!(
                "VRRP is trying to assign ip address {} to unknown {} interface !!! go out and fix your conf !!!",
                a.addr, dev
            ),
        );
        return None;
    }
    Some(Vip {
        addr: a.addr,
        prefix_len: a.prefix(),
        dev,
        broadcast: a.brd,
        scope: a.scope.clone(),
        label: a.label.clone(),
    })
}

/// Source address of adverts: `unicast_src_ip`/`mcast_src_ip`, else the interface's primary
/// IPv4 or link-local IPv6 address; `None` (logged) when there is none, which rejects the
/// instance.
pub(super) fn source_address(
    inst: &conf::VrrpInstance,
    family: Family,
    interface: &str,
    ifinfo: &IfInfo,
    msgs: &mut Vec<LogLine>,
) -> Option<IpAddr> {
    if let Some(a) = inst.src_ip() {
        return Some(a);
    }
    let found = match family {
        Family::V4 => ifinfo.primary_v4.map(IpAddr::V4),
        Family::V6 => ifinfo.link_local_v6.map(IpAddr::V6),
    };
    if found.is_none() {
        info(
            msgs,
            format!(
                "({}): Cannot find an IP address to use for interface {interface}",
                inst.name
            ),
        );
    }
    found
}
