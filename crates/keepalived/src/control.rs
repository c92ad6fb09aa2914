//! The control socket and `keepalived --status [--json]` (issue 12 §3), and keepalived 2.x's
//! JSON dump (`--signum=JSON`, `/tmp/keepalived.json`).
//!
//! Protocol: a client connects to the unix stream socket (mode 0600, root only), writes one
//! line `status`, and reads one JSON document (the schema is in docs/status.md) until the
//! daemon closes the connection. The socket is served by its own task: it only forwards the
//! request to the main loop over a bounded channel and writes the answer, so a slow client
//! never holds the protocol; at most [`MAX_CLIENTS`] are served at once, the rest wait in the
//! listen backlog.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream as StdUnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinHandle;
use vrrp_engine::{Engine, FaultReason, InstanceId, State, Transition, Vip};

/// Default control socket path.
pub const DEFAULT_SOCKET: &str = "/var/run/keepalived.ctl";

/// keepalived 2.x's JSON dump file (written on the JSON signal).
pub const JSON_FILE: &str = "/tmp/keepalived.json";

/// Clients served at the same time.
const MAX_CLIENTS: usize = 4;

/// How long a client may take to send its request, and the daemon to answer it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);

/// Longest request line read.
const MAX_REQUEST: u64 = 64;

/// The status document's schema version (`"version"` field).
const SCHEMA_VERSION: u32 = 1;

/// A request from the socket task to the main loop: answer with the status document.
pub struct Request {
    /// Where the main loop sends the JSON text.
    pub reply: oneshot::Sender<String>,
}

/// Why the control socket could not be set up or queried.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Another daemon answers on the path.
    #[error("{0}: another keepalived answers on this control socket")]
    InUse(PathBuf),
    /// bind/chmod/connect/read failed.
    #[error("{path}: {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The daemon's answer is not a status document.
    #[error("{0}: the daemon's answer is not valid JSON: {1}")]
    BadAnswer(PathBuf, serde_json::Error),
}

/// The listening socket: its task, and the path removed when it is dropped (daemon stop).
pub struct Server {
    path: PathBuf,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Binds `path` (mode 0600; a stale socket nobody answers on is replaced) and serves it on its
/// own local task, forwarding each `status` request to `tx`. Must run inside a `LocalSet`.
pub fn serve(path: &Path, tx: mpsc::Sender<Request>) -> Result<Server, ControlError> {
    let io = |source| ControlError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        match StdUnixStream::connect(path) {
            Ok(_) => return Err(ControlError::InUse(path.to_path_buf())),
            // Left by a daemon that was killed: nobody listens.
            Err(_) => std::fs::remove_file(path).map_err(io)?,
        }
    }
    // The socket is created with the umask applied: make it 0600 from the start, so it is
    // never reachable by others between bind and chmod. (Start-up runs before any script or
    // thread that could create files meanwhile.)
    // SAFETY: umask only swaps the process's file-creation mask.
    let old = unsafe { libc::umask(0o177) };
    let bound = UnixListener::bind(path);
    // SAFETY: as above, restoring the previous mask.
    unsafe { libc::umask(old) };
    let listener = bound.map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    let task = tokio::task::spawn_local(accept_loop(listener, tx));
    Ok(Server {
        path: path.to_path_buf(),
        task,
    })
}

