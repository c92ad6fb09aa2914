//! What `keepalived --status` reports beyond the state itself: when and why each instance last
//! changed state, and why an instance is in FAULT.
//!
//! The instance state machine leaves a *cause hint* just before a transition whose reason only
//! it knows (the advert it heard, the sync group that moved it); [`StatusTrack::record`] turns
//! the hint (or the obvious cause of the edge) into a [`Transition`], and the engine stamps it
//! with the input's time. Hints are plain values: setting one on every advert allocates
//! nothing, so a warmed-up engine still does not allocate per packet.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use super::track::ScriptState;
use super::State;
use crate::config::InstanceConfig;

/// Why an instance is (or would be) in FAULT: one tracked object that is down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultReason {
    /// The instance's own interface is down, gone, or its VRRP socket failed.
    InterfaceDown {
        /// Interface name.
        interface: String,
    },
    /// A `track_interface` (weight 0, or in a sync group without `global_tracking`) is down.
    TrackedInterfaceDown {
        /// Interface name.
        interface: String,
    },
    /// A `track_script` (weight 0, or in a sync group without `global_tracking`) failed.
    ScriptFailed {
        /// `vrrp_script` name.
        script: String,
    },
    /// Another member of its `vrrp_sync_group` is in FAULT (its own reasons are listed on it).
    SyncGroupMember {
        /// Group name.
        group: String,
        /// The member whose tracked objects are down.
        member: String,
    },
}

impl FaultReason {
    /// Short machine-readable kind (the JSON `kind` field).
    pub fn kind(&self) -> &'static str {
        match self {
            FaultReason::InterfaceDown { .. } => "interface_down",
            FaultReason::TrackedInterfaceDown { .. } => "tracked_interface_down",
            FaultReason::ScriptFailed { .. } => "script_failed",
            FaultReason::SyncGroupMember { .. } => "sync_group_member",
        }
    }
}

impl fmt::Display for FaultReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultReason::InterfaceDown { interface } => write!(f, "interface {interface} down"),
            FaultReason::TrackedInterfaceDown { interface } => {
                write!(f, "tracked interface {interface} down")
            }
            FaultReason::ScriptFailed { script } => write!(f, "script {script} failed"),
            FaultReason::SyncGroupMember { group, member } => {
                write!(f, "sync group {group}: member {member} in fault")
            }
        }
    }
}

/// Why an instance last changed state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionCause {
    /// The daemon started (initial BACKUP, or FAULT when a tracked object was down).
    Startup,
    /// `state MASTER` or address owner: MASTER one advert interval after start.
    StartAsMaster,
    /// A BACKUP heard no advert for the master-down interval.
    MasterDown,
    /// The master advertised priority 0 (it stopped or released): master-down after skew time.
    MasterStepDown {
        /// The master that stepped down.
        master: IpAddr,
    },
    /// A BACKUP heard a master of lower priority and took over (preemption).
    Preempted {
        /// The lower-priority master.
        master: IpAddr,
        /// Its advertised priority.
        priority: u8,
    },
    /// A MASTER heard a higher priority (or the same priority from a higher address).
    HigherPriority {
        /// The new master.
        master: IpAddr,
        /// Its advertised priority.
        priority: u8,
    },
    /// Moved along with the other members of its sync group.
    SyncGroup {
        /// Group name.
        group: String,
    },
    /// A tracked object went down (the reasons at that moment).
    Fault(Vec<FaultReason>),
    /// Every tracked object is up again.
    FaultCleared,
    /// The daemon stopped or a reload removed the instance.
    Stopped,
}

impl TransitionCause {
    /// Short machine-readable kind (the JSON `cause` field).
    pub fn kind(&self) -> &'static str {
        match self {
            TransitionCause::Startup => "startup",
            TransitionCause::StartAsMaster => "start_as_master",
            TransitionCause::MasterDown => "master_down",
            TransitionCause::MasterStepDown { .. } => "master_priority_0",
            TransitionCause::Preempted { .. } => "preempted_lower_priority",
            TransitionCause::HigherPriority { .. } => "higher_priority_master",
            TransitionCause::SyncGroup { .. } => "sync_group",
            TransitionCause::Fault(_) => "fault",
            TransitionCause::FaultCleared => "fault_cleared",
            TransitionCause::Stopped => "stopped",
        }
    }
}

impl fmt::Display for TransitionCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionCause::Startup => f.write_str("start-up"),
            TransitionCause::StartAsMaster => f.write_str("start-up as MASTER"),
            TransitionCause::MasterDown => f.write_str("no advert from the master (master down)"),
            TransitionCause::MasterStepDown { master } => {
                write!(f, "master {master} sent priority 0")
            }
            TransitionCause::Preempted { master, priority } => {
                write!(f, "preempted lower-priority master {master} ({priority})")
            }
            TransitionCause::HigherPriority { master, priority } => {
                write!(f, "higher-priority master {master} ({priority})")
            }
            TransitionCause::SyncGroup { group } => write!(f, "sync group {group}"),
            TransitionCause::Fault(reasons) => {
                f.write_str("fault: ")?;
                for (i, r) in reasons.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{r}")?;
                }
                Ok(())
            }
            TransitionCause::FaultCleared => f.write_str("fault cleared"),
            TransitionCause::Stopped => f.write_str("stopped"),
        }
    }
}

