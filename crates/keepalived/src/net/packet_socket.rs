//! AF_PACKET socket for gratuitous ARP and unsolicited neighbour advertisement frames.

use std::io;

/// Sends complete Ethernet frames out of a given interface.
pub struct PacketSocket {
    _private: (),
}

impl PacketSocket {
    /// Opens the AF_PACKET socket (needs CAP_NET_RAW).
    pub fn open() -> io::Result<PacketSocket> {
        todo!()
    }

    /// Sends one complete Ethernet frame (destination MAC first) out of `ifindex`.
    pub fn send_frame(&self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        let _ = (ifindex, frame);
        todo!()
    }
}