async fn accept_loop(listener: UnixListener, tx: mpsc::Sender<Request>) {
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let tx = tx.clone();
                tokio::task::spawn_local(async move {
                    let _ = tokio::time::timeout(CLIENT_TIMEOUT, client(stream, tx)).await;
                    drop(permit);
                });
            }
            Err(_) => {
                // EMFILE and the like: back off instead of spinning.
                drop(permit);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn client(stream: UnixStream, tx: mpsc::Sender<Request>) {
    let (rd, mut wr) = stream.into_split();
    let mut line = String::new();
    let mut rd = BufReader::new(tokio::io::AsyncReadExt::take(rd, MAX_REQUEST));
    if rd.read_line(&mut line).await.is_err() {
        return;
    }
    let answer = match line.trim() {
        "status" => {
            let (reply, rx) = oneshot::channel();
            if tx.send(Request { reply }).await.is_err() {
                return;
            }
            match rx.await {
                Ok(text) => text,
                Err(_) => return,
            }
        }
        other => json!({ "error": format!("unknown request '{other}'; try 'status'") }).to_string(),
    };
    let _ = wr.write_all(answer.as_bytes()).await;
    let _ = wr.write_all(b"\n").await;
    let _ = wr.shutdown().await;
}

/// `keepalived --status`: asks the daemon on `path`, returns its status document.
pub fn query(path: &Path) -> Result<Value, ControlError> {
    let io = |source| ControlError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut s = StdUnixStream::connect(path).map_err(io)?;
    s.set_read_timeout(Some(CLIENT_TIMEOUT * 2)).map_err(io)?;
    s.set_write_timeout(Some(CLIENT_TIMEOUT)).map_err(io)?;
    s.write_all(b"status\n").map_err(io)?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(io)?;
    serde_json::from_str(&text).map_err(|e| ControlError::BadAnswer(path.to_path_buf(), e))
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
    }
}

/// keepalived 2.x's numeric state (`VRRP_STATE_*`).
fn state_number(s: State) -> u8 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// Seconds since the Unix epoch of engine time `at`, the engine being at `now` on the daemon's
/// monotonic clock when the wall clock reads `wall`.
fn wall_secs(at: Duration, now: Duration, wall: SystemTime) -> f64 {
    let wall = wall
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    wall - now.saturating_sub(at).as_secs_f64()
}

