//! Issue 9: the cost of one received advert must not grow with the number of configured
//! instances. 1, 1,000 and 10,000 instances (250 VRIDs per interface); the instance under
//! test is the last one configured.

#[path = "../tests/sim/mod.rs"]
mod sim;

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use vrrp_engine::{Engine, EngineConfig, InitialState, Input};

/// `n` instances in state `state`; the last is the seed instance (VRID 51 on the seed
/// interface) with `prio`, the others sit on other interfaces.
fn config(n: usize, state: InitialState, prio: u8) -> EngineConfig {
    let src = Ipv4Addr::new(192, 168, 1, 199);
    let mut instances = Vec::with_capacity(n);
    for i in 0..n - 1 {
        let mut c = sim::seed_instance(&format!("VI_{i}"), state, prio, src);
        c.interface = format!("eth{}", i / 250);
        c.vrid = 1 + (i % 250) as u8;
        for v in &mut c.vips {
            v.dev = c.interface.clone();
        }
        instances.push(c);
    }
    instances.push(sim::seed_instance("VI_seed", state, prio, src));
    EngineConfig {
        instances,
        ..Default::default()
    }
}

const SIZES: [usize; 3] = [1, 1_000, 10_000];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("backup_valid_advert");
    for n in SIZES {
        // A BACKUP hears its master (valid advert, master-down timer re-armed).
        let mut e = Engine::new(config(n, InitialState::Backup, 90));
        let mut out = Vec::new();
        e.handle_into(Input::Start, Duration::ZERO, &mut out);
        let pkt = sim::advert("192.168.1.198", 100);
        let mut t = Duration::ZERO;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                t += Duration::from_micros(1);
                out.clear();
                sim::feed_into(&mut e, black_box(&pkt), t, &mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("master_lower_priority_advert");
    for n in SIZES {
        // A MASTER hears a lower priority: answers with an advert (packet built) and GARPs.
        let mut m = Engine::new(config(n, InitialState::Master, 150));
        let mut out = Vec::new();
        m.handle_into(Input::Start, Duration::ZERO, &mut out);
        let mut tm = Duration::ZERO;
        while let Some(d) = m.next_deadline() {
            if d > Duration::from_secs(2) {
                break;
            }
            out.clear();
            m.handle_into(Input::Timer, d, &mut out);
            tm = d;
        }
        let low = sim::advert("192.168.1.198", 100);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                tm += Duration::from_micros(1);
                out.clear();
                sim::feed_into(&mut m, black_box(&low), tm, &mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
