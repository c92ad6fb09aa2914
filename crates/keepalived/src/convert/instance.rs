//! One `vrrp_instance` → [`InstanceConfig`], as keepalived 1.3.5's `vrrp_complete_instance`:
//! interface and VRID, version and family, start-up state and preemption, timing, plus the
//! addresses, authentication, tracking and GARP settings of the sibling modules.

use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{Family, InitialState, InstanceConfig, LogLine, Version};

use super::addresses::{instance_addresses, source_address};
use super::auth::convert_auth;
use super::garp::instance_garp;
use super::tracking::{track_interfaces, track_scripts, ScriptsByName};
use super::vmac::{eui64_link_local, instance_vmac, VmacSpec};
use super::{info, IfInfo, Interfaces};

/// Converts one instance, with its VMAC when it has `use_vmac` (`vmac_names`: the VMAC names
/// of the instances before it); `None` (logged with keepalived's line) when keepalived would
/// refuse it.
pub(super) fn convert_instance(
    inst: &conf::VrrpInstance,
    g: &conf::GlobalDefs,
    ifs: &Interfaces,
    scripts: &ScriptsByName<'_>,
    vmac_names: &mut std::collections::HashSet<String>,
    msgs: &mut Vec<LogLine>,
) -> Option<(InstanceConfig, Option<VmacSpec>)> {
    let name = inst.name.as_str();
    let (interface, ifinfo) = resolve_interface(inst, ifs, msgs)?;
    let vrid = virtual_router_id(inst, msgs)?;
    let strict = inst.strict_mode.unwrap_or(g.vrrp_strict);
    let family = instance_family(inst);
    let version = vrrp_version(inst, g, family, strict, msgs);
    let vips_required = version == Version::V3 || family == Family::V6 || strict;
    let vmac = instance_vmac(inst, vrid, family, strict, ifs, vmac_names, msgs);
    // VIPs without `dev` go on the VMAC; adverts leave from it unless `vmac_xmit_base`.
    let vip_dev = vmac.as_ref().map_or(interface, |v| v.name.as_str());
    let advert_if = match &vmac {
        Some(v) if !v.xmit_base => v.name.clone(),
        _ => interface.to_string(),
    };
    let addresses = instance_addresses(inst, vip_dev, family, vips_required, ifs, msgs)?;
    let auth = convert_auth(name, inst.authentication.as_ref(), version, family, msgs);
    let unicast_peers = unicast_peers(inst, strict, msgs)?;
    let src_addr = match (&vmac, family, ifinfo.link_local_v6, ifinfo.mac) {
        // 1.3.5 needs no IPv6 address on the interface of an IPv6 VMAC: the VMAC gets a
        // link-local address made from the interface's MAC.
        (Some(_), Family::V6, None, Some(mac)) if inst.src_ip().is_none() => {
            IpAddr::V6(eui64_link_local(mac))
        }
        _ => source_address(inst, family, interface, ifinfo, msgs)?,
    };
    let initial_state = initial_state(inst, strict, msgs);
    let nopreempt = nopreempt(inst, initial_state, msgs);
    let preempt_delay = preempt_delay(inst, strict, nopreempt, msgs);
    let accept = accept_mode(inst, strict, version, msgs);
    let advert_int = advert_interval(name, inst.advert_int.unwrap_or(1.0), version, msgs);
    let track_interfaces = track_interfaces(&inst.track_interface, ifs, msgs);
    let track_scripts = track_scripts(&inst.track_script, scripts, msgs);
    let mut vmac = vmac;
    if let (Some(v), IpAddr::V6(a)) = (vmac.as_mut(), src_addr) {
        v.link_local = Some(a);
    }
    // On the VMAC the kernel's view of "the interface's address" is the VIP once MASTER: the
    // source stays the one found now.
    let src_from_interface = inst.src_ip().is_none() && advert_if == interface;
    let ic = InstanceConfig {
        name: name.to_string(),
        interface: advert_if,
        vrid,
        version,
        family,
        initial_state,
        priority: inst.effective_priority(),
        advert_int,
        auth,
        vips: addresses.vips,
        excluded_vips: addresses.excluded_vips,
        src_addr,
        src_from_interface,
        mcast_group: mcast_group(g, family),
        unicast_peers,
        nopreempt,
        preempt_delay,
        accept,
        dont_track_primary: inst.dont_track_primary,
        track_interfaces,
        track_scripts,
        garp: instance_garp(inst, g, strict),
        lower_prio_no_advert: lower_prio_no_advert(inst, g, strict),
        higher_prio_send_advert: higher_prio_send_advert(inst, g, strict),
        skip_check_adv_addr: inst
            .skip_check_adv_addr
            .unwrap_or(g.vrrp_skip_check_adv_addr),
        check_unicast_src: inst.check_unicast_src.unwrap_or(g.vrrp_check_unicast_src),
    };
    Some((ic, vmac))
}

