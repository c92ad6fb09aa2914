//! VRRP advertisements: RFC 3768 (v2) and RFC 5798 (v3), as keepalived builds them.
//!
//! Layout (both versions): `ver<<4|type`, VRID, priority, address count, then
//! v2: auth type (1 byte) + advert interval in seconds (1 byte); v3: 4 reserved bits +
//! 12-bit max advert interval in centiseconds; then the 16-bit checksum, the addresses,
//! and for v2 over IPv4 eight bytes of authentication data (always present).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use super::checksum::internet_checksum;
use super::ipv4::PROTO_VRRP;
use super::WireError;
use crate::config::{Family, Version};

/// Length of the fixed VRRP header.
pub const HEADER_LEN: usize = 8;
/// Length of the v2 authentication data.
pub const AUTH_DATA_LEN: usize = 8;
/// The only VRRP packet type: advertisement.
pub const TYPE_ADVERTISEMENT: u8 = 1;
/// Largest v3 advert interval in centiseconds (12 bits).
pub const MAX_V3_ADVERT_CS: u16 = 0x0fff;
/// keepalived's default IPv4 multicast group, also the v3/IPv4 pseudo-header destination
/// keepalived 1.3.5 uses for every packet, unicast included.
pub const MCAST_GROUP_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// The IPv6 VRRP multicast group.
pub const MCAST_GROUP_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// Which checksum computation a received message verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumForm {
    /// Over the VRRP message alone: VRRPv2 always; VRRPv3 from peers using the
    /// "v2-style" checksum.
    Plain,
    /// Over an IPv4/IPv6 pseudo-header plus the message (RFC 5798 §5.2.8).
    PseudoHeader,
}

fn addr_len(family: Family) -> usize {
    match family {
        Family::V4 => 4,
        Family::V6 => 16,
    }
}

/// A checked, read-only view of a VRRP message (the IP payload).
///
/// `new_checked` guarantees only the 8-byte fixed header; every accessor that reaches
/// beyond it is bounded by the buffer length, so no accessor panics.
#[derive(Debug, Clone)]
pub struct VrrpPacket<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> VrrpPacket<T> {
    /// Wraps `buf` after checking it holds at least the 8-byte fixed header.
    pub fn new_checked(buf: T) -> Result<Self, WireError> {
        let len = buf.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated {
                what: "VRRP header",
                got: len,
                need: HEADER_LEN,
            });
        }
        Ok(VrrpPacket { buf })
    }

    fn b(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.b()
    }

    /// Version nibble (2 or 3 when valid).
    pub fn version(&self) -> u8 {
        self.b()[0] >> 4
    }

    /// Type nibble (1 = advertisement).
    pub fn kind(&self) -> u8 {
        self.b()[0] & 0x0f
    }

    /// Virtual router ID.
    pub fn vrid(&self) -> u8 {
        self.b()[1]
    }

    /// Priority (0 = master is leaving, 255 = address owner).
    pub fn priority(&self) -> u8 {
        self.b()[2]
    }

    /// Address count field.
    pub fn addr_count(&self) -> u8 {
        self.b()[3]
    }

    /// v2 authentication type (0 none, 1 PASS, 2 AH); 0 for any other version.
    pub fn auth_type(&self) -> u8 {
        if self.version() == 2 {
            self.b()[4]
        } else {
            0
        }
    }

    /// Raw advert interval: v2 whole seconds (byte 5); otherwise the 12-bit max advert
    /// interval in centiseconds (bytes 4–5, reserved bits masked off).
    pub fn advert_int_raw(&self) -> u16 {
        if self.version() == 2 {
            u16::from(self.b()[5])
        } else {
            u16::from_be_bytes([self.b()[4], self.b()[5]]) & MAX_V3_ADVERT_CS
        }
    }

    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([self.b()[6], self.b()[7]])
    }

    /// The advertised addresses: at most `addr_count`, and only as many whole addresses
    /// as the buffer holds.
    pub fn addresses(&self, family: Family) -> impl Iterator<Item = IpAddr> + '_ {
        let size = addr_len(family);
        self.b()[HEADER_LEN..]
            .chunks_exact(size)
            .take(usize::from(self.addr_count()))
            .map(move |c| match family {
                Family::V4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
                Family::V6 => {
                    let mut o = [0u8; 16];
                    o.copy_from_slice(c);
                    IpAddr::V6(Ipv6Addr::from(o))
                }
            })
    }

    /// v2: the last 8 bytes of the message, where keepalived compares the password
    /// (`None` for other versions or a message without room for them after the header).
    pub fn auth_data(&self) -> Option<[u8; 8]> {
        let b = self.b();
        if self.version() != 2 || b.len() < HEADER_LEN + AUTH_DATA_LEN {
            return None;
        }
        let mut out = [0u8; 8];
        out.copy_from_slice(&b[b.len() - AUTH_DATA_LEN..]);
        Some(out)
    }

    /// Length a message with this header's version and address count has:
    /// 8 + count × (4 | 16), plus 8 bytes of auth data for v2 over IPv4.
    pub fn expected_len(&self, family: Family) -> usize {
        let auth = if self.version() == 2 && family == Family::V4 {
            AUTH_DATA_LEN
        } else {
            0
        };
        HEADER_LEN + usize::from(self.addr_count()) * addr_len(family) + auth
    }

    /// Which checksum form the whole buffer verifies with, if any. v2 accepts only
    /// [`ChecksumForm::Plain`]; v3 prefers the RFC 5798 pseudo-header over `src`/`dst`
    /// and falls back to the plain form some peers send.
    pub fn checksum_form(&self, family: Family, src: IpAddr, dst: IpAddr) -> Option<ChecksumForm> {
        let msg = self.b();
        if self.version() == 3
            && internet_checksum(&pseudo_chunks(family, src, dst, msg.len()).as_slices(msg)) == 0
        {
            return Some(ChecksumForm::PseudoHeader);
        }
        if internet_checksum(&[msg]) == 0 {
            return Some(ChecksumForm::Plain);
        }
        None
    }
}

