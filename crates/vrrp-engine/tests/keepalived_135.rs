//! keepalived 1.3.5 behaviours that go beyond (or against) the RFC text.

mod sim;

use std::time::Duration;

use proptest::prelude::*;
use sim::*;
use vrrp_engine::{
    Action, Engine, EngineConfig, InitialState, Input, InstanceId, NotifyState, NotifyTarget,
    ScriptConfig, State, SyncGroupConfig, TrackInterface, TrackScript,
};

const ID: InstanceId = InstanceId(0);
const MD_B: Duration = Duration::from_micros(3_648_437);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn start(cfg: EngineConfig) -> Engine {
    let mut e = Engine::new(cfg);
    e.handle(Input::Start, Duration::ZERO);
    e
}

#[test]
fn backup_rearms_master_down_on_bogus_packet() {
    let mut e = backup_b();
    let outs = feed(
        &mut e,
        &advert_with("192.168.1.198", 100, |r| r.auth_data = [9; 8]),
        ms(3000),
    );
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) ignoring received advertisment...".into()));
    assert_eq!(e.next_deadline(), Some(ms(3000) + MD_B));
    assert_eq!(e.state(ID), State::Backup);
}

#[test]
fn backup_processes_interval_mismatch_drop_as_valid() {
    let mut e = backup_b();
    let p = advert_with("192.168.1.198", 100, |r| {
        r.advert_int = Duration::from_secs(2)
    });
    let outs = feed(&mut e, &p, ms(2000));
    assert_eq!(
        texts(&outs),
        vec![
            "(VI_1): advertisement interval mismatch mine=1 sec rcved=2 sec",
            "Sync instance needed on enp11s0f0 !!!"
        ]
    );
    assert_eq!(e.next_deadline(), Some(ms(2000) + MD_B));
    assert_eq!(e.stats(ID).advert_interval_err, 1);
    // A lower-priority DROP even forces the election.
    let p = advert_with("192.168.1.198", 50, |r| {
        r.advert_int = Duration::from_secs(2)
    });
    let outs = feed(&mut e, &p, ms(2500));
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) forcing a new MASTER election".into()));
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn master_drops_bad_packets_even_with_higher_priority() {
    let mut e = master_a();
    let p = advert_with("192.168.1.199", 200, |r| {
        r.advert_int = Duration::from_secs(2)
    });
    let outs = feed(&mut e, &p, ms(2500));
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) Dropping received VRRP packet...".into()));
    assert_eq!(e.state(ID), State::Master);
    let p = advert_with("192.168.1.199", 200, |r| r.auth_data = [1; 8]);
    feed(&mut e, &p, ms(2600));
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn track_weights_clamp_and_weight_zero_faults() {
    let (_, mut b) = seed_pair();
    b.instances[0].track_interfaces = vec![
        TrackInterface {
            name: "up1".into(),
            weight: 200,
        },
        TrackInterface {
            name: "dn1".into(),
            weight: -150,
        },
        TrackInterface {
            name: "crit".into(),
            weight: 0,
        },
    ];
    let mut e = Engine::new(b);
    e.handle(
        Input::Link {
            interface: "dn1",
            up: false,
        },
        Duration::ZERO,
    );
    e.handle(Input::Start, Duration::ZERO);
    // 90 + 200 − 150 = 140.
    assert_eq!(e.effective_priority(ID), 140);
    let outs = e.handle(
        Input::Link {
            interface: "dn1",
            up: true,
        },
        ms(10),
    );
    assert_eq!(e.effective_priority(ID), 254, "clamped to 254");
    assert!(texts(&outs)
        .contains(&"VRRP_Instance(VI_1) Changing effective priority from 140 to 254".into()));
    e.handle(
        Input::Link {
            interface: "up1",
            up: false,
        },
        ms(20),
    );
    e.handle(
        Input::Link {
            interface: "dn1",
            up: false,
        },
        ms(30),
    );
    assert_eq!(e.effective_priority(ID), 1, "clamped to 1");
    let outs = e.handle(
        Input::Link {
            interface: "crit",
            up: false,
        },
        ms(40),
    );
    assert_eq!(e.state(ID), State::Fault);
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) Now in FAULT state".into()));
    assert!(outs.iter().any(|o| matches!(
        o.action,
        Action::Notify {
            state: NotifyState::Fault,
            ..
        }
    )));
    let outs = e.handle(
        Input::Link {
            interface: "crit",
            up: true,
        },
        ms(50),
    );
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1): Entering BACKUP STATE".into()));
    assert_eq!(e.state(ID), State::Backup);
}

