//! `use_vmac [NAME]` and `vmac_xmit_base`: which VMAC interface an instance gets, as keepalived
//! 1.3.5 decides it (`vrrp_parser.c` `vrrp_vmac_handler`, `vrrp.c` `vrrp_complete_instance`):
//! an existing private macvlan on the same interface with the instance's virtual MAC is reused
//! (whatever its name), else the configured name, else the first free of `vrrp.VRID`,
//! `vrrp1.VRID`, … (IPv6 tries `vrrp6.VRID` second). The daemon creates it (`crate::vmac`).

use std::collections::HashSet;

use keepalived_conf as conf;
use vrrp_engine::{Family, LogLine};

use super::{info, Interfaces};

/// The VMAC one instance runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacSpec {
    /// The instance's name (log lines).
    pub instance: String,
    /// The VMAC interface's name.
    pub name: String,
    /// The instance's `interface` (the macvlan's lower interface).
    pub base: String,
    /// The virtual MAC: 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID).
    pub mac: [u8; 6],
    /// The instance's family (IPv4 sets the ARP sysctls, IPv6 a link-local address).
    pub family: Family,
    /// An IPv4 instance with IPv6 excluded VIPs keeps IPv6 on the VMAC.
    pub ipv6_evips: bool,
    /// `vmac_xmit_base`: adverts go out (and are read) on the base interface.
    pub xmit_base: bool,
    /// IPv6: the link-local address the VMAC gets (the adverts' source).
    pub link_local: Option<std::net::Ipv6Addr>,
    /// The interface already exists with the right MAC and lower interface (a predecessor
    /// left it): it is reused, not created.
    pub exists: bool,
    /// An interface of this name exists but is a VMAC for another MAC or interface: deleted
    /// and created again.
    pub replace: bool,
}

/// Resolves the VMAC of `inst` (VRID `vrid`) on its `interface`, logging 1.3.5's lines;
/// `taken` holds the VMAC names of the instances converted before it, and gets this one.
pub(super) fn instance_vmac(
    inst: &conf::VrrpInstance,
    vrid: u8,
    family: Family,
    strict: bool,
    ifs: &Interfaces,
    taken: &mut HashSet<String>,
    msgs: &mut Vec<LogLine>,
) -> Option<VmacSpec> {
    let iname = inst.name.as_str();
    if !inst.use_vmac {
        if inst.vmac_xmit_base {
            info(
                msgs,
                format!("({iname}): vmac_xmit_base is only valid with a vmac"),
            );
        }
        return None;
    }
    let base = inst.interface.as_deref()?;
    let base_index = ifs.get(base).map(|i| i.index);
    let mac = vrrp_netlink::vmac_mac(vrid, family == Family::V6);
    // 1.3.5 copies the name into IFNAMSIZ - 1 bytes (`-t` warns).
    let wanted = inst
        .vmac_name
        .as_deref()
        .map(|n| conf::truncate_ifname(n).to_string());
    let mut configured = wanted.clone();
    // 1.3.5's parser: a configured name taken by something that is not a VMAC is dropped.
    if let Some(n) = &configured {
        if ifs.get(n).is_some_and(|i| i.vmac_base.is_none()) {
            info(
                msgs,
                format!("({iname}): interface {n} already exists and is not a private macvlan; ignoring vmac if_name"),
            );
            configured = None;
        }
    }
    let matching = ifs.iter().find(|(n, i)| {
        i.vmac_base.is_some()
            && i.vmac_base == base_index
            && i.mac == Some(mac)
            && !taken.contains(n.as_str())
    });
    let (name, exists, replace) = if let Some((found, _)) = matching {
        info(msgs, format!("({iname}): Found matching interface {found}"));
        if let Some(c) = configured.as_deref().filter(|c| c != found) {
            info(
                msgs,
                format!("({iname}): vmac name mismatch {c} <=> {found}; changing to {found}."),
            );
        }
        (found.clone(), true, false)
    } else if let Some(c) = configured.filter(|c| ifs.contains_key(c)) {
        info(
            msgs,
            format!("({iname}): VMAC {c} already exists but is incompatible. It will be deleted"),
        );
        (c, false, true)
    } else if let Some(c) = wanted.filter(|c| !ifs.contains_key(c)) {
        (c, false, false)
    } else {
        (free_name(vrid, family, ifs, taken), false, false)
    };
    taken.insert(name.clone());
    let mut xmit_base = inst.vmac_xmit_base;
    if strict && xmit_base {
        info(
            msgs,
            format!("({iname}): xmit_base is incompatible with strict mode - resetting"),
        );
        xmit_base = false;
    }
    if inst.promote_secondaries {
        info(
            msgs,
            format!("({iname}): promote_secondaries is automatically set for vmacs - ignoring"),
        );
    }
    Some(VmacSpec {
        instance: iname.to_string(),
        name,
        base: base.to_string(),
        mac,
        family,
        ipv6_evips: family == Family::V4
            && inst
                .virtual_ipaddress_excluded
                .iter()
                .any(|a| a.addr.is_ipv6()),
        xmit_base,
        link_local: None,
        exists,
        replace,
    })
}

