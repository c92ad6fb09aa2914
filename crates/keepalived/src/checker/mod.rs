//! The health-checker half of keepalived (LVS): `virtual_server` blocks kept in step with
//! IPVS by HTTP/SSL/TCP/SMTP/MISC checks.
//!
//! As in 1.3.5 it runs in its own process (`Keepalived_healthcheckers`, `checkers.pid`), so a
//! stuck or crashing checker can never delay an advert: the parent (the VRRP process, or a
//! bare supervisor with `-C`) starts it, forwards SIGHUP/SIGTERM and respawns it.

mod child;
mod convert;
mod ipvs;
mod run;
mod supervisor;

pub use child::child_main;

use std::sync::Mutex;
use std::time::Duration;

use keepalived_conf as conf;

use crate::cli::Options;
use crate::logging;
pub use supervisor::Supervisor;

/// Environment variable that makes the re-executed binary the checker child.
pub const CHILD_ENV: &str = "KEEPALIVED_RS_CHILD";
/// Its value for the checker child.
pub const CHILD_CHECKERS: &str = "checkers";

/// How long a stopping child may take to remove its services before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The process's one checker child. A global because the VRRP runtime reaches it only from
/// its signal branches (reload forwards SIGHUP, shutdown stops it) and it lives as long as
/// the process.
static CHILD: Mutex<Option<Supervisor>> = Mutex::new(None);

/// Blocks (or unblocks) SIGHUP, SIGTERM and SIGINT in the calling thread. The supervisor blocks
/// them in the child between fork and exec, so a SIGHUP or SIGTERM forwarded while the child is
/// still starting waits instead of killing it by default action (found by a CI run: a reload
/// right after a respawn killed the new child); the child unblocks them once its handlers
/// listen. Async-signal-safe: no allocation.
fn set_handled_signals_blocked(block: bool) {
    // SAFETY: sigemptyset/sigaddset fill a sigset_t we own; pthread_sigmask changes only the
    // calling thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGHUP, libc::SIGTERM, libc::SIGINT] {
            libc::sigaddset(&mut set, sig);
        }
        let how = if block {
            libc::SIG_BLOCK
        } else {
            libc::SIG_UNBLOCK
        };
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// Whether this process is the re-executed checker child.
pub fn is_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some_and(|v| v == CHILD_CHECKERS)
}

/// `-t`: what the checker process would leave out of `cfg` on this host (a DNS_CHECK name
/// that cannot be encoded, an unreadable SSL file, a script user that does not exist), one
/// line each.
pub fn config_test(cfg: &conf::Config) -> Vec<String> {
    convert::convert(cfg, &crate::accounts::SystemAccounts).lines
}

/// Whether `cfg` gives the checkers anything to do.
pub fn wanted(cfg: &conf::Config) -> bool {
    !cfg.virtual_servers.is_empty()
}

/// Starts the checker child unless it runs already (`respawn`: not `-R`).
pub fn start(respawn: bool) {
    let mut g = CHILD.lock().unwrap_or_else(|p| p.into_inner());
    if g.as_ref().is_some_and(|s| !s.finished()) {
        return;
    }
    *g = Some(Supervisor::start(
        std::env::args_os().skip(1).collect(),
        respawn,
    ));
}

/// After a reload of the parent: forward SIGHUP to a running child, or start one when the new
/// configuration is the first to have `virtual_server` blocks (1.3.5 always runs the child;
/// we run it only when there is something to check).
pub fn on_reload(cfg: &conf::Config, opts: &Options) {
    let g = CHILD.lock().unwrap_or_else(|p| p.into_inner());
    match g.as_ref() {
        Some(s) if !s.finished() => s.signal(libc::SIGHUP),
        _ => {
            drop(g);
            if opts.runs_checkers() && wanted(cfg) {
                start(!opts.dont_respawn);
            }
        }
    }
}

/// Stops the child (SIGTERM; it removes its IPVS services unless `-I`) and waits for it.
pub fn stop() {
    let taken = CHILD.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(s) = taken {
        if let Some(pid) = s.pid() {
            logging::info(&format!("Stopping Healthcheck child process, pid={pid}"));
        }
        s.stop(STOP_GRACE);
    }
}

/// `-C` without `-P`: no VRRP; this process only supervises the checker child (1.3.5's
/// parent process does the same). Returns the exit code.
pub fn supervise_only(opts: &Options, ready: crate::daemonize::ReadyNotifier) -> i32 {
    use tokio::signal::unix::{signal, SignalKind};
    let Some(rt) = crate::runtime::current_thread_runtime() else {
        return 1;
    };
    rt.block_on(async {
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            logging::error("cannot install signal handlers");
            return 1;
        };
        start(!opts.dont_respawn);
        ready.ready();
        crate::sd_notify::tell("READY=1\nSTATUS=health checkers started");
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = hup.recv() => {
                    logging::info("Reloading: forwarding SIGHUP to the Healthcheck child process");
                    let g = CHILD.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(s) = g.as_ref() {
                        s.signal(libc::SIGHUP);
                    }
                }
            }
        }
        crate::sd_notify::tell("STOPPING=1");
        stop();
        0
    })
}
