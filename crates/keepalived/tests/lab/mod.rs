//! Network-namespace VRRP lab shared by the daemon's integration tests.
//!
//! Topology (all names carry the test process id and a short test id, so several test runs can
//! coexist): a namespace `<prefix>-lan` holding bridge `br0` (STP off, forward delay 0, multicast
//! snooping off, bridge netfilter off), and node namespaces `<prefix>-a` (192.168.1.198/24) and
//! `<prefix>-b` (192.168.1.199/24), each with an interface `enp11s0f0` created directly as the
//! peer of a veth whose other end (`vetha` / `vethb`) is a bridge port in `lan`. Nothing is created
//! in the root namespace; IPv6 is disabled in every lab namespace.
//!
//! [`Lab`] is the Drop guard: it kills (by PID) every process it started and deletes the
//! namespaces, also when a test panics, and then prints the daemons' logs.
#![allow(dead_code)] // each test binary uses a different subset of the harness

pub mod capture;
pub mod daemon;
pub mod monitor;
pub mod scenarios;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use netns_support::{
    bridge, have, ip_ok, is_root, lock_lab, ok, unavailable, veth, LabLock, Netns,
};

pub use capture::{Capture, Packet};
pub use daemon::{Daemon, Impl};
pub use monitor::AddrMonitor;

/// The seed VIP (examples/seed/*.conf).
pub const VIP: &str = "192.168.1.210";
/// Node A's primary address (seed MASTER, priority 100).
pub const ADDR_A: &str = "192.168.1.198";
/// Node B's primary address (seed BACKUP, priority 90).
pub const ADDR_B: &str = "192.168.1.199";
/// Interface name the seed configs bind to.
pub const IFACE: &str = "enp11s0f0";
/// Path of keepalived 2.2.7, the reference peer.
pub const REAL_KEEPALIVED: &str = "/usr/sbin/keepalived";

/// RFC 3768 master_down_interval for B (priority 90, advert_int 1): 3 + (256 - 90) / 256.
pub const MASTER_DOWN_B: f64 = 3.0 + 166.0 / 256.0;
/// RFC 3768 skew_time for B (priority 90): (256 - 90) / 256.
pub const SKEW_B: f64 = 166.0 / 256.0;

/// Seconds since the Unix epoch as f64: the common clock of captures, monitors and the harness.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Sleep for `secs` seconds (fractional).
pub fn sleep(secs: f64) {
    std::thread::sleep(Duration::from_secs_f64(secs.max(0.0)));
}

/// Path of one of the seed configuration files (`examples/seed/<name>`).
pub fn seed_conf(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/seed")
        .join(name)
}

/// Run `ip ARGS`, returning stdout or an error text with stderr.
pub use netns_support::ip;

/// Which of the two lab nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeId {
    /// 192.168.1.198, examples/seed/nodeA.conf (MASTER, priority 100).
    A,
    /// 192.168.1.199, examples/seed/nodeB.conf (BACKUP, priority 90).
    B,
}

impl NodeId {
    /// Lower-case letter used in names.
    pub fn letter(self) -> &'static str {
        match self {
            NodeId::A => "a",
            NodeId::B => "b",
        }
    }
    /// The node's primary address.
    pub fn addr(self) -> &'static str {
        match self {
            NodeId::A => ADDR_A,
            NodeId::B => ADDR_B,
        }
    }
    /// The node's seed configuration file.
    pub fn conf(self) -> PathBuf {
        match self {
            NodeId::A => seed_conf("nodeA.conf"),
            NodeId::B => seed_conf("nodeB.conf"),
        }
    }
}

/// One node namespace with its address monitor and the daemons started in it.
pub struct Node {
    /// A or B.
    pub id: NodeId,
    /// Namespace name.
    pub ns: String,
    /// MAC address of the node's `enp11s0f0`.
    pub mac: String,
    /// `ip -ts monitor address` running in the namespace since before any daemon.
    pub monitor: AddrMonitor,
    /// Every daemon started on this node, oldest first (the last is the current one).
    pub daemons: Vec<Daemon>,
    /// Implementation used for this node's daemons.
    pub imp: Impl,
    /// Command the node's daemons are started through (empty: none), e.g. `setpriv ... --`.
    pub wrapper: Vec<String>,
}

