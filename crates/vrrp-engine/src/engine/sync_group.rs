//! `vrrp_sync_group`: members move together (keepalived 1.3.5 vrrp_sync.c behaviour).

use std::time::Duration;

use crate::log::LogLine;

use super::instance::Phase;
use super::{Action, Engine, NotifyState, NotifyTarget, Output, State};

fn group_log(out: &mut Vec<Output>, text: String) {
    out.push(Output {
        instance: None,
        action: Action::Log(LogLine::info(text)),
    });
}

/// After an input: propagate member transitions to the rest of each group and run the
/// group's notify when all members reached a new common state. `before` holds the
/// phases before the input (ignored if the instance set changed).
pub(super) fn sync(engine: &mut Engine, before: &[Phase], now: Duration, out: &mut Vec<Output>) {
    if before.len() != engine.instances.len() {
        return;
    }
    for (g, group) in engine.config.sync_groups.iter().enumerate() {
        let members: Vec<usize> = (0..engine.instances.len())
            .filter(|&i| engine.instances[i].group == Some(g))
            .collect();
        if members.len() < 2 {
            continue;
        }
        let now_phase = |e: &Engine, i: usize| e.instances[i].phase;
        let went_master = members
            .iter()
            .any(|&i| before[i] != Phase::Master && now_phase(engine, i) == Phase::Master);
        let went_backup = members
            .iter()
            .any(|&i| before[i] == Phase::Master && now_phase(engine, i) == Phase::Backup);
        if went_master {
            let laggards: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&i| matches!(engine.instances[i].phase, Phase::Backup | Phase::GotoMaster))
                .collect();
            if !laggards.is_empty() {
                group_log(
                    out,
                    format!(
                        "VRRP_Group({}) Syncing instances to MASTER state",
                        group.name
                    ),
                );
                for i in laggards {
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
                group_log(
                    out,
                    format!(
                        "VRRP_Group({}) Syncing instances to BACKUP state",
                        group.name
                    ),
                );
                for i in masters {
                    engine.instances[i].master_to_backup(now, out);
                }
            }
        }
        // Group notify once all members share a state they did not all share before.
        let common = |f: &dyn Fn(usize) -> State| {
            let s = f(members[0]);
            members.iter().all(|&i| f(i) == s).then_some(s)
        };
        let old = common(&|i| before[i].public());
        let new = common(&|i| engine.instances[i].phase.public());
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
                        group_log(
                            out,
                            format!(
                                "VRRP_Group({}) Syncing instances to FAULT state",
                                group.name
                            ),
                        );
                    }
                    let priority = members
                        .iter()
                        .map(|&i| engine.instances[i].priority)
                        .max()
                        .unwrap_or(0);
                    out.push(Output {
                        instance: None,
                        action: Action::Notify {
                            target: NotifyTarget::Group(group.name.clone()),
                            state,
                            priority,
                        },
                    });
                }
            }
        }
    }
}
