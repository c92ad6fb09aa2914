//! `net_namespace NAME`, `instance NAME`, `use_pid_dir` and `-s/--namespace` as keepalived
//! 1.3.5 has them (`core/main.c`, `core/namespaces.c`, `core/pidfile.c`).
//!
//! - The namespace is the command line's `-s NAME` if given (logged when it overrides the
//!   file's), else the file's `net_namespace`. The daemon enters it at start, after reading the
//!   configuration and before opening any socket, netlink channel or thread: `setns` on
//!   `/var/run/netns/NAME`, as `ip netns exec` does. Then, as 1.3.5, it takes a mount namespace
//!   of its own (mounts made slaves of the host's) and bind-mounts `/var/run/keepalived/NAME`
//!   on `/var/run/keepalived`: the usual pid file names inside are
//!   `/var/run/keepalived/NAME/…` on the host, so daemons for two namespaces never share one.
//!   Unlike 1.3.5 (like `ip netns exec`) it also re-mounts `/sys`, so the daemon's scripts see
//!   the namespace's interfaces in `/sys/class/net`.
//! - A namespace or an `instance` implies `use_pid_dir`: default pid files in
//!   `/var/run/keepalived/` instead of `/var/run/`, named `keepalived_INSTANCE.pid` /
//!   `vrrp_INSTANCE.pid` with an instance. `-p`/`-r` always win.
//! - Both also extend the syslog ident: `Keepalived_vrrp_NAMESPACE_INSTANCE`.
//! - Neither can change at a reload (logged, the running values are kept).

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keepalived_conf as conf;

use crate::logging;

/// `_PATH_VARRUN` without its slash: where the default pid files go.
pub const RUN_DIR: &str = "/var/run";
/// 1.3.5's `pid_directory`: pid files with `use_pid_dir`, a namespace or an instance.
pub const PID_DIR: &str = "/var/run/keepalived";
/// Where `ip netns add` leaves its named namespaces.
pub const NETNS_DIR: &str = "/var/run/netns";

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    /// The name cannot be a file in `/var/run/netns`.
    #[error("'{0}' is not a network namespace name (empty, '.', '..' or with a '/')")]
    BadName(String),
    /// `/var/run/netns/NAME` cannot be opened.
    #[error("Failed to open {path}: {source}")]
    Open {
        /// The namespace file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// `setns` refused the namespace.
    #[error("setns() failed with error {}: {source}", .source.raw_os_error().unwrap_or(0))]
    Setns {
        /// The OS error.
        source: io::Error,
    },
}

/// Who this daemon is among several on one host: the namespace it runs in and its instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The network namespace (`-s` or `net_namespace`).
    pub namespace: Option<String>,
    /// `-s` was given (its value is `namespace`).
    pub namespace_from_cli: bool,
    /// `instance NAME`.
    pub instance: Option<String>,
    /// Pid files in [`PID_DIR`] (`use_pid_dir`, or implied by a namespace or an instance).
    pub use_pid_dir: bool,
    /// `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
}

/// Whose view of the file system a path is for: a daemon in a namespace has
/// `/var/run/keepalived/NAME` of the host bind-mounted on `/var/run/keepalived`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The daemon's own (after [`enter`]).
    Daemon,
    /// The host's (`--status` and other clients, `ip netns exec` included).
    Host,
}

/// The two pid files the daemon writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidPaths {
    /// The main (`-p`) pid file.
    pub main: PathBuf,
    /// The VRRP (`-r`) pid file.
    pub vrrp: PathBuf,
}

