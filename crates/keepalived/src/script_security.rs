//! Which scripts run, and as whom, the way keepalived 1.3.5 decides at (re)load
//! (`check_vrrp_script_security`, `check_script_secure`, `find_path`, `set_script_uid_gid`).
//!
//! * Who: `script_user USER [GROUP]` sets the default (root otherwise — see below); a
//!   `vrrp_script`'s `user USER [GROUP]` and the `USER [GROUP]` after a notify command override
//!   it. A name that does not resolve is logged and the default kept.
//! * Found: a command without any `/` is searched in `PATH` (its first word, or the whole string
//!   for the generic `notify`), must be a regular file executable by that uid/gid, and is then
//!   run by its full path. A script not found or not executable is disabled: a tracked one then
//!   counts as OK for ever (the engine's `ScriptConfig::disabled`), a notify script never runs.
//! * Secure: a script run with uid or gid 0 (or set-uid/gid root) whose file, or a directory
//!   above it, is not owned by root or is writable by a non-root group or by others (a sticky
//!   directory excepted) is "unsafe": logged, and disabled under `enable_script_security`.
//!   Without that keyword, 1.3.5's `SECURITY VIOLATION` line is logged when any script exists.
//!
//! keepalived 1.3.5 looks up its default user `keepalived_script` before it has sized the
//! look-up buffer, so the look-up always fails ("Unable to resolve default script username
//! 'keepalived_script' - ignoring", logged at every start) and scripts without a user run as
//! root even when `keepalived_script` exists. We do the same, so a script that needed root
//! keeps working after the switch (docs/compatibility.md).
//!
//! The file system and the account database are traits so every decision is unit-tested.

use std::collections::HashMap;

use keepalived_conf as conf;
use vrrp_engine::{LogLevel, LogLine, NotifyTarget};

use crate::accounts::Accounts;
use crate::convert::{Converted, NotifyKind, NotifyScript};
use crate::scripts::{strerror, RunAs};

/// 1.3.5's start-up line about its default script user (see the module documentation).
pub const DEFAULT_USER_LINE: &str =
    "Unable to resolve default script username 'keepalived_script' - ignoring";

/// `PATH` when the daemon has none (`confstr(_CS_PATH)` on glibc).
const CS_PATH: &str = "/bin:/usr/bin";

/// What the checks need of a file (`stat(2)`, following links).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// `st_mode`: type and permission bits.
    pub mode: u32,
}

/// `stat(2)`: the metadata, or the errno.
pub trait FileSystem {
    /// Metadata of `path` (links followed).
    fn stat(&self, path: &str) -> Result<FileMeta, i32>;
}

/// The real file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn stat(&self, path: &str) -> Result<FileMeta, i32> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path)
            .map(|m| FileMeta {
                uid: m.uid(),
                gid: m.gid(),
                mode: m.mode(),
            })
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// Where the checks look.
pub struct Env<'a> {
    /// Files.
    pub fs: &'a dyn FileSystem,
    /// Users and groups.
    pub accounts: &'a dyn Accounts,
    /// The search path for bare names.
    pub path: String,
}

impl Env<'static> {
    /// The host: real files, the C library's accounts, the daemon's `PATH`.
    pub fn system() -> Self {
        Env {
            fs: &RealFs,
            accounts: &crate::accounts::SystemAccounts,
            path: std::env::var("PATH").unwrap_or_else(|_| CS_PATH.to_string()),
        }
    }
}

/// The outcome of checking one script (1.3.5's `SC_*` flags).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The file was found (`SC_ISSCRIPT`).
    pub is_script: bool,
    /// Executable by its uid/gid (`SC_EXECUTABLE`).
    pub executable: bool,
    /// Unsafe permissions on it or a directory above it (`SC_INSECURE`).
    pub insecure: bool,
    /// Insecure under `enable_script_security`: must not run (`SC_INHIBIT`).
    pub inhibit: bool,
    /// Not found, not accessible, or the path search failed (`SC_NOTFOUND`).
    pub not_found: bool,
}

impl Verdict {
    /// Whether the script may run.
    pub fn runs(&self) -> bool {
        self.executable && !self.inhibit && !self.not_found
    }
}

const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;
const S_ISVTX: u32 = 0o1000;
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
/// Longest path and file name the path search accepts (Linux PATH_MAX, NAME_MAX).
const PATH_MAX: usize = 4096;
const NAME_MAX: usize = 255;

