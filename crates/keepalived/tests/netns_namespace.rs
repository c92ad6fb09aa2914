//! `net_namespace NAME`, `-s/--namespace`, `instance NAME` and the pid file names (issue 11 §5).
//!
//! Both lab daemons are started in the lab's bridge namespace (`ip netns exec <prefix>-lan`,
//! never the host's namespace), each with a configuration naming its node's namespace: node
//! A's with `net_namespace <prefix>-a`, node B's with a bogus `net_namespace` overridden by
//! `-s <prefix>-b` and with `instance nodeb`. Side by side they must run in their nodes'
//! namespaces (`/proc/PID/ns/net` is the namespace's inode), hold the VIP there and nowhere
//! else, fail over from A to B, and write and remove their pid files under 1.3.5's names:
//! `/var/run/keepalived/<ns>/keepalived.pid` and `vrrp.pid` for A,
//! `/var/run/keepalived/<ns>/keepalived_nodeb.pid` and `vrrp_nodeb.pid` for B (the daemon's
//! bind mount of the per-namespace directory; the namespace names are unique to the test run).
//! Other tests: `-p`/`-r` still name the files in a namespace, a namespace that does not
//! exist stops the daemon with 1.3.5's line, `-t` checks interface names in the namespace; and
//! node B runs keepalived 2.2.7 with its own `net_namespace` (same 1.3.5 design: its pid files
//! in `/run/keepalived/<ns>/`) beside ours, with a failover from ours to it.
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lab::{now, sleep, Daemon, Impl, Lab, NodeId, IFACE, MASTER_DOWN_B, VIP};

/// The host-side pid directory of the daemon of namespace `ns`.
fn ns_pid_dir(ns: &str) -> PathBuf {
    Path::new("/var/run/keepalived").join(ns)
}

/// The seed configuration of `node` with `top` (top-level keywords) in front.
fn write_conf(lab: &Lab, node: NodeId, top: &str) -> PathBuf {
    let seed = std::fs::read_to_string(node.conf()).expect("read seed config");
    let path = lab.dir.join(format!("ns-{}.conf", node.letter()));
    std::fs::write(&path, format!("{top}\n{seed}")).expect("write config");
    path
}

/// Starts the node's daemon (ours or 2.2.7) in the lab's bridge namespace with `args` (`-n -l -D -G -P` first).
fn start_in_lan(lab: &mut Lab, node: NodeId, args: &[&OsStr]) {
    let mut full: Vec<&OsStr> = ["-n", "-l", "-D", "-G", "-P"]
        .iter()
        .map(OsStr::new)
        .collect();
    full.extend_from_slice(args);
    let (lan, dir) = (lab.lan.clone(), lab.dir.clone());
    let n = lab.node(node);
    let serial = n.daemons.len() + 1;
    let d = Daemon::start_args(n.imp, &lan, &full, &dir, node.letter(), serial);
    n.daemons.push(d);
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
        sleep(0.02);
    }
}

/// Inode of a network namespace file (`/run/netns/NAME` or `/proc/PID/ns/net`).
fn netns_inode(path: &str) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("stat {path}: {e}"))
        .ino()
}

fn read_pid(p: &Path) -> Option<i32> {
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// Does namespace `ns` hold the VIP on any interface?
fn vip_in(ns: &str) -> bool {
    lab::ip(&["-n", ns, "-4", "-o", "addr", "show"])
        .unwrap_or_else(|e| panic!("{e}"))
        .contains(&format!(" {VIP}/"))
}

/// After a test (also a failed one, whose daemons are killed with SIGKILL and leave their
/// files): removes the pid directories of the lab's namespaces (unique to this run), and
/// `/var/run/keepalived` if the run created it and it is empty again.
struct RunDirGuard {
    existed: bool,
    namespaces: Vec<String>,
}

impl RunDirGuard {
    fn new(lab: &Lab) -> RunDirGuard {
        RunDirGuard {
            existed: Path::new("/var/run/keepalived").exists(),
            namespaces: vec![
                lab.a.ns.clone(),
                lab.b.ns.clone(),
                format!("{}-nosuch", lab.prefix),
            ],
        }
    }
}

impl Drop for RunDirGuard {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = std::fs::remove_dir_all(ns_pid_dir(ns));
        }
        if !self.existed {
            let _ = std::fs::remove_dir("/var/run/keepalived");
        }
    }
}

