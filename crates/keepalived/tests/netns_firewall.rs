//! The accept-mode firewall (issue 11 §4) in the lab: keepalived 1.3.5 drops every packet
//! addressed to the VIPs of a MASTER that is not the address owner and has accept mode off
//! (`vrrp_strict` turns it off, and resets `accept` for VRRPv2), with iptables and ipsets
//! (`vrrp_iptables.c`, `vrrp_ipset.c`).
//!
//! Asserted: with `vrrp_strict` and VRRPv2 an echo request to the VIP from the other node gets
//! no answer while the MASTER's own address answers, the VIP's set entry follows the mastership
//! (failover included) and the rules match 1.3.5's shape; with VRRPv3 and `accept` the VIP
//! answers and nothing is installed; without ipsets (bare `vrrp_ipsets`) one DROP rule per VIP
//! does the same; after each daemon stops, nothing of ours is left in iptables or ipset. Also:
//! the legacy iptables backend (EL7's), IPv6, a reload switching accept mode on a running
//! MASTER, the missing-iptables error line, and keepalived 2.2.7 (nftables) as the peer.
//! iptables and ipset run only inside the lab's node namespaces (each namespace has its own
//! tables and sets), never on the host. Needs root, `ping`, `iptables` and `ipset`: skipped
//! with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::PathBuf;
use std::process::{Command, Stdio};

use lab::{now, sleep, Impl, Lab, NodeId, ADDR_A, VIP};
use netns_support::{have, unavailable};

/// 1.3.5's IPv4 drop rule for the default set `keepalived` in the default chain.
const SET_RULE: &str = "-A INPUT -m set --match-set keepalived dst -j DROP";

/// How long a reload may take to show on a loaded 2-core machine (seconds): a reparse, a
/// conversion and one `ipset` command.
const RELOAD_BOUND: f64 = 10.0;

/// The IPv6 test's VIP and node addresses.
const VIP6: &str = "fd00::210";
const ADDR6_A: &str = "fd00::198";
const ADDR6_B: &str = "fd00::199";

/// The lab with ours on both nodes, or `None` (skip) when a tool these tests need is missing.
fn firewall_lab(id: &str) -> Option<Lab> {
    firewall_lab_with(id, Impl::Ours)
}

/// The lab with ours on A and `b` on B.
fn firewall_lab_with(id: &str, b: Impl) -> Option<Lab> {
    for tool in ["ping", "iptables", "ipset"] {
        if !have(tool) {
            return unavailable(&format!("`{tool}` is not installed"));
        }
    }
    Lab::new(id, Impl::Ours, b)
}

