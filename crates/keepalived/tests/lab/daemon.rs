//! A VRRP daemon process under test: ours or keepalived 2.2.7, started in its own session.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::{now, sleep, REAL_KEEPALIVED};

/// Which daemon implementation runs on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// This project's `keepalived` binary (built by cargo for the integration tests).
    Ours,
    /// Debian's keepalived 2.2.7 at /usr/sbin/keepalived.
    Keepalived,
}

impl Impl {
    /// Path of the executable.
    pub fn program(self) -> PathBuf {
        match self {
            Impl::Ours => PathBuf::from(env!("CARGO_BIN_EXE_keepalived")),
            Impl::Keepalived => PathBuf::from(REAL_KEEPALIVED),
        }
    }

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Ours => "ours",
            Impl::Keepalived => "keepalived-2.2.7",
        }
    }
}

/// One started daemon. Its PID is also its process group id (it runs in a new session).
pub struct Daemon {
    /// Implementation.
    pub imp: Impl,
    /// 1 for the node's first start, 2 for the second, ...
    pub serial: usize,
    /// PID (= PGID) of the process `ip netns exec` exec'd into.
    pub pid: i32,
    /// Wall-clock time the process was spawned.
    pub started_at: f64,
    /// stdout+stderr of the daemon.
    pub log: PathBuf,
    /// When the harness first sent it SIGTERM or SIGKILL (Unix seconds).
    pub stopped_at: Option<f64>,
    /// Ours only: its control socket (next to its pid file, so one per node).
    pub control_socket: Option<PathBuf>,
    child: Child,
    reaped: bool,
}

impl Daemon {
    /// Start `imp` in namespace `ns` with configuration `conf`, with pid files and the log in
    /// `dir`, the way the tests run keepalived: `-n -l -D -G -P -f CONF -p PID -r VRRP_PID -c
    /// CHECK_PID`, in a new session (`setsid`) so a crash test can kill the whole group.
    pub fn start(imp: Impl, ns: &str, conf: &Path, dir: &Path, node: &str, serial: usize) -> Self {
        Self::start_env(imp, ns, conf, dir, node, serial, &[])
    }

    /// [`Daemon::start`] with `env` added to the daemon's environment.
    pub fn start_env(
        imp: Impl,
        ns: &str,
        conf: &Path,
        dir: &Path,
        node: &str,
        serial: usize,
        env: &[(&str, &str)],
    ) -> Self {
        Self::start_full(imp, ns, conf, dir, node, serial, env, &[], &[])
    }

