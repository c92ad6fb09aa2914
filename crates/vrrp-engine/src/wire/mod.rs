//! VRRP wire formats: the IPv4 header keepalived writes, VRRPv2/v3 messages (a checked
//! view over bytes plus a plain [`vrrp::VrrpRepr`]), gratuitous ARP, unsolicited neighbour
//! advertisements and keepalived's IPsec-AH authentication.
//!
//! Everything here is pure: functions take bytes and return bytes or a [`WireError`];
//! nothing panics on malformed input.

pub mod ah;
pub mod arp;
pub mod checksum;
mod error;
pub mod ipv4;
mod md5;
pub mod ndisc;
pub mod vrrp;

pub use error::WireError;
