//! Notify scripts (`notify_*`) of instances and sync groups, and the command lines they run.
//!
//! The conversion records every script as root; [`crate::script_security`] then sets who runs
//! each one and removes those keepalived 1.3.5 would disable.

use std::collections::HashMap;

use keepalived_conf as conf;
use vrrp_engine::{NotifyState, NotifyTarget};

use crate::scripts::{NotifyCommand, RunAs};

/// One notify script: its command as configured (a bare name resolved by path search) and
/// who runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyScript {
    /// `notify_*`: a command line; `notify`: the path of the script (1.3.5 quotes it).
    pub command: String,
    /// Who runs it.
    pub run_as: RunAs,
}

/// The `notify*` keywords, in the order keepalived 1.3.5 checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    /// `notify_backup`.
    Backup,
    /// `notify_master`.
    Master,
    /// `notify_fault`.
    Fault,
    /// `notify_stop` (instances only).
    Stop,
    /// `notify`: the whole string is the script's path (it may contain spaces).
    Generic,
}

impl NotifyKind {
    /// Every kind, in keepalived 1.3.5's checking order.
    pub const ALL: [NotifyKind; 5] = [
        NotifyKind::Backup,
        NotifyKind::Master,
        NotifyKind::Fault,
        NotifyKind::Stop,
        NotifyKind::Generic,
    ];
}

/// Notify scripts of one instance or group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Notifiers {
    /// `notify_master`.
    master: Option<NotifyScript>,
    /// `notify_backup`.
    backup: Option<NotifyScript>,
    /// `notify_fault`.
    fault: Option<NotifyScript>,
    /// `notify_stop`.
    stop: Option<NotifyScript>,
    /// `notify` (generic).
    generic: Option<NotifyScript>,
}

impl Notifiers {
    fn slot(&mut self, kind: NotifyKind) -> &mut Option<NotifyScript> {
        match kind {
            NotifyKind::Backup => &mut self.backup,
            NotifyKind::Master => &mut self.master,
            NotifyKind::Fault => &mut self.fault,
            NotifyKind::Stop => &mut self.stop,
            NotifyKind::Generic => &mut self.generic,
        }
    }
}

/// Notify scripts by instance / group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyTable {
    /// Keyed by (is_group, name): the engine's NotifyTarget is not hashable.
    map: HashMap<(bool, String), Notifiers>,
}

/// Map key of a target.
fn key(t: &NotifyTarget) -> (bool, String) {
    match t {
        NotifyTarget::Instance(n) => (false, n.clone()),
        NotifyTarget::Group(n) => (true, n.clone()),
    }
}

impl NotifyTable {
    /// Records the notify scripts of a converted instance.
    pub(super) fn add_instance(&mut self, inst: &conf::VrrpInstance) {
        self.add(
            (false, inst.name.clone()),
            Notifiers {
                master: notify_line(&inst.notify_master),
                backup: notify_line(&inst.notify_backup),
                fault: notify_line(&inst.notify_fault),
                stop: notify_line(&inst.notify_stop),
                generic: notify_line(&inst.notify),
            },
        );
    }

    /// Only targets with a script are kept: an unknown target runs nothing, and 1,000
    /// instances without scripts cost no table (~400 kB).
    fn add(&mut self, key: (bool, String), n: Notifiers) {
        let Notifiers {
            master,
            backup,
            fault,
            stop,
            generic,
        } = &n;
        if [master, backup, fault, stop, generic]
            .iter()
            .any(|s| s.is_some())
        {
            self.map.insert(key, n);
        }
    }

    /// Records the notify scripts of a kept sync group (groups have no `notify_stop`).
    pub(super) fn add_group(&mut self, sg: &conf::SyncGroup) {
        self.add(
            (true, sg.name.clone()),
            Notifiers {
                master: notify_line(&sg.notify_master),
                backup: notify_line(&sg.notify_backup),
                fault: notify_line(&sg.notify_fault),
                stop: None,
                generic: notify_line(&sg.notify),
            },
        );
    }

    /// The script of `kind` for `target`, to inspect or change (`None` slot: not configured;
    /// `None` result: `target` is not known).
    pub fn slot_mut(
        &mut self,
        target: &NotifyTarget,
        kind: NotifyKind,
    ) -> Option<&mut Option<NotifyScript>> {
        self.map.get_mut(&key(target)).map(|n| n.slot(kind))
    }

