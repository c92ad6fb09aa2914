//! The health-checker process in a network namespace: the child process's life (start,
//! respawn, reload, stop), TCP_CHECK results turning into real-server transitions, notify
//! scripts, and `-C`/`-P`. This host's kernel has no IPVS, so the child runs its checks with
//! nothing to program (it says so); the IPVS table itself is checked in the VM lab
//! (`crates/keepalived/vm-lab`).

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netns_support::{is_root, lock_lab, unavailable, Netns};

const PORT: u16 = 18081;

struct Lab {
    ns: Netns,
    dir: PathBuf,
}

fn lab(tag: &str) -> Option<Lab> {
    if !is_root() {
        return unavailable("not root");
    }
    let name = format!("kr-chk-{tag}-{}", std::process::id());
    let ns = match Netns::add_with_lo(&name) {
        Ok(ns) => ns,
        Err(e) => return unavailable(&e),
    };
    let dir = std::env::temp_dir().join(format!("kr-chk-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Some(Lab { ns, dir })
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A TCP service on 127.0.0.1:PORT inside the namespace that can be switched off (then
/// connections are refused) and on again.
struct Service {
    serving: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Service {
    fn start(ns: &Netns) -> Service {
        let serving = Arc::new(AtomicBool::new(true));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (Arc::clone(&serving), Arc::clone(&stop));
        ns.spawn(move || {
            let mut listener: Option<TcpListener> = None;
            while !st.load(Ordering::SeqCst) {
                if s.load(Ordering::SeqCst) {
                    if listener.is_none() {
                        let l = TcpListener::bind(("127.0.0.1", PORT)).unwrap();
                        l.set_nonblocking(true).unwrap();
                        listener = Some(l);
                    }
                    if let Some(l) = &listener {
                        match l.accept() {
                            Ok((c, _)) => drop(c),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                            Err(e) => panic!("accept: {e}"),
                        }
                    }
                } else {
                    listener = None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Service { serving, stop }
    }

    fn set(&self, on: bool) {
        self.serving.store(on, Ordering::SeqCst);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn write_script(dir: &Path, name: &str, word: &str) -> String {
    let path = dir.join(name);
    let out = dir.join("scripts.log");
    std::fs::write(
        &path,
        format!("#!/bin/sh\necho {word} >> {}\n", out.display()),
    )
    .unwrap();
    let mut perm = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&path, perm).unwrap();
    path.display().to_string()
}

fn config(dir: &Path) -> PathBuf {
    let up = write_script(dir, "up.sh", "up");
    let down = write_script(dir, "down.sh", "down");
    let conf = dir.join("keepalived.conf");
    std::fs::write(
        &conf,
        format!(
            "virtual_server 10.9.0.100 80 {{\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  \
             protocol TCP\n  real_server 127.0.0.1 {PORT} {{\n    weight 2\n    notify_up {up}\n    \
             notify_down {down}\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 1\n      \
             delay_before_retry 1\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    conf
}

/// The daemon inside the namespace, console log to a file.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(lab: &Lab, extra: &[&str]) -> Daemon {
        let log = lab.dir.join("daemon.log");
        let out = std::fs::File::create(&log).unwrap();
        let conf = config(&lab.dir);
        let d = &lab.dir;
        let mut args: Vec<String> = vec!["netns".into(), "exec".into(), lab.ns.name().into()];
        args.push(env!("CARGO_BIN_EXE_keepalived").into());
        for a in extra {
            args.push((*a).into());
        }
        for a in ["-n", "-l", "-G", "-f"] {
            args.push(a.into());
        }
        args.push(conf.display().to_string());
        for (flag, file) in [("-p", "k.pid"), ("-r", "v.pid"), ("-c", "c.pid")] {
            args.push(flag.into());
            args.push(d.join(file).display().to_string());
        }
        let child = Command::new("ip")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        Daemon { child, log }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has `needle` (after `from` bytes); returns where it ends.
    fn wait_for(&self, needle: &str, from: usize, within: Duration) -> usize {
        let t0 = Instant::now();
        loop {
            let t = self.text();
            if let Some(i) = t.get(from..).and_then(|s| s.find(needle)) {
                return from + i + needle.len();
            }
            assert!(
                t0.elapsed() < within,
                "no '{needle}' within {within:?}; log:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.pid(), sig) };
    }

    fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let t0 = Instant::now();
        while t0.elapsed() < within {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "daemon did not exit within {within:?}; log:\n{}",
            self.text()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn read_pid(path: &Path) -> Option<i32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn scripts_log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("scripts.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Generous for a loaded 2-core machine: delay_loop 1 s + one retry 1 s later is ~2 s.
const TRANSITION: Duration = Duration::from_secs(15);

#[test]
fn checker_child_follows_a_real_server_and_lives_as_1_3_5s_does() {
    let Some(lab) = lab("life") else { return };
    let _lock = lock_lab();
    let svc = Service::start(&lab.ns);
    let mut d = Daemon::start(&lab, &["-C"]);

    // The child starts, writes checkers.pid, and activates its checker; -C writes no vrrp.pid.
    let mut at = d.wait_for("Starting Healthcheck child process, pid=", 0, TRANSITION);
    at = d.wait_for(
        "Activating healthchecker for service [10.9.0.100]:80",
        at,
        TRANSITION,
    );
    let c_pid = read_pid(&lab.dir.join("c.pid")).expect("checkers pid file");
    assert_ne!(c_pid, d.pid());
    assert!(alive(c_pid));
    assert_eq!(read_pid(&lab.dir.join("k.pid")), Some(d.pid()));
    assert!(!lab.dir.join("v.pid").exists());
    // Its process is named keepalived, not after /proc/self/exe.
    let comm = std::fs::read_to_string(format!("/proc/{c_pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "keepalived");

    // The service stops: after the retry the real server is removed and notify_down runs.
    svc.set(false);
    at = d.wait_for(
        "Check on service [127.0.0.1]:18081 failed after 1 retry.",
        at,
        TRANSITION,
    );
    at = d.wait_for(
        "Removing service [127.0.0.1]:18081 from VS [10.9.0.100]:80",
        at,
        TRANSITION,
    );
    // It comes back: added again, notify_up runs.
    svc.set(true);
    at = d.wait_for(
        "TCP connection to [127.0.0.1]:18081 success.",
        at,
        TRANSITION,
    );
    at = d.wait_for(
        "Adding service [127.0.0.1]:18081 to VS [10.9.0.100]:80",
        at,
        TRANSITION,
    );
    let t0 = Instant::now();
    while scripts_log(&lab.dir) != ["down", "up"] && t0.elapsed() < TRANSITION {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(scripts_log(&lab.dir), ["down", "up"]);

    // A killed child is respawned with 1.3.5's line, and a new pid file.
    // SAFETY: kill(2) on the child we found through its pid file.
    unsafe { libc::kill(c_pid, libc::SIGKILL) };
    at = d.wait_for(
        &format!("Healthcheck child process({c_pid}) died: Respawning"),
        at,
        TRANSITION,
    );
    at = d.wait_for("Starting Healthcheck child process, pid=", at, TRANSITION);
    let t0 = Instant::now();
    let new_pid = loop {
        match read_pid(&lab.dir.join("c.pid")) {
            Some(p) if p != c_pid && alive(p) => break p,
            _ if t0.elapsed() > TRANSITION => panic!("no new checkers pid; log:\n{}", d.text()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };

    // SIGHUP reaches the child.
    d.signal(libc::SIGHUP);
    at = d.wait_for(
        "Got SIGHUP, reloading checker configuration",
        at,
        TRANSITION,
    );
    // SIGTERM stops both and removes the pid files.
    d.signal(libc::SIGTERM);
    assert_eq!(d.wait_exit(TRANSITION), Some(0));
    d.wait_for("Stopped", at, Duration::from_secs(1));
    assert!(!alive(new_pid));
    assert!(!lab.dir.join("c.pid").exists());
    assert!(!lab.dir.join("k.pid").exists());
}

#[test]
fn minus_p_runs_no_checker_and_the_default_runs_both() {
    let Some(lab) = lab("modes") else { return };
    let _lock = lock_lab();
    let _svc = Service::start(&lab.ns);

    let mut vrrp_only = Daemon::start(&lab, &["-P"]);
    vrrp_only.wait_for("Opening file", 0, TRANSITION);
    std::thread::sleep(Duration::from_secs(2));
    let t = vrrp_only.text();
    assert!(!t.contains("Healthcheck child"), "{t}");
    assert!(!lab.dir.join("c.pid").exists());
    assert!(lab.dir.join("v.pid").exists());
    vrrp_only.signal(libc::SIGTERM);
    assert_eq!(vrrp_only.wait_exit(TRANSITION), Some(0));

    let mut both = Daemon::start(&lab, &[]);
    let at = both.wait_for("Starting Healthcheck child process, pid=", 0, TRANSITION);
    both.wait_for(
        "Activating healthchecker for service [10.9.0.100]:80",
        at,
        TRANSITION,
    );
    assert!(lab.dir.join("v.pid").exists() && lab.dir.join("c.pid").exists());
    both.signal(libc::SIGTERM);
    assert_eq!(both.wait_exit(TRANSITION), Some(0));
    assert!(!lab.dir.join("c.pid").exists());
}
