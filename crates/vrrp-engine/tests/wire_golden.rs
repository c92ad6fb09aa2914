//! Golden bytes: what we emit for the seed configs equals what keepalived emits.
//!
//! nodeA's advert and GARP are the bytes of a real keepalived 2.2.7 capture (see
//! `shared/reference/netns-lab.md`, appendix); nodeB's are built by hand from the
//! documented layout, with checksums computed independently of this crate.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use vrrp_engine::wire::arp::gratuitous_arp;
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use vrrp_engine::wire::vrrp::{ChecksumForm, VrrpPacket, VrrpRepr, MCAST_GROUP_V4};
use vrrp_engine::{Family, Version};

/// Ethernet payload of frame 1 of the capture (IP header + VRRP), keepalived 2.2.7, nodeA.
const NODE_A_ADVERT: [u8; 40] = [
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x24, 0xc0, 0xa8, 0x01, 0xc6,
    0xe0, 0x00, 0x00,
    0x12, // IPv4: TOS c0, len 40, ID 1, TTL 255, proto 112, .198 -> 224.0.0.18
    0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x54,
    0xed, // v2 advert, VRID 51, prio 100, 1 addr, PASS, 1 s
    0xc0, 0xa8, 0x01, 0xd2, // 192.168.1.210
    0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00, // "1111" zero-padded
];

/// Frame 2 of the capture: keepalived 2.2.7's gratuitous ARP for 192.168.1.210.
const NODE_A_GARP: [u8; 42] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x82, 0x60, 0x86, 0x90, 0xf1, 0x7f, 0x08, 0x06, 0x00, 0x01,
    0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x82, 0x60, 0x86, 0x90, 0xf1, 0x7f, 0xc0, 0xa8, 0x01, 0xd2,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc0, 0xa8, 0x01, 0xd2,
];

/// nodeB (192.168.1.199, priority 90) from the documented layout; IP checksum 0x1823 and
/// VRRP checksum 0x5eed computed by hand (RFC 1071).
const NODE_B_ADVERT: [u8; 40] = [
    0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x23, 0xc0, 0xa8, 0x01, 0xc7,
    0xe0, 0x00, 0x00, 0x12, //
    0x21, 0x33, 0x5a, 0x01, 0x01, 0x01, 0x5e, 0xed, //
    0xc0, 0xa8, 0x01, 0xd2, //
    0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00,
];

const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 210);

fn seed_repr(priority: u8) -> VrrpRepr {
    VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority,
        advert_int: Duration::from_secs(1),
        auth_type: 1,
        addresses: vec![IpAddr::V4(VIP)],
        auth_data: *b"1111\0\0\0\0",
    }
}

fn seed_packet(src: Ipv4Addr, priority: u8) -> Vec<u8> {
    let vrrp = seed_repr(priority).emit(Family::V4, IpAddr::V4(src), IpAddr::V4(MCAST_GROUP_V4));
    Ipv4Header::emit_keepalived(src, MCAST_GROUP_V4, PROTO_VRRP, 1, &vrrp)
}

#[test]
fn node_a_advert_matches_keepalived_capture() {
    let ours = seed_packet(Ipv4Addr::new(192, 168, 1, 198), 100);
    assert_eq!(ours, NODE_A_ADVERT);
}

#[test]
fn node_b_advert_matches_documented_layout() {
    let ours = seed_packet(Ipv4Addr::new(192, 168, 1, 199), 90);
    assert_eq!(ours, NODE_B_ADVERT);
}

#[test]
fn garp_matches_keepalived_capture() {
    assert_eq!(
        gratuitous_arp([0x82, 0x60, 0x86, 0x90, 0xf1, 0x7f], VIP),
        NODE_A_GARP
    );
}

