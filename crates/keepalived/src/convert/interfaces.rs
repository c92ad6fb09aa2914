//! Interface snapshot the conversion reads.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What the daemon knows about one interface when it converts the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IfInfo {
    /// ifindex.
    pub index: u32,
    /// IFF_UP && IFF_RUNNING.
    pub up: bool,
    /// Hardware address.
    pub mac: Option<[u8; 6]>,
    /// Primary IPv4 address (source of IPv4 adverts by default).
    pub primary_v4: Option<Ipv4Addr>,
    /// A link-local IPv6 address (source of IPv6 adverts by default).
    pub link_local_v6: Option<Ipv6Addr>,
    /// A private-mode macvlan (a VMAC): the index of its lower interface.
    pub vmac_base: Option<u32>,
}

/// Interfaces by name.
pub type Interfaces = BTreeMap<String, IfInfo>;
