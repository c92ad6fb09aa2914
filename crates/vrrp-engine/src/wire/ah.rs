//! keepalived's `auth_type AH`: an IPsec AH header (RFC 2402 layout) between the IPv4
//! header and the VRRPv2 message, with an HMAC-MD5-96 ICV keyed by the 8-byte
//! (zero-padded) password.
//!
//! As keepalived does it: IP protocol 51; AH next header 112, payload length 4 (a 24-byte
//! header), SPI = the source IPv4 address, sequence number counting up from 1; the ICV is
//! the first 12 bytes of HMAC-MD5 over the whole IP packet with the IP header's TOS,
//! fragment field and checksum zeroed and the ICV field zeroed — and the TTL zeroed too
//! when the instance has unicast peers (1.3.5 and 2.x both do that, on send and receive).
//! The VRRP message inside has auth type 2 and eight zero bytes of auth data.

use std::net::Ipv4Addr;

use super::ipv4::{Ipv4Header, MIN_HEADER_LEN, PROTO_AH, PROTO_VRRP};
use super::md5::hmac_md5;
use super::WireError;

/// Length of keepalived's AH header (12 fixed bytes + 12-byte ICV).
pub const AH_LEN: usize = 24;
/// AH payload-length field for a 24-byte header (32-bit words minus 2).
pub const AH_PAYLOAD_LEN: u8 = 4;
/// Length of the truncated HMAC-MD5 ICV.
pub const ICV_LEN: usize = 12;
/// Offset of the ICV inside the AH header.
const ICV_OFFSET: usize = 12;

/// A decoded AH header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AhHeader {
    /// Next header (112 = VRRP).
    pub next_header: u8,
    /// Payload length field (keepalived: 4).
    pub payload_len: u8,
    /// Security parameters index (keepalived: the source IPv4 address).
    pub spi: u32,
    /// Sequence number.
    pub seq: u32,
    /// Integrity check value: the first 96 bits of the HMAC-MD5.
    pub icv: [u8; ICV_LEN],
}

impl AhHeader {
    /// Reads the AH fields at the start of `bytes` (the IPv4 payload) as keepalived does on
    /// receive: at fixed offsets, without judging the next-header or length fields (both are
    /// covered by the ICV). `None` if `bytes` is shorter than an AH header.
    pub fn read(bytes: &[u8]) -> Option<AhHeader> {
        let b: &[u8; AH_LEN] = bytes.get(..AH_LEN)?.try_into().ok()?;
        let be32 = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut icv = [0u8; ICV_LEN];
        icv.copy_from_slice(&b[ICV_OFFSET..]);
        Some(AhHeader {
            next_header: b[0],
            payload_len: b[1],
            spi: be32(4),
            seq: be32(8),
            icv,
        })
    }

    /// Decodes the AH header at the start of `bytes` (the IPv4 payload), returning it and
    /// the VRRP message after it. Rejects a next header other than VRRP and a length
    /// other than keepalived's 24 bytes.
    pub fn parse(bytes: &[u8]) -> Result<(AhHeader, &[u8]), WireError> {
        if bytes.len() < AH_LEN {
            return Err(WireError::Truncated {
                what: "AH header",
                got: bytes.len(),
                need: AH_LEN,
            });
        }
        if bytes[0] != PROTO_VRRP {
            return Err(WireError::AhNextHeader(bytes[0]));
        }
        if bytes[1] != AH_PAYLOAD_LEN {
            return Err(WireError::AhPayloadLen(bytes[1]));
        }
        let be32 =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let mut icv = [0u8; ICV_LEN];
        icv.copy_from_slice(&bytes[ICV_OFFSET..AH_LEN]);
        let header = AhHeader {
            next_header: bytes[0],
            payload_len: bytes[1],
            spi: be32(4),
            seq: be32(8),
            icv,
        };
        Ok((header, &bytes[AH_LEN..]))
    }
}

