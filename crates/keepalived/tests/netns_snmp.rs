//! SNMP (issue 12 §1) in network namespaces: Debian's snmpd runs inside each node namespace
//! as AgentX master (`agentxsocket tcp:127.0.0.1:705`, SNMP only on the namespace's
//! loopback, private pid/persistent dirs), our daemon is its subagent (`snmp_socket
//! tcp:127.0.0.1:705` and the `enable_snmp_*`/`enable_traps` keywords each test names), and
//! net-snmp's own `snmpwalk` (numeric OIDs) reads the MIBs from inside the namespace; a
//! snmptrapd in B's namespace receives what B's snmpd forwards.
//!
//! - RFC 2787: `vrrpOperState` of VRID 51 master(3)/backup(2), flipping on a failover and
//!   back; the address, priority and statistics columns; a snmpd started after the daemon
//!   and one restarted under it; `vrrpTrapNewMaster`; the walk beside keepalived 2.2.7's.
//! - KEEPALIVED-MIB: instance/address/global objects, `vrrpInstanceState` over a failover,
//!   `vrrpInstanceStateChange` and `vrrpTrapAuthFailure` (A back with a wrong `auth_pass`);
//!   the sync group tables and `vrrpSyncGroupStateChange`.
//! - RFC 6527: `vrrpv3OperationsStatus` over a failover, the address and statistics tables,
//!   `vrrpv3NewMaster` (masterNoResponse), then SIGHUPs that add KEEPALIVED-MIB, switch SNMP
//!   off and on again; a SIGHUP that enables SNMP in a daemon started without it.
//! - KEEPALIVED-MIB and VRRPV3-MIB walks beside keepalived 2.2.7's (its 2.x additions named).
//!
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
            // What snmpwalk prints for an empty subtree is no object.
            if v.starts_with("No Such") || v.starts_with("No more variables") {
                return None;
            }
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
    conf_with(lab, id, "snmp", &["enable_snmp_rfc", "enable_traps"], |t| t)
}

/// The seed configuration of `id` with `snmp_socket tcp:127.0.0.1:705` and `keywords` in
/// its `global_defs`, and `edit` applied, written as `TAG-a.conf`/`TAG-b.conf`.
fn conf_with(
    lab: &Lab,
    id: NodeId,
    tag: &str,
    keywords: &[&str],
    edit: impl Fn(String) -> String,
) -> PathBuf {
    let seed = std::fs::read_to_string(id.conf()).expect("seed conf");
    let mut globals = String::from("global_defs {\n   snmp_socket tcp:127.0.0.1:705");
    for k in keywords {
        globals.push_str("\n   ");
        globals.push_str(k);
    }
    let text = edit(seed.replacen("global_defs {", &globals, 1));
    assert!(
        text.contains("snmp_socket"),
        "seed conf has a global_defs block"
    );
    let p = lab.dir.join(format!("{tag}-{}.conf", id.letter()));
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
                .wait_log("VRRP-MIB, VRRPV3-MIB registered", REGISTER_SECS),
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

/// KEEPALIVED-MIB subtree.
const KMIB: &str = ".1.3.6.1.4.1.9586.100.5";
/// RFC 6527 VRRPV3-MIB subtree.
const V3MIB: &str = ".1.3.6.1.2.1.207";

/// The seed instance as VRRPv3 (no authentication: v3 has none).
fn v3(text: String) -> String {
    let start = text.find("authentication {").expect("seed auth block");
    let end = start + text[start..].find('}').expect("end of auth block") + 1;
    let mut t = text.clone();
    t.replace_range(start..end, "");
    t.replacen("advert_int 1", "advert_int 1\n    version 3", 1)
}

/// `v3` plus a `virtual_routes`/`virtual_rules` line in the instance and
/// `static_routes`/`static_rules` lines (vrrpRouteTable and vrrpRuleTable rows 1.1 and 0.1,
/// a multipath route 0.2 with vrrpRouteNextHopTable rows 0.2.1 and 0.2.2).
fn v3_routed(text: String) -> String {
    let t = v3(text).replacen(
        "    virtual_ipaddress {",
        &format!(
            "    virtual_routes {{\n        10.77.0.0/24 dev {IFACE}\n    }}\n    \
             virtual_rules {{\n        to 10.80.0.0/24 table 101 priority 300\n    }}\n    \
             virtual_ipaddress {{"
        ),
        1,
    );
    assert!(
        t.contains("virtual_routes"),
        "seed instance has virtual_ipaddress"
    );
    format!(
        "{t}\nstatic_routes {{\n    10.78.0.0/24 dev {IFACE} metric 7\n    \
         10.81.0.0/24 nexthop via 192.168.1.1 dev {IFACE} weight 2 \
         nexthop via 192.168.1.2 dev {IFACE}\n}}\n\
         static_rules {{\n    from 10.79.0.0/24 table 100 priority 200\n}}\n"
    )
}

/// KEEPALIVED-MIB's `vrrpInstanceState` column.
const K_STATE: &str = ".1.3.6.1.4.1.9586.100.5.2.3.1.4";
/// RFC 6527's `vrrpv3OperationsStatus` column.
const V3_STATUS: &str = ".1.3.6.1.2.1.207.1.1.1.1.6";

/// `(OID, value)` of `oid` itself in `rows`.
fn value_of(rows: &[(String, String)], oid: &str) -> Option<String> {
    rows.iter().find(|(k, _)| k == oid).map(|(_, v)| v.clone())
}

/// Polls `snmpwalk` of `column` until the object `oid` reads `want` (at most `secs`).
fn wait_value(ns: &str, column: &str, oid: &str, want: &str, secs: f64) -> Option<String> {
    let end = now() + secs;
    loop {
        let v = value_of(&walk(ns, column), oid);
        if v.as_deref() == Some(want) || now() > end {
            return v;
        }
        sleep(0.3);
    }
}

/// Waits until the trap log, from byte `from` on, has a trap (snmptrapd writes each
/// trap's bindings on one line) containing every one of `needles`, at most `secs`;
/// returns whether it came and the whole log.
fn wait_trap(log: &Path, from: usize, needles: &[&str], secs: f64) -> (bool, String) {
    let end = now() + secs;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let found = text
            .get(from..)
            .unwrap_or_default()
            .lines()
            .any(|l| needles.iter().all(|n| l.contains(n)));
        if found || now() > end {
            return (found, text);
        }
        sleep(0.3);
    }
}