impl Node {
    /// Does `ip addr` in the namespace show the VIP right now?
    pub fn has_vip(&self) -> bool {
        match ip(&["-n", &self.ns, "-4", "-o", "addr", "show", "dev", IFACE]) {
            Ok(out) => out.contains(&format!(" {VIP}/")),
            // The fault tests delete the interface: no interface, no VIP.
            Err(e) if e.contains("does not exist") => false,
            Err(e) => panic!("{e}"),
        }
    }

    /// Wait up to `secs` until some process in the namespace has a raw socket for IP protocol
    /// 112 (VRRP) open, as `/proc/net/raw` shows it: a daemon-independent sign that its VRRP
    /// instances are being set up.
    pub fn wait_vrrp_socket(&self, secs: f64) -> bool {
        let deadline = now() + secs;
        loop {
            let out = Command::new("ip")
                .args(["netns", "exec", &self.ns, "cat", "/proc/net/raw"])
                .stdin(Stdio::null())
                .output();
            if let Ok(out) = out {
                // Columns: sl local_address (hex ADDR:PROTO) ...; VRRP is protocol 0x70.
                let text = String::from_utf8_lossy(&out.stdout);
                let open = text.lines().skip(1).any(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .is_some_and(|a| a.ends_with(":0070"))
                });
                if open {
                    return true;
                }
            }
            if now() > deadline {
                return false;
            }
            sleep(0.01);
        }
    }

    /// The currently running (most recently started) daemon.
    pub fn daemon(&mut self) -> &mut Daemon {
        self.daemons.last_mut().expect("no daemon started on node")
    }
}

/// A two-node VRRP lab; dropping it tears everything down.
pub struct Lab {
    /// Short id of the test (part of every name).
    pub test_id: String,
    /// Name prefix of the namespaces.
    pub prefix: String,
    /// The bridge namespace.
    pub lan: String,
    /// Node A.
    pub a: Node,
    /// Node B.
    pub b: Node,
    /// Capture on the bridge (VRRP and ARP), running since before any daemon.
    pub capture: Capture,
    /// Per-test directory: pid files, logs, capture.
    pub dir: PathBuf,
    /// The namespaces A, B and the LAN, deleted when the lab is dropped (after its `Drop` has
    /// stopped every process in them).
    _namespaces: Vec<Netns>,
    /// Global lock serialising the timing-sensitive lab tests (held until the namespaces are gone:
    /// fields drop in declaration order).
    _lock: LabLock,
}

