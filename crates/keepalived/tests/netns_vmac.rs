//! `use_vmac` and `vmac_xmit_base` (issue 11 §3) on the wire.
//!
//! The lab's two nodes run VRID 51 with `use_vmac`; a client namespace on the LAN (a third
//! port of the lab bridge, 192.168.1.50) asks for the VIP with ARP, and the ARP replies,
//! captured on the client's own interface (a unicast reply never shows on the bridge device),
//! must give 00:00:5e:00:01:33, the VRRP virtual MAC of VRID 51: before a failover (node A
//! MASTER) and after it (node B MASTER). The adverts on the bridge leave from that MAC too.
//! After our daemon stops its VMAC is gone and the base interface's `arp_ignore` /
//! `arp_filter` are back to what they were. Node B runs ours, then keepalived 2.2.7.
//!
//! Other tests: `vmac_xmit_base` (adverts from the base interface's MAC, ARP still answered
//! with the virtual MAC), a VMAC left by a crashed daemon, reused at the next start, and an
//! IPv6 instance (virtual MAC 00:00:5e:00:02:33, no address generated from it, the base's
//! link-local address as advert source, neighbour solicitations answered with the virtual MAC)
//! in a pair of namespaces of its own with IPv6 on.
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use lab::{now, sleep, Capture, Daemon, Impl, Lab, NodeId, Packet, ADDR_A, ADDR_B, IFACE, VIP};
use netns_support::{have, ip, ip_ok, is_root, lock_lab, unavailable, veth, Netns};

/// The VRRP virtual MAC of VRID 51 (IPv4).
const VMAC: &str = "00:00:5e:00:01:33";
/// The VMAC interface's default name for VRID 51.
const VMAC_IF: &str = "vrrp.51";
/// The client's address on the LAN.
const CLIENT: &str = "192.168.1.50";

/// A node's configuration: VRID 51 on `enp11s0f0` with `use_vmac` and `extra` in the instance.
fn write_conf(lab: &Lab, name: &str, state: &str, prio: u8, extra: &str) -> PathBuf {
    let text = format!(
        "global_defs {{
    router_id {name}
}}
vrrp_instance VI_1 {{
    state {state}
    interface {IFACE}
    virtual_router_id 51
    priority {prio}
    advert_int 1
    use_vmac
{extra}
    authentication {{
        auth_type PASS
        auth_pass 1111
    }}
    virtual_ipaddress {{
        {VIP}/24
    }}
}}
"
    );
    let path = lab.dir.join(format!("{name}.conf"));
    std::fs::write(&path, text).expect("write config");
    path
}

/// A client on the lab's LAN with a capture on its interface; dropping it stops the capture
/// and deletes its namespace (and veth pair).
struct Client {
    ns: Netns,
    capture: Capture,
}

impl Client {
    fn new(lab: &Lab) -> Client {
        let ns = Netns::add(&format!("{}-c", lab.prefix)).expect("client namespace");
        ns.disable_ipv6().expect("client: IPv6 off");
        ip_ok(&["-n", ns.name(), "link", "set", "lo", "up"]);
        veth(&lab.lan, "vethc", "eth0", Some(ns.name())).expect("client veth");
        ip_ok(&["-n", &lab.lan, "link", "set", "vethc", "master", "br0"]);
        ip_ok(&["-n", &lab.lan, "link", "set", "vethc", "up"]);
        ip_ok(&[
            "-n",
            ns.name(),
            "addr",
            "add",
            &format!("{CLIENT}/24"),
            "dev",
            "eth0",
        ]);
        ip_ok(&["-n", ns.name(), "link", "set", "eth0", "up"]);
        let capture = Capture::start(ns.name(), "eth0", &lab.dir.join("client.pcap"));
        Client { ns, capture }
    }

    /// Forgets the VIP's MAC and pings it, which makes the client ARP for it; returns when
    /// the ping is done (its result does not matter: the ARP exchange is what is judged).
    fn ask_for_vip(&self) -> f64 {
        let t = now();
        let _ = ip(&["-n", self.ns.name(), "neigh", "flush", "dev", "eth0"]);
        let _ = std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                self.ns.name(),
                "ping",
                "-c",
                "1",
                "-W",
                "1",
                VIP,
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        t
    }