/// One state change of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Engine time of the input that caused it (the daemon's clock since its start).
    pub at: Duration,
    /// State before.
    pub from: State,
    /// State after.
    pub to: State,
    /// Why.
    pub cause: TransitionCause,
}

/// Per-instance status bookkeeping (a field of the instance; kept across reloads).
#[derive(Debug, Clone, Default)]
pub(crate) struct StatusTrack {
    /// The last transition (its `at` is set by [`StatusTrack::stamp`]).
    pub last: Option<Transition>,
    /// Cause of the transition about to happen, left by the code that knows it.
    pending: Option<TransitionCause>,
}

impl StatusTrack {
    /// Leaves the cause of the transition that follows (replacing an unused older hint).
    pub fn hint(&mut self, cause: TransitionCause) {
        self.pending = Some(cause);
    }

    /// Forgets an unused hint (the situation that would have caused it went away).
    pub fn clear_hint(&mut self) {
        self.pending = None;
    }

    /// Records a state change: the hint if one was left, else the only cause of this edge.
    pub fn record(&mut self, from: State, to: State) {
        let cause = self.pending.take().unwrap_or(match (from, to) {
            (_, State::Init) => TransitionCause::Stopped,
            (State::Fault, _) => TransitionCause::FaultCleared,
            (_, State::Fault) => TransitionCause::Fault(Vec::new()),
            (State::Init, State::Master) => TransitionCause::StartAsMaster,
            (State::Init, _) => TransitionCause::Startup,
            (State::Backup, State::Master) => TransitionCause::MasterDown,
            // MASTER → BACKUP is always hinted (the advert heard, or the sync group).
            _ => TransitionCause::MasterDown,
        });
        self.last = Some(Transition {
            at: Duration::ZERO,
            from,
            to,
            cause,
        });
    }

    /// Sets the time of the transition just recorded.
    pub fn stamp(&mut self, now: Duration) {
        if let Some(t) = &mut self.last {
            t.at = now;
        }
    }
}

