//! `vrrp_sync_group` → [`SyncGroupConfig`]: members must be converted instances and belong to
//! one group only; a group left with fewer than two members is removed (keepalived 1.3.5).

use std::collections::HashSet;

use keepalived_conf as conf;
use vrrp_engine::{InstanceConfig, LogLine, SyncGroupConfig, TrackScript};

use super::{info, NotifyTable};

/// Converts the sync groups over the instances that survived conversion, recording the notify
/// scripts of the groups kept.
pub(super) fn convert_sync_groups(
    groups: &[conf::SyncGroup],
    instances: &[InstanceConfig],
    notify: &mut NotifyTable,
    msgs: &mut Vec<LogLine>,
) -> Vec<SyncGroupConfig> {
    let names: HashSet<&str> = instances.iter().map(|i| i.name.as_str()).collect();
    let mut in_group: HashSet<String> = HashSet::new();
    let mut sync_groups = Vec::new();
    for sg in groups {
        let members = group_members(sg, &names, &in_group, msgs);
        if members.len() < 2 {
            info(
                msgs,
                format!(
                    "Sync group {} has only {} virtual router(s) - removing",
                    sg.name,
                    members.len()
                ),
            );
            continue;
        }
        in_group.extend(members.iter().cloned());
        notify.add_group(sg);
        sync_groups.push(SyncGroupConfig {
            name: sg.name.clone(),
            members,
            global_tracking: sg.global_tracking,
        });
    }
    sync_groups
}

/// keepalived 1.3.5 (`vrrp_init_state`): in a sync group without `global_tracking`, a member
/// that is not the address owner has its weighted `track_interface`s turned into weight 0 (the
/// interface going down means FAULT) and its weighted `track_script`s ignored altogether
/// (they neither weigh nor fault), each logged once per instance. An owner's weights never
/// matter (its priority stays 255 and 1.3.5 does not fault on them), so they are removed
/// without a word — but its weighted scripts still run, as in 1.3.5; they are returned so the
/// caller keeps running them.
pub(super) fn ignore_member_weights(
    instances: &mut [InstanceConfig],
    groups: &[SyncGroupConfig],
    msgs: &mut Vec<LogLine>,
) -> Vec<TrackScript> {
    let mut still_run = Vec::new();
    for inst in instances.iter_mut() {
        let ignoring = groups
            .iter()
            .any(|g| !g.global_tracking && g.members.contains(&inst.name));
        if !ignoring {
            continue;
        }
        if inst.priority == 255 {
            inst.track_interfaces.retain(|t| t.weight == 0);
            let (weighted, kept) = std::mem::take(&mut inst.track_scripts)
                .into_iter()
                .partition(|t| t.weight != 0);
            inst.track_scripts = kept;
            still_run.extend::<Vec<TrackScript>>(weighted);
            continue;
        }
        let mut weighted_if = false;
        for t in inst.track_interfaces.iter_mut().filter(|t| t.weight != 0) {
            t.weight = 0;
            weighted_if = true;
        }
        let before = inst.track_scripts.len();
        inst.track_scripts.retain(|t| t.weight == 0);
        if weighted_if {
            info(
                msgs,
                format!(
                    "VRRP_Instance({}) : ignoring weights of tracked interface due to SYNC group",
                    inst.name
                ),
            );
        }
        if inst.track_scripts.len() != before {
            info(
                msgs,
                format!(
                    "VRRP_Instance({}) : ignoring tracked script with weights due to SYNC group",
                    inst.name
                ),
            );
        }
    }
    still_run
}

/// The members of `sg` that are known instances and not already in a kept group.
fn group_members(
    sg: &conf::SyncGroup,
    names: &HashSet<&str>,
    in_group: &HashSet<String>,
    msgs: &mut Vec<LogLine>,
) -> Vec<String> {
    let mut members = Vec::new();
    for m in &sg.group {
        if !names.contains(m.name.as_str()) {
            info(
                msgs,
                format!(
                    "Virtual router {} specified in sync group {} doesn't exist - ignoring",
                    m.name, sg.name
                ),
            );
        } else if in_group.contains(&m.name) {
            info(
                msgs,
                format!(
                    "Virtual router {} cannot exist in more than one sync group; ignoring {}",
                    m.name, sg.name
                ),
            );
        } else {
            members.push(m.name.clone());
        }
    }
    members
}

#[cfg(test)]
mod tests {
    use vrrp_engine::{NotifyState, NotifyTarget};

    use super::*;
    use crate::convert::test_util::{ifs, texts};

    /// VI_1, VI_2 and VI_3 as the converter makes them.
    fn instances() -> Vec<InstanceConfig> {
        let mut text = String::new();
        for k in 1..=3 {
            text.push_str(&format!(
                "vrrp_instance VI_{k} {{\n interface eth0\n virtual_router_id {k}\n virtual_ipaddress {{\n 10.0.0.{k}\n }}\n}}\n"
            ));
        }
        let cfg = conf::load_str("t.conf", &text, &conf::LoadOptions::default()).config;
        crate::convert::convert(&cfg, &ifs(), Default::default())
            .engine
            .instances
    }

    fn group(name: &str, members: &[&str]) -> conf::SyncGroup {
        conf::SyncGroup {
            name: name.into(),
            group: members
                .iter()
                .map(|m| conf::Name {
                    name: m.to_string(),
                    span: conf::Span::default(),
                })
                .collect(),
            notify: Some(conf::Notify {
                script: format!("/{name}.sh"),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn a_member_belongs_to_the_first_group_that_keeps_it() {
        let groups = [
            group("G1", &["VI_1", "VI_2"]),
            group("G2", &["VI_2", "VI_3", "GHOST"]),
            group("G3", &["VI_3", "VI_1"]),
        ];
        let mut notify = NotifyTable::default();
        let mut msgs = Vec::new();
        let kept = convert_sync_groups(&groups, &instances(), &mut notify, &mut msgs);
        let members: Vec<(&str, Vec<&str>)> = kept
            .iter()
            .map(|g| {
                let m = g.members.iter().map(String::as_str).collect();
                (g.name.as_str(), m)
            })
            .collect();
        assert_eq!(members, [("G1", vec!["VI_1", "VI_2"])]);
        assert_eq!(
            texts(&msgs),
            [
                "Virtual router VI_2 cannot exist in more than one sync group; ignoring G2",
                "Virtual router GHOST specified in sync group G2 doesn't exist - ignoring",
                "Sync group G2 has only 1 virtual router(s) - removing",
                "Virtual router VI_1 cannot exist in more than one sync group; ignoring G3",
                "Sync group G3 has only 1 virtual router(s) - removing",
            ]
        );
        // Only kept groups run notify scripts.
        let commands =
            |g: &str| notify.commands(&NotifyTarget::Group(g.into()), NotifyState::Master, 0);
        assert_eq!(commands("G1"), ["\"/G1.sh\" GROUP \"G1\" MASTER 0"]);
        assert!(commands("G2").is_empty());
    }

    #[test]
    fn global_tracking_is_carried_over() {
        let groups = [conf::SyncGroup {
            global_tracking: true,
            ..group("G", &["VI_1", "VI_3"])
        }];
        let mut msgs = Vec::new();
        let kept = convert_sync_groups(
            &groups,
            &instances(),
            &mut NotifyTable::default(),
            &mut msgs,
        );
        assert!(kept[0].global_tracking);
        assert!(msgs.is_empty());
    }
}