impl Identity {
    /// From the configuration and `-s`; returns the lines to log (the override).
    pub fn resolve(cfg: &conf::Config, cli_namespace: Option<&str>) -> (Identity, Vec<String>) {
        let mut lines = Vec::new();
        let namespace = match (cli_namespace, &cfg.net_namespace) {
            (Some(cli), Some(file)) => {
                lines.push(format!(
                    "Overriding config net_namespace '{file}' with command line namespace '{cli}'"
                ));
                Some(cli.to_string())
            }
            (Some(cli), None) => Some(cli.to_string()),
            (None, file) => file.clone(),
        };
        let id = Identity {
            use_pid_dir: cfg.use_pid_dir || namespace.is_some() || cfg.instance.is_some(),
            namespace,
            namespace_from_cli: cli_namespace.is_some(),
            instance: cfg.instance.clone(),
            namespace_with_ipsets: cfg.namespace_with_ipsets,
        };
        (id, lines)
    }

    /// The syslog ident with the namespace and instance appended (`base_NS_INST`), or `None`
    /// when neither is set (the ident stays `base`).
    pub fn syslog_ident(&self, base: &str) -> Option<String> {
        if self.namespace.is_none() && self.instance.is_none() {
            return None;
        }
        let mut ident = base.to_string();
        for part in [&self.namespace, &self.instance].into_iter().flatten() {
            ident.push('_');
            ident.push_str(part);
        }
        Some(ident)
    }

    /// The checker child's pid file: `-c` when given, else `checkers.pid` named as
    /// [`Identity::pid_paths`] names the other two.
    pub fn checkers_pid_path(&self, run_dir: &Path, given: Option<&Path>) -> PathBuf {
        if let Some(p) = given {
            return p.to_path_buf();
        }
        let dir = if self.use_pid_dir {
            run_dir.join("keepalived")
        } else {
            run_dir.to_path_buf()
        };
        match &self.instance {
            Some(i) => dir.join(format!("checkers_{i}.pid")),
            None => dir.join("checkers.pid"),
        }
    }

    /// The pid files: `-p`/`-r` when given, else 1.3.5's defaults under `run_dir` (normally
    /// [`RUN_DIR`]): `keepalived.pid`/`vrrp.pid`, in `run_dir/keepalived/` with `use_pid_dir`,
    /// with `_INSTANCE` before `.pid` when an instance is named.
    pub fn pid_paths(&self, run_dir: &Path, main: Option<&Path>, vrrp: Option<&Path>) -> PidPaths {
        let dir = if self.use_pid_dir {
            run_dir.join("keepalived")
        } else {
            run_dir.to_path_buf()
        };
        let name = |stem: &str| match &self.instance {
            Some(i) => dir.join(format!("{stem}_{i}.pid")),
            None => dir.join(format!("{stem}.pid")),
        };
        PidPaths {
            main: main.map_or_else(|| name("keepalived"), Path::to_path_buf),
            vrrp: vrrp.map_or_else(|| name("vrrp"), Path::to_path_buf),
        }
    }

    /// The control socket when `--control-socket` is not given: the main pid file's path
    /// with the extension `.ctl` — `-p`'s (`main`), else the default pid file's, so it
    /// follows the pid file's `_INSTANCE` suffix and directory: `/var/run/keepalived.ctl`,
    /// `/var/run/keepalived/keepalived_INSTANCE.ctl` with an instance (or `use_pid_dir`).
    /// In a namespace the daemon's `/var/run/keepalived/keepalived.ctl` is
    /// `/var/run/keepalived/NAME/keepalived.ctl` on the host (`view`).
    pub fn control_socket(&self, run_dir: &Path, main: Option<&Path>, view: View) -> PathBuf {
        if let Some(p) = main {
            return p.with_extension("ctl");
        }
        let daemon = self
            .pid_paths(run_dir, None, None)
            .main
            .with_extension("ctl");
        match (&self.namespace, view) {
            (Some(ns), View::Host) => {
                let dir = run_dir.join("keepalived");
                match daemon.strip_prefix(&dir) {
                    Ok(rest) => dir.join(ns).join(rest),
                    Err(_) => daemon,
                }
            }
            _ => daemon,
        }
    }
}

