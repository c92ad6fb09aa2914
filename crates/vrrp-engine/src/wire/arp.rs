//! Gratuitous ARP as keepalived sends it for each IPv4 VIP.

use std::net::Ipv4Addr;

/// Ethertype of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
/// Length of a gratuitous ARP frame (no padding; the NIC pads to 60).
pub const GARP_LEN: usize = 42;

/// A complete Ethernet frame: destination ff:ff:ff:ff:ff:ff, source `mac`, ARP request
/// (htype 1, ptype 0x0800) with sender = target protocol address = `ip`, sender hardware
/// address `mac` and target hardware address ff:ff:ff:ff:ff:ff.
pub fn gratuitous_arp(mac: [u8; 6], ip: Ipv4Addr) -> [u8; GARP_LEN] {
    let mut f = [0u8; GARP_LEN];
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    // ARP: Ethernet hardware, IPv4 protocol, 6/4 address lengths, op 1 (request).
    f[14..22].copy_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01]);
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&ip.octets());
    f[32..38].copy_from_slice(&[0xff; 6]);
    f[38..42].copy_from_slice(&ip.octets());
    f
}