/// The instance's `interface` and what is known of it; `None` (logged) when it is not set or
/// does not exist.
fn resolve_interface<'a>(
    inst: &'a conf::VrrpInstance,
    ifs: &'a Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<(&'a str, &'a IfInfo)> {
    let name = &inst.name;
    let Some(ifname) = inst.interface.as_deref() else {
        info(msgs, format!("VRRP_Instance({name}) Unknown interface !"));
        return None;
    };
    let Some(ifinfo) = ifs.get(ifname) else {
        info(
            msgs,
            format!("Cant find interface {ifname} for vrrp_instance {name} !!!"),
        );
        info(msgs, format!("VRRP_Instance({name}) Unknown interface !"));
        return None;
    };
    Some((ifname, ifinfo))
}

/// `virtual_router_id`; `None` (logged) when it is not set.
fn virtual_router_id(inst: &conf::VrrpInstance, msgs: &mut Vec<LogLine>) -> Option<u8> {
    let vrid = inst.virtual_router_id.filter(|v| *v >= 1);
    if vrid.is_none() {
        info(
            msgs,
            format!("VRRP_Instance({}) the virtual id must be set!", inst.name),
        );
    }
    vrid
}

/// IPv6 when the first VIP is IPv6 or `native_ipv6` is set.
fn instance_family(inst: &conf::VrrpInstance) -> Family {
    if inst.is_ipv6() {
        Family::V6
    } else {
        Family::V4
    }
}

/// The VRRP version: the instance's, else v3 for IPv6, else `global_defs`' `vrrp_version`.
/// Strict mode turns IPv6 with v2 into v3 (logged).
fn vrrp_version(
    inst: &conf::VrrpInstance,
    g: &conf::GlobalDefs,
    family: Family,
    strict: bool,
    msgs: &mut Vec<LogLine>,
) -> Version {
    match (family, inst.version) {
        (Family::V6, Some(2)) if strict => {
            info(
                msgs,
                format!(
                    "({}): cannot use IPv6 with VRRP version 2; setting version 3",
                    inst.name
                ),
            );
            Version::V3
        }
        (Family::V6, None) => Version::V3,
        (_, Some(3)) => Version::V3,
        (_, Some(_)) => Version::V2,
        (Family::V4, None) => {
            if g.vrrp_version() == 3 {
                Version::V3
            } else {
                Version::V2
            }
        }
    }
}

/// `unicast_peer` addresses; `None` (logged) in strict mode, which does not allow them.
fn unicast_peers(
    inst: &conf::VrrpInstance,
    strict: bool,
    msgs: &mut Vec<LogLine>,
) -> Option<Vec<IpAddr>> {
    if strict && !inst.unicast_peer.is_empty() {
        info(
            msgs,
            format!(
                "({}): Unicast peers are not supported in strict mode",
                inst.name
            ),
        );
        return None;
    }
    Some(inst.unicast_peer.iter().map(|p| p.addr).collect())
}

/// The start-up state: `state`, except that with an explicit `priority` the address owner
/// (255) starts as MASTER unless `nopreempt`, and in strict mode only the owner may.
fn initial_state(inst: &conf::VrrpInstance, strict: bool, msgs: &mut Vec<LogLine>) -> InitialState {
    let configured = match inst.state {
        conf::State::Master => InitialState::Master,
        conf::State::Backup => InitialState::Backup,
    };
    if inst.priority.is_none() {
        return configured;
    }
    let priority = inst.effective_priority();
    if strict && configured == InitialState::Master && priority != 255 {
        info(
            msgs,
            format!(
                "({}): Cannot start in MASTER state if not address owner",
                inst.name
            ),
        );
        InitialState::Backup
    } else if priority == 255 && !inst.nopreempt {
        InitialState::Master
    } else {
        configured
    }
}

