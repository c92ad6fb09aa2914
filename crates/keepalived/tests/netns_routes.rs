//! `virtual_routes`, `virtual_rules` and `static_*` (issue 11) in the two-node lab, our daemon
//! on both nodes unless said otherwise:
//!
//! - the MASTER has its instance's routes (one with `src VIP`, so it can only exist once the
//!   VIP does) and rule, the BACKUP has none; they move to B when A stops, and are gone from a
//!   node whose daemon stopped;
//! - static addresses (one without `dev`, placed by `default_interface`), routes and rules are
//!   on both nodes whatever their state, and gone after stop;
//! - a route on another interface comes back when that interface is set down and up again
//!   (the kernel deletes the routes of a downed interface), and one refused because its
//!   interface was down at mastership is added when the interface comes up;
//! - a reload removes a route taken out of the configuration and adds a new one;
//! - IPv6 (a node of its own: the lab has IPv6 off): a VRRPv3 MASTER's `src VIP` route,
//!   blackhole and rule, and a static route, gone after stop;
//! - beside keepalived 2.2.7 on node B, our node A has its routes whenever it is MASTER.
//!
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::PathBuf;

use lab::{now, sleep, Impl, Lab, NodeId, VIP};

/// How long a state change may take to show in the kernel on a loaded machine (seconds).
/// Takeover by B after A's priority-0 advert is ~skew time (< 1 s); the rest is margin.
const SETTLE: f64 = 10.0;

/// Node configuration: A MASTER 100, B BACKUP 90, with the routing lines under test.
/// `extra_route` is one more `virtual_routes` line (for the reload step).
fn write_conf(lab: &Lab, id: NodeId, extra_route: &str) -> PathBuf {
    let (state, prio, n) = match id {
        NodeId::A => ("MASTER", 100, 1),
        NodeId::B => ("BACKUP", 90, 2),
    };
    let text = format!(
        "global_defs {{
    router_id node{n}
    default_interface enp11s0f0
}}
static_ipaddress {{
    10.77.0.{n}/32
    10.78.0.{n}/24 dev enp11s0f0
}}
static_routes {{
    10.66.0.0/16 via 192.168.1.1 dev enp11s0f0
}}
static_rules {{
    from 10.77.0.{n} table 300 priority 300
}}
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
    virtual_ipaddress {{
        {VIP}/24
    }}
    virtual_routes {{
        src {VIP} to 10.55.0.0/16 via 192.168.1.1 dev enp11s0f0 metric 5
        blackhole 10.44.0.0/16 table 200
        10.33.0.0/16 via 10.32.0.254 dev dummy0
{extra_route}
    }}
    virtual_rules {{
        from {VIP} table 200 priority 200
    }}
}}
"
    );
    let path = lab.dir.join(format!("routes-{}.conf", id.letter()));
    std::fs::write(&path, text).expect("write config");
    path
}

