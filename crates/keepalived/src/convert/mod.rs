//! keepalived.conf AST → [`vrrp_engine::EngineConfig`], the way keepalived 1.3.5 completes its
//! instances (`vrrp_complete_instance`): defaults from `global_defs`, version/family, strict-mode
//! adjustments, source address from the interface, track weights, sync groups.
//!
//! The daemon is as tolerant as 1.3.5 where 1.3.5 was tolerant, and where 1.3.5 refused to run
//! at all (one bad instance stopped the whole daemon) we skip only that instance, logging
//! 1.3.5's line for it. Pure function of the AST and an interface snapshot, so it is unit-tested.
//!
//! One module per concern: `instance` (the steps of one instance and its core fields),
//! `addresses` (VIPs, eVIPs, advert source), `auth`, `garp`, `tracking` (track_interface,
//! track_script, vrrp_script), `sync_groups`, `notify` ([`NotifyTable`]), `interfaces`
//! ([`IfInfo`]) and `routes` (virtual/static routes and rules, static addresses:
//! [`convert_routing`], run by the daemon beside [`convert`]). Log lines keep keepalived's text: operators and tests grep them.

use std::collections::HashSet;

use keepalived_conf as conf;
use vrrp_engine::{EngineConfig, Family, GlobalVrrpConfig, InstanceConfig, LogLevel, LogLine};

use crate::scripts::ScriptSpec;

mod addresses;
mod auth;
mod garp;
mod instance;
mod interfaces;
mod notify;
mod routes;
mod sync_groups;
mod tracking;
mod vmac;

pub use interfaces::{host_interfaces, IfInfo, Interfaces};
pub use notify::{NotifyKind, NotifyScript, NotifyTable};
pub use routes::{
    check_routing, convert_routing, InstanceRouting, RouteConf, Routing, RtNames, RuleConf,
};
pub use vmac::VmacSpec;

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
    /// The VMAC interfaces (`use_vmac`) of the kept instances, in config order.
    pub vmacs: Vec<VmacSpec>,
}

/// Options from the command line that end up in the engine configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConvertOptions {
    /// `-X/--release-vips`.
    pub release_vips: bool,
}

/// Appends an info-level log line.
fn info(out: &mut Vec<LogLine>, text: String) {
    out.push(LogLine {
        level: LogLevel::Info,
        text,
    });
}

/// Converts a parsed configuration.
pub fn convert(cfg: &conf::Config, ifs: &Interfaces, opts: ConvertOptions) -> Converted {
    let mut msgs = Vec::new();
    let mut notify = NotifyTable::default();
    let (mut instances, vmacs) = convert_instances(cfg, ifs, &mut notify, &mut msgs);
    let sync_groups =
        sync_groups::convert_sync_groups(&cfg.sync_groups, &instances, &mut notify, &mut msgs);
    let owners_weighted =
        sync_groups::ignore_member_weights(&mut instances, &sync_groups, &mut msgs);
    // A script runs while some instance still counts on it (1.3.5's `inuse`).
    let tracked = instances
        .iter()
        .flat_map(|i| &i.track_scripts)
        .chain(&owners_weighted);
    let (scripts, specs) = tracking::tracked_scripts(&cfg.scripts, tracked, &mut msgs);
    let mut garp_pacing = garp::garp_pacing(cfg, ifs, &mut msgs);
    garp::vmac_pacing(&mut garp_pacing, &vmacs);
    Converted {
        engine: EngineConfig {
            global: GlobalVrrpConfig {
                release_vips: opts.release_vips,
                garp_pacing,
            },
            instances,
            sync_groups,
            scripts,
        },
        notify,
        scripts: specs,
        messages: msgs,
        vmacs,
    }
}

/// Converts the instances, skipping refused ones and any whose VRID is already taken on its
/// interface (for its family; a VMAC counts as its base interface), and records the notify
/// scripts of those kept.
fn convert_instances(
    cfg: &conf::Config,
    ifs: &Interfaces,
    notify: &mut NotifyTable,
    msgs: &mut Vec<LogLine>,
) -> (Vec<InstanceConfig>, Vec<VmacSpec>) {
    let scripts = tracking::scripts_by_name(&cfg.scripts);
    let mut instances = Vec::new();
    let mut vmacs = Vec::new();
    let mut vmac_names = HashSet::new();
    let mut seen_vrid: HashSet<(String, Family, u8)> = HashSet::new();
    for inst in &cfg.instances {
        let Some((ic, vmac)) = instance::convert_instance(
            inst,
            &cfg.global_defs,
            ifs,
            &scripts,
            &mut vmac_names,
            msgs,
        ) else {
            continue;
        };
        let base = vmac.as_ref().map_or(&ic.interface, |v| &v.base);
        if !seen_vrid.insert((base.clone(), ic.family, ic.vrid)) {
            info(
                msgs,
                format!("VRID {} is duplicated on interface {base}", ic.vrid),
            );
            continue;
        }
        notify.add_instance(inst);
        instances.push(ic);
        vmacs.extend(vmac);
    }
    (instances, vmacs)
}

#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests;