    /// The ARP replies for the VIP the client received at or after `since`, waiting up to
    /// 5 s for the first.
    fn vip_replies(&self, since: f64) -> Vec<Packet> {
        let is_reply = |p: &Packet| p.is_arp() && p.arp_opcode == "2" && p.arp_spa == VIP;
        self.capture.wait_for(since, 5.0, is_reply);
        self.capture
            .packets()
            .into_iter()
            .filter(|p| p.t >= since && is_reply(p))
            .collect()
    }

    /// Asserts the VIP is answered, only with the virtual MAC.
    fn assert_vip_at_vmac(&self, when: &str) {
        let since = self.ask_for_vip();
        let replies = self.vip_replies(since);
        assert!(!replies.is_empty(), "{when}: no ARP reply for {VIP}");
        for p in &replies {
            assert_eq!(
                (p.arp_sha.as_str(), p.eth_src.as_str()),
                (VMAC, VMAC),
                "{when}: ARP reply for {VIP} from another MAC: {}",
                p.summary()
            );
        }
        println!("{when}: {} ARP reply(ies), all at {VMAC}", replies.len());
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.capture.stop();
    }
}

/// Does the node's VMAC interface exist, with the virtual MAC, as a private macvlan?
fn vmac_exists(ns: &str) -> bool {
    match ip(&["-n", ns, "-d", "-o", "link", "show", "dev", VMAC_IF]) {
        Ok(out) => {
            assert!(
                out.contains(&format!("link/ether {VMAC}")) && out.contains("macvlan mode private"),
                "{VMAC_IF} is not a private macvlan with {VMAC}: {out}"
            );
            true
        }
        Err(_) => false,
    }
}

/// Does the node's VMAC carry the VIP?
fn vip_on_vmac(ns: &str) -> bool {
    ip(&["-n", ns, "-4", "-o", "addr", "show", "dev", VMAC_IF])
        .is_ok_and(|out| out.contains(&format!(" {VIP}/")))
}

fn wait_until(secs: f64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = now() + secs;
    loop {
        if cond() {
            return true;
        }
        if now() > deadline {
            return false;
        }
        sleep(0.05);
    }
}