/// Pseudo-header bytes (IPv4: 12, IPv6: 40) for a VRRP message of `len` bytes.
struct Pseudo {
    bytes: [u8; 40],
    len: usize,
}

impl Pseudo {
    fn as_slices<'a>(&'a self, msg: &'a [u8]) -> [&'a [u8]; 2] {
        [&self.bytes[..self.len], msg]
    }
}

fn v4_of(a: IpAddr) -> Ipv4Addr {
    match a {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED),
    }
}

fn v6_of(a: IpAddr) -> Ipv6Addr {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// RFC 768-style (IPv4) or RFC 8200 §8.1 (IPv6) pseudo-header.
fn pseudo_chunks(family: Family, src: IpAddr, dst: IpAddr, len: usize) -> Pseudo {
    let mut bytes = [0u8; 40];
    match family {
        Family::V4 => {
            bytes[0..4].copy_from_slice(&v4_of(src).octets());
            bytes[4..8].copy_from_slice(&v4_of(dst).octets());
            bytes[9] = PROTO_VRRP;
            bytes[10..12].copy_from_slice(&(len.min(usize::from(u16::MAX)) as u16).to_be_bytes());
            Pseudo { bytes, len: 12 }
        }
        Family::V6 => {
            bytes[0..16].copy_from_slice(&v6_of(src).octets());
            bytes[16..32].copy_from_slice(&v6_of(dst).octets());
            bytes[32..36].copy_from_slice(&(len.min(u32::MAX as usize) as u32).to_be_bytes());
            bytes[39] = PROTO_VRRP;
            Pseudo { bytes, len: 40 }
        }
    }
}

/// A decoded VRRP advertisement, independent of any buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VrrpRepr {
    /// Protocol version.
    pub version: Version,
    /// Virtual router ID.
    pub vrid: u8,
    /// Priority.
    pub priority: u8,
    /// v2: whole seconds (0–255); v3: centisecond resolution (0–40.95 s).
    pub advert_int: Duration,
    /// 0 none, 1 PASS, 2 AH (v2); 0 for v3.
    pub auth_type: u8,
    /// Virtual addresses in packet order (all of the packet's family).
    pub addresses: Vec<IpAddr>,
    /// v2 over IPv4: the 8 authentication bytes; zeros otherwise.
    pub auth_data: [u8; 8],
}

