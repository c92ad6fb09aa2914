//! What monitoring reads besides the counters (`Engine::observed`, `Engine::touched`,
//! `Engine::script_results`): time of the last state change, adverts of another MASTER heard
//! while MASTER, the instances an input touched.

mod sim;

use std::net::Ipv4Addr;
use std::time::Duration;

use sim::*;
use vrrp_engine::{Engine, EngineConfig, InitialState, Input, InstanceId, ScriptConfig, State};

const ID: InstanceId = InstanceId(0);

#[test]
fn last_change_is_the_engine_time_of_each_transition() {
    let (_, b) = seed_pair();
    let mut e = Engine::new(b);
    assert_eq!(e.observed(ID).last_change, None, "nothing before start");
    e.handle(Input::Start, Duration::from_millis(500));
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.observed(ID).last_change, Some(Duration::from_millis(500)));
    // An advert from the master changes nothing.
    feed(
        &mut e,
        &advert("192.168.1.198", 100),
        Duration::from_secs(1),
    );
    assert_eq!(e.observed(ID).last_change, Some(Duration::from_millis(500)));
    // Master-down: BACKUP -> MASTER at 1 s + 3.648 s.
    run_timers(&mut e, Duration::from_secs(10));
    assert_eq!(e.state(ID), State::Master);
    let md = Duration::from_secs(1) + Duration::from_micros(3_648_437);
    assert_eq!(e.observed(ID).last_change, Some(md));
    // A link down -> FAULT now.
    let t = Duration::from_secs(11);
    e.handle(
        Input::Link {
            interface: IFACE,
            up: false,
        },
        t,
    );
    assert_eq!(e.state(ID), State::Fault);
    assert_eq!(e.observed(ID).last_change, Some(t));
}

#[test]
fn other_master_heard_counts_adverts_of_another_master_while_master() {
    let mut e = master_a();
    let t = Duration::from_secs(3);
    // A lower-priority master (a split brain that we win): counted, we stay MASTER.
    feed(&mut e, &advert("192.168.1.199", 90), t);
    feed(&mut e, &advert("192.168.1.199", 90), t);
    assert_eq!(e.state(ID), State::Master);
    assert_eq!(e.observed(ID).other_master_heard, 2);
    // Priority 0 (a master leaving) and our own address are not another master.
    feed(&mut e, &advert("192.168.1.199", 0), t);
    feed(&mut e, &advert("192.168.1.198", 100), t);
    assert_eq!(e.observed(ID).other_master_heard, 2);
    // A higher one: counted, and we step down.
    feed(&mut e, &advert("192.168.1.199", 110), t);
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.observed(ID).other_master_heard, 3);
    // As BACKUP, hearing the master is normal.
    feed(&mut e, &advert("192.168.1.199", 110), t);
    assert_eq!(e.observed(ID).other_master_heard, 3);
    // keepalived's counter is untouched by this one of ours.
    assert_eq!(e.stats(ID).advert_rcvd, 6);
}

#[test]
fn a_backup_hearing_its_master_counts_nothing() {
    let mut e = backup_b();
    for s in 1..5 {
        feed(
            &mut e,
            &advert("192.168.1.198", 100),
            Duration::from_secs(s),
        );
    }
    assert_eq!(e.observed(ID).other_master_heard, 0);
}

fn two_instances() -> EngineConfig {
    let a = seed_instance(
        "VI_1",
        InitialState::Backup,
        90,
        Ipv4Addr::new(192, 168, 1, 199),
    );
    let mut b = a.clone();
    b.name = "VI_2".into();
    b.vrid = 52;
    EngineConfig {
        instances: vec![a, b],
        ..Default::default()
    }
}

#[test]
fn touched_names_only_the_instances_an_input_reached() {
    let mut e = Engine::new(two_instances());
    e.handle(Input::Start, Duration::ZERO);
    let all: Vec<InstanceId> = e.touched().collect();
    assert_eq!(all, vec![InstanceId(0), InstanceId(1)], "start touches all");
    // An advert for VRID 51 reaches VI_1 only.
    feed(
        &mut e,
        &advert("192.168.1.198", 100),
        Duration::from_secs(1),
    );
    assert_eq!(e.touched().collect::<Vec<_>>(), vec![InstanceId(0)]);
    // VRID 52.
    let to_52 = advert_with("192.168.1.198", 100, |r| r.vrid = 52);
    feed(&mut e, &to_52, Duration::from_secs(1));
    assert_eq!(e.touched().collect::<Vec<_>>(), vec![InstanceId(1)]);
    // A packet for no instance touches none.
    let to_99 = advert_with("192.168.1.198", 100, |r| r.vrid = 99);
    feed(&mut e, &to_99, Duration::from_secs(1));
    assert_eq!(e.touched().count(), 0);
}

#[test]
fn observations_survive_a_reload() {
    let mut e = master_a();
    feed(&mut e, &advert("192.168.1.199", 90), Duration::from_secs(3));
    let before = e.observed(ID);
    assert_eq!(before.other_master_heard, 1);
    let (a, _) = seed_pair();
    e.handle(Input::Reload(Box::new(a)), Duration::from_secs(4));
    assert_eq!(e.state(ID), State::Master);
    assert_eq!(e.observed(ID), before);
}

#[test]
fn script_results_follow_rise_and_fall() {
    let mut cfg = two_instances();
    cfg.scripts = vec![ScriptConfig {
        name: "chk".into(),
        weight: 0,
        rise: 1,
        fall: 1,
        init_fail: false,
        disabled: false,
    }];
    let mut e = Engine::new(cfg);
    e.handle(Input::Start, Duration::ZERO);
    let result = |e: &Engine| e.script_results().find(|(n, _)| *n == "chk").map(|r| r.1);
    assert_eq!(e.script_results().count(), 1);
    let undecided = result(&e);
    e.handle(
        Input::ScriptResult {
            script: "chk",
            success: false,
        },
        Duration::from_secs(1),
    );
    assert_eq!(result(&e), Some(Some(false)));
    e.handle(
        Input::ScriptResult {
            script: "chk",
            success: true,
        },
        Duration::from_secs(2),
    );
    assert_eq!(result(&e), Some(Some(true)));
    assert_ne!(undecided, Some(Some(false)), "not failed before any run");
}

/// SNMP's `vrrpTrapPacketSrc`: the source of the last packet that failed the checks (here a
/// wrong password); valid adverts leave it alone.
#[test]
fn last_reject_src_is_the_source_of_the_last_rejected_packet() {
    let mut e = backup_b();
    let t = Duration::from_secs(1);
    feed(&mut e, &advert("192.168.1.198", 100), t);
    assert_eq!(e.observed(ID).last_reject_src, None);
    let wrong = advert_with("192.168.1.77", 100, |r| r.auth_data = *b"2222\0\0\0\0");
    feed(&mut e, &wrong, t);
    assert_eq!(e.stats(ID).auth_failure, 1);
    assert_eq!(
        e.observed(ID).last_reject_src,
        Some(Ipv4Addr::new(192, 168, 1, 77).into())
    );
    feed(&mut e, &advert("192.168.1.198", 100), t);
    assert_eq!(
        e.observed(ID).last_reject_src,
        Some(Ipv4Addr::new(192, 168, 1, 77).into())
    );
}
