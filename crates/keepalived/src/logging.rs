//! Logging as keepalived's VRRP process does it: syslog with ident `Keepalived_vrrp`, `LOG_PID`,
//! facility `LOG_LOCAL1` (or `LOG_LOCALn` with `-S n`); `-l` also writes each line to stdout with a
//! ctime-style prefix; `-G` turns syslog off; detail lines only with `-D`.
//!
//! The `log` facade is routed here too, so library crates' `log::warn!` lines reach the same
//! sinks (Debug = detail, Trace dropped).

use std::ffi::CString;
use std::io::Write;
use std::sync::OnceLock;

use vrrp_engine::{Event, LogLevel, LogLine};

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogConfig {
    /// `-l`: print to stdout.
    pub console: bool,
    /// Not `-G`: send to syslog.
    pub syslog: bool,
    /// `-D`: include detail lines.
    pub detail: bool,
    /// syslog facility (already a `LOG_*` value).
    pub facility: libc::c_int,
}

impl LogConfig {
    /// Builds the configuration from the command line flags.
    pub fn from_flags(console: bool, no_syslog: bool, detail: bool, local: Option<u8>) -> Self {
        LogConfig {
            console,
            syslog: !no_syslog,
            detail,
            facility: facility_for(local),
        }
    }
}

/// keepalived's VRRP child logs to LOG_LOCAL1 unless `-S n` picked LOG_LOCALn.
pub fn facility_for(local: Option<u8>) -> libc::c_int {
    match local {
        Some(0) => libc::LOG_LOCAL0,
        Some(1) | None => libc::LOG_LOCAL1,
        Some(2) => libc::LOG_LOCAL2,
        Some(3) => libc::LOG_LOCAL3,
        Some(4) => libc::LOG_LOCAL4,
        Some(5) => libc::LOG_LOCAL5,
        Some(6) => libc::LOG_LOCAL6,
        Some(_) => libc::LOG_LOCAL7,
    }
}

/// syslog identity of the VRRP process.
pub const IDENT: &str = "Keepalived_vrrp";

struct Logger {
    cfg: LogConfig,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();
/// openlog keeps the pointer: the ident must live for the whole process.
static IDENT_C: OnceLock<CString> = OnceLock::new();

/// Installs the logger (first call wins) and opens syslog when enabled.
pub fn init(cfg: LogConfig) {
    if LOGGER.set(Logger { cfg }).is_err() {
        return;
    }
    if cfg.syslog {
        open_syslog(cfg.facility);
    }
    let max = if cfg.detail {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Info
    };
    if log::set_logger(&FacadeBridge).is_ok() {
        log::set_max_level(max);
    }
}

fn open_syslog(facility: libc::c_int) {
    let ident = IDENT_C.get_or_init(|| CString::new(IDENT).unwrap_or_default());
    let ident = CHANGED_IDENT.get().unwrap_or(ident);
    // SAFETY: ident is a 'static NUL-terminated string; openlog has no other preconditions.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID, facility) };
}

/// The ident given by [`change_ident`] (kept for the whole process, as openlog requires).
static CHANGED_IDENT: OnceLock<CString> = OnceLock::new();

/// Changes the syslog ident (`net_namespace`/`instance`: `Keepalived_vrrp_NS_INST`) and
/// re-opens syslog with it; only the first change counts.
pub fn change_ident(ident: &str) {
    let _ = CHANGED_IDENT.set(CString::new(ident.replace('\0', " ")).unwrap_or_default());
    reopen_after_fork();
}

/// Re-opens syslog (after fork the connection must belong to the daemon process).
pub fn reopen_after_fork() {
    if let Some(l) = LOGGER.get() {
        if l.cfg.syslog {
            // SAFETY: closelog has no preconditions.
            unsafe { libc::closelog() };
            open_syslog(l.cfg.facility);
        }
    }
}

/// Logs one line at the given level.
pub fn log(level: LogLevel, text: &str) {
    let Some(l) = LOGGER.get() else {
        // Before init (should not happen): keep the line rather than lose it.
        eprintln!("{text}");
        return;
    };
    if level == LogLevel::Detail && !l.cfg.detail {
        return;
    }
    if l.cfg.console {
        let mut out = std::io::stdout().lock();
        // A closed stdout must not kill the daemon.
        let _ = writeln!(out, "{}: {}", ctime_now(), text);
        let _ = out.flush();
    }
    if l.cfg.syslog {
        let prio = match level {
            LogLevel::Error => libc::LOG_ERR,
            LogLevel::Warning => libc::LOG_WARNING,
            LogLevel::Info | LogLevel::Detail => libc::LOG_INFO,
        };
        // Interior NULs cannot go through syslog(3): replace them.
        let c = CString::new(text.replace('\0', " ")).unwrap_or_default();
        // SAFETY: "%s" with one valid C string argument.
        unsafe { libc::syslog(prio, c"%s".as_ptr(), c.as_ptr()) };
    }
}

/// Logs a free-text line (configuration messages).
pub fn log_line(line: &LogLine) {
    log(line.level, &line.text);
}

/// Whether lines of `level` are logged at all (`-D` turns on detail lines).
pub fn enabled(level: LogLevel) -> bool {
    LOGGER
        .get()
        .is_none_or(|l| level != LogLevel::Detail || l.cfg.detail)
}

/// Logs an engine event; its text is only formatted when its level is logged.
pub fn log_event(event: &Event) {
    let level = event.level();
    if enabled(level) {
        log(level, &event.to_string());
    }
}

/// Informational line.
pub fn info(text: &str) {
    log(LogLevel::Info, text);
}

/// Detail line (`-D` only).
pub fn detail(text: &str) {
    log(LogLevel::Detail, text);
}

/// Warning line.
pub fn warn(text: &str) {
    log(LogLevel::Warning, text);
}

/// Error line.
pub fn error(text: &str) {
    log(LogLevel::Error, text);
}

/// `Wed Nov 25 14:05:12 2026` in local time, like keepalived's console prefix.
fn ctime_now() -> String {
    // SAFETY: time/localtime_r/strftime with valid pointers and a bounded buffer.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return String::from("?");
        }
        let mut buf = [0u8; 64];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a %b %e %H:%M:%S %Y".as_ptr(),
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

struct FacadeBridge;

impl log::Log for FacadeBridge {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &log::Record) {
        let level = match record.level() {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warning,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug => LogLevel::Detail,
            log::Level::Trace => return,
        };
        log(level, &record.args().to_string());
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_default_is_local1() {
        assert_eq!(facility_for(None), libc::LOG_LOCAL1);
        assert_eq!(facility_for(Some(0)), libc::LOG_LOCAL0);
        assert_eq!(facility_for(Some(7)), libc::LOG_LOCAL7);
        assert_eq!(facility_for(Some(3)), libc::LOG_LOCAL3);
    }

    #[test]
    fn ctime_shape() {
        let s = ctime_now();
        // "Wed Nov 25 14:05:12 2026"
        assert_eq!(s.len(), 24, "{s}");
        assert_eq!(&s[3..4], " ");
        assert_eq!(&s[13..14], ":");
    }
}
