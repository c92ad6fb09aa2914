//! Running external programs: `vrrp_script` checks (periodic, with timeout) and `notify*` scripts.
//!
//! keepalived 1.3.5 runs both through `system()`, i.e. `/bin/sh -c "<string>"`, so shell syntax in
//! a quoted `script "…"` keeps working. A check runs in its own process group so a timeout can
//! kill everything it started: SIGTERM to the group, SIGKILL 2 s later.
//!
//! Each runs as its `user` / `script_user` / notify `USER [GROUP]` (resolved by
//! [`crate::script_security`]): in the child, before the shell starts, as 1.3.5's
//! `system_call` does — a non-root group becomes the gid and the only supplementary group,
//! then a non-root user the uid.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::logging;

/// Where a `vrrp_script` check is in its run (keepalived 2.x's script states, which
/// `--metrics-listen` exports as `keepalived_script_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Waiting for its next run.
    Idle,
    /// Running.
    Running,
    /// Timed out, sent SIGTERM.
    RequestedTermination,
    /// Did not stop on SIGTERM, sent SIGKILL.
    ForcingTermination,
}

/// Run state of every check that ran, by name (read from the metrics thread).
static RUN_STATES: std::sync::Mutex<Vec<(String, RunState)>> = std::sync::Mutex::new(Vec::new());

fn set_run_state(name: &str, state: RunState) {
    let mut all = RUN_STATES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match all.iter_mut().find(|(n, _)| n == name) {
        Some(e) => e.1 = state,
        None => all.push((name.to_string(), state)),
    }
}

/// The run state of every check that ran so far (a check not listed is idle).
pub fn run_states() -> Vec<(String, RunState)> {
    RUN_STATES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// How long a timed-out check gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// Who a script runs as. Root (0:0) leaves the daemon's credentials unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct RunAs {
    /// User id.
    pub uid: u32,
    /// Group id (also the only supplementary group when not 0).
    pub gid: u32,
}

impl std::fmt::Display for RunAs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.uid, self.gid)
    }
}

/// Makes `cmd`'s child drop to `run_as` before exec, as keepalived 1.3.5 does: a gid other
/// than 0 is set with the supplementary groups reduced to it, then a uid other than 0.
fn run_as(cmd: &mut Command, who: RunAs) {
    if who == RunAs::default() {
        return;
    }
    let RunAs { uid, gid } = who;
    // SAFETY: the closure runs in the forked child before exec and calls only
    // async-signal-safe syscalls on values it owns; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if gid != 0 {
                if libc::setgid(gid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::setgroups(1, &gid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if uid != 0 && libc::setuid(uid) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// One `vrrp_script` as the runner needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptSpec {
    /// `vrrp_script NAME`.
    pub name: String,
    /// `script "…"`, run with `/bin/sh -c`.
    pub command: String,
    /// `interval` (default 1 s).
    pub interval: Duration,
    /// `timeout` (0 in the file ⇒ the interval).
    pub timeout: Duration,
    /// Who runs it.
    pub run_as: RunAs,
}

/// The outcome of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptResult {
    /// Script name.
    pub name: String,
    /// Exit status 0 within the timeout.
    pub success: bool,
}

/// Starts one task per script; each sends a [`ScriptResult`] after every run.
/// Abort the handles to stop them (on reload and shutdown).
pub fn spawn_checks(
    specs: &[ScriptSpec],
    tx: &UnboundedSender<ScriptResult>,
) -> Vec<JoinHandle<()>> {
    specs
        .iter()
        .cloned()
        .map(|spec| {
            let tx = tx.clone();
            tokio::spawn(async move {
                let period = spec.interval.max(Duration::from_secs(1));
                let mut ticker = tokio::time::interval(period);
                ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticker.tick().await;
                    let success = run_check(&spec).await;
                    if tx
                        .send(ScriptResult {
                            name: spec.name.clone(),
                            success,
                        })
                        .is_err()
                    {
                        return;
                    }
                }
            })
        })
        .collect()
}

