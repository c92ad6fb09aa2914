//! GARP pacing (issue 10 §4) on the wire: `vrrp_garp_interval` and `garp_group`, captured on
//! the lab bridge (node A runs alone; the capture shows every gratuitous ARP it sends), and
//! `gna_interval` for IPv6 VIPs, captured on the far end of a veth pair.
//!
//! What is asserted is keepalived 1.3.5's schedule (`vrrp_arp.c`, `vrrp_arp_thread`): on a
//! paced interface frames leave at least the interval apart, and a burst's repeats collapse
//! (an address already waiting is not queued twice), so 3 VIPs × 3 repeats give 4 frames:
//! the first VIP at once and again after one interval, then the second and the third.
//! keepalived 2.2.7 schedules the same way; `keepalived_paces_the_same` checks it on node B.
//!
//! Wire spacing: the daemon measures the interval from the instant it decides to send a frame,
//! and the frame reaches the bridge slightly later (the first of a mastership only after the
//! VIPs are added over netlink), so a gap on the wire can be shorter than the interval by that
//! delay; [`SEND_JITTER`] bounds it. The exact schedule is tested on the virtual clock in
//! `crates/vrrp-engine/tests/garp_pacing.rs`.
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use lab::{now, sleep, Daemon, Impl, Lab, NodeId, Packet};
use netns_support::{have, is_root, lock_lab, unavailable, veth, Netns};

/// How much later than decided a frame may reach the capture on a loaded 2-core machine
/// (seconds): the first frame follows the VIP adds.
const SEND_JITTER: f64 = 0.02;

/// The three VIPs of these tests, in configuration order.
const VIPS: [&str; 3] = ["192.168.1.210", "192.168.1.211", "192.168.1.212"];

/// A MASTER (or BACKUP) on `enp11s0f0` with the three VIPs, `global` inside `global_defs`,
/// `extra` at top level and `instance` inside the instance.
fn write_conf(
    lab: &Lab,
    name: &str,
    state: &str,
    prio: u8,
    global: &str,
    extra: &str,
    instance: &str,
) -> PathBuf {
    let vips: String = VIPS.iter().map(|v| format!("        {v}/24\n")).collect();
    let text = format!(
        "global_defs {{
    router_id {name}
{global}
}}
{extra}
vrrp_instance VI_1 {{
    state {state}
    interface enp11s0f0
    virtual_router_id 51
    priority {prio}
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass 1111
    }}
{instance}
    virtual_ipaddress {{
{vips}    }}
}}
"
    );
    let path = lab.dir.join(format!("{name}.conf"));
    std::fs::write(&path, text).expect("write config");
    path
}

/// The gratuitous ARPs from `mac` for our VIPs captured at or after `since`: (time, VIP).
fn garps(pkts: &[Packet], mac: &str, since: f64) -> Vec<(f64, String)> {
    pkts.iter()
        .filter(|p| p.t >= since && VIPS.iter().any(|v| p.is_garp(v, mac)))
        .map(|p| (p.t, p.arp_spa.clone()))
        .collect()
}

/// Asserts consecutive frames are at least `interval` apart (less the send jitter).
fn assert_spaced(frames: &[(f64, String)], interval: f64) {
    let gaps: Vec<String> = frames
        .windows(2)
        .map(|w| format!("{:.4}", w[1].0 - w[0].0))
        .collect();
    println!(
        "interval {interval} s, gaps on the wire: {}",
        gaps.join(" ")
    );
    for w in frames.windows(2) {
        let gap = w[1].0 - w[0].0;
        assert!(
            gap >= interval - SEND_JITTER,
            "gratuitous ARPs {gap:.4} s apart, interval {interval} s: {frames:?}"
        );
    }
}

fn addrs(frames: &[(f64, String)]) -> Vec<&str> {
    frames.iter().map(|f| f.1.as_str()).collect()
}

/// The 1.3.5 order of one paced burst of the three VIPs with 3 repeats.
const BURST: [&str; 4] = [VIPS[0], VIPS[0], VIPS[1], VIPS[2]];

/// `vrrp_garp_interval 0.3`: both bursts of a mastership (at the VIP add and
/// `garp_master_delay` 2 s later) are paced, 4 frames each, ≥ 0.3 s apart.
#[test]
fn vrrp_garp_interval_spaces_the_bursts() {
    let Some(mut lab) = Lab::new("gp1", Impl::Ours, Impl::Ours) else {
        return;
    };
    let conf = write_conf(
        &lab,
        "NodeA",
        "MASTER",
        100,
        "    vrrp_garp_interval 0.3",
        "",
        "    garp_master_repeat 3\n    garp_master_delay 2",
    );
    let t = lab.start_conf(NodeId::A, &conf);
    let t_vip = lab
        .a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    // Second burst starts 2 s after the first and lasts 0.9 s.
    sleep(t_vip + 2.0 + 0.9 + 1.0 - now());
    let frames = garps(&lab.capture.packets(), &lab.a.mac, t);
    let mut want = BURST.to_vec();
    want.extend(BURST);
    assert_eq!(addrs(&frames), want, "{frames:?}");
    assert_spaced(&frames, 0.3);
    // The second burst starts garp_master_delay after the first.
    let second = frames[4].0 - frames[0].0;
    assert!(
        (1.9..2.5).contains(&second),
        "second burst {second:.3} s after the first"
    );
    assert!(lab
        .a
        .daemon()
        .log_text()
        .contains("Registering gratuitous ARP shared channel"));
}