impl Lab {
    /// Build the lab with daemon implementation `a_imp` on node A and `b_imp` on node B.
    ///
    /// Returns `None` (after printing why) when namespaces or tools are unavailable, except under
    /// `CI=true`, where that is a test failure.
    pub fn new(test_id: &str, a_imp: Impl, b_imp: Impl) -> Option<Lab> {
        if !is_root() {
            return unavailable("not running as root");
        }
        for tool in ["ip", "tcpdump", "tshark"] {
            if !have(tool) {
                return unavailable(&format!("`{tool}` is not installed"));
            }
        }
        for imp in [a_imp, b_imp] {
            if imp == Impl::Keepalived && !Path::new(REAL_KEEPALIVED).exists() {
                return unavailable("keepalived 2.2.7 (/usr/sbin/keepalived) is not installed");
            }
        }

        let lock = lock_lab();
        let pid = std::process::id();
        let prefix = format!("kr{pid}{test_id}");
        let lan = format!("{prefix}-lan");
        let ns_a = format!("{prefix}-a");
        let ns_b = format!("{prefix}-b");
        // Until the lab is complete, a failing step drops (deletes) the namespaces made so far.
        let lan_ns = match Netns::add(&lan) {
            Ok(ns) => ns,
            Err(e) => return unavailable(&format!("cannot create a network namespace: {e}")),
        };
        let dir = std::env::temp_dir().join(format!("keepalived-rs-lab-{prefix}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create lab dir");

        let node_a = ok(Netns::add(&ns_a));
        let node_b = ok(Netns::add(&ns_b));
        for ns in [&lan_ns, &node_a, &node_b] {
            ok(ns.disable_ipv6());
            ok(ns.ip(&["link", "set", "lo", "up"]));
        }
        ok(bridge(&lan, "br0"));
        for (node, ns) in [(NodeId::A, &node_a), (NodeId::B, &node_b)] {
            let port = format!("veth{}", node.letter());
            ok(veth(&lan, &port, IFACE, Some(ns.name())));
            ip_ok(&["-n", &lan, "link", "set", &port, "master", "br0"]);
            ip_ok(&["-n", &lan, "link", "set", &port, "up"]);
            ok(ns.sysctl(&[
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
            ]));
            let cidr = format!("{}/24", node.addr());
            ok(ns.ip(&["addr", "add", &cidr, "dev", IFACE]));
            ok(ns.ip(&["link", "set", IFACE, "up"]));
        }
        ip_ok(&["-n", &lan, "link", "set", "br0", "up"]);

        let capture = Capture::start(&lan, "br0", &dir.join("lan.pcap"));
        let node = |id: NodeId, ns: &String, imp: Impl| Node {
            id,
            ns: ns.clone(),
            mac: mac_of(ns),
            monitor: AddrMonitor::start(ns),
            daemons: Vec::new(),
            imp,
            wrapper: Vec::new(),
        };
        let a = node(NodeId::A, &ns_a, a_imp);
        let b = node(NodeId::B, &ns_b, b_imp);
        // ip monitor has no "ready" signal: give it time to subscribe before anything changes.
        sleep(0.2);
        let lab = Lab {
            test_id: test_id.to_string(),
            prefix,
            _namespaces: vec![node_a, node_b, lan_ns],
            lan,
            a,
            b,
            capture,
            dir,
            _lock: lock,
        };
        assert!(
            !lab.a.has_vip() && !lab.b.has_vip(),
            "VIP present before start"
        );
        Some(lab)
    }

    /// The node with the given id.
    pub fn node(&mut self, id: NodeId) -> &mut Node {
        match id {
            NodeId::A => &mut self.a,
            NodeId::B => &mut self.b,
        }
    }

    /// Start the node's daemon (its configured implementation, its seed config).
    pub fn start(&mut self, id: NodeId) -> f64 {
        let dir = self.dir.clone();
        let node = self.node(id);
        let n = node.daemons.len() + 1;
        let d = Daemon::start_wrapped(
            node.imp,
            &node.ns,
            &node.id.conf(),
            &dir,
            node.id.letter(),
            n,
            &[],
            &node.wrapper,
        );
        let t = d.started_at;
        node.daemons.push(d);
        t
    }

    /// Start the node's daemon (its configured implementation) with configuration `conf`.
    pub fn start_conf(&mut self, id: NodeId, conf: &Path) -> f64 {
        self.start_conf_env(id, conf, &[])
    }

    /// [`Lab::start_conf`] with `env` added to the daemon's environment.
    pub fn start_conf_env(&mut self, id: NodeId, conf: &Path, env: &[(&str, &str)]) -> f64 {
        let dir = self.dir.clone();
        let node = self.node(id);
        let n = node.daemons.len() + 1;
        let d = Daemon::start_wrapped(
            node.imp,
            &node.ns,
            conf,
            &dir,
            node.id.letter(),
            n,
            env,
            &node.wrapper,
        );
        let t = d.started_at;
        node.daemons.push(d);
        t
    }

    /// Start the node's daemon with configuration `conf` and `args` added to its command line.
    pub fn start_conf_args(&mut self, id: NodeId, conf: &Path, args: &[&str]) -> f64 {
        let dir = self.dir.clone();
        let node = self.node(id);
        let n = node.daemons.len() + 1;
        let d = Daemon::start_with(
            node.imp,
            &node.ns,
            conf,
            &dir,
            node.id.letter(),
            n,
            &[],
            args,
        );
        let t = d.started_at;
        node.daemons.push(d);
        t
    }

    /// Detach (`false`) the node's bridge port from `br0` or attach it again: a partition
    /// without any carrier change on the node.
    pub fn set_bridged(&self, id: NodeId, bridged: bool) -> f64 {
        let port = format!("veth{}", id.letter());
        let t = now();
        if bridged {
            ip_ok(&["-n", &self.lan, "link", "set", &port, "master", "br0"]);
        } else {
            ip_ok(&["-n", &self.lan, "link", "set", &port, "nomaster"]);
        }
        t
    }

    /// Delete the node's `enp11s0f0` (which deletes the whole veth pair); returns the time.
    pub fn delete_iface(&self, id: NodeId) -> f64 {
        let t = now();
        ip_ok(&["-n", &self.node_ns(id), "link", "del", IFACE]);
        t
    }

    /// Re-create the node's `enp11s0f0` as after [`Lab::new`] (new ifindex, new MAC): veth pair
    /// from the bridge namespace, port on `br0`, the node's address, both ends up. Returns the
    /// time the interface was set up.
    pub fn create_iface(&self, id: NodeId) -> f64 {
        self.create_iface_addr(id, id.addr())
    }

    /// [`Lab::create_iface`] with another address (`addr`/24) on the new interface.
    pub fn create_iface_addr(&self, id: NodeId, addr: &str) -> f64 {
        let ns = self.node_ns(id);
        let port = format!("veth{}", id.letter());
        ip_ok(&[
            "-n", &self.lan, "link", "add", &port, "type", "veth", "peer", "name", IFACE, "netns",
            &ns,
        ]);
        ip_ok(&["-n", &self.lan, "link", "set", &port, "master", "br0"]);
        ip_ok(&["-n", &self.lan, "link", "set", &port, "up"]);
        let cidr = format!("{addr}/24");
        ip_ok(&["-n", &ns, "addr", "add", &cidr, "dev", IFACE]);
        let t = now();
        ip_ok(&["-n", &ns, "link", "set", IFACE, "up"]);
        t
    }

    /// The namespace name of a node.
    pub fn node_ns(&self, id: NodeId) -> String {
        match id {
            NodeId::A => self.a.ns.clone(),
            NodeId::B => self.b.ns.clone(),
        }
    }

    /// Take node's link down (`down = true`) or up, on the bridge side of its veth.
    pub fn set_link(&self, id: NodeId, down: bool) -> f64 {
        let port = format!("veth{}", id.letter());
        let t = now();
        ip_ok(&[
            "-n",
            &self.lan,
            "link",
            "set",
            &port,
            if down { "down" } else { "up" },
        ]);
        t
    }

    /// Everything the test might want to read after a failure.
    fn dump_logs(&self) {
        eprintln!(
            "==== lab {} ({}) diagnostics ====",
            self.prefix,
            self.dir.display()
        );
        for node in [&self.a, &self.b] {
            for d in &node.daemons {
                eprintln!(
                    "---- node {:?} daemon #{} ({:?}, pid {}) log {} ----",
                    node.id,
                    d.serial,
                    d.imp,
                    d.pid,
                    d.log.display()
                );
                eprintln!("{}", std::fs::read_to_string(&d.log).unwrap_or_default());
            }
            eprintln!("---- node {:?} address events ----", node.id);
            for e in node.monitor.events() {
                eprintln!("{e:?}");
            }
        }
        eprintln!("---- capture (tshark) ----");
        for p in self.capture.packets() {
            eprintln!("{}", p.summary());
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for node in [&mut self.a, &mut self.b] {
            for d in node.daemons.iter_mut() {
                d.kill_group();
            }
        }
        let failed = std::thread::panicking();
        if failed {
            self.dump_logs();
        }
        self.capture.stop();
        self.a.monitor.stop();
        self.b.monitor.stop();
        // The namespaces are deleted when the `_namespaces` field drops, right after this.
        if failed {
            eprintln!("lab files kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// MAC address of `enp11s0f0` in namespace `ns`.
pub fn mac_of(ns: &str) -> String {
    let out = ip(&["-n", ns, "-o", "link", "show", "dev", IFACE]).unwrap_or_else(|e| panic!("{e}"));
    out.split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no MAC in: {out}"))
}

/// Resource use of a running process, from /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcUse {
    /// Open file descriptors (`/proc/PID/fd`).
    pub fds: usize,
    /// Threads (`Threads:` of `/proc/PID/status`).
    pub threads: usize,
    /// Children of the process that are zombies (exited, not reaped).
    pub zombies: usize,
}

/// Open fds, threads and zombie children of `pid` now.
pub fn proc_use(pid: i32) -> ProcUse {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/fd: {e}"))
        .count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    let threads = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads: in /proc/PID/status");
    let mut zombies = 0;
    for entry in std::fs::read_dir("/proc").expect("read /proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "PID (comm) STATE PPID ...": comm may hold spaces, so split after the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut f = rest.split_whitespace();
        let state = f.next().unwrap_or("");
        let ppid: i32 = f.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid == pid && state == "Z" {
            zombies += 1;
        }
    }
    ProcUse {
        fds,
        threads,
        zombies,
    }
}

/// [`proc_use`] with momentary noise removed: the minimum of each count over ten samples 50 ms
/// apart (a script child being started or just exited is not a leak; a leak stays).
pub fn settled_use(pid: i32) -> ProcUse {
    let mut m = proc_use(pid);
    for _ in 0..9 {
        sleep(0.05);
        let u = proc_use(pid);
        m.fds = m.fds.min(u.fds);
        m.threads = m.threads.min(u.threads);
        m.zombies = m.zombies.min(u.zombies);
    }
    m
}