#[test]
fn captured_advert_decodes() {
    let (ip, payload) = Ipv4Header::parse(&NODE_A_ADVERT).unwrap();
    assert_eq!(ip.header_len, 20);
    assert_eq!(ip.tos, 0xc0);
    assert_eq!(ip.total_len, 40);
    assert_eq!(ip.ident, 1);
    assert_eq!(ip.flags_frag, 0);
    assert_eq!(ip.ttl, 255);
    assert_eq!(ip.protocol, PROTO_VRRP);
    assert_eq!(ip.checksum, 0x1824);
    assert_eq!(ip.src, Ipv4Addr::new(192, 168, 1, 198));
    assert_eq!(ip.dst, MCAST_GROUP_V4);
    assert!(Ipv4Header::checksum_ok(&NODE_A_ADVERT));

    let pkt = VrrpPacket::new_checked(payload).unwrap();
    assert_eq!(pkt.version(), 2);
    assert_eq!(pkt.kind(), 1);
    assert_eq!(pkt.vrid(), 51);
    assert_eq!(pkt.priority(), 100);
    assert_eq!(pkt.addr_count(), 1);
    assert_eq!(pkt.auth_type(), 1);
    assert_eq!(pkt.advert_int_raw(), 1);
    assert_eq!(pkt.checksum(), 0x54ed);
    assert_eq!(pkt.auth_data(), Some(*b"1111\0\0\0\0"));
    assert_eq!(pkt.expected_len(Family::V4), 20);
    assert_eq!(
        pkt.addresses(Family::V4).collect::<Vec<_>>(),
        vec![IpAddr::V4(VIP)]
    );
    assert_eq!(
        pkt.checksum_form(Family::V4, IpAddr::V4(ip.src), IpAddr::V4(ip.dst)),
        Some(ChecksumForm::Plain)
    );
    assert_eq!(VrrpRepr::parse(&pkt, Family::V4).unwrap(), seed_repr(100));
}

#[test]
fn corrupted_checksum_is_detected() {
    let mut bad = NODE_A_ADVERT;
    bad[26] ^= 0x01; // VRRP checksum byte
    let pkt = VrrpPacket::new_checked(&bad[20..]).unwrap();
    let (src, dst) = (
        IpAddr::V4(Ipv4Addr::new(192, 168, 1, 198)),
        IpAddr::V4(MCAST_GROUP_V4),
    );
    assert_eq!(pkt.checksum_form(Family::V4, src, dst), None);
    bad[10] ^= 0x01; // IP header checksum
    assert!(!Ipv4Header::checksum_ok(&bad));
}

/// VRRPv3/IPv4 as keepalived 1.3.5 emits it: pseudo-header with destination 224.0.0.18
/// even when the packet goes to a unicast peer. Checksum 0x04ef computed by hand.
#[test]
fn v3_ipv4_pseudo_header_uses_group_even_for_unicast() {
    let repr = VrrpRepr {
        version: Version::V3,
        vrid: 51,
        priority: 100,
        advert_int: Duration::from_millis(1000),
        auth_type: 0,
        addresses: vec![IpAddr::V4(VIP)],
        auth_data: [0; 8],
    };
    let src = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 198));
    let group = IpAddr::V4(MCAST_GROUP_V4);
    let bytes = repr.emit(Family::V4, src, group);
    assert_eq!(
        bytes,
        [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x04, 0xef, 0xc0, 0xa8, 0x01, 0xd2]
    );
    let pkt = VrrpPacket::new_checked(&bytes[..]).unwrap();
    assert_eq!(
        pkt.checksum_form(Family::V4, src, group),
        Some(ChecksumForm::PseudoHeader)
    );
    // Checked against the real unicast destination the 1.3.5 checksum does not verify.
    let peer = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 199));
    assert_eq!(pkt.checksum_form(Family::V4, src, peer), None);
    assert_eq!(VrrpRepr::parse(&pkt, Family::V4).unwrap(), repr);
}

/// A v3 peer using the "v2-style" checksum (no pseudo-header) is accepted and reported.
#[test]
fn v3_plain_checksum_is_accepted_and_reported() {
    // Same message as above with the plain checksum 0xa7ec (computed by hand).
    let bytes = [
        0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0xa7, 0xec, 0xc0, 0xa8, 0x01, 0xd2,
    ];
    let pkt = VrrpPacket::new_checked(&bytes[..]).unwrap();
    let src = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 198));
    assert_eq!(
        pkt.checksum_form(Family::V4, src, IpAddr::V4(MCAST_GROUP_V4)),
        Some(ChecksumForm::Plain)
    );
}
