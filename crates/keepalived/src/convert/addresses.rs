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
    // Kept for the daemon's life by the engine: no growth slack (~260 kB at 1,000 instances).
    vips.shrink_to_fit();
    excluded_vips.shrink_to_fit();
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
pub(super) fn convert_vip(
    a: &conf::VirtualAddress,
    default_dev: &str,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<Vip> {
    let dev = a.dev.clone().unwrap_or_else(|| default_dev.to_string());
    // Without `dev` the address goes on the instance's interface, known to exist, or on its
    // VMAC, which the daemon creates before adding any address.
    if a.dev.is_some() && !ifs.contains_key(&dev) {
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
        scope: vip_scope(a, msgs),
        label: a.label.clone(),
    })
}

/// The typed scope of a VIP; an unknown name is reported (keepalived's wording) and
/// ignored, so the address gets the default scope, global.
fn vip_scope(a: &conf::VirtualAddress, msgs: &mut Vec<LogLine>) -> Option<u8> {
    let s = a.scope.as_deref()?;
    // iproute2's other name for scope 0, which the parser accepts.
    let scope = match s {
        "universe" => Some(0),
        _ => vrrp_netlink::parse_scope(s),
    };
    if scope.is_none() {
        info(
            msgs,
            format!(
                "Invalid scope '{s}' specified for {}/{} - ignoring",
                a.addr,
                a.prefix()
            ),
        );
    }
    scope
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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::convert::test_util::{address, ifs, instance, texts};

    fn vip(addr: &str, dev: &str) -> Vip {
        Vip {
            addr: addr.parse().unwrap(),
            prefix_len: if addr.contains(':') { 128 } else { 32 },
            dev: dev.into(),
            broadcast: None,
            scope: None,
            label: None,
        }
    }

    #[test]
    fn vips_default_to_the_instance_interface_and_skip_unknown_devices() {
        let mut inst = instance();
        let mut on_eth1 = address("10.0.0.2");
        on_eth1.dev = Some("eth1".into());
        let mut on_ghost = address("10.0.0.3");
        on_ghost.dev = Some("ghost0".into());
        inst.virtual_ipaddress = vec![address("10.0.0.1"), on_eth1, on_ghost];
        let mut msgs = Vec::new();
        let a = instance_addresses(&inst, "eth0", Family::V4, true, &ifs(), &mut msgs).unwrap();
        assert_eq!(
            a.vips,
            vec![vip("10.0.0.1", "eth0"), vip("10.0.0.2", "eth1")]
        );
        assert!(a.excluded_vips.is_empty());
        assert_eq!(
            texts(&msgs),
            ["VRRP is trying to assign ip address 10.0.0.3 to unknown ghost0 interface !!! go out and fix your conf !!!"]
        );
    }

    #[test]
    fn vips_of_the_other_family_are_ignored_but_evips_keep_theirs() {
        let mut inst = instance();
        inst.virtual_ipaddress = vec![address("10.0.0.1"), address("2001:db8::1")];
        inst.virtual_ipaddress_excluded = vec![address("2001:db8::2")];
        let mut msgs = Vec::new();
        let a = instance_addresses(&inst, "eth0", Family::V4, true, &ifs(), &mut msgs).unwrap();
        assert_eq!(a.vips, vec![vip("10.0.0.1", "eth0")]);
        assert_eq!(a.excluded_vips, vec![vip("2001:db8::2", "eth0")]);
        assert_eq!(
            texts(&msgs),
            ["(VI_1): address family must match VRRP instance [2001:db8::1] - ignoring"]
        );
    }

    #[test]
    fn no_usable_vip_rejects_the_instance_only_when_vips_are_required() {
        let mut inst = instance();
        inst.virtual_ipaddress_excluded = vec![address("10.0.0.9")];
        let mut msgs = Vec::new();
        let a = instance_addresses(&inst, "eth0", Family::V4, false, &ifs(), &mut msgs).unwrap();
        assert!(a.vips.is_empty());
        assert_eq!(a.excluded_vips.len(), 1);
        assert!(msgs.is_empty());
        assert!(instance_addresses(&inst, "eth0", Family::V4, true, &ifs(), &mut msgs).is_none());
        assert_eq!(
            texts(&msgs),
            ["(VI_1): No VIP specified; at least one is required"]
        );
    }

    #[test]
    fn vips_beyond_255_move_after_the_evips() {
        let mut inst = instance();
        inst.virtual_ipaddress = (0..300u32)
            .map(|k| address(&Ipv4Addr::from(0x0a00_0000 + k).to_string()))
            .collect();
        inst.virtual_ipaddress_excluded = vec![address("10.9.0.1")];
        let mut msgs = Vec::new();
        let a = instance_addresses(&inst, "eth0", Family::V4, true, &ifs(), &mut msgs).unwrap();
        assert_eq!(a.vips.len(), 255);
        assert_eq!(a.vips[254].addr, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 254)));
        assert_eq!(a.excluded_vips.len(), 1 + 45);
        assert_eq!(
            a.excluded_vips[0].addr,
            "10.9.0.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            a.excluded_vips[1].addr,
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 255))
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Number of VIPs (300) exceeds maximum/space available in packet (max 255 addresses) - excess moved to eVIPs"]
        );
    }

    #[test]
    fn source_address_configured_else_from_the_interface() {
        let ifs = ifs();
        let (eth0, eth1) = (&ifs["eth0"], &ifs["eth1"]);
        let mut msgs = Vec::new();
        let mut inst = instance();
        assert_eq!(
            source_address(&inst, Family::V4, "eth0", eth0, &mut msgs),
            Some("192.168.1.198".parse().unwrap())
        );
        assert_eq!(
            source_address(&inst, Family::V6, "eth0", eth0, &mut msgs),
            Some("fe80::1".parse().unwrap())
        );
        assert!(msgs.is_empty());
        assert_eq!(
            source_address(&inst, Family::V6, "eth1", eth1, &mut msgs),
            None
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Cannot find an IP address to use for interface eth1"]
        );
        // A configured address is used even when the interface has none.
        inst.mcast_src_ip = Some("10.0.0.5".parse().unwrap());
        assert_eq!(
            source_address(&inst, Family::V4, "eth1", eth1, &mut msgs),
            Some("10.0.0.5".parse().unwrap())
        );
        assert_eq!(msgs.len(), 1);
    }
}
