//! Tracked objects: interface states, `vrrp_script` rise/fall, and the effective priority.

use std::collections::HashMap;

use crate::config::{InstanceConfig, ScriptConfig};

/// Run-time state of one `vrrp_script` (keepalived's rise/fall counter).
#[derive(Debug, Clone)]
pub struct ScriptState {
    /// Its configuration.
    pub cfg: ScriptConfig,
    /// keepalived's `result`: OK iff `result >= rise`.
    result: u32,
    /// No result yet (and not `init_fail`): neither OK nor failed.
    unknown: bool,
}

/// A script's status change, to be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptChange {
    /// Became OK: "VRRP_Script(%s) succeeded".
    Succeeded,
    /// Became failed: "VRRP_Script(%s) failed".
    Failed,
}

impl ScriptState {
    /// Initial state (`disabled` ⇒ OK, `init_fail` ⇒ failed, else unknown).
    pub fn new(cfg: ScriptConfig) -> Self {
        let rise = cfg.rise.max(1);
        let (result, unknown) = if cfg.disabled {
            (rise, false)
        } else if cfg.init_fail {
            (0, false)
        } else {
            (rise - 1, true)
        };
        ScriptState {
            result,
            unknown,
            cfg,
        }
    }

    fn rise(&self) -> u32 {
        self.cfg.rise.max(1)
    }

    fn fall(&self) -> u32 {
        self.cfg.fall.max(1)
    }

    /// `Some(true)` OK, `Some(false)` failed, `None` not yet known.
    pub fn ok(&self) -> Option<bool> {
        (!self.unknown).then_some(self.result >= self.rise())
    }

    /// Applies one run's result; returns the status change, if any.
    pub fn apply(&mut self, success: bool) -> Option<ScriptChange> {
        if self.cfg.disabled {
            // Never run; a stray result does not move it.
            return None;
        }
        let (rise, fall) = (self.rise(), self.fall());
        let before = self.ok();
        if success {
            if self.result < rise - 1 {
                self.result += 1;
            } else {
                self.result = rise + fall - 1;
                self.unknown = false;
            }
        } else if self.result > rise {
            self.result -= 1;
        } else {
            self.result = 0;
            self.unknown = false;
        }
        let after = self.ok();
        match (before, after) {
            (b, Some(true)) if b != Some(true) => Some(ScriptChange::Succeeded),
            (b, Some(false)) if b != Some(false) => Some(ScriptChange::Failed),
            _ => None,
        }
    }
}

/// What the tracked objects say about an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackResult {
    /// Not in FAULT: own interface usable (or `dont_track_primary`), all weight-0 objects OK.
    pub up: bool,
    /// Effective priority: base + weights, clamped to 1..=254; 255 stays 255.
    pub priority: u8,
}

/// Computes FAULT-ness and effective priority. `ignore_weights`: member of a sync group
/// without `global_tracking`: every remaining tracked object acts as weight 0. (The daemon's
/// conversion already applies keepalived 1.3.5's rule there — weighted scripts dropped,
/// weighted interfaces set to 0, owners' weights dropped — so none is left by then.)
pub fn evaluate(
    cfg: &InstanceConfig,
    base_priority: u8,
    links: &HashMap<String, bool>,
    scripts: &HashMap<String, ScriptState>,
    ignore_weights: bool,
) -> TrackResult {
    let link = |name: &str| links.get(name).copied().unwrap_or(true);
    let mut up = cfg.dont_track_primary || link(&cfg.interface);
    let mut delta: i64 = 0;
    for t in &cfg.track_interfaces {
        let is_up = link(&t.name);
        if t.weight == 0 || ignore_weights {
            up &= is_up;
        } else if (t.weight > 0) == is_up {
            // +w while up, −|w| while down.
            delta += i64::from(t.weight);
        }
    }
    for t in &cfg.track_scripts {
        // An unknown script (never run) neither faults nor weighs.
        let Some(ok) = scripts.get(&t.name).and_then(|s| s.ok()) else {
            continue;
        };
        if t.weight == 0 || ignore_weights {
            up &= ok;
        } else if (t.weight > 0) == ok {
            delta += i64::from(t.weight);
        }
    }
    let priority = if base_priority == 255 {
        255
    } else {
        (i64::from(base_priority) + delta).clamp(1, 254) as u8
    };
    TrackResult { up, priority }
}
