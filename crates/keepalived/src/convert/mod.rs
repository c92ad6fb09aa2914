//! keepalived.conf AST → [`vrrp_engine::EngineConfig`], the way keepalived 1.3.5 completes its
//! instances (`vrrp_complete_instance`): defaults from `global_defs`, version/family, strict-mode
//! adjustments, source address from the interface, track weights, sync groups.
//!
//! The daemon is as tolerant as 1.3.5 where 1.3.5 was tolerant, and where 1.3.5 refused to run
//! at all (one bad instance stopped the whole daemon) we skip only that instance, logging
//! 1.3.5's line for it. Pure function of the AST and an interface snapshot, so it is unit-tested.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{
    EngineConfig, Family, GlobalVrrpConfig, LogLevel, LogLine, ScriptConfig, SyncGroupConfig,
};

use crate::scripts::ScriptSpec;

mod addresses;
mod auth;
mod instance;
mod interfaces;
mod notify;

use instance::convert_instance;
use notify::{notify_line, Notifiers};

pub use interfaces::{IfInfo, Interfaces};
pub use notify::NotifyTable;

/// Result of the conversion.
#[derive(Debug, Clone, Default)]
pub struct Converted {
    /// What the engine runs.
    pub engine: EngineConfig,
    /// Notify scripts.
    pub notify: NotifyTable,
    /// Tracking scripts the daemon must run (only those some instance tracks).
    pub scripts: Vec<ScriptSpec>,
    /// Log lines about skipped or adjusted items (keepalived 1.3.5 wording).
    pub messages: Vec<LogLine>,
}

/// Options from the command line that end up in the engine configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConvertOptions {
    /// `-X/--release-vips`.
    pub release_vips: bool,
}

fn info(out: &mut Vec<LogLine>, text: String) {
    out.push(LogLine {
        level: LogLevel::Info,
        text,
    });
}

/// Converts a parsed configuration.
pub fn convert(cfg: &conf::Config, ifs: &Interfaces, opts: ConvertOptions) -> Converted {
    let mut msgs = Vec::new();
    let g = &cfg.global_defs;
    let scripts_by_name: HashMap<&str, &conf::VrrpScript> =
        cfg.scripts.iter().map(|s| (s.name.as_str(), s)).collect();

    let mut instances = Vec::new();
    let mut notify = NotifyTable::default();
    let mut seen_vrid: HashSet<(String, Family, u8)> = HashSet::new();
    for inst in &cfg.instances {
        let Some(ic) = convert_instance(inst, g, ifs, &scripts_by_name, &mut msgs) else {
            continue;
        };
        if !seen_vrid.insert((ic.interface.clone(), ic.family, ic.vrid)) {
            info(
                &mut msgs,
                format!(
                    "VRID {} is duplicated on interface {}",
                    ic.vrid, ic.interface
                ),
            );
            continue;
        }
        notify.map.insert(
            (false, ic.name.clone()),
            Notifiers {
                master: notify_line(&inst.notify_master),
                backup: notify_line(&inst.notify_backup),
                fault: notify_line(&inst.notify_fault),
                stop: notify_line(&inst.notify_stop),
                generic: notify_line(&inst.notify),
            },
        );
        instances.push(ic);
    }

    // Sync groups: members must exist and belong to one group only; < 2 members ⇒ removed.
    let names: HashSet<&str> = instances.iter().map(|i| i.name.as_str()).collect();
    let mut in_group: HashSet<String> = HashSet::new();
    let mut sync_groups = Vec::new();
    for sg in &cfg.sync_groups {
        let mut members = Vec::new();
        for m in &sg.group {
            if !names.contains(m.name.as_str()) {
                info(
                    &mut msgs,
                    format!(
                        "Virtual router {} specified in sync group {} doesn't exist - ignoring",
                        m.name, sg.name
                    ),
                );
            } else if in_group.contains(&m.name) {
                info(
                    &mut msgs,
                    format!(
                        "Virtual router {} cannot exist in more than one sync group; ignoring {}",
                        m.name, sg.name
                    ),
                );
            } else {
                members.push(m.name.clone());
            }
        }
        if members.len() < 2 {
            info(
                &mut msgs,
                format!(
                    "Sync group {} has only {} virtual router(s) - removing",
                    sg.name,
                    members.len()
                ),
            );
            continue;
        }
        in_group.extend(members.iter().cloned());
        notify.map.insert(
            (true, sg.name.clone()),
            Notifiers {
                master: notify_line(&sg.notify_master),
                backup: notify_line(&sg.notify_backup),
                fault: notify_line(&sg.notify_fault),
                stop: None,
                generic: notify_line(&sg.notify),
            },
        );
        sync_groups.push(SyncGroupConfig {
            name: sg.name.clone(),
            members,
            global_tracking: sg.global_tracking,
        });
    }

    // Scripts: the engine needs every tracked one; the daemon runs those that have a command.
    let tracked: HashSet<&str> = instances
        .iter()
        .flat_map(|i| i.track_scripts.iter().map(|t| t.name.as_str()))
        .collect();
    let mut engine_scripts = Vec::new();
    let mut specs = Vec::new();
    for s in &cfg.scripts {
        if !tracked.contains(s.name.as_str()) {
            continue;
        }
        engine_scripts.push(ScriptConfig {
            name: s.name.clone(),
            weight: s.weight(),
            rise: s.rise(),
            fall: s.fall(),
            init_fail: s.init_fail,
        });
        match &s.script {
            Some(cmd) => specs.push(ScriptSpec {
                name: s.name.clone(),
                command: cmd.clone(),
                interval: Duration::from_secs(u64::from(s.interval_secs())),
                timeout: Duration::from_secs(u64::from(s.timeout_secs())),
            }),
            None => info(
                &mut msgs,
                format!(
                    "VRRP_Script({}) has no script to run - it never succeeds",
                    s.name
                ),
            ),
        }
    }

    Converted {
        engine: EngineConfig {
            global: GlobalVrrpConfig {
                release_vips: opts.release_vips,
            },
            instances,
            sync_groups,
            scripts: engine_scripts,
        },
        notify,
        scripts: specs,
        messages: msgs,
    }
}

#[cfg(test)]
mod tests;
