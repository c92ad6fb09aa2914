//! The steady-state checker cycle (timer fires, probe launched, success reported, actions
//! drained) allocates nothing once the engine's queues are warm, whatever the number of
//! checkers (counted by a global allocator).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use check_engine::{
    Action, CheckConfig, CheckEngine, Checker, CheckerKind, Dest, Forwarding, Input, ProbeOutcome,
    Protocol, RealServer, ServiceKey, ServiceSpec, VirtualServer,
};

#[path = "../../../testdata/alloc_counter.rs"]
mod alloc_counter;
use alloc_counter::{allocations, assert_counting};

fn config(n: usize) -> CheckConfig<u32> {
    let vip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    CheckConfig {
        virtual_servers: vec![VirtualServer {
            name: "[10.0.0.1]:80".into(),
            services: vec![ServiceSpec {
                key: ServiceKey::Inet {
                    proto: Protocol::Tcp,
                    addr: vip,
                    port: 80,
                },
                scheduler: "rr".into(),
                persistence_timeout: None,
                persistence_netmask: None,
                persistence_engine: None,
                one_packet: false,
                hashed: false,
                sched_flags: 0,
            }],
            delay_loop: Duration::from_secs(6),
            alpha: false,
            omega: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            sorry_server: None,
            sorry_server_inhibit: false,
            ha_suspend: false,
            real_servers: (0..n)
                .map(|i| RealServer {
                    dest: Dest {
                        addr: IpAddr::V4(Ipv4Addr::new(10, 1, (i / 256) as u8, (i % 256) as u8)),
                        port: 80,
                        weight: 1,
                        forwarding: Forwarding::Nat,
                        upper_threshold: 0,
                        lower_threshold: 0,
                    },
                    inhibit_on_failure: false,
                    notify_up: None,
                    notify_down: None,
                    checkers: vec![Checker {
                        kind: CheckerKind::Tcp,
                        probe: i as u32,
                        retries: 1,
                        delay_before_retry: Duration::from_secs(1),
                        warmup: None,
                        delay_loop: None,
                        dynamic_weight: false,
                    }],
                })
                .collect(),
        }],
    }
}

/// Runs `rounds` timer firings, answering every probe with success. Returns the probes.
fn cycle(e: &mut CheckEngine<u32>, rounds: usize) -> usize {
    let mut probes = 0;
    for _ in 0..rounds {
        let Some(now) = e.poll_timeout() else { break };
        e.handle(Input::Timer, now);
        while let Some(a) = e.poll_action() {
            if let Action::Probe { checker, .. } = a {
                probes += 1;
                e.handle(
                    Input::ProbeDone {
                        checker,
                        outcome: ProbeOutcome::Up { weight: None },
                    },
                    now,
                );
            }
        }
    }
    probes
}

#[test]
fn steady_state_cycle_allocates_nothing() {
    for n in [10usize, 3_000] {
        let mut e = CheckEngine::new(config(n), Duration::ZERO);
        while e.poll_action().is_some() {}
        // Warm up: every checker through at least one full cycle.
        assert!(cycle(&mut e, 3 * n) >= n);
        let mut probes = 0;
        assert_counting();
        let allocs = allocations(|| probes = cycle(&mut e, 2 * n));
        assert!(probes >= 2 * n, "{n}: only {probes} probes");
        assert_eq!(
            allocs, 0,
            "{n} checkers: {allocs} allocations in {probes} cycles"
        );
    }
}
