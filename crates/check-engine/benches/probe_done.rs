//! Cost of one checker cycle — `handle(Input::Timer)` launching a probe, then
//! `handle(Input::ProbeDone)` with its result, each followed by draining `poll_action` —
//! with 10 and 10,000 checkers (100 real servers per virtual server, one TCP_CHECK each).
//! `steady`: every probe succeeds (the common case, no state change). `flap`: the probed
//! real server alternates down/up, so every result removes or re-adds a destination and
//! re-evaluates quorum.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use check_engine::{
    CheckConfig, CheckEngine, Checker, CheckerKind, Dest, Forwarding, Input, ProbeOutcome,
    Protocol, RealServer, ServiceKey, ServiceSpec, VirtualServer,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn config(n: usize) -> CheckConfig<u32> {
    let per_vs = 100.min(n);
    let virtual_servers = (0..n.div_ceil(per_vs))
        .map(|v| VirtualServer {
            name: format!("[10.1.{}.{}]:80", v / 256, v % 256),
            services: vec![ServiceSpec {
                key: ServiceKey::Inet {
                    proto: Protocol::Tcp,
                    addr: IpAddr::V4(Ipv4Addr::new(10, 1, (v / 256) as u8, (v % 256) as u8)),
                    port: 80,
                },
                scheduler: "wlc".into(),
                persistence_timeout: None,
                persistence_netmask: None,
                persistence_engine: None,
                one_packet: false,
                hashed: false,
                sched_flags: 0,
            }],
            delay_loop: Duration::from_secs(10),
            alpha: false,
            omega: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            sorry_server: None,
            sorry_server_inhibit: false,
            ha_suspend: false,
            real_servers: (0..per_vs)
                .map(|r| RealServer {
                    dest: Dest {
                        addr: IpAddr::V4(Ipv4Addr::new(10, 2, (v % 256) as u8, r as u8)),
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
                        probe: (v * per_vs + r) as u32,
                        retries: 0,
                        delay_before_retry: Duration::from_secs(1),
                        warmup: None,
                        delay_loop: None,
                        dynamic_weight: false,
                    }],
                })
                .collect(),
        })
        .collect();
    CheckConfig { virtual_servers }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("checker_cycle");
    for n in [10usize, 10_000] {
        for flap in [false, true] {
            let name = if flap { "flap" } else { "steady" };
            let mut e = CheckEngine::new(config(n), Duration::ZERO);
            while e.poll_action().is_some() {}
            // Per checker: whether its next result is a failure (flap alternates).
            let mut fail_next = vec![true; n];
            let mut transitions = 0u64;
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| {
                    let Some(now) = e.poll_timeout() else { return };
                    e.handle(Input::Timer, now);
                    let mut launched = None;
                    while let Some(a) = e.poll_action() {
                        if let check_engine::Action::Probe { checker, .. } = a {
                            launched = Some(checker);
                        }
                    }
                    let Some(checker) = launched else { return };
                    let fail = &mut fail_next[checker.0 as usize];
                    let outcome = if flap && *fail {
                        ProbeOutcome::Down {
                            detail: String::new(),
                        }
                    } else {
                        ProbeOutcome::Up { weight: None }
                    };
                    *fail = !*fail;
                    e.handle(Input::ProbeDone { checker, outcome }, now);
                    while let Some(a) = e.poll_action() {
                        if matches!(a, check_engine::Action::Ipvs(_)) {
                            transitions += 1;
                        }
                        black_box(a);
                    }
                })
            });
            // The flap case must really remove and re-add destinations.
            assert_eq!(flap, transitions > 0, "{name}/{n}: {transitions} IPVS ops");
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
