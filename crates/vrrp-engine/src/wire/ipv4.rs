//! The IPv4 header, as keepalived writes it on its `IP_HDRINCL` raw socket.

use std::net::Ipv4Addr;

use super::checksum::internet_checksum;
use super::WireError;

/// IP protocol number of VRRP.
pub const PROTO_VRRP: u8 = 112;
/// IP protocol number of IPsec AH (keepalived's `auth_type AH`).
pub const PROTO_AH: u8 = 51;
/// TOS keepalived writes (DSCP CS6, "network control").
pub const KEEPALIVED_TOS: u8 = 0xC0;
/// TTL keepalived writes and requires on multicast receive (RFC 3768 §7.1).
pub const VRRP_TTL: u8 = 255;
/// Length of an IPv4 header without options.
pub const MIN_HEADER_LEN: usize = 20;

/// A decoded IPv4 header (options, if any, are skipped but counted in `header_len`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Header {
    /// Header length in bytes (IHL × 4).
    pub header_len: usize,
    /// Type of service byte.
    pub tos: u8,
    /// Total length field.
    pub total_len: u16,
    /// Identification field.
    pub ident: u16,
    /// Flags (3 bits) and fragment offset (13 bits).
    pub flags_frag: u16,
    /// Time to live.
    pub ttl: u8,
    /// Protocol number.
    pub protocol: u8,
    /// Header checksum as received.
    pub checksum: u16,
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
}

impl Ipv4Header {
    /// Decodes the header at the start of `bytes`; returns it and the payload
    /// `bytes[header_len..]` (the whole rest of the buffer: the caller compares
    /// `total_len` with what it received, as keepalived logs that mismatch separately).
    pub fn parse(bytes: &[u8]) -> Result<(Ipv4Header, &[u8]), WireError> {
        if bytes.len() < MIN_HEADER_LEN {
            return Err(WireError::Truncated {
                what: "IPv4 header",
                got: bytes.len(),
                need: MIN_HEADER_LEN,
            });
        }
        let version = bytes[0] >> 4;
        if version != 4 {
            return Err(WireError::IpVersion(version));
        }
        let ihl = bytes[0] & 0x0f;
        if ihl < 5 {
            return Err(WireError::IpHeaderLen(ihl));
        }
        let header_len = usize::from(ihl) * 4;
        if bytes.len() < header_len {
            return Err(WireError::Truncated {
                what: "IPv4 header with options",
                got: bytes.len(),
                need: header_len,
            });
        }
        let be16 = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
        let header = Ipv4Header {
            header_len,
            tos: bytes[1],
            total_len: be16(2),
            ident: be16(4),
            flags_frag: be16(6),
            ttl: bytes[8],
            protocol: bytes[9],
            checksum: be16(10),
            src: Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]),
            dst: Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]),
        };
        Ok((header, &bytes[header_len..]))
    }

    /// Whether the header checksum of the header at the start of `bytes` verifies
    /// (false if `bytes` is not a complete header).
    pub fn checksum_ok(bytes: &[u8]) -> bool {
        match Ipv4Header::parse(bytes) {
            Ok((h, _)) => internet_checksum(&[&bytes[..h.header_len]]) == 0,
            Err(_) => false,
        }
    }

    /// Builds keepalived's packet: version 4, IHL 5, TOS 0xC0, total length, the given ID,
    /// no DF / fragment offset 0, TTL 255, the protocol, header checksum filled; followed
    /// by `payload`. A payload longer than 65515 bytes is not representable and is
    /// truncated (VRRP messages are at most a few kilobytes).
    pub fn emit_keepalived(
        src: Ipv4Addr,
        dst: Ipv4Addr,
        protocol: u8,
        ident: u16,
        payload: &[u8],
    ) -> Vec<u8> {
        let payload = &payload[..payload.len().min(usize::from(u16::MAX) - MIN_HEADER_LEN)];
        let total_len = (MIN_HEADER_LEN + payload.len()) as u16;
        let mut out = Vec::with_capacity(MIN_HEADER_LEN + payload.len());
        out.push(0x45);
        out.push(KEEPALIVED_TOS);
        out.extend_from_slice(&total_len.to_be_bytes());
        out.extend_from_slice(&ident.to_be_bytes());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.push(VRRP_TTL);
        out.push(protocol);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&src.octets());
        out.extend_from_slice(&dst.octets());
        let sum = internet_checksum(&[&out]);
        out[10..12].copy_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }
}