/// 1.3.5's executable test: root needs any x bit, the owner the user bit, the file's group
/// the group bit, anyone else the other bit (supplementary groups are not consulted).
fn is_executable(m: &FileMeta, who: RunAs) -> bool {
    (who.uid == 0 && m.mode & 0o111 != 0)
        || (who.uid == m.uid && m.mode & 0o100 != 0)
        || (who.uid != m.uid
            && ((who.gid == m.gid && m.mode & 0o010 != 0)
                || (who.gid != m.gid && m.mode & 0o001 != 0)))
}

/// 1.3.5's "unsafe" test for the file and each directory above it: not owned by root, or —
/// unless it is a sticky directory — writable by a non-root group or by others.
fn is_unsafe(m: &FileMeta) -> bool {
    // 1.3.5 tests the S_IFREG bit alone (also set in S_IFSOCK); kept as is.
    m.uid != 0
        || ((m.mode & S_ISVTX == 0 || m.mode & S_IFREG != 0)
            && ((m.gid != 0 && m.mode & 0o020 != 0) || m.mode & 0o002 != 0))
}

/// Splits a command into the file and, after the first space, its arguments (`None` for the
/// generic `notify`, whose whole string is the file).
fn split_file(cmd: &str, full_string: bool) -> (&str, Option<&str>) {
    if full_string {
        return (cmd, None);
    }
    match cmd.split_once(' ') {
        Some((file, args)) => (file, Some(args)),
        None => (cmd, None),
    }
}

/// Searches `PATH` for a bare file name as `who`. `Ok(full command)` with the found path in
/// place of the name, else the errno (`EACCES` when a candidate existed but was not an
/// executable regular file).
fn find_path(
    cmd: &str,
    full_string: bool,
    who: RunAs,
    env: &Env<'_>,
    msgs: &mut Vec<LogLine>,
) -> Result<String, i32> {
    let (file, args) = split_file(cmd, full_string);
    if file.is_empty() {
        return Err(libc::ENOENT);
    }
    if file.len() >= PATH_MAX || file.len() > NAME_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    let mut eacces = false;
    let mut other_error = false;
    for dir in env.path.split(':') {
        // An empty entry is the current directory (no '/' added).
        let candidate = if dir.is_empty() {
            file.to_string()
        } else {
            format!("{dir}/{file}")
        };
        let err = match env.fs.stat(&candidate) {
            Ok(m) if m.mode & S_IFMT != S_IFREG || !is_executable(&m, who) => libc::EACCES,
            Ok(_) => {
                info(
                    msgs,
                    format!(
                        "WARNING - script `{file}` resolved by path search to `{candidate}`. Please specify full path."
                    ),
                );
                return Ok(match args {
                    Some(a) => format!("{candidate} {a}"),
                    None => candidate,
                });
            }
            Err(e) => e,
        };
        match err {
            libc::EACCES | libc::ENOEXEC => eacces = true,
            libc::ENOENT | libc::ESTALE | libc::ENOTDIR | libc::ENODEV | libc::ETIMEDOUT => {}
            _ => {
                other_error = true;
                break;
            }
        }
    }
    Err(if eacces {
        libc::EACCES
    } else if other_error {
        libc::EIO
    } else {
        libc::ENOENT
    })
}

/// The prefixes of `cmd` whose permissions matter: "/", each directory, then the file (the
/// file ends at the first space unless `full_string`), as 1.3.5 walks them.
fn path_prefixes(cmd: &str, full_string: bool) -> Vec<&str> {
    let bytes = cmd.as_bytes();
    let mut out = Vec::new();
    let mut next = Some(0usize);
    while let Some(start) = next {
        let sep = bytes[start.min(bytes.len())..]
            .iter()
            .position(|&b| b == b'/' || b == b' ')
            .map(|i| start + i);
        let Some(i) = sep else {
            out.push(cmd);
            break;
        };
        next = Some(i + 1);
        if bytes[i] == b' ' {
            if full_string {
                continue;
            }
            next = None;
        }
        // Repeated slashes: only the first one ends a component.
        if i > 0 && bytes[i - 1] == b'/' {
            continue;
        }
        out.push(if i == 0 { &cmd[..1] } else { &cmd[..i] });
    }
    out
}

