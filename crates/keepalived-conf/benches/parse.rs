//! Parse + validate a generated config of N vrrp_instances (64 interfaces × 255 VRIDs = 16,320 at
//! full size, ~4 MB), plus 2,000 and 8,160 to show that the cost is linear.
//! The same text is written by `cargo run -p keepalived-conf --example gen_big -- 16320`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keepalived_conf::{load_str, LoadOptions};
use std::fmt::Write;
use std::hint::black_box;

/// `n` instances over 64 interfaces (`veth0`..`veth63`), VRIDs 1..=255 on each.
fn generate(n: usize) -> String {
    let mut s = String::with_capacity(n * 260);
    s.push_str("global_defs {\n    router_id bench\n}\n");
    for k in 0..n {
        let (ifi, vrid) = (k / 255, k % 255 + 1);
        let _ = write!(
            s,
            "vrrp_instance VI_{ifi}_{vrid} {{\n    state BACKUP\n    interface veth{ifi}\n    virtual_router_id {vrid}\n    priority {}\n    advert_int 1\n    authentication {{\n        auth_type PASS\n        auth_pass 1111\n    }}\n    virtual_ipaddress {{\n        10.{ifi}.{vrid}.1/24\n    }}\n}}\n",
            50 + vrid % 200
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_validate");
    g.sample_size(10);
    for n in [2_000usize, 8_160, 16_320] {
        let text = generate(n);
        let check = load_str("big.conf", &text, &LoadOptions::default());
        assert_eq!(check.error_count(), 0);
        assert_eq!(check.config.instances.len(), n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, t| {
            b.iter(|| load_str("big.conf", black_box(t), &LoadOptions::default()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