/// A `garp_group` beats the global interval on its interfaces, and its `garp_interval` is
/// read in whole seconds as 1.3.5 reads it: 1.9 paces at 1 s.
#[test]
fn garp_group_interval_in_whole_seconds() {
    let Some(mut lab) = Lab::new("gp2", Impl::Ours, Impl::Ours) else {
        return;
    };
    let conf = write_conf(
        &lab,
        "NodeA",
        "MASTER",
        100,
        "    vrrp_garp_interval 0.1\n    vrrp_garp_master_delay 0",
        "garp_group {\n    garp_interval 1.9\n    interfaces {\n        enp11s0f0\n    }\n}\n",
        "    garp_master_repeat 2",
    );
    let t = lab.start_conf(NodeId::A, &conf);
    let t_vip = lab
        .a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    sleep(t_vip + 3.0 + 1.5 - now());
    let frames = garps(&lab.capture.packets(), &lab.a.mac, t);
    // 3 VIPs, 2 repeats, 1 s apart: the first VIP twice, then the others; no second burst.
    assert_eq!(addrs(&frames), BURST.to_vec(), "{frames:?}");
    assert_spaced(&frames, 1.0);
    for w in frames.windows(2) {
        let gap = w[1].0 - w[0].0;
        assert!(
            gap < 1.5,
            "paced at {gap:.3} s, not at the whole second: {frames:?}"
        );
    }
    let log = lab.a.daemon().log_text();
    assert!(
        log.contains("garp_group garp_interval 1.9 is taken as 1 seconds"),
        "no truncation line in the log"
    );
}

