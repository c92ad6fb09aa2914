//! The accept-mode firewall (issue 11 §4) in the lab: keepalived 1.3.5 drops every packet
//! addressed to the VIPs of a MASTER that is not the address owner and has accept mode off
//! (`vrrp_strict` turns it off, and resets `accept` for VRRPv2), with iptables and ipsets
//! (`vrrp_iptables.c`, `vrrp_ipset.c`).
//!
//! Asserted: with `vrrp_strict` and VRRPv2 an echo request to the VIP from the other node gets
//! no answer while the MASTER's own address answers, the VIP's set entry follows the mastership
//! (failover included) and the rules match 1.3.5's shape; with VRRPv3 and `accept` the VIP
//! answers and nothing is installed; without ipsets (bare `vrrp_ipsets`) one DROP rule per VIP
//! does the same; after each daemon stops, nothing of ours is left in iptables or ipset.
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

/// The lab, or `None` (skip) when a tool these tests need is missing.
fn firewall_lab(id: &str) -> Option<Lab> {
    for tool in ["ping", "iptables", "ipset"] {
        if !have(tool) {
            return unavailable(&format!("`{tool}` is not installed"));
        }
    }
    Lab::new(id, Impl::Ours, Impl::Ours)
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

/// The namespace's IPv4 rules (`iptables -S`).
fn rules(ns: &str) -> String {
    let (ok, out) = in_ns(ns, &["iptables", "-w", "-S"]);
    assert!(ok, "iptables -S failed in {ns}");
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

/// Nothing of ours in the namespace: no `keepalived*` set, no rule naming one, no rule
/// naming the VIP.
fn assert_clean(ns: &str, when: &str) {
    let r = rules(ns);
    assert!(
        !r.contains("keepalived") && !r.contains(VIP),
        "{when}: rules left in {ns}:\n{r}"
    );
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
    let Some(mut lab) = firewall_lab("fw1") else {
        return;
    };
    let global = "    vrrp_strict\n    vrrp_version 2";
    let conf_a = write_conf(&lab, "NodeA", "BACKUP", 100, global, "    accept");
    let conf_b = write_conf(&lab, "NodeB", "BACKUP", 90, global, "    accept");
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let t = lab.start_conf(NodeId::A, &conf_a);
    lab.start_conf(NodeId::B, &conf_b);
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
        let r = rules(ns);
        assert!(r.contains(SET_RULE), "no set rule in {ns}:\n{r}");
        assert!(!r.contains(VIP), "per-VIP rule with ipsets in {ns}:\n{r}");
    }
    assert_eq!(members(&ns_b, "keepalived"), Vec::<String>::new());
    assert!(answers(&ns_b, ADDR_A), "A's own address does not answer");
    assert!(
        !answers(&ns_b, VIP),
        "the VIP answers on a strict VRRPv2 MASTER"
    );
    println!("strict VRRPv2: {ADDR_A} answers, {VIP} does not");

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
