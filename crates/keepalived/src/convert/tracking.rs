//! Tracking: `track_interface` and `track_script` of an instance, and the `vrrp_script`s the
//! engine and the daemon need.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{LogLine, ScriptConfig, TrackInterface, TrackScript};

use super::{info, Interfaces};
use crate::scripts::{RunAs, ScriptSpec};

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

/// The scripts some instance tracks (`tracked`: every instance's track_script lines): the
/// engine needs every one; the daemon runs those that have a command (one without never
/// succeeds, logged).
pub(super) fn tracked_scripts<'a>(
    scripts: &[conf::VrrpScript],
    tracked: impl IntoIterator<Item = &'a TrackScript>,
    msgs: &mut Vec<LogLine>,
) -> (Vec<ScriptConfig>, Vec<ScriptSpec>) {
    let tracked: HashSet<&str> = tracked.into_iter().map(|t| t.name.as_str()).collect();
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
        disabled: false,
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
        // Resolved by crate::script_security.
        run_as: RunAs::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::test_util::{ifs, texts};

    fn script(name: &str, command: Option<&str>, weight: Option<i32>) -> conf::VrrpScript {
        conf::VrrpScript {
            name: name.into(),
            script: command.map(str::to_string),
            weight,
            ..Default::default()
        }
    }

    #[test]
    fn only_existing_interfaces_are_tracked() {
        let tracked = [
            conf::TrackInterface {
                name: "eth1".into(),
                weight: -5,
                ..Default::default()
            },
            conf::TrackInterface {
                name: "ghost0".into(),
                ..Default::default()
            },
        ];
        let mut msgs = Vec::new();
        assert_eq!(
            track_interfaces(&tracked, &ifs(), &mut msgs),
            [TrackInterface {
                name: "eth1".into(),
                weight: -5
            }]
        );
        assert_eq!(texts(&msgs), ["     ghost0 no match, ignoring..."]);
    }

    #[test]
    fn track_script_weight_overrides_the_scripts_own() {
        let scripts = [script("chk", Some("/bin/true"), Some(-20))];
        let by_name = scripts_by_name(&scripts);
        let line = |name: &str, weight| conf::TrackScript {
            name: name.into(),
            weight,
            ..Default::default()
        };
        let tracked = [
            line("chk", None),
            line("chk", Some(7)),
            line("nosuch", None),
        ];
        let mut msgs = Vec::new();
        let weights: Vec<i32> = track_scripts(&tracked, &by_name, &mut msgs)
            .iter()
            .map(|t| t.weight)
            .collect();
        assert_eq!(weights, [-20, 7]);
        assert_eq!(texts(&msgs), ["     nosuch no match, ignoring..."]);
    }

    #[test]
    fn only_tracked_scripts_reach_the_engine_and_only_those_with_a_command_run() {
        let mut scripts = vec![
            script("a", Some("/bin/a"), None),
            script("b", None, Some(3)),
            script("untracked", Some("/bin/u"), None),
        ];
        scripts[0].interval = Some(4);
        let tracked = [
            TrackScript {
                name: "a".into(),
                weight: 0,
            },
            TrackScript {
                name: "b".into(),
                weight: 3,
            },
        ];
        let mut msgs = Vec::new();
        let (engine, specs) = tracked_scripts(&scripts, &tracked, &mut msgs);
        let names: Vec<&str> = engine.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(engine[1].weight, 3);
        assert_eq!(
            specs,
            [ScriptSpec {
                name: "a".into(),
                command: "/bin/a".into(),
                interval: Duration::from_secs(4),
                // timeout 0 (unset) means the interval.
                timeout: Duration::from_secs(4),
                run_as: RunAs::default(),
            }]
        );
        assert_eq!(
            texts(&msgs),
            ["VRRP_Script(b) has no script to run - it never succeeds"]
        );
    }
}
