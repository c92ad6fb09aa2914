//! Structural decoding errors.

/// Why a buffer is not a well-formed IPv4 header, AH header or VRRP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Buffer shorter than the structure requires.
    #[error("{what} too short: {got} bytes, need at least {need}")]
    Truncated {
        /// Which structure.
        what: &'static str,
        /// Bytes available.
        got: usize,
        /// Bytes required.
        need: usize,
    },
    /// IPv4 version nibble is not 4.
    #[error("IP version {0}, expected 4")]
    IpVersion(u8),
    /// IPv4 IHL below 5 words.
    #[error("IPv4 header length {0} words, expected at least 5")]
    IpHeaderLen(u8),
    /// IPv4 total length smaller than the header or larger than the buffer.
    #[error("IPv4 total length {total_len} inconsistent with header length {header_len} and buffer length {buf_len}")]
    IpTotalLen {
        /// Value of the total-length field.
        total_len: u16,
        /// Header length in bytes.
        header_len: usize,
        /// Bytes received.
        buf_len: usize,
    },
    /// VRRP version nibble is neither 2 nor 3.
    #[error("VRRP version {0}, expected 2 or 3")]
    VrrpVersion(u8),
    /// VRRP type nibble is not 1 (advertisement).
    #[error("VRRP packet type {0}, expected 1")]
    VrrpType(u8),
    /// VRRPv2 over IPv6 does not exist.
    #[error("VRRP version {0} is not defined over IPv6")]
    VersionFamily(u8),
    /// Message shorter than 8 + count × address size (+ auth).
    #[error("VRRP message length {got} too short for {count} addresses, need {need}")]
    AddressCount {
        /// Address count field.
        count: u8,
        /// Bytes available.
        got: usize,
        /// Bytes required.
        need: usize,
    },
    /// AH next-header field is not VRRP (112).
    #[error("AH next header {0}, expected 112")]
    AhNextHeader(u8),
    /// AH payload length field is not keepalived's 4 (24-byte header).
    #[error("AH payload length {0}, expected 4")]
    AhPayloadLen(u8),
    /// IP protocol is neither VRRP (112) nor AH (51).
    #[error("IP protocol {0}, expected 112 or 51")]
    IpProtocol(u8),
}
