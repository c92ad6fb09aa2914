//! `vrrp_sync_group` → [`SyncGroupConfig`]: members must be converted instances and belong to
//! one group only; a group left with fewer than two members is removed (keepalived 1.3.5).

use std::collections::HashSet;

use keepalived_conf as conf;
use vrrp_engine::{InstanceConfig, LogLine, SyncGroupConfig};

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