/// `ip ARGS` in the node's namespace (stdout; empty on error).
fn ip(lab: &Lab, id: NodeId, args: &[&str]) -> String {
    let ns = lab.node_ns(id);
    let out = std::process::Command::new("ip")
        .args(["-n", &ns])
        .args(args)
        .output()
        .expect("run ip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What of the routing state under test a node shows now.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Seen {
    /// The `src VIP` route of the instance.
    vroute_src: bool,
    /// The blackhole route in table 200.
    vroute_blackhole: bool,
    /// The route on dummy0.
    vroute_dummy: bool,
    /// `from VIP lookup 200`.
    vrule: bool,
    /// The static route.
    sroute: bool,
    /// The static rule.
    srule: bool,
    /// Both static addresses.
    saddrs: bool,
}

impl Seen {
    fn virtual_all(&self) -> bool {
        self.vroute_src && self.vroute_blackhole && self.vroute_dummy && self.vrule
    }
    fn virtual_none(&self) -> bool {
        !(self.vroute_src || self.vroute_blackhole || self.vroute_dummy || self.vrule)
    }
    fn static_all(&self) -> bool {
        self.sroute && self.srule && self.saddrs
    }
    fn static_none(&self) -> bool {
        !(self.sroute || self.srule || self.saddrs)
    }
}

fn seen(lab: &Lab, id: NodeId) -> Seen {
    let n = match id {
        NodeId::A => 1,
        NodeId::B => 2,
    };
    let main = ip(lab, id, &["-4", "route", "show"]);
    let t200 = ip(lab, id, &["-4", "route", "show", "table", "200"]);
    let rules = ip(lab, id, &["-4", "rule", "show"]);
    let addrs = ip(lab, id, &["-4", "-o", "addr", "show", "dev", "enp11s0f0"]);
    Seen {
        vroute_src: main.lines().any(|l| {
            l.starts_with("10.55.0.0/16 via 192.168.1.1 dev enp11s0f0")
                && l.contains(&format!("src {VIP}"))
                && l.contains("metric 5")
        }),
        vroute_blackhole: t200.contains("blackhole 10.44.0.0/16"),
        vroute_dummy: main.contains("10.33.0.0/16 via 10.32.0.254 dev dummy0"),
        vrule: rules.contains(&format!("200:\tfrom {VIP} lookup 200")),
        sroute: main.contains("10.66.0.0/16 via 192.168.1.1 dev enp11s0f0"),
        srule: rules.contains(&format!("300:\tfrom 10.77.0.{n} lookup 300")),
        saddrs: addrs.contains(&format!(" 10.77.0.{n}/32 "))
            && addrs.contains(&format!(" 10.78.0.{n}/24 ")),
    }
}

/// Polls until `ok(seen)` or `secs` pass; the last observation either way.
fn wait_seen(lab: &Lab, id: NodeId, secs: f64, ok: impl Fn(&Seen) -> bool) -> (bool, Seen) {
    let deadline = now() + secs;
    loop {
        let s = seen(lab, id);
        if ok(&s) {
            return (true, s);
        }
        if now() > deadline {
            return (false, s);
        }
        sleep(0.05);
    }
}

/// A second interface `dummy0` with 10.32.0.1/24 on the node, the way to the gateway of the
/// third route (a veth pair inside the node: this kernel has no dummy driver).
fn add_dummy(lab: &Lab, id: NodeId) {
    let ns = lab.node_ns(id);
    for args in [
        vec![
            "link", "add", "dummy0", "type", "veth", "peer", "name", "dummy0p",
        ],
        vec!["addr", "add", "10.32.0.1/24", "dev", "dummy0"],
        vec!["link", "set", "dummy0p", "up"],
        vec!["link", "set", "dummy0", "up"],
    ] {
        let st = std::process::Command::new("ip")
            .args(["-n", &ns])
            .args(&args)
            .status()
            .expect("run ip");
        assert!(st.success(), "ip {args:?} in {ns}");
    }
}

#[test]
fn routes_and_rules_follow_mastership_statics_stay_until_stop() {
    let Some(mut lab) = Lab::new("rt", Impl::Ours, Impl::Ours) else {
        return;
    };
    add_dummy(&lab, NodeId::A);
    add_dummy(&lab, NodeId::B);
    let conf_a = write_conf(&lab, NodeId::A, "");
    let conf_b = write_conf(&lab, NodeId::B, "");

    lab.start_conf(NodeId::A, &conf_a);
    let (ok, s) = wait_seen(&lab, NodeId::A, SETTLE, |s| {
        s.virtual_all() && s.static_all()
    });
    assert!(ok, "A (MASTER) lacks routes/rules: {s:?}");
    assert!(lab.a.has_vip(), "routes before the VIP");

    lab.start_conf(NodeId::B, &conf_b);
    assert!(
        lab.b
            .daemon()
            .wait_log("VRRP_Instance(VI_1) Entering BACKUP STATE", SETTLE),
        "B never became BACKUP"
    );
    let (ok, s) = wait_seen(&lab, NodeId::B, SETTLE, Seen::static_all);
    assert!(ok, "B (BACKUP) lacks its static entries: {s:?}");
    // Two more advert intervals as BACKUP: nothing of the instance may appear.
    sleep(2.0);
    let s = seen(&lab, NodeId::B);
    assert!(s.virtual_none(), "B (BACKUP) has instance routes: {s:?}");

    // The kernel drops the routes of an interface set down; ours come back when it is up.
    let ns_a = lab.node_ns(NodeId::A);
    for state in ["down", "up"] {
        let st = std::process::Command::new("ip")
            .args(["-n", &ns_a, "link", "set", "dummy0", state])
            .status()
            .expect("run ip");
        assert!(st.success());
        if state == "down" {
            let (gone, s) = wait_seen(&lab, NodeId::A, SETTLE, |s| !s.vroute_dummy);
            assert!(gone, "kernel kept the route of a downed interface: {s:?}");
        }
    }
    let (ok, s) = wait_seen(&lab, NodeId::A, SETTLE, |s| s.vroute_dummy);
    assert!(ok, "route on dummy0 not restored after it came up: {s:?}");
    assert!(s.virtual_all() && s.static_all(), "{s:?}");

    // Failover: A stops (everything of it goes), B takes the instance's routes.
    lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(SETTLE).is_some(), "A did not exit");
    let s = seen(&lab, NodeId::A);
    assert!(
        s.virtual_none() && s.static_none(),
        "A left routing state behind: {s:?}"
    );
    assert!(!lab.a.has_vip());
    let (ok, s) = wait_seen(&lab, NodeId::B, SETTLE, |s| {
        s.virtual_all() && s.static_all()
    });
    assert!(ok, "B (new MASTER) lacks routes/rules: {s:?}");

    lab.b.daemon().terminate();
    assert!(lab.b.daemon().wait_exit(SETTLE).is_some(), "B did not exit");
    let s = seen(&lab, NodeId::B);
    assert!(
        s.virtual_none() && s.static_none(),
        "B left routing state behind: {s:?}"
    );
    // Neither daemon complained about a route or rule.
    for node in [&lab.a, &lab.b] {
        for d in &node.daemons {
            let log = d.log_text();
            assert!(
                !log.contains("cannot add") && !log.contains("cannot remove"),
                "{log}"
            );
        }
    }
}

