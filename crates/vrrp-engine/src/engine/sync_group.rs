//! `vrrp_sync_group`: members move together (keepalived 1.3.5 vrrp_sync.c behaviour).

use std::time::Duration;

use crate::event::{Event, GroupTarget};

use super::instance::Phase;
use super::status::TransitionCause;
use super::{Action, Engine, NotifyState, NotifyTarget, Output, State};

fn group_log(out: &mut Vec<Output>, group: &str, to: GroupTarget) {
    out.push(Output {
        instance: None,
        action: Action::Log(Event::GroupSyncing {
            group: group.to_string(),
            to,
        }),
    });
}

/// After an input: propagate member transitions to the rest of each group and run the
/// group's notify when all members reached a new common state. Only the groups of the
/// instances the input touched are looked at (the others cannot have changed); an
/// instance's phase before the input is in the engine's change set.
pub(super) fn sync(engine: &mut Engine, now: Duration, out: &mut Vec<Output>) {
    let mut groups = std::mem::take(&mut engine.changes.groups);
    groups.clear();
    groups.extend(
        engine
            .changes
            .list
            .iter()
            .filter_map(|&i| engine.instances.get(i).and_then(|inst| inst.group)),
    );
    if groups.is_empty() {
        engine.changes.groups = groups;
        return;
    }
    // Group order, as a scan of all groups would run them.
    groups.sort_unstable();
    groups.dedup();
    for &g in &groups {
        sync_one(engine, g, now, out);
    }
    groups.clear();
    engine.changes.groups = groups;
}

fn sync_one(engine: &mut Engine, g: usize, now: Duration, out: &mut Vec<Output>) {
    let Some(members) = engine.group_members.get(g).cloned() else {
        return;
    };
    if members.len() < 2 {
        return;
    }
    let name = engine.sync_groups[g].name.clone();
    let before = |e: &Engine, i: usize| e.changes.before(i, e.instances[i].phase);
    let went_master = members
        .iter()
        .any(|&i| before(engine, i) != Phase::Master && engine.instances[i].phase == Phase::Master);
    let went_backup = members
        .iter()
        .any(|&i| before(engine, i) == Phase::Master && engine.instances[i].phase == Phase::Backup);
    // Phases before the input, taken now: members moved below are marked first, so their
    // "before" stays the pre-input phase.
    let old = {
        let s = before(engine, members[0]).public();
        members
            .iter()
            .all(|&i| before(engine, i).public() == s)
            .then_some(s)
    };
    if went_master {
        let laggards: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| matches!(engine.instances[i].phase, Phase::Backup | Phase::GotoMaster))
            .collect();
        if !laggards.is_empty() {
            group_log(out, &name, GroupTarget::Master);
            for i in laggards {
                engine.changes.mark(i, engine.instances[i].phase);
                let group = name.clone();
                engine.instances[i]
                    .status
                    .hint(TransitionCause::SyncGroup { group });
                engine.instances[i].goto_master(now, out, false);
            }
        }
    } else if went_backup {
        let masters: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| engine.instances[i].phase == Phase::Master)
            .collect();
        if !masters.is_empty() {
            group_log(out, &name, GroupTarget::Backup);
            for i in masters {
                engine.changes.mark(i, engine.instances[i].phase);
                let group = name.clone();
                engine.instances[i]
                    .status
                    .hint(TransitionCause::SyncGroup { group });
                engine.instances[i].master_to_backup(now, out);
            }
        }
    }
    // Group notify once all members share a state they did not all share before.
    let new = {
        let s = engine.instances[members[0]].phase.public();
        members
            .iter()
            .all(|&i| engine.instances[i].phase.public() == s)
            .then_some(s)
    };
    if let Some(s) = new {
        if old != Some(s) {
            let state = match s {
                State::Master => Some(NotifyState::Master),
                State::Backup => Some(NotifyState::Backup),
                State::Fault => Some(NotifyState::Fault),
                State::Init => None,
            };
            if let Some(state) = state {
                if state == NotifyState::Fault {
                    group_log(out, &name, GroupTarget::Fault);
                }
                let priority = members
                    .iter()
                    .map(|&i| engine.instances[i].priority)
                    .max()
                    .unwrap_or(0);
                out.push(Output {
                    instance: None,
                    action: Action::Notify {
                        target: NotifyTarget::Group(name),
                        state,
                        priority,
                    },
                });
            }
        }
    }
}