/// Checks one script the way 1.3.5's `check_script_secure` does, rewriting `cmd` to the full
/// path when a bare name was found by path search (and, as 1.3.5, cutting it at the first space
/// when the search fails). Logs 1.3.5's lines into `msgs`.
pub fn check_script(
    cmd: &mut String,
    who: RunAs,
    security: bool,
    full_string: bool,
    env: &Env<'_>,
    msgs: &mut Vec<LogLine>,
) -> Verdict {
    let mut v = Verdict::default();
    if !cmd.contains('/') {
        match find_path(cmd, full_string, who, env, msgs) {
            Ok(resolved) => *cmd = resolved,
            Err(e) => {
                // 1.3.5 leaves the name cut at its first space after a failed search.
                let file = split_file(cmd, full_string).0.to_string();
                *cmd = file;
                let text = if e == libc::EACCES {
                    format!("Permissions failure for script {cmd} in path")
                } else {
                    format!("Cannot find script {cmd} in path")
                };
                info(msgs, text);
                v.not_found = true;
                return v;
            }
        }
    }
    let file = split_file(cmd, full_string).0;
    let meta = match env.fs.stat(file) {
        Ok(m) => m,
        Err(_) => {
            info(msgs, format!("Unable to access script `{file}`"));
            v.not_found = true;
            return v;
        }
    };
    v.is_script = true;
    let mut protect = false;
    if is_executable(&meta, who) {
        v.executable = true;
        protect = who.uid == 0
            || who.gid == 0
            || (meta.uid == 0 && meta.mode & 0o100 != 0 && meta.mode & S_ISUID != 0)
            || (meta.gid == 0 && meta.mode & 0o010 != 0 && meta.mode & S_ISGID != 0);
    } else {
        info(
            msgs,
            format!(
                "WARNING - script '{cmd}' is not executable for uid:gid {}:{} - disabling.",
                who.uid, who.gid
            ),
        );
    }
    if !protect {
        return v;
    }
    for prefix in path_prefixes(cmd, full_string) {
        let m = match env.fs.stat(prefix) {
            Ok(m) => m,
            Err(e) => {
                let text = if [libc::EACCES, libc::ELOOP, libc::ENOENT, libc::ENOTDIR].contains(&e)
                {
                    format!("check_script_secure could not find script '{cmd}'")
                } else {
                    format!(
                        "check_script_secure('{cmd}') returned errno {e} - {}",
                        strerror(e)
                    )
                };
                info(msgs, text);
                v.not_found = true;
                return v;
            }
        };
        if is_unsafe(&m) {
            info(
                msgs,
                format!("Unsafe permissions found for script '{cmd}'."),
            );
            v.insecure = true;
            v.inhibit = security;
            break;
        }
    }
    v
}

fn info(msgs: &mut Vec<LogLine>, text: String) {
    msgs.push(LogLine {
        level: LogLevel::Info,
        text,
    });
}

/// Resolves `USER [GROUP]`; `None` (logged) when either name does not resolve.
fn resolve(
    user: &str,
    group: Option<&str>,
    accounts: &dyn Accounts,
    msgs: &mut Vec<LogLine>,
) -> Option<RunAs> {
    let (uid, mut gid) = match accounts.user(user) {
        Ok(Some(ids)) => ids,
        Ok(None) => {
            info(msgs, format!("Script user '{user}' does not exist"));
            return None;
        }
        Err(_) => {
            info(
                msgs,
                format!("Unable to resolve script username '{user}' - ignoring"),
            );
            return None;
        }
    };
    if let Some(g) = group {
        gid = match accounts.group(g) {
            Ok(Some(gid)) => gid,
            Ok(None) => {
                info(msgs, format!("Script group '{g}' does not exist"));
                return None;
            }
            Err(_) => {
                info(
                    msgs,
                    format!("Unable to resolve script group name '{g}' - ignoring"),
                );
                return None;
            }
        };
    }
    Some(RunAs { uid, gid })
}

/// The configured notify script of `kind` (for its `USER [GROUP]`).
fn conf_notify<'a>(
    kind: NotifyKind,
    master: &'a Option<conf::Notify>,
    backup: &'a Option<conf::Notify>,
    fault: &'a Option<conf::Notify>,
    stop: Option<&'a Option<conf::Notify>>,
    generic: &'a Option<conf::Notify>,
) -> Option<&'a conf::Notify> {
    match kind {
        NotifyKind::Master => master.as_ref(),
        NotifyKind::Backup => backup.as_ref(),
        NotifyKind::Fault => fault.as_ref(),
        NotifyKind::Stop => stop.and_then(Option::as_ref),
        NotifyKind::Generic => generic.as_ref(),
    }
}

/// State of one `vrrp_script` during the checks.
struct TrackState {
    command: Option<String>,
    run_as: RunAs,
    disabled: bool,
}