/// The link-local address 1.3.5 gives an IPv6 VMAC when its interface has none: fe80::/64
/// with the EUI-64 of the interface's MAC, its universal/local bit set (as 1.3.5 does).
pub(super) fn eui64_link_local(mac: [u8; 6]) -> std::net::Ipv6Addr {
    let b = [
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        mac[0] | 0x02,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ];
    std::net::Ipv6Addr::from(b)
}

/// The first of `vrrp.VRID`, `vrrp1.VRID`, `vrrp2.VRID`, … (IPv6: `vrrp.VRID`, `vrrp6.VRID`,
/// `vrrp1.VRID`, …, skipping 6) that no interface and no other instance's VMAC uses.
fn free_name(vrid: u8, family: Family, ifs: &Interfaces, taken: &HashSet<String>) -> String {
    let free = |n: &String| !ifs.contains_key(n) && !taken.contains(n);
    let first = format!("vrrp.{vrid}");
    if free(&first) {
        return first;
    }
    let numbers: Vec<u32> = match family {
        Family::V6 => std::iter::once(6)
            .chain((1..).filter(|n| *n != 6))
            .take(10_000)
            .collect(),
        Family::V4 => (1..=10_000).collect(),
    };
    numbers
        .into_iter()
        .map(|n| format!("vrrp{n}.{vrid}"))
        .find(free)
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::test_util::{ifs, instance, texts};
    use crate::convert::IfInfo;

    fn vmac_if(base: u32, mac: [u8; 6]) -> IfInfo {
        IfInfo {
            index: 40,
            mac: Some(mac),
            vmac_base: Some(base),
            ..IfInfo::default()
        }
    }

    fn resolve(
        inst: &conf::VrrpInstance,
        ifs: &Interfaces,
        taken: &mut HashSet<String>,
    ) -> (Option<VmacSpec>, Vec<String>) {
        let mut msgs = Vec::new();
        let s = instance_vmac(inst, 51, Family::V4, false, ifs, taken, &mut msgs);
        (s, texts(&msgs).iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn default_name_then_numbered_names() {
        let mut inst = instance();
        inst.use_vmac = true;
        let mut ifs = ifs();
        let mut taken = HashSet::new();
        let (s, msgs) = resolve(&inst, &ifs, &mut taken);
        let s = s.unwrap();
        assert_eq!(s.name, "vrrp.51");
        assert_eq!(s.mac, [0, 0, 0x5e, 0, 1, 51]);
        assert!(!s.exists && !s.replace && msgs.is_empty());
        // A second instance, and an unrelated interface holding vrrp1.51.
        ifs.insert("vrrp1.51".into(), IfInfo::default());
        assert_eq!(resolve(&inst, &ifs, &mut taken).0.unwrap().name, "vrrp2.51");
        let mut taken = HashSet::new();
        let mut msgs = Vec::new();
        let s6 = instance_vmac(&inst, 51, Family::V6, false, &ifs, &mut taken, &mut msgs);
        assert_eq!(s6.unwrap().mac, [0, 0, 0x5e, 0, 2, 51]);
        taken.insert("vrrp.51".into());
        assert_eq!(free_name(51, Family::V6, &ifs, &taken), "vrrp6.51");
    }

    #[test]
    fn leftover_vmac_is_reused_whatever_its_name() {
        let mut inst = instance();
        inst.use_vmac = true;
        inst.vmac_name = Some("vip51".into());
        let mut ifs = ifs();
        ifs.insert("old51".into(), vmac_if(2, [0, 0, 0x5e, 0, 1, 51]));
        let (s, msgs) = resolve(&inst, &ifs, &mut HashSet::new());
        let s = s.unwrap();
        assert_eq!((s.name.as_str(), s.exists), ("old51", true));
        assert_eq!(
            msgs,
            [
                "(VI_1): Found matching interface old51",
                "(VI_1): vmac name mismatch vip51 <=> old51; changing to old51."
            ]
        );
    }

    #[test]
    fn incompatible_vmac_is_replaced_and_plain_interface_name_ignored() {
        let mut inst = instance();
        inst.use_vmac = true;
        inst.vmac_name = Some("vip51".into());
        let mut ifs = ifs();
        // Same name, MAC of another VRID: deleted and created again.
        ifs.insert("vip51".into(), vmac_if(2, [0, 0, 0x5e, 0, 1, 52]));
        let (s, msgs) = resolve(&inst, &ifs, &mut HashSet::new());
        let s = s.unwrap();
        assert_eq!(
            (s.name.as_str(), s.exists, s.replace),
            ("vip51", false, true)
        );
        assert_eq!(
            msgs,
            ["(VI_1): VMAC vip51 already exists but is incompatible. It will be deleted"]
        );
        // A configured name that is an ordinary interface: the default name instead.
        inst.vmac_name = Some("eth1".into());
        let (s, msgs) = resolve(&inst, &ifs, &mut HashSet::new());
        assert_eq!(s.unwrap().name, "vrrp.51");
        assert_eq!(
            msgs,
            ["(VI_1): interface eth1 already exists and is not a private macvlan; ignoring vmac if_name"]
        );
    }

    #[test]
    fn long_name_is_cut_as_in_135() {
        let mut inst = instance();
        inst.use_vmac = true;
        inst.vmac_name = Some("a-very-long-vmac-name".into());
        let (s, _) = resolve(&inst, &ifs(), &mut HashSet::new());
        assert_eq!(s.unwrap().name, "a-very-long-vma");
    }

    #[test]
    fn eui64_from_mac() {
        let a = eui64_link_local([0x50, 0x54, 0x00, 0x12, 0x34, 0x56]);
        // 1.3.5 sets the universal/local bit (OR), it does not flip it.
        assert_eq!(a.to_string(), "fe80::5254:ff:fe12:3456");
    }

    #[test]
    fn xmit_base_rules() {
        let mut inst = instance();
        inst.vmac_xmit_base = true;
        let ifs = ifs();
        let (s, msgs) = resolve(&inst, &ifs, &mut HashSet::new());
        assert!(s.is_none());
        assert_eq!(msgs, ["(VI_1): vmac_xmit_base is only valid with a vmac"]);
        inst.use_vmac = true;
        inst.promote_secondaries = true;
        let mut msgs = Vec::new();
        let s = instance_vmac(
            &inst,
            51,
            Family::V4,
            true,
            &ifs,
            &mut HashSet::new(),
            &mut msgs,
        );
        assert!(!s.unwrap().xmit_base);
        assert_eq!(
            texts(&msgs),
            [
                "(VI_1): xmit_base is incompatible with strict mode - resetting",
                "(VI_1): promote_secondaries is automatically set for vmacs - ignoring"
            ]
        );
        assert!(
            resolve(&inst, &ifs, &mut HashSet::new())
                .0
                .unwrap()
                .xmit_base
        );
    }
}
