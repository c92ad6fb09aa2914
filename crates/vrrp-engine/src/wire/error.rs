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
    /// VRRP version nibble is neither 2 nor 3.
    #[error("VRRP version {0}, expected 2 or 3")]
    VrrpVersion(u8),
    /// VRRP type nibble is not 1 (advertisement).
    #[error("VRRP packet type {0}, expected 1")]
    VrrpType(u8),
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
}

#[cfg(test)]
mod tests {
    use super::WireError;

    #[test]
    fn messages_carry_the_numbers() {
        let e = WireError::Truncated {
            what: "VRRP header",
            got: 3,
            need: 8,
        };
        assert_eq!(
            e.to_string(),
            "VRRP header too short: 3 bytes, need at least 8"
        );
        let e = WireError::AddressCount {
            count: 2,
            got: 12,
            need: 24,
        };
        assert_eq!(
            e.to_string(),
            "VRRP message length 12 too short for 2 addresses, need 24"
        );
        assert_eq!(
            WireError::VrrpVersion(4).to_string(),
            "VRRP version 4, expected 2 or 3"
        );
        assert_eq!(
            WireError::IpHeaderLen(3).to_string(),
            "IPv4 header length 3 words, expected at least 5"
        );
    }
}
