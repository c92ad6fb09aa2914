//! The one check the `decode` fuzz target and the `fuzz_corpus` test both run on an input, so
//! the two cannot drift: both compile this very file (the fuzz target with `#[path]`), next to
//! `tests/sim/mod.rs` for the seed configuration.
//!
//! The input is one received packet, tried every way the daemon could see it:
//! * the decoders: as a bare VRRP message of either family, and as a whole IPv4 packet (IPv4
//!   header and checksum, keepalived's AH header and ICV, the VRRP view inside). Every accessor
//!   of the view is read; whatever [`VrrpRepr::parse`] accepts must emit a message of
//!   [`VrrpRepr::buffer_len`] bytes, with a valid checksum, that parses back unchanged;
//! * the receive path: [`Engine::handle`] with [`Input::Packet`] on a started engine whose
//!   instances match the seed configuration and the `testdata/wire` captures (v2 PASS, v2 AH,
//!   v3 IPv4 with a unicast peer, v3 IPv6), so keepalived's receive checks and the state machine
//!   see it as BACKUP and as MASTER; then the timers run on. Every advert the engine sends
//!   afterwards must decode (IPv4 header, AH ICV, VRRP checksum) to its instance's VRID.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use vrrp_engine::wire::ah::{verify_ah, AhHeader};
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_AH};
use vrrp_engine::wire::vrrp::{ChecksumForm, VrrpPacket, VrrpRepr, MCAST_GROUP_V4, MCAST_GROUP_V6};
use vrrp_engine::{
    Action, Auth, Engine, EngineConfig, Family, InitialState, Input, InstanceConfig, RxPacket,
    Version,
};

use super::sim::{seed_instance, vip};

/// The password of the seed configuration and of the AH capture (`auth_pass 1111`).
const KEY: [u8; 8] = *b"1111\0\0\0\0";
/// IPv6 source of the received message (a link-local peer, as the IPv6 capture's).
const V6_PEER: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x99);

/// Runs every check on one input; panics (with the offending detail) if one fails.
pub fn check(data: &[u8]) {
    decoders(data);
    receive_path(data);
}

fn decoders(data: &[u8]) {
    let any4 = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    // The input as a bare VRRP message of either family…
    vrrp(data, Family::V4, any4, IpAddr::V4(MCAST_GROUP_V4));
    vrrp(
        data,
        Family::V6,
        IpAddr::V6(V6_PEER),
        IpAddr::V6(MCAST_GROUP_V6),
    );
    // …and as a whole IPv4 packet.
    if let Ok((ip, payload)) = Ipv4Header::parse(data) {
        let _ = Ipv4Header::checksum_ok(data);
        let (src, dst) = (IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
        if ip.protocol == PROTO_AH {
            let _ = verify_ah(data, &KEY);
            if let Ok((_, inner)) = AhHeader::parse(payload) {
                vrrp(inner, Family::V4, src, dst);
            }
        } else {
            vrrp(payload, Family::V4, src, dst);
        }
    }
}

fn vrrp(bytes: &[u8], family: Family, src: IpAddr, dst: IpAddr) {
    let Ok(pkt) = VrrpPacket::new_checked(bytes) else {
        assert!(
            bytes.len() < 8,
            "a {}-byte message was refused",
            bytes.len()
        );
        return;
    };
    let _ = (pkt.version(), pkt.kind(), pkt.vrid(), pkt.priority());
    let _ = (pkt.auth_type(), pkt.advert_int_raw(), pkt.checksum());
    let _ = (pkt.auth_data(), pkt.expected_len(family));
    assert!(pkt.addresses(family).count() <= usize::from(pkt.addr_count()));
    let _ = pkt.checksum_form(family, src, dst);
    if let Ok(repr) = VrrpRepr::parse(&pkt, family) {
        let emitted = repr.emit(family, src, dst);
        assert_eq!(emitted.len(), repr.buffer_len(family), "{repr:?}");
        let again = VrrpPacket::new_checked(&emitted[..]).expect("an emitted header");
        let form = match repr.version {
            Version::V2 => ChecksumForm::Plain,
            Version::V3 => ChecksumForm::PseudoHeader,
        };
        assert_eq!(
            again.checksum_form(family, src, dst),
            Some(form),
            "{repr:?}"
        );
        assert_eq!(VrrpRepr::parse(&again, family).as_ref(), Ok(&repr));
    }
}

/// The engine's instances, one interface each so that they can share the captures' VRID 51.
fn engine_config() -> EngineConfig {
    let me = Ipv4Addr::new(192, 168, 1, 199);
    let on = |mut c: InstanceConfig, iface: &str| {
        c.interface = iface.to_string();
        for v in &mut c.vips {
            v.dev = iface.to_string();
        }
        c
    };
    // Node B of the seed: v2, PASS 1111, BACKUP 90.
    let pass = on(seed_instance("VI_1", InitialState::Backup, 90, me), "pass0");
    // The AH capture's instance, MASTER here (to be preempted or answered).
    let mut ah = on(seed_instance("VI_AH", InitialState::Master, 100, me), "ah0");
    ah.auth = Auth::Ah(KEY);
    // The v3/IPv4 capture's instance, also speaking unicast with a source check.
    let mut v3 = seed_instance("VI_3", InitialState::Master, 150, me);
    v3.version = Version::V3;
    v3.auth = Auth::None;
    v3.vips.push(vip("10.0.0.1", 8));
    v3.unicast_peers = vec![IpAddr::V4(Ipv4Addr::new(192, 168, 1, 198))];
    v3.check_unicast_src = true;
    // The v3/IPv6 capture's instance (VRID 52), BACKUP.
    let mut v6 = seed_instance("VI_6", InitialState::Backup, 90, me);
    v6.version = Version::V3;
    v6.family = Family::V6;
    v6.vrid = 52;
    v6.auth = Auth::None;
    v6.src_addr = IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2));
    v6.mcast_group = IpAddr::V6(MCAST_GROUP_V6);
    v6.vips = vec![vip("2001:db8::210", 64)];
    EngineConfig {
        instances: vec![pass, ah, on(v3, "v3"), on(v6, "v6")],
        ..Default::default()
    }
}