/// Runs a check once; `true` on exit status 0 within the timeout.
pub async fn run_check(spec: &ScriptSpec) -> bool {
    /// Idle again however the run ends (a reload aborts the task mid-run).
    struct IdleOnDrop<'a>(&'a str);
    impl Drop for IdleOnDrop<'_> {
        fn drop(&mut self) {
            set_run_state(self.0, RunState::Idle);
        }
    }
    set_run_state(&spec.name, RunState::Running);
    let _idle = IdleOnDrop(&spec.name);
    run_check_once(spec).await
}

async fn run_check_once(spec: &ScriptSpec) -> bool {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(false);
    run_as(&mut cmd, spec.run_as);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            logging::error(&format!(
                "VRRP_Script({}) cannot run `{}`: {e}",
                spec.name, spec.command
            ));
            return false;
        }
    };
    let timeout = if spec.timeout.is_zero() {
        spec.interval
    } else {
        spec.timeout
    };
    match tokio::time::timeout(timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        Ok(Err(e)) => {
            logging::error(&format!("VRRP_Script({}) wait failed: {e}", spec.name));
            false
        }
        Err(_) => {
            logging::info(&format!("VRRP_Script({}) timed out", spec.name));
            if let Some(pid) = child.id() {
                let pgid = pid as i32;
                set_run_state(&spec.name, RunState::RequestedTermination);
                signal_group(pgid, libc::SIGTERM);
                if tokio::time::timeout(KILL_GRACE, child.wait())
                    .await
                    .is_err()
                {
                    logging::info(&format!("Process [{pgid}] didn't respond to SIGTERM"));
                    set_run_state(&spec.name, RunState::ForcingTermination);
                    signal_group(pgid, libc::SIGKILL);
                    let _ = child.wait().await;
                } else {
                    // As 1.3.5: the shell is gone, so are whatever it started and left
                    // ignoring SIGTERM.
                    signal_group(pgid, libc::SIGKILL);
                }
            }
            false
        }
    }
}

/// "exited with status N" / "killed by signal N" (127: not found, 126: not executable).
fn describe_exit(st: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(127), _) => "exited with status 127 (not found)".to_string(),
        (Some(126), _) => "exited with status 126 (not executable)".to_string(),
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        (None, None) => "ended".to_string(),
    }
}

fn signal_group(pgid: i32, sig: libc::c_int) {
    if pgid > 1 {
        // SAFETY: kill(2) on a process group we created; no memory involved.
        unsafe { libc::kill(-pgid, sig) };
    }
}

/// A notify script to start: the shell command line, who runs it, and the file that must be
/// readable for it to run at all (keepalived 1.3.5 opens it before each run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyCommand {
    /// `/bin/sh -c` argument.
    pub line: String,
    /// Who runs it.
    pub run_as: RunAs,
    /// Opened (as the daemon) before the run; the run is skipped when that fails.
    pub check: String,
}

impl PartialEq<&str> for NotifyCommand {
    fn eq(&self, other: &&str) -> bool {
        self.line == *other
    }
}

/// Starts a notify script (`/bin/sh -c <line>`) without waiting for it; a task reaps it.
pub fn spawn_notify(notify: NotifyCommand) {
    if let Err(e) = std::fs::File::open(&notify.check) {
        let errno = e.raw_os_error().unwrap_or(0);
        logging::info(&format!(
            "Can't open {} (errno {errno} {})",
            notify.check,
            strerror(errno)
        ));
        return;
    }
    let line = notify.line;
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(&line)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    run_as(&mut cmd, notify.run_as);
    match cmd.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                // Reaped here (no zombie); a failing script is reported, the state change
                // it announces stands.
                match child.wait().await {
                    Ok(st) if st.success() => {}
                    Ok(st) => {
                        logging::warn(&format!("Notify script `{line}` {}", describe_exit(st)))
                    }
                    Err(e) => logging::error(&format!("Notify script `{line}`: wait failed: {e}")),
                }
            });
        }
        Err(e) => logging::error(&format!("Cannot run notify script `{line}`: {e}")),
    }
}

