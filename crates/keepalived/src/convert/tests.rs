//! Conversion of whole configurations, checked against keepalived 1.3.5's results and log lines.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{
    Auth, Family, GarpConfig, InitialState, NotifyState, NotifyTarget, TrackInterface, TrackScript,
    Version, Vip,
};

use super::instance::advert_interval;
use super::*;
use crate::scripts::ScriptSpec;

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
            vmac_base: None,
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
            vmac_base: None,
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
            run_as: Default::default(),
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
        &"Virtual router VI_1 cannot exist in more than one sync group; ignoring G2".to_string()
    ));
    assert!(t.contains(&"Sync group G2 has only 0 virtual router(s) - removing".to_string()));
    assert_eq!(
        c.notify
            .commands(&NotifyTarget::Group("G1".into()), NotifyState::Master, 0),
        vec!["\"/x.sh\" GROUP \"G1\" MASTER 0"]
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
        vec!["/m.sh arg", "\"/n.sh\" INSTANCE \"VI_1\" MASTER 100"]
    );
    assert_eq!(
        c.notify.commands(&t, NotifyState::Fault, 90),
        vec!["\"/n.sh\" INSTANCE \"VI_1\" FAULT 90"]
    );
    assert_eq!(c.notify.commands(&t, NotifyState::Stop, 0), vec!["/s.sh"]);
    assert_eq!(c.notify.stop_commands(), vec!["/s.sh"]);
}

/// Three instances (VI_3 the address owner) in a sync group, each tracking weighted and
/// unweighted objects; VI_4 outside the group tracks `shared` with a weight.
fn sync_weights_conf(global_tracking: bool) -> String {
    let inst = |n: u8, prio: u8, tracks: &str| {
        format!(
            "vrrp_instance VI_{n} {{\n interface enp11s0f0\n virtual_router_id {n}\n priority {prio}\n virtual_ipaddress {{\n 10.0.0.{n}\n }}\n{tracks}}}\n"
        )
    };
    format!(
        "vrrp_script by_block {{\n script /bin/true\n weight -20\n}}\n\
         vrrp_script zero {{\n script /bin/true\n}}\n\
         vrrp_script by_line {{\n script /bin/true\n}}\n\
         vrrp_script owner_w {{\n script /bin/true\n weight 5\n}}\n\
         vrrp_script shared {{\n script /bin/true\n weight 2\n}}\n\
         {}{}{}{}\
         vrrp_sync_group G {{\n group {{\n VI_1\n VI_2\n VI_3\n }}\n{}}}\n",
        inst(
            1,
            100,
            " track_interface {\n eth1 weight 10\n enp11s0f0\n }\n track_script {\n by_block\n zero\n shared\n }\n"
        ),
        inst(2, 100, " track_script {\n by_line weight 7\n by_block weight 0\n }\n"),
        inst(
            3,
            255,
            " track_interface {\n eth1 weight -5\n }\n track_script {\n owner_w\n zero\n }\n"
        ),
        inst(4, 100, " track_script {\n shared\n }\n"),
        if global_tracking { " global_tracking\n" } else { "" },
    )
}

#[test]
fn sync_group_members_ignore_weighted_scripts_and_fault_on_weighted_interfaces() {
    let c = conv(&sync_weights_conf(false));
    let track = |n: usize| {
        let i = &c.engine.instances[n];
        let ifs: Vec<(&str, i32)> = i
            .track_interfaces
            .iter()
            .map(|t| (t.name.as_str(), t.weight))
            .collect();
        let scripts: Vec<(&str, i32)> = i
            .track_scripts
            .iter()
            .map(|t| (t.name.as_str(), t.weight))
            .collect();
        (ifs, scripts)
    };
    // Weighted interface → weight 0 (a FAULT trigger); weighted scripts, whether the weight
    // comes from the vrrp_script block or the track_script line, are gone.
    assert_eq!(
        track(0),
        (vec![("eth1", 0), ("enp11s0f0", 0)], vec![("zero", 0)])
    );
    assert_eq!(track(1), (vec![], vec![("by_block", 0)]));
    // The owner: weights never matter, nothing to log, nothing to fault on.
    assert_eq!(track(2), (vec![], vec![("zero", 0)]));
    // Outside the group nothing changes.
    assert_eq!(track(3), (vec![], vec![("shared", 2)]));
    let t = texts(&c);
    let lines: Vec<&String> = t.iter().filter(|l| l.contains("SYNC group")).collect();
    assert_eq!(
        lines,
        [
            "VRRP_Instance(VI_1) : ignoring weights of tracked interface due to SYNC group",
            "VRRP_Instance(VI_1) : ignoring tracked script with weights due to SYNC group",
            "VRRP_Instance(VI_2) : ignoring tracked script with weights due to SYNC group",
        ]
    );
    // Scripts still counted on run: by_block (VI_2 with weight 0), zero, shared (VI_4) and
    // the owner's owner_w; by_line has no user left.
    let mut running: Vec<&str> = c.scripts.iter().map(|s| s.name.as_str()).collect();
    running.sort_unstable();
    assert_eq!(running, ["by_block", "owner_w", "shared", "zero"]);
}

#[test]
fn global_tracking_keeps_member_weights() {
    let c = conv(&sync_weights_conf(true));
    let i = &c.engine.instances[0];
    assert_eq!(i.track_interfaces[0].weight, 10);
    assert_eq!(i.track_scripts.len(), 3);
    assert_eq!(c.engine.instances[2].track_scripts.len(), 2);
    assert!(!texts(&c).iter().any(|l| l.contains("SYNC group")));
    assert_eq!(c.scripts.len(), 5);
}
