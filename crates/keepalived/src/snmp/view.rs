//! Turns the main loop's snapshot into VRRP-MIB rows, and notices new MASTERs for traps.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vrrp_engine::State;

use super::mib::{self, Mib, Row};
use super::pdu::{Oid, Value};
use crate::metrics::{Shared, Snapshot};

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

/// The latest snapshot and what the session derived from it.
#[derive(Debug, Default)]
pub struct Views {
    snap: Option<Snapshot>,
    /// `become_master` of each instance when last looked at.
    seen: Vec<u64>,
    /// Instances that became MASTER since the last [`Views::take_new_masters`].
    pending: Vec<usize>,
    ifs: HashMap<String, (u32, Vec<u8>, Instant)>,
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

impl Views {
    /// Takes the main loop's current snapshot and notes instances that became MASTER.
    pub fn refresh(&mut self, shared: &Shared) {
        let snap = shared.copy();
        if snap.instances.len() != self.seen.len() {
            // Start or reload: a new baseline, nothing to notify.
            self.seen = snap
                .instances
                .iter()
                .map(|v| v.stats.become_master)
                .collect();
            self.pending.clear();
        } else {
            for (i, v) in snap.instances.iter().enumerate() {
                if v.stats.become_master > self.seen[i] && !self.pending.contains(&i) {
                    self.pending.push(i);
                }
                self.seen[i] = v.stats.become_master;
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

    fn rows(&mut self) -> Vec<Row> {
        let Some(snap) = self.snap.take() else {
            return Vec::new();
        };
        let mut rows = Vec::with_capacity(snap.instances.len());
        for v in &snap.instances {
            let l = &v.labels;
            // RFC 2787 covers VRRPv2 over IPv4 only; 1.3.5 also leaves out instances
            // without virtual addresses.
            let Some(primary) = mib::v4(l.src_addr) else {
                continue;
            };
            if !l.v2 || l.vip_addrs.is_empty() {
                continue;
            }
            let (if_index, mac) = self.if_of(&l.intf);
            if if_index == 0 {
                continue;
            }
            let master = match v.state {
                State::Master => primary,
                State::Backup => v.master.and_then(mib::v4).unwrap_or(Ipv4Addr::UNSPECIFIED),
                _ => Ipv4Addr::UNSPECIFIED,
            };
            let up_time = match (v.state, v.observed.last_change) {
                (State::Master | State::Backup, Some(t)) => (t.as_millis() / 10) as u32,
                _ => 0,
            };
            rows.push(Row {
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
                up_time,
                stats: v.stats.clone(),
            });
        }
        self.snap = Some(snap);
        rows
    }

    /// The MIB of the latest snapshot.
    pub fn mib(&mut self, traps_enabled: bool) -> Mib {
        let rows = self.rows();
        let mut errs = [0u64; 3];
        if let Some(s) = &self.snap {
            for v in &s.instances {
                errs[0] += v.stats.checksum_err;
                errs[1] += v.stats.version_err;
            }
        }
        // errs[2] (vrrpRouterVrIdErrors): adverts for a VRID we do not run are dropped
        // before the engine sees them, so there is nothing to count (always 0).
        Mib::build(&rows, traps_enabled, errs)
    }

    /// `(vrrpOperMasterIpAddr.ifIndex.VRID, value)` and `sysUpTime` of each instance that
    /// became MASTER since the last call and still is.
    pub fn take_new_masters(&mut self) -> Vec<((Oid, Value), u32)> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Vec::new();
        }
        let rows = self.rows();
        let mut out = Vec::new();
        let Some(snap) = &self.snap else {
            return out;
        };
        for i in pending {
            let Some(v) = snap.instances.get(i) else {
                continue;
            };
            if v.state != State::Master {
                continue;
            }
            if let Some(r) = rows.iter().find(|r| {
                r.vrid == v.labels.vrid_num && mib::v4(v.labels.src_addr) == Some(r.primary)
            }) {
                let mut o = vec![1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 7];
                o.extend_from_slice(&[r.if_index, u32::from(r.vrid)]);
                out.push(((o, Value::IpAddress(r.master.octets())), sys_up_time()));
            }
        }
        out
    }
}
