//! Turns the main loop's snapshot into the MIBs' objects, and notices the counter
//! increases (new MASTER, authentication and protocol errors) that make traps.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vrrp_engine::{InstanceStats, State};

use super::mib::{self, Mib, Row};
use super::pdu::{Oid, Value};
use super::tables::{self, Host, V3Row};
use super::Config;
use crate::metrics::{InstanceView, Shared, Snapshot};

/// The engine's time zero, for `sysUpTime` in our Responses and Notifies.
static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Sets the time `sysUpTime` counts from (the engine's epoch).
pub fn set_epoch(epoch: Instant) {
    let _ = EPOCH.set(epoch);
}

/// Hundredths of a second since the daemon's engine started.
pub fn sys_up_time() -> u32 {
    EPOCH
        .get()
        .map(|e| (e.elapsed().as_millis() / 10) as u32)
        .unwrap_or(0)
}

/// How long an interface's ifIndex and MAC are trusted (interfaces can be recreated).
const IF_CACHE: Duration = Duration::from_secs(10);

/// What a trap says: `snmpTrapOID.0`'s value and the other bindings.
pub type Trap = (Oid, Vec<(Oid, Value)>);

/// The latest snapshot and what the session derived from it.
#[derive(Debug, Default)]
pub struct Views {
    snap: Option<Snapshot>,
    /// Each instance's counters when last looked at.
    seen: Vec<InstanceStats>,
    /// RFC 6527 `vrrpv3StatisticsProtoErrReason` of each instance (noError(0) until one).
    proto_err: Vec<i32>,
    /// Counter increases since the last [`Views::take_traps`]: (instance, what).
    pending: Vec<(usize, Pending)>,
    ifs: HashMap<String, (u32, Vec<u8>, Instant)>,
}

/// A counter increase that may make a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    NewMaster,
    /// RFC 2787 `vrrpTrapAuthErrorType`: invalidAuthType(1), authTypeMismatch(2),
    /// authFailure(3).
    Auth(i32),
    /// RFC 6527 `vrrpv3StatisticsProtoErrReason`: ipTtlError(1), versionError(2),
    /// checksumError(3).
    Proto(i32),
}

fn if_info(name: &str) -> (u32, Vec<u8>) {
    let idx = std::ffi::CString::new(name)
        // SAFETY: a valid NUL-terminated string; the call only reads it.
        .map(|c| unsafe { libc::if_nametoindex(c.as_ptr()) })
        .unwrap_or(0);
    let mac = std::fs::read_to_string(format!("/sys/class/net/{name}/address"))
        .ok()
        .map(|s| {
            s.trim()
                .split(':')
                .filter_map(|h| u8::from_str_radix(h, 16).ok())
                .collect()
        })
        .unwrap_or_default();
    (idx, mac)
}

fn up_time(v: &InstanceView) -> u32 {
    match (v.state, v.observed.last_change) {
        (State::Master | State::Backup, Some(t)) => (t.as_millis() / 10) as u32,
        _ => 0,
    }
}

impl Views {
    /// Takes the main loop's current snapshot and notes the counter increases that make
    /// traps (new MASTER, authentication and protocol errors).
    pub fn refresh(&mut self, shared: &Shared) {
        let snap = shared.copy();
        if snap.instances.len() != self.seen.len() {
            // Start or reload: a new baseline, nothing to notify.
            self.seen = snap.instances.iter().map(|v| v.stats.clone()).collect();
            self.proto_err = vec![0; snap.instances.len()];
            self.pending.clear();
        } else {
            for (i, v) in snap.instances.iter().enumerate() {
                let (old, new) = (&self.seen[i], &v.stats);
                let mut note = |p: Pending| {
                    if !self.pending.contains(&(i, p)) {
                        self.pending.push((i, p));
                    }
                };
                if new.become_master > old.become_master {
                    note(Pending::NewMaster);
                }
                for (n, o, code) in [
                    (new.invalid_authtype, old.invalid_authtype, 1),
                    (new.authtype_mismatch, old.authtype_mismatch, 2),
                    (new.auth_failure, old.auth_failure, 3),
                ] {
                    if n > o {
                        note(Pending::Auth(code));
                    }
                }
                for (n, o, code) in [
                    (new.ip_ttl_err, old.ip_ttl_err, 1),
                    (new.version_err, old.version_err, 2),
                    (new.checksum_err, old.checksum_err, 3),
                ] {
                    if n > o {
                        self.proto_err[i] = code;
                        note(Pending::Proto(code));
                    }
                }
                self.seen[i].clone_from(new);
            }
        }
        self.snap = Some(snap);
    }

