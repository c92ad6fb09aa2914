//! The checker child process, seen from the parent: start it, forward signals to it, respawn
//! it when it dies, stop it at the end (1.3.5's `start_check_child` / `check_respawn_thread`).
//!
//! The child is this same binary re-executed (`/proc/self/exe` with the parent's arguments and
//! [`super::CHILD_ENV`] set), not a bare fork: the parent may already run threads, and after a
//! fork only async-signal-safe calls would be allowed until exec.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::logging;

/// Pause before a respawn. 1.3.5 respawns at once, which turns a child that dies at start-up
/// into a fork loop and a log flood; one second keeps the log readable.
const RESPAWN_DELAY: Duration = Duration::from_secs(1);

struct Shared {
    /// The running child's pid, 0 when none runs.
    pid: AtomicI32,
    stopping: AtomicBool,
}

/// The running checker child (and the thread that waits for it).
pub struct Supervisor {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// Receives `()` when the thread ends (its child is gone and will not be respawned).
    done: mpsc::Receiver<()>,
}

impl Supervisor {
    /// Starts the child with `args` (the parent's command line without argv[0]). Without
    /// `respawn` (`-R`) a dead child stops the whole daemon, as 1.3.5 does.
    pub fn start(args: Vec<OsString>, respawn: bool) -> Supervisor {
        let shared = Arc::new(Shared {
            pid: AtomicI32::new(0),
            stopping: AtomicBool::new(false),
        });
        let (done_tx, done) = mpsc::channel();
        let s = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("checker-supervisor".into())
            .spawn(move || {
                watch(&s, &args, respawn);
                let _ = done_tx.send(());
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                logging::error(&format!(
                    "Healthcheck child process: cannot start its supervisor thread ({e})"
                ));
                None
            }
        };
        Supervisor {
            shared,
            thread,
            done,
        }
    }

    /// The running child's pid.
    pub fn pid(&self) -> Option<i32> {
        match self.shared.pid.load(Ordering::SeqCst) {
            0 => None,
            p => Some(p),
        }
    }

    /// Sends `sig` to the child (SIGHUP: reload; SIGUSR1/2 have no meaning there).
    pub fn signal(&self, sig: libc::c_int) {
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on the pid of our own child; no memory involved.
            unsafe { libc::kill(pid, sig) };
        }
    }

    /// Stops the child: SIGTERM, then SIGKILL after `grace` (it removes its IPVS services
    /// first, which takes a few netlink round trips per service).
    pub fn stop(mut self, grace: Duration) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.signal(libc::SIGTERM);
        if self.thread.is_some() && self.done.recv_timeout(grace).is_err() {
            logging::warn(&format!(
                "Healthcheck child process did not stop within {} s: killing it",
                grace.as_secs()
            ));
            self.signal(libc::SIGKILL);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Whether the supervisor gave up (no child runs and none will be started).
    pub fn finished(&self) -> bool {
        // The thread's own state: reading `done` here would take the message `stop` waits for.
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

/// Runs and re-runs the child until the supervisor is stopping.
fn watch(s: &Shared, args: &[OsString], respawn: bool) {
    let argv0 = std::env::args_os()
        .next()
        .unwrap_or_else(|| OsString::from("keepalived"));
    while !s.stopping.load(Ordering::SeqCst) {
        let mut cmd = Command::new("/proc/self/exe");
        // The parent's argv[0], so `ps` shows the child as keepalived too.
        cmd.arg0(argv0.as_os_str())
            .args(args)
            .env(super::CHILD_ENV, super::CHILD_CHECKERS)
            .stdin(Stdio::null());
        // std resets the signal mask before exec; block the handled signals again after that
        // reset so the child starts with them blocked (see set_handled_signals_blocked).
        // SAFETY: the closure runs between fork and exec and only calls sigemptyset, sigaddset
        // and pthread_sigmask, which are async-signal-safe and allocate nothing.
        unsafe {
            cmd.pre_exec(|| {
                super::set_handled_signals_blocked(true);
                Ok(())
            });
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                logging::info(&format!("Healthcheck child process: fork error({e})"));
                std::thread::sleep(RESPAWN_DELAY);
                continue;
            }
        };
        let pid = i32::try_from(child.id()).unwrap_or(0);
        s.pid.store(pid, Ordering::SeqCst);
        logging::info(&format!("Starting Healthcheck child process, pid={pid}"));
        // A stop that raced with the spawn: the signal went to no one, send it now.
        if s.stopping.load(Ordering::SeqCst) {
            // SAFETY: kill(2) on the pid of our own child.
            unsafe { libc::kill(pid, libc::SIGTERM) };
        }
        let status = child.wait();
        s.pid.store(0, Ordering::SeqCst);
        if s.stopping.load(Ordering::SeqCst) {
            return;
        }
        let how = match status {
            Ok(st) => st.to_string(),
            Err(e) => e.to_string(),
        };
        // 1.3.5's line (log monitors match it), then what we know about the exit.
        if !respawn {
            logging::error(&format!("Healthcheck child process({pid}) died: Exiting"));
            logging::info(&format!("Healthcheck child process({pid}): {how}"));
            // SAFETY: kill(2) on our own pid; the runtime's SIGTERM handler stops the daemon.
            unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
            return;
        }
        logging::error(&format!(
            "Healthcheck child process({pid}) died: Respawning"
        ));
        logging::info(&format!("Healthcheck child process({pid}): {how}"));
        std::thread::sleep(RESPAWN_DELAY);
    }
}