/// The C library's text for `errno` (what keepalived prints with `%s` and `strerror`).
pub fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn spec(cmd: &str, timeout_ms: u64) -> ScriptSpec {
        ScriptSpec {
            name: "chk".into(),
            command: cmd.into(),
            interval: Duration::from_secs(1),
            timeout: Duration::from_millis(timeout_ms),
            run_as: RunAs::default(),
        }
    }

    #[test]
    fn exit_status_decides() {
        rt().block_on(async {
            assert!(run_check(&spec("exit 0", 2000)).await);
            assert!(!run_check(&spec("exit 3", 2000)).await);
            // Shell syntax works, as with keepalived 1.3.5's system().
            assert!(run_check(&spec("test 1 -eq 1 && true", 2000)).await);
            assert!(!run_check(&spec("/nonexistent/script", 2000)).await);
        });
    }

    /// The child runs with the uid, gid and (only) that gid as supplementary group, as
    /// 1.3.5's `system_call`. Needs root to switch users; without it there is nothing to test.
    #[test]
    fn runs_as_the_given_user_and_group() {
        use crate::accounts::{Accounts, SystemAccounts};
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI runs as root"
            );
            eprintln!("not root: cannot switch users, skipped");
            return;
        }
        let (uid, gid) = SystemAccounts.user("nobody").unwrap().expect("user nobody");
        let who = RunAs { uid, gid };
        let mut s = spec(
            &format!("test \"$(id -u):$(id -g):$(id -G)\" = \"{uid}:{gid}:{gid}\""),
            2000,
        );
        s.run_as = who;
        rt().block_on(async {
            assert!(run_check(&s).await);
            // And root stays root (with the daemon's groups).
            assert!(run_check(&spec("test \"$(id -u)\" = 0", 2000)).await);
        });
    }

    /// As 1.3.5 opens a notify script before each run: a file gone since start means no run.
    #[test]
    fn notify_runs_only_when_its_file_opens() {
        let dir = std::env::temp_dir().join(format!("ka-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("ran");
        let notify = |check: &str| NotifyCommand {
            line: format!("touch {}", marker.display()),
            run_as: RunAs::default(),
            check: check.to_string(),
        };
        rt().block_on(async {
            spawn_notify(notify("/nonexistent/notify.sh"));
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!marker.exists(), "ran although its file is missing");
            spawn_notify(notify("/bin/sh"));
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while !marker.exists() {
                assert!(std::time::Instant::now() < deadline, "never ran");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        rt().block_on(async {
            let dir = std::env::temp_dir().join(format!("ka-script-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let marker = dir.join("grandchild-survived");
            // The grandchild would write the marker after 1 s unless the group is killed.
            let cmd = format!("(sleep 1; touch {}) & sleep 30", marker.display());
            let started = std::time::Instant::now();
            assert!(!run_check(&spec(&cmd, 200)).await);
            assert!(started.elapsed() < Duration::from_secs(3));
            tokio::time::sleep(Duration::from_millis(1300)).await;
            assert!(!marker.exists(), "grandchild outlived the timeout");
            std::fs::remove_dir_all(&dir).unwrap();
        });
    }

    #[test]
    fn sigterm_ignored_then_sigkill() {
        rt().block_on(async {
            let started = std::time::Instant::now();
            assert!(!run_check(&spec("trap '' TERM; sleep 30 & wait; sleep 30", 100)).await);
            let t = started.elapsed();
            assert!(
                t >= Duration::from_secs(2) && t < Duration::from_secs(5),
                "{t:?}"
            );
        });
    }

    #[test]
    fn periodic_results_flow() {
        rt().block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let handles = spawn_checks(&[spec("exit 1", 500)], &tx);
            let r = rx.recv().await.unwrap();
            assert_eq!(
                r,
                ScriptResult {
                    name: "chk".into(),
                    success: false
                }
            );
            for h in handles {
                h.abort();
            }
        });
    }
}
