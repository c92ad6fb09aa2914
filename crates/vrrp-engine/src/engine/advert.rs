//! Building the adverts an instance sends (complete IPv4 packets, or IPv6 VRRP messages).

use std::net::IpAddr;

use crate::config::{Auth, Family, InstanceConfig, Version};
use crate::wire::ah::build_ah_advert;
use crate::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use crate::wire::vrrp::{VrrpRepr, MCAST_GROUP_V4};

use super::ah::AhCounter;
use super::validate::{advertised_vips, auth_type_num, expects_ah, src_v4};

/// Per-instance sequence state of sent packets.
#[derive(Debug, Clone)]
pub struct TxCounters {
    /// Next IPv4 identification (1..=65535; wraps 65535 → 1 like keepalived).
    pub ip_id: u16,
    /// AH sequence counter (shared with the receive checks, as in keepalived).
    pub ah: AhCounter,
}

impl Default for TxCounters {
    fn default() -> Self {
        TxCounters {
            ip_id: 1,
            ah: AhCounter::default(),
        }
    }
}

impl TxCounters {
    fn next_id(&mut self) -> u16 {
        let id = self.ip_id;
        self.ip_id = if id == u16::MAX { 1 } else { id + 1 };
        id
    }
}

/// The VRRP message fields of an advert with `priority`.
pub fn repr(cfg: &InstanceConfig, priority: u8) -> VrrpRepr {
    let (auth_type, auth_data) = match (&cfg.version, &cfg.auth) {
        (Version::V2, Auth::Pass(pw)) => (1, *pw),
        (Version::V2, a) => (auth_type_num(a), [0; 8]),
        (Version::V3, _) => (0, [0; 8]),
    };
    VrrpRepr {
        version: cfg.version,
        vrid: cfg.vrid,
        priority,
        advert_int: cfg.advert_int,
        auth_type,
        addresses: advertised_vips(cfg).collect(),
        auth_data,
    }
}

/// Destinations of an advert: each unicast peer, else the multicast group.
pub fn destinations(cfg: &InstanceConfig) -> &[IpAddr] {
    if cfg.unicast_peers.is_empty() {
        std::slice::from_ref(&cfg.mcast_group)
    } else {
        &cfg.unicast_peers
    }
}

/// Builds the packets of one advert with the fields `r` (one per destination), advancing
/// the counters, and hands each to `emit` with its destination.
pub fn build(
    cfg: &InstanceConfig,
    r: &VrrpRepr,
    tx: &mut TxCounters,
    mut emit: impl FnMut(IpAddr, Vec<u8>),
) {
    for &dst in destinations(cfg) {
        let bytes = match (cfg.family, dst) {
            (Family::V4, IpAddr::V4(d)) => {
                let src = src_v4(cfg);
                let msg = r.emit(Family::V4, IpAddr::V4(src), IpAddr::V4(MCAST_GROUP_V4));
                let id = tx.next_id();
                match &cfg.auth {
                    // One sequence number per packet, so per unicast peer (as keepalived).
                    Auth::Ah(key) if expects_ah(cfg) => {
                        let seq = tx.ah.next_tx();
                        let unicast = !cfg.unicast_peers.is_empty();
                        build_ah_advert(src, d, id, seq, key, &msg, unicast)
                    }
                    _ => Ipv4Header::emit_keepalived(src, d, PROTO_VRRP, id, &msg),
                }
            }
            // IPv6: the kernel adds the header and (IPV6_CHECKSUM) the checksum.
            _ => r.emit(Family::V6, cfg.src_addr, dst),
        };
        emit(dst, bytes);
    }
}