/// keepalived 2.2.7 with the same `vrrp_garp_interval` paces its burst the same way (checked
/// on its own mastership: 2.2.7 starts in BACKUP and takes over after master-down).
#[test]
fn keepalived_paces_the_same() {
    let Some(mut lab) = Lab::new("gp3", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    let conf = write_conf(
        &lab,
        "NodeB",
        "BACKUP",
        90,
        "    vrrp_garp_interval 0.3\n    vrrp_garp_master_delay 0",
        "",
        "    garp_master_repeat 3",
    );
    let t = lab.start_conf(NodeId::B, &conf);
    let t_vip = lab
        .b
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("keepalived never took the VIP");
    sleep(t_vip + 0.9 + 1.5 - now());
    let frames = garps(&lab.capture.packets(), &lab.b.mac, t);
    assert!(frames.len() >= 4, "{frames:?}");
    assert_eq!(addrs(&frames[..4]), BURST.to_vec(), "{frames:?}");
    assert_spaced(&frames[..4], 0.3);
}

/// A daemon namespace and a peer namespace joined by a veth pair, IPv6 on, with a capture of
/// unsolicited neighbour adverts on the peer's end. Drops (kills, deletes) everything.
struct V6Lab {
    dir: PathBuf,
    daemon: Option<Daemon>,
    tcpdump: Option<Child>,
    pcap: PathBuf,
    mac: String,
    ns: String,
    _namespaces: Vec<Netns>,
    _lock: netns_support::LabLock,
}

impl V6Lab {
    fn new() -> Option<V6Lab> {
        if !is_root() {
            return unavailable("not running as root");
        }
        for tool in ["ip", "tcpdump", "tshark"] {
            if !have(tool) {
                return unavailable(&format!("`{tool}` is not installed"));
            }
        }
        let lock = lock_lab();
        let id = format!("kr{}g6", std::process::id());
        let (d, p) = (format!("{id}-d"), format!("{id}-p"));
        let dns = match Netns::add_with_lo(&d) {
            Ok(ns) => ns,
            Err(e) => return unavailable(&format!("cannot create a network namespace: {e}")),
        };
        let pns = lab_ok(Netns::add_with_lo(&p));
        lab_ok(veth(&d, "eth0", "eth0p", Some(&p)));
        lab_ok(dns.ip(&["addr", "add", "fe80::d/64", "dev", "eth0", "nodad"]));
        lab_ok(pns.ip(&["addr", "add", "fe80::e/64", "dev", "eth0p", "nodad"]));
        lab_ok(dns.ip(&["link", "set", "eth0", "up"]));
        lab_ok(pns.ip(&["link", "set", "eth0p", "up"]));
        let dir = std::env::temp_dir().join(format!("keepalived-rs-lab-{id}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create lab dir");
        let pcap = dir.join("na.pcap");
        let err = std::fs::File::create(dir.join("tcpdump.log")).expect("tcpdump log");
        let tcpdump = Command::new("ip")
            .args([
                "netns",
                "exec",
                &p,
                "tcpdump",
                "--immediate-mode",
                "-U",
                "-n",
            ])
            .args(["-i", "eth0p", "-w"])
            .arg(&pcap)
            .arg("icmp6 and ip6[40] == 136")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn tcpdump");
        let mac = mac_of_dev(&d, "eth0");
        let v6 = V6Lab {
            dir,
            daemon: None,
            tcpdump: Some(tcpdump),
            pcap,
            mac,
            ns: d,
            _namespaces: vec![dns, pns],
            _lock: lock,
        };
        let deadline = now() + 10.0;
        while !std::fs::read_to_string(v6.dir.join("tcpdump.log"))
            .unwrap_or_default()
            .contains("listening on")
        {
            assert!(now() < deadline, "tcpdump did not start");
            sleep(0.02);
        }
        Some(v6)
    }

    fn start(&mut self, conf: &Path) -> f64 {
        let d = Daemon::start(Impl::Ours, &self.ns, conf, &self.dir, "v6", 1);
        let t = d.started_at;
        self.daemon = Some(d);
        t
    }

    /// (time, target) of the unsolicited NAs from the daemon's interface captured so far.
    fn adverts(&self) -> Vec<(f64, String)> {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&self.pcap)
            .args(["-T", "fields", "-e", "frame.time_epoch", "-e", "eth.src"])
            .args([
                "-e",
                "icmpv6.nd.na.target_address",
                "-e",
                "icmpv6.nd.na.flag.s",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("run tshark");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let unsolicited = f.get(3).is_some_and(|s| *s == "0" || *s == "False");
                (f.len() == 4 && f[1] == self.mac && unsolicited)
                    .then(|| Some((f[0].parse().ok()?, f[2].to_string())))
                    .flatten()
            })
            .collect()
    }
}

impl Drop for V6Lab {
    fn drop(&mut self) {
        if let Some(d) = self.daemon.as_mut() {
            d.kill_group();
        }
        if let Some(mut t) = self.tcpdump.take() {
            // SAFETY: kill(2) on our own unreaped child.
            unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
            let deadline = now() + 3.0;
            while now() < deadline && !matches!(t.try_wait(), Ok(Some(_))) {
                sleep(0.02);
            }
            let _ = t.kill();
            let _ = t.wait();
        }
        if std::thread::panicking() {
            if let Some(d) = &self.daemon {
                eprintln!("---- daemon log ----\n{}", d.log_text());
            }
            eprintln!("lab files kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// MAC address of `dev` in namespace `ns`.
fn mac_of_dev(ns: &str, dev: &str) -> String {
    let out = lab_ok(lab::ip(&["-n", ns, "-o", "link", "show", "dev", dev]));
    out.split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no MAC in: {out}"))
}

fn lab_ok<T>(r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| panic!("lab setup: {e}"))
}

/// `garp_group { gna_interval 0.3 }`: unsolicited NAs for three IPv6 VIPs leave as 1.3.5
/// schedules them (4 frames for 3 repeats, ≥ 0.3 s apart), from the daemon's MAC.
#[test]
fn gna_interval_spaces_unsolicited_neighbour_adverts() {
    let Some(mut v6) = V6Lab::new() else {
        return;
    };
    let targets = ["2001:db8::10", "2001:db8::11", "2001:db8::12"];
    let vips: String = targets
        .iter()
        .map(|t| format!("        {t}/64\n"))
        .collect();
    let conf = v6.dir.join("v6.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{
    router_id N6
    vrrp_garp_master_delay 0
}}
garp_group {{
    gna_interval 0.3
    interface eth0
}}
vrrp_instance V6 {{
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    garp_master_repeat 3
    virtual_ipaddress {{
{vips}    }}
}}
"
        ),
    )
    .expect("write config");
    let t = v6.start(&conf);
    let deadline = t + 10.0;
    while v6.adverts().len() < 4 && now() < deadline {
        sleep(0.2);
    }
    println!("4 NAs after {:.3} s", now() - t);
    // Anything more would come within the next interval.
    sleep(1.0);
    let nas = v6.adverts();
    let got: Vec<&str> = nas.iter().map(|n| n.1.as_str()).collect();
    assert_eq!(
        got,
        vec![targets[0], targets[0], targets[1], targets[2]],
        "{nas:?}"
    );
    assert_spaced(&nas, 0.3);
}
