//! Issue 9: instances that become MASTER together advertise spread over the interval, and a
//! lone instance keeps keepalived's exact advert timing.

mod sim;

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::time::Duration;

use vrrp_engine::{
    Action, Engine, EngineConfig, InitialState, Input, InstanceId, ADVERT_SLOT_INSTANCES,
    ADVERT_SPREAD_SLOTS,
};

/// `n` instances with `state MASTER`, 250 VRIDs per interface.
fn masters(n: usize) -> EngineConfig {
    let src = Ipv4Addr::new(192, 168, 1, 198);
    let instances = (0..n)
        .map(|i| {
            let mut c = sim::seed_instance(&format!("VI_{i}"), InitialState::Master, 100, src);
            c.interface = format!("eth{}", i / 250);
            c.vrid = 1 + (i % 250) as u8;
            c
        })
        .collect();
    EngineConfig {
        instances,
        ..Default::default()
    }
}

/// Runs the engine alone (no peer) until `until` and returns, per instance, the times of the
/// adverts it sent.
fn advert_times(config: EngineConfig, until: Duration) -> Vec<Vec<Duration>> {
    let n = config.instances.len();
    let mut e = Engine::new(config);
    let mut times = vec![Vec::new(); n];
    let mut out = Vec::new();
    let mut now = Duration::ZERO;
    e.handle_into(Input::Start, now, &mut out);
    loop {
        for o in out.drain(..) {
            if let (Some(InstanceId(i)), Action::SendAdvert { .. }) = (o.instance, &o.action) {
                times[i].push(now);
            }
        }
        match e.next_deadline() {
            Some(t) if t <= until => now = t,
            _ => break,
        }
        e.handle_into(Input::Timer, now, &mut out);
    }
    times
}

#[test]
fn a_lone_master_advertises_every_interval_exactly() {
    let times = advert_times(masters(1), Duration::from_secs(10));
    let sent: Vec<u64> = times[0].iter().map(|t| t.as_millis() as u64).collect();
    // Transition one interval after start (1.3.5's `state MASTER`), then one per interval.
    assert_eq!(sent, (1..=10).map(|s| s * 1000).collect::<Vec<_>>());
}

/// Checks that `n` masters started together advertise every interval from the second advert
/// on, on `slots` phases evenly spread over the interval, each holding n / slots instances.
fn check_spread(n: usize, slots: usize) {
    let times = advert_times(masters(n), Duration::from_secs(12));
    let interval = Duration::from_secs(1);
    let mut per_phase = std::collections::BTreeMap::new();
    for (i, t) in times.iter().enumerate() {
        // MASTER one interval after start (1.3.5's `state MASTER`), like a lone instance.
        assert_eq!(t[0], interval, "instance {i}");
        // Never a gap longer than the interval: BACKUPs' timers see nothing new.
        for w in t.windows(2) {
            assert!(
                w[1] - w[0] <= interval,
                "instance {i}: gap {:?}",
                w[1] - w[0]
            );
        }
        // From the second advert on, a fixed phase.
        let phase = t[1].as_micros() % 1_000_000;
        for s in &t[1..] {
            assert_eq!(s.as_micros() % 1_000_000, phase, "instance {i}");
        }
        *per_phase.entry(phase).or_insert(0) += 1;
    }
    let expect: BTreeSet<u128> = (0..slots as u128)
        .map(|k| (1_000_000 - k * 1_000_000 / slots as u128) % 1_000_000)
        .collect();
    assert_eq!(per_phase.keys().copied().collect::<BTreeSet<_>>(), expect);
    assert!(per_phase.values().all(|&c| c == n / slots), "{per_phase:?}");
}

#[test]
fn up_to_a_hundred_masters_keep_one_phase() {
    check_spread(ADVERT_SLOT_INSTANCES, 1);
}

#[test]
fn a_thousand_masters_spread_in_slots_of_a_hundred() {
    check_spread(1_000, 1_000 / ADVERT_SLOT_INSTANCES);
}

#[test]
fn many_masters_use_at_most_the_slot_cap() {
    check_spread(4_000, ADVERT_SPREAD_SLOTS);
}