/// The ICV of a whole IPv4+AH+VRRP packet: HMAC-MD5-96 with the mutable IP fields (TOS,
/// flags/fragment offset, header checksum; the TTL too when `zero_ttl`) and the ICV itself
/// taken as zero. `None` unless `packet` holds the IPv4 header and an AH header.
fn compute_icv(
    packet: &[u8],
    header_len: usize,
    key: &[u8; 8],
    zero_ttl: bool,
) -> Option<[u8; ICV_LEN]> {
    if header_len < MIN_HEADER_LEN || packet.len() < header_len + AH_LEN {
        return None;
    }
    let mut ip = packet[..header_len].to_vec();
    ip[1] = 0; // TOS
    ip[6] = 0; // flags + fragment offset
    ip[7] = 0;
    if zero_ttl {
        ip[8] = 0;
    }
    ip[10] = 0; // header checksum
    ip[11] = 0;
    let ah = &packet[header_len..header_len + AH_LEN];
    let digest = hmac_md5(
        key,
        &[
            &ip,
            &ah[..ICV_OFFSET],
            &[0u8; ICV_LEN],
            &packet[header_len + AH_LEN..],
        ],
    );
    let mut icv = [0u8; ICV_LEN];
    icv.copy_from_slice(&digest[..ICV_LEN]);
    Some(icv)
}

/// Builds a whole IPv4 packet (keepalived's header, protocol 51) carrying the VRRP
/// message `vrrp` behind an AH header with SPI = `src` and sequence number `seq`,
/// authenticated with `key` (the password zero-padded to 8 bytes). `unicast`: the
/// instance has unicast peers, so the TTL is left out of the ICV as keepalived does.
pub fn build_ah_advert(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ident: u16,
    seq: u32,
    key: &[u8; 8],
    vrrp: &[u8],
    unicast: bool,
) -> Vec<u8> {
    let mut payload = Vec::with_capacity(AH_LEN + vrrp.len());
    payload.extend_from_slice(&[PROTO_VRRP, AH_PAYLOAD_LEN, 0, 0]);
    payload.extend_from_slice(&src.octets());
    payload.extend_from_slice(&seq.to_be_bytes());
    payload.extend_from_slice(&[0u8; ICV_LEN]);
    payload.extend_from_slice(vrrp);
    let mut packet = Ipv4Header::emit_keepalived(src, dst, PROTO_AH, ident, &payload);
    if let Some(icv) = compute_icv(&packet, MIN_HEADER_LEN, key, unicast) {
        let at = MIN_HEADER_LEN + ICV_OFFSET;
        packet[at..at + ICV_LEN].copy_from_slice(&icv);
    }
    packet
}

