//! Golden tests against real keepalived 2.2.7 captures in `testdata/wire/` (regenerate
//! with `testdata/wire/capture.sh`): every captured packet verifies with our checks and
//! is rebuilt byte for byte by our emitters.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use vrrp_engine::wire::ah::{build_ah_advert, verify_ah, AhHeader};
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_AH, PROTO_VRRP};
use vrrp_engine::wire::ndisc::unsolicited_na;
use vrrp_engine::wire::vrrp::{ChecksumForm, VrrpPacket, VrrpRepr, MCAST_GROUP_V4};
use vrrp_engine::{Family, Version};

const MAC: [u8; 6] = [0x82, 0x60, 0x86, 0x90, 0xf1, 0x7f];

/// Frames of a classic little-endian microsecond pcap file.
fn read_pcap(name: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/wire")
        .join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&data[..4], &0xa1b2_c3d4u32.to_le_bytes(), "pcap magic");
    assert_eq!(
        u32::from_le_bytes(data[20..24].try_into().unwrap()),
        1,
        "linktype Ethernet"
    );
    let mut frames = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        frames.push(data[at + 16..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    assert_eq!(at, data.len());
    frames
}

fn ethertype(frame: &[u8]) -> u16 {
    u16::from_be_bytes([frame[12], frame[13]])
}

#[test]
fn keepalived_ah_adverts_verify_and_rebuild() {
    let key = *b"1111\0\0\0\0";
    let frames = read_pcap("keepalived-ah.pcap");
    assert!(frames.len() >= 2);
    for (i, frame) in frames.iter().enumerate() {
        let ip_bytes = &frame[14..];
        assert!(verify_ah(ip_bytes, &key), "frame {i}");
        assert!(!verify_ah(ip_bytes, b"1112\0\0\0\0"), "frame {i}");
        let (ip, payload) = Ipv4Header::parse(ip_bytes).unwrap();
        assert_eq!(
            (ip.protocol, ip.ttl, ip.tos, ip.flags_frag),
            (PROTO_AH, 255, 0xc0, 0)
        );
        let (ah, vrrp) = AhHeader::parse(payload).unwrap();
        assert_eq!(ah.spi, u32::from(ip.src));
        assert_eq!(ah.seq, i as u32 + 1, "sequence counts from 1");
        let pkt = VrrpPacket::new_checked(vrrp).unwrap();
        assert_eq!(pkt.auth_type(), 2);
        assert_eq!(
            pkt.auth_data(),
            Some([0; 8]),
            "AH adverts carry zero auth data"
        );
        assert_eq!(
            pkt.checksum_form(Family::V4, IpAddr::V4(ip.src), IpAddr::V4(ip.dst)),
            Some(ChecksumForm::Plain)
        );
        let repr = VrrpRepr::parse(&pkt, Family::V4).unwrap();
        let again = repr.emit(Family::V4, IpAddr::V4(ip.src), IpAddr::V4(MCAST_GROUP_V4));
        assert_eq!(again, vrrp);
        let rebuilt = build_ah_advert(ip.src, ip.dst, ip.ident, ah.seq, &key, &again, false);
        assert_eq!(rebuilt, ip_bytes, "frame {i}");
    }
    // The last advert is the priority-0 one sent on shutdown.
    let last = &frames[frames.len() - 1][14 + 20 + 24..];
    assert_eq!(VrrpPacket::new_checked(last).unwrap().priority(), 0);
}

#[test]
fn keepalived_v3_ipv4_adverts_verify_and_rebuild() {
    let frames = read_pcap("keepalived-v3v4.pcap");
    assert!(frames.len() >= 2);
    for frame in &frames {
        let ip_bytes = &frame[14..];
        let (ip, vrrp) = Ipv4Header::parse(ip_bytes).unwrap();
        assert_eq!(ip.protocol, PROTO_VRRP);
        let pkt = VrrpPacket::new_checked(vrrp).unwrap();
        assert_eq!(
            pkt.checksum_form(Family::V4, IpAddr::V4(ip.src), IpAddr::V4(ip.dst)),
            Some(ChecksumForm::PseudoHeader)
        );
        let repr = VrrpRepr::parse(&pkt, Family::V4).unwrap();
        assert_eq!(repr.version, Version::V3);
        assert_eq!(repr.advert_int.as_millis(), 1000);
        assert_eq!(
            repr.addresses,
            [
                IpAddr::V4(Ipv4Addr::new(192, 168, 1, 210)),
                IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))
            ]
        );
        let again = repr.emit(Family::V4, IpAddr::V4(ip.src), IpAddr::V4(MCAST_GROUP_V4));
        let rebuilt = Ipv4Header::emit_keepalived(ip.src, ip.dst, PROTO_VRRP, ip.ident, &again);
        assert_eq!(rebuilt, ip_bytes);
    }
}

#[test]
fn keepalived_v3_ipv6_adverts_and_nas() {
    let frames = read_pcap("keepalived-v3v6.pcap");
    let vip: Ipv6Addr = "2001:db8::210".parse().unwrap();
    let (mut adverts, mut nas) = (0, 0);
    for frame in &frames {
        assert_eq!(ethertype(frame), 0x86dd);
        let ip6 = &frame[14..];
        let next_header = ip6[6];
        if next_header == 58 {
            // keepalived's unsolicited NA, rebuilt exactly (forwarding off: no Router flag).
            assert_eq!(frame.as_slice(), unsolicited_na(MAC, vip, false).as_slice());
            nas += 1;
            continue;
        }
        assert_eq!(next_header, PROTO_VRRP);
        assert_eq!(ip6[7], 255, "hop limit");
        let src = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[8..24]).unwrap());
        let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[24..40]).unwrap());
        let vrrp = &ip6[40..];
        let pkt = VrrpPacket::new_checked(vrrp).unwrap();
        assert_eq!(pkt.expected_len(Family::V6), vrrp.len());
        assert_eq!(
            pkt.checksum_form(Family::V6, IpAddr::V6(src), IpAddr::V6(dst)),
            Some(ChecksumForm::PseudoHeader),
            "kernel-filled IPv6 checksum"
        );
        let repr = VrrpRepr::parse(&pkt, Family::V6).unwrap();
        assert_eq!((repr.version, repr.vrid), (Version::V3, 52));
        assert_eq!(repr.addresses, [IpAddr::V6(vip)]);
        assert_eq!(
            repr.emit(Family::V6, IpAddr::V6(src), IpAddr::V6(dst)),
            vrrp
        );
        adverts += 1;
    }
    assert!(adverts >= 2 && nas >= 1, "adverts {adverts}, NAs {nas}");
}
