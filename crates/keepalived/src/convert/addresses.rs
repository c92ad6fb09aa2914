//! Virtual addresses (VIPs and excluded VIPs).

use std::net::IpAddr;

use keepalived_conf as conf;
use vrrp_engine::{Family, LogLine, Vip};

use super::{info, Interfaces};

pub(super) fn family_of(a: &IpAddr) -> Family {
    match a {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

pub(super) fn convert_vip(
    iname: &str,
    a: &conf::VirtualAddress,
    default_dev: &str,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<Vip> {
    let dev = a.dev.clone().unwrap_or_else(|| default_dev.to_string());
    if !ifs.contains_key(&dev) {
        info(
            msgs,
            format!(
                "VRRP is trying to assign ip address {} to unknown {} interface !!! go out and fix your conf !!!",
                a.addr, dev
            ),
        );
        let _ = iname;
        return None;
    }
    Some(Vip {
        addr: a.addr,
        prefix_len: a.prefix(),
        dev,
        broadcast: a.brd,
        scope: a.scope.clone(),
        label: a.label.clone(),
    })
}
