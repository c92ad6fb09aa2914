//! Tracking: `track_interface` and `track_script` of an instance, and the `vrrp_script`s the
//! engine and the daemon need.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{InstanceConfig, LogLine, ScriptConfig, TrackInterface, TrackScript};

use super::{info, Interfaces};
use crate::scripts::ScriptSpec;

/// `vrrp_script`s by name.
pub(super) type ScriptsByName<'a> = HashMap<&'a str, &'a conf::VrrpScript>;

/// Indexes the `vrrp_script`s by name.
pub(super) fn scripts_by_name(scripts: &[conf::VrrpScript]) -> ScriptsByName<'_> {
    scripts.iter().map(|s| (s.name.as_str(), s)).collect()
}

/// The tracked interfaces that exist; the others are logged and ignored.
pub(super) fn track_interfaces(
    tracked: &[conf::TrackInterface],
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Vec<TrackInterface> {
    tracked
        .iter()
        .filter_map(|t| {
            if ifs.contains_key(&t.name) {
                Some(TrackInterface {
                    name: t.name.clone(),
                    weight: t.weight,
                })
            } else {
                info(msgs, format!("     {} no match, ignoring...", t.name));
                None
            }
        })
        .collect()
}

/// The tracked scripts that are defined, weighted by the `track_script` line or else the
/// script's own weight; the others are logged and ignored.
pub(super) fn track_scripts(
    tracked: &[conf::TrackScript],
    scripts: &ScriptsByName<'_>,
    msgs: &mut Vec<LogLine>,
) -> Vec<TrackScript> {
    tracked
        .iter()
        .filter_map(|t| match scripts.get(t.name.as_str()) {
            Some(s) => Some(TrackScript {
                name: t.name.clone(),
                weight: t.weight.unwrap_or_else(|| s.weight()),
            }),
            None => {
                info(msgs, format!("     {} no match, ignoring...", t.name));
                None
            }
        })
        .collect()
}

/// The scripts some instance tracks: the engine needs every one; the daemon runs those that
/// have a command (one without never succeeds, logged).
pub(super) fn tracked_scripts(
    scripts: &[conf::VrrpScript],
    instances: &[InstanceConfig],
    msgs: &mut Vec<LogLine>,
) -> (Vec<ScriptConfig>, Vec<ScriptSpec>) {
    let tracked: HashSet<&str> = instances
        .iter()
        .flat_map(|i| i.track_scripts.iter().map(|t| t.name.as_str()))
        .collect();
    let mut engine_scripts = Vec::new();
    let mut specs = Vec::new();
    for s in scripts.iter().filter(|s| tracked.contains(s.name.as_str())) {
        engine_scripts.push(engine_script(s));
        match script_spec(s) {
            Some(spec) => specs.push(spec),
            None => info(
                msgs,
                format!(
                    "VRRP_Script({}) has no script to run - it never succeeds",
                    s.name
                ),
            ),
        }
    }
    (engine_scripts, specs)
}

/// What the engine knows of a script: how its results move priority and state.
fn engine_script(s: &conf::VrrpScript) -> ScriptConfig {
    ScriptConfig {
        name: s.name.clone(),
        weight: s.weight(),
        rise: s.rise(),
        fall: s.fall(),
        init_fail: s.init_fail,
    }
}

/// What the daemon runs for a script; `None` when it has no command.
fn script_spec(s: &conf::VrrpScript) -> Option<ScriptSpec> {
    let command = s.script.as_ref()?;
    Some(ScriptSpec {
        name: s.name.clone(),
        command: command.clone(),
        interval: Duration::from_secs(u64::from(s.interval_secs())),
        timeout: Duration::from_secs(u64::from(s.timeout_secs())),
    })
}
