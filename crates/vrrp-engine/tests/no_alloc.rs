//! Issue 9: a BACKUP judging a valid advert allocates nothing once the caller's output
//! buffer is warm, whatever the number of instances (counted by a global allocator).

mod sim;

use std::net::Ipv4Addr;
use std::time::Duration;

use vrrp_engine::{Engine, EngineConfig, InitialState, Input, InstanceId, State};

#[path = "../../../testdata/alloc_counter.rs"]
mod alloc_counter;
use alloc_counter::{allocations, assert_counting};

/// `n` BACKUP instances; the last is the seed instance, the others on other interfaces.
fn config(n: usize) -> EngineConfig {
    let src = Ipv4Addr::new(192, 168, 1, 199);
    let mut instances = Vec::new();
    for i in 0..n - 1 {
        let mut c = sim::seed_instance(&format!("VI_{i}"), InitialState::Backup, 90, src);
        c.interface = format!("eth{}", i / 250);
        c.vrid = 1 + (i % 250) as u8;
        instances.push(c);
    }
    instances.push(sim::seed_instance("VI_seed", InitialState::Backup, 90, src));
    EngineConfig {
        instances,
        ..Default::default()
    }
}

#[test]
fn backup_valid_advert_allocates_nothing() {
    for n in [1, 1_000] {
        let mut e = Engine::new(config(n));
        let mut out = Vec::new();
        e.handle_into(Input::Start, Duration::ZERO, &mut out);
        let pkt = sim::advert("192.168.1.198", 100);
        // Warm up: the first packets may grow the output buffer and the timer heap.
        let mut t = Duration::ZERO;
        for _ in 0..200 {
            t += Duration::from_millis(10);
            out.clear();
            sim::feed_into(&mut e, &pkt, t, &mut out);
        }
        let mut outputs = 0;
        assert_counting();
        let allocs = allocations(|| {
            for _ in 0..1_000 {
                t += Duration::from_millis(10);
                out.clear();
                sim::feed_into(&mut e, &pkt, t, &mut out);
                outputs += out.len();
            }
        });
        assert_eq!(allocs, 0, "{n} instances");
        assert_eq!(
            outputs, 0,
            "a BACKUP hearing its master does nothing visible"
        );
        assert_eq!(e.state(InstanceId(n - 1)), State::Backup);
        assert_eq!(e.stats(InstanceId(n - 1)).advert_rcvd, 1_200);
        // Each advert re-armed its master-down timer: due timers (the silent others') leave
        // it BACKUP.
        e.handle_into(Input::Timer, t, &mut out);
        assert_eq!(e.state(InstanceId(n - 1)), State::Backup);
        if n > 1 {
            assert_eq!(e.state(InstanceId(0)), State::Master);
        }
    }
}