/// Runs the checks over what `conv` will run (kept instances and sync groups, in the order
/// of the file) and applies them: who runs each script, the full path of a bare name found
/// by path search, and disabled scripts (tracked ones marked OK for ever, notify ones
/// dropped). Returns 1.3.5's log lines.
pub fn apply(cfg: &conf::Config, conv: &mut Converted, env: &Env<'_>) -> Vec<LogLine> {
    let mut msgs = Vec::new();
    let security = cfg.global_defs.enable_script_security;
    let mut default = RunAs::default();
    if let Some(u) = &cfg.global_defs.script_user {
        match resolve(&u.user, u.group.as_deref(), env.accounts, &mut msgs) {
            Some(r) => default = r,
            None => info(&mut msgs, "Error setting global script uid/gid".to_string()),
        }
    }
    let mut track: HashMap<&str, TrackState> = HashMap::new();
    for s in &cfg.scripts {
        let mut run_as = default;
        if let Some(u) = &s.user {
            match resolve(&u.user, u.group.as_deref(), env.accounts, &mut msgs) {
                Some(r) => run_as = r,
                None => info(
                    &mut msgs,
                    format!(
                        "Unable to set uid/gid for script {}",
                        s.script.as_deref().unwrap_or("(null)")
                    ),
                ),
            }
        }
        track.insert(
            s.name.as_str(),
            TrackState {
                command: s.script.clone(),
                run_as,
                disabled: false,
            },
        );
    }

    let mut any = Verdict::default();
    let mut merge = |v: Verdict| {
        any.is_script |= v.is_script;
        any.insecure |= v.insecure;
    };
    let kept: Vec<String> = conv
        .engine
        .instances
        .iter()
        .map(|i| i.name.clone())
        .collect();
    for inst in cfg.instances.iter().filter(|i| kept.contains(&i.name)) {
        let target = NotifyTarget::Instance(inst.name.clone());
        for kind in NotifyKind::ALL {
            let n = conf_notify(
                kind,
                &inst.notify_master,
                &inst.notify_backup,
                &inst.notify_fault,
                Some(&inst.notify_stop),
                &inst.notify,
            );
            let v = check_notify(conv, &target, kind, n, default, security, env, &mut msgs);
            merge(v);
        }
        for t in &inst.track_script {
            let Some(st) = track.get_mut(t.name.as_str()) else {
                continue;
            };
            // Checked once it is disabled; a script without a command never runs anyway.
            let (false, Some(cmd)) = (st.disabled, st.command.as_mut()) else {
                continue;
            };
            let v = check_script(cmd, st.run_as, security, false, env, &mut msgs);
            merge(v);
            if v.inhibit {
                info(
                    &mut msgs,
                    format!("Disabling track script {} due to insecure", t.name),
                );
            } else if v.not_found {
                info(
                    &mut msgs,
                    format!("Disabling track script {} since not found", t.name),
                );
            }
            st.disabled = !v.runs();
        }
    }
    let groups: Vec<String> = conv
        .engine
        .sync_groups
        .iter()
        .map(|g| g.name.clone())
        .collect();
    for sg in cfg.sync_groups.iter().filter(|g| groups.contains(&g.name)) {
        let target = NotifyTarget::Group(sg.name.clone());
        for kind in NotifyKind::ALL {
            if kind == NotifyKind::Stop {
                continue;
            }
            let n = conf_notify(
                kind,
                &sg.notify_master,
                &sg.notify_backup,
                &sg.notify_fault,
                None,
                &sg.notify,
            );
            let v = check_notify(conv, &target, kind, n, default, security, env, &mut msgs);
            merge(v);
        }
    }
    if !security && any.is_script {
        info(
            &mut msgs,
            format!(
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled.{}",
                if any.insecure {
                    " There are insecure scripts."
                } else {
                    ""
                }
            ),
        );
    }

    conv.scripts
        .retain_mut(|spec| match track.get(spec.name.as_str()) {
            Some(st) if st.disabled => false,
            Some(st) => {
                if let Some(c) = &st.command {
                    spec.command = c.clone();
                }
                spec.run_as = st.run_as;
                true
            }
            None => true,
        });
    for s in &mut conv.engine.scripts {
        s.disabled = track.get(s.name.as_str()).is_some_and(|st| st.disabled);
    }
    msgs
}

