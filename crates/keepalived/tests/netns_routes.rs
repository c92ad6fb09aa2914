//! `virtual_routes`, `virtual_rules` and `static_*` (issue 11) in the two-node lab, our daemon
//! on both nodes:
//!
//! - the MASTER has its instance's routes (one with `src VIP`, so it can only exist once the
//!   VIP does) and rule, the BACKUP has none; they move to B when A stops, and are gone from a
//!   node whose daemon stopped;
//! - static addresses (one without `dev`, placed by `default_interface`), routes and rules are
//!   on both nodes whatever their state, and gone after stop;
//! - a route on another interface comes back when that interface is set down and up again
//!   (the kernel deletes the routes of a downed interface);
//! - a reload removes a route taken out of the configuration and adds a new one.
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
    let conf = write_conf(&lab, NodeId::A, "        10.22.0.0/16 via 192.168.1.1");
    lab.start_conf(NodeId::A, &conf);
    let has = |lab: &Lab, pfx: &str| {
        ip(lab, NodeId::A, &["-4", "route", "show"])
            .lines()
            .any(|l| l.starts_with(pfx))
    };
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
