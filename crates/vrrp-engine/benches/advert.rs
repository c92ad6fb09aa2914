//! Cost of one received advert: IPv4 + VRRP decode, keepalived's receive checks and the
//! state-machine step, through the public `Engine::handle`.

// The seed configuration and advert builders the tests use, so bench and tests measure and
// check the same packets.
#[path = "../tests/sim/mod.rs"]
mod sim;

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use vrrp_engine::{Engine, EngineConfig, InitialState, Input};

/// Node B of the seed configs with the given state and priority.
fn seed_b(state: InitialState, prio: u8) -> EngineConfig {
    sim::single(sim::seed_instance(
        "VI_1",
        state,
        prio,
        Ipv4Addr::new(192, 168, 1, 199),
    ))
}

fn bench(c: &mut Criterion) {
    // The common case: a BACKUP hears its master (valid advert, timer re-armed).
    let mut e = Engine::new(seed_b(InitialState::Backup, 90));
    e.handle(Input::Start, Duration::ZERO);
    let pkt = sim::advert("192.168.1.198", 100);
    let mut t = Duration::ZERO;
    c.bench_function("backup_valid_advert", |b| {
        b.iter(|| {
            t += Duration::from_micros(1);
            black_box(sim::feed(&mut e, black_box(&pkt), t))
        })
    });

    // A rejected packet (wrong password): checks, counters and three log lines.
    let bad = sim::advert_with("192.168.1.198", 100, |r| r.auth_data = [9; 8]);
    c.bench_function("backup_bad_password", |b| {
        b.iter(|| {
            t += Duration::from_micros(1);
            black_box(sim::feed(&mut e, black_box(&bad), t))
        })
    });

    // A MASTER hearing a lower priority: answers with an advert (packet built) and GARPs.
    let mut m = Engine::new(seed_b(InitialState::Master, 150));
    m.handle(Input::Start, Duration::ZERO);
    let mut tm = Duration::ZERO;
    while let Some(d) = m.next_deadline() {
        if d > Duration::from_secs(2) {
            break;
        }
        m.handle(Input::Timer, d);
        tm = d;
    }
    let low = sim::advert("192.168.1.198", 100);
    c.bench_function("master_lower_priority_advert", |b| {
        b.iter(|| {
            tm += Duration::from_micros(1);
            black_box(sim::feed(&mut m, black_box(&low), tm))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