fn receive_path(data: &[u8]) {
    let config = engine_config();
    let mut engine = Engine::new(config.clone());
    engine.handle(Input::Start, Duration::ZERO);
    // By 2 s the MASTER instances have sent adverts and own their VIPs; the BACKUPs wait.
    let mut sent = run_timers(&mut engine, Duration::from_secs(2));
    let mut now = Duration::from_millis(2100);
    for iface in ["pass0", "ah0", "v3"] {
        sent.extend(engine.handle(Input::Packet(rx(iface, Family::V4, data, None)), now));
        now += Duration::from_millis(10);
    }
    let v6 = rx("v6", Family::V6, data, Some(IpAddr::V6(V6_PEER)));
    sent.extend(engine.handle(Input::Packet(v6), now));
    // The same packet again, now that it may have changed states.
    sent.extend(engine.handle(Input::Packet(rx("pass0", Family::V4, data, None)), now));
    // Long enough for a BACKUP's master-down timer and a preempt to fire.
    sent.extend(run_timers(&mut engine, Duration::from_secs(8)));
    for out in sent {
        if let Action::SendAdvert { packet, .. } = &out.action {
            let id = out.instance.expect("an advert belongs to an instance");
            check_sent(&config.instances[id.0], packet);
        }
    }
}

fn rx<'a>(iface: &'a str, family: Family, bytes: &'a [u8], src: Option<IpAddr>) -> RxPacket<'a> {
    RxPacket {
        interface: iface,
        family,
        bytes,
        src,
        hop_limit: src.map(|_| 255),
    }
}

fn run_timers(engine: &mut Engine, until: Duration) -> Vec<vrrp_engine::Output> {
    let mut all = Vec::new();
    while let Some(at) = engine.next_deadline() {
        if at > until {
            break;
        }
        all.extend(engine.handle(Input::Timer, at));
    }
    all
}

/// An advert the engine sent decodes as one of `cfg`'s.
fn check_sent(cfg: &InstanceConfig, packet: &[u8]) {
    let msg = match cfg.family {
        Family::V6 => packet,
        Family::V4 => {
            let (ip, payload) = Ipv4Header::parse(packet).expect("a sent IPv4 header");
            assert!(Ipv4Header::checksum_ok(packet), "sent IPv4 checksum");
            if ip.protocol == PROTO_AH {
                assert!(verify_ah(packet, &KEY), "sent AH ICV");
                AhHeader::parse(payload).expect("a sent AH header").1
            } else {
                payload
            }
        }
    };
    let pkt = VrrpPacket::new_checked(msg).expect("a sent VRRP header");
    let repr = VrrpRepr::parse(&pkt, cfg.family).expect("a sent VRRP message");
    assert_eq!(repr.vrid, cfg.vrid, "{}", cfg.name);
    assert_eq!(pkt.as_bytes().len(), pkt.expected_len(cfg.family));
    let form = match repr.version {
        Version::V2 => Some(ChecksumForm::Plain),
        Version::V3 => Some(ChecksumForm::PseudoHeader),
    };
    let dst = match cfg.family {
        Family::V4 => IpAddr::V4(MCAST_GROUP_V4),
        Family::V6 => cfg.mcast_group,
    };
    assert_eq!(
        pkt.checksum_form(cfg.family, cfg.src_addr, dst),
        form,
        "{}",
        cfg.name
    );
}
