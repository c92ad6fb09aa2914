//! keepalived-style raw IP protocol 112 sockets, one send and one receive socket per
//! (interface, family), driven by tokio's AsyncFd.

use std::io;
use std::net::IpAddr;

use vrrp_engine::Family;

/// What [`VrrpSocket::recv`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvMeta {
    /// Bytes written into the buffer (IPv4: whole IP packet; IPv6: VRRP payload).
    pub len: usize,
    /// Source address (IPv6 from the socket address; IPv4 also from the header).
    pub src: Option<IpAddr>,
    /// IPv6 hop limit from IPV6_HOPLIMIT; IPv4 carries its TTL in the header.
    pub hop_limit: Option<u8>,
}

/// One per (interface, family); demux by VRID happens in the engine.
pub struct VrrpSocket {
    _private: (),
}

impl VrrpSocket {
    /// IPv4: recv socket proto 112 bound to device, IP_MULTICAST_ALL=0, joined to `group` on
    /// ifindex (when multicast); send socket IP_HDRINCL, bound to device,
    /// IP_MULTICAST_IF=ifindex, loop off, never receives (BPF ret 0). IPv6 analogous
    /// (IPV6_CHECKSUM 6, hops 255, RECVHOPLIMIT/PKTINFO).
    pub fn open(
        ifname: &str,
        ifindex: u32,
        family: Family,
        group: IpAddr,
        multicast: bool,
    ) -> io::Result<VrrpSocket> {
        let _ = (ifname, ifindex, family, group, multicast);
        todo!()
    }

    /// Waits for one packet: IPv4 → whole IP packet; IPv6 → VRRP payload plus src and hop limit.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<RecvMeta> {
        let _ = buf;
        todo!()
    }

    /// Sends an engine-built packet (IPv4: complete IP packet) to dst. MSG_DONTROUTE for multicast.
    pub fn send(&self, packet: &[u8], dst: IpAddr) -> io::Result<()> {
        let _ = (packet, dst);
        todo!()
    }
}
