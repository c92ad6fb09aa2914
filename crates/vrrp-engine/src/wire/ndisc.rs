//! Unsolicited neighbour advertisement (RFC 4861 §7.2.6) for each IPv6 VIP.

use std::net::Ipv6Addr;

use super::checksum::internet_checksum;

/// Ethertype of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// ICMPv6 type of a neighbour advertisement.
pub const ICMPV6_NA: u8 = 136;
/// Length of the frame [`unsolicited_na`] builds: 14 Ethernet + 40 IPv6 + 32 ICMPv6.
pub const NA_FRAME_LEN: usize = 86;
/// All-nodes multicast address, the destination of an unsolicited NA.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// A complete Ethernet frame to 33:33:00:00:00:01 from `mac`: IPv6 from `ip` to ff02::1,
/// hop limit 255, ICMPv6 neighbour advertisement for target `ip` with the Override flag
/// (and Router when `router`), not Solicited, and a target link-layer address option
/// carrying `mac`. The ICMPv6 checksum is filled.
pub fn unsolicited_na(mac: [u8; 6], ip: Ipv6Addr, router: bool) -> Vec<u8> {
    const ICMP_LEN: u16 = 32;
    let mut f = Vec::with_capacity(NA_FRAME_LEN);
    f.extend_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    // IPv6 header: version 6, traffic class 0, flow label 0.
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&ICMP_LEN.to_be_bytes());
    f.push(58); // next header ICMPv6
    f.push(255); // hop limit (RFC 4861 §7.1.2 requires 255)
    f.extend_from_slice(&ip.octets());
    f.extend_from_slice(&ALL_NODES.octets());
    let icmp_start = f.len();
    let flags: u8 = 0x20 | if router { 0x80 } else { 0 };
    f.extend_from_slice(&[ICMPV6_NA, 0, 0, 0, flags, 0, 0, 0]);
    f.extend_from_slice(&ip.octets());
    // Target link-layer address option: type 2, length 1 (8 bytes).
    f.extend_from_slice(&[2, 1]);
    f.extend_from_slice(&mac);
    let mut pseudo = [0u8; 40];
    pseudo[0..16].copy_from_slice(&ip.octets());
    pseudo[16..32].copy_from_slice(&ALL_NODES.octets());
    pseudo[32..36].copy_from_slice(&u32::from(ICMP_LEN).to_be_bytes());
    pseudo[39] = 58;
    let sum = internet_checksum(&[&pseudo, &f[icmp_start..]]);
    f[icmp_start + 2..icmp_start + 4].copy_from_slice(&sum.to_be_bytes());
    f
}
