//! keepalived.conf AST → [`vrrp_engine::EngineConfig`], the way keepalived 1.3.5 completes its
//! instances (`vrrp_complete_instance`): defaults from `global_defs`, version/family, strict-mode
//! adjustments, source address from the interface, track weights, sync groups.
//!
//! The daemon is as tolerant as 1.3.5 where 1.3.5 was tolerant, and where 1.3.5 refused to run
//! at all (one bad instance stopped the whole daemon) we skip only that instance, logging
//! 1.3.5's line for it. Pure function of the AST and an interface snapshot, so it is unit-tested.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{
    Auth, EngineConfig, Family, GarpConfig, GlobalVrrpConfig, InitialState, InstanceConfig,
    LogLevel, LogLine, NotifyState, NotifyTarget, ScriptConfig, SyncGroupConfig, TrackInterface,
    TrackScript, Version, Vip,
};

use crate::scripts::ScriptSpec;

/// What the daemon knows about one interface when it converts the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfInfo {
    /// ifindex.
    pub index: u32,
    /// IFF_UP && IFF_RUNNING.
    pub up: bool,
    /// Hardware address.
    pub mac: Option<[u8; 6]>,
    /// Primary IPv4 address (source of IPv4 adverts by default).
    pub primary_v4: Option<Ipv4Addr>,
    /// A link-local IPv6 address (source of IPv6 adverts by default).
    pub link_local_v6: Option<Ipv6Addr>,
}

/// Interfaces by name.
pub type Interfaces = BTreeMap<String, IfInfo>;

/// Notify scripts of one instance or group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifiers {
    /// `notify_master`.
    pub master: Option<String>,
    /// `notify_backup`.
    pub backup: Option<String>,
    /// `notify_fault`.
    pub fault: Option<String>,
    /// `notify_stop`.
    pub stop: Option<String>,
    /// `notify` (generic).
    pub generic: Option<String>,
}

/// Notify scripts by instance / group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyTable {
    /// Keyed by (is_group, name): the engine's NotifyTarget is not hashable.
    map: HashMap<(bool, String), Notifiers>,
}

fn key(t: &NotifyTarget) -> (bool, String) {
    match t {
        NotifyTarget::Instance(n) => (false, n.clone()),
        NotifyTarget::Group(n) => (true, n.clone()),
    }
}

impl NotifyTable {
    /// The shell command lines to run, in order, when `target` enters `state`:
    /// the specific `notify_*` script, then the generic `notify` as
    /// `<script> INSTANCE|GROUP "<name>" MASTER|BACKUP|FAULT <priority>` (not for stop).
    pub fn commands(&self, target: &NotifyTarget, state: NotifyState, priority: u8) -> Vec<String> {
        let Some(n) = self.map.get(&key(target)) else {
            return Vec::new();
        };
        let specific = match state {
            NotifyState::Master => &n.master,
            NotifyState::Backup => &n.backup,
            NotifyState::Fault => &n.fault,
            NotifyState::Stop => &n.stop,
        };
        let mut out: Vec<String> = specific.iter().cloned().collect();
        let word = match state {
            NotifyState::Master => Some("MASTER"),
            NotifyState::Backup => Some("BACKUP"),
            NotifyState::Fault => Some("FAULT"),
            NotifyState::Stop => None,
        };
        if let (Some(g), Some(word)) = (&n.generic, word) {
            let (kind, name) = match target {
                NotifyTarget::Instance(n) => ("INSTANCE", n),
                NotifyTarget::Group(n) => ("GROUP", n),
            };
            out.push(format!("{g} {kind} \"{name}\" {word} {priority}"));
        }
        out
    }

    /// `notify_stop` lines of every instance (for a shutdown the engine did not report).
    pub fn stop_commands(&self) -> Vec<String> {
        let mut v: Vec<(&String, &String)> = self
            .map
            .iter()
            .filter(|((group, _), _)| !group)
            .filter_map(|((_, name), n)| n.stop.as_ref().map(|s| (name, s)))
            .collect();
        v.sort();
        v.into_iter().map(|(_, s)| s.clone()).collect()
    }
}