/// A one-instance configuration with the seed VIP: `global` inside `global_defs`, `instance`
/// inside the instance.
fn write_conf(
    lab: &Lab,
    name: &str,
    state: &str,
    prio: u8,
    global: &str,
    instance: &str,
) -> PathBuf {
    let text = format!(
        "global_defs {{
    router_id {name}
{global}
}}
vrrp_instance VI_1 {{
    state {state}
    interface enp11s0f0
    virtual_router_id 51
    priority {prio}
    advert_int 1
{instance}
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

/// Runs `args` in namespace `ns`: (success, stdout).
fn in_ns(ns: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run ip netns exec");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Does an echo request from namespace `ns` to `dst` get an answer (3 tries within 3 s)?
fn answers(ns: &str, dst: &str) -> bool {
    in_ns(
        ns,
        &["ping", "-n", "-q", "-c", "3", "-i", "0.2", "-w", "3", dst],
    )
    .0
}

/// Which iptables the daemon is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    /// The system's `iptables` (here iptables 1.8 on nf_tables).
    System,
    /// `iptables-legacy` (the backend of EL7's iptables 1.4), put first in the daemon's `PATH`
    /// under the names `iptables` and `ip6tables`.
    Legacy,
}

impl Backend {
    fn iptables(self, v6: bool) -> &'static str {
        match (self, v6) {
            (Backend::System, false) => "iptables",
            (Backend::System, true) => "ip6tables",
            (Backend::Legacy, false) => "iptables-legacy",
            (Backend::Legacy, true) => "ip6tables-legacy",
        }
    }
}

/// The namespace's IPv4 rules as the system's `iptables -S` shows them.
fn rules(ns: &str) -> String {
    backend_rules(ns, Backend::System, false)
}

/// The namespace's rules (`iptables -S` / `ip6tables -S`) in one backend.
fn backend_rules(ns: &str, backend: Backend, v6: bool) -> String {
    let tool = backend.iptables(v6);
    let (ok, out) = in_ns(ns, &[tool, "-w", "-S"]);
    assert!(ok, "{tool} -S failed in {ns}");
    out
}

/// The namespace's sets with their members (`ipset list`; empty when there is none).
fn sets(ns: &str) -> String {
    in_ns(ns, &["ipset", "list"]).1
}

/// Members of set `name` (empty when the set does not exist).
fn members(ns: &str, name: &str) -> Vec<String> {
    let (ok, out) = in_ns(ns, &["ipset", "list", name]);
    if !ok {
        return Vec::new();
    }
    out.lines()
        .skip_while(|l| !l.starts_with("Members:"))
        .skip(1)
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Absolute path of a program on `PATH` or in the sbin directories.
fn which(prog: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin"])
        .map(|d| PathBuf::from(d).join(prog))
        .find(|p| p.exists());
    found.unwrap_or_else(|| panic!("{prog} not found"))
}

/// Waits up to `secs` for `cond`; returns whether it held.
fn wait_for(secs: f64, mut cond: impl FnMut() -> bool) -> bool {
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

/// Nothing of ours in the namespace: no set, no rule naming a set or a VIP, in either family
/// and either backend.
fn assert_clean(ns: &str, when: &str) {
    for backend in [Backend::System, Backend::Legacy] {
        for v6 in [false, true] {
            if !have(backend.iptables(v6)) {
                continue;
            }
            let r = backend_rules(ns, backend, v6);
            assert!(
                !r.contains("match-set") && !r.contains(VIP) && !r.contains(VIP6),
                "{when}: {} rules left in {ns}:\n{r}",
                backend.iptables(v6)
            );
        }
    }
    let s = sets(ns);
    assert!(s.trim().is_empty(), "{when}: sets left in {ns}:\n{s}");
}

/// Stops the node's daemon with SIGTERM and waits for it to exit.
fn stop(lab: &mut Lab, id: NodeId) {
    let d = lab.node(id).daemon();
    d.terminate();
    assert!(d.wait_exit(10.0).is_some(), "{id:?} did not stop");
}

/// `vrrp_strict`, VRRPv2, `accept` written (reset, as 1.3.5 does): the MASTER's VIP does not
/// answer, its own address does; the set entry moves with the mastership; all is removed at
/// stop.
#[test]
fn strict_v2_master_drops_traffic_to_the_vip() {
    strict_v2("fw1", Backend::System);
}

/// The same with the legacy iptables backend (EL7's).
#[test]
fn strict_v2_with_legacy_iptables() {
    strict_v2("fw4", Backend::Legacy);
}

fn strict_v2(id: &str, backend: Backend) {
    if !have(backend.iptables(false)) {
        unavailable::<()>(&format!("`{}` is not installed", backend.iptables(false)));
        return;
    }
    let Some(mut lab) = firewall_lab(id) else {
        return;
    };
    // The legacy variant: `iptables`/`ip6tables` in a directory first in the daemon's PATH.
    let mut path = String::new();
    if backend == Backend::Legacy {
        let bin = lab.dir.join("legacy-bin");
        std::fs::create_dir_all(&bin).expect("create bin dir");
        for (name, v6) in [("iptables", false), ("ip6tables", true)] {
            let target = which(backend.iptables(v6));
            std::os::unix::fs::symlink(&target, bin.join(name)).expect("symlink");
        }
        path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
    }
    let env: Vec<(&str, &str)> = if path.is_empty() {
        Vec::new()
    } else {
        vec![("PATH", path.as_str())]
    };
    let global = "    vrrp_strict\n    vrrp_version 2";
    let conf_a = write_conf(&lab, "NodeA", "BACKUP", 100, global, "    accept");
    let conf_b = write_conf(&lab, "NodeB", "BACKUP", 90, global, "    accept");
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf_env(NodeId::A, &conf_a, &env);
    lab.start_conf_env(NodeId::B, &conf_b, &env);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    let log = lab.a.daemon().log_text();
    assert!(
        log.contains(
            "(VI_1): warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
        ),
        "no accept reset line:\n{log}"
    );
    // The structure exists on both nodes (both filter); the entry only on the MASTER.
    assert!(
        wait_for(5.0, || members(&ns_a, "keepalived") == [VIP]),
        "VIP not in A's set:\n{}",
        sets(&ns_a)
    );
    for ns in [&ns_a, &ns_b] {
        let r = backend_rules(ns, backend, false);
        assert!(r.contains(SET_RULE), "no set rule in {ns}:\n{r}");
        assert!(!r.contains(VIP), "per-VIP rule with ipsets in {ns}:\n{r}");
    }
    if backend == Backend::Legacy {
        let r = rules(&ns_a);
        assert!(!r.contains("match-set"), "rules in nf_tables too:\n{r}");
    }
    assert_eq!(members(&ns_b, "keepalived"), Vec::<String>::new());
    let log = lab.a.daemon().log_text();
    assert!(
        log.contains("VRRP_Instance(VI_1) setting protocol iptable drop rule"),
        "no -D line for the filter:\n{log}"
    );
    assert!(answers(&ns_b, ADDR_A), "A's own address does not answer");
    assert!(
        !answers(&ns_b, VIP),
        "the VIP answers on a strict VRRPv2 MASTER"
    );
    println!("strict VRRPv2 ({backend:?} iptables): {ADDR_A} answers, {VIP} does not");

    // Failover: B's mastership is filtered the same way, A leaves nothing behind.
    let t_stop = now();
    stop(&mut lab, NodeId::A);
    lab.b
        .monitor
        .wait_vip(true, t_stop, 15.0)
        .expect("B never took the VIP");
    assert_clean(&ns_a, "after A stopped");
    assert!(
        wait_for(5.0, || members(&ns_b, "keepalived") == [VIP]),
        "VIP not in B's set:\n{}",
        sets(&ns_b)
    );
    assert!(!answers(&ns_a, VIP), "the VIP answers on B");
    stop(&mut lab, NodeId::B);
    assert_clean(&ns_b, "after B stopped");
}

/// `vrrp_strict` with VRRPv3 and `accept`: the VIP answers and no rule or set is made.
#[test]
fn strict_v3_with_accept_answers() {
    let Some(mut lab) = firewall_lab("fw2") else {
        return;
    };
    let conf = write_conf(
        &lab,
        "NodeA",
        "BACKUP",
        100,
        "    vrrp_strict\n    vrrp_version 3",
        "    accept",
    );
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf(NodeId::A, &conf);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    assert!(
        answers(&ns_b, VIP),
        "the VIP of a VRRPv3 accept MASTER does not answer"
    );
    assert_clean(&ns_a, "accept mode on");
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after stop");
}

/// `no_accept` without strict mode and with bare `vrrp_ipsets` (no sets): one DROP rule for
/// the VIP while MASTER, gone at stop.
#[test]
fn no_accept_without_ipsets_uses_a_rule_per_vip() {
    let Some(mut lab) = firewall_lab("fw3") else {
        return;
    };
    let conf = write_conf(
        &lab,
        "NodeA",
        "MASTER",
        100,
        "    vrrp_ipsets",
        "    no_accept",
    );
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf(NodeId::A, &conf);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    let rule = format!("-A INPUT -d {VIP}/32 -j DROP");
    assert!(
        wait_for(5.0, || rules(&ns_a).contains(&rule)),
        "no per-VIP rule:\n{}",
        rules(&ns_a)
    );
    assert!(
        sets(&ns_a).trim().is_empty(),
        "sets made with bare vrrp_ipsets"
    );
    assert!(answers(&ns_b, ADDR_A), "A's own address does not answer");
    assert!(
        !answers(&ns_b, VIP),
        "the VIP of a no_accept MASTER answers"
    );
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after stop");
}

/// IPv6 (VRRPv3, strict, no `accept`): the VIP's entry goes in `keepalived6`, the ip6tables
/// rules have 1.3.5's shape (neighbour discovery accepted, the rest dropped), an echo request
/// to the VIP gets no answer while the node's own address answers and the VIP still resolves;
/// nothing is left at stop.
#[test]
fn strict_ipv6_master_drops_traffic_to_the_vip() {
    if !have("ip6tables") {
        unavailable::<()>("`ip6tables` is not installed");
        return;
    }
    let Some(mut lab) = firewall_lab("fw5") else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    for (ns, addr) in [(&ns_a, ADDR6_A), (&ns_b, ADDR6_B)] {
        // The lab disables IPv6; turn it on for this test, without DAD delays.
        let (ok, _) = in_ns(
            ns,
            &[
                "sysctl",
                "-q",
                "-w",
                "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.enp11s0f0.accept_dad=0",
                "net.ipv6.conf.all.disable_ipv6=0",
                "net.ipv6.conf.enp11s0f0.disable_ipv6=0",
            ],
        );
        assert!(ok, "cannot enable IPv6 in {ns}");
        lab::ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("{addr}/64"),
            "dev",
            "enp11s0f0",
            "nodad",
        ])
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let text = format!(
        "global_defs {{
    router_id NodeA
    vrrp_strict
}}
vrrp_instance VI_6 {{
    state BACKUP
    interface enp11s0f0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {{
        {VIP6}/64
    }}
}}
"
    );
    let conf = lab.dir.join("NodeA6.conf");
    std::fs::write(&conf, text).expect("write config");
    lab.start_conf(NodeId::A, &conf);
    let has_vip6 = || {
        lab::ip(&["-n", &ns_a, "-6", "-o", "addr", "show", "dev", "enp11s0f0"])
            .is_ok_and(|o| o.contains(&format!(" {VIP6}/")))
    };
    assert!(wait_for(15.0, has_vip6), "A never took {VIP6}");
    assert!(
        wait_for(5.0, || members(&ns_a, "keepalived6") == [VIP6]),
        "VIP not in keepalived6:\n{}",
        sets(&ns_a)
    );
    let r = backend_rules(&ns_a, Backend::System, true);
    for rule in [
        "-A INPUT -p ipv6-icmp -m set --match-set keepalived_if6 dst,src -m icmp6 --icmpv6-type 135 -j ACCEPT",
        "-A INPUT -m set --match-set keepalived_if6 dst,src -j DROP",
        "-A INPUT -p ipv6-icmp -m set --match-set keepalived6 dst -m icmp6 --icmpv6-type 136 -j ACCEPT",
        "-A INPUT -m set --match-set keepalived6 dst -j DROP",
    ] {
        assert!(r.contains(rule), "missing {rule}:\n{r}");
    }
    assert!(
        answers(&ns_b, ADDR6_A),
        "A's own IPv6 address does not answer"
    );
    assert!(
        !answers(&ns_b, VIP6),
        "the IPv6 VIP answers on a strict MASTER"
    );
    let neigh = lab::ip(&["-n", &ns_b, "-6", "neigh", "show", VIP6]).unwrap_or_default();
    assert!(
        neigh.contains(&lab.a.mac),
        "{VIP6} not resolved to A's MAC on B: {neigh}"
    );
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after stop (IPv6)");
}

