//! SNMP (issue 12 §1) in network namespaces: Debian's snmpd runs inside each node namespace
//! as AgentX master (`agentxsocket tcp:127.0.0.1:705`, SNMP only on the namespace's
//! loopback, private pid/persistent dirs), our daemon is its subagent (`snmp_socket
//! tcp:127.0.0.1:705`, `enable_snmp_rfc`, `enable_traps`), and net-snmp's own `snmpwalk`
//! (numeric OIDs) reads RFC 2787's VRRP-MIB from inside the namespace.
//!
//! Checks: `vrrpOperState` of VRID 51 is master(3) on A and backup(2) on B, flips on a
//! failover and back; the address, priority and statistics columns; a snmpd started after
//! the daemon (B) and a snmpd restarted under it (A) both get the registration; B's snmpd
//! forwards our `vrrpTrapNewMaster` to a snmptrapd in B's namespace.
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use lab::{now, sleep, Impl, Lab, NodeId, IFACE};

/// vrrpOperState column.
const OPER_STATE: &str = ".1.3.6.1.2.1.68.1.3.1.3";
/// Where our snmp thread retries (2 s) plus snmpd's start-up, with a loaded-machine margin.
const REGISTER_SECS: f64 = 15.0;

/// snmpd or snmptrapd started by the test, killed by PID when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn snmpd(ns: &str, dir: &Path, tag: &str, trap_sink: bool) -> Proc {
    let d = dir.join(format!("snmpd-{tag}"));
    std::fs::create_dir_all(d.join("persist")).expect("snmpd dir");
    let mut conf = String::from(
        "master agentx\n\
         agentxsocket tcp:127.0.0.1:705\n\
         agentaddress udp:127.0.0.1:161\n\
         rocommunity public 127.0.0.1\n",
    );
    if trap_sink {
        conf.push_str("trap2sink 127.0.0.1:162 public\n");
    }
    std::fs::write(d.join("snmpd.conf"), conf).expect("snmpd.conf");
    let child = Command::new("ip")
        .args(["netns", "exec", ns, "/usr/sbin/snmpd", "-f", "-C", "-Lf"])
        .arg(d.join("snmpd.log"))
        .arg("-c")
        .arg(d.join("snmpd.conf"))
        .arg("-p")
        .arg(d.join("snmpd.pid"))
        .env("SNMP_PERSISTENT_DIR", d.join("persist"))
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start snmpd (apt-get install snmpd)");
    Proc(child)
}

fn snmptrapd(ns: &str, dir: &Path) -> (Proc, PathBuf) {
    let d = dir.join("snmptrapd");
    std::fs::create_dir_all(d.join("persist")).expect("snmptrapd dir");
    std::fs::write(
        d.join("snmptrapd.conf"),
        "disableAuthorization yes\nsnmpTrapdAddr udp:127.0.0.1:162\n",
    )
    .expect("snmptrapd.conf");
    let log = d.join("traps.log");
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "/usr/sbin/snmptrapd",
            "-f",
            "-C",
            "-On",
            "-Lf",
        ])
        .arg(&log)
        .arg("-c")
        .arg(d.join("snmptrapd.conf"))
        .arg("-p")
        .arg(d.join("snmptrapd.pid"))
        .env("SNMP_PERSISTENT_DIR", d.join("persist"))
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start snmptrapd");
    (Proc(child), log)
}

/// `snmpwalk -On` of `oid` from inside `ns`: `(numeric OID, value text)` pairs.
fn walk(ns: &str, oid: &str) -> Vec<(String, String)> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "snmpwalk", "-v2c", "-c", "public"])
        .args(["-On", "-Oe", "-t", "2", "-r", "1", "127.0.0.1", oid])
        .env("MIBS", "")
        .output()
        .expect("run snmpwalk (apt-get install snmp)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (o, v) = l.split_once(" = ")?;
            Some((o.to_string(), v.to_string()))
        })
        .collect()
}

/// The value of `column.IFINDEX.51` (exactly one row with VRID 51), if any.
fn vrid51(ns: &str, column: &str) -> Option<String> {
    let rows: Vec<String> = walk(ns, column)
        .into_iter()
        .filter(|(o, _)| o.ends_with(".51") && o.starts_with(column))
        .map(|(_, v)| v)
        .collect();
    assert!(rows.len() <= 1, "one VRID 51 row in {column}: {rows:?}");
    rows.into_iter().next()
}