/// `net.ipv4.conf.IF.KEY` in namespace `ns`.
fn conf_value(ns: &str, iface: &str, key: &str) -> String {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", ns, "cat"])
        .arg(format!("/proc/sys/net/ipv4/conf/{iface}/{key}"))
        .output()
        .expect("read sysctl");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The base interface's ARP settings (arp_ignore, arp_filter).
fn base_arp(ns: &str) -> (String, String) {
    (
        conf_value(ns, IFACE, "arp_ignore"),
        conf_value(ns, IFACE, "arp_filter"),
    )
}

/// While our daemon runs: 1.3.5's settings on the VMAC and its base interface.
fn assert_vmac_settings(ns: &str) {
    let vmac: Vec<String> = [
        "arp_ignore",
        "accept_local",
        "rp_filter",
        "promote_secondaries",
    ]
    .iter()
    .map(|k| conf_value(ns, VMAC_IF, k))
    .collect();
    assert_eq!(vmac, ["1", "1", "0", "1"], "VMAC sysctls");
    assert_eq!(
        base_arp(ns),
        ("1".into(), "1".into()),
        "base interface sysctls"
    );
}

/// Stops our daemon on `id` and checks it cleaned up: VMAC deleted, base settings restored.
fn stop_and_check_cleanup(lab: &mut Lab, id: NodeId, before: &(String, String)) {
    let ns = lab.node_ns(id);
    let d = lab.node(id).daemon();
    d.terminate();
    assert!(d.wait_exit(10.0).is_some(), "daemon did not stop");
    assert!(
        d.log_text()
            .contains("vmac: Success removing VMAC interface vrrp.51 for vrrp_instance VI_1"),
        "no removal line in the log"
    );
    assert!(
        !vmac_exists(&ns),
        "{VMAC_IF} left on node {id:?} after stop"
    );
    assert_eq!(
        &base_arp(&ns),
        before,
        "base sysctls not restored on {id:?}"
    );
}

/// The adverts captured on the bridge from `src` at or after `since`.
fn adverts_from(lab: &Lab, src: &str, since: f64) -> Vec<Packet> {
    lab.capture
        .packets()
        .into_iter()
        .filter(|p| p.t >= since && p.is_advert_from(src) && p.prio != Some(0))
        .collect()
}

fn failover(id: &str, b_imp: Impl) {
    let Some(mut lab) = Lab::new(id, Impl::Ours, b_imp) else {
        return;
    };
    let client = Client::new(&lab);
    let conf_a = write_conf(&lab, "NodeA", "MASTER", 100, "");
    let conf_b = write_conf(&lab, "NodeB", "BACKUP", 90, "");
    let (ns_a, ns_b) = (lab.node_ns(NodeId::A), lab.node_ns(NodeId::B));
    let (before_a, before_b) = (base_arp(&ns_a), base_arp(&ns_b));

    let t0 = lab.start_conf(NodeId::A, &conf_a);
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_a)),
        "node A: VIP not on {VMAC_IF}"
    );
    assert!(
        !lab.a.has_vip(),
        "node A: the VIP is on {IFACE}, not only on the VMAC"
    );
    assert_vmac_settings(&ns_a);
    lab.start_conf(NodeId::B, &conf_b);
    assert!(
        wait_until(10.0, || vmac_exists(&ns_b)),
        "node B: no {VMAC_IF}"
    );
    // B hears A through its own VMAC and stays BACKUP.
    sleep(4.0);
    assert!(!vip_on_vmac(&ns_b), "node B took the VIP while A is MASTER");
    client.assert_vip_at_vmac("A MASTER");
    let from_a = adverts_from(&lab, ADDR_A, t0);
    assert!(!from_a.is_empty(), "no advert from A");
    assert!(
        from_a.iter().all(|p| p.eth_src == VMAC),
        "A's adverts must leave from {VMAC}: {:?}",
        from_a.iter().map(Packet::summary).collect::<Vec<_>>()
    );

    // Failover: A stops (priority 0, VIP and VMAC removed), B takes over.
    let t_stop = now();
    stop_and_check_cleanup(&mut lab, NodeId::A, &before_a);
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_b)),
        "node B: VIP not on {VMAC_IF} after A stopped"
    );
    client.assert_vip_at_vmac("B MASTER");
    let garp = lab.capture.wait_for(t_stop, 5.0, |p| p.is_garp(VIP, VMAC));
    assert!(
        garp.is_some(),
        "no gratuitous ARP from {VMAC} after failover"
    );
    assert!(
        lab.capture
            .wait_for(t_stop, 5.0, |p| p.is_advert_from(ADDR_B)
                && p.prio == Some(90)
                && p.eth_src == VMAC)
            .is_some(),
        "no advert from B at {VMAC}"
    );
    if b_imp == Impl::Ours {
        assert_vmac_settings(&ns_b);
        stop_and_check_cleanup(&mut lab, NodeId::B, &before_b);
    }
    drop(client);
}

/// Ours on both nodes.
#[test]
fn vip_at_virtual_mac_before_and_after_failover() {
    failover("vm1", Impl::Ours);
}

/// Ours on A, keepalived 2.2.7 on B.
#[test]
fn vip_at_virtual_mac_with_keepalived_on_the_backup() {
    failover("vm2", Impl::Keepalived);
}