/// The tracked objects of `cfg` that are down, in configuration order (own interface, tracked
/// interfaces, scripts). Only objects that fault the instance count: weighted ones change its
/// priority instead, unless `ignore_weights` (sync group without `global_tracking`).
pub(crate) fn fault_reasons(
    cfg: &InstanceConfig,
    links: &HashMap<String, bool>,
    scripts: &HashMap<String, ScriptState>,
    ignore_weights: bool,
) -> Vec<FaultReason> {
    let link = |name: &str| links.get(name).copied().unwrap_or(true);
    let mut reasons = Vec::new();
    let primary_down = !cfg.dont_track_primary && !link(&cfg.interface);
    if primary_down {
        reasons.push(FaultReason::InterfaceDown {
            interface: cfg.interface.clone(),
        });
    }
    for t in &cfg.track_interfaces {
        // The primary interface listed again is named once.
        let named = primary_down && t.name == cfg.interface;
        if (t.weight == 0 || ignore_weights) && !link(&t.name) && !named {
            reasons.push(FaultReason::TrackedInterfaceDown {
                interface: t.name.clone(),
            });
        }
    }
    for t in &cfg.track_scripts {
        let failed = scripts.get(&t.name).and_then(|s| s.ok()) == Some(false);
        if (t.weight == 0 || ignore_weights) && failed {
            reasons.push(FaultReason::ScriptFailed {
                script: t.name.clone(),
            });
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{
        Auth, Family, GarpConfig, InitialState, ScriptConfig, TrackInterface, TrackScript, Version,
    };

    fn cfg() -> InstanceConfig {
        let mut c = InstanceConfig {
            name: "VI_1".into(),
            interface: "eth0".into(),
            vrid: 51,
            version: Version::V2,
            family: Family::V4,
            initial_state: InitialState::Backup,
            priority: 100,
            advert_int: Duration::from_secs(1),
            auth: Auth::None,
            vips: vec![],
            excluded_vips: vec![],
            src_addr: "192.168.1.198".parse().unwrap(),
            src_from_interface: true,
            mcast_group: "224.0.0.18".parse().unwrap(),
            unicast_peers: vec![],
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: true,
            dont_track_primary: false,
            track_interfaces: vec![],
            track_scripts: vec![],
            garp: GarpConfig::default(),
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            skip_check_adv_addr: false,
            check_unicast_src: false,
        };
        c.track_interfaces = vec![
            TrackInterface {
                name: "eth1".into(),
                weight: 0,
            },
            TrackInterface {
                name: "eth2".into(),
                weight: -20,
            },
        ];
        c.track_scripts = vec![
            TrackScript {
                name: "chk".into(),
                weight: 0,
            },
            TrackScript {
                name: "weighted".into(),
                weight: 10,
            },
        ];
        c
    }

    fn script(name: &str, ok: bool) -> (String, ScriptState) {
        let mut s = ScriptState::new(ScriptConfig {
            name: name.into(),
            weight: 0,
            rise: 1,
            fall: 1,
            init_fail: false,
            disabled: false,
        });
        s.apply(ok);
        (name.to_string(), s)
    }

    #[test]
    fn every_down_object_that_faults_is_named_in_order() {
        let links: HashMap<String, bool> = [("eth0", false), ("eth1", false), ("eth2", false)]
            .into_iter()
            .map(|(n, u)| (n.to_string(), u))
            .collect();
        let scripts: HashMap<String, ScriptState> =
            [script("chk", false), script("weighted", false)].into();
        let r = fault_reasons(&cfg(), &links, &scripts, false);
        assert_eq!(
            r,
            vec![
                FaultReason::InterfaceDown {
                    interface: "eth0".into()
                },
                FaultReason::TrackedInterfaceDown {
                    interface: "eth1".into()
                },
                FaultReason::ScriptFailed {
                    script: "chk".into()
                },
            ]
        );
        assert_eq!(r[1].to_string(), "tracked interface eth1 down");
        assert_eq!(r[2].kind(), "script_failed");
        // In a sync group without global_tracking the weighted ones fault too.
        let r = fault_reasons(&cfg(), &links, &scripts, true);
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn nothing_down_means_no_reason_and_unknown_is_up() {
        let scripts: HashMap<String, ScriptState> = [script("chk", true)].into();
        assert!(fault_reasons(&cfg(), &HashMap::new(), &scripts, true).is_empty());
        let mut c = cfg();
        c.dont_track_primary = true;
        let links = [("eth0".to_string(), false)].into();
        assert!(fault_reasons(&c, &links, &HashMap::new(), false).is_empty());
    }

    /// FAULT always says why: for every combination of tracked-object states, there are
    /// reasons exactly when the tracking says the instance is down.
    #[test]
    fn reasons_exactly_when_tracking_says_down() {
        for bits in 0u32..(1 << 9) {
            let bit = |n: u32| bits & (1 << n) != 0;
            let mut c = cfg();
            c.dont_track_primary = bit(0);
            if bit(1) {
                // The primary interface tracked again, with weight 0.
                c.track_interfaces.push(TrackInterface {
                    name: "eth0".into(),
                    weight: 0,
                });
            }
            let links: HashMap<String, bool> =
                [("eth0", bit(2)), ("eth1", bit(3)), ("eth2", bit(4))]
                    .into_iter()
                    .map(|(n, u)| (n.to_string(), u))
                    .collect();
            let mut scripts: HashMap<String, ScriptState> = HashMap::new();
            if bit(5) {
                scripts.extend([script("chk", bit(6))]);
            }
            scripts.extend([script("weighted", bit(7))]);
            let ignore = bit(8);
            let up = super::super::track::evaluate(&c, 100, &links, &scripts, ignore).up;
            let reasons = fault_reasons(&c, &links, &scripts, ignore);
            assert_eq!(reasons.is_empty(), up, "bits {bits:09b}: {reasons:?}");
            let mut names: Vec<String> = reasons.iter().map(|r| r.to_string()).collect();
            names.dedup();
            assert_eq!(names.len(), reasons.len(), "named twice: {reasons:?}");
        }
    }

    #[test]
    fn hints_win_over_the_edge_default_and_are_used_once() {
        let mut s = StatusTrack::default();
        s.record(State::Init, State::Backup);
        assert_eq!(
            s.last.as_ref().map(|t| &t.cause),
            Some(&TransitionCause::Startup)
        );
        let master: IpAddr = "192.168.1.198".parse().unwrap();
        s.hint(TransitionCause::MasterStepDown { master });
        s.record(State::Backup, State::Master);
        s.stamp(Duration::from_secs(7));
        let t = s.last.clone().unwrap();
        assert_eq!(t.at, Duration::from_secs(7));
        assert_eq!(t.cause.to_string(), "master 192.168.1.198 sent priority 0");
        // The hint was consumed: the next BACKUP → MASTER is a plain master-down.
        s.record(State::Master, State::Backup);
        s.record(State::Backup, State::Master);
        assert_eq!(s.last.unwrap().cause, TransitionCause::MasterDown);
        let mut s = StatusTrack::default();
        s.hint(TransitionCause::MasterDown);
        s.clear_hint();
        s.record(State::Fault, State::Backup);
        assert_eq!(s.last.unwrap().cause, TransitionCause::FaultCleared);
    }
}
