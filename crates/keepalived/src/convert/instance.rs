//! One `vrrp_instance` → [`InstanceConfig`], as keepalived 1.3.5's `vrrp_complete_instance`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{
    Auth, Family, GarpConfig, InitialState, InstanceConfig, LogLine, TrackInterface, TrackScript,
    Version, Vip,
};

use super::addresses::{convert_vip, family_of};
use super::auth::pad8;
use super::{info, Interfaces};

pub(super) fn convert_instance(
    inst: &conf::VrrpInstance,
    g: &conf::GlobalDefs,
    ifs: &Interfaces,
    scripts: &HashMap<&str, &conf::VrrpScript>,
    msgs: &mut Vec<LogLine>,
) -> Option<InstanceConfig> {
    let name = &inst.name;
    let Some(ifname) = inst.interface.clone() else {
        info(msgs, format!("VRRP_Instance({name}) Unknown interface !"));
        return None;
    };
    let Some(ifinfo) = ifs.get(&ifname) else {
        info(
            msgs,
            format!("Cant find interface {ifname} for vrrp_instance {name} !!!"),
        );
        info(msgs, format!("VRRP_Instance({name}) Unknown interface !"));
        return None;
    };
    let Some(vrid) = inst.virtual_router_id.filter(|v| *v >= 1) else {
        info(
            msgs,
            format!("VRRP_Instance({name}) the virtual id must be set!"),
        );
        return None;
    };
    let strict = inst.strict_mode.unwrap_or(g.vrrp_strict);
    let family = if inst.is_ipv6() {
        Family::V6
    } else {
        Family::V4
    };
    let version = match (family, inst.version) {
        (Family::V6, Some(2)) if strict => {
            info(
                msgs,
                format!("({name}): cannot use IPv6 with VRRP version 2; setting version 3"),
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
    };

    // VIPs: same family as the instance; unknown dev ⇒ skipped.
    let mut vips = Vec::new();
    for a in &inst.virtual_ipaddress {
        if family_of(&a.addr) != family {
            info(
                msgs,
                format!(
                    "({name}): address family must match VRRP instance [{}] - ignoring",
                    a.addr
                ),
            );
            continue;
        }
        if let Some(v) = convert_vip(name, a, &ifname, ifs, msgs) {
            vips.push(v);
        }
    }
    let mut excluded_vips: Vec<Vip> = inst
        .virtual_ipaddress_excluded
        .iter()
        .filter_map(|a| convert_vip(name, a, &ifname, ifs, msgs))
        .collect();
    if vips.is_empty() && (version == Version::V3 || family == Family::V6 || strict) {
        info(
            msgs,
            format!("({name}): No VIP specified; at least one is required"),
        );
        return None;
    }
    // The VRRP address count is one byte.
    if vips.len() > 255 {
        info(
            msgs,
            format!(
                "({name}): Number of VIPs ({}) exceeds maximum/space available in packet (max 255 addresses) - excess moved to eVIPs",
                vips.len()
            ),
        );
        let extra = vips.split_off(255);
        excluded_vips.extend(extra);
    }

    let mut auth = match &inst.authentication {
        None => Auth::None,
        Some(conf::Authentication::Pass(p)) => Auth::Pass(pad8(name, p, msgs)),
        Some(conf::Authentication::Ah(p)) => Auth::Ah(pad8(name, p, msgs)),
    };
    if version == Version::V3 && auth != Auth::None {
        info(
            msgs,
            format!("({name}): VRRP version 3 does not support authentication. Ignoring."),
        );
        auth = Auth::None;
    }
    if matches!(auth, Auth::Pass(k) | Auth::Ah(k) if k[0] == 0) {
        info(
            msgs,
            format!("({name}): Authentication specified but no password given. Ignoring"),
        );
        auth = Auth::None;
    }

    let unicast_peers: Vec<IpAddr> = inst.unicast_peer.iter().map(|p| p.addr).collect();
    if strict && !unicast_peers.is_empty() {
        info(
            msgs,
            format!("({name}): Unicast peers are not supported in strict mode"),
        );
        return None;
    }

    let src_addr = match inst.src_ip() {
        Some(a) => a,
        None => {
            let found = match family {
                Family::V4 => ifinfo.primary_v4.map(IpAddr::V4),
                Family::V6 => ifinfo.link_local_v6.map(IpAddr::V6),
            };
            match found {
                Some(a) => a,
                None => {
                    info(
                        msgs,
                        format!(
                            "({name}): Cannot find an IP address to use for interface {ifname}"
                        ),
                    );
                    return None;
                }
            }
        }
    };

    let priority = inst.effective_priority();
    let mut initial_state = match inst.state {
        conf::State::Master => InitialState::Master,
        conf::State::Backup => InitialState::Backup,
    };
    let mut nopreempt = inst.nopreempt;
    if inst.priority.is_some() {
        if strict && initial_state == InitialState::Master && priority != 255 {
            info(
                msgs,
                format!("({name}): Cannot start in MASTER state if not address owner"),
            );
            initial_state = InitialState::Backup;
        } else if priority == 255 && !nopreempt {
            initial_state = InitialState::Master;
        }
    }
    if nopreempt && initial_state == InitialState::Master {
        info(
            msgs,
            format!("({name}): Warning - nopreempt will not work with initial state MASTER"),
        );
    }
    if priority == 255 {
        nopreempt = false;
    }
    let mut preempt_delay = inst.preempt_delay.unwrap_or(0);
    if strict && preempt_delay > 0 {
        info(
            msgs,
            format!("({name}): preempt_delay is incompatible with strict mode - resetting"),
        );
        preempt_delay = 0;
    }
    if nopreempt && preempt_delay > 0 {
        info(
            msgs,
            format!("({name}): preempt_delay is incompatible with nopreempt mode - resetting"),
        );
        preempt_delay = 0;
    }
    let mut accept = inst.accept.unwrap_or(!strict);
    if accept && priority != 255 && strict && version == Version::V2 {
        info(
            msgs,
            format!(
                "({name}): warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
            ),
        );
        accept = false;
    }

    let advert_int = advert_interval(name, inst.advert_int.unwrap_or(1.0), version, msgs);

    let track_interfaces = inst
        .track_interface
        .iter()
        .filter_map(|t| {
            if ifs.contains_key(&t.name) {
                Some(TrackInterface {
                    name: t.name.clone(),
                    weight: t.weight,
                })
            } else {
                info(msgs, format!("     {} no match, ignoring...", t.name));
                None
            }
        })
        .collect();
    let track_scripts = inst
        .track_script
        .iter()
        .filter_map(|t| match scripts.get(t.name.as_str()) {
            Some(s) => Some(TrackScript {
                name: t.name.clone(),
                weight: t.weight.unwrap_or_else(|| s.weight()),
            }),
            None => {
                info(msgs, format!("     {} no match, ignoring...", t.name));
                None
            }
        })
        .collect();

    let secs = |v: u32| Duration::from_secs(u64::from(v));
    let garp = GarpConfig {
        // keepalived: a per-instance garp_master_delay is at least 1 s.
        master_delay: inst
            .garp_master_delay
            .map(|d| secs(d.max(1)))
            .unwrap_or_else(|| secs(g.garp_master_delay())),
        master_repeat: inst
            .garp_master_repeat
            .unwrap_or_else(|| g.garp_master_repeat())
            .max(1),
        master_refresh: secs(
            inst.garp_master_refresh
                .unwrap_or_else(|| g.garp_master_refresh()),
        ),
        master_refresh_repeat: inst
            .garp_master_refresh_repeat
            .unwrap_or_else(|| g.garp_master_refresh_repeat())
            .max(1),
        lower_prio_delay: secs(inst.garp_lower_prio_delay.unwrap_or_else(|| {
            if strict {
                0
            } else {
                g.garp_lower_prio_delay()
            }
        })),
        lower_prio_repeat: inst.garp_lower_prio_repeat.unwrap_or_else(|| {
            if strict {
                0
            } else {
                g.garp_lower_prio_repeat()
            }
        }),
    };
    let lower_prio_no_advert = inst
        .lower_prio_no_advert
        .unwrap_or(strict || g.vrrp_lower_prio_no_advert.unwrap_or(false));
    let higher_prio_send_advert = if strict {
        false
    } else {
        inst.higher_prio_send_advert
            .unwrap_or(g.vrrp_higher_prio_send_advert.unwrap_or(false))
    };

    let mcast_group = match family {
        Family::V4 => IpAddr::V4(g.mcast_group4()),
        Family::V6 => IpAddr::V6(g.mcast_group6()),
    };

    Some(InstanceConfig {
        name: name.clone(),
        interface: ifname,
        vrid,
        version,
        family,
        initial_state,
        priority,
        advert_int,
        auth,
        vips,
        excluded_vips,
        src_addr,
        mcast_group,
        unicast_peers,
        nopreempt,
        preempt_delay: secs(preempt_delay),
        accept,
        dont_track_primary: inst.dont_track_primary,
        track_interfaces,
        track_scripts,
        garp,
        lower_prio_no_advert,
        higher_prio_send_advert,
        skip_check_adv_addr: inst
            .skip_check_adv_addr
            .unwrap_or(g.vrrp_skip_check_adv_addr),
        check_unicast_src: inst.check_unicast_src.unwrap_or(g.vrrp_check_unicast_src),
    })
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
