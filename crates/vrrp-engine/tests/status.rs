//! `--status` data from the engine: the time and cause of each instance's last transition
//! and the reasons it is in FAULT, on the seed scenario (simulated LAN, virtual clock).

mod sim;

use std::time::Duration;

use sim::*;
use vrrp_engine::{
    EngineConfig, FaultReason, Input, InstanceId, State, SyncGroupConfig, TrackInterface,
    TransitionCause,
};

const ID: InstanceId = InstanceId(0);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn cause(e: &vrrp_engine::Engine) -> TransitionCause {
    e.last_transition(ID).expect("a transition").cause.clone()
}

#[test]
fn seed_failover_records_time_and_cause() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 3);
    s.start_all();
    let t = s.nodes[1].engine.last_transition(ID).cloned().unwrap();
    assert_eq!(
        (t.from, t.to, t.at),
        (State::Init, State::Backup, secs(0.0))
    );
    assert_eq!(t.cause, TransitionCause::Startup);
    s.run_until(secs(3.0));
    let t = s.nodes[0].engine.last_transition(ID).cloned().unwrap();
    assert_eq!((t.to, t.at), (State::Master, secs(1.0)));
    assert_eq!(t.cause, TransitionCause::StartAsMaster);
    // A stops cleanly: B hears priority 0 and takes over after its skew time.
    s.shutdown(0);
    let stopped_at = s.now;
    assert_eq!(cause(&s.nodes[0].engine), TransitionCause::Stopped);
    s.run_for(secs(2.0));
    let t = s.nodes[1].engine.last_transition(ID).cloned().unwrap();
    assert_eq!(t.to, State::Master);
    assert_eq!(
        t.cause,
        TransitionCause::MasterStepDown {
            master: "192.168.1.198".parse().unwrap()
        }
    );
    assert!(t.at > stopped_at && t.at < stopped_at + secs(1.0), "{t:?}");
    // A comes back with the higher priority: B hears it and goes back to BACKUP.
    s.restart(0);
    s.run_for(secs(3.0));
    assert_eq!(
        cause(&s.nodes[1].engine),
        TransitionCause::HigherPriority {
            master: "192.168.1.198".parse().unwrap(),
            priority: 100
        }
    );
}

#[test]
fn silent_master_is_master_down_and_lower_priority_is_preempted() {
    let mut b = backup_b();
    run_timers(&mut b, secs(10.0));
    assert_eq!(b.state(ID), State::Master);
    assert_eq!(cause(&b), TransitionCause::MasterDown);
    assert_eq!(b.last_transition(ID).unwrap().at, secs(3.648437));
    // A priority-0 advert heard, then the master advertises again: the step-down caused
    // nothing, a later master-down is a plain master-down.
    let mut b = backup_b();
    feed(&mut b, &advert("192.168.1.198", 0), secs(0.1));
    feed(&mut b, &advert("192.168.1.198", 100), secs(0.2));
    run_timers(&mut b, secs(10.0));
    assert_eq!(cause(&b), TransitionCause::MasterDown);
    // A lower-priority master heard by B (90): 1.3.5 elects at once.
    let mut b = backup_b();
    feed(&mut b, &advert("192.168.1.197", 50), secs(0.5));
    assert_eq!(b.state(ID), State::Master);
    assert_eq!(
        cause(&b),
        TransitionCause::Preempted {
            master: "192.168.1.197".parse().unwrap(),
            priority: 50
        }
    );
}

#[test]
fn fault_names_the_interface_and_clears() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 5);
    s.start_all();
    s.run_until(secs(3.0));
    s.set_link(0, false);
    assert_eq!(s.state(0), State::Fault);
    let down = vec![FaultReason::InterfaceDown {
        interface: IFACE.to_string(),
    }];
    assert_eq!(s.nodes[0].engine.fault_reasons(ID), down);
    let t = s.nodes[0].engine.last_transition(ID).cloned().unwrap();
    assert_eq!(
        (t.from, t.to, t.at),
        (State::Master, State::Fault, secs(3.0))
    );
    assert_eq!(t.cause, TransitionCause::Fault(down));
    assert_eq!(
        t.cause.to_string(),
        format!("fault: interface {IFACE} down")
    );
    s.set_link(0, true);
    assert!(s.nodes[0].engine.fault_reasons(ID).is_empty());
    assert_eq!(cause(&s.nodes[0].engine), TransitionCause::FaultCleared);
}

#[test]
fn sync_group_member_fault_and_move_are_explained() {
    let (_, b) = seed_pair();
    let mut second = b.instances[0].clone();
    second.name = "VI_2".into();
    second.vrid = 52;
    // Longer master-down than VI_1's: VI_1 times out first and the group moves VI_2.
    second.priority = 20;
    second.track_interfaces = vec![TrackInterface {
        name: "uplink".into(),
        weight: 0,
    }];
    let mut cfg: EngineConfig = b.clone();
    cfg.instances.push(second);
    cfg.sync_groups = vec![SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_1".into(), "VI_2".into()],
        global_tracking: false,
    }];
    let mut e = vrrp_engine::Engine::new(cfg);
    e.handle(
        Input::Link {
            interface: "uplink",
            up: false,
        },
        Duration::ZERO,
    );
    e.handle(Input::Start, Duration::ZERO);
    assert_eq!(e.state(ID), State::Fault);
    let group = vec![FaultReason::SyncGroupMember {
        group: "G".into(),
        member: "VI_2".into(),
    }];
    assert_eq!(e.fault_reasons(ID), group);
    assert_eq!(cause(&e), TransitionCause::Fault(group));
    assert_eq!(
        e.fault_reasons(InstanceId(1)),
        vec![FaultReason::TrackedInterfaceDown {
            interface: "uplink".into()
        }]
    );
    // Both up, VI_1 goes MASTER on master-down: VI_2 follows because of the group.
    e.handle(
        Input::Link {
            interface: "uplink",
            up: true,
        },
        secs(1.0),
    );
    run_timers(&mut e, secs(20.0));
    assert_eq!(e.state(InstanceId(1)), State::Master);
    assert_eq!(cause(&e), TransitionCause::MasterDown);
    assert_eq!(
        e.last_transition(InstanceId(1)).unwrap().cause,
        TransitionCause::SyncGroup { group: "G".into() }
    );
}