/// `vmac_xmit_base`: adverts leave from the base interface (its MAC), the VIP is still on the
/// VMAC and answered with the virtual MAC.
#[test]
fn xmit_base_sends_adverts_from_the_base_interface() {
    let Some(mut lab) = Lab::new("vm3", Impl::Ours, Impl::Ours) else {
        return;
    };
    let client = Client::new(&lab);
    let conf = write_conf(&lab, "NodeA", "MASTER", 100, "    vmac_xmit_base");
    let ns_a = lab.node_ns(NodeId::A);
    let before = base_arp(&ns_a);
    let t0 = lab.start_conf(NodeId::A, &conf);
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_a)),
        "VIP not on {VMAC_IF}"
    );
    client.assert_vip_at_vmac("xmit_base");
    assert!(
        lab.capture
            .wait_for(t0, 5.0, |p| p.is_garp(VIP, VMAC))
            .is_some(),
        "gratuitous ARPs must still leave from {VMAC}"
    );
    sleep(2.5);
    let adverts = adverts_from(&lab, ADDR_A, t0);
    assert!(adverts.len() >= 2, "too few adverts: {}", adverts.len());
    let base_mac = lab.a.mac.clone();
    assert!(
        adverts.iter().all(|p| p.eth_src == base_mac),
        "adverts must leave from {IFACE} ({base_mac}): {:?}",
        adverts.iter().map(Packet::summary).collect::<Vec<_>>()
    );
    stop_and_check_cleanup(&mut lab, NodeId::A, &before);
    drop(client);
}

/// A VMAC left by a crashed daemon (SIGKILL) is found and reused by the next one, which
/// removes it at stop.
#[test]
fn leftover_vmac_is_reused_after_a_crash() {
    let Some(mut lab) = Lab::new("vm4", Impl::Ours, Impl::Ours) else {
        return;
    };
    let client = Client::new(&lab);
    let conf = write_conf(&lab, "NodeA", "MASTER", 100, "");
    let ns_a = lab.node_ns(NodeId::A);
    let before = base_arp(&ns_a);
    lab.start_conf(NodeId::A, &conf);
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_a)),
        "VIP not on {VMAC_IF}"
    );
    lab.a.daemon().kill_group();
    assert!(vmac_exists(&ns_a), "a crash leaves the VMAC behind");
    lab.start_conf(NodeId::A, &conf);
    assert!(
        lab.a
            .daemon()
            .wait_log("(VI_1): Found matching interface vrrp.51", 10.0),
        "the leftover VMAC was not found"
    );
    assert!(
        !lab.a.daemon().log_text().contains("vmac: Success creating"),
        "the leftover VMAC was created again"
    );
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_a)),
        "VIP not on the reused {VMAC_IF}"
    );
    assert_vmac_settings(&ns_a);
    client.assert_vip_at_vmac("reused VMAC");
    // The second daemon found the base settings the crashed one had made (1 and 1) and, as
    // 1.3.5, restores what it found.
    let d = lab.a.daemon();
    d.terminate();
    assert!(d.wait_exit(10.0).is_some(), "daemon did not stop");
    assert!(!vmac_exists(&ns_a), "{VMAC_IF} left after stop");
    assert_eq!(base_arp(&ns_a), ("1".into(), "1".into()));
    assert_eq!(before, ("0".into(), "0".into()), "lab default");
    drop(client);
}

/// The IPv6 VRRP virtual MAC of VRID 51.
const VMAC6: &str = "00:00:5e:00:02:33";
/// The IPv6 VIP.
const VIP6: &str = "fd00::210";
/// The daemon interface's only link-local address (the adverts' source).
const LL_D: &str = "fe80::d";

/// A daemon namespace and a client namespace joined by a veth pair, IPv6 on, with a capture of
/// VRRP and ICMPv6 on the client's end. Dropping it kills the daemon and tcpdump and deletes
/// the namespaces.
struct V6Pair {
    dir: PathBuf,
    ns: String,
    client: String,
    daemon: Option<Daemon>,
    tcpdump: Option<Child>,
    pcap: PathBuf,
    _namespaces: Vec<Netns>,
    _lock: netns_support::LabLock,
}