#[test]
fn owner_priority_never_changes() {
    let mut c = seed_instance(
        "VI_1",
        InitialState::Master,
        255,
        "10.0.0.1".parse().unwrap(),
    );
    c.track_interfaces = vec![TrackInterface {
        name: "x".into(),
        weight: -50,
    }];
    let mut e = start(single(c));
    e.handle(
        Input::Link {
            interface: "x",
            up: false,
        },
        ms(10),
    );
    assert_eq!(e.effective_priority(ID), 255);
}

#[test]
fn scripts_rise_fall_and_weights() {
    let (_, mut b) = seed_pair();
    b.scripts = vec![ScriptConfig {
        name: "chk".into(),
        weight: -20,
        rise: 2,
        fall: 2,
        init_fail: false,
        disabled: false,
    }];
    b.instances[0].track_scripts = vec![TrackScript {
        name: "chk".into(),
        weight: -20,
    }];
    let mut e = start(b);
    let r = |e: &mut Engine, ok: bool, t: u64| {
        texts(&e.handle(
            Input::ScriptResult {
                script: "chk",
                success: ok,
            },
            ms(t),
        ))
    };
    assert_eq!(r(&mut e, true, 1), vec!["VRRP_Script(chk) succeeded"]);
    assert_eq!(e.effective_priority(ID), 90);
    assert!(
        r(&mut e, false, 2).is_empty(),
        "fall 2: one failure is not enough"
    );
    let t = r(&mut e, false, 3);
    assert_eq!(t[0], "VRRP_Script(chk) failed");
    assert_eq!(e.effective_priority(ID), 70);
    assert!(r(&mut e, true, 4).is_empty(), "rise 2");
    assert_eq!(r(&mut e, true, 5)[0], "VRRP_Script(chk) succeeded");
    assert_eq!(e.effective_priority(ID), 90);
}

#[test]
fn init_fail_weight_zero_script_starts_in_fault() {
    let (_, mut b) = seed_pair();
    b.scripts = vec![ScriptConfig {
        name: "chk".into(),
        weight: 0,
        rise: 1,
        fall: 1,
        init_fail: true,
        disabled: false,
    }];
    b.instances[0].track_scripts = vec![TrackScript {
        name: "chk".into(),
        weight: 0,
    }];
    let mut e = Engine::new(b);
    let outs = e.handle(Input::Start, Duration::ZERO);
    assert_eq!(e.state(ID), State::Fault);
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) Entering FAULT STATE".into()));
    e.handle(
        Input::ScriptResult {
            script: "chk",
            success: true,
        },
        ms(5),
    );
    assert_eq!(e.state(ID), State::Backup);
}