/// Whether `name` can name a file in `/var/run/netns` (1.3.5 does not check; a `/` would reach
/// outside the directory).
pub fn check_name(name: &str) -> Result<(), NetnsError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') {
        return Err(NetnsError::BadName(name.to_string()));
    }
    Ok(())
}

/// The identity of the running daemon, for the reload checks.
static STARTED: OnceLock<Identity> = OnceLock::new();

/// Records the identity the daemon started with.
pub fn set_started(id: Identity) {
    let _ = STARTED.set(id);
}

/// The identity the daemon started with (`None` before the start, and in `-t`).
pub fn started() -> Option<&'static Identity> {
    STARTED.get()
}

/// The running kernel's (major, minor) version, `None` when `uname` gives no such number.
pub fn kernel_version() -> Option<(u32, u32)> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    parse_kernel_version(&release)
}

fn parse_kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut it = release.trim().split(['.', '-']);
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

/// 1.3.5's `ipset_init` test: in a namespace, with the default set names and without
/// `namespace_with_ipsets`, ipsets are not used on a kernel before 3.13 (sets were not per
/// namespace before it; an unreadable version counts as old, as in 1.3.5). The caller then
/// filters with one iptables rule per VIP.
pub fn namespace_blocks_ipsets(id: &Identity, v4_set: &str, kernel: Option<(u32, u32)>) -> bool {
    let old = kernel.is_none_or(|(major, minor)| major <= 2 || (major == 3 && minor < 13));
    id.namespace.is_some() && !id.namespace_with_ipsets && v4_set == "keepalived" && old
}

/// 1.3.5's line when [`namespace_blocks_ipsets`] holds.
pub const NO_IPSETS_LINE: &str =
    "Not using ipsets with network namespace since not supported with kernel version < 3.13";

/// At a reload: the lines 1.3.5 logs when the new file changes the namespace or the instance
/// (neither changes while running). A namespace from `-s` is not compared (the command line
/// still wins; 1.3.5 would log a change the restart would not make).
pub fn reload_lines(new: &conf::Config) -> Vec<String> {
    let Some(old) = STARTED.get() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if !old.namespace_from_cli && old.namespace != new.net_namespace {
        lines
            .push("Cannot change network namespace at a reload - please restart keepalived".into());
    }
    if old.instance != new.instance {
        lines.push("Cannot change instance name at a reload - please restart keepalived".into());
    }
    lines
}

fn errno_text(e: &io::Error) -> String {
    format!("({}) '{}'", e.raw_os_error().unwrap_or(0), e)
}

fn c_path(p: &Path) -> CString {
    // Paths built here never hold a NUL; an empty string makes the call fail harmlessly.
    CString::new(p.as_os_str().as_bytes()).unwrap_or_default()
}

/// `mkdir` with mode 0755, an existing directory being fine.
fn make_dir(p: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o755).create(p) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Creates [`PID_DIR`] (1.3.5's `create_pid_dir`).
pub fn create_pid_dir() {
    if make_dir(Path::new(PID_DIR)).is_err() {
        logging::info(&format!("Unable to create directory {PID_DIR}"));
    }
}

/// Removes a directory if it is empty and not in use (1.3.5's `remove_pid_dir`).
fn remove_dir_if_empty(p: &Path) {
    if let Err(e) = std::fs::remove_dir(p) {
        let quiet = matches!(e.raw_os_error(), Some(libc::ENOTEMPTY | libc::EBUSY));
        if !quiet {
            logging::info(&format!(
                "unlink of {} failed - error {}",
                p.display(),
                errno_text(&e)
            ));
        }
    }
}

/// Removes [`PID_DIR`] at exit when nothing else is in it.
pub fn remove_pid_dir() {
    remove_dir_if_empty(Path::new(PID_DIR));
}

/// The namespace the daemon entered; [`Entered::leave`] undoes the pid directory mount.
#[derive(Debug)]
pub struct Entered {
    /// `/var/run/keepalived/NAME`, when it was created.
    mount_dir: Option<PathBuf>,
}

/// Enters network namespace `name` (the calling thread; call before any thread exists so the
/// whole process is in it), then sets up the pid directory mount. A failure to enter is
/// returned (the daemon exits); failures of the mount steps are logged and the daemon runs on
/// (its pid files are then the host's `/var/run/keepalived/…`), as in 1.3.5.
pub fn enter(name: &str) -> Result<Entered, NetnsError> {
    check_name(name)?;
    let path = Path::new(NETNS_DIR).join(name);
    let file = File::open(&path).map_err(|source| NetnsError::Open {
        path: path.clone(),
        source,
    })?;
    // SAFETY: setns on a descriptor we own; it moves the calling thread, the only one.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(NetnsError::Setns {
            source: io::Error::last_os_error(),
        });
    }
    drop(file);
    Ok(Entered {
        mount_dir: mount_run_dir(name),
    })
}