fn ifindex(ns: &str) -> String {
    let out = lab::ip(&["-n", ns, "-o", "link", "show", IFACE]).expect("ip link");
    out.split(':').next().expect("ifindex").trim().to_string()
}

/// KEEPALIVED-MIB (`enable_snmp_keepalived`) next to RFC 2787 (`enable_snmp_rfcv2`) with
/// `enable_traps`: the instance, address and global objects; `vrrpInstanceState`
/// master(2)/backup(1) flipping on failover (fault(3) on the node whose link is down);
/// B's `vrrpInstanceStateChange` trap; and `vrrpTrapAuthFailure` when A comes back with a
/// wrong `auth_pass`.
#[test]
fn keepalived_mib_follows_failover_with_state_and_auth_traps() {
    let Some(mut lab) = Lab::new("sm", Impl::Ours, Impl::Ours) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let (if_b,) = (ifindex(&ns_b),);
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let (_trapd, trap_log) = snmptrapd(&ns_b, &dir);
    let _snmpd_b = snmpd(&ns_b, &dir, "b", true);
    sleep(1.0);
    let kw = [
        "enable_snmp_keepalived",
        "enable_snmp_rfcv2",
        "enable_traps",
    ];
    let conf_a = conf_with(&lab, NodeId::A, "k", &kw, |t| t);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let conf_b = conf_with(&lab, NodeId::B, "k", &kw, |t| t);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    for id in [NodeId::A, NodeId::B] {
        assert!(
            lab.node(id)
                .daemon()
                .wait_log("KEEPALIVED-MIB, VRRP-MIB registered", REGISTER_SECS),
            "{id:?}: no AgentX registration"
        );
    }
    let st = format!("{K_STATE}.1");
    assert_eq!(
        wait_value(&ns_a, K_STATE, &st, "INTEGER: 2", 5.0).as_deref(),
        Some("INTEGER: 2"),
        "A master(2)"
    );
    assert_eq!(
        wait_value(&ns_b, K_STATE, &st, "INTEGER: 1", 5.0).as_deref(),
        Some("INTEGER: 1"),
        "B backup(1)"
    );
    let a = walk(&ns_a, KMIB);
    let get = |rows: &[(String, String)], o: &str| -> String {
        value_of(rows, &format!("{KMIB}{o}")).unwrap_or_else(|| panic!("{o} missing: {rows:#?}"))
    };
    assert!(get(&a, ".1.1.0").starts_with("STRING: \"Keepalived v1.3.5"));
    assert_eq!(get(&a, ".1.2.0"), "STRING: \"NodeA\"");
    assert_eq!(get(&a, ".1.4.0"), "INTEGER: 1", "trapEnable");
    assert_eq!(get(&a, ".2.3.1.2.1"), "STRING: \"VI_1\"");
    assert_eq!(get(&a, ".2.3.1.3.1"), "Gauge32: 51");
    assert_eq!(get(&a, ".2.3.1.5.1"), "INTEGER: 2", "initial state MASTER");
    assert_eq!(get(&a, ".2.3.1.7.1"), "INTEGER: 100");
    assert_eq!(get(&a, ".2.3.1.8.1"), "INTEGER: 100");
    assert_eq!(get(&a, ".2.3.1.9.1"), "INTEGER: 1", "VIPs all set");
    assert_eq!(get(&a, ".2.3.1.10.1"), format!("STRING: \"{IFACE}\""));
    assert_eq!(get(&a, ".2.3.1.12.1"), "Gauge32: 1", "advert interval");
    assert_eq!(get(&a, ".2.3.1.15.1"), "INTEGER: 1", "simplePassword");
    // The VIP row: IPv4, 192.168.1.210/24, set, advertised.
    assert_eq!(get(&a, ".2.6.1.2.1.1"), "INTEGER: 1");
    assert_eq!(get(&a, ".2.6.1.3.1.1"), "Hex-STRING: C0 A8 01 D2 ");
    assert_eq!(get(&a, ".2.6.1.5.1.1"), "Gauge32: 24");
    assert_eq!(get(&a, ".2.6.1.10.1.1"), "INTEGER: 1");
    assert_eq!(get(&a, ".2.6.1.11.1.1"), "INTEGER: 1");
    let b = walk(&ns_b, KMIB);
    assert_eq!(get(&b, ".1.2.0"), "STRING: \"NodeB\"");
    assert_eq!(get(&b, ".2.3.1.5.1"), "INTEGER: 1", "initial state BACKUP");
    assert_eq!(get(&b, ".2.3.1.7.1"), "INTEGER: 90");
    assert_eq!(
        get(&b, ".2.6.1.10.1.1"),
        "INTEGER: 2",
        "B does not hold the VIP"
    );

    // Failover: A's link down: A fault(3), B master(2), and B's state-change trap.
    lab.set_link(NodeId::A, true);
    assert_eq!(
        wait_value(&ns_b, K_STATE, &st, "INTEGER: 2", 10.0).as_deref(),
        Some("INTEGER: 2"),
        "B after A's link went down"
    );
    assert_eq!(
        wait_value(&ns_a, K_STATE, &st, "INTEGER: 3", 10.0).as_deref(),
        Some("INTEGER: 3"),
        "A after its link went down"
    );
    let (found, log) = wait_trap(
        &trap_log,
        0,
        &[
            ".1.3.6.1.4.1.9586.100.5.2.10.0.2",
            ".1.3.6.1.4.1.9586.100.5.2.3.1.2 = STRING: \"VI_1\"",
            ".1.3.6.1.4.1.9586.100.5.2.3.1.4 = INTEGER: 2",
            ".1.3.6.1.4.1.9586.100.5.2.3.1.5 = INTEGER: 1",
            ".1.3.6.1.4.1.9586.100.5.1.2.0 = STRING: \"NodeB\"",
        ],
        10.0,
    );
    assert!(found, "no vrrpInstanceStateChange (MASTER) from B:\n{log}");
    // The RFC 2787 trap comes too (enable_snmp_rfcv2 and enable_traps).
    assert!(
        log.contains(".1.3.6.1.2.1.68.0.1"),
        "no vrrpTrapNewMaster:\n{log}"
    );

    // Back: A preempts (B's backup trap follows).
    lab.set_link(NodeId::A, false);
    assert_eq!(
        wait_value(&ns_a, K_STATE, &st, "INTEGER: 2", 15.0).as_deref(),
        Some("INTEGER: 2"),
        "A after its link came back"
    );
    let seen = log.len();
    let (found, log) = wait_trap(
        &trap_log,
        seen,
        &[
            ".1.3.6.1.4.1.9586.100.5.2.10.0.2",
            ".1.3.6.1.4.1.9586.100.5.2.3.1.4 = INTEGER: 1",
        ],
        15.0,
    );
    assert!(found, "no vrrpInstanceStateChange (BACKUP) from B:\n{log}");

    // A restarts with a wrong password: B counts authentication failures and traps them
    // with A's address and authFailure(3).
    let a = lab.node(NodeId::A).daemon();
    a.terminate();
    assert!(a.wait_exit(10.0).is_some(), "A did not stop");
    let wrong = conf_with(&lab, NodeId::A, "kwrong", &kw, |t| {
        let w = t.replacen("auth_pass 1111", "auth_pass 2222", 1);
        assert_ne!(w, t, "seed auth_pass");
        w
    });
    lab.start_conf_args(NodeId::A, &wrong, &[]);
    let (found, log) = wait_trap(
        &trap_log,
        0,
        &[
            ".1.3.6.1.2.1.68.0.2",
            &format!(".1.3.6.1.2.1.68.1.5.{if_b}.51 = IpAddress: 192.168.1.198"),
            &format!(".1.3.6.1.2.1.68.1.6.{if_b}.51 = INTEGER: 3"),
        ],
        15.0,
    );
    assert!(found, "no vrrpTrapAuthFailure from B:\n{log}");
    let rows = walk(&ns_b, ".1.3.6.1.2.1.68.2.4.1.4");
    let fails = value_of(&rows, &format!(".1.3.6.1.2.1.68.2.4.1.4.{if_b}.51"))
        .expect("vrrpStatsAuthFailures");
    assert_ne!(fails, "Counter32: 0", "vrrpStatsAuthFailures");
}