/// Whether the ICV of `ip_packet` (a whole IPv4 packet as received, header included, with
/// an AH header right after the IP header) verifies with `key` over the whole packet.
/// `unicast`: the receiving instance has unicast peers (TTL left out, as keepalived does).
/// Neither the protocol field nor the AH header's other fields are judged here (keepalived
/// reads them at fixed offsets); false for anything too short to hold the headers.
pub fn icv_valid(ip_packet: &[u8], key: &[u8; 8], unicast: bool) -> bool {
    let Some(first) = ip_packet.first() else {
        return false;
    };
    let header_len = usize::from(first & 0x0f) * 4;
    let Some(received) = ip_packet
        .get(header_len..)
        .and_then(AhHeader::read)
        .map(|ah| ah.icv)
    else {
        return false;
    };
    let Some(expected) = compute_icv(ip_packet, header_len, key, unicast) else {
        return false;
    };
    // Constant-time comparison: the ICV is a MAC.
    expected
        .iter()
        .zip(received.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Whether the whole IPv4 packet `ip_packet` (as received, header included) is a
/// well-formed keepalived AH packet (protocol 51, next header 112, 24-byte AH header)
/// whose ICV, computed as for multicast, verifies with `key`. False for anything malformed.
pub fn verify_ah(ip_packet: &[u8], key: &[u8; 8]) -> bool {
    let Ok((ip, payload)) = Ipv4Header::parse(ip_packet) else {
        return false;
    };
    if ip.protocol != PROTO_AH || AhHeader::parse(payload).is_err() {
        return false;
    }
    icv_valid(ip_packet, key, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 198);
    const DST: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
    const KEY: [u8; 8] = *b"1111\0\0\0\0";

    fn sample() -> Vec<u8> {
        let vrrp = [
            0x21, 0x33, 0x64, 0x01, 0x02, 0x01, 0, 0, 192, 168, 1, 210, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        build_ah_advert(SRC, DST, 7, 1, &KEY, &vrrp, false)
    }

    #[test]
    fn layout() {
        let p = sample();
        assert_eq!(p.len(), 20 + 24 + 20);
        let (ip, payload) = Ipv4Header::parse(&p).unwrap();
        assert_eq!(
            (ip.protocol, ip.total_len, ip.ident, ip.ttl, ip.tos),
            (51, 64, 7, 255, 0xc0)
        );
        assert!(Ipv4Header::checksum_ok(&p));
        let (ah, vrrp) = AhHeader::parse(payload).unwrap();
        assert_eq!(ah.next_header, 112);
        assert_eq!(ah.payload_len, 4);
        assert_eq!(ah.spi, u32::from(SRC));
        assert_eq!(ah.seq, 1);
        assert_ne!(ah.icv, [0; 12]);
        assert_eq!(vrrp.len(), 20);
    }

    #[test]
    fn verifies_with_right_key_only() {
        let p = sample();
        assert!(verify_ah(&p, &KEY));
        assert!(!verify_ah(&p, b"1112\0\0\0\0"));
    }

    #[test]
    fn mutable_fields_do_not_matter_immutable_ones_do() {
        let mut p = sample();
        p[1] = 0x00; // TOS rewritten in transit
        p[6] = 0x40; // DF set
        p[10] ^= 0xff; // checksum
        assert!(verify_ah(&p, &KEY));
        for i in [4, 8, 9, 12, 16, 20 + 4, 20 + 8, 20 + 12, 20 + 24 + 2, 63] {
            let mut q = sample();
            q[i] ^= 0x01;
            assert!(!verify_ah(&q, &KEY), "byte {i} not covered");
        }
    }

    #[test]
    fn unicast_form_leaves_the_ttl_out() {
        let vrrp = [
            0x21, 0x33, 0x64, 0, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        let u = build_ah_advert(
            SRC,
            Ipv4Addr::new(192, 168, 1, 199),
            7,
            3,
            &KEY,
            &vrrp,
            true,
        );
        assert!(icv_valid(&u, &KEY, true));
        assert!(!icv_valid(&u, &KEY, false));
        let mut v = u.clone();
        v[8] = 1; // TTL
        assert!(icv_valid(&v, &KEY, true));
        // The multicast form covers it.
        let m = sample();
        let mut w = m.clone();
        w[8] = 1;
        assert!(icv_valid(&m, &KEY, false) && !icv_valid(&w, &KEY, false));
    }

    #[test]
    fn read_takes_the_fields_as_they_are() {
        let mut p = sample();
        p[20] = 6; // next header: parse refuses, read takes it (the ICV judges)
        let ah = AhHeader::read(&p[20..]).unwrap();
        assert_eq!((ah.next_header, ah.spi, ah.seq), (6, u32::from(SRC), 1));
        assert!(AhHeader::read(&p[20..43]).is_none());
        assert!(!icv_valid(&p, &KEY, false), "next header is covered");
        for n in 0..p.len() {
            assert!(!icv_valid(&p[..n], &KEY, false) || n == p.len());
        }
    }

    #[test]
    fn malformed_is_rejected_not_panicking() {
        let p = sample();
        for n in 0..p.len() {
            let _ = verify_ah(&p[..n], &KEY);
        }
        assert!(!verify_ah(&p[..43], &KEY));
        let mut q = p.clone();
        q[20] = 6;
        assert_eq!(AhHeader::parse(&q[20..]), Err(WireError::AhNextHeader(6)));
        q[20] = 112;
        q[21] = 5;
        assert_eq!(AhHeader::parse(&q[20..]), Err(WireError::AhPayloadLen(5)));
    }
}