/// keepalived 1.3.5 sets a script it will not run (not found, not executable, insecure) to
/// `rise`: OK from the start, even with `init_fail`, and whatever result comes later.
#[test]
fn disabled_script_is_ok_from_the_start_and_for_ever() {
    let (_, mut b) = seed_pair();
    b.scripts = vec![
        ScriptConfig {
            name: "gone".into(),
            weight: 0,
            rise: 3,
            fall: 1,
            init_fail: true,
            disabled: true,
        },
        ScriptConfig {
            name: "bonus".into(),
            weight: 5,
            rise: 2,
            fall: 2,
            init_fail: false,
            disabled: true,
        },
    ];
    b.instances[0].track_scripts = vec![
        TrackScript {
            name: "gone".into(),
            weight: 0,
        },
        TrackScript {
            name: "bonus".into(),
            weight: 5,
        },
    ];
    let base = b.instances[0].priority;
    let mut e = Engine::new(b);
    let outs = e.handle(Input::Start, Duration::ZERO);
    assert_eq!(e.state(ID), State::Backup, "{:?}", texts(&outs));
    assert_eq!(e.effective_priority(ID), base + 5);
    let outs = e.handle(
        Input::ScriptResult {
            script: "gone",
            success: false,
        },
        ms(5),
    );
    assert!(texts(&outs).is_empty(), "{:?}", texts(&outs));
    assert_eq!(e.state(ID), State::Backup);
}

#[test]
fn preempt_delay_tolerates_lower_priority_until_it_expires() {
    let (_, mut b) = seed_pair();
    b.instances[0].preempt_delay = Duration::from_secs(10);
    let mut e = start(b);
    let outs = feed(&mut e, &advert("192.168.1.198", 50), ms(1000));
    assert_eq!(
        texts(&outs),
        vec!["VRRP_Instance(VI_1) start preempt delay(10)"]
    );
    for t in (2..=10).map(|s| ms(s * 1000)) {
        feed(&mut e, &advert("192.168.1.198", 50), t);
        assert_eq!(e.state(ID), State::Backup);
    }
    let outs = feed(&mut e, &advert("192.168.1.198", 50), ms(11_001));
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) forcing a new MASTER election".into()));
    // A higher priority resets the delay.
    let (_, mut b) = seed_pair();
    b.instances[0].preempt_delay = Duration::from_secs(10);
    let mut e = start(b);
    feed(&mut e, &advert("192.168.1.198", 50), ms(1000));
    let outs = feed(&mut e, &advert("192.168.1.198", 150), ms(2000));
    assert_eq!(
        texts(&outs),
        vec!["VRRP_Instance(VI_1) reset preempt delay"]
    );
}

#[test]
fn both_owners_is_a_configuration_error_reducing_priority() {
    let c = seed_instance(
        "VI_1",
        InitialState::Master,
        255,
        "10.0.0.1".parse().unwrap(),
    );
    let mut e = start(single(c));
    run_timers(&mut e, ms(2000));
    let outs = feed(&mut e, &advert("10.0.0.2", 255), ms(2500));
    assert!(texts(&outs)[0].contains("CONFIGURATION ERROR"));
    assert_eq!(e.effective_priority(ID), 254);
    assert_eq!(e.state(ID), State::Backup);
}

#[test]
fn ip_id_wraps_to_one() {
    let mut e = master_a();
    let mut ids = Vec::new();
    let end = Duration::from_secs(2 + 65_540);
    while let Some(d) = e.next_deadline() {
        if d > end {
            break;
        }
        for o in e.handle(Input::Timer, d) {
            if let Action::SendAdvert { packet, .. } = o.action {
                ids.push(u16::from_be_bytes([packet[4], packet[5]]));
            }
        }
    }
    let pos = ids.iter().position(|&i| i == u16::MAX).unwrap();
    assert_eq!(ids[pos + 1], 1, "65535 → 1, never 0");
    assert!(!ids.contains(&0));
}

#[test]
fn garp_refresh_and_lower_priority_bursts() {
    let (mut a, _) = seed_pair();
    a.instances[0].garp.master_refresh = Duration::from_secs(4);
    a.instances[0].garp.master_refresh_repeat = 2;
    a.instances[0].garp.lower_prio_repeat = 3;
    a.instances[0].garp.lower_prio_delay = Duration::from_secs(2);
    let mut e = start(a);
    let outs = run_timers(&mut e, ms(10_000));
    let garps: Vec<(Duration, u32)> = outs
        .iter()
        .filter_map(|(t, o)| match &o.action {
            Action::SendGarp { count, .. } => Some((*t, *count)),
            _ => None,
        })
        .collect();
    assert_eq!(
        garps,
        vec![(ms(1000), 5), (ms(5000), 2), (ms(6000), 5), (ms(9000), 2)]
    );
    let outs = feed(&mut e, &advert("192.168.1.199", 90), ms(10_500));
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::SendGarp { count: 3, .. })));
    let later = run_timers(&mut e, ms(12_500));
    assert!(later
        .iter()
        .any(|(t, o)| *t == ms(12_500) && matches!(o.action, Action::SendGarp { count: 3, .. })));
}

