//! Network-namespace set-up for the project's namespace tests (the netlink adapter's tests, the
//! daemon's socket tests and the two-node lab harness). Dev-only: used as a `[dev-dependency]`.
//!
//! - [`Netns`]: one namespace, deleted when dropped (also when a test panics half-way through
//!   its set-up), with [`Netns::ip`] and [`Netns::sysctl`] running inside it.
//! - [`veth`] and [`bridge`]: the links every lab is built from.
//! - [`lock_lab`]: the machine-wide flock that serialises timing-sensitive namespace tests (the
//!   benchmark scripts take the same file).
//! - [`unavailable`]: the policy when a lab cannot be built: under `CI=true` the test fails,
//!   elsewhere it prints `SKIPPED: …` and is skipped.
//!
//! Setup helpers return `Result<_, String>` (the failing command and its stderr) so a caller can
//! decide between "skip: no namespaces here" and "broken lab: panic"; [`ok`] is the latter.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread::JoinHandle;

/// Whether this run must fail rather than skip when a lab cannot be built (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A lab cannot be built: panic under `CI=true`, otherwise print why and return `None` (skip).
pub fn unavailable<T>(why: &str) -> Option<T> {
    if in_ci() {
        panic!("network-namespace lab unavailable under CI=true: {why}");
    }
    eprintln!("SKIPPED: network-namespace lab unavailable: {why}");
    None
}

/// Whether the test runs as root (namespaces and raw sockets need it).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Is `prog` runnable (found on PATH or as an absolute path)? keepalived is asked `-v`, anything
/// else `--version`.
pub fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg(if prog.ends_with("keepalived") {
            "-v"
        } else {
            "--version"
        })
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Run `ip ARGS`, returning stdout, or an error text with the arguments and stderr.
pub fn ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ip {args:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "ip {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The value of a set-up step that must work once the lab exists (a failure is a broken lab).
pub fn ok<T>(r: Result<T, String>) -> T {
    r.unwrap_or_else(|e| panic!("lab setup: {e}"))
}

/// Run `ip ARGS` during set-up, where any failure is a broken lab.
pub fn ip_ok(args: &[&str]) {
    ok(ip(args));
}

/// Set sysctls (`key=value`) inside namespace `ns`.
pub fn sysctl(ns: &str, settings: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "sysctl", "-q", "-w"])
        .args(settings)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run sysctl {settings:?} in {ns}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "sysctl {settings:?} in {ns}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A network namespace (`ip netns add`), deleted on drop. Deleting a namespace also deletes the
/// links inside it, and with a veth end the whole pair.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// Create namespace `name`; the error is the `ip` failure (e.g. not root).
    pub fn add(name: &str) -> Result<Netns, String> {
        ip(&["netns", "add", name])?;
        Ok(Netns {
            name: name.to_string(),
        })
    }

    /// Create namespace `name` with loopback up.
    pub fn add_with_lo(name: &str) -> Result<Netns, String> {
        let ns = Netns::add(name)?;
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// The namespace's name (`/run/netns/NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Run `ip -n NAME ARGS`.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut full = vec!["-n", self.name.as_str()];
        full.extend_from_slice(args);
        ip(&full)
    }

    /// Set sysctls inside the namespace.
    pub fn sysctl(&self, settings: &[&str]) -> Result<(), String> {
        sysctl(&self.name, settings)
    }

    /// Disable IPv6 in the namespace (all and default).
    pub fn disable_ipv6(&self) -> Result<(), String> {
        self.sysctl(&[
            "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1",
        ])
    }

    /// Run `f` on a new thread that has entered this namespace (see [`in_netns`]).
    pub fn spawn<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> JoinHandle<T> {
        in_netns(&self.name, f)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// Create a veth pair in namespace `ns`: `name` stays in `ns`, its peer `peer` is created in
/// `peer_ns` (or in `ns` when `None`). Both ends start down.
pub fn veth(ns: &str, name: &str, peer: &str, peer_ns: Option<&str>) -> Result<(), String> {
    let mut args = vec![
        "-n", ns, "link", "add", name, "type", "veth", "peer", "name", peer,
    ];
    if let Some(p) = peer_ns {
        args.extend_from_slice(&["netns", p]);
    }
    ip(&args).map(drop)
}

/// Create bridge `name` in namespace `ns` for a quiet, immediate lab LAN: no STP, no forward
/// delay, no multicast snooping (VRRP multicast reaches every port), and bridged frames kept out
/// of a host-loaded br_netfilter. The bridge starts down.
pub fn bridge(ns: &str, name: &str) -> Result<(), String> {
    ip(&[
        "-n",
        ns,
        "link",
        "add",
        name,
        "type",
        "bridge",
        "stp_state",
        "0",
        "forward_delay",
        "0",
        "mcast_snooping",
        "0",
    ])?;
    // The keys only exist when br_netfilter is loaded, so a failure here is ignored.
    let _ = sysctl(
        ns,
        &[
            "net.bridge.bridge-nf-call-iptables=0",
            "net.bridge.bridge-nf-call-arptables=0",
            "net.bridge.bridge-nf-call-ip6tables=0",
        ],
    );
    Ok(())
}

/// Run `f` on a new thread that has entered namespace `ns` (`setns` moves only that thread).
/// The thread panics if the namespace cannot be entered.
pub fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> JoinHandle<T> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let fd = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
        // SAFETY: plain syscall on an fd we own; it moves only the calling thread.
        let rc = unsafe { libc::setns(fd.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {path}: {}", std::io::Error::last_os_error());
        f()
    })
}

/// Path of the machine-wide lab lock (also taken by `crates/keepalived/bench/*.sh`).
pub fn lab_lock_path() -> PathBuf {
    std::env::temp_dir().join("keepalived-rs-netns-lab.lock")
}

/// Held lab lock: timing-sensitive namespace tests run one at a time on the machine. Released
/// when dropped (the descriptor is closed).
#[derive(Debug)]
pub struct LabLock {
    _file: File,
}

/// Take the machine-wide lock that serialises lab tests (timing assertions need quiet CPUs),
/// waiting for any other holder.
pub fn lock_lab() -> LabLock {
    let path = lab_lock_path();
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open lab lock file {}: {e}", path.display()));
    // libc::flock rather than File::lock: the workspace's MSRV (1.85) predates File::lock.
    // SAFETY: flock on a descriptor we own; it is released when the File is closed.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(
        rc,
        0,
        "flock {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    LabLock { _file: f }
}