/// Polls until vrrpOperState of VRID 51 in `ns` is `want` (at most `secs`).
fn wait_state(ns: &str, want: &str, secs: f64) -> Option<String> {
    let end = now() + secs;
    loop {
        let v = vrid51(ns, OPER_STATE);
        if v.as_deref() == Some(want) || now() > end {
            return v;
        }
        sleep(0.3);
    }
}

/// The seed configuration of `id` with SNMP turned on in its `global_defs`.
fn conf_with_snmp(lab: &Lab, id: NodeId) -> PathBuf {
    let seed = std::fs::read_to_string(id.conf()).expect("seed conf");
    let text = seed.replacen(
        "global_defs {",
        "global_defs {\n   snmp_socket tcp:127.0.0.1:705\n   enable_snmp_rfc\n   enable_traps",
        1,
    );
    assert_ne!(text, seed, "seed conf has a global_defs block");
    let p = lab.dir.join(format!("snmp-{}.conf", id.letter()));
    std::fs::write(&p, text).expect("write conf");
    p
}

#[test]
fn vrrp_mib_over_agentx_follows_failover_and_snmpd_restarts() {
    let Some(mut lab) = Lab::new("sn", Impl::Ours, Impl::Ours) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let ifindex = |ns: &str| -> String {
        let out = lab::ip(&["-n", ns, "-o", "link", "show", IFACE]).expect("ip link");
        out.split(':').next().expect("ifindex").trim().to_string()
    };
    let (if_a, if_b) = (ifindex(&ns_a), ifindex(&ns_b));

    // A: snmpd first, then the daemon.
    let mut snmpd_a = Some(snmpd(&ns_a, &dir, "a1", false));
    sleep(1.0);
    let conf_a = conf_with_snmp(&lab, NodeId::A);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    // B: the daemon first, snmpd later (with snmptrapd as its trap sink).
    let conf_b = conf_with_snmp(&lab, NodeId::B);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    assert!(
        lab.b.daemon().wait_log("Entering BACKUP STATE", 10.0),
        "B never became BACKUP"
    );
    let (_trapd, trap_log) = snmptrapd(&ns_b, &dir);
    let _snmpd_b = snmpd(&ns_b, &dir, "b1", true);

    for id in [NodeId::A, NodeId::B] {
        assert!(
            lab.node(id)
                .daemon()
                .wait_log("VRRP-MIB registered", REGISTER_SECS),
            "{id:?}: no AgentX registration"
        );
    }
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 3", 5.0).as_deref(),
        Some("INTEGER: 3"),
        "A master(3)"
    );
    assert_eq!(
        wait_state(&ns_b, "INTEGER: 2", 5.0).as_deref(),
        Some("INTEGER: 2"),
        "B backup(2)"
    );

    // The row is indexed by the interface's ifIndex and the VRID.
    let col = |c: u32, ifx: &str| format!(".1.3.6.1.2.1.68.1.3.1.{c}.{ifx}.51");
    let a_rows = walk(&ns_a, ".1.3.6.1.2.1.68");
    let get = |rows: &[(String, String)], o: &str| -> String {
        rows.iter()
            .find(|(k, _)| k == o)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{o} missing from {rows:#?}"))
    };
    assert_eq!(get(&a_rows, ".1.3.6.1.2.1.68.1.1.0"), "INTEGER: 2");
    assert_eq!(get(&a_rows, &col(1, &if_a)), "INTEGER: 51");
    assert_eq!(get(&a_rows, &col(5, &if_a)), "INTEGER: 100");
    assert_eq!(get(&a_rows, &col(6, &if_a)), "INTEGER: 1");
    assert_eq!(get(&a_rows, &col(7, &if_a)), "IpAddress: 192.168.1.198");
    assert_eq!(get(&a_rows, &col(8, &if_a)), "IpAddress: 192.168.1.198");
    // auth_type PASS: simpleTextPassword(2).
    assert_eq!(get(&a_rows, &col(9, &if_a)), "INTEGER: 2");
    assert_eq!(
        get(
            &a_rows,
            &format!(".1.3.6.1.2.1.68.1.4.1.2.{if_a}.51.192.168.1.210")
        ),
        "INTEGER: 1"
    );
    assert_eq!(
        get(&a_rows, &format!(".1.3.6.1.2.1.68.2.4.1.1.{if_a}.51")),
        "Counter32: 1"
    );
    // The walk is in OID order (snmpwalk stops with an error on a non-increasing OID).
    assert_eq!(a_rows.len(), 2 + 14 + 2 + 3 + 12, "{a_rows:#?}");
    let b_rows = walk(&ns_b, ".1.3.6.1.2.1.68.1.3.1");
    assert_eq!(get(&b_rows, &col(5, &if_b)), "INTEGER: 90");
    assert_eq!(get(&b_rows, &col(7, &if_b)), "IpAddress: 192.168.1.198");
    // B receives A's adverts: vrrpStatsAdvertiseRcvd grows.
    let rcvd = || -> u64 {
        get(
            &walk(&ns_b, ".1.3.6.1.2.1.68.2.4.1.2"),
            &format!(".1.3.6.1.2.1.68.2.4.1.2.{if_b}.51"),
        )
        .trim_start_matches("Counter32: ")
        .parse()
        .expect("counter")
    };
    let r0 = rcvd();
    sleep(2.5);
    assert!(rcvd() > r0, "vrrpStatsAdvertiseRcvd does not move");

    // Failover: A's link down, A initialize(1) (FAULT), B master(3), and B's trap.
    lab.set_link(NodeId::A, true);
    assert_eq!(
        wait_state(&ns_b, "INTEGER: 3", 10.0).as_deref(),
        Some("INTEGER: 3"),
        "B after A's link went down"
    );
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 1", 10.0).as_deref(),
        Some("INTEGER: 1"),
        "A after its link went down"
    );
    let end = now() + 10.0;
    let trap = loop {
        let log = std::fs::read_to_string(&trap_log).unwrap_or_default();
        if log.contains(".1.3.6.1.2.1.68.0.1") || now() > end {
            break log;
        }
        sleep(0.3);
    };
    assert!(
        trap.contains(".1.3.6.1.2.1.68.0.1"),
        "no vrrpTrapNewMaster from B:\n{trap}"
    );
    assert!(
        trap.contains(&format!(
            ".1.3.6.1.2.1.68.1.3.1.7.{if_b}.51 = IpAddress: 192.168.1.199"
        )),
        "trap without B's vrrpOperMasterIpAddr:\n{trap}"
    );

    // Back: A preempts.
    lab.set_link(NodeId::A, false);
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 3", 15.0).as_deref(),
        Some("INTEGER: 3"),
        "A after its link came back"
    );
    assert_eq!(
        wait_state(&ns_b, "INTEGER: 2", 15.0).as_deref(),
        Some("INTEGER: 2"),
        "B after A came back"
    );

    // snmpd restarts under the running daemon: the subagent registers again.
    drop(snmpd_a.take());
    snmpd_a = Some(snmpd(&ns_a, &dir, "a2", false));
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 3", REGISTER_SECS).as_deref(),
        Some("INTEGER: 3"),
        "A after its snmpd restarted"
    );

    // A reload (SIGHUP) with a new priority: the same session serves the reloaded instance.
    let text = std::fs::read_to_string(&conf_a).expect("conf A");
    let reloaded = text.replacen("priority 100", "priority 110", 1);
    assert_ne!(text, reloaded, "seed conf A has priority 100");
    std::fs::write(&conf_a, reloaded).expect("write conf A");
    lab.node(NodeId::A).daemon().signal(libc::SIGHUP);
    let prio = col(5, &if_a);
    let end = now() + 10.0;
    let seen = loop {
        let v = walk(&ns_a, ".1.3.6.1.2.1.68.1.3.1.5")
            .into_iter()
            .find(|(o, _)| *o == prio)
            .map(|(_, v)| v);
        if v.as_deref() == Some("INTEGER: 110") || now() > end {
            break v;
        }
        sleep(0.3);
    };
    assert_eq!(
        seen.as_deref(),
        Some("INTEGER: 110"),
        "priority after reload"
    );
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 3", 5.0).as_deref(),
        Some("INTEGER: 3"),
        "A after the reload"
    );
    drop(snmpd_a);
}