fn group_cfg() -> EngineConfig {
    let mut i1 = seed_instance(
        "VI_1",
        InitialState::Backup,
        90,
        "192.168.1.199".parse().unwrap(),
    );
    let mut i2 = i1.clone();
    i2.name = "VI_2".into();
    i2.vrid = 52;
    i2.interface = "eth1".into();
    i2.vips = vec![vip("10.1.1.1", 24)];
    i1.garp.master_delay = Duration::ZERO;
    i2.garp.master_delay = Duration::ZERO;
    EngineConfig {
        instances: vec![i1, i2],
        sync_groups: vec![SyncGroupConfig {
            name: "G".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
            global_tracking: false,
        }],
        ..Default::default()
    }
}

#[test]
fn sync_group_members_move_together() {
    let mut e = Engine::new(group_cfg());
    let outs = e.handle(Input::Start, Duration::ZERO);
    assert!(outs.iter().any(|o| o.action
        == Action::Notify {
            target: NotifyTarget::Group("G".into()),
            state: NotifyState::Backup,
            priority: 90
        }));
    // VI_2 keeps hearing a master; VI_1's master-down fires: the group goes MASTER together.
    let p2 = advert_with("192.168.1.198", 100, |r| {
        r.vrid = 52;
        r.addresses = vec!["10.1.1.1".parse().unwrap()];
    });
    let rx2 = |e: &mut Engine, t| {
        e.handle(
            Input::Packet(vrrp_engine::RxPacket {
                interface: "eth1",
                family: vrrp_engine::Family::V4,
                bytes: &p2,
                src: None,
                hop_limit: None,
            }),
            t,
        )
    };
    rx2(&mut e, ms(3000));
    assert_eq!(e.state(InstanceId(1)), State::Backup);
    let outs: Vec<_> = run_timers(&mut e, MD_B)
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert!(texts(&outs).contains(&"VRRP_Group(G) Syncing instances to MASTER state".into()));
    assert_eq!(e.state(InstanceId(0)), State::Master);
    assert_eq!(e.state(InstanceId(1)), State::Master);
    assert!(outs.iter().any(|o| matches!(
        &o.action,
        Action::Notify { target: NotifyTarget::Group(g), state: NotifyState::Master, .. } if g == "G"
    )));
    // VI_2 hears a higher priority: both back to BACKUP.
    let outs = rx2(&mut e, ms(6000));
    assert!(texts(&outs).contains(&"VRRP_Group(G) Syncing instances to BACKUP state".into()));
    assert_eq!(e.state(InstanceId(0)), State::Backup);
    assert_eq!(e.state(InstanceId(1)), State::Backup);
    // eth1 down: the whole group goes FAULT; up again: both leave FAULT.
    let outs = e.handle(
        Input::Link {
            interface: "eth1",
            up: false,
        },
        ms(7000),
    );
    assert_eq!(e.state(InstanceId(0)), State::Fault);
    assert_eq!(e.state(InstanceId(1)), State::Fault);
    assert!(texts(&outs).contains(&"VRRP_Group(G) Syncing instances to FAULT state".into()));
    e.handle(
        Input::Link {
            interface: "eth1",
            up: true,
        },
        ms(8000),
    );
    assert_eq!(e.state(InstanceId(0)), State::Backup);
    assert_eq!(e.state(InstanceId(1)), State::Backup);
}