    fn if_of(&mut self, name: &str) -> (u32, Vec<u8>) {
        match self.ifs.get(name) {
            Some((i, m, at)) if at.elapsed() < IF_CACHE && *i != 0 => (*i, m.clone()),
            _ => {
                let (i, m) = if_info(name);
                self.ifs
                    .insert(name.to_string(), (i, m.clone(), Instant::now()));
                (i, m)
            }
        }
    }

    fn row(&mut self, v: &InstanceView) -> Option<Row> {
        let l = &v.labels;
        // RFC 2787 covers VRRPv2 over IPv4 only; 1.3.5 also leaves out instances
        // without virtual addresses.
        let primary = mib::v4(l.src_addr)?;
        if !l.v2 || l.vip_addrs.is_empty() {
            return None;
        }
        let (if_index, mac) = self.if_of(&l.intf);
        if if_index == 0 {
            return None;
        }
        let master = match v.state {
            State::Master => primary,
            State::Backup => v.master.and_then(mib::v4).unwrap_or(Ipv4Addr::UNSPECIFIED),
            _ => Ipv4Addr::UNSPECIFIED,
        };
        Some(Row {
            if_index,
            vrid: l.vrid_num,
            mac,
            state: v.state,
            priority: v.base_priority,
            vips: l.vip_addrs.iter().filter_map(|a| mib::v4(*a)).collect(),
            master,
            primary,
            auth_type: l.auth_type,
            advert_secs: l.advert_int.as_secs() as i32,
            nopreempt: l.nopreempt,
            up_time: up_time(v),
            stats: v.stats.clone(),
        })
    }

    /// The objects of the MIBs `c` enables, from the latest snapshot.
    pub fn mib(&mut self, c: &Config, host: &Host) -> Mib {
        let mut m = Mib::default();
        let Some(snap) = self.snap.take() else {
            return m;
        };
        if c.keepalived {
            tables::add_global(&mut m, &c.globals, host, c.traps);
            let mut ifx = |n: &str| self.if_of(n).0;
            tables::add_vrrp(&mut m, &c.globals, &snap.instances, &snap.scripts, &mut ifx);
        }
        if c.rfcv2 {
            let rows: Vec<Row> = snap.instances.iter().filter_map(|v| self.row(v)).collect();
            let mut errs = [0u64; 3];
            for v in snap.instances.iter().filter(|v| v.labels.v2) {
                errs[0] += v.stats.checksum_err;
                errs[1] += v.stats.version_err;
            }
            // errs[2] (vrrpRouterVrIdErrors): adverts for a VRID we do not run are dropped
            // before the engine sees them, so there is nothing to count (always 0).
            m.add_rfc2787(&rows, c.traps, errs);
        }
        if c.rfcv3 {
            let mut rows = Vec::new();
            let mut errs = [0u64; 3];
            for (i, v) in snap.instances.iter().enumerate() {
                if !tables::v3_suitable(v) {
                    continue;
                }
                errs[0] += v.stats.checksum_err;
                errs[1] += v.stats.version_err;
                let (if_index, mac) = self.if_of(&v.labels.intf);
                if if_index == 0 {
                    continue;
                }
                rows.push(V3Row {
                    v,
                    if_index,
                    mac,
                    up_time: up_time(v),
                    proto_err: self.proto_err.get(i).copied().unwrap_or(0),
                });
            }
            tables::add_v3(&mut m, &rows, errs);
        }
        self.snap = Some(snap);
        m
    }

