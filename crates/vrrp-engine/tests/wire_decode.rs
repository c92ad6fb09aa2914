//! Structural rejections (each a typed `WireError` with its numbers) and the edge cases
//! of the VRRP view and representation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use vrrp_engine::wire::vrrp::{VrrpPacket, VrrpRepr};
use vrrp_engine::wire::WireError;
use vrrp_engine::{Family, Version};

const SEED: [u8; 20] = [
    0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x54, 0xed, 0xc0, 0xa8, 0x01, 0xd2, 0x31, 0x31, 0x31, 0x31,
    0, 0, 0, 0,
];

fn parse(bytes: &[u8], family: Family) -> Result<VrrpRepr, WireError> {
    VrrpRepr::parse(&VrrpPacket::new_checked(bytes)?, family)
}

#[test]
fn vrrp_structural_rejections() {
    assert_eq!(
        VrrpPacket::new_checked(&SEED[..7]).unwrap_err(),
        WireError::Truncated {
            what: "VRRP header",
            got: 7,
            need: 8
        }
    );
    let mut b = SEED;
    b[0] = 0x41;
    assert_eq!(parse(&b, Family::V4), Err(WireError::VrrpVersion(4)));
    b[0] = 0x22;
    assert_eq!(parse(&b, Family::V4), Err(WireError::VrrpType(2)));
    // v2/IPv4 with one address needs 8 + 4 + 8 bytes.
    assert_eq!(
        parse(&SEED[..19], Family::V4),
        Err(WireError::AddressCount {
            count: 1,
            got: 19,
            need: 20
        })
    );
    let mut b = SEED;
    b[3] = 3;
    let e = parse(&b, Family::V4).unwrap_err();
    assert_eq!(
        e,
        WireError::AddressCount {
            count: 3,
            got: 20,
            need: 28
        }
    );
    assert_eq!(
        e.to_string(),
        "VRRP message length 20 too short for 3 addresses, need 28"
    );
    // The same bytes as IPv6: one 16-byte address fits only without auth data.
    assert_eq!(
        parse(&SEED[..16], Family::V6).unwrap_err().to_string(),
        "VRRP message length 16 too short for 1 addresses, need 24"
    );
}

#[test]
fn accessors_are_bounded_by_the_buffer() {
    let mut b = SEED;
    b[3] = 200; // claims 200 addresses
    let pkt = VrrpPacket::new_checked(&b[..]).unwrap();
    assert_eq!(pkt.addresses(Family::V4).count(), 3); // only 12 bytes follow the header
    assert_eq!(pkt.addresses(Family::V6).count(), 0);
    assert_eq!(pkt.expected_len(Family::V4), 8 + 800 + 8);
    assert_eq!(pkt.expected_len(Family::V6), 8 + 3200);
    let short = VrrpPacket::new_checked(&SEED[..8]).unwrap();
    assert_eq!(short.auth_data(), None);
    assert_eq!(short.addresses(Family::V4).count(), 0);
}

#[test]
fn trailing_bytes_are_left_to_the_length_check() {
    let mut b = SEED.to_vec();
    b.extend_from_slice(&[9, 9, 9, 9]);
    let pkt = VrrpPacket::new_checked(&b[..]).unwrap();
    assert_eq!(pkt.expected_len(Family::V4), 20);
    // The structural parse takes the auth data from its place in the layout...
    assert_eq!(
        VrrpRepr::parse(&pkt, Family::V4).unwrap().auth_data,
        *b"1111\0\0\0\0"
    );
    // ...while auth_data() is where keepalived compares it: the last 8 bytes received.
    assert_eq!(pkt.auth_data(), Some([0, 0, 0, 0, 9, 9, 9, 9]));
}

#[test]
fn v3_fields() {
    // Reserved bits set, interval 0xfff centiseconds.
    let b = [0x31, 7, 255, 0, 0xff, 0xff, 0, 0];
    let pkt = VrrpPacket::new_checked(&b[..]).unwrap();
    assert_eq!(pkt.advert_int_raw(), 4095);
    assert_eq!(pkt.auth_type(), 0);
    assert_eq!(pkt.auth_data(), None);
    assert_eq!(pkt.expected_len(Family::V4), 8);
    let r = VrrpRepr::parse(&pkt, Family::V4).unwrap();
    assert_eq!(r.advert_int, Duration::from_millis(40_950));
    assert_eq!(
        (r.version, r.vrid, r.priority, r.auth_type),
        (Version::V3, 7, 255, 0)
    );
}

#[test]
fn emit_saturates_and_keeps_only_the_family() {
    let src = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let mut r = VrrpRepr {
        version: Version::V2,
        vrid: 1,
        priority: 100,
        advert_int: Duration::from_secs(1000),
        auth_type: 0,
        addresses: vec![
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3)),
        ],
        auth_data: [0; 8],
    };
    let b = r.emit(Family::V4, src, src);
    assert_eq!(b.len(), r.buffer_len(Family::V4));
    assert_eq!(b.len(), 8 + 2 * 4 + 8);
    assert_eq!((b[3], b[5]), (2, 255));
    r.version = Version::V3;
    r.advert_int = Duration::from_secs(60);
    let b = r.emit(Family::V6, src, src);
    assert_eq!(b.len(), 8 + 16);
    assert_eq!(b[3], 1);
    assert_eq!(u16::from_be_bytes([b[4], b[5]]), 4095);
    // At most 255 addresses fit the count byte.
    r.addresses = (0..300u32).map(|i| IpAddr::V4(Ipv4Addr::from(i))).collect();
    let b = r.emit(Family::V4, src, src);
    assert_eq!(b[3], 255);
    assert_eq!(b.len(), 8 + 255 * 4);
}

#[test]
fn ipv4_structural_rejections() {
    let pkt = Ipv4Header::emit_keepalived(
        Ipv4Addr::new(192, 168, 1, 198),
        Ipv4Addr::new(224, 0, 0, 18),
        PROTO_VRRP,
        1,
        &SEED,
    );
    assert_eq!(
        Ipv4Header::parse(&pkt[..19]).unwrap_err(),
        WireError::Truncated {
            what: "IPv4 header",
            got: 19,
            need: 20
        }
    );
    let mut b = pkt.clone();
    b[0] = 0x65;
    assert_eq!(Ipv4Header::parse(&b).unwrap_err(), WireError::IpVersion(6));
    b[0] = 0x44;
    assert_eq!(
        Ipv4Header::parse(&b).unwrap_err(),
        WireError::IpHeaderLen(4)
    );
    b[0] = 0x4f; // 60-byte header claimed, 40 bytes present
    assert_eq!(
        Ipv4Header::parse(&b).unwrap_err(),
        WireError::Truncated {
            what: "IPv4 header with options",
            got: 40,
            need: 60
        }
    );
    // Options are skipped: IHL 6 puts the payload 24 bytes in.
    b[0] = 0x46;
    let (h, payload) = Ipv4Header::parse(&b).unwrap();
    assert_eq!((h.header_len, payload.len()), (24, 16));
}