/// `nopreempt`, warned about when starting as MASTER, and off for the address owner.
fn nopreempt(
    inst: &conf::VrrpInstance,
    initial_state: InitialState,
    msgs: &mut Vec<LogLine>,
) -> bool {
    if inst.nopreempt && initial_state == InitialState::Master {
        info(
            msgs,
            format!(
                "({}): Warning - nopreempt will not work with initial state MASTER",
                inst.name
            ),
        );
    }
    inst.nopreempt && inst.effective_priority() != 255
}

/// `preempt_delay`, reset (logged) in strict mode and with `nopreempt`.
fn preempt_delay(
    inst: &conf::VrrpInstance,
    strict: bool,
    nopreempt: bool,
    msgs: &mut Vec<LogLine>,
) -> Duration {
    let name = &inst.name;
    let mut delay = inst.preempt_delay.unwrap_or(0);
    if strict && delay > 0 {
        info(
            msgs,
            format!("({name}): preempt_delay is incompatible with strict mode - resetting"),
        );
        delay = 0;
    }
    if nopreempt && delay > 0 {
        info(
            msgs,
            format!("({name}): preempt_delay is incompatible with nopreempt mode - resetting"),
        );
        delay = 0;
    }
    Duration::from_secs(u64::from(delay))
}

/// `accept`/`no_accept` (default: accept unless strict); strict VRRPv2 allows it only for the
/// address owner (RFC 3768), else it is reset (logged).
fn accept_mode(
    inst: &conf::VrrpInstance,
    strict: bool,
    version: Version,
    msgs: &mut Vec<LogLine>,
) -> bool {
    let accept = inst.accept.unwrap_or(!strict);
    if accept && inst.effective_priority() != 255 && strict && version == Version::V2 {
        info(
            msgs,
            format!(
                "({}): warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting",
                inst.name
            ),
        );
        return false;
    }
    accept
}

/// `lower_prio_no_advert`: the instance's, else on in strict mode, else `global_defs`'.
fn lower_prio_no_advert(inst: &conf::VrrpInstance, g: &conf::GlobalDefs, strict: bool) -> bool {
    inst.lower_prio_no_advert
        .unwrap_or(strict || g.vrrp_lower_prio_no_advert.unwrap_or(false))
}

/// `higher_prio_send_advert`: always off in strict mode, else the instance's or `global_defs`'.
fn higher_prio_send_advert(inst: &conf::VrrpInstance, g: &conf::GlobalDefs, strict: bool) -> bool {
    if strict {
        return false;
    }
    inst.higher_prio_send_advert
        .unwrap_or(g.vrrp_higher_prio_send_advert.unwrap_or(false))
}

/// The multicast group adverts go to.
fn mcast_group(g: &conf::GlobalDefs, family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(g.mcast_group4()),
        Family::V6 => IpAddr::V6(g.mcast_group6()),
    }
}

