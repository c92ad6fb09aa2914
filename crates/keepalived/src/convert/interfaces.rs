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

/// The interfaces of this host by name, from `/sys/class/net` (index only): what `-t` checks
/// interface names against without opening netlink.
pub fn host_interfaces() -> Interfaces {
    let mut m = Interfaces::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return m;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let index = std::fs::read_to_string(e.path().join("ifindex"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        m.insert(
            name,
            IfInfo {
                index,
                ..IfInfo::default()
            },
        );
    }
    m
}