#[test]
fn reload_swaps_changed_routes_on_the_master() {
    let Some(mut lab) = Lab::new("rr", Impl::Ours, Impl::Ours) else {
        return;
    };
    add_dummy(&lab, NodeId::A);
    // dummy0 down while A becomes MASTER: the kernel refuses the route through it; it is
    // added when dummy0 comes up.
    let ns_a = lab.node_ns(NodeId::A);
    let set_dummy = |state: &str| {
        let st = std::process::Command::new("ip")
            .args(["-n", &ns_a, "link", "set", "dummy0", state])
            .status()
            .expect("run ip");
        assert!(st.success());
    };
    set_dummy("down");
    let conf = write_conf(&lab, NodeId::A, "        10.22.0.0/16 via 192.168.1.1");
    lab.start_conf(NodeId::A, &conf);
    let has = |lab: &Lab, pfx: &str| {
        ip(lab, NodeId::A, &["-4", "route", "show"])
            .lines()
            .any(|l| l.starts_with(pfx))
    };
    assert!(
        lab.a.daemon().wait_log(
            "cannot add route 10.33.0.0/16 via 10.32.0.254 dev dummy0",
            SETTLE
        ),
        "the route through the downed dummy0 was not refused"
    );
    let s = seen(&lab, NodeId::A);
    assert!(s.vroute_src && s.vrule && !s.vroute_dummy, "{s:?}");
    set_dummy("up");
    let deadline = now() + SETTLE;
    while !(has(&lab, "10.22.0.0/16") && seen(&lab, NodeId::A).virtual_all()) {
        assert!(
            now() < deadline,
            "A never installed its routes: {:?}",
            seen(&lab, NodeId::A)
        );
        sleep(0.05);
    }
    // Same file, the extra route replaced by another.
    write_conf(&lab, NodeId::A, "        10.23.0.0/16 via 192.168.1.1");
    lab.a.daemon().signal(libc::SIGHUP);
    let deadline = now() + SETTLE;
    while has(&lab, "10.22.0.0/16") || !has(&lab, "10.23.0.0/16") {
        assert!(now() < deadline, "reload did not swap the routes");
        sleep(0.05);
    }
    let s = seen(&lab, NodeId::A);
    assert!(
        s.virtual_all() && s.static_all(),
        "reload lost routes: {s:?}"
    );
    lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(SETTLE).is_some());
    assert!(!has(&lab, "10.23.0.0/16"));
    assert!(seen(&lab, NodeId::A).static_none());
}