#[test]
fn reload_keeps_state_and_updates_vips() {
    let mut e = master_a();
    let sent_before = e.stats(ID).advert_sent;
    let (mut a2, _) = seed_pair();
    a2.instances[0].name = "RENAMED".into();
    a2.instances[0].vips = vec![vip("192.168.1.211", 24)];
    let mut extra = seed_instance(
        "VI_9",
        InitialState::Backup,
        50,
        "192.168.1.198".parse().unwrap(),
    );
    extra.vrid = 99;
    a2.instances.push(extra);
    let outs = e.handle(Input::Reload(Box::new(a2)), ms(2500));
    assert_eq!(
        e.state(ID),
        State::Master,
        "matched by (vrid, family, interface)"
    );
    assert_eq!(e.stats(ID).advert_sent, sent_before);
    assert!(
        texts(&outs).contains(&"ip address 192.168.1.210/24 dev enp11s0f0, no longer exist".into())
    );
    assert!(outs.iter().any(
        |o| matches!(&o.action, Action::AddAddresses(v) if v[0].addr.to_string() == "192.168.1.211")
    ));
    assert_eq!(
        e.state(InstanceId(1)),
        State::Backup,
        "new instance started"
    );
    // An instance removed by a reload sends priority 0 if it was MASTER.
    let (b_only, _) = {
        let (_, mut b) = seed_pair();
        b.instances[0].vrid = 77;
        (b, ())
    };
    let outs = e.handle(Input::Reload(Box::new(b_only)), ms(3000));
    assert_eq!(sent_prios(&outs), vec![0]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    /// Nothing panics on any bytes, whatever the state.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80), vrid51 in any::<bool>(), master in any::<bool>()) {
        let mut e = if master { master_a() } else { backup_b() };
        let mut b = bytes.clone();
        if vrid51 && b.len() > 21 {
            b[0] = 0x45;
            b[21] = 51;
        }
        feed(&mut e, &b, ms(2500));
        e.handle(Input::Packet(vrrp_engine::RxPacket {
            interface: IFACE,
            family: vrrp_engine::Family::V6,
            bytes: &b,
            src: None,
            hop_limit: Some(255),
        }), ms(2600));
        let s = e.stats(ID);
        prop_assert!(s.advert_rcvd <= 1);
    }
}

#[test]
fn skew_uses_base_priority_not_effective() {
    let (_, mut b) = seed_pair();
    b.instances[0].track_interfaces = vec![TrackInterface {
        name: "up1".into(),
        weight: 100,
    }];
    let e = start(b);
    assert_eq!(e.effective_priority(ID), 190);
    // 3 s + (256 − 90)/256 s, not (256 − 190)/256.
    assert_eq!(e.next_deadline(), Some(MD_B));
}

// ---- leaving MASTER cancels that mastership's pending GARPs -----------------------------
//
// keepalived 1.3.5 leaves its delayed-GARP thread running when an instance leaves MASTER:
// it fires later and sends if the VIPs happen to be set again by then. We cancel the delayed
// burst (garp_master_delay, garp_lower_prio_delay) and the refresh (garp_master_refresh) on
// every way out of MASTER; the next mastership schedules its own. Outputs alone cannot tell
// (a new mastership re-arms the same slots), so these tests also check the armed timers.

/// (time, count) of every GARP burst in `outs`.
fn garps(outs: &[(Duration, vrrp_engine::Output)]) -> Vec<(Duration, u32)> {
    outs.iter()
        .filter_map(|(t, o)| match &o.action {
            Action::SendGarp { count, .. } => Some((*t, *count)),
            _ => None,
        })
        .collect()
}

/// Node A of the seed with a 5 s delayed burst and, if `refresh`, a 4 s refresh of 2.
fn garp_master(refresh: bool) -> Engine {
    let (mut a, _) = seed_pair();
    a.instances[0].garp.master_delay = ms(5000);
    if refresh {
        a.instances[0].garp.master_refresh = ms(4000);
        a.instances[0].garp.master_refresh_repeat = 2;
    }
    start(a)
}