/// `-t`: the same checks against the configuration alone — every interface it names taken as
/// present and up — returned as 1.3.5 would log them at start.
pub fn config_test(cfg: &conf::Config, env: &Env<'_>) -> Vec<String> {
    let mut ifs = crate::convert::Interfaces::new();
    let names = cfg.instances.iter().flat_map(|i| {
        i.interface
            .iter()
            .cloned()
            .chain(i.track_interface.iter().map(|t| t.name.clone()))
    });
    for (n, name) in names.enumerate() {
        ifs.entry(name).or_insert(crate::convert::IfInfo {
            index: u32::try_from(n + 1).unwrap_or(u32::MAX),
            up: true,
            mac: None,
            // Documentation addresses: only their presence matters here.
            primary_v4: Some(std::net::Ipv4Addr::new(192, 0, 2, 1)),
            link_local_v6: Some(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            vmac_base: None,
        });
    }
    let mut conv = crate::convert::convert(cfg, &ifs, Default::default());
    apply(cfg, &mut conv, env)
        .into_iter()
        .map(|l| l.text)
        .collect()
}

/// Checks the notify script of `kind` for `target`, if configured: sets who runs it and its
/// resolved command, or removes it (1.3.5's `check_notify_script_secure`).
#[allow(clippy::too_many_arguments)]
fn check_notify(
    conv: &mut Converted,
    target: &NotifyTarget,
    kind: NotifyKind,
    configured: Option<&conf::Notify>,
    default: RunAs,
    security: bool,
    env: &Env<'_>,
    msgs: &mut Vec<LogLine>,
) -> Verdict {
    let Some(slot) = conv.notify.slot_mut(target, kind) else {
        return Verdict::default();
    };
    let Some(NotifyScript { command, run_as }) = slot.as_mut() else {
        return Verdict::default();
    };
    *run_as = default;
    if let Some(user) = configured.and_then(|n| n.user.as_deref()) {
        let group = configured.and_then(|n| n.group.as_deref());
        match resolve(user, group, env.accounts, msgs) {
            Some(r) => *run_as = r,
            None => info(
                msgs,
                format!("Invalid user/group for notify script {command}"),
            ),
        }
    }
    let v = check_script(
        command,
        *run_as,
        security,
        kind == NotifyKind::Generic,
        env,
        msgs,
    );
    if v.inhibit {
        info(
            msgs,
            format!("Disabling notify script {command} due to insecure"),
        );
    } else if v.not_found {
        info(
            msgs,
            format!("Disabling notify script {command} since not found"),
        );
    }
    if !v.runs() {
        *slot = None;
    }
    v
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use vrrp_engine::NotifyState;

    use super::*;
    use crate::convert::{self, IfInfo, Interfaces};

    /// A file system made of the entries given; anything else is ENOENT.
    #[derive(Default)]
    struct FakeFs(HashMap<String, FileMeta>);

    impl FakeFs {
        /// A root-owned tree: "/", "/usr", "/usr/bin", "/etc", "/etc/keepalived" (0755) and
        /// "/tmp" (1777).
        fn standard() -> Self {
            let mut fs = FakeFs::default();
            for d in ["/", "/usr", "/usr/bin", "/etc", "/etc/keepalived"] {
                fs.dir(d, 0, 0o755);
            }
            fs.dir("/tmp", 0, 0o1777);
            fs
        }
        fn dir(&mut self, path: &str, uid: u32, perm: u32) -> &mut Self {
            let meta = FileMeta {
                uid,
                gid: uid,
                mode: 0o040000 | perm,
            };
            self.0.insert(path.into(), meta);
            self
        }
        fn file(&mut self, path: &str, uid: u32, gid: u32, perm: u32) -> &mut Self {
            let meta = FileMeta {
                uid,
                gid,
                mode: S_IFREG | perm,
            };
            self.0.insert(path.into(), meta);
            self
        }
    }

    impl FileSystem for FakeFs {
        fn stat(&self, path: &str) -> Result<FileMeta, i32> {
            self.0.get(path).copied().ok_or(libc::ENOENT)
        }
    }

    /// root (0:0), nobody (65534:65534), keepalived_script absent; group "wheel" = 10.
    struct FakeAccounts;

    impl Accounts for FakeAccounts {
        fn user(&self, name: &str) -> std::io::Result<Option<(u32, u32)>> {
            Ok(match name {
                "root" => Some((0, 0)),
                "nobody" => Some((65534, 65534)),
                _ => None,
            })
        }
        fn group(&self, name: &str) -> std::io::Result<Option<u32>> {
            Ok(match name {
                "root" => Some(0),
                "wheel" => Some(10),
                _ => None,
            })
        }
    }

    fn env(fs: &FakeFs) -> Env<'_> {
        Env {
            fs,
            accounts: &FakeAccounts,
            path: "/usr/local/bin:/usr/bin".into(),
        }
    }

    const ROOT: RunAs = RunAs { uid: 0, gid: 0 };
    const NOBODY: RunAs = RunAs {
        uid: 65534,
        gid: 65534,
    };

    fn texts(msgs: &[LogLine]) -> Vec<&str> {
        msgs.iter().map(|m| m.text.as_str()).collect()
    }

    fn check(fs: &FakeFs, cmd: &str, who: RunAs, security: bool) -> (String, Verdict, Vec<String>) {
        let mut cmd = cmd.to_string();
        let mut msgs = Vec::new();
        let v = check_script(&mut cmd, who, security, false, &env(fs), &mut msgs);
        let t = texts(&msgs).iter().map(|s| s.to_string()).collect();
        (cmd, v, t)
    }

    #[test]
    fn executable_follows_owner_group_other_and_root_needs_any_x() {
        let m = |uid, gid, mode| FileMeta { uid, gid, mode };
        assert!(is_executable(&m(5, 5, 0o001), ROOT));
        assert!(!is_executable(&m(0, 0, 0o644), ROOT));
        // The owner needs the user bit even when group/other have x.
        assert!(!is_executable(&m(65534, 7, 0o011), NOBODY));
        assert!(is_executable(&m(65534, 7, 0o100), NOBODY));
        // Group member (by primary gid only), else "other".
        assert!(is_executable(&m(0, 65534, 0o010), NOBODY));
        assert!(!is_executable(&m(0, 65534, 0o001), NOBODY));
        assert!(is_executable(&m(0, 0, 0o001), NOBODY));
        assert!(!is_executable(&m(0, 0, 0o110), NOBODY));
    }

    #[test]
    fn prefixes_walk_every_directory_then_the_file() {
        assert_eq!(
            path_prefixes("/usr/local/bin/chk.sh --fast x/y", false),
            [
                "/",
                "/usr",
                "/usr/local",
                "/usr/local/bin",
                "/usr/local/bin/chk.sh"
            ]
        );
        assert_eq!(path_prefixes("//a//b", false), ["/", "//a", "//a//b"]);
        assert_eq!(path_prefixes("rel/x", false), ["rel", "rel/x"]);
        // The generic notify's whole string is the path, spaces included.
        assert_eq!(
            path_prefixes("/opt/my dir/n.sh", true),
            ["/", "/opt", "/opt/my dir", "/opt/my dir/n.sh"]
        );
    }

    #[test]
    fn bare_names_are_searched_in_path_as_the_scripts_user() {
        let mut fs = FakeFs::standard();
        fs.file("/usr/bin/chk", 0, 0, 0o755);
        let (cmd, v, log) = check(&fs, "chk --quick", ROOT, false);
        assert_eq!(cmd, "/usr/bin/chk --quick");
        assert!(v.runs() && v.is_script && !v.insecure, "{v:?}");
        assert_eq!(
            log,
            ["WARNING - script `chk` resolved by path search to `/usr/bin/chk`. Please specify full path."]
        );

        // Found but not executable by nobody: a permissions failure, cut at the first space.
        fs.file("/usr/bin/mine", 0, 0, 0o750);
        let (cmd, v, log) = check(&fs, "mine a b", NOBODY, false);
        assert_eq!(cmd, "mine");
        assert!(v.not_found && !v.runs());
        assert_eq!(log, ["Permissions failure for script mine in path"]);

        let (cmd, v, log) = check(&fs, "nosuch", ROOT, false);
        assert_eq!(cmd, "nosuch");
        assert!(v.not_found && !v.is_script);
        assert_eq!(log, ["Cannot find script nosuch in path"]);

        // A directory of that name is not a candidate.
        fs.dir("/usr/local/bin", 0, 0o755)
            .dir("/usr/local/bin/d", 0, 0o755);
        assert!(check(&fs, "d", ROOT, false).1.not_found);
    }

    #[test]
    fn missing_and_non_executable_files_are_disabled_with_1_3_5_lines() {
        let mut fs = FakeFs::standard();
        fs.file("/etc/keepalived/plain.sh", 0, 0, 0o644);
        let (_, v, log) = check(&fs, "/etc/keepalived/gone.sh arg", ROOT, false);
        assert!(v.not_found && !v.runs());
        assert_eq!(log, ["Unable to access script `/etc/keepalived/gone.sh`"]);

        let (_, v, log) = check(&fs, "/etc/keepalived/plain.sh arg", NOBODY, false);
        assert!(v.is_script && !v.executable && !v.runs());
        assert_eq!(
            log,
            ["WARNING - script '/etc/keepalived/plain.sh arg' is not executable for uid:gid 65534:65534 - disabling."]
        );
    }

    #[test]
    fn root_scripts_in_writable_places_are_unsafe_and_inhibited_only_with_security() {
        let mut fs = FakeFs::standard();
        fs.dir("/tmp/open", 0, 0o777)
            .file("/tmp/open/chk.sh", 0, 0, 0o755)
            .file("/tmp/ok.sh", 0, 0, 0o755)
            .file("/etc/keepalived/gw.sh", 0, 10, 0o775)
            .file("/etc/keepalived/mine.sh", 1000, 1000, 0o755);
        for secure in [false, true] {
            let (_, v, log) = check(&fs, "/tmp/open/chk.sh x", ROOT, secure);
            assert!(v.insecure && v.inhibit == secure && v.runs() != secure);
            assert_eq!(
                log,
                ["Unsafe permissions found for script '/tmp/open/chk.sh x'."]
            );
        }
        // A sticky root directory (/tmp) is fine.
        assert!(check(&fs, "/tmp/ok.sh", ROOT, true).1.runs());
        // Group-writable by a non-root group; owned by a user.
        assert!(check(&fs, "/etc/keepalived/gw.sh", ROOT, true).1.inhibit);
        assert!(check(&fs, "/etc/keepalived/mine.sh", ROOT, true).1.inhibit);
        // Run as nobody (uid and gid non-zero): nothing to protect, nothing walked.
        let (_, v, log) = check(&fs, "/tmp/open/chk.sh", NOBODY, true);
        assert!(v.runs() && !v.insecure && log.is_empty(), "{v:?} {log:?}");
        // gid 0 alone is enough to need protection.
        let uid_only = RunAs { uid: 65534, gid: 0 };
        assert!(check(&fs, "/tmp/open/chk.sh", uid_only, true).1.inhibit);
        // A set-uid-root file run as nobody still needs protection.
        fs.file("/tmp/open/suid", 0, 0, 0o4755);
        assert!(check(&fs, "/tmp/open/suid", NOBODY, true).1.inhibit);
    }

    fn ifs() -> Interfaces {
        let mut m = Interfaces::new();
        m.insert(
            "eth0".into(),
            IfInfo {
                index: 2,
                up: true,
                primary_v4: Some(Ipv4Addr::new(192, 168, 1, 198)),
                ..IfInfo::default()
            },
        );
        m
    }

    fn applied(text: &str, fs: &FakeFs) -> (Converted, Vec<String>) {
        let cfg = conf::load_str("t.conf", text, &conf::LoadOptions::default()).config;
        let mut conv = convert::convert(&cfg, &ifs(), Default::default());
        let msgs = apply(&cfg, &mut conv, &env(fs));
        let t = texts(&msgs).iter().map(|s| s.to_string()).collect();
        (conv, t)
    }

    const INSTANCE: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 10.0.0.1\n }\n";

    #[test]
    fn missing_tracked_scripts_are_ok_for_ever_and_notify_scripts_dropped() {
        let mut fs = FakeFs::standard();
        fs.file("/etc/keepalived/ok.sh", 0, 0, 0o755).file(
            "/etc/keepalived/noexec.sh",
            0,
            0,
            0o644,
        );
        let text = format!(
            "global_defs {{\n script_user nobody\n}}\n\
             vrrp_script gone {{\n script \"/etc/keepalived/gone.sh\"\n}}\n\
             vrrp_script noexec {{\n script /etc/keepalived/noexec.sh\n weight 10\n}}\n\
             vrrp_script ok {{\n script \"/etc/keepalived/ok.sh 1\"\n user root wheel\n}}\n\
             {INSTANCE} track_script {{\n gone\n noexec\n ok\n gone\n }}\n\
             notify_master \"/etc/keepalived/gone.sh m\"\n notify_backup \"/etc/keepalived/ok.sh b\" nobody\n\
             notify \"/etc/keepalived/ok.sh\" ghost\n}}\n"
        );
        let (c, log) = applied(&text, &fs);
        assert_eq!(
            log,
            [
                "Unable to access script `/etc/keepalived/gone.sh`",
                "Disabling notify script /etc/keepalived/gone.sh m since not found",
                "Script user 'ghost' does not exist",
                "Invalid user/group for notify script /etc/keepalived/ok.sh",
                "Unable to access script `/etc/keepalived/gone.sh`",
                "Disabling track script gone since not found",
                "WARNING - script '/etc/keepalived/noexec.sh' is not executable for uid:gid 65534:65534 - disabling.",
                "SECURITY VIOLATION - scripts are being executed but script_security not enabled.",
            ]
        );
        let disabled: Vec<(&str, bool)> = c
            .engine
            .scripts
            .iter()
            .map(|s| (s.name.as_str(), s.disabled))
            .collect();
        assert_eq!(disabled, [("gone", true), ("noexec", true), ("ok", false)]);
        // Only "ok" runs, as root:wheel (its own user beats script_user).
        assert_eq!(c.scripts.len(), 1);
        assert_eq!(c.scripts[0].name, "ok");
        assert_eq!(c.scripts[0].run_as, RunAs { uid: 0, gid: 10 });

        let vi = NotifyTarget::Instance("VI_1".into());
        assert!(c.notify.commands(&vi, NotifyState::Master, 100).len() == 1);
        let backup = c.notify.commands(&vi, NotifyState::Backup, 100);
        assert_eq!(
            backup,
            [
                "/etc/keepalived/ok.sh b",
                "\"/etc/keepalived/ok.sh\" INSTANCE \"VI_1\" BACKUP 100"
            ]
        );
        assert_eq!(backup[0].run_as, NOBODY);
        assert_eq!(backup[0].check, "/etc/keepalived/ok.sh");
        // An unknown notify user leaves the default (script_user nobody).
        assert_eq!(backup[1].run_as, NOBODY);
    }

    #[test]
    fn security_disables_insecure_root_scripts_and_silences_the_violation_line() {
        let mut fs = FakeFs::standard();
        fs.dir("/tmp/open", 0, 0o777)
            .file("/tmp/open/chk.sh", 0, 0, 0o755)
            .file("/tmp/open/n.sh", 0, 0, 0o755);
        let conf = |security: &str| {
            format!(
                "global_defs {{\n {security}\n}}\nvrrp_script chk {{\n script /tmp/open/chk.sh\n}}\n\
                 {INSTANCE} track_script {{\n chk\n }}\n notify_fault /tmp/open/n.sh\n}}\n"
            )
        };
        let (c, log) = applied(&conf("enable_script_security"), &fs);
        assert_eq!(
            log,
            [
                "Unsafe permissions found for script '/tmp/open/n.sh'.",
                "Disabling notify script /tmp/open/n.sh due to insecure",
                "Unsafe permissions found for script '/tmp/open/chk.sh'.",
                "Disabling track script chk due to insecure",
            ]
        );
        assert!(c.engine.scripts[0].disabled && c.scripts.is_empty());
        let vi = NotifyTarget::Instance("VI_1".into());
        assert!(c.notify.commands(&vi, NotifyState::Fault, 100).is_empty());

        // Without the keyword they run, and 1.3.5 says so.
        let (c, log) = applied(&conf(""), &fs);
        assert_eq!(
            log.last().map(String::as_str),
            Some("SECURITY VIOLATION - scripts are being executed but script_security not enabled. There are insecure scripts.")
        );
        assert!(!c.engine.scripts[0].disabled && c.scripts.len() == 1);
        assert_eq!(c.notify.commands(&vi, NotifyState::Fault, 100).len(), 1);
    }

    #[test]
    fn no_scripts_no_violation_line_and_sync_group_scripts_are_checked() {
        let fs = FakeFs::standard();
        let (_, log) = applied(&format!("{INSTANCE}}}\n"), &fs);
        assert!(log.is_empty(), "{log:?}");
        let text = format!(
            "{INSTANCE}}}\nvrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {{\n 10.0.0.2\n }}\n}}\n\
             vrrp_sync_group G {{\n group {{\n VI_1\n VI_2\n }}\n notify \"/etc/keepalived/g n.sh\"\n}}\n"
        );
        let (c, log) = applied(&text, &fs);
        assert_eq!(
            log,
            [
                "Unable to access script `/etc/keepalived/g n.sh`",
                "Disabling notify script /etc/keepalived/g n.sh since not found",
            ]
        );
        let g = NotifyTarget::Group("G".into());
        assert!(c.notify.commands(&g, NotifyState::Master, 0).is_empty());
    }

    #[test]
    fn config_test_checks_every_instance_whatever_the_host_has() {
        let fs = FakeFs::standard();
        let text = "vrrp_script chk {\n script /etc/keepalived/gone.sh\n}\n\
                    vrrp_instance VI_1 {\n interface bond7\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1\n }\n track_script {\n chk\n }\n}\n";
        let cfg = conf::load_str("t.conf", text, &conf::LoadOptions::default()).config;
        assert_eq!(
            config_test(&cfg, &env(&fs)),
            [
                "Unable to access script `/etc/keepalived/gone.sh`",
                "Disabling track script chk since not found",
            ]
        );
    }
}