impl V6Pair {
    fn new() -> Option<V6Pair> {
        if !is_root() {
            return unavailable("not running as root");
        }
        for tool in ["ip", "tcpdump", "tshark"] {
            if !have(tool) {
                return unavailable(&format!("`{tool}` is not installed"));
            }
        }
        let lock = lock_lab();
        let id = format!("kr{}vm6", std::process::id());
        let (d, c) = (format!("{id}-d"), format!("{id}-c"));
        let dns = match Netns::add_with_lo(&d) {
            Ok(ns) => ns,
            Err(e) => return unavailable(&format!("cannot create a network namespace: {e}")),
        };
        let cns = Netns::add_with_lo(&c).expect("client namespace");
        veth(&d, IFACE, "eth0", Some(&c)).expect("veth");
        // fe80::d is the interface's only link-local address: the one the VMAC must get.
        dns.ip(&["link", "set", IFACE, "addrgenmode", "none"])
            .expect("addrgenmode");
        let ll = format!("{LL_D}/64");
        dns.ip(&["addr", "add", &ll, "dev", IFACE, "nodad"])
            .expect("link-local");
        cns.ip(&["addr", "add", "fd00::50/64", "dev", "eth0", "nodad"])
            .expect("client address");
        dns.ip(&["link", "set", IFACE, "up"]).expect("up");
        cns.ip(&["link", "set", "eth0", "up"]).expect("up");
        let dir = std::env::temp_dir().join(format!("keepalived-rs-lab-{id}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create lab dir");
        let pcap = dir.join("v6.pcap");
        let log = dir.join("tcpdump.log");
        let err = std::fs::File::create(&log).expect("tcpdump log");
        let tcpdump = Command::new("ip")
            .args([
                "netns",
                "exec",
                &c,
                "tcpdump",
                "--immediate-mode",
                "-U",
                "-n",
            ])
            .args(["-i", "eth0", "-w"])
            .arg(&pcap)
            .arg("ip6 proto 112 or icmp6")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn tcpdump");
        let pair = V6Pair {
            dir,
            ns: d,
            client: c,
            daemon: None,
            tcpdump: Some(tcpdump),
            pcap,
            _namespaces: vec![dns, cns],
            _lock: lock,
        };
        assert!(
            wait_until(10.0, || std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains("listening on")),
            "tcpdump did not start"
        );
        Some(pair)
    }

    /// (eth.src, ipv6.src, VRRP version, ICMPv6 type, NA target, NA solicited flag) of every
    /// captured frame.
    fn frames(&self) -> Vec<[String; 6]> {
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&self.pcap)
            .args(["-T", "fields"])
            .args(["-e", "eth.src", "-e", "ipv6.src", "-e", "vrrp.version"])
            .args(["-e", "icmpv6.type", "-e", "icmpv6.nd.na.target_address"])
            .args(["-e", "icmpv6.nd.na.flag.s"])
            .stdin(Stdio::null())
            .output()
            .expect("run tshark");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<String> = l.split('\t').map(str::to_string).collect();
                <[String; 6]>::try_from(f).ok()
            })
            .collect()
    }
}