    /// The commands to run, in order, when `target` enters `state`: the specific `notify_*`
    /// script, then the generic `notify` as
    /// `"<script>" INSTANCE|GROUP "<name>" MASTER|BACKUP|FAULT <priority>` (not for stop).
    pub fn commands(
        &self,
        target: &NotifyTarget,
        state: NotifyState,
        priority: u8,
    ) -> Vec<NotifyCommand> {
        let Some(n) = self.map.get(&key(target)) else {
            return Vec::new();
        };
        let specific = match state {
            NotifyState::Master => &n.master,
            NotifyState::Backup => &n.backup,
            NotifyState::Fault => &n.fault,
            NotifyState::Stop => &n.stop,
        };
        let mut out: Vec<NotifyCommand> = specific.iter().map(specific_command).collect();
        let word = match state {
            NotifyState::Master => Some("MASTER"),
            NotifyState::Backup => Some("BACKUP"),
            NotifyState::Fault => Some("FAULT"),
            NotifyState::Stop => None,
        };
        if let (Some(g), Some(word)) = (&n.generic, word) {
            let (kind, name) = match target {
                NotifyTarget::Instance(n) => ("INSTANCE", n),
                NotifyTarget::Group(n) => ("GROUP", n),
            };
            out.push(NotifyCommand {
                line: format!("\"{}\" {kind} \"{name}\" {word} {priority}", g.command),
                run_as: g.run_as,
                check: g.command.clone(),
            });
        }
        out
    }

    /// `notify_stop` scripts of every instance (for a shutdown the engine did not report).
    pub fn stop_commands(&self) -> Vec<NotifyCommand> {
        let mut v: Vec<(&String, &NotifyScript)> = self
            .map
            .iter()
            .filter(|((group, _), _)| !group)
            .filter_map(|((_, name), n)| n.stop.as_ref().map(|s| (name, s)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(_, s)| specific_command(s)).collect()
    }
}

/// A `notify_*` script's command: run as written; its first word must be readable.
fn specific_command(s: &NotifyScript) -> NotifyCommand {
    NotifyCommand {
        line: s.command.clone(),
        run_as: s.run_as,
        check: s
            .command
            .split(char::is_whitespace)
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The command of a `notify*` setting (run as root until resolved); a blank one counts as
/// not set.
fn notify_line(n: &Option<conf::Notify>) -> Option<NotifyScript> {
    n.as_ref()
        .map(|n| n.script.clone())
        .filter(|s| !s.trim().is_empty())
        .map(|command| NotifyScript {
            command,
            run_as: RunAs::default(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notify(script: &str) -> Option<conf::Notify> {
        Some(conf::Notify {
            script: script.into(),
            ..Default::default()
        })
    }

    fn all_states() -> [NotifyState; 4] {
        [
            NotifyState::Master,
            NotifyState::Backup,
            NotifyState::Fault,
            NotifyState::Stop,
        ]
    }

    #[test]
    fn instance_specific_script_then_generic_line() {
        let mut t = NotifyTable::default();
        t.add_instance(&conf::VrrpInstance {
            name: "VI_1".into(),
            notify_backup: notify("/b.sh arg"),
            notify_fault: notify("  "),
            notify: notify("/n.sh"),
            ..Default::default()
        });
        let vi = NotifyTarget::Instance("VI_1".into());
        assert_eq!(
            t.commands(&vi, NotifyState::Backup, 90),
            ["/b.sh arg", "\"/n.sh\" INSTANCE \"VI_1\" BACKUP 90"]
        );
        // A blank script is no script.
        assert_eq!(
            t.commands(&vi, NotifyState::Fault, 90),
            ["\"/n.sh\" INSTANCE \"VI_1\" FAULT 90"]
        );
        // The generic script is not run on stop.
        assert!(t.commands(&vi, NotifyState::Stop, 90).is_empty());
    }

    #[test]
    fn groups_and_instances_are_separate_targets() {
        let mut t = NotifyTable::default();
        t.add_group(&conf::SyncGroup {
            name: "G".into(),
            notify_master: notify("/gm.sh"),
            notify: notify("/g.sh"),
            ..Default::default()
        });
        let g = NotifyTarget::Group("G".into());
        assert_eq!(
            t.commands(&g, NotifyState::Master, 0),
            ["/gm.sh", "\"/g.sh\" GROUP \"G\" MASTER 0"]
        );
        for state in all_states() {
            assert!(t
                .commands(&NotifyTarget::Instance("G".into()), state, 0)
                .is_empty());
            assert!(t
                .commands(&NotifyTarget::Group("other".into()), state, 0)
                .is_empty());
        }
    }

    #[test]
    fn stop_commands_are_the_instances_in_name_order() {
        let mut t = NotifyTable::default();
        for (name, stop) in [("VI_2", "/s2.sh"), ("VI_1", "/s1.sh"), ("VI_3", "")] {
            t.add_instance(&conf::VrrpInstance {
                name: name.into(),
                notify_stop: notify(stop),
                ..Default::default()
            });
        }
        t.add_group(&conf::SyncGroup {
            name: "G".into(),
            notify: notify("/g.sh"),
            ..Default::default()
        });
        assert_eq!(t.stop_commands(), ["/s1.sh", "/s2.sh"]);
    }
}
