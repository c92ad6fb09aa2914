//! IPv6/VRRPv3, unicast peers and AH authentication through the engine.

mod sim;

use std::net::IpAddr;
use std::time::Duration;

use sim::*;
use vrrp_engine::wire::vrrp::VrrpRepr;
use vrrp_engine::{
    Action, Auth, Engine, Family, InitialState, Input, InstanceId, Output, RxPacket, State, Version,
};

const ID: InstanceId = InstanceId(0);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn adverts(outs: &[Output]) -> Vec<(IpAddr, Vec<u8>)> {
    outs.iter()
        .filter_map(|o| match &o.action {
            Action::SendAdvert { dst, packet, .. } => Some((*dst, packet.clone())),
            _ => None,
        })
        .collect()
}

fn v6_instance(state: InitialState, prio: u8, src: &str) -> vrrp_engine::InstanceConfig {
    let mut c = seed_instance("VI_6", state, prio, "10.0.0.1".parse().unwrap());
    c.version = Version::V3;
    c.family = Family::V6;
    c.auth = Auth::None;
    c.src_addr = src.parse().unwrap();
    c.mcast_group = "ff02::12".parse().unwrap();
    c.vips = vec![vip("2001:db8::10", 64)];
    c
}

#[test]
fn ipv6_v3_sends_vrrp_message_and_handles_hop_limit() {
    let mut a = Engine::new(single(v6_instance(InitialState::Master, 100, "fe80::1")));
    a.handle(Input::Start, Duration::ZERO);
    let outs: Vec<_> = run_timers(&mut a, ms(1000))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let sent = adverts(&outs);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "ff02::12".parse::<IpAddr>().unwrap());
    assert_eq!(sent[0].1[0], 0x31, "VRRP message only, v3");
    assert_eq!(sent[0].1.len(), 8 + 16);

    let mut b = Engine::new(single(v6_instance(InitialState::Backup, 90, "fe80::2")));
    b.handle(Input::Start, Duration::ZERO);
    let rx = |e: &mut Engine, bytes: &[u8], hop: u8, t| {
        e.handle(
            Input::Packet(RxPacket {
                interface: IFACE,
                family: Family::V6,
                bytes,
                src: Some("fe80::1".parse().unwrap()),
                hop_limit: Some(hop),
            }),
            t,
        )
    };
    let outs = rx(&mut b, &sent[0].1, 255, ms(1000));
    assert!(texts(&outs).is_empty(), "{:?}", texts(&outs));
    assert_eq!(b.master_address(ID), Some("fe80::1".parse().unwrap()));
    let outs = rx(&mut b, &sent[0].1, 64, ms(1100));
    assert_eq!(texts(&outs)[0], "(VI_6): invalid ttl. 64 and expect 255");
    // A lower priority from the master forces the election (1.3.5).
    let low = VrrpRepr {
        version: Version::V3,
        vrid: 51,
        priority: 50,
        advert_int: Duration::from_secs(1),
        auth_type: 0,
        addresses: vec!["2001:db8::10".parse().unwrap()],
        auth_data: [0; 8],
    }
    .emit(
        Family::V6,
        "fe80::1".parse().unwrap(),
        "ff02::12".parse().unwrap(),
    );
    rx(&mut b, &low, 255, ms(1200));
    assert_eq!(b.state(ID), State::Master);
}

#[test]
fn unicast_one_packet_per_peer_with_own_ip_id() {
    let (mut a, _) = seed_pair();
    a.instances[0].unicast_peers = vec![
        "192.168.1.199".parse().unwrap(),
        "192.168.1.200".parse().unwrap(),
    ];
    let mut e = Engine::new(a);
    e.handle(Input::Start, Duration::ZERO);
    let outs: Vec<_> = run_timers(&mut e, ms(2000))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    let sent = adverts(&outs);
    let dsts: Vec<String> = sent.iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(
        dsts,
        vec![
            "192.168.1.199",
            "192.168.1.200",
            "192.168.1.199",
            "192.168.1.200"
        ]
    );
    let ids: Vec<u16> = sent
        .iter()
        .map(|(_, p)| u16::from_be_bytes([p[4], p[5]]))
        .collect();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    // The IP destination is the peer; TTL 255 also for unicast.
    assert_eq!(&sent[1].1[16..20], &[192, 168, 1, 200]);
    assert_eq!(sent[1].1[8], 255);
    assert_eq!(e.stats(ID).advert_sent, 4);
}

#[test]
fn ah_adverts_verify_between_engines_and_tampering_fails() {
    let (mut a, mut b) = seed_pair();
    let key = *b"secret\0\0";
    a.instances[0].auth = Auth::Ah(key);
    b.instances[0].auth = Auth::Ah(key);
    let mut s = Sim::new(vec![a, b], 3);
    s.start_all();
    s.run_until(ms(5000));
    assert_eq!(s.state(0), State::Master);
    assert_eq!(s.state(1), State::Backup);
    let st = s.nodes[1].engine.stats(ID).clone();
    assert!(st.advert_rcvd >= 4);
    assert_eq!(st.auth_failure, 0, "{:?}", s.logs(1));
    // Protocol 51 on the wire.
    let pkt = s
        .trace
        .iter()
        .find_map(|e| match &e.out.action {
            Action::SendAdvert { packet, .. } => Some(packet.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(pkt[9], 51);
    let mut bad = pkt.clone();
    let n = bad.len();
    bad[n - 9] ^= 1; // inside the VRRP message
    let outs = feed(&mut s.nodes[1].engine, &bad, ms(5100));
    assert_eq!(
        s.nodes[1].engine.stats(ID).auth_failure,
        1,
        "{:?}",
        texts(&outs)
    );
}