/// RFC 6527 (`enable_snmp_rfcv3`) with VRRPv3 instances: `vrrpv3OperationsStatus`
/// master(3)/backup(2) flipping on failover, the address and statistics tables,
/// `vrrpv3NewMaster` with masterNoResponse(3); then SIGHUPs on A that enable
/// KEEPALIVED-MIB, disable SNMP, and enable it again, the registrations following.
#[test]
fn vrrpv3_mib_follows_failover_and_reloads_change_the_mibs() {
    let Some(mut lab) = Lab::new("s3", Impl::Ours, Impl::Ours) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let (if_a, if_b) = (ifindex(&ns_a), ifindex(&ns_b));
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let (_trapd, trap_log) = snmptrapd(&ns_b, &dir);
    let _snmpd_b = snmpd(&ns_b, &dir, "b", true);
    sleep(1.0);
    let kw = ["enable_snmp_rfcv3", "enable_traps"];
    let conf_a = conf_with(&lab, NodeId::A, "v3", &kw, v3);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let conf_b = conf_with(&lab, NodeId::B, "v3", &kw, v3);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    for id in [NodeId::A, NodeId::B] {
        assert!(
            lab.node(id)
                .daemon()
                .wait_log("VRRPV3-MIB registered", REGISTER_SECS),
            "{id:?}: no AgentX registration"
        );
    }
    let st_a = format!("{V3_STATUS}.{if_a}.51.1");
    let st_b = format!("{V3_STATUS}.{if_b}.51.1");
    assert_eq!(
        wait_value(&ns_a, V3_STATUS, &st_a, "INTEGER: 3", 5.0).as_deref(),
        Some("INTEGER: 3"),
        "A master(3)"
    );
    assert_eq!(
        wait_value(&ns_b, V3_STATUS, &st_b, "INTEGER: 2", 5.0).as_deref(),
        Some("INTEGER: 2"),
        "B backup(2)"
    );
    let a = walk(&ns_a, V3MIB);
    let get = |rows: &[(String, String)], o: &str| -> String {
        value_of(rows, &format!("{V3MIB}{o}")).unwrap_or_else(|| panic!("{o} missing: {rows:#?}"))
    };
    let ia = format!("{if_a}.51.1");
    assert_eq!(
        get(&a, &format!(".1.1.1.1.4.{ia}")),
        "Hex-STRING: C0 A8 01 C6 "
    );
    assert_eq!(get(&a, &format!(".1.1.1.1.7.{ia}")), "Gauge32: 100");
    assert_eq!(get(&a, &format!(".1.1.1.1.8.{ia}")), "INTEGER: 1");
    assert_eq!(
        get(&a, &format!(".1.1.1.1.9.{ia}")),
        "INTEGER: 100",
        "centiseconds"
    );
    assert_eq!(
        get(&a, &format!(".1.1.2.1.2.{ia}.4.192.168.1.210")),
        "INTEGER: 1",
        "the VIP row"
    );
    assert_eq!(get(&a, &format!(".1.2.5.1.1.{ia}")), "Counter32: 1");
    assert_eq!(
        get(&a, &format!(".1.2.5.1.2.{ia}")),
        "INTEGER: 1",
        "priority"
    );
    assert!(get(&a, ".1.2.1.0").starts_with("Counter64: "));
    // No RFC 2787 rows for v3 instances, no KEEPALIVED-MIB: not enabled.
    assert!(
        walk(&ns_a, KMIB).is_empty(),
        "KEEPALIVED-MIB before the reload"
    );
    let ib = format!("{if_b}.51.1");
    // B names A as the master once it heard A's advert (at most an interval after start).
    let mip = format!("{V3MIB}.1.1.1.1.3.{ib}");
    assert_eq!(
        wait_value(&ns_b, &mip, &mip, "Hex-STRING: C0 A8 01 C6 ", 5.0).as_deref(),
        Some("Hex-STRING: C0 A8 01 C6 "),
        "B's vrrpv3OperationsMasterIpAddr"
    );
    let b = walk(&ns_b, V3MIB);
    assert_eq!(
        get(&b, &format!(".1.2.5.1.2.{ib}")),
        "INTEGER: 0",
        "notMaster"
    );
    let rcvd = |ns: &str| {
        get(&walk(ns, V3MIB), &format!(".1.2.5.1.3.{ib}"))
            .trim_start_matches("Counter64: ")
            .parse::<u64>()
            .expect("Counter64")
    };
    let r0 = rcvd(&ns_b);
    sleep(2.5);
    assert!(
        rcvd(&ns_b) > r0,
        "vrrpv3StatisticsRcvdAdvertisements does not move"
    );

    // Failover: B master(3) with masterNoResponse(3) in its vrrpv3NewMaster.
    lab.set_link(NodeId::A, true);
    assert_eq!(
        wait_value(&ns_b, V3_STATUS, &st_b, "INTEGER: 3", 10.0).as_deref(),
        Some("INTEGER: 3"),
        "B after A's link went down"
    );
    assert_eq!(
        wait_value(&ns_a, V3_STATUS, &st_a, "INTEGER: 1", 10.0).as_deref(),
        Some("INTEGER: 1"),
        "A initialize(1) in FAULT"
    );
    let (found, log) = wait_trap(
        &trap_log,
        0,
        &[
            ".1.3.6.1.2.1.207.0.1",
            &format!(".1.3.6.1.2.1.207.1.1.1.1.3.{ib} = Hex-STRING: C0 A8 01 C7"),
            &format!(".1.3.6.1.2.1.207.1.2.5.1.2.{ib} = INTEGER: 3"),
        ],
        10.0,
    );
    assert!(found, "no vrrpv3NewMaster from B:\n{log}");
    lab.set_link(NodeId::A, false);
    assert_eq!(
        wait_value(&ns_a, V3_STATUS, &st_a, "INTEGER: 3", 15.0).as_deref(),
        Some("INTEGER: 3"),
        "A after its link came back"
    );

    // SIGHUP with enable_snmp_keepalived added: both MIBs, no restart.
    let pid_before = lab.node(NodeId::A).daemon().pid;
    let reload = |lab: &mut Lab, keywords: &[&str]| {
        let text = std::fs::read_to_string(&conf_a).expect("conf A");
        let start = text.find("global_defs {").expect("global_defs");
        let end = start + text[start..].find('}').expect("end of global_defs") + 1;
        let mut g =
            String::from("global_defs {\n   router_id NodeA\n   snmp_socket tcp:127.0.0.1:705");
        for k in keywords {
            g.push_str("\n   ");
            g.push_str(k);
        }
        g.push_str("\n}");
        let mut t = text.clone();
        t.replace_range(start..end, &g);
        std::fs::write(&conf_a, t).expect("write conf A");
        lab.node(NodeId::A).daemon().signal(libc::SIGHUP);
    };
    reload(
        &mut lab,
        &[
            "enable_snmp_rfcv3",
            "enable_snmp_keepalived",
            "enable_traps",
        ],
    );
    let ks = format!("{K_STATE}.1");
    assert_eq!(
        wait_value(&ns_a, K_STATE, &ks, "INTEGER: 2", REGISTER_SECS).as_deref(),
        Some("INTEGER: 2"),
        "KEEPALIVED-MIB after the reload enabled it"
    );
    assert_eq!(
        value_of(&walk(&ns_a, V3_STATUS), &st_a).as_deref(),
        Some("INTEGER: 3"),
        "VRRPV3-MIB still served"
    );
    // SIGHUP without SNMP: the session closes, nothing is served.
    reload(&mut lab, &[]);
    assert!(
        lab.node(NodeId::A)
            .daemon()
            .wait_log("SNMP: disabled by the new configuration", 10.0),
        "no log of SNMP disabled"
    );
    let end = now() + 10.0;
    while !(walk(&ns_a, V3MIB).is_empty() && walk(&ns_a, KMIB).is_empty()) && now() < end {
        sleep(0.3);
    }
    assert!(
        walk(&ns_a, V3MIB).is_empty(),
        "VRRPV3-MIB after SNMP was disabled"
    );
    assert!(
        walk(&ns_a, KMIB).is_empty(),
        "KEEPALIVED-MIB after SNMP was disabled"
    );
    // SIGHUP enabling the RFC MIBs again.
    reload(&mut lab, &["enable_snmp_rfc"]);
    assert_eq!(
        wait_value(&ns_a, V3_STATUS, &st_a, "INTEGER: 3", REGISTER_SECS).as_deref(),
        Some("INTEGER: 3"),
        "VRRPV3-MIB after SNMP was enabled again"
    );
    assert!(walk(&ns_a, KMIB).is_empty(), "KEEPALIVED-MIB stays off");
    let d = lab.node(NodeId::A).daemon();
    assert_eq!(d.pid, pid_before, "the daemon was not restarted");
    assert!(!d.exited(), "the daemon runs on");
}

