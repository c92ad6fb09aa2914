//! AF_PACKET socket for gratuitous ARP and unsolicited neighbour advertisement frames.

use std::io;

use socket2::{Domain, SockFilter, Socket, Type};

use super::sockopt;

/// Sends complete Ethernet frames out of a given interface.
pub struct PacketSocket {
    sock: Socket,
}

impl PacketSocket {
    /// Opens the AF_PACKET socket (needs CAP_NET_RAW). Protocol 0: the socket is hooked
    /// into no receive path, so it never queues the host's ARP/IPv6 traffic.
    pub fn open() -> io::Result<PacketSocket> {
        let sock = Socket::new(Domain::PACKET, Type::RAW.nonblocking().cloexec(), None)?;
        sock.set_recv_buffer_size(0)?;
        sock.attach_filter(&[SockFilter::new(
            (libc::BPF_RET | libc::BPF_K) as u16,
            0,
            0,
            0,
        )])?;
        Ok(PacketSocket { sock })
    }

    /// Sends one complete Ethernet frame (destination MAC, source MAC, EtherType, payload)
    /// out of `ifindex`, byte for byte.
    pub fn send_frame(&self, ifindex: u32, frame: &[u8]) -> io::Result<()> {
        if frame.len() < 14 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("Ethernet frame too short: {} bytes", frame.len()),
            ));
        }
        let ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        let addr = sockopt::packet_addr(ifindex, ethertype, &frame[..6]);
        let n = self.sock.send_to(frame, &addr)?;
        if n != frame.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short send: {n} of {} bytes", frame.len()),
            ));
        }
        Ok(())
    }
}