/// RFC 3339 UTC time of Unix seconds `t` (whole seconds).
fn rfc3339(t: f64) -> String {
    let secs = t.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn transition_json(t: &Transition, now: Duration, wall: SystemTime) -> Value {
    let at = wall_secs(t.at, now, wall);
    json!({
        "from": state_name(t.from),
        "to": state_name(t.to),
        "time": rfc3339(at),
        "unix_time": (at * 1000.0).round() / 1000.0,
        "seconds_ago": now.saturating_sub(t.at).as_secs(),
        "cause": t.cause.kind(),
        "detail": t.cause.to_string(),
    })
}

fn vip_text(v: &Vip) -> String {
    format!("{}/{}", v.addr, v.prefix_len)
}

/// The status document of every instance (`--status --json`; docs/status.md).
/// `now` is the engine's clock, `wall` the wall clock at the same moment; `link_why` says what
/// the daemon knows about a down interface ("not present", "VRRP socket failed", …).
pub fn status(
    engine: &Engine,
    now: Duration,
    wall: SystemTime,
    link_why: impl Fn(&str) -> Option<&'static str>,
) -> Value {
    let mut instances = Vec::with_capacity(engine.instance_count());
    for i in 0..engine.instance_count() {
        let id = InstanceId(i);
        let Some(c) = engine.instance_config(id) else {
            continue;
        };
        let state = engine.state(id);
        let vips: Vec<String> = if engine.holds_vips(id) {
            c.vips
                .iter()
                .chain(&c.excluded_vips)
                .map(vip_text)
                .collect()
        } else {
            Vec::new()
        };
        let master: Option<IpAddr> = match state {
            State::Master => Some(c.src_addr),
            State::Backup => engine.master_address(id),
            State::Init | State::Fault => None,
        };
        let reasons: Vec<Value> = engine
            .fault_reasons(id)
            .iter()
            .map(|r| {
                let (object, why) = match r {
                    FaultReason::InterfaceDown { interface }
                    | FaultReason::TrackedInterfaceDown { interface } => {
                        (interface.as_str(), link_why(interface))
                    }
                    FaultReason::ScriptFailed { script } => (script.as_str(), None),
                    FaultReason::SyncGroupMember { member, .. } => (member.as_str(), None),
                };
                let detail = match why {
                    Some(w) => format!("{r} ({w})"),
                    None => r.to_string(),
                };
                json!({ "kind": r.kind(), "object": object, "detail": detail })
            })
            .collect();
        instances.push(json!({
            "name": c.name,
            "state": state_name(state),
            "interface": c.interface,
            "vrid": c.vrid,
            "priority": c.priority,
            "effective_priority": engine.effective_priority(id),
            "vips": vips,
            "master": master.map(|a| a.to_string()),
            "last_transition": engine.last_transition(id).map(|t| transition_json(t, now, wall)),
            "fault_reasons": reasons,
        }));
    }
    json!({
        "version": SCHEMA_VERSION,
        "pid": std::process::id(),
        "instances": instances,
    })
}

/// `--status` text: one line per instance, from the status document.
pub fn render_text(doc: &Value) -> String {
    let mut o = String::new();
    let empty = Vec::new();
    let instances = doc["instances"].as_array().unwrap_or(&empty);
    if instances.is_empty() {
        o.push_str("no vrrp_instance running\n");
    }
    let s = |v: &Value| v.as_str().unwrap_or("-").to_string();
    for i in instances {
        let vips: Vec<String> = i["vips"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(s)
            .collect();
        let _ = write!(
            o,
            "{} {} if={} vrid={} prio={}/{} vips={} master={}",
            s(&i["name"]),
            s(&i["state"]),
            s(&i["interface"]),
            i["vrid"],
            i["priority"],
            i["effective_priority"],
            if vips.is_empty() {
                "-".to_string()
            } else {
                vips.join(",")
            },
            s(&i["master"]),
        );
        let t = &i["last_transition"];
        if t.is_object() {
            let _ = write!(
                o,
                " since={} ({}s ago, {}->{}: {})",
                s(&t["time"]),
                t["seconds_ago"],
                s(&t["from"]),
                s(&t["to"]),
                s(&t["detail"]),
            );
        }
        let reasons: Vec<String> = i["fault_reasons"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|r| s(&r["detail"]))
            .collect();
        if !reasons.is_empty() {
            let _ = write!(o, " fault=[{}]", reasons.join("; "));
        }
        o.push('\n');
    }
    o
}

/// keepalived 2.x's signal numbers by function name (`--signum`); `None` for a name 2.x does
/// not know or whose function we do not implement (`STATS_CLEAR`, `TDUMP`).
pub fn signum(func: &str) -> Option<i32> {
    match func {
        "STOP" => Some(libc::SIGTERM),
        "RELOAD" => Some(libc::SIGHUP),
        "DATA" => Some(libc::SIGUSR1),
        "STATS" => Some(libc::SIGUSR2),
        "JSON" => Some(json_signal()),
        _ => None,
    }
}

/// keepalived 2.x's JSON signal: SIGRTMIN + 2.
pub fn json_signal() -> i32 {
    libc::SIGRTMIN() + 2
}

/// A VIP as keepalived 2.x's `format_ipaddress` writes it (`ADDR[/PFX] [brd B] dev D scope S
/// [label L]`).
fn vip_2x(v: &Vip) -> String {
    let host = if v.addr.is_ipv4() { 32 } else { 128 };
    let mut s = v.addr.to_string();
    if v.prefix_len != host {
        let _ = write!(s, "/{}", v.prefix_len);
    }
    if let Some(b) = v.broadcast.filter(IpAddr::is_ipv4) {
        let _ = write!(s, " brd {b}");
    }
    let scope = match v.scope.unwrap_or(0) {
        0 => "global".to_string(),
        200 => "site".to_string(),
        253 => "link".to_string(),
        254 => "host".to_string(),
        255 => "nowhere".to_string(),
        n => n.to_string(),
    };
    let _ = write!(s, " dev {} scope {scope}", v.dev);
    if let Some(l) = &v.label {
        let _ = write!(s, " label {l}");
    }
    s
}

/// Writes a dump file in world-writable `/tmp` without following a symlink planted there
/// (2.x's `fopen_safe` does the same), replacing what a regular file held.
pub fn write_dump(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// A number as C's `%g` writes it (2.x's `jsonw_float`): `1`, not `1.0`, when it is whole.
fn g_number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// `/tmp/keepalived.json` in keepalived 2.2.7's layout (`vrrp_json.c`): an array of
/// `{"data": {...}, "stats": {...}}`, one per instance. Fields we have no equivalent of
/// (VMAC names, notify script paths, routes) are left out, as 2.x leaves out empty ones.
pub fn json_dump(engine: &Engine, now: Duration, wall: SystemTime) -> String {
    let mut all = Vec::with_capacity(engine.instance_count());
    for i in 0..engine.instance_count() {
        let id = InstanceId(i);
        let Some(c) = engine.instance_config(id) else {
            continue;
        };
        let state = state_number(engine.state(id));
        let last = engine
            .last_transition(id)
            .map_or(0.0, |t| wall_secs(t.at, now, wall));
        let secs = |d: Duration| g_number(d.as_secs_f64());
        let mut data = json!({
            "iname": c.name,
            "dont_track_primary": u8::from(c.dont_track_primary),
            "skip_check_adv_addr": u8::from(c.skip_check_adv_addr),
            "ifp_ifname": c.interface,
            "master_priority": engine.master_priority(id),
            "last_transition": last,
            "garp_delay": secs(c.garp.master_delay),
            "garp_refresh": c.garp.master_refresh.as_secs(),
            "garp_rep": c.garp.master_repeat,
            "garp_refresh_rep": c.garp.master_refresh_repeat,
            "garp_lower_prio_delay": c.garp.lower_prio_delay.as_secs(),
            "garp_lower_prio_rep": c.garp.lower_prio_repeat,
            "lower_prio_no_advert": u8::from(c.lower_prio_no_advert),
            "higher_prio_send_advert": u8::from(c.higher_prio_send_advert),
            "vrid": c.vrid,
            "base_priority": c.priority,
            "effective_priority": engine.effective_priority(id),
            "vipset": engine.holds_vips(id),
            "adver_int": secs(c.advert_int),
            "master_adver_int": secs(c.advert_int),
            "accept": u8::from(c.accept),
            "nopreempt": c.nopreempt,
            "preempt_delay": c.preempt_delay.as_secs(),
            "state": state,
            "wantstate": state,
            "version": match c.version {
                vrrp_engine::Version::V2 => 2,
                vrrp_engine::Version::V3 => 3,
            },
        });
        let obj = data.as_object_mut();
        if let Some(obj) = obj {
            let list = |v: &[Vip]| Value::from(v.iter().map(vip_2x).collect::<Vec<_>>());
            if !c.vips.is_empty() {
                obj.insert("vips".into(), list(&c.vips));
            }
            if !c.excluded_vips.is_empty() {
                obj.insert("evips".into(), list(&c.excluded_vips));
            }
            if !c.track_interfaces.is_empty() {
                let names: Vec<&str> = c.track_interfaces.iter().map(|t| t.name.as_str()).collect();
                obj.insert("track_ifp".into(), names.into());
            }
            let auth_type = match &c.auth {
                vrrp_engine::Auth::None => 0,
                vrrp_engine::Auth::Pass(_) => 1,
                vrrp_engine::Auth::Ah(_) => 2,
            };
            obj.insert("auth_type".into(), auth_type.into());
        }
        let s = engine.stats(id);
        all.push(json!({
            "data": data,
            "stats": {
                "advert_rcvd": s.advert_rcvd,
                "advert_sent": s.advert_sent,
                "become_master": s.become_master,
                "release_master": s.release_master,
                "packet_len_err": s.packet_len_err,
                "advert_interval_err": s.advert_interval_err,
                "ip_ttl_err": s.ip_ttl_err,
                "invalid_type_rcvd": s.invalid_type_rcvd,
                "addr_list_err": s.addr_list_err,
                "invalid_authtype": s.invalid_authtype,
                "authtype_mismatch": s.authtype_mismatch,
                "auth_failure": s.auth_failure,
                "pri_zero_rcvd": s.pri_zero_rcvd,
                "pri_zero_sent": s.pri_zero_sent,
            },
        }));
    }
    Value::from(all).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400.0), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_083_200.0 + 3_661.5), "2026-12-01T01:01:01Z");
    }

    #[test]
    fn wall_time_of_an_engine_time() {
        let wall = UNIX_EPOCH + Duration::from_secs(1000);
        let t = wall_secs(Duration::from_secs(5), Duration::from_secs(15), wall);
        assert_eq!(t, 990.0);
    }

    #[test]
    fn signal_numbers_are_keepalived_2x() {
        assert_eq!(signum("STOP"), Some(15));
        assert_eq!(signum("RELOAD"), Some(1));
        assert_eq!(signum("DATA"), Some(10));
        assert_eq!(signum("STATS"), Some(12));
        // glibc's SIGRTMIN is 34 (the first two are the threading library's).
        assert_eq!(signum("JSON"), Some(36));
        assert_eq!(signum("STATS_CLEAR"), None);
        assert_eq!(signum("stop"), None);
    }

    #[test]
    fn dump_refuses_a_planted_symlink() {
        let dir = std::env::temp_dir().join(format!("kr-dump-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.join("keepalived.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(write_dump(&link, "[]").is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        let plain = dir.join("plain.json");
        write_dump(&plain, "[1]").unwrap();
        write_dump(&plain, "[]").unwrap();
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "[]");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn whole_seconds_print_as_c_percent_g() {
        assert_eq!(g_number(1.0).to_string(), "1");
        assert_eq!(g_number(5.0).to_string(), "5");
        assert_eq!(g_number(0.5).to_string(), "0.5");
    }

    #[test]
    fn vips_as_keepalived_2x_formats_them() {
        let mut v = Vip {
            addr: "192.168.1.210".parse().unwrap(),
            prefix_len: 24,
            dev: "enp11s0f0".into(),
            broadcast: None,
            scope: None,
            label: None,
        };
        assert_eq!(vip_2x(&v), "192.168.1.210/24 dev enp11s0f0 scope global");
        v.prefix_len = 32;
        v.scope = Some(253);
        v.label = Some("enp11s0f0:1".into());
        assert_eq!(
            vip_2x(&v),
            "192.168.1.210 dev enp11s0f0 scope link label enp11s0f0:1"
        );
    }

    #[test]
    fn text_has_one_line_per_instance_with_the_cause_and_fault() {
        let doc = json!({
            "version": 1,
            "instances": [
                {"name": "VI_1", "state": "MASTER", "interface": "eth0", "vrid": 51,
                 "priority": 100, "effective_priority": 100, "vips": ["192.168.1.210/24"],
                 "master": "192.168.1.198",
                 "last_transition": {"from": "BACKUP", "to": "MASTER",
                    "time": "2026-12-01T01:01:01Z", "seconds_ago": 3,
                    "cause": "master_down", "detail": "no advert from the master (master down)"},
                 "fault_reasons": []},
                {"name": "VI_2", "state": "FAULT", "interface": "eth1", "vrid": 52,
                 "priority": 90, "effective_priority": 90, "vips": [], "master": null,
                 "last_transition": null,
                 "fault_reasons": [{"kind": "interface_down", "detail": "interface eth1 down"}]}
            ]
        });
        let text = render_text(&doc);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "VI_1 MASTER if=eth0 vrid=51 prio=100/100 vips=192.168.1.210/24 master=192.168.1.198 \
             since=2026-12-01T01:01:01Z (3s ago, BACKUP->MASTER: no advert from the master (master down))"
        );
        assert_eq!(
            lines[1],
            "VI_2 FAULT if=eth1 vrid=52 prio=90/90 vips=- master=- fault=[interface eth1 down]"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn socket_is_private_answers_status_and_refuses_a_second_daemon() {
        let dir = std::env::temp_dir().join(format!("kr-ctl-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.ctl");
        // A stale socket file (nobody listening) is replaced.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                let (tx, mut rx) = mpsc::channel(4);
                let server = serve(&path, tx).unwrap();
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600);
                let (tx2, _rx2) = mpsc::channel(4);
                assert!(matches!(serve(&path, tx2), Err(ControlError::InUse(_))));
                tokio::task::spawn_local(async move {
                    while let Some(r) = rx.recv().await {
                        let _ = r.reply.send(r#"{"instances":[]}"#.to_string());
                    }
                });
                let p = path.clone();
                let doc = tokio::task::spawn_blocking(move || query(&p))
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(doc, json!({"instances": []}));
                drop(server);
                assert!(!path.exists());
                let p = path.clone();
                let err = tokio::task::spawn_blocking(move || query(&p))
                    .await
                    .unwrap();
                assert!(matches!(err, Err(ControlError::Io { .. })));
            })
            .await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