/// KEEPALIVED-MIB and VRRPV3-MIB of ours (A, MASTER) and keepalived 2.2.7 (B, BACKUP)
/// with the same VRRPv3 configuration: 2.2.7 lists every object we list (plus its 2.x
/// additions, named here), the role-independent values agree, and the states and
/// priorities are each node's own.
#[test]
fn keepalived_and_vrrpv3_mib_walks_match_keepalived_2_2_7() {
    let Some(mut lab) = Lab::new("sv", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let _snmpd_b = snmpd(&ns_b, &dir, "b", false);
    sleep(1.0);
    let kw = [
        "enable_snmp_keepalived",
        "enable_snmp_rfcv3",
        "enable_traps",
    ];
    let conf_a = conf_with(&lab, NodeId::A, "kv", &kw, v3_routed);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let conf_b = conf_with(&lab, NodeId::B, "kv", &kw, v3_routed);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    let ks = format!("{K_STATE}.1");
    assert_eq!(
        wait_value(&ns_a, K_STATE, &ks, "INTEGER: 2", REGISTER_SECS).as_deref(),
        Some("INTEGER: 2")
    );
    // keepalived 2.2.7 retries its AgentX connection every 15 s.
    assert_eq!(
        wait_value(&ns_b, K_STATE, &ks, "INTEGER: 1", 15.0 + REGISTER_SECS).as_deref(),
        Some("INTEGER: 1"),
        "keepalived 2.2.7's vrrpInstanceState on B"
    );
    // 2.2.7 names A as the master once it heard A's advert.
    let mip = format!("{V3MIB}.1.1.1.1.3.{}.51.1", ifindex(&ns_b));
    assert_eq!(
        wait_value(&ns_b, &mip, &mip, "Hex-STRING: C0 A8 01 C6 ", 15.0).as_deref(),
        Some("Hex-STRING: C0 A8 01 C6 "),
        "2.2.7's vrrpv3OperationsMasterIpAddr"
    );
    let ours_k = walk(&ns_a, KMIB);
    let theirs_k = walk(&ns_b, KMIB);
    let ours_v3 = normalized(&walk(&ns_a, V3MIB), &ifindex(&ns_a));
    let theirs_v3 = normalized(&walk(&ns_b, V3MIB), &ifindex(&ns_b));
    let names = |r: &[(String, String)]| -> std::collections::BTreeSet<String> {
        r.iter().map(|(o, _)| o.clone()).collect()
    };

    // KEEPALIVED-MIB: every object of ours is in 2.2.7's walk; what only 2.2.7 has is its
    // 2.x additions: smtpServerPort and the other mail settings (global.3.6..10),
    // lvsFlush(6), ipvs64BitStats(7), dbus(9), dynamicInterfaces(10), the SNMP-enable
    // flags(11), and instance columns from 16 (lvs sync daemon, which 1.3.5 shows only
    // with LVS) and from 29 (2.x additions).
    let (ok, tk) = (names(&ours_k), names(&theirs_k));
    let missing: Vec<&String> = ok.difference(&tk).collect();
    assert!(missing.is_empty(), "ours only: {missing:?}");
    let g = format!("{KMIB}.1.");
    let inst = format!("{KMIB}.2.3.1.");
    let added = |o: &str| -> bool {
        if let Some(rest) = o.strip_prefix(&g) {
            let parts: Vec<u32> = rest.split('.').filter_map(|x| x.parse().ok()).collect();
            return match parts.as_slice() {
                [3, m, ..] => (6..=10).contains(m),
                [first, ..] => [6, 7, 9, 10, 11].contains(first),
                [] => false,
            };
        }
        if let Some(rest) = o.strip_prefix(&inst) {
            let col: u32 = rest
                .split('.')
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            return col == 16 || col >= 29;
        }
        false
    };
    // vrrpRuleTos: 2.x shows it for every rule, 1.3.5 and we only for a rule with `tos`;
    // vrrpRouteProtocol: 2.x gives every route `proto keepalived`, 1.3.5 shows only a
    // configured `protocol`.
    let rule_tos = format!("{KMIB}.2.8.1.15.");
    let route_proto = format!("{KMIB}.2.7.1.18.");
    let added = |o: &str| added(o) || o.starts_with(&rule_tos) || o.starts_with(&route_proto);
    let extra: Vec<&String> = tk.difference(&ok).filter(|o| !added(o)).collect();
    assert!(
        extra.is_empty(),
        "2.2.7 only, not a known 2.x addition: {extra:?}"
    );
    // smtpServerAddressType without smtp_server: 1.3.5 and we say ipv4(1), 2.2.7 ipv6(2).
    let same_k = [
        ".1.3.2.0",
        ".1.3.3.0",
        ".1.4.0",
        ".1.5.0",
        ".1.8.0",
        ".2.3.1.2.1",
        ".2.3.1.3.1",
        ".2.3.1.10.1",
        ".2.3.1.11.1",
        ".2.3.1.12.1",
        ".2.3.1.13.1",
        ".2.3.1.14.1",
        ".2.3.1.15.1",
        ".2.3.1.19.1",
        ".2.3.1.20.1",
        ".2.3.1.21.1",
        ".2.3.1.27.1",
        ".2.3.1.28.1",
        ".2.6.1.2.1.1",
        ".2.6.1.3.1.1",
        ".2.6.1.4.1.1",
        ".2.6.1.5.1.1",
        ".2.6.1.6.1.1",
        ".2.6.1.8.1.1",
        ".2.6.1.11.1.1",
    ];
    for o in same_k {
        let o = format!("{KMIB}{o}");
        assert_eq!(
            value_of(&ours_k, &o),
            value_of(&theirs_k, &o),
            "{o}: ours vs 2.2.7"
        );
    }
    // vrrpRouteTable, vrrpRuleTable, vrrpRouteNextHopTable: the cells 1.3.5's code gives
    // these lines, ours and (but for each node's ifIndex and the virtual rows' IsSet: B is
    // BACKUP) 2.2.7's.
    let (ifx_a, ifx_b) = (ifindex(&ns_a), ifindex(&ns_b));
    let route = format!("{KMIB}.2.7.1.");
    let rule = format!("{KMIB}.2.8.1.");
    let next_hop = format!("{KMIB}.2.11.1.");
    let s = |v: &str| format!("STRING: \"{v}\"");
    let expected: Vec<(String, String, Option<String>)> = vec![
        // static_routes: 10.78.0.0/24 dev IF metric 7
        ("2.0.1", "INTEGER: 1".into(), None),
        ("3.0.1", "Hex-STRING: 0A 4E 00 00 ".into(), None),
        ("4.0.1", "Gauge32: 24".into(), None),
        ("8.0.1", "Gauge32: 7".into(), None),
        ("9.0.1", "INTEGER: 14".into(), None),
        ("10.0.1", "INTEGER: 1".into(), None),
        (
            "11.0.1",
            format!("INTEGER: {ifx_a}"),
            Some(format!("INTEGER: {ifx_b}")),
        ),
        ("12.0.1", s(IFACE), None),
        ("13.0.1", "Gauge32: 254".into(), None),
        ("14.0.1", "INTEGER: 1".into(), None),
        ("19.0.1", "INTEGER: 2".into(), None),
        ("20.0.1", "INTEGER: 2".into(), None),
        // virtual_routes of instance 1: 10.77.0.0/24 dev IF, set on the MASTER only
        ("2.1.1", "INTEGER: 1".into(), None),
        ("3.1.1", "Hex-STRING: 0A 4D 00 00 ".into(), None),
        ("4.1.1", "Gauge32: 24".into(), None),
        ("8.1.1", "Gauge32: 0".into(), None),
        ("9.1.1", "INTEGER: 14".into(), None),
        ("10.1.1", "INTEGER: 1".into(), None),
        (
            "11.1.1",
            format!("INTEGER: {ifx_a}"),
            Some(format!("INTEGER: {ifx_b}")),
        ),
        ("12.1.1", s(IFACE), None),
        ("13.1.1", "Gauge32: 254".into(), None),
        ("14.1.1", "INTEGER: 1".into(), Some("INTEGER: 2".into())),
        ("19.1.1", "INTEGER: 2".into(), None),
        ("20.1.1", "INTEGER: 2".into(), None),
        // static_routes: 10.81.0.0/24 nexthop via .1 dev IF weight 2 nexthop via .2 dev IF
        ("2.0.2", "INTEGER: 1".into(), None),
        ("3.0.2", "Hex-STRING: 0A 51 00 00 ".into(), None),
        ("4.0.2", "Gauge32: 24".into(), None),
        ("8.0.2", "Gauge32: 0".into(), None),
        ("9.0.2", "INTEGER: 14".into(), None),
        ("10.0.2", "INTEGER: 2".into(), None),
        ("13.0.2", "Gauge32: 254".into(), None),
        ("14.0.2", "INTEGER: 1".into(), None),
        ("19.0.2", "INTEGER: 2".into(), None),
        ("20.0.2", "INTEGER: 2".into(), None),
    ]
    .into_iter()
    .map(|(c, v, t)| (format!("{route}{c}"), v, t))
    .chain(
        [
            ("2.0.2.1", "INTEGER: 1".into(), None),
            ("3.0.2.1", "Hex-STRING: C0 A8 01 01 ".into(), None),
            (
                "4.0.2.1",
                format!("INTEGER: {ifx_a}"),
                Some(format!("INTEGER: {ifx_b}")),
            ),
            ("5.0.2.1", s(IFACE), None),
            ("6.0.2.1", "Gauge32: 2".into(), None),
            ("7.0.2.1", "INTEGER: 2".into(), None),
            ("2.0.2.2", "INTEGER: 1".into(), None),
            ("3.0.2.2", "Hex-STRING: C0 A8 01 02 ".into(), None),
            (
                "4.0.2.2",
                format!("INTEGER: {ifx_a}"),
                Some(format!("INTEGER: {ifx_b}")),
            ),
            ("5.0.2.2", s(IFACE), None),
            ("7.0.2.2", "INTEGER: 2".into(), None),
        ]
        .into_iter()
        .map(|(c, v, t)| (format!("{next_hop}{c}"), v, t)),
    )
    .chain(
        [
            // static_rules: from 10.79.0.0/24 table 100 priority 200
            ("2.0.1", s("from"), None),
            ("3.0.1", "INTEGER: 1".into(), None),
            ("4.0.1", "Hex-STRING: 0A 4F 00 00 ".into(), None),
            ("5.0.1", "Gauge32: 24".into(), None),
            ("6.0.1", "Gauge32: 100".into(), None),
            ("7.0.1", "INTEGER: 1".into(), None),
            ("8.0.1", "INTEGER: 2".into(), None),
            ("12.0.1", "INTEGER: 1".into(), None),
            ("13.0.1", "Hex-STRING: 0A 4F 00 00 ".into(), None),
            ("14.0.1", "Gauge32: 24".into(), None),
            ("23.0.1", "INTEGER: 1".into(), None),
            ("24.0.1", "Gauge32: 100".into(), None),
            ("25.0.1", "Gauge32: 200".into(), None),
            // virtual_rules of instance 1: to 10.80.0.0/24 table 101 priority 300
            ("2.1.1", s("to"), None),
            ("3.1.1", "INTEGER: 1".into(), None),
            ("4.1.1", "Hex-STRING: 0A 50 00 00 ".into(), None),
            ("5.1.1", "Gauge32: 24".into(), None),
            ("6.1.1", "Gauge32: 101".into(), None),
            ("7.1.1", "INTEGER: 1".into(), Some("INTEGER: 2".into())),
            ("8.1.1", "INTEGER: 2".into(), None),
            ("9.1.1", "INTEGER: 1".into(), None),
            ("10.1.1", "Hex-STRING: 0A 50 00 00 ".into(), None),
            ("11.1.1", "Gauge32: 24".into(), None),
            ("23.1.1", "INTEGER: 1".into(), None),
            ("24.1.1", "Gauge32: 101".into(), None),
            ("25.1.1", "Gauge32: 300".into(), None),
        ]
        .into_iter()
        .map(|(c, v, t)| (format!("{rule}{c}"), v, t)),
    )
    .collect();
    // Ours shows exactly these cells in the three tables, in (table, column, row) order.
    let ours_rt: Vec<&(String, String)> = ours_k
        .iter()
        .filter(|(o, _)| {
            [&route, &rule, &next_hop]
                .iter()
                .any(|p| o.starts_with(p.as_str()))
        })
        .collect();
    let mut want_order: Vec<&String> = expected.iter().map(|(o, _, _)| o).collect();
    want_order.sort_by_key(|o| {
        o.trim_start_matches('.')
            .split('.')
            .map(|x| x.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        ours_rt.iter().map(|(o, _)| o).collect::<Vec<_>>(),
        want_order,
        "the objects of our vrrpRouteTable and vrrpRuleTable"
    );
    for (o, ours, theirs) in &expected {
        assert_eq!(value_of(&ours_k, o).as_ref(), Some(ours), "{o} ours");
        let theirs = theirs.as_ref().unwrap_or(ours);
        assert_eq!(value_of(&theirs_k, o).as_ref(), Some(theirs), "{o} 2.2.7");
    }
    // Each its own role: state, initial and wanted state, priorities, VIP status.
    for (c, ours, theirs) in [
        (4, "INTEGER: 2", "INTEGER: 1"),
        (5, "INTEGER: 2", "INTEGER: 1"),
        (6, "INTEGER: 2", "INTEGER: 1"),
        (7, "INTEGER: 100", "INTEGER: 90"),
        (8, "INTEGER: 100", "INTEGER: 90"),
        (9, "INTEGER: 1", "INTEGER: 2"),
    ] {
        let o = format!("{inst}{c}.1");
        assert_eq!(value_of(&ours_k, &o).as_deref(), Some(ours), "{o} ours");
        assert_eq!(
            value_of(&theirs_k, &o).as_deref(),
            Some(theirs),
            "{o} 2.2.7"
        );
    }

    // VRRPV3-MIB: the same objects once ours drops the index columns 2.x no longer shows
    // (vrrpv3OperationsVrId, vrrpv3OperationsInetAddrType, vrrpv3AssociatedIpAddrAddress)
    // and writes the address index without its length, as 2.2.7 does (1.3.5 and we give
    // the length, as SMI wants for a non-IMPLIED InetAddress index).
    let oper = ".1.3.6.1.2.1.207.1.1.1.1.";
    let asso = ".1.3.6.1.2.1.207.1.1.2.1.";
    let ours_common: Vec<(String, String)> = ours_v3
        .iter()
        .filter(|(o, _)| {
            !o.starts_with(&format!("{oper}1."))
                && !o.starts_with(&format!("{oper}2."))
                && !o.starts_with(&format!("{asso}1."))
        })
        .map(|(o, v)| (o.replacen(".IF.51.1.4.", ".IF.51.1.", 1), v.clone()))
        .collect();
    let list = |r: &[(String, String)]| r.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>();
    assert_eq!(
        list(&ours_common),
        list(&theirs_v3),
        "the objects of the two VRRPV3 walks"
    );
    let same_v3 = [
        format!("{oper}8.IF.51.1"),
        format!("{oper}9.IF.51.1"),
        format!("{oper}10.IF.51.1"),
        format!("{oper}11.IF.51.1"),
        format!("{oper}13.IF.51.1"),
        format!("{asso}2.IF.51.1.192.168.1.210"),
        ".1.3.6.1.2.1.207.1.2.1.0".to_string(),
        ".1.3.6.1.2.1.207.1.2.4.0".to_string(),
        ".1.3.6.1.2.1.207.1.2.5.1.13.IF.51.1".to_string(),
    ];
    for o in &same_v3 {
        assert_eq!(
            value_of(&ours_common, o),
            value_of(&theirs_v3, o),
            "{o}: ours vs 2.2.7"
        );
    }
    assert_eq!(
        value_of(&ours_common, &format!("{oper}6.IF.51.1")).as_deref(),
        Some("INTEGER: 3")
    );
    assert_eq!(
        value_of(&theirs_v3, &format!("{oper}6.IF.51.1")).as_deref(),
        Some("INTEGER: 2")
    );
    // Both name A as the master.
    for r in [&ours_common, &theirs_v3] {
        assert_eq!(
            value_of(r, &format!("{oper}3.IF.51.1")).as_deref(),
            Some("Hex-STRING: C0 A8 01 C6 ")
        );
    }
}

/// The seed instance twice (VI_1/VRID 51 and VI_2/VRID 52 with VIP .211) in sync group G.
fn with_group(text: String) -> String {
    let start = text.find("vrrp_instance VI_1").expect("seed instance");
    let block = text[start..].to_string();
    let second = block
        .replacen("vrrp_instance VI_1", "vrrp_instance VI_2", 1)
        .replacen("virtual_router_id 51", "virtual_router_id 52", 1)
        .replacen("192.168.1.210/24", "192.168.1.211/24", 1);
    assert_ne!(second, block, "seed instance edited");
    format!("{text}\n{second}\nvrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_2\n    }}\n}}\n")
}

/// KEEPALIVED-MIB's sync group tables and `vrrpSyncGroupStateChange`: A and B run VI_1 and
/// VI_2 in group G; G is master(2) on A and backup(1) on B, its members listed; when A's
/// link goes down B's group becomes MASTER and B traps it with its router id.
#[test]
fn keepalived_mib_sync_group_table_and_trap() {
    let Some(mut lab) = Lab::new("sg", Impl::Ours, Impl::Ours) else {
        return;
    };
    let (ns_a, ns_b) = (lab.a.ns.clone(), lab.b.ns.clone());
    let dir = lab.dir.clone();
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let (_trapd, trap_log) = snmptrapd(&ns_b, &dir);
    let _snmpd_b = snmpd(&ns_b, &dir, "b", true);
    sleep(1.0);
    let kw = ["enable_snmp_keepalived", "enable_traps"];
    let conf_a = conf_with(&lab, NodeId::A, "g", &kw, with_group);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let conf_b = conf_with(&lab, NodeId::B, "g", &kw, with_group);
    lab.start_conf_args(NodeId::B, &conf_b, &[]);
    let group = format!("{KMIB}.2.1.1");
    let st = format!("{group}.3.1");
    assert_eq!(
        wait_value(&ns_a, &group, &st, "INTEGER: 2", REGISTER_SECS).as_deref(),
        Some("INTEGER: 2"),
        "G master(2) on A"
    );
    assert_eq!(
        wait_value(&ns_b, &group, &st, "INTEGER: 1", REGISTER_SECS).as_deref(),
        Some("INTEGER: 1"),
        "G backup(1) on B"
    );
    let a = walk(&ns_a, &format!("{KMIB}.2"));
    let get =
        |o: &str| value_of(&a, &format!("{KMIB}{o}")).unwrap_or_else(|| panic!("{o}: {a:#?}"));
    assert_eq!(get(".2.1.1.2.1"), "STRING: \"G\"");
    assert_eq!(get(".2.2.1.2.1.1"), "STRING: \"VI_1\"");
    assert_eq!(get(".2.2.1.2.1.2"), "STRING: \"VI_2\"");
    // Each instance names its group; both are MASTER.
    for i in [1, 2] {
        assert_eq!(get(&format!(".2.3.1.18.{i}")), "STRING: \"G\"");
        assert_eq!(get(&format!(".2.3.1.4.{i}")), "INTEGER: 2");
    }
    lab.set_link(NodeId::A, true);
    assert_eq!(
        wait_value(&ns_b, &group, &st, "INTEGER: 2", 10.0).as_deref(),
        Some("INTEGER: 2"),
        "G master(2) on B after A's link went down"
    );
    let (found, log) = wait_trap(
        &trap_log,
        0,
        &[
            ".1.3.6.1.4.1.9586.100.5.2.10.0.1",
            ".1.3.6.1.4.1.9586.100.5.2.1.1.2 = STRING: \"G\"",
            ".1.3.6.1.4.1.9586.100.5.2.1.1.3 = INTEGER: 2",
            ".1.3.6.1.4.1.9586.100.5.1.2.0 = STRING: \"NodeB\"",
        ],
        10.0,
    );
    assert!(found, "no vrrpSyncGroupStateChange (MASTER) from B:\n{log}");
}

/// A daemon started without SNMP gets the subagent from a SIGHUP that enables it (1.3.5
/// reads the SNMP keywords only at start): RFC 2787 is then served, same process.
#[test]
fn reload_starts_snmp_in_a_daemon_started_without() {
    let Some(mut lab) = Lab::new("sr", Impl::Ours, Impl::Ours) else {
        return;
    };
    let ns_a = lab.a.ns.clone();
    let dir = lab.dir.clone();
    let _snmpd_a = snmpd(&ns_a, &dir, "a", false);
    let conf_a = conf_with(&lab, NodeId::A, "r", &[], |t| t);
    let t = lab.start_conf_args(NodeId::A, &conf_a, &[]);
    lab.a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    sleep(3.0);
    assert!(walk(&ns_a, ".1.3.6.1.2.1.68").is_empty(), "VRRP-MIB before");
    let pid = lab.a.daemon().pid;
    let text = std::fs::read_to_string(&conf_a).expect("conf A");
    let on = text.replacen(
        "snmp_socket tcp:127.0.0.1:705",
        "snmp_socket tcp:127.0.0.1:705\n   enable_snmp_rfcv2",
        1,
    );
    assert_ne!(on, text);
    std::fs::write(&conf_a, on).expect("write conf A");
    lab.a.daemon().signal(libc::SIGHUP);
    let ifx = ifindex(&ns_a);
    let st = format!("{OPER_STATE}.{ifx}.51");
    assert_eq!(
        wait_value(&ns_a, OPER_STATE, &st, "INTEGER: 3", REGISTER_SECS).as_deref(),
        Some("INTEGER: 3"),
        "vrrpOperState after the reload enabled SNMP"
    );
    let d = lab.a.daemon();
    assert_eq!(d.pid, pid, "same daemon");
    assert!(!d.exited(), "the daemon runs on");
}