/// Runs the lone engine's timers to `until`, checking no deadline is left in the past
/// (a timer armed for something that no longer happens would spin the daemon).
fn run_checked(e: &mut Engine, until: Duration) -> Vec<(Duration, vrrp_engine::Output)> {
    let mut all = Vec::new();
    while let Some(d) = e.next_deadline() {
        if d > until {
            break;
        }
        all.extend(e.handle(Input::Timer, d).into_iter().map(|o| (d, o)));
        assert!(
            e.next_deadline().is_none_or(|n| n > d),
            "deadline stuck at {d:?}"
        );
    }
    all
}

#[test]
fn leaving_master_for_backup_cancels_the_delayed_garp_burst() {
    let mut e = garp_master(false);
    let mut outs = run_checked(&mut e, ms(1500));
    assert_eq!(garps(&outs), vec![(ms(1000), 5)]);
    assert_eq!(
        e.footprint().timers,
        2,
        "advert timer + delayed burst at 6 s"
    );
    // A higher priority at 2 s: BACKUP; only the master-down timer is left.
    feed(&mut e, &advert("192.168.1.199", 110), ms(2000));
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.footprint().timers, 1);
    assert_eq!(
        e.next_deadline(),
        Some(ms(2000) + Duration::from_micros(3_609_375))
    );
    // It resigns (priority 0) at 3.390625 s: MASTER after Skew_Time, at 4 s.
    feed(
        &mut e,
        &advert("192.168.1.199", 0),
        ms(3390) + Duration::from_micros(625),
    );
    outs.extend(run_checked(&mut e, ms(10_000)));
    assert_eq!(
        garps(&outs),
        vec![(ms(1000), 5), (ms(4000), 5), (ms(9000), 5)],
        "no burst at 6 s for the mastership that ended at 2 s"
    );
}

#[test]
fn leaving_master_for_backup_cancels_the_garp_refresh() {
    let (mut a, _) = seed_pair();
    a.instances[0].garp.master_delay = Duration::ZERO;
    a.instances[0].garp.master_refresh = ms(4000);
    a.instances[0].garp.master_refresh_repeat = 2;
    let mut e = start(a);
    let mut outs = run_checked(&mut e, ms(1500));
    assert_eq!(e.footprint().timers, 2, "advert timer + refresh at 5 s");
    feed(&mut e, &advert("192.168.1.199", 110), ms(2000));
    assert_eq!(e.footprint().timers, 1);
    // Stay BACKUP past the cancelled refresh (5 s), then take over at 8 s.
    for s in 3..=7 {
        feed(&mut e, &advert("192.168.1.199", 110), ms(s * 1000));
        assert!(e.next_deadline().is_some_and(|d| d > ms(s * 1000)));
    }
    outs.extend(run_checked(&mut e, ms(7390)));
    feed(
        &mut e,
        &advert("192.168.1.199", 0),
        ms(7390) + Duration::from_micros(625),
    );
    outs.extend(run_checked(&mut e, ms(16_500)));
    assert_eq!(
        garps(&outs),
        vec![
            (ms(1000), 5),
            (ms(8000), 5),
            (ms(12_000), 2),
            (ms(16_000), 2)
        ],
        "no refresh at 5 s or 9 s for the mastership that ended at 2 s"
    );
}

#[test]
fn leaving_master_for_fault_cancels_delayed_burst_and_refresh() {
    let mut e = garp_master(true);
    let mut outs = run_checked(&mut e, ms(1500));
    assert_eq!(e.footprint().timers, 3);
    let link = |e: &mut Engine, up, t| {
        e.handle(
            Input::Link {
                interface: IFACE,
                up,
            },
            t,
        )
    };
    link(&mut e, false, ms(2000));
    assert_eq!(e.state(ID), State::Fault);
    assert_eq!(e.footprint().timers, 0, "nothing armed in FAULT");
    assert_eq!(e.next_deadline(), None);
    // Back up at 4 s: `state MASTER` goes MASTER at once, with a fresh schedule.
    outs.extend(
        link(&mut e, true, ms(4000))
            .into_iter()
            .map(|o| (ms(4000), o)),
    );
    assert_eq!(e.state(ID), State::Master);
    outs.extend(run_checked(&mut e, ms(12_500)));
    assert_eq!(
        garps(&outs),
        vec![
            (ms(1000), 5),
            (ms(4000), 5),
            (ms(8000), 2),
            (ms(9000), 5),
            (ms(12_000), 2)
        ],
        "nothing at 5 s or 6 s for the mastership that ended at 2 s"
    );
}