#[test]
fn two_daemons_for_two_namespaces_side_by_side() {
    let Some(mut lab) = Lab::new("ns", Impl::Ours, Impl::Ours) else {
        return;
    };
    let _run_dir = RunDirGuard::new(&lab);
    let (ns_a, ns_b, lan) = (lab.a.ns.clone(), lab.b.ns.clone(), lab.lan.clone());
    let bogus = format!("{}-nosuch", lab.prefix);
    let conf_a = write_conf(&lab, NodeId::A, &format!("net_namespace {ns_a}"));
    let conf_b = write_conf(
        &lab,
        NodeId::B,
        &format!("net_namespace {bogus}\ninstance nodeb"),
    );
    start_in_lan(&mut lab, NodeId::A, &[OsStr::new("-f"), conf_a.as_os_str()]);
    start_in_lan(
        &mut lab,
        NodeId::B,
        &[
            OsStr::new("-f"),
            conf_b.as_os_str(),
            OsStr::new("-s"),
            OsStr::new(&ns_b),
        ],
    );
    let (pid_a, pid_b) = (lab.a.daemon().pid, lab.b.daemon().pid);

    // Pid files under 1.3.5's names, in each namespace's own directory.
    let files_a = [
        ns_pid_dir(&ns_a).join("keepalived.pid"),
        ns_pid_dir(&ns_a).join("vrrp.pid"),
    ];
    let files_b = [
        ns_pid_dir(&ns_b).join("keepalived_nodeb.pid"),
        ns_pid_dir(&ns_b).join("vrrp_nodeb.pid"),
    ];
    assert!(
        wait_for(10.0, || files_a.iter().chain(&files_b).all(|f| f.exists())),
        "pid files missing: {:?}",
        files_a
            .iter()
            .chain(&files_b)
            .filter(|f| !f.exists())
            .collect::<Vec<_>>()
    );
    for f in &files_a {
        assert_eq!(read_pid(f), Some(pid_a), "{}", f.display());
    }
    for f in &files_b {
        assert_eq!(read_pid(f), Some(pid_b), "{}", f.display());
    }
    // Nothing in the shared directory itself: each daemon wrote through its bind mount.
    for name in ["keepalived.pid", "vrrp.pid", "keepalived_nodeb.pid"] {
        assert!(
            !Path::new("/var/run/keepalived").join(name).exists(),
            "{name} written outside the namespace's directory"
        );
    }

    // Each daemon runs in its node's namespace, not in the bridge namespace it started in.
    assert_eq!(
        netns_inode(&format!("/proc/{pid_a}/ns/net")),
        netns_inode(&format!("/run/netns/{ns_a}"))
    );
    assert_eq!(
        netns_inode(&format!("/proc/{pid_b}/ns/net")),
        netns_inode(&format!("/run/netns/{ns_b}"))
    );
    assert!(
        lab.b.daemon().log_text().contains(&format!(
            "Overriding config net_namespace '{bogus}' with command line namespace '{ns_b}'"
        )),
        "no override line"
    );
    assert!(lab
        .a
        .daemon()
        .log_text()
        .contains(&format!("Changing syslog ident to Keepalived_vrrp_{ns_a}")));
    assert!(lab.b.daemon().log_text().contains(&format!(
        "Changing syslog ident to Keepalived_vrrp_{ns_b}_nodeb"
    )));

    // A (priority 100) is MASTER: the VIP is on A's interface, in A's namespace only.
    assert!(
        wait_for(10.0, || lab.a.has_vip()),
        "node A never got the VIP"
    );

    // Their control sockets follow the pid files (issue 12 §3), and `--status` with the
    // daemon's own options finds each from the host: `-f` alone (the file names the
    // namespace) for A, `-f` and `-s` for B.
    let ctl_a = ns_pid_dir(&ns_a).join("keepalived.ctl");
    let ctl_b = ns_pid_dir(&ns_b).join("keepalived_nodeb.ctl");
    assert!(
        wait_for(5.0, || ctl_a.exists() && ctl_b.exists()),
        "control sockets missing: {} {}",
        ctl_a.display(),
        ctl_b.display()
    );
    let status = |args: &[&OsStr]| -> (Option<i32>, String) {
        let out = Command::new(Impl::Ours.program())
            .arg("--status")
            .args(args)
            .output()
            .expect("run --status");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, text) = status(&[OsStr::new("-f"), conf_a.as_os_str()]);
    assert_eq!(code, Some(0), "--status -f A: {text}");
    assert!(text.starts_with("VI_1 MASTER"), "A's status: {text}");
    let (code, text) = status(&[
        OsStr::new("-f"),
        conf_b.as_os_str(),
        OsStr::new("-s"),
        OsStr::new(&ns_b),
    ]);
    assert_eq!(code, Some(0), "--status -f B -s: {text}");
    assert!(text.starts_with("VI_1 BACKUP"), "B's status: {text}");
    sleep(1.5);
    assert!(!lab.b.has_vip(), "VIP on both nodes");
    assert!(!vip_in(&lan), "VIP in the bridge namespace");

    // A reload cannot move the daemon: 1.3.5's line, and A stays MASTER in its namespace.
    write_conf(&lab, NodeId::A, &format!("net_namespace {bogus}"));
    lab.a.daemon().signal(libc::SIGHUP);
    assert!(
        lab.a.daemon().wait_log(
            "Cannot change network namespace at a reload - please restart keepalived",
            10.0
        ),
        "no reload line"
    );
    sleep(1.0);
    assert!(
        lab.a.has_vip() && !lab.b.has_vip(),
        "VIP moved at the reload"
    );
    assert_eq!(
        netns_inode(&format!("/proc/{pid_a}/ns/net")),
        netns_inode(&format!("/run/netns/{ns_a}"))
    );

    // Failover: A stops (its pid files and directory go), B takes the VIP in its namespace.
    let t = lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(10.0).is_some(), "A did not stop");
    assert!(
        wait_for(MASTER_DOWN_B + 5.0, || lab.b.has_vip()),
        "node B did not take the VIP within {:.1} s of A's stop",
        MASTER_DOWN_B + 5.0
    );
    eprintln!("B took the VIP {:.2} s after A's SIGTERM", now() - t);
    for f in &files_a {
        assert!(!f.exists(), "{} left after stop", f.display());
    }
    assert!(!ns_pid_dir(&ns_a).exists(), "A's pid directory left");
    // B's files are untouched by A's stop.
    for f in &files_b {
        assert_eq!(read_pid(f), Some(pid_b), "{}", f.display());
    }
    assert!(!lab.a.has_vip() && !vip_in(&lan));

    let b = lab.b.daemon();
    b.terminate();
    assert!(b.wait_exit(10.0).is_some(), "B did not stop");
    for f in &files_b {
        assert!(!f.exists(), "{} left after stop", f.display());
    }
    assert!(!ns_pid_dir(&ns_b).exists(), "B's pid directory left");
    assert!(!lab.b.has_vip());
}