/// Result of the conversion.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// What the engine runs.
    pub engine: EngineConfig,
    /// Notify scripts.
    pub notify: NotifyTable,
    /// Tracking scripts the daemon must run (only those some instance tracks).
    pub scripts: Vec<ScriptSpec>,
    /// Log lines about skipped or adjusted items (keepalived 1.3.5 wording).
    pub messages: Vec<LogLine>,
}

/// Options from the command line that end up in the engine configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConvertOptions {
    /// `-X/--release-vips`.
    pub release_vips: bool,
}

fn info(out: &mut Vec<LogLine>, text: String) {
    out.push(LogLine {
        level: LogLevel::Info,
        text,
    });
}

/// Converts a parsed configuration.
pub fn convert(cfg: &conf::Config, ifs: &Interfaces, opts: ConvertOptions) -> Converted {
    let mut msgs = Vec::new();
    let g = &cfg.global_defs;
    let scripts_by_name: HashMap<&str, &conf::VrrpScript> =
        cfg.scripts.iter().map(|s| (s.name.as_str(), s)).collect();

    let mut instances = Vec::new();
    let mut notify = NotifyTable::default();
    let mut seen_vrid: HashSet<(String, Family, u8)> = HashSet::new();
    for inst in &cfg.instances {
        let Some(ic) = convert_instance(inst, g, ifs, &scripts_by_name, &mut msgs) else {
            continue;
        };
        if !seen_vrid.insert((ic.interface.clone(), ic.family, ic.vrid)) {
            info(
                &mut msgs,
                format!(
                    "VRID {} is duplicated on interface {}",
                    ic.vrid, ic.interface
                ),
            );
            continue;
        }
        notify.map.insert(
            (false, ic.name.clone()),
            Notifiers {
                master: notify_line(&inst.notify_master),
                backup: notify_line(&inst.notify_backup),
                fault: notify_line(&inst.notify_fault),
                stop: notify_line(&inst.notify_stop),
                generic: notify_line(&inst.notify),
            },
        );
        instances.push(ic);
    }

    // Sync groups: members must exist and belong to one group only; < 2 members ⇒ removed.
    let names: HashSet<&str> = instances.iter().map(|i| i.name.as_str()).collect();
    let mut in_group: HashSet<String> = HashSet::new();
    let mut sync_groups = Vec::new();
    for sg in &cfg.sync_groups {
        let mut members = Vec::new();
        for m in &sg.group {
            if !names.contains(m.name.as_str()) {
                info(
                    &mut msgs,
                    format!(
                        "Virtual router {} specified in sync group {} doesn't exist - ignoring",
                        m.name, sg.name
                    ),
                );
            } else if in_group.contains(&m.name) {
                info(
                    &mut msgs,
                    format!(
                        "Virtual router {} cannot exist in more than one sync group; ignoring {}",
                        m.name, sg.name
                    ),
                );
            } else {
                members.push(m.name.clone());
            }
        }
        if members.len() < 2 {
            info(
                &mut msgs,
                format!(
                    "Sync group {} has only {} virtual router(s) - removing",
                    sg.name,
                    members.len()
                ),
            );
            continue;
        }
        in_group.extend(members.iter().cloned());
        notify.map.insert(
            (true, sg.name.clone()),
            Notifiers {
                master: notify_line(&sg.notify_master),
                backup: notify_line(&sg.notify_backup),
                fault: notify_line(&sg.notify_fault),
                stop: None,
                generic: notify_line(&sg.notify),
            },
        );
        sync_groups.push(SyncGroupConfig {
            name: sg.name.clone(),
            members,
            global_tracking: sg.global_tracking,
        });
    }

    // Scripts: the engine needs every tracked one; the daemon runs those that have a command.
    let tracked: HashSet<&str> = instances
        .iter()
        .flat_map(|i| i.track_scripts.iter().map(|t| t.name.as_str()))
        .collect();
    let mut engine_scripts = Vec::new();
    let mut specs = Vec::new();
    for s in &cfg.scripts {
        if !tracked.contains(s.name.as_str()) {
            continue;
        }
        engine_scripts.push(ScriptConfig {
            name: s.name.clone(),
            weight: s.weight(),
            rise: s.rise(),
            fall: s.fall(),
            init_fail: s.init_fail,
        });
        match &s.script {
            Some(cmd) => specs.push(ScriptSpec {
                name: s.name.clone(),
                command: cmd.clone(),
                interval: Duration::from_secs(u64::from(s.interval_secs())),
                timeout: Duration::from_secs(u64::from(s.timeout_secs())),
            }),
            None => info(
                &mut msgs,
                format!(
                    "VRRP_Script({}) has no script to run - it never succeeds",
                    s.name
                ),
            ),
        }
    }

    Converted {
        engine: EngineConfig {
            global: GlobalVrrpConfig {
                release_vips: opts.release_vips,
            },
            instances,
            sync_groups,
            scripts: engine_scripts,
        },
        notify,
        scripts: specs,
        messages: msgs,
    }
}