impl VrrpRepr {
    /// Structural decode: version 2|3, type 1, buffer long enough for the address count
    /// (and the v2/IPv4 auth data). Trailing bytes are allowed here; the receive checks
    /// compare the length with [`VrrpPacket::expected_len`] themselves.
    pub fn parse(pkt: &VrrpPacket<&[u8]>, family: Family) -> Result<VrrpRepr, WireError> {
        let version = match pkt.version() {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(WireError::VrrpVersion(v)),
        };
        if pkt.kind() != TYPE_ADVERTISEMENT {
            return Err(WireError::VrrpType(pkt.kind()));
        }
        let need = pkt.expected_len(family);
        let got = pkt.as_bytes().len();
        if got < need {
            return Err(WireError::AddressCount {
                count: pkt.addr_count(),
                got,
                need,
            });
        }
        let addresses: Vec<IpAddr> = pkt.addresses(family).collect();
        let mut auth_data = [0u8; 8];
        let (advert_int, auth_type) = match version {
            Version::V2 => {
                if family == Family::V4 {
                    let at = HEADER_LEN + addresses.len() * 4;
                    auth_data.copy_from_slice(&pkt.as_bytes()[at..at + AUTH_DATA_LEN]);
                }
                (
                    Duration::from_secs(u64::from(pkt.advert_int_raw())),
                    pkt.auth_type(),
                )
            }
            Version::V3 => (
                Duration::from_millis(u64::from(pkt.advert_int_raw()) * 10),
                0,
            ),
        };
        Ok(VrrpRepr {
            version,
            vrid: pkt.vrid(),
            priority: pkt.priority(),
            advert_int,
            auth_type,
            addresses,
            auth_data,
        })
    }

    fn addrs_of<'a>(&'a self, family: Family) -> impl Iterator<Item = &'a IpAddr> + 'a {
        self.addresses
            .iter()
            .filter(move |a| {
                matches!(
                    (family, a),
                    (Family::V4, IpAddr::V4(_)) | (Family::V6, IpAddr::V6(_))
                )
            })
            .take(usize::from(u8::MAX))
    }

    /// Length of the emitted message. Addresses not of `family` are not emitted and at
    /// most 255 are.
    pub fn buffer_len(&self, family: Family) -> usize {
        let auth = if self.version == Version::V2 && family == Family::V4 {
            AUTH_DATA_LEN
        } else {
            0
        };
        HEADER_LEN + self.addrs_of(family).count() * addr_len(family) + auth
    }

    /// Emits the message with its checksum: v2 plain; v3 with the pseudo-header over
    /// `src` and `checksum_dst` (keepalived 1.3.5 uses 224.0.0.18 as the IPv4
    /// pseudo-header destination even for unicast; pass it accordingly). Out-of-range
    /// fields saturate: v2 interval at 255 s, v3 at 4095 cs.
    pub fn emit(&self, family: Family, src: IpAddr, checksum_dst: IpAddr) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buffer_len(family));
        let count = self.addrs_of(family).count() as u8;
        match self.version {
            Version::V2 => {
                let secs = self.advert_int.as_secs().min(u64::from(u8::MAX)) as u8;
                out.extend_from_slice(&[
                    0x21,
                    self.vrid,
                    self.priority,
                    count,
                    self.auth_type,
                    secs,
                ]);
            }
            Version::V3 => {
                let cs =
                    (self.advert_int.as_millis() / 10).min(u128::from(MAX_V3_ADVERT_CS)) as u16;
                out.extend_from_slice(&[0x31, self.vrid, self.priority, count]);
                out.extend_from_slice(&cs.to_be_bytes());
            }
        }
        out.extend_from_slice(&[0, 0]);
        for a in self.addrs_of(family) {
            match a {
                IpAddr::V4(v4) => out.extend_from_slice(&v4.octets()),
                IpAddr::V6(v6) => out.extend_from_slice(&v6.octets()),
            }
        }
        if self.version == Version::V2 && family == Family::V4 {
            out.extend_from_slice(&self.auth_data);
        }
        let sum = match self.version {
            Version::V2 => internet_checksum(&[&out]),
            Version::V3 => {
                let p = pseudo_chunks(family, src, checksum_dst, out.len());
                internet_checksum(&p.as_slices(&out))
            }
        };
        out[6..8].copy_from_slice(&sum.to_be_bytes());
        out
    }
}