#[test]
fn pid_options_win_and_a_missing_namespace_stops_the_daemon() {
    let Some(mut lab) = Lab::new("nsp", Impl::Ours, Impl::Ours) else {
        return;
    };
    let _run_dir = RunDirGuard::new(&lab);
    let ns_a = lab.a.ns.clone();
    let lan = lab.lan.clone();

    // A namespace that does not exist: 1.3.5's lines, exit 1, no pid file, nothing left.
    let missing = format!("{}-nosuch", lab.prefix);
    let conf = write_conf(&lab, NodeId::A, &format!("net_namespace {missing}"));
    let out = Command::new("ip")
        .args(["netns", "exec", &lan])
        .arg(Impl::Ours.program())
        .args(["-n", "-l", "-G", "-P", "-f"])
        .arg(&conf)
        .stdin(Stdio::null())
        .output()
        .expect("run keepalived");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("Failed to open /var/run/netns/{missing}")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Unable to set network namespace {missing} - exiting"
        )),
        "{text}"
    );
    assert!(!ns_pid_dir(&missing).exists());

    // -t checks interface names in the namespace (enp11s0f0 exists only there).
    let routed = lab.dir.join("ns-t.conf");
    let seed = std::fs::read_to_string(NodeId::A.conf()).expect("read seed config");
    std::fs::write(
        &routed,
        format!("net_namespace {ns_a}\nstatic_routes {{\n    10.9.0.0/16 dev {IFACE}\n}}\n{seed}"),
    )
    .expect("write config");
    let out = Command::new(Impl::Ours.program())
        .arg("-t")
        .arg("-f")
        .arg(&routed)
        .stdin(Stdio::null())
        .output()
        .expect("run keepalived -t");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("unknown"), "{err}");

    // -p/-r name the pid files (a temporary directory), in a namespace as elsewhere.
    let conf = write_conf(&lab, NodeId::A, &format!("net_namespace {ns_a}"));
    let (main, vrrp) = (lab.dir.join("main.pid"), lab.dir.join("vrrp-own.pid"));
    start_in_lan(
        &mut lab,
        NodeId::A,
        &[
            OsStr::new("-f"),
            conf.as_os_str(),
            OsStr::new("-p"),
            main.as_os_str(),
            OsStr::new("-r"),
            vrrp.as_os_str(),
        ],
    );
    let pid = lab.a.daemon().pid;
    assert!(
        wait_for(10.0, || read_pid(&main) == Some(pid)
            && read_pid(&vrrp) == Some(pid)),
        "pid files {} / {} not written",
        main.display(),
        vrrp.display()
    );
    assert!(
        wait_for(10.0, || lab.a.has_vip()),
        "no VIP in the namespace"
    );
    assert!(!ns_pid_dir(&ns_a).join("keepalived.pid").exists());
    assert!(
        lab::ip(&["-n", &ns_a, "-o", "link", "show", "dev", IFACE]).is_ok(),
        "interface gone"
    );
    let d = lab.a.daemon();
    d.terminate();
    assert!(d.wait_exit(10.0).is_some(), "daemon did not stop");
    assert!(!main.exists() && !vrrp.exists(), "pid files left");
    assert!(!ns_pid_dir(&ns_a).exists(), "pid directory left");
    assert!(!lab.a.has_vip());
}

