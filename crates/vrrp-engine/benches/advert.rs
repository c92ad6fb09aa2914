//! Cost of one received advert: IPv4 + VRRP decode, keepalived's receive checks and the
//! state-machine step, through the public `Engine::handle`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use vrrp_engine::wire::vrrp::VrrpRepr;
use vrrp_engine::{
    Auth, Engine, EngineConfig, Family, GarpConfig, InitialState, Input, InstanceConfig, RxPacket,
    Version, Vip,
};

const IFACE: &str = "enp11s0f0";

fn pw() -> [u8; 8] {
    let mut p = [0u8; 8];
    p[..4].copy_from_slice(b"1111");
    p
}

/// Node B of the seed configs (BACKUP, priority 90, PASS 1111, one VIP).
fn seed_b(state: InitialState, prio: u8) -> EngineConfig {
    EngineConfig {
        instances: vec![InstanceConfig {
            name: "VI_1".into(),
            interface: IFACE.into(),
            vrid: 51,
            version: Version::V2,
            family: Family::V4,
            initial_state: state,
            priority: prio,
            advert_int: Duration::from_secs(1),
            auth: Auth::Pass(pw()),
            vips: vec![Vip {
                addr: "192.168.1.210".parse().unwrap(),
                prefix_len: 24,
                dev: IFACE.into(),
                broadcast: None,
                scope: None,
                label: None,
            }],
            excluded_vips: vec![],
            src_addr: "192.168.1.199".parse().unwrap(),
            mcast_group: "224.0.0.18".parse().unwrap(),
            unicast_peers: vec![],
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: true,
            dont_track_primary: false,
            track_interfaces: vec![],
            track_scripts: vec![],
            garp: GarpConfig::default(),
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            skip_check_adv_addr: false,
            check_unicast_src: false,
        }],
        ..Default::default()
    }
}

fn advert(prio: u8, auth: [u8; 8]) -> Vec<u8> {
    let src = Ipv4Addr::new(192, 168, 1, 198);
    let r = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: prio,
        advert_int: Duration::from_secs(1),
        auth_type: 1,
        addresses: vec!["192.168.1.210".parse().unwrap()],
        auth_data: auth,
    };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let msg = r.emit(Family::V4, IpAddr::V4(src), IpAddr::V4(group));
    Ipv4Header::emit_keepalived(src, group, PROTO_VRRP, 1, &msg)
}

fn rx(bytes: &[u8]) -> Input<'_> {
    Input::Packet(RxPacket {
        interface: IFACE,
        family: Family::V4,
        bytes,
        src: None,
        hop_limit: None,
    })
}

fn bench(c: &mut Criterion) {
    // The common case: a BACKUP hears its master (valid advert, timer re-armed).
    let mut e = Engine::new(seed_b(InitialState::Backup, 90));
    e.handle(Input::Start, Duration::ZERO);
    let pkt = advert(100, pw());
    let mut t = Duration::ZERO;
    c.bench_function("backup_valid_advert", |b| {
        b.iter(|| {
            t += Duration::from_micros(1);
            black_box(e.handle(rx(black_box(&pkt)), t))
        })
    });

    // A rejected packet (wrong password): checks, counters and three log lines.
    let bad = advert(100, [9; 8]);
    c.bench_function("backup_bad_password", |b| {
        b.iter(|| {
            t += Duration::from_micros(1);
            black_box(e.handle(rx(black_box(&bad)), t))
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
    let low = advert(100, pw());
    c.bench_function("master_lower_priority_advert", |b| {
        b.iter(|| {
            tm += Duration::from_micros(1);
            black_box(m.handle(rx(black_box(&low)), tm))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
