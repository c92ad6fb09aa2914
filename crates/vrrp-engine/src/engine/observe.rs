//! What monitoring reads from the engine besides keepalived's counters (`--metrics-listen`):
//! when each instance last changed state, how often it heard another MASTER while MASTER
//! itself (split-brain evidence), which instances an input touched (so the daemon refreshes
//! only those), and the `vrrp_script` results.
//!
//! Kept apart from the state machine: the only hooks are one call in
//! [`Engine::handle_into`], one counter increment in the instance's packet path, and the
//! copy of the change list in `finish_input`.

use std::time::Duration;

use super::{Action, Engine, InstanceId, Output};

/// Per-instance observations (kept across reloads for instances that survive them, like the
/// counters).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    /// Engine time of the instance's last state change (`None`: it never changed, i.e. it
    /// is still INIT before start).
    pub last_change: Option<Duration>,
    /// Adverts (priority > 0, not from our own address) heard while this instance was MASTER:
    /// another router believes it is MASTER of the same VRID.
    pub other_master_heard: u64,
    /// Source address of the last packet addressed to this instance that failed the
    /// receive checks (SNMP's `vrrpTrapPacketSrc`), when the packet names one.
    pub last_reject_src: Option<std::net::IpAddr>,
}

impl Engine {
    /// Records the time of the state changes in `out[start..]` (the outputs of one input): the
    /// metrics' time in state and the status command's last transition.
    pub(super) fn note_state_changes(&mut self, start: usize, now: Duration, out: &[Output]) {
        for o in out.get(start..).unwrap_or_default() {
            if let (Some(id), Action::StateChanged { .. }) = (o.instance, &o.action) {
                if let Some(inst) = self.instances.get_mut(id.0) {
                    inst.observed.last_change = Some(now);
                    inst.status.stamp(now);
                }
            }
        }
    }

    /// What monitoring observed of an instance (all zero/`None` for an unknown id).
    pub fn observed(&self, id: InstanceId) -> Observed {
        self.instances
            .get(id.0)
            .map_or(Observed::default(), |i| i.observed)
    }

    /// Instances the last input touched: only their state, priority, counters or
    /// observations can have changed (all of them after a start, link, script, shutdown or
    /// reload input; after a reload, the ids are the new ones). In instance order of touch.
    pub fn touched(&self) -> impl Iterator<Item = InstanceId> + '_ {
        self.changes.last.iter().map(|&i| InstanceId(i))
    }

    /// Every `vrrp_script` by name with its result: `Some(true)` OK (keepalived's GOOD),
    /// `Some(false)` failed (BAD), `None` not yet decided. In no particular order.
    pub fn script_results(&self) -> impl Iterator<Item = (&str, Option<bool>)> + '_ {
        self.scripts.iter().map(|(n, s)| (n.as_str(), s.ok()))
    }
}