/// Without the iptables command (the daemon's `PATH` lacks the sbin directories): one error
/// line at start saying the VIPs will answer, and they do.
#[test]
fn missing_iptables_is_one_clear_line() {
    let Some(mut lab) = firewall_lab("fw6") else {
        return;
    };
    if PathBuf::from("/usr/bin/iptables").exists() || PathBuf::from("/bin/iptables").exists() {
        unavailable::<()>("iptables is in /usr/bin or /bin: cannot hide it through PATH");
        return;
    }
    let conf = write_conf(&lab, "NodeA", "MASTER", 100, "", "    no_accept");
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf_env(NodeId::A, &conf, &[("PATH", "/usr/bin:/bin")]);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    let line = "iptables command not available - can't filter IPv4 VIP address destinations: \
                the VIPs of VI_1 will answer all traffic although accept mode is off";
    let log = lab.a.daemon().log_text();
    assert_eq!(log.matches(line).count(), 1, "{log}");
    assert!(answers(&ns_b, VIP), "the VIP does not answer");
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after stop");
}

/// A reload that turns accept mode on for a running MASTER (VRRPv3) removes the VIP's filter,
/// one that turns it off again restores it; the VIP stays throughout.
#[test]
fn reload_follows_accept_mode_changes() {
    let Some(mut lab) = firewall_lab("fw7") else {
        return;
    };
    let global = "    vrrp_strict\n    vrrp_version 3";
    let conf = write_conf(&lab, "NodeA", "BACKUP", 100, global, "");
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf(NodeId::A, &conf);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    assert!(
        wait_for(5.0, || members(&ns_a, "keepalived") == [VIP]),
        "VIP not in the set before the reload"
    );
    assert!(!answers(&ns_b, VIP), "the VIP answers before the reload");
    // accept on: the entry goes, the VIP answers.
    write_conf(&lab, "NodeA", "BACKUP", 100, global, "    accept");
    let t_reload = now();
    lab.a.daemon().signal(libc::SIGHUP);
    assert!(
        wait_for(RELOAD_BOUND, || members(&ns_a, "keepalived").is_empty()),
        "entry kept after accept was turned on:\n{}",
        sets(&ns_a)
    );
    assert!(
        answers(&ns_b, VIP),
        "the VIP does not answer with accept on"
    );
    // accept off again: the entry is back.
    write_conf(&lab, "NodeA", "BACKUP", 100, global, "");
    lab.a.daemon().signal(libc::SIGHUP);
    assert!(
        wait_for(RELOAD_BOUND, || members(&ns_a, "keepalived") == [VIP]),
        "entry not restored after accept was turned off:\n{}",
        sets(&ns_a)
    );
    assert!(
        !answers(&ns_b, VIP),
        "the VIP answers after accept was turned off"
    );
    assert!(
        lab.a.monitor.vip_events_since(t_reload).is_empty(),
        "the VIP flapped during the reloads"
    );
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after stop");
}

