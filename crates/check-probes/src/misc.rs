//! `MISC_CHECK` (1.3.5 `keepalived/check/check_misc.c`, `lib/notify.c`): `misc_path` runs as
//! `/bin/sh -c misc_path` in a new process group, as the `user`'s uid/gid, with standard
//! streams on /dev/null.
//!
//! 1.3.5's verdict: exit 0 is up; with `misc_dynamic`, 2..=255 is up with weight `code - 2`;
//! any other exit code is down. When the shell dies of a signal 1.3.5's intermediate child
//! exits 0, so that counts as up too. On `misc_timeout` the check is down and the process group
//! gets SIGTERM, then SIGKILL 2 s later (1.3.5 sends the SIGKILL when the shell dies of the
//! SIGTERM, or after 2 s); we always send it, so members that ignore SIGTERM go too.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::{fmt_ip, MiscSpec, ProbeResult};

/// 1.3.5 waits this long after SIGTERM before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

fn killpg(pgid: u32, sig: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(pgid) else {
        return;
    };
    // SAFETY: plain syscall; ESRCH (group already gone) is fine.
    unsafe {
        libc::killpg(pgid, sig);
    }
}

/// SIGTERM the group, give it [`KILL_GRACE`], SIGKILL it, reap the shell.
async fn terminate(mut child: Child) {
    let Some(pid) = child.id() else {
        return;
    };
    killpg(pid, libc::SIGTERM);
    let _ = tokio::time::timeout(KILL_GRACE, child.wait()).await;
    // The shell's pid stays reserved while it is unreaped or while any group member lives, so
    // the group id cannot have been reused.
    killpg(pid, libc::SIGKILL);
    let _ = child.wait().await;
}

pub(crate) async fn run(spec: &MiscSpec) -> ProbeResult {
    let rs = fmt_ip(&spec.real_server.ip());
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(&spec.path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    // 1.3.5 changes identity only for non-zero ids, gid first with it as the only group.
    let gid = spec.gid.filter(|&g| g != 0);
    let uid = spec.uid.filter(|&u| u != 0);
    if gid.is_some() || uid.is_some() {
        // SAFETY: only async-signal-safe syscalls between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(g) = gid {
                    if libc::setgid(g) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    if libc::setgroups(1, &g) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if let Some(u) = uid {
                    if libc::setuid(u) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        // 1.3.5 logs the fork failure and changes nothing.
        Err(e) => {
            return ProbeResult::Inconclusive {
                detail: format!("Failed fork process: {e}"),
            }
        }
    };
    match tokio::time::timeout(spec.timeout, child.wait()).await {
        Err(_) => {
            // Answer now; the kill runs on its own so the caller is never held up.
            tokio::spawn(terminate(child));
            ProbeResult::Down {
                detail: format!("Misc check to [{rs}] for [{}] timed out", spec.path),
            }
        }
        Ok(Err(e)) => ProbeResult::Inconclusive {
            detail: format!("waiting for [{}]: {e}", spec.path),
        },
        Ok(Ok(status)) => match status.code() {
            Some(0) => ProbeResult::Up { weight: None },
            Some(c) if spec.dynamic && (2..=255).contains(&c) => ProbeResult::Up {
                weight: u32::try_from(c - 2).ok(),
            },
            Some(_) => ProbeResult::Down {
                detail: format!("Misc check to [{rs}] for [{}] failed.", spec.path),
            },
            None => {
                debug_assert!(status.signal().is_some());
                ProbeResult::Up { weight: None }
            }
        },
    }
}
