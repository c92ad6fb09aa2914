//! Daemonizing and pid files.
//!
//! keepalived 1.3.5 runs a parent and a VRRP child; we are one process, so both pid files
//! (`-p`, default `/var/run/keepalived.pid`, and `-r`, default `/var/run/vrrp.pid`) name it.
//! Without `-n` we fork: the original process exits only once the daemon has written its pid
//! files, so systemd's `Type=forking` + `PIDFile=` finds the file when the start job completes.

use std::fs;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// A system call failed.
    #[error("{what}: {source}")]
    Sys {
        /// Which call.
        what: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// Writing a pid file failed.
    #[error("cannot write pid file {path}: {source}")]
    PidFile {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

/// Pid read from a pid file, if the file exists and holds a number.
pub fn read_pid(path: &Path) -> Option<i32> {
    let text = fs::read_to_string(path).ok()?;
    text.trim().parse::<i32>().ok().filter(|p| *p > 0)
}

/// Whether a process with this pid exists (EPERM counts as alive).
pub fn process_alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Whether one of the pid files names a live process other than ourselves.
pub fn already_running(paths: &[&Path]) -> bool {
    let me = std::process::id() as i32;
    paths
        .iter()
        .filter_map(|p| read_pid(p))
        .any(|pid| pid != me && process_alive(pid))
}

/// Writes our pid (`"<pid>\n"`, as keepalived does).
pub fn write_pid_file(path: &Path) -> Result<(), DaemonError> {
    let pid = std::process::id();
    fs::write(path, format!("{pid}\n")).map_err(|source| DaemonError::PidFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Removes a pid file if it still names us (a successor may already own it).
pub fn remove_pid_file(path: &Path) {
    if read_pid(path) == Some(std::process::id() as i32) {
        let _ = fs::remove_file(path);
    }
}

/// Handle the daemon uses to release the waiting parent once it is ready.
pub struct ReadyNotifier {
    fd: Option<OwnedFd>,
}

impl ReadyNotifier {
    /// A notifier that does nothing (`-n`).
    pub fn none() -> Self {
        ReadyNotifier { fd: None }
    }

    /// Tells the original process to exit 0.
    pub fn ready(mut self) {
        if let Some(fd) = self.fd.take() {
            let mut f = fs::File::from(fd);
            let _ = f.write_all(b"1");
        }
    }
}

/// Forks into the background: in the child, `setsid`, `chdir /`, stdio to /dev/null.
/// The parent waits until the child calls [`ReadyNotifier::ready`] (exit 0) or exits/drops
/// the notifier without it (exit 1). Must be called before any thread is started.
pub fn daemonize() -> Result<ReadyNotifier, DaemonError> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(sys("pipe"));
    }
    // SAFETY: the fds were just created and are owned here only.
    let (rd, wr) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: single-threaded at this point (called before the runtime starts).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(sys("fork"));
    }
    if pid > 0 {
        drop(wr);
        let mut f = fs::File::from(rd);
        let mut b = [0u8; 1];
        let code = match f.read(&mut b) {
            Ok(1) => 0,
            _ => 1,
        };
        // SAFETY: terminate the original process without running destructors/atexit twice.
        unsafe { libc::_exit(code) };
    }
    drop(rd);
    // SAFETY: plain system calls in the child.
    unsafe {
        if libc::setsid() < 0 {
            return Err(sys("setsid"));
        }
        let _ = libc::chdir(c"/".as_ptr());
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(null, 2);
            if null > 2 {
                libc::close(null);
            }
        }
    }
    Ok(ReadyNotifier { fd: Some(wr) })
}

fn sys(what: &'static str) -> DaemonError {
    DaemonError::Sys {
        what,
        source: io::Error::last_os_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_file_round_trip_and_liveness() {
        let dir = std::env::temp_dir().join(format!("ka-pid-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let p = dir.join("k.pid");
        write_pid_file(&p).unwrap();
        assert_eq!(read_pid(&p), Some(std::process::id() as i32));
        // Our own pid is not "another daemon".
        assert!(!already_running(&[&p]));
        // pid 1 is alive in any namespace.
        fs::write(&p, "1\n").unwrap();
        assert!(already_running(&[&p]));
        // Garbage and a dead pid are not running daemons.
        fs::write(&p, "garbage").unwrap();
        assert!(!already_running(&[&p]));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id() as i32;
        child.wait().unwrap();
        fs::write(&p, format!("{dead}\n")).unwrap();
        assert!(!already_running(&[&p]));
        // remove_pid_file leaves files naming someone else.
        remove_pid_file(&p);
        assert!(p.exists());
        write_pid_file(&p).unwrap();
        remove_pid_file(&p);
        assert!(!p.exists());
        assert!(!already_running(&[&dir.join("missing.pid")]));
        fs::remove_dir_all(&dir).unwrap();
    }
}