#[test]
fn shutdown_cancels_delayed_burst_and_refresh() {
    let mut e = garp_master(true);
    let mut outs = run_checked(&mut e, ms(1500));
    let stop = e.handle(Input::Shutdown, ms(2000));
    assert!(stop
        .iter()
        .any(|o| matches!(o.action, Action::RemoveAddresses(_))));
    assert_eq!(e.footprint().timers, 0, "nothing armed after shutdown");
    // Started again at 3 s: GOTO_MASTER, MASTER at 4 s.
    e.handle(Input::Start, ms(3000));
    outs.extend(run_checked(&mut e, ms(12_500)));
    assert_eq!(
        garps(&outs),
        vec![
            (ms(1000), 5),
            (ms(4000), 5),
            (ms(8000), 2),
            (ms(9000), 5),
            (ms(12_000), 2)
        ]
    );
}

#[test]
fn leaving_master_cancels_the_lower_priority_delayed_burst() {
    let mut e = garp_master(false);
    let mut outs = run_checked(&mut e, ms(1500));
    // A lower priority at 2 s: a burst now and one at 2 s + garp_lower_prio_delay (7 s).
    outs.extend(
        feed(&mut e, &advert("192.168.1.199", 50), ms(2000))
            .into_iter()
            .map(|o| (ms(2000), o)),
    );
    // A higher priority at 3 s: BACKUP, the burst due at 7 s is cancelled.
    feed(&mut e, &advert("192.168.1.199", 110), ms(3000));
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.footprint().timers, 1);
    for s in 4..=7 {
        feed(&mut e, &advert("192.168.1.199", 110), ms(s * 1000));
    }
    feed(
        &mut e,
        &advert("192.168.1.199", 0),
        ms(7390) + Duration::from_micros(625),
    );
    outs.extend(run_checked(&mut e, ms(14_000)));
    assert_eq!(
        garps(&outs),
        vec![(ms(1000), 5), (ms(2000), 5), (ms(8000), 5), (ms(13_000), 5)]
    );
}

#[test]
fn sync_group_release_cancels_pending_garps() {
    let mut cfg = group_cfg();
    for i in &mut cfg.instances {
        i.garp.master_delay = ms(5000);
        i.garp.master_refresh = ms(4000);
    }
    let mut e = Engine::new(cfg);
    e.handle(Input::Start, Duration::ZERO);
    run_checked(&mut e, MD_B);
    assert_eq!(e.state(InstanceId(0)), State::Master);
    assert_eq!(e.state(InstanceId(1)), State::Master);
    assert_eq!(e.footprint().timers, 6);
    // VI_2 hears a higher priority; VI_1 follows it to BACKUP through the group.
    let p2 = advert_with("192.168.1.198", 100, |r| {
        r.vrid = 52;
        r.addresses = vec!["10.1.1.1".parse().unwrap()];
    });
    e.handle(
        Input::Packet(vrrp_engine::RxPacket {
            interface: "eth1",
            family: vrrp_engine::Family::V4,
            bytes: &p2,
            src: None,
            hop_limit: None,
        }),
        ms(5000),
    );
    assert_eq!(e.state(InstanceId(0)), State::Backup);
    assert_eq!(e.state(InstanceId(1)), State::Backup);
    assert_eq!(e.footprint().timers, 2, "one master-down timer each");
}
