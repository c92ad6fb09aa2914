//! Builders shared by the unit tests of the conversion steps.

use std::net::{IpAddr, Ipv4Addr};

use keepalived_conf as conf;
use vrrp_engine::LogLine;

use super::{IfInfo, Interfaces};

/// `eth0` with 192.168.1.198 and fe80::1, `eth1` with no address.
pub(super) fn ifs() -> Interfaces {
    let mut m = Interfaces::new();
    m.insert(
        "eth0".into(),
        IfInfo {
            index: 2,
            up: true,
            mac: None,
            primary_v4: Some(Ipv4Addr::new(192, 168, 1, 198)),
            link_local_v6: Some("fe80::1".parse().unwrap()),
            vmac_base: None,
        },
    );
    m.insert(
        "eth1".into(),
        IfInfo {
            index: 3,
            ..IfInfo::default()
        },
    );
    m
}

/// An instance named `VI_1` on `eth0`, otherwise as the parser leaves an empty block.
pub(super) fn instance() -> conf::VrrpInstance {
    conf::VrrpInstance {
        name: "VI_1".into(),
        interface: Some("eth0".into()),
        virtual_router_id: Some(7),
        ..Default::default()
    }
}

/// An address line `addr` with nothing else given.
pub(super) fn address(addr: &str) -> conf::VirtualAddress {
    conf::VirtualAddress {
        addr: addr.parse::<IpAddr>().unwrap(),
        prefix_len: None,
        dev: None,
        brd: None,
        scope: None,
        label: None,
        span: conf::Span::default(),
    }
}

/// The texts of the logged lines.
pub(super) fn texts(msgs: &[LogLine]) -> Vec<&str> {
    msgs.iter().map(|m| m.text.as_str()).collect()
}