    /// [`Daemon::start_env`] with `args` added after the usual options.
    #[allow(clippy::too_many_arguments)]
    pub fn start_with(
        imp: Impl,
        ns: &str,
        conf: &Path,
        dir: &Path,
        node: &str,
        serial: usize,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> Self {
        Self::start_full(imp, ns, conf, dir, node, serial, env, &[], args)
    }

    /// [`Daemon::start_env`] with the daemon run through `wrapper` (a command that execs its
    /// arguments, e.g. `setpriv ... --`), inside the namespace.
    #[allow(clippy::too_many_arguments)]
    pub fn start_wrapped(
        imp: Impl,
        ns: &str,
        conf: &Path,
        dir: &Path,
        node: &str,
        serial: usize,
        env: &[(&str, &str)],
        wrapper: &[String],
    ) -> Self {
        Self::start_full(imp, ns, conf, dir, node, serial, env, wrapper, &[])
    }

    /// The common start: `wrapper` before the program, `args` after the usual options.
    #[allow(clippy::too_many_arguments)]
    fn start_full(
        imp: Impl,
        ns: &str,
        conf: &Path,
        dir: &Path,
        node: &str,
        serial: usize,
        env: &[(&str, &str)],
        wrapper: &[String],
        args: &[&str],
    ) -> Self {
        let pidf = |what: &str| dir.join(format!("{node}-{what}.pid"));
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .args(wrapper)
            .arg(imp.program())
            .args(["-n", "-l", "-D", "-G", "-P", "-f"])
            .arg(conf)
            .arg("-p")
            .arg(pidf("keepalived"))
            .arg("-r")
            .arg(pidf("vrrp"))
            .arg("-c")
            .arg(pidf("checkers"))
            .args(args)
            .envs(env.iter().copied());
        let control_socket = (imp == Impl::Ours).then(|| pidf("keepalived").with_extension("ctl"));
        Self::launch(imp, cmd, dir, node, serial, control_socket)
    }

    /// Start `imp` in namespace `ns` with exactly `args` after the program name (no pid file
    /// options added: for tests of the daemon's own pid file names), in a new session, the log
    /// in `dir`.
    pub fn start_args(
        imp: Impl,
        ns: &str,
        args: &[&std::ffi::OsStr],
        dir: &Path,
        node: &str,
        serial: usize,
    ) -> Self {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns])
            .arg(imp.program())
            .args(args);
        // The daemon names its own pid files here, and so its control socket.
        Self::launch(imp, cmd, dir, node, serial, None)
    }

    /// Runs `cmd` in a new session (`setsid`, so a crash test can kill the whole group) with
    /// its output in `dir`'s log for this node and serial.
    fn launch(
        imp: Impl,
        mut cmd: Command,
        dir: &Path,
        node: &str,
        serial: usize,
        control_socket: Option<PathBuf>,
    ) -> Self {
        let log = dir.join(format!("{node}-{}-{serial}.log", imp.name()));
        let out = File::create(&log).expect("create daemon log");
        let err = out.try_clone().expect("clone log handle");
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let started_at = now();
        let child = cmd.spawn().expect("spawn daemon");
        let pid = child.id() as i32;
        Daemon {
            imp,
            serial,
            pid,
            started_at,
            log,
            stopped_at: None,
            control_socket,
            child,
            reaped: false,
        }
    }

    /// Has the process exited (reaps it if so)?
    pub fn exited(&mut self) -> bool {
        if self.reaped {
            return true;
        }
        if let Ok(Some(_)) = self.child.try_wait() {
            self.reaped = true;
        }
        self.reaped
    }

    /// Send SIGTERM to the daemon (graceful stop); returns the time it was sent.
    pub fn terminate(&mut self) -> f64 {
        let t = now();
        self.stopped_at.get_or_insert(t);
        if !self.exited() {
            // SAFETY: plain kill(2) on our own unreaped child's PID.
            unsafe { libc::kill(self.pid, libc::SIGTERM) };
        }
        t
    }

    /// Wait up to `secs` for the process to exit; returns the time it was seen gone.
    pub fn wait_exit(&mut self, secs: f64) -> Option<f64> {
        let deadline = now() + secs;
        while now() < deadline {
            if self.exited() {
                return Some(now());
            }
            sleep(0.005);
        }
        None
    }

    /// SIGKILL the whole process group (a crash); returns the time the signal was sent.
    pub fn kill_group(&mut self) -> f64 {
        let t = now();
        self.stopped_at.get_or_insert(t);
        if !self.exited() {
            // SAFETY: the group id is our unreaped child's PID, so it cannot have been reused.
            unsafe { libc::kill(-self.pid, libc::SIGKILL) };
            let _ = self.child.wait();
            self.reaped = true;
        }
        t
    }

    /// Send `sig` to the daemon process (not its group).
    pub fn signal(&mut self, sig: libc::c_int) {
        if !self.exited() {
            // SAFETY: plain kill(2) on our own unreaped child's PID.
            unsafe { libc::kill(self.pid, sig) };
        }
    }

    /// Wait up to `secs` for the log to contain `needle`; returns whether it did.
    pub fn wait_log(&self, needle: &str, secs: f64) -> bool {
        let deadline = now() + secs;
        loop {
            if self.log_text().contains(needle) {
                return true;
            }
            if now() > deadline {
                return false;
            }
            sleep(0.01);
        }
    }

    /// The daemon's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