    /// The traps the counter increases since the last call make, as 1.3.5 sends them
    /// (each gated by `enable_traps` and its MIB's `enable_snmp_*`): `vrrpTrapNewMaster`
    /// and `vrrpTrapAuthFailure` (RFC 2787), `vrrpv3NewMaster` and `vrrpv3ProtoError`
    /// (RFC 6527). A new MASTER is notified only if the instance still is one.
    pub fn take_traps(&mut self, c: &Config) -> Vec<Trap> {
        let pending = std::mem::take(&mut self.pending);
        let mut out = Vec::new();
        if pending.is_empty() || !c.traps {
            return out;
        }
        let Some(snap) = self.snap.take() else {
            return out;
        };
        for (i, what) in pending {
            let Some(v) = snap.instances.get(i) else {
                continue;
            };
            if c.rfcv2 {
                if let Some(r) = self.row(v) {
                    let idx = [r.if_index, u32::from(r.vrid)];
                    match what {
                        Pending::NewMaster if v.state == State::Master => {
                            let mut o = vec![1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 7];
                            o.extend_from_slice(&idx);
                            out.push((
                                mib::TRAP_NEW_MASTER.to_vec(),
                                vec![(o, Value::IpAddress(r.master.octets()))],
                            ));
                        }
                        Pending::Auth(code) => {
                            let src = v
                                .observed
                                .last_reject_src
                                .and_then(mib::v4)
                                .unwrap_or(Ipv4Addr::UNSPECIFIED);
                            let mut src_o = vec![1, 3, 6, 1, 2, 1, 68, 1, 5];
                            src_o.extend_from_slice(&idx);
                            let mut err_o = vec![1, 3, 6, 1, 2, 1, 68, 1, 6];
                            err_o.extend_from_slice(&idx);
                            out.push((
                                mib::TRAP_AUTH_FAILURE.to_vec(),
                                vec![
                                    (src_o, Value::IpAddress(src.octets())),
                                    (err_o, Value::Integer(code)),
                                ],
                            ));
                        }
                        _ => {}
                    }
                }
            }
            if c.rfcv3 && tables::v3_suitable(v) {
                let if_index = self.if_of(&v.labels.intf).0;
                if if_index == 0 {
                    continue;
                }
                let idx = tables::v3_index(if_index, v);
                let col = |entry: &[u32], c: u32| {
                    let mut o = entry.to_vec();
                    o.push(c);
                    o.extend_from_slice(&idx);
                    o
                };
                match what {
                    Pending::NewMaster if v.state == State::Master => {
                        let a = v.labels.cfg.src_addr;
                        let bytes = match a {
                            std::net::IpAddr::V4(a) => a.octets().to_vec(),
                            std::net::IpAddr::V6(a) => a.octets().to_vec(),
                        };
                        out.push((
                            tables::TRAP_V3_NEW_MASTER.to_vec(),
                            vec![
                                (col(&tables::V3_OPER_ENTRY, 3), Value::OctetString(bytes)),
                                (
                                    col(&tables::V3_STATS_ENTRY, 2),
                                    Value::Integer(tables::master_reason(v)),
                                ),
                            ],
                        ));
                    }
                    Pending::Proto(code) => out.push((
                        tables::TRAP_V3_PROTO_ERROR.to_vec(),
                        vec![(col(&tables::V3_STATS_ENTRY, 6), Value::Integer(code))],
                    )),
                    _ => {}
                }
            }
        }
        self.snap = Some(snap);
        out
    }