/// One IPv6 node (the lab has IPv6 off): namespace with `eth0` (fe80::d and fd00:1::1/64) whose
/// veth peer sits in a second namespace; dropped in reverse order of need.
struct V6Node {
    daemon: Option<lab::Daemon>,
    dir: PathBuf,
    ns: String,
    _namespaces: Vec<netns_support::Netns>,
    _lock: netns_support::LabLock,
}

impl Drop for V6Node {
    fn drop(&mut self) {
        if let Some(d) = self.daemon.as_mut() {
            d.kill_group();
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

fn v6_node() -> Option<V6Node> {
    use netns_support::{is_root, lock_lab, unavailable, veth, Netns};
    if !is_root() {
        return unavailable("not running as root");
    }
    let lock = lock_lab();
    let id = format!("kr{}r6", std::process::id());
    let (d, p) = (format!("{id}-d"), format!("{id}-p"));
    let dns = match Netns::add_with_lo(&d) {
        Ok(ns) => ns,
        Err(e) => return unavailable(&format!("cannot create a network namespace: {e}")),
    };
    let setup = |r: Result<String, String>| r.unwrap_or_else(|e| panic!("lab setup: {e}"));
    let pns = Netns::add_with_lo(&p).unwrap_or_else(|e| panic!("lab setup: {e}"));
    veth(&d, "eth0", "eth0p", Some(&p)).unwrap_or_else(|e| panic!("lab setup: {e}"));
    setup(dns.ip(&["addr", "add", "fe80::d/64", "dev", "eth0", "nodad"]));
    setup(dns.ip(&["addr", "add", "fd00:1::1/64", "dev", "eth0", "nodad"]));
    setup(pns.ip(&["addr", "add", "fd00:1::fe/64", "dev", "eth0p", "nodad"]));
    setup(dns.ip(&["link", "set", "eth0", "up"]));
    setup(pns.ip(&["link", "set", "eth0p", "up"]));
    let dir = std::env::temp_dir().join(format!("keepalived-rs-lab-{id}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create lab dir");
    Some(V6Node {
        daemon: None,
        dir,
        ns: d,
        _namespaces: vec![dns, pns],
        _lock: lock,
    })
}

/// IPv6: a VRRPv3 MASTER's `src VIP` route, table-200 blackhole and `from VIP` rule, and a
/// static route, present while it runs and gone after stop.
#[test]
fn ipv6_routes_and_rules() {
    let Some(mut node) = v6_node() else {
        return;
    };
    let conf = node.dir.join("v6.conf");
    std::fs::write(
        &conf,
        "global_defs {
    router_id N6
}
static_routes {
    fd00:66::/64 via fd00:1::fe dev eth0
}
vrrp_instance V6 {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 1
    virtual_ipaddress {
        fd00:1::10/64
    }
    virtual_routes {
        src fd00:1::10 fd00:55::/64 via fd00:1::fe dev eth0
        blackhole fd00:44::/64 table 200
    }
    virtual_rules {
        from fd00:1::10 table 200 priority 200
    }
}
",
    )
    .expect("write config");
    let show = |args: &[&str]| -> String {
        let out = std::process::Command::new("ip")
            .args(["-n", &node.ns, "-6"])
            .args(args)
            .output()
            .expect("run ip");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let state = |show: &dyn Fn(&[&str]) -> String| -> [bool; 4] {
        let main = show(&["route", "show"]);
        [
            main.lines().any(|l| {
                l.starts_with("fd00:55::/64 via fd00:1::fe dev eth0")
                    && l.contains("src fd00:1::10")
            }),
            show(&["route", "show", "table", "200"]).contains("blackhole fd00:44::/64"),
            show(&["rule", "show"]).contains("200:\tfrom fd00:1::10 lookup 200"),
            main.contains("fd00:66::/64 via fd00:1::fe dev eth0"),
        ]
    };
    node.daemon = Some(lab::Daemon::start(
        Impl::Ours,
        &node.ns,
        &conf,
        &node.dir,
        "v6",
        1,
    ));
    let deadline = now() + SETTLE;
    while state(&show) != [true; 4] {
        assert!(
            now() < deadline,
            "IPv6 MASTER lacks routes/rules {:?}:\n{}\n{}",
            state(&show),
            show(&["route", "show", "table", "all"]),
            show(&["rule", "show"])
        );
        sleep(0.05);
    }
    let d = node.daemon.as_mut().expect("daemon");
    d.terminate();
    assert!(d.wait_exit(SETTLE).is_some(), "daemon did not exit");
    assert_eq!(state(&show), [false; 4], "left behind after stop");
}

/// Mixed with keepalived 2.2.7 on node B: our node A adds its instance's routes whenever it
/// is MASTER (at start, and again after a restart preempts B back) and has none of them while
/// stopped. Only our node's state is asserted; B's is keepalived's business.
#[test]
fn ours_follows_mastership_beside_keepalived_2_2_7() {
    let Some(mut lab) = Lab::new("rk", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    add_dummy(&lab, NodeId::A);
    add_dummy(&lab, NodeId::B);
    let conf_a = write_conf(&lab, NodeId::A, "");
    let conf_b = write_conf(&lab, NodeId::B, "");
    lab.start_conf(NodeId::A, &conf_a);
    let (ok, s) = wait_seen(&lab, NodeId::A, SETTLE, |s| {
        s.virtual_all() && s.static_all()
    });
    assert!(ok, "A (MASTER) lacks routes/rules: {s:?}");
    lab.start_conf(NodeId::B, &conf_b);
    // B (2.2.7) settles as BACKUP: it has taken no VIP after its master-down interval.
    sleep(lab::MASTER_DOWN_B + 1.0);
    assert!(
        !lab.b.has_vip() && lab.a.has_vip(),
        "B took over from a live A"
    );
    assert!(seen(&lab, NodeId::A).virtual_all());

    lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(SETTLE).is_some(), "A did not exit");
    let s = seen(&lab, NodeId::A);
    assert!(s.virtual_none() && s.static_none(), "A kept state: {s:?}");
    let deadline = now() + SETTLE;
    while !lab.b.has_vip() {
        assert!(now() < deadline, "B never took over");
        sleep(0.05);
    }

    // A comes back with the higher priority and preempts: its routes return with the VIP.
    lab.start_conf(NodeId::A, &conf_a);
    let (ok, s) = wait_seen(&lab, NodeId::A, SETTLE, |s| {
        s.virtual_all() && s.static_all()
    });
    assert!(ok, "A did not get its routes back after preempting: {s:?}");
    assert!(lab.a.has_vip());
}