#[test]
fn ours_and_keepalived_2_2_7_in_two_namespaces_side_by_side() {
    let Some(mut lab) = Lab::new("nsi", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    let _run_dir = RunDirGuard::new(&lab);
    let (ns_a, ns_b, lan) = (lab.a.ns.clone(), lab.b.ns.clone(), lab.lan.clone());
    let conf_a = write_conf(&lab, NodeId::A, &format!("net_namespace {ns_a}"));
    let conf_b = write_conf(&lab, NodeId::B, &format!("net_namespace {ns_b}"));
    start_in_lan(&mut lab, NodeId::A, &[OsStr::new("-f"), conf_a.as_os_str()]);
    start_in_lan(&mut lab, NodeId::B, &[OsStr::new("-f"), conf_b.as_os_str()]);
    let (pid_a, pid_b) = (lab.a.daemon().pid, lab.b.daemon().pid);
    let ours = [
        ns_pid_dir(&ns_a).join("keepalived.pid"),
        ns_pid_dir(&ns_a).join("vrrp.pid"),
    ];
    let theirs = ns_pid_dir(&ns_b).join("keepalived.pid");
    assert!(
        wait_for(10.0, || ours.iter().all(|f| read_pid(f) == Some(pid_a))
            && read_pid(&theirs) == Some(pid_b)),
        "pid files: ours {:?}, 2.2.7's {:?}",
        ours.iter().map(|f| read_pid(f)).collect::<Vec<_>>(),
        read_pid(&theirs)
    );
    assert_eq!(
        netns_inode(&format!("/proc/{pid_a}/ns/net")),
        netns_inode(&format!("/run/netns/{ns_a}"))
    );
    assert!(
        wait_for(10.0, || lab.a.has_vip()),
        "node A never got the VIP"
    );
    sleep(1.5);
    assert!(!lab.b.has_vip() && !vip_in(&lan), "VIP outside node A");

    let t = lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(10.0).is_some(), "A did not stop");
    assert!(
        wait_for(MASTER_DOWN_B + 5.0, || lab.b.has_vip()),
        "keepalived 2.2.7 on B did not take the VIP"
    );
    eprintln!(
        "2.2.7 on B took the VIP {:.2} s after A's SIGTERM",
        now() - t
    );
    for f in &ours {
        assert!(!f.exists(), "{} left after stop", f.display());
    }
    assert!(!ns_pid_dir(&ns_a).exists(), "A's pid directory left");
    assert_eq!(read_pid(&theirs), Some(pid_b), "2.2.7's pid file disturbed");
    assert!(!vip_in(&lan));
    let b = lab.b.daemon();
    b.terminate();
    assert!(b.wait_exit(10.0).is_some(), "keepalived 2.2.7 did not stop");
}