/// v2: whole seconds 1..=255 (rounded); v3: centiseconds up to 40.95 s.
pub(super) fn advert_interval(
    name: &str,
    secs: f64,
    version: Version,
    msgs: &mut Vec<LogLine>,
) -> Duration {
    let secs = if secs.is_finite() && secs > 0.0 {
        secs
    } else {
        1.0
    };
    match version {
        Version::V2 => {
            if secs >= 256.0 {
                info(
                    msgs,
                    format!(
                        "({name}): VRRPv2 advertisement interval {secs:.2}s is out of range. Must be less than 256s. Setting to 255s"
                    ),
                );
                return Duration::from_secs(255);
            }
            if secs.fract() != 0.0 {
                info(
                    msgs,
                    format!("({name}): VRRPv2 advertisement interval {secs:.6}s must be an integer - rounding"),
                );
            }
            Duration::from_secs((secs.round() as u64).max(1))
        }
        Version::V3 => {
            let cs = (secs * 100.0).round();
            if cs >= 4096.0 {
                info(
                    msgs,
                    format!(
                        "({name}): VRRPv3 advertisement interval {secs:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s"
                    ),
                );
                return Duration::from_millis(40950);
            }
            Duration::from_millis((cs as u64).max(1) * 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::test_util::{ifs, instance, texts};

    #[test]
    fn interface_must_be_set_and_exist() {
        let ifs = ifs();
        let mut msgs = Vec::new();
        let inst = instance();
        let (name, info) = resolve_interface(&inst, &ifs, &mut msgs).unwrap();
        assert_eq!((name, info.index), ("eth0", 2));
        let unset = conf::VrrpInstance {
            interface: None,
            ..instance()
        };
        assert!(resolve_interface(&unset, &ifs, &mut msgs).is_none());
        let unknown = conf::VrrpInstance {
            interface: Some("nope0".into()),
            ..instance()
        };
        assert!(resolve_interface(&unknown, &ifs, &mut msgs).is_none());
        assert_eq!(
            texts(&msgs),
            [
                "VRRP_Instance(VI_1) Unknown interface !",
                "Cant find interface nope0 for vrrp_instance VI_1 !!!",
                "VRRP_Instance(VI_1) Unknown interface !",
            ]
        );
    }

    #[test]
    fn virtual_router_id_must_be_set() {
        let mut msgs = Vec::new();
        assert_eq!(virtual_router_id(&instance(), &mut msgs), Some(7));
        for vrid in [None, Some(0)] {
            let inst = conf::VrrpInstance {
                virtual_router_id: vrid,
                ..instance()
            };
            assert_eq!(virtual_router_id(&inst, &mut msgs), None);
        }
        assert_eq!(
            texts(&msgs),
            ["VRRP_Instance(VI_1) the virtual id must be set!"; 2]
        );
    }

    #[test]
    fn version_from_instance_family_and_global_default() {
        let v3_global = conf::GlobalDefs {
            vrrp_version: Some(3),
            ..Default::default()
        };
        let v2_global = conf::GlobalDefs::default();
        // (family, instance version, global, strict) → version
        let cases = [
            (Family::V4, None, &v2_global, false, Version::V2),
            (Family::V4, None, &v3_global, false, Version::V3),
            (Family::V4, Some(3), &v2_global, false, Version::V3),
            (Family::V4, Some(2), &v3_global, true, Version::V2),
            (Family::V6, None, &v2_global, false, Version::V3),
            (Family::V6, Some(2), &v3_global, false, Version::V2),
            (Family::V6, Some(3), &v2_global, true, Version::V3),
        ];
        let mut msgs = Vec::new();
        for (family, version, g, strict, want) in cases {
            let inst = conf::VrrpInstance {
                version,
                ..instance()
            };
            let got = vrrp_version(&inst, g, family, strict, &mut msgs);
            assert_eq!(got, want, "{family:?} {version:?} strict={strict}");
        }
        assert!(msgs.is_empty());
        let inst = conf::VrrpInstance {
            version: Some(2),
            ..instance()
        };
        assert_eq!(
            vrrp_version(&inst, &v2_global, Family::V6, true, &mut msgs),
            Version::V3
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): cannot use IPv6 with VRRP version 2; setting version 3"]
        );
    }

    #[test]
    fn unicast_peers_are_refused_in_strict_mode() {
        let inst = conf::VrrpInstance {
            unicast_peer: vec![conf::Addr {
                addr: "10.0.0.2".parse().unwrap(),
                span: conf::Span::default(),
            }],
            ..instance()
        };
        let mut msgs = Vec::new();
        assert_eq!(
            unicast_peers(&inst, false, &mut msgs),
            Some(vec!["10.0.0.2".parse().unwrap()])
        );
        assert_eq!(unicast_peers(&instance(), true, &mut msgs), Some(vec![]));
        assert!(msgs.is_empty());
        assert_eq!(unicast_peers(&inst, true, &mut msgs), None);
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Unicast peers are not supported in strict mode"]
        );
    }

    fn with(state: conf::State, priority: Option<u8>, nopreempt: bool) -> conf::VrrpInstance {
        conf::VrrpInstance {
            state,
            priority,
            nopreempt,
            ..instance()
        }
    }

    #[test]
    fn initial_state_follows_address_ownership() {
        use conf::State::{Backup, Master};
        let mut msgs = Vec::new();
        // (state, priority, nopreempt, strict) → initial state
        let cases = [
            (Master, None, false, true, InitialState::Master),
            (Backup, None, false, false, InitialState::Backup),
            (Backup, Some(255), false, false, InitialState::Master),
            (Backup, Some(255), true, false, InitialState::Backup),
            (Master, Some(100), false, false, InitialState::Master),
            (Master, Some(255), false, true, InitialState::Master),
        ];
        for (state, priority, nopreempt, strict, want) in cases {
            let inst = with(state, priority, nopreempt);
            assert_eq!(initial_state(&inst, strict, &mut msgs), want);
        }
        assert!(msgs.is_empty());
        let inst = with(Master, Some(100), false);
        assert_eq!(initial_state(&inst, true, &mut msgs), InitialState::Backup);
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Cannot start in MASTER state if not address owner"]
        );
    }

    #[test]
    fn nopreempt_is_off_for_the_address_owner_and_warned_about_as_master() {
        let mut msgs = Vec::new();
        let backup = with(conf::State::Backup, Some(100), true);
        assert!(nopreempt(&backup, InitialState::Backup, &mut msgs));
        assert!(msgs.is_empty());
        let owner = with(conf::State::Master, None, true);
        assert!(!nopreempt(&owner, InitialState::Master, &mut msgs));
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Warning - nopreempt will not work with initial state MASTER"]
        );
    }

    #[test]
    fn preempt_delay_is_reset_by_strict_mode_and_nopreempt() {
        let inst = conf::VrrpInstance {
            preempt_delay: Some(30),
            ..instance()
        };
        let mut msgs = Vec::new();
        assert_eq!(
            preempt_delay(&inst, false, false, &mut msgs),
            Duration::from_secs(30)
        );
        assert_eq!(
            preempt_delay(&instance(), true, true, &mut msgs),
            Duration::ZERO
        );
        assert!(msgs.is_empty());
        assert_eq!(preempt_delay(&inst, true, true, &mut msgs), Duration::ZERO);
        assert_eq!(preempt_delay(&inst, false, true, &mut msgs), Duration::ZERO);
        assert_eq!(
            texts(&msgs),
            [
                "(VI_1): preempt_delay is incompatible with strict mode - resetting",
                "(VI_1): preempt_delay is incompatible with nopreempt mode - resetting",
            ]
        );
    }

    #[test]
    fn accept_mode_defaults_and_strict_v2_reset() {
        let mut msgs = Vec::new();
        let accept = |accept, priority| conf::VrrpInstance {
            accept,
            priority,
            ..instance()
        };
        assert!(accept_mode(
            &accept(None, None),
            false,
            Version::V2,
            &mut msgs
        ));
        assert!(!accept_mode(
            &accept(None, None),
            true,
            Version::V3,
            &mut msgs
        ));
        assert!(!accept_mode(
            &accept(Some(false), None),
            false,
            Version::V2,
            &mut msgs
        ));
        assert!(accept_mode(
            &accept(Some(true), Some(255)),
            true,
            Version::V2,
            &mut msgs
        ));
        assert!(accept_mode(
            &accept(Some(true), Some(100)),
            true,
            Version::V3,
            &mut msgs
        ));
        assert!(msgs.is_empty());
        assert!(!accept_mode(
            &accept(Some(true), Some(100)),
            true,
            Version::V2,
            &mut msgs
        ));
        assert_eq!(
            texts(&msgs),
            ["(VI_1): warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"]
        );
    }

    #[test]
    fn advert_flags_from_instance_global_and_strict_mode() {
        let g_on = conf::GlobalDefs {
            vrrp_lower_prio_no_advert: Some(true),
            vrrp_higher_prio_send_advert: Some(true),
            ..Default::default()
        };
        let g_off = conf::GlobalDefs::default();
        let off = conf::VrrpInstance {
            lower_prio_no_advert: Some(false),
            higher_prio_send_advert: Some(false),
            ..instance()
        };
        let on = conf::VrrpInstance {
            lower_prio_no_advert: Some(true),
            higher_prio_send_advert: Some(true),
            ..instance()
        };
        assert!(!lower_prio_no_advert(&instance(), &g_off, false));
        assert!(lower_prio_no_advert(&instance(), &g_on, false));
        assert!(lower_prio_no_advert(&instance(), &g_off, true));
        assert!(!lower_prio_no_advert(&off, &g_on, true));
        assert!(!higher_prio_send_advert(&instance(), &g_off, false));
        assert!(higher_prio_send_advert(&instance(), &g_on, false));
        assert!(!higher_prio_send_advert(&off, &g_on, false));
        assert!(!higher_prio_send_advert(&on, &g_on, true));
    }
}