/// Ours on A and keepalived 2.2.7 (whose firewall is an nftables table) on B, both strict
/// VRRPv2: the VIP answers neither MASTER, before and after the failover; A leaves nothing.
#[test]
fn strict_v2_with_keepalived_peer() {
    let Some(mut lab) = firewall_lab_with("fw8", Impl::Keepalived) else {
        return;
    };
    let global = "    vrrp_strict\n    vrrp_version 2";
    let conf_a = write_conf(&lab, "NodeA", "BACKUP", 100, global, "");
    let conf_b = write_conf(&lab, "NodeB", "BACKUP", 90, global, "");
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf(NodeId::A, &conf_a);
    lab.start_conf(NodeId::B, &conf_b);
    lab.a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    assert!(
        wait_for(5.0, || members(&ns_a, "keepalived") == [VIP]),
        "VIP not in A's set"
    );
    assert!(answers(&ns_b, ADDR_A), "A's own address does not answer");
    assert!(!answers(&ns_b, VIP), "the VIP answers on our MASTER");
    let t_stop = now();
    stop(&mut lab, NodeId::A);
    assert_clean(&ns_a, "after A stopped");
    lab.b
        .monitor
        .wait_vip(true, t_stop, 15.0)
        .expect("keepalived 2.2.7 never took the VIP");
    assert!(
        answers(&ns_a, lab::ADDR_B),
        "B's own address does not answer"
    );
    assert!(
        !answers(&ns_a, VIP),
        "the VIP answers on keepalived 2.2.7's MASTER"
    );
}