fn notify_line(n: &Option<conf::Notify>) -> Option<String> {
    n.as_ref()
        .map(|n| n.script.clone())
        .filter(|s| !s.trim().is_empty())
}

fn family_of(a: &IpAddr) -> Family {
    match a {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

fn convert_vip(
    iname: &str,
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
        let _ = iname;
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

fn convert_instance(
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

/// PASS/AH key: first 8 bytes, zero-padded (keepalived truncates with a log line).
fn pad8(name: &str, pass: &str, msgs: &mut Vec<LogLine>) -> [u8; 8] {
    let b = pass.as_bytes();
    if b.len() > 8 {
        info(
            msgs,
            format!("({name}): Truncating auth_pass to 8 characters"),
        );
    }
    let mut k = [0u8; 8];
    let n = b.len().min(8);
    k[..n].copy_from_slice(&b[..n]);
    k
}

/// v2: whole seconds 1..=255 (rounded); v3: centiseconds up to 40.95 s.
fn advert_interval(name: &str, secs: f64, version: Version, msgs: &mut Vec<LogLine>) -> Duration {
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

    fn ifs() -> Interfaces {
        let mut m = Interfaces::new();
        m.insert(
            "enp11s0f0".into(),
            IfInfo {
                index: 2,
                up: true,
                mac: Some([2, 0, 0, 0, 0, 1]),
                primary_v4: Some(Ipv4Addr::new(192, 168, 1, 198)),
                link_local_v6: Some("fe80::1".parse().unwrap()),
            },
        );
        m.insert(
            "eth1".into(),
            IfInfo {
                index: 3,
                up: true,
                mac: None,
                primary_v4: None,
                link_local_v6: None,
            },
        );
        m
    }

    fn load(text: &str) -> conf::Config {
        conf::load_str("test.conf", text, &conf::LoadOptions::default()).config
    }

    fn conv(text: &str) -> Converted {
        convert(&load(text), &ifs(), ConvertOptions::default())
    }

    fn texts(c: &Converted) -> Vec<String> {
        c.messages.iter().map(|m| m.text.clone()).collect()
    }

    #[test]
    fn seed_node_a() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/seed/nodeA.conf"
        ))
        .unwrap();
        let c = conv(&text);
        assert!(c.messages.is_empty(), "{:?}", texts(&c));
        assert_eq!(c.engine.instances.len(), 1);
        let i = &c.engine.instances[0];
        assert_eq!(i.name, "VI_1");
        assert_eq!(i.interface, "enp11s0f0");
        assert_eq!(i.vrid, 51);
        assert_eq!(i.priority, 100);
        assert_eq!(i.initial_state, InitialState::Master);
        assert_eq!(i.version, Version::V2);
        assert_eq!(i.family, Family::V4);
        assert_eq!(i.advert_int, Duration::from_secs(1));
        assert_eq!(i.auth, Auth::Pass(*b"1111\0\0\0\0"));
        assert_eq!(i.src_addr, IpAddr::V4(Ipv4Addr::new(192, 168, 1, 198)));
        assert_eq!(i.mcast_group, IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)));
        assert_eq!(
            i.vips,
            vec![Vip {
                addr: "192.168.1.210".parse().unwrap(),
                prefix_len: 24,
                dev: "enp11s0f0".into(),
                broadcast: None,
                scope: None,
                label: None,
            }]
        );
        assert!(i.accept && !i.nopreempt);
        assert_eq!(i.garp, GarpConfig::default());
    }

    const BASE: &str = "vrrp_instance VI_1 {\n interface enp11s0f0\n virtual_router_id 7\n";

    #[test]
    fn vip_scope_is_typed_at_conversion_and_a_bad_one_reported() {
        let text = format!(
            "{BASE} virtual_ipaddress {{\n 10.0.0.1/24 scope link\n 10.0.0.2/24 scope 16\n 10.0.0.3/24 scope universe\n 10.0.0.4/24\n }}\n}}\n"
        );
        let c = conv(&text);
        let scopes: Vec<Option<u8>> = c.engine.instances[0].vips.iter().map(|v| v.scope).collect();
        assert_eq!(scopes, vec![Some(253), Some(16), Some(0), None]);
        assert!(c.messages.is_empty(), "{:?}", texts(&c));
        // The parser only lets known scopes through; an AST built otherwise is still checked.
        let mut cfg = load(&text);
        cfg.instances[0].virtual_ipaddress[0].scope = Some("galactic".into());
        let c = convert(&cfg, &ifs(), ConvertOptions::default());
        assert_eq!(c.engine.instances[0].vips[0].scope, None);
        assert_eq!(
            texts(&c),
            vec!["Invalid scope 'galactic' specified for 10.0.0.1/24 - ignoring"]
        );
    }

    #[test]
    fn auth_truncated_to_8_bytes() {
        let c = conv(&format!(
            "{BASE} authentication {{\n auth_type PASS\n auth_pass 0123456789\n }}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        assert_eq!(c.engine.instances[0].auth, Auth::Pass(*b"01234567"));
        assert!(texts(&c).iter().any(|t| t.contains("Truncating auth_pass")));
    }

    #[test]
    fn defaults_and_src_override() {
        let c = conv(&format!(
            "{BASE} mcast_src_ip 192.168.1.50\n virtual_ipaddress {{\n 10.0.0.1 dev eth1 label eth1:1\n }}\n}}\n"
        ));
        let i = &c.engine.instances[0];
        assert_eq!(i.priority, 100);
        assert_eq!(i.initial_state, InitialState::Backup);
        assert_eq!(i.src_addr, "192.168.1.50".parse::<IpAddr>().unwrap());
        assert_eq!(i.vips[0].prefix_len, 32);
        assert_eq!(i.vips[0].dev, "eth1");
        assert_eq!(i.vips[0].label.as_deref(), Some("eth1:1"));
    }

    #[test]
    fn global_garp_and_version_defaults() {
        let c = conv(&format!(
            "global_defs {{\n vrrp_garp_master_delay 10\n vrrp_garp_master_repeat 3\n vrrp_version 3\n}}\n{BASE} advert_int 0.5\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        let i = &c.engine.instances[0];
        assert_eq!(i.version, Version::V3);
        assert_eq!(i.advert_int, Duration::from_millis(500));
        assert_eq!(i.garp.master_delay, Duration::from_secs(10));
        assert_eq!(i.garp.master_repeat, 3);
        // lower-prio values default to the master ones.
        assert_eq!(i.garp.lower_prio_delay, Duration::from_secs(10));
        assert_eq!(i.garp.lower_prio_repeat, 3);
    }

    #[test]
    fn v2_advert_int_rounded() {
        let c = conv(&format!(
            "{BASE} advert_int 1.6\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        assert_eq!(c.engine.instances[0].advert_int, Duration::from_secs(2));
        let mut m = Vec::new();
        assert_eq!(
            advert_interval("X", 2.5, Version::V2, &mut m),
            Duration::from_secs(3)
        );
        assert!(m[0].text.contains("must be an integer"));
        assert_eq!(
            advert_interval("X", 300.0, Version::V2, &mut m),
            Duration::from_secs(255)
        );
        assert_eq!(
            advert_interval("X", 0.123, Version::V3, &mut m),
            Duration::from_millis(120)
        );
        assert_eq!(
            advert_interval("X", 50.0, Version::V3, &mut m),
            Duration::from_millis(40950)
        );
    }

    #[test]
    fn ipv6_instance_uses_v3_and_link_local() {
        let c = conv(&format!(
            "{BASE} virtual_ipaddress {{\n fe80::10\n 2001:db8::10/64\n }}\n}}\n"
        ));
        let i = &c.engine.instances[0];
        assert_eq!(i.family, Family::V6);
        assert_eq!(i.version, Version::V3);
        assert_eq!(i.src_addr, "fe80::1".parse::<IpAddr>().unwrap());
        assert_eq!(i.mcast_group, "ff02::12".parse::<IpAddr>().unwrap());
        assert_eq!(i.vips.len(), 2);
    }

    #[test]
    fn rejected_instances_are_skipped_with_log() {
        // Unknown interface.
        let c = conv("vrrp_instance A {\n interface nope0\n virtual_router_id 1\n}\n");
        assert!(c.engine.instances.is_empty());
        assert!(texts(&c)
            .iter()
            .any(|t| t == "Cant find interface nope0 for vrrp_instance A !!!"));
        // No address on the interface.
        let c = conv("vrrp_instance B {\n interface eth1\n virtual_router_id 1\n}\n");
        assert!(c.engine.instances.is_empty());
        assert!(texts(&c)
            .iter()
            .any(|t| t == "(B): Cannot find an IP address to use for interface eth1"));
        // Strict mode with unicast peers.
        let c = conv(&format!(
            "global_defs {{\n vrrp_strict\n}}\n{BASE} unicast_peer {{\n 192.168.1.2\n }}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        assert!(c.engine.instances.is_empty());
        // Duplicate VRID on one interface: the second is dropped.
        let c = conv(&format!(
            "{BASE} virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\nvrrp_instance VI_2 {{\n interface enp11s0f0\n virtual_router_id 7\n virtual_ipaddress {{\n 10.0.0.2\n }}\n}}\n"
        ));
        assert_eq!(c.engine.instances.len(), 1);
        assert!(texts(&c)
            .iter()
            .any(|t| t == "VRID 7 is duplicated on interface enp11s0f0"));
    }

    #[test]
    fn unknown_vip_dev_is_skipped() {
        let c = conv(&format!(
            "{BASE} virtual_ipaddress {{\n 10.0.0.1 dev nope0\n 10.0.0.2\n }}\n}}\n"
        ));
        let i = &c.engine.instances[0];
        assert_eq!(i.vips.len(), 1);
        assert_eq!(i.vips[0].addr, "10.0.0.2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn strict_mode_adjustments() {
        let c = conv(
            "global_defs {\n vrrp_strict\n}\nvrrp_instance VI_1 {\n state MASTER\n priority 100\n interface enp11s0f0\n virtual_router_id 7\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
        );
        let i = &c.engine.instances[0];
        assert_eq!(i.initial_state, InitialState::Backup);
        assert!(!i.accept);
        assert!(i.lower_prio_no_advert);
        assert_eq!(i.garp.lower_prio_repeat, 0);
    }

    #[test]
    fn track_script_weight_and_scripts_to_run() {
        let c = conv(&format!(
            "vrrp_script chk {{\n script \"/bin/true x\"\n interval 2\n weight -20\n rise 2\n}}\nvrrp_script unused {{\n script /bin/false\n}}\n{BASE} track_script {{\n chk\n }}\n track_interface {{\n eth1 weight 5\n ghost0\n }}\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        let i = &c.engine.instances[0];
        assert_eq!(
            i.track_scripts,
            vec![TrackScript {
                name: "chk".into(),
                weight: -20
            }]
        );
        assert_eq!(
            i.track_interfaces,
            vec![TrackInterface {
                name: "eth1".into(),
                weight: 5
            }]
        );
        assert_eq!(c.engine.scripts.len(), 1);
        assert_eq!(c.engine.scripts[0].rise, 2);
        assert_eq!(
            c.scripts,
            vec![ScriptSpec {
                name: "chk".into(),
                command: "/bin/true x".into(),
                interval: Duration::from_secs(2),
                timeout: Duration::from_secs(2),
            }]
        );
    }

    #[test]
    fn sync_groups_need_two_existing_members() {
        let two = format!(
            "{BASE} virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\nvrrp_instance VI_2 {{\n interface enp11s0f0\n virtual_router_id 8\n virtual_ipaddress {{\n 10.0.0.2\n }}\n}}\n"
        );
        let c = conv(&format!(
            "{two}vrrp_sync_group G1 {{\n group {{\n VI_1\n VI_2\n }}\n notify \"/x.sh\"\n}}\nvrrp_sync_group G2 {{\n group {{\n VI_1\n GHOST\n }}\n}}\n"
        ));
        assert_eq!(c.engine.sync_groups.len(), 1);
        assert_eq!(c.engine.sync_groups[0].members, vec!["VI_1", "VI_2"]);
        // Whatever the parser already dropped, the converter alone must also refuse
        // unknown members, double membership and groups left with < 2 members.
        let mut cfg = load(&two);
        let names = |v: &[&str]| {
            v.iter()
                .map(|n| conf::Name {
                    name: n.to_string(),
                    span: conf::Span::default(),
                })
                .collect::<Vec<_>>()
        };
        cfg.sync_groups = vec![
            conf::SyncGroup {
                name: "G1".into(),
                group: names(&["VI_1", "VI_2"]),
                ..Default::default()
            },
            conf::SyncGroup {
                name: "G2".into(),
                group: names(&["VI_1", "GHOST"]),
                ..Default::default()
            },
        ];
        let c2 = convert(&cfg, &ifs(), ConvertOptions::default());
        assert_eq!(c2.engine.sync_groups.len(), 1);
        let t = texts(&c2);
        assert!(t.contains(
            &"Virtual router GHOST specified in sync group G2 doesn't exist - ignoring".to_string()
        ));
        assert!(t.contains(
            &"Virtual router VI_1 cannot exist in more than one sync group; ignoring G2"
                .to_string()
        ));
        assert!(t.contains(&"Sync group G2 has only 0 virtual router(s) - removing".to_string()));
        assert_eq!(
            c.notify
                .commands(&NotifyTarget::Group("G1".into()), NotifyState::Master, 0),
            vec!["/x.sh GROUP \"G1\" MASTER 0"]
        );
    }

    #[test]
    fn notify_lines_in_keepalived_order() {
        let c = conv(&format!(
            "{BASE} notify_master \"/m.sh arg\"\n notify /n.sh\n notify_stop /s.sh\n virtual_ipaddress {{\n 10.0.0.1\n }}\n}}\n"
        ));
        let t = NotifyTarget::Instance("VI_1".into());
        assert_eq!(
            c.notify.commands(&t, NotifyState::Master, 100),
            vec!["/m.sh arg", "/n.sh INSTANCE \"VI_1\" MASTER 100"]
        );
        assert_eq!(
            c.notify.commands(&t, NotifyState::Fault, 90),
            vec!["/n.sh INSTANCE \"VI_1\" FAULT 90"]
        );
        assert_eq!(c.notify.commands(&t, NotifyState::Stop, 0), vec!["/s.sh"]);
        assert_eq!(c.notify.stop_commands(), vec!["/s.sh"]);
    }
}
