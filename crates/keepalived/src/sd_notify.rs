//! systemd's readiness protocol (`sd_notify(3)`), hand-written: one datagram per message to the
//! unix socket named by `NOTIFY_SOCKET` (a path, or `@name` for an abstract socket). Without
//! `NOTIFY_SOCKET` (the EL7 unit's `Type=forking`, a shell) every call does nothing.
//!
//! The daemon sends `READY=1` once started, `RELOADING=1` … `READY=1` around a SIGHUP reload
//! and `STOPPING=1` when it begins to stop (the `Type=notify` drop-in, packaging/).

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::OnceLock;

static TARGET: OnceLock<Option<Target>> = OnceLock::new();

struct Target {
    socket: UnixDatagram,
    addr: SocketAddr,
}

/// The address `NOTIFY_SOCKET` names: a filesystem path, or an abstract name after `@`.
fn parse_addr(value: &str) -> Option<SocketAddr> {
    if let Some(name) = value.strip_prefix('@') {
        SocketAddr::from_abstract_name(name.as_bytes()).ok()
    } else if value.starts_with('/') {
        SocketAddr::from_pathname(value).ok()
    } else {
        None
    }
}

/// Reads and removes `NOTIFY_SOCKET` from the environment (so that notify and check scripts do
/// not inherit it), and opens the socket the messages go out on. Call once, before any thread
/// starts. Returns a line to log when the variable is set but unusable.
pub fn init() -> Option<String> {
    let value = std::env::var_os("NOTIFY_SOCKET")?;
    // Single-threaded here (start of the daemon, before the runtime).
    std::env::remove_var("NOTIFY_SOCKET");
    open(&value.to_string_lossy())
}

/// Opens the socket for the `NOTIFY_SOCKET` value `value` (once per process).
fn open(value: &str) -> Option<String> {
    let target = parse_addr(value)
        .ok_or_else(|| format!("NOTIFY_SOCKET={value}: not a socket path nor @name"))
        .and_then(|addr| {
            UnixDatagram::unbound()
                .map(|socket| Target { socket, addr })
                .map_err(|e| format!("NOTIFY_SOCKET={value}: {e}"))
        });
    match target {
        Ok(t) => {
            let _ = TARGET.set(Some(t));
            None
        }
        Err(line) => Some(line),
    }
}

/// Sends `state` (newline-separated `KEY=VALUE` lines) to systemd, if it asked for it.
/// A failure is not fatal to the daemon: systemd then times the start out itself.
pub fn notify(state: &str) -> Result<(), std::io::Error> {
    match TARGET.get() {
        Some(Some(t)) => t.socket.send_to_addr(state.as_bytes(), &t.addr).map(|_| ()),
        _ => Ok(()),
    }
}

/// [`notify`], logging a failure (the daemon carries on).
pub fn tell(state: &str) {
    if let Err(e) = notify(state) {
        let first = state.lines().next().unwrap_or_default();
        crate::logging::warn(&format!("cannot tell systemd {first}: {e}"));
    }
}

/// `RELOADING=1` with the `MONOTONIC_USEC` that systemd 253's `Type=notify-reload` requires
/// (older systemd ignores the field).
pub fn reloading_message() -> String {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let usec = (ts.tv_sec as u64) * 1_000_000 + (ts.tv_nsec as u64) / 1_000;
    format!("RELOADING=1\nMONOTONIC_USEC={usec}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_paths_or_abstract_names() {
        let p = parse_addr("/run/systemd/notify").unwrap();
        assert_eq!(
            p.as_pathname(),
            Some(std::path::Path::new("/run/systemd/notify"))
        );
        let a = parse_addr("@/org/freedesktop/systemd1/notify/1").unwrap();
        assert_eq!(
            a.as_abstract_name(),
            Some(&b"/org/freedesktop/systemd1/notify/1"[..])
        );
        assert!(parse_addr("relative").is_none());
        assert!(parse_addr("").is_none());
    }

    #[test]
    fn reloading_carries_a_monotonic_timestamp() {
        let m = reloading_message();
        let (first, second) = m.split_once('\n').unwrap();
        assert_eq!(first, "RELOADING=1");
        let usec: u64 = second
            .strip_prefix("MONOTONIC_USEC=")
            .unwrap()
            .parse()
            .unwrap();
        assert!(usec > 0);
    }

    #[test]
    fn messages_reach_the_socket_named_by_notify_socket() {
        let path = std::env::temp_dir().join(format!("kr-sdnotify-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let rx = UnixDatagram::bind(&path).unwrap();
        // The only test that sets TARGET in this binary.
        assert_eq!(open(&path.to_string_lossy()), None);
        notify("READY=1").unwrap();
        let mut buf = [0u8; 64];
        let n = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        let _ = std::fs::remove_file(&path);
    }
}
