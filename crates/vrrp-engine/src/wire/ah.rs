//! keepalived's `auth_type AH`: an IPsec AH header (RFC 2402 layout) between the IPv4
//! header and the VRRPv2 message, with an HMAC-MD5-96 ICV keyed by the 8-byte password.

use std::net::Ipv4Addr;

use super::WireError;

/// Length of keepalived's AH header (12 fixed bytes + 12-byte ICV).
pub const AH_LEN: usize = 24;

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
    pub icv: [u8; 12],
}

impl AhHeader {
    /// Decodes the AH header at the start of `bytes`, returning it and the VRRP message after it.
    pub fn parse(bytes: &[u8]) -> Result<(AhHeader, &[u8]), WireError> {
        let _ = bytes;
        todo!()
    }
}

/// Builds a whole IPv4 packet (protocol 51) carrying `vrrp` behind an AH header with
/// sequence number `seq`, authenticated with `key`.
pub fn build_ah_advert(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ident: u16,
    seq: u32,
    key: &[u8; 8],
    vrrp: &[u8],
) -> Vec<u8> {
    let _ = (src, dst, ident, seq, key, vrrp);
    todo!()
}

/// Whether the whole IPv4 packet `ip_packet` carries an AH header whose ICV verifies with `key`.
pub fn verify_ah(ip_packet: &[u8], key: &[u8; 8]) -> bool {
    let _ = (ip_packet, key);
    todo!()
}