/// 1.3.5's `set_run_mount`, plus the `/sys` re-mount of `ip netns exec`.
fn mount_run_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(PID_DIR).join(name);
    if make_dir(&dir).is_err() {
        logging::info(&format!("Unable to create directory {}", dir.display()));
        return None;
    }
    // SAFETY: unshare takes flags only; single-threaded here (CLONE_NEWNS needs it).
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
        let e = io::Error::last_os_error();
        logging::info(&format!("mount unshare failed {}", errno_text(&e)));
        return Some(dir);
    }
    // systemd makes mounts shared: without this our mounts would show on the host.
    // SAFETY: mount with NUL-terminated strings and a null data pointer.
    let r = unsafe {
        libc::mount(
            c"".as_ptr(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_SLAVE,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = io::Error::last_os_error();
        logging::info(&format!("Mount slave failed, error {}", errno_text(&e)));
    }
    let src = c_path(&dir);
    let dst = c_path(Path::new(PID_DIR));
    // SAFETY: as above.
    let r = unsafe {
        libc::mount(
            src.as_ptr(),
            dst.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = io::Error::last_os_error();
        logging::info(&format!("Mount failed, error {}", errno_text(&e)));
    }
    remount_sys();
    Some(dir)
}

/// As `ip netns exec`: a sysfs of the new namespace on `/sys` (sysfs shows the interfaces of
/// the namespace that mounted it), in our mount namespace only.
fn remount_sys() {
    // SAFETY: umount2/mount with NUL-terminated strings; only our mount namespace changes.
    let r = unsafe {
        libc::umount2(c"/sys".as_ptr(), libc::MNT_DETACH);
        libc::mount(
            c"sysfs".as_ptr(),
            c"/sys".as_ptr(),
            c"sysfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if r != 0 {
        let e = io::Error::last_os_error();
        logging::info(&format!(
            "mount of sysfs on /sys for the network namespace failed {}",
            errno_text(&e)
        ));
    }
}

impl Entered {
    /// At exit (1.3.5's `clear_namespaces`): unmounts the pid directory and removes
    /// `/var/run/keepalived/NAME` if empty.
    pub fn leave(self) {
        let dst = c_path(Path::new(PID_DIR));
        // SAFETY: umount with a NUL-terminated path; only our mount namespace changes.
        if unsafe { libc::umount(dst.as_ptr()) } != 0 {
            logging::info(&format!(
                "unmount of {PID_DIR} failed - errno {}",
                io::Error::last_os_error().raw_os_error().unwrap_or(0)
            ));
        }
        if let Some(dir) = self.mount_dir {
            remove_dir_if_empty(&dir);
        }
    }
}

/// The interfaces of namespace `name` (for `-t`, which checks interface names without entering
/// it): read on a thread that enters it (`setns` moves only that thread), names from
/// `/proc/thread-self/net/dev` and indexes from `if_nametoindex` (both the thread's namespace).
pub fn interfaces(name: &str) -> Result<crate::convert::Interfaces, String> {
    check_name(name).map_err(|e| e.to_string())?;
    let path = Path::new(NETNS_DIR).join(name);
    let worker = std::thread::spawn(move || -> Result<crate::convert::Interfaces, String> {
        let file = File::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // SAFETY: setns on a descriptor we own; it moves only this short-lived thread.
        if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return Err(format!(
                "cannot enter {}: {}",
                path.display(),
                io::Error::last_os_error()
            ));
        }
        let dev = std::fs::read_to_string("/proc/thread-self/net/dev")
            .map_err(|e| format!("cannot list its interfaces: {e}"))?;
        let mut ifs = crate::convert::Interfaces::new();
        for line in dev.lines().skip(2) {
            let Some((ifname, _)) = line.split_once(':') else {
                continue;
            };
            let ifname = ifname.trim();
            let c = CString::new(ifname).unwrap_or_default();
            // SAFETY: a NUL-terminated name; the lookup uses this thread's namespace.
            let index = unsafe { libc::if_nametoindex(c.as_ptr()) };
            ifs.insert(
                ifname.to_string(),
                crate::convert::IfInfo {
                    index,
                    ..Default::default()
                },
            );
        }
        Ok(ifs)
    });
    worker
        .join()
        .map_err(|_| "the namespace reader failed".to_string())?
}

/// The namespace `-t` should check interface names in: the resolved one, if it exists.
pub fn test_namespace(cfg: &conf::Config, cli_namespace: Option<&str>) -> Option<String> {
    let (id, _) = Identity::resolve(cfg, cli_namespace);
    id.namespace
        .filter(|ns| check_name(ns).is_ok() && Path::new(NETNS_DIR).join(ns).exists())
}

/// What `-t` says about the namespace and pid file settings (1.3.5 would exit or misbehave at
/// start; we say so before the switch).
pub fn config_test(cfg: &conf::Config, cli_namespace: Option<&str>) -> Vec<String> {
    let (id, _) = Identity::resolve(cfg, cli_namespace);
    let mut lines = Vec::new();
    if let Some(ns) = &id.namespace {
        let exiting =
            format!("the daemon would exit ('Unable to set network namespace {ns} - exiting')");
        if check_name(ns).is_err() {
            lines.push(format!(
                "net_namespace '{ns}' is not a namespace name (no '/', not '.' or '..'): {exiting}"
            ));
        } else if !Path::new(NETNS_DIR).join(ns).exists() {
            lines.push(format!(
                "net_namespace {ns}: {NETNS_DIR}/{ns} does not exist (create it with `ip netns add {ns}`): {exiting}"
            ));
        }
    } else if cfg.namespace_with_ipsets {
        lines.push("namespace_with_ipsets has no effect without net_namespace".into());
    }
    if let Some(i) = &id.instance {
        if i.contains('/') || i.is_empty() {
            lines.push(format!(
                "instance '{i}': a '/' in the name makes the pid files unwritable: the daemon would exit"
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> conf::Config {
        conf::load_str("t.conf", text, &conf::LoadOptions::default()).config
    }

    fn paths(id: &Identity, main: Option<&str>, vrrp: Option<&str>) -> (String, String) {
        let p = id.pid_paths(Path::new(RUN_DIR), main.map(Path::new), vrrp.map(Path::new));
        (p.main.display().to_string(), p.vrrp.display().to_string())
    }

    /// The control socket sits next to the default pid file, so it follows the namespace
    /// (host path under `/var/run/keepalived/NAME`) and the `_INSTANCE` suffix; `-p` wins.
    #[test]
    fn control_socket_follows_the_pid_file() {
        let run = Path::new(RUN_DIR);
        let sock = |id: &Identity, main: Option<&str>, v: View| {
            id.control_socket(run, main.map(Path::new), v)
                .display()
                .to_string()
        };
        let plain = Identity::resolve(&cfg(""), None).0;
        for v in [View::Daemon, View::Host] {
            assert_eq!(sock(&plain, None, v), "/var/run/keepalived.ctl");
        }
        let inst = Identity::resolve(&cfg("instance I1\n"), None).0;
        for v in [View::Daemon, View::Host] {
            assert_eq!(
                sock(&inst, None, v),
                "/var/run/keepalived/keepalived_I1.ctl"
            );
        }
        let ns = Identity::resolve(&cfg("net_namespace blue\n"), None).0;
        assert_eq!(
            sock(&ns, None, View::Daemon),
            "/var/run/keepalived/keepalived.ctl"
        );
        assert_eq!(
            sock(&ns, None, View::Host),
            "/var/run/keepalived/blue/keepalived.ctl"
        );
        let both = Identity::resolve(&cfg("instance I1\n"), Some("red")).0;
        assert_eq!(
            sock(&both, None, View::Host),
            "/var/run/keepalived/red/keepalived_I1.ctl"
        );
        assert_eq!(sock(&both, Some("/tmp/k.pid"), View::Host), "/tmp/k.ctl");
    }

    #[test]
    fn checkers_pid_file_is_named_like_the_others() {
        let run = Path::new(RUN_DIR);
        let plain = Identity::resolve(&cfg(""), None).0;
        assert_eq!(
            plain.checkers_pid_path(run, None),
            Path::new("/var/run/checkers.pid")
        );
        let inst = Identity::resolve(&cfg("instance east\n"), None).0;
        assert_eq!(
            inst.checkers_pid_path(run, None),
            Path::new("/var/run/keepalived/checkers_east.pid")
        );
        assert_eq!(
            inst.checkers_pid_path(run, Some(Path::new("/tmp/c.pid"))),
            Path::new("/tmp/c.pid")
        );
    }

    #[test]
    fn pid_files_are_named_as_135_names_them() {
        let plain = Identity::resolve(&cfg(""), None).0;
        assert_eq!(
            paths(&plain, None, None),
            ("/var/run/keepalived.pid".into(), "/var/run/vrrp.pid".into())
        );
        let dir = Identity::resolve(&cfg("use_pid_dir\n"), None).0;
        assert_eq!(
            paths(&dir, None, None),
            (
                "/var/run/keepalived/keepalived.pid".into(),
                "/var/run/keepalived/vrrp.pid".into()
            )
        );
        // A namespace implies use_pid_dir; inside its mount namespace /var/run/keepalived is
        // the host's /var/run/keepalived/NAME.
        let ns = Identity::resolve(&cfg("net_namespace blue\n"), None).0;
        assert!(ns.use_pid_dir);
        assert_eq!(paths(&ns, None, None), paths(&dir, None, None));
        let inst = Identity::resolve(&cfg("instance east\n"), None).0;
        assert_eq!(
            paths(&inst, None, None),
            (
                "/var/run/keepalived/keepalived_east.pid".into(),
                "/var/run/keepalived/vrrp_east.pid".into()
            )
        );
        // -p and -r win over every default.
        assert_eq!(
            paths(&inst, Some("/tmp/a.pid"), None),
            (
                "/tmp/a.pid".into(),
                "/var/run/keepalived/vrrp_east.pid".into()
            )
        );
        assert_eq!(
            paths(&plain, None, Some("/tmp/v.pid")),
            ("/var/run/keepalived.pid".into(), "/tmp/v.pid".into())
        );
    }

    #[test]
    fn command_line_namespace_overrides_the_file() {
        let c = cfg("net_namespace blue\ninstance east\n");
        let (id, lines) = Identity::resolve(&c, Some("red"));
        assert_eq!(id.namespace.as_deref(), Some("red"));
        assert!(id.namespace_from_cli && id.use_pid_dir);
        assert_eq!(
            lines,
            vec!["Overriding config net_namespace 'blue' with command line namespace 'red'"]
        );
        let (id, lines) = Identity::resolve(&cfg(""), Some("red"));
        assert_eq!(id.namespace.as_deref(), Some("red"));
        assert!(id.use_pid_dir && lines.is_empty());
        let (id, _) = Identity::resolve(&c, None);
        assert_eq!(id.namespace.as_deref(), Some("blue"));
        assert!(!id.namespace_from_cli);
    }

    #[test]
    fn syslog_ident_carries_namespace_and_instance() {
        let none = Identity::resolve(&cfg("use_pid_dir\n"), None).0;
        assert_eq!(none.syslog_ident("Keepalived_vrrp"), None);
        let both = Identity::resolve(&cfg("net_namespace blue\ninstance east\n"), None).0;
        assert_eq!(
            both.syslog_ident("Keepalived_vrrp").as_deref(),
            Some("Keepalived_vrrp_blue_east")
        );
        let inst = Identity::resolve(&cfg("instance east\n"), None).0;
        assert_eq!(
            inst.syslog_ident("Keepalived_vrrp").as_deref(),
            Some("Keepalived_vrrp_east")
        );
    }

    #[test]
    fn names_outside_the_netns_directory_are_refused() {
        for bad in ["", ".", "..", "../etc", "a/b"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("blue-1.x").is_ok());
        assert!(matches!(enter("../x"), Err(NetnsError::BadName(_))));
    }

    #[test]
    fn config_test_warns_what_would_stop_the_daemon() {
        let missing = "ka-rs-no-such-namespace-4711";
        let lines = config_test(&cfg(&format!("net_namespace {missing}\n")), None);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(&format!("/var/run/netns/{missing} does not exist")));
        assert!(lines[0].contains(&format!(
            "Unable to set network namespace {missing} - exiting"
        )));
        let lines = config_test(&cfg("net_namespace blue\n"), Some("a/b"));
        assert!(
            lines[0].contains("'a/b' is not a namespace name"),
            "{lines:?}"
        );
        let lines = config_test(&cfg("namespace_with_ipsets\ninstance x/y\n"), None);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("no effect without net_namespace"));
        assert!(lines[1].contains("instance 'x/y'"));
        assert!(config_test(&cfg("use_pid_dir\ninstance east\n"), None).is_empty());
    }

    #[test]
    fn ipsets_in_a_namespace_follow_135_on_old_kernels() {
        let ns = Identity::resolve(&cfg("net_namespace blue\n"), None).0;
        let with = Identity::resolve(&cfg("net_namespace blue\nnamespace_with_ipsets\n"), None).0;
        let root = Identity::resolve(&cfg(""), None).0;
        let el7 = parse_kernel_version("3.10.0-1160.el7.x86_64");
        assert_eq!(el7, Some((3, 10)));
        assert!(namespace_blocks_ipsets(&ns, "keepalived", el7));
        assert!(!namespace_blocks_ipsets(&with, "keepalived", el7));
        assert!(!namespace_blocks_ipsets(&root, "keepalived", el7));
        // Own set names: the administrator chose them (1.3.5 uses them).
        assert!(!namespace_blocks_ipsets(&ns, "mysets", el7));
        assert!(!namespace_blocks_ipsets(
            &ns,
            "keepalived",
            parse_kernel_version("3.13.0")
        ));
        assert!(!namespace_blocks_ipsets(
            &ns,
            "keepalived",
            parse_kernel_version("6.18.44-fc")
        ));
        assert!(namespace_blocks_ipsets(&ns, "keepalived", None));
    }

    #[test]
    fn reload_keeps_namespace_and_instance() {
        // STARTED is process-wide: this is the only test that sets it.
        set_started(Identity::resolve(&cfg("net_namespace blue\ninstance east\n"), None).0);
        assert!(reload_lines(&cfg("net_namespace blue\ninstance east\n")).is_empty());
        assert_eq!(
            reload_lines(&cfg("net_namespace red\n")),
            vec![
                "Cannot change network namespace at a reload - please restart keepalived",
                "Cannot change instance name at a reload - please restart keepalived"
            ]
        );
    }
}