/// The walk with the interface's ifIndex replaced by `IF` (each namespace numbers its own).
fn normalized(rows: &[(String, String)], ifx: &str) -> Vec<(String, String)> {
    let needle = format!(".{ifx}.51");
    rows.iter()
        .map(|(o, v)| (o.replacen(&needle, ".IF.51", 1), v.clone()))
        .collect()
}

/// keepalived 2.2.7 (Debian's is built with SNMP) as the BACKUP beside ours as MASTER, both
/// subagents of their namespace's snmpd: the two VRRP-MIB walks list the same objects, and
/// the values that do not depend on the node's role or timing agree.
#[test]
fn vrrp_mib_walk_matches_keepalived_2_2_7() {
    let Some(mut lab) = Lab::new("sk", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let _snmpd_b = snmpd(&ns_b, &dir, "b", false);
    sleep(1.0);
    let conf_a = conf_with_snmp(&lab, NodeId::A);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let conf_b = conf_with_snmp(&lab, NodeId::B);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    assert_eq!(
        wait_state(&ns_a, "INTEGER: 3", REGISTER_SECS).as_deref(),
        Some("INTEGER: 3")
    );
    // keepalived 2.2.7 retries its AgentX connection every 15 s.
    assert_eq!(
        wait_state(&ns_b, "INTEGER: 2", 15.0 + REGISTER_SECS).as_deref(),
        Some("INTEGER: 2"),
        "keepalived 2.2.7's vrrpOperState on B"
    );
    let ifindex = |ns: &str| -> String {
        let out = lab::ip(&["-n", ns, "-o", "link", "show", IFACE]).expect("ip link");
        out.split(':').next().expect("ifindex").trim().to_string()
    };
    let ours = normalized(&walk(&ns_a, ".1.3.6.1.2.1.68"), &ifindex(&ns_a));
    // 2.2.7 may drop and redo its AgentX session right after start (its log says "AgentX
    // master disconnected us"): walk again until its table is there.
    let end = now() + 15.0 + REGISTER_SECS;
    let theirs = loop {
        let w = normalized(&walk(&ns_b, ".1.3.6.1.2.1.68"), &ifindex(&ns_b));
        if w.iter()
            .any(|(o, _)| o.starts_with(".1.3.6.1.2.1.68.2.4.1.12."))
            || now() > end
        {
            break w;
        }
        sleep(0.5);
    };
    // 1.3.5 also lists the index columns vrrpOperVrId and vrrpAssoIpAddr (not-accessible
    // in RFC 2787), which 2.x dropped: everything else is the same list of objects.
    let index_columns = [".1.3.6.1.2.1.68.1.3.1.1.", ".1.3.6.1.2.1.68.1.4.1.1."];
    let ours_common: Vec<(String, String)> = ours
        .iter()
        .filter(|(o, _)| !index_columns.iter().any(|c| o.starts_with(c)))
        .cloned()
        .collect();
    let names = |r: &[(String, String)]| r.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&ours_common),
        names(&theirs),
        "the objects of the two walks"
    );
    // Values that depend neither on the role nor on the node: version, notification
    // control, admin state, address count, auth type, interval, preempt, protocol, row
    // status, the address row's status.
    let same = [
        ".1.3.6.1.2.1.68.1.1.0",
        ".1.3.6.1.2.1.68.1.2.0",
        ".1.3.6.1.2.1.68.1.3.1.4.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.6.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.9.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.11.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.12.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.14.IF.51",
        ".1.3.6.1.2.1.68.1.3.1.15.IF.51",
        ".1.3.6.1.2.1.68.1.4.1.2.IF.51.192.168.1.210",
    ];
    let value = |r: &[(String, String)], o: &str| {
        r.iter()
            .find(|(k, _)| k == o)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{o} missing"))
    };
    for o in same {
        assert_eq!(value(&ours, o), value(&theirs, o), "{o}: ours vs 2.2.7");
    }
    // Both show their own primary address.
    assert_eq!(
        value(&ours, ".1.3.6.1.2.1.68.1.3.1.8.IF.51"),
        "IpAddress: 192.168.1.198"
    );
    assert_eq!(
        value(&theirs, ".1.3.6.1.2.1.68.1.3.1.8.IF.51"),
        "IpAddress: 192.168.1.199"
    );
}