impl Drop for V6Pair {
    fn drop(&mut self) {
        if let Some(d) = self.daemon.as_mut() {
            d.kill_group();
            if std::thread::panicking() {
                eprintln!("---- daemon log ----\n{}", d.log_text());
            }
        }
        if let Some(mut t) = self.tcpdump.take() {
            // SAFETY: kill(2) on our own unreaped child.
            unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
            let _ = t.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// IPv6: the VMAC carries 00:00:5e:00:02:33, generates no address of its own, gets the base
/// interface's link-local address (the adverts' source) and the VIP; adverts and neighbour
/// adverts leave from the virtual MAC; the VMAC is gone after stop.
#[test]
fn ipv6_vmac() {
    let Some(mut pair) = V6Pair::new() else {
        return;
    };
    let conf = pair.dir.join("v6.conf");
    std::fs::write(
        &conf,
        format!(
            "vrrp_instance VI_6 {{
    state MASTER
    interface {IFACE}
    virtual_router_id 51
    priority 100
    advert_int 1
    use_vmac
    virtual_ipaddress {{
        {VIP6}/64
    }}
}}
"
        ),
    )
    .expect("write config");
    pair.daemon = Some(Daemon::start(
        Impl::Ours,
        &pair.ns,
        &conf,
        &pair.dir,
        "d",
        1,
    ));
    let ns = pair.ns.clone();
    let on_vmac = || {
        ip(&["-n", &ns, "-6", "-o", "addr", "show", "dev", VMAC_IF])
            .is_ok_and(|o| o.contains(&format!(" {VIP6}/")))
    };
    assert!(wait_until(10.0, on_vmac), "VIP not on {VMAC_IF}");
    let link = ip(&["-n", &ns, "-d", "-o", "link", "show", "dev", VMAC_IF]).expect("link");
    assert!(
        link.contains(&format!("link/ether {VMAC6}"))
            && link.contains("macvlan mode private")
            && link.contains("addrgenmode none"),
        "{link}"
    );
    let addrs = ip(&["-n", &ns, "-6", "-o", "addr", "show", "dev", VMAC_IF]).expect("addrs");
    let link_locals: Vec<&str> = addrs
        .split_whitespace()
        .filter(|w| w.starts_with("fe80:"))
        .collect();
    // The interface's link-local address, and none made from the virtual MAC.
    assert_eq!(link_locals, [format!("{LL_D}/64")], "{addrs}");
    let _ = ip(&["-n", &pair.client, "neigh", "flush", "dev", "eth0"]);
    let _ = Command::new("ip")
        .args([
            "netns",
            "exec",
            &pair.client,
            "ping",
            "-6",
            "-c",
            "1",
            "-W",
            "1",
            VIP6,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    sleep(1.0);
    let frames = pair.frames();
    let adverts: Vec<&[String; 6]> = frames.iter().filter(|f| f[2] == "3").collect();
    assert!(!adverts.is_empty(), "no VRRPv3 advert captured");
    for f in &adverts {
        assert_eq!(
            (f[0].as_str(), f[1].as_str()),
            (VMAC6, LL_D),
            "advert {f:?}"
        );
    }
    let nas: Vec<&[String; 6]> = frames
        .iter()
        .filter(|f| f[3] == "136" && f[4] == VIP6)
        .collect();
    let solicited = |f: &&[String; 6]| f[5] == "1" || f[5] == "True";
    assert!(
        nas.iter().any(solicited),
        "no neighbour advert answering the client: {frames:?}"
    );
    assert!(
        nas.iter().any(|f| !solicited(f)),
        "no unsolicited neighbour advert: {frames:?}"
    );
    for f in &nas {
        assert_eq!(
            f[0], VMAC6,
            "neighbour advert for {VIP6} from another MAC: {f:?}"
        );
    }
    let d = pair.daemon.as_mut().expect("daemon");
    d.terminate();
    assert!(d.wait_exit(10.0).is_some(), "daemon did not stop");
    assert!(
        ip(&["-n", &ns, "link", "show", "dev", VMAC_IF]).is_err(),
        "{VMAC_IF} left after stop"
    );
}

/// The base interface deleted (which deletes the VMAC) and created again: the VMAC is created
/// again on it, with its settings, and the VIP comes back on it.
#[test]
fn vmac_comes_back_with_its_interface() {
    let Some(mut lab) = Lab::new("vm5", Impl::Ours, Impl::Ours) else {
        return;
    };
    let client = Client::new(&lab);
    let conf = write_conf(&lab, "NodeA", "MASTER", 100, "");
    let ns_a = lab.node_ns(NodeId::A);
    let before = base_arp(&ns_a);
    lab.start_conf(NodeId::A, &conf);
    assert!(
        wait_until(10.0, || vip_on_vmac(&ns_a)),
        "VIP not on {VMAC_IF}"
    );
    lab.delete_iface(NodeId::A);
    assert!(
        wait_until(5.0, || !vmac_exists(&ns_a)),
        "the VMAC outlived its interface"
    );
    sleep(1.0);
    lab.create_iface(NodeId::A);
    assert!(
        wait_until(15.0, || vip_on_vmac(&ns_a)),
        "VIP not back on a new {VMAC_IF}"
    );
    let created = lab
        .a
        .daemon()
        .log_text()
        .matches("vmac: Success creating VMAC interface vrrp.51")
        .count();
    assert_eq!(created, 2, "the VMAC was not created again");
    assert_vmac_settings(&ns_a);
    client.assert_vip_at_vmac("after the interface came back");
    stop_and_check_cleanup(&mut lab, NodeId::A, &before);
    drop(client);
}
