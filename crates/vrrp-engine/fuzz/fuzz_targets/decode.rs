//! Fuzzes every decoder a received packet goes through: the IPv4 header, keepalived's AH
//! header and ICV check, the VRRP view and its accessors, and `VrrpRepr::parse`, checking
//! that whatever parses survives an emit/parse round trip unchanged.

#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use libfuzzer_sys::fuzz_target;
use vrrp_engine::wire::ah::{verify_ah, AhHeader};
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_AH};
use vrrp_engine::wire::vrrp::{VrrpPacket, VrrpRepr};
use vrrp_engine::Family;

fn vrrp(bytes: &[u8], src: IpAddr, dst: IpAddr) {
    let Ok(pkt) = VrrpPacket::new_checked(bytes) else {
        assert!(bytes.len() < 8);
        return;
    };
    for family in [Family::V4, Family::V6] {
        let _ = (
            pkt.version(),
            pkt.kind(),
            pkt.vrid(),
            pkt.priority(),
            pkt.addr_count(),
        );
        let _ = (
            pkt.auth_type(),
            pkt.advert_int_raw(),
            pkt.checksum(),
            pkt.auth_data(),
        );
        let _ = pkt.expected_len(family);
        assert!(pkt.addresses(family).count() <= usize::from(pkt.addr_count()));
        let _ = pkt.checksum_form(family, src, dst);
        if let Ok(repr) = VrrpRepr::parse(&pkt, family) {
            let bytes = repr.emit(family, src, dst);
            assert_eq!(bytes.len(), repr.buffer_len(family));
            let again = VrrpPacket::new_checked(&bytes[..]).expect("emitted header");
            assert_eq!(VrrpRepr::parse(&again, family).as_ref(), Ok(&repr));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    // The input as a bare VRRP message…
    vrrp(data, unspecified, unspecified);
    // …and as a whole IPv4 packet.
    if let Ok((ip, payload)) = Ipv4Header::parse(data) {
        let _ = Ipv4Header::checksum_ok(data);
        let (src, dst) = (IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
        if ip.protocol == PROTO_AH {
            let _ = verify_ah(data, b"1111\0\0\0\0");
            if let Ok((_, inner)) = AhHeader::parse(payload) {
                vrrp(inner, src, dst);
            }
        } else {
            vrrp(payload, src, dst);
        }
    }
});