    /// KEEPALIVED-MIB's `vrrpInstanceStateChange` for instance `name` entering `state`
    /// (1.3.5's varbinds: the name, state and initial state columns without an index,
    /// and `routerId.0`); `None` when the instance is unknown.
    pub fn instance_trap(&self, name: &str, state: State, router_id: &str) -> Option<Trap> {
        let snap = self.snap.as_ref()?;
        let v = snap.instances.iter().find(|v| v.labels.cfg.name == name)?;
        let col = |c: u32| {
            let mut o = tables::VRRP.to_vec();
            o.extend_from_slice(&[3, 1, c]);
            o
        };
        Some((
            tables::TRAP_INSTANCE.to_vec(),
            vec![
                (col(2), Value::OctetString(name.as_bytes().to_vec())),
                (col(4), Value::Integer(tables::k_state(state))),
                (
                    col(5),
                    Value::Integer(tables::k_initial(v.labels.cfg.initial_state)),
                ),
                (
                    tables::ROUTER_ID.to_vec(),
                    Value::OctetString(router_id.as_bytes().to_vec()),
                ),
            ],
        ))
    }
}

/// KEEPALIVED-MIB's `vrrpSyncGroupStateChange` for group `name` entering `state`.
pub fn group_trap(name: &str, state: State, router_id: &str) -> Trap {
    let col = |c: u32| {
        let mut o = tables::VRRP.to_vec();
        o.extend_from_slice(&[1, 1, c]);
        o
    };
    (
        tables::TRAP_GROUP.to_vec(),
        vec![
            (col(2), Value::OctetString(name.as_bytes().to_vec())),
            (col(3), Value::Integer(tables::k_state(state))),
            (
                tables::ROUTER_ID.to_vec(),
                Value::OctetString(router_id.as_bytes().to_vec()),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::sync::Arc;
    use std::time::Duration;

    use vrrp_engine::{Engine, Input};

    use super::*;
    use crate::metrics::Refresh;
    use crate::snmp::{Globals, Target};
    use crate::test_support::{feed, seed_advert, seed_engine};

    fn config(rfcv2: bool, rfcv3: bool, traps: bool) -> Config {
        Config {
            keepalived: false,
            rfcv2,
            rfcv3,
            traps,
            target: Target::Tcp("127.0.0.1".into(), 705),
            globals: Arc::new(Globals::default()),
        }
    }

    /// Views that know the seed interface (the test host has none by that name).
    fn views() -> Views {
        let mut v = Views::default();
        v.ifs.insert(
            "enp11s0f0".into(),
            (2, vec![2, 0, 0, 0, 0, 2], Instant::now()),
        );
        v
    }

    fn started_b(edit: impl FnOnce(String) -> String) -> (Engine, Shared) {
        let mut e = seed_engine('b', edit);
        let shared = Shared::new(Instant::now());
        e.handle(Input::Start, Duration::ZERO);
        shared.update(&e, Refresh::All);
        (e, shared)
    }

    /// A wrong password makes one vrrpTrapAuthFailure with the packet's source and
    /// authFailure(3), only with enable_traps and the RFC 2787 MIB.
    #[test]
    fn auth_failure_trap_names_the_source() {
        let (mut e, shared) = started_b(|t| t);
        let mut v = views();
        v.refresh(&shared);
        let wrong = seed_advert(Ipv4Addr::new(192, 168, 1, 77), 100, b"2222\0\0\0\0");
        feed(&mut e, &wrong, Duration::from_millis(100));
        feed(&mut e, &wrong, Duration::from_millis(200));
        shared.update(&e, Refresh::Touched);
        v.refresh(&shared);
        let traps = v.take_traps(&config(true, false, true));
        assert_eq!(traps.len(), 1, "{traps:?}");
        let (oid, vbs) = &traps[0];
        assert_eq!(oid.as_slice(), mib::TRAP_AUTH_FAILURE);
        assert_eq!(
            vbs[0],
            (
                vec![1, 3, 6, 1, 2, 1, 68, 1, 5, 2, 51],
                Value::IpAddress([192, 168, 1, 77])
            )
        );
        assert_eq!(
            vbs[1],
            (vec![1, 3, 6, 1, 2, 1, 68, 1, 6, 2, 51], Value::Integer(3))
        );
        // Already taken; and without enable_traps nothing is sent.
        assert!(v.take_traps(&config(true, false, true)).is_empty());
        feed(&mut e, &wrong, Duration::from_millis(300));
        shared.update(&e, Refresh::Touched);
        v.refresh(&shared);
        assert!(v.take_traps(&config(true, false, false)).is_empty());
    }

    /// A VRRPv3 BACKUP that hears no master becomes MASTER: vrrpv3NewMaster with our
    /// address and masterNoResponse(3); the RFC 2787 trap is not sent for a v3 instance.
    #[test]
    fn v3_new_master_trap_with_its_reason() {
        let (mut e, shared) = started_b(|t| {
            let s = t.find("authentication {").unwrap();
            let end = s + t[s..].find('}').unwrap() + 1;
            let mut t = t.clone();
            t.replace_range(s..end, "");
            t.replacen("advert_int 1", "advert_int 1\n    version 3", 1)
        });
        let mut v = views();
        v.refresh(&shared);
        e.handle(Input::Timer, Duration::from_secs(10));
        assert_eq!(e.state(vrrp_engine::InstanceId(0)), State::Master);
        shared.update(&e, Refresh::Touched);
        v.refresh(&shared);
        let traps = v.take_traps(&config(true, true, true));
        assert_eq!(traps.len(), 1, "{traps:?}");
        let (oid, vbs) = &traps[0];
        assert_eq!(oid.as_slice(), tables::TRAP_V3_NEW_MASTER);
        let mut master = tables::V3_OPER_ENTRY.to_vec();
        master.extend_from_slice(&[3, 2, 51, 1]);
        assert_eq!(vbs[0], (master, Value::OctetString(vec![192, 168, 1, 199])));
        assert_eq!(vbs[1].1, Value::Integer(3));
        // The statistics row says the same.
        let m = v.mib(&config(false, true, true), &Host::default());
        let mut reason = tables::V3_STATS_ENTRY.to_vec();
        reason.extend_from_slice(&[2, 2, 51, 1]);
        assert_eq!(m.get(&reason), Value::Integer(3));
    }

    /// An instance's virtual route is row (1, 1) of vrrpRouteTable, beside a static row
    /// (0, 1); it shows set once the instance is MASTER (its VIPs and routes are in).
    #[test]
    fn virtual_route_rows_follow_mastership() {
        use crate::convert::{InstanceRouting, RouteConf};
        use vrrp_netlink::RouteSpec;
        let (mut e, shared) = started_b(|t| t);
        let mut v = views();
        let route = |dst: [u8; 4]| RouteConf {
            spec: RouteSpec::new(std::net::IpAddr::from(dst), 24),
            dev: Some("enp11s0f0".into()),
            nexthop_devs: vec![],
            text: String::new(),
        };
        let mut g = Globals::default();
        g.routing.static_routes = vec![route([10, 8, 0, 0])];
        g.routing.instances.insert(
            "VI_1".into(),
            InstanceRouting {
                routes: vec![route([10, 9, 0, 0])],
                rules: vec![],
            },
        );
        let c = Config {
            keepalived: true,
            globals: Arc::new(g),
            ..config(false, false, false)
        };
        let cell = |m: &Mib, col: u32, idx: [u32; 2]| {
            let mut o = tables::VRRP.to_vec();
            o.extend_from_slice(&[7, 1, col, idx[0], idx[1]]);
            m.get(&o)
        };
        v.refresh(&shared);
        let m = v.mib(&c, &Host::default());
        assert_eq!(cell(&m, 3, [0, 1]), Value::OctetString(vec![10, 8, 0, 0]));
        assert_eq!(cell(&m, 3, [1, 1]), Value::OctetString(vec![10, 9, 0, 0]));
        assert_eq!(cell(&m, 11, [1, 1]), Value::Integer(2));
        assert_eq!(cell(&m, 14, [0, 1]), Value::Integer(1));
        assert_eq!(cell(&m, 14, [1, 1]), Value::Integer(2));
        e.handle(Input::Timer, Duration::from_secs(10));
        assert_eq!(e.state(vrrp_engine::InstanceId(0)), State::Master);
        shared.update(&e, Refresh::Touched);
        v.refresh(&shared);
        let m = v.mib(&c, &Host::default());
        assert_eq!(cell(&m, 14, [1, 1]), Value::Integer(1));
    }
}
