//! keepalived-style raw IP protocol 112 sockets, one send and one receive socket per
//! (interface, family), driven by tokio's AsyncFd; plus, where an IPv4 instance uses
//! `auth_type AH`, a receive socket for IP protocol 51 (keepalived's AH adverts), whose
//! packets go to the same reader and queue.

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};

use socket2::{Domain, InterfaceIndexOrAddress, Protocol, SockAddr, SockFilter, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use vrrp_engine::Family;

use super::sockopt;

/// IP protocol number of VRRP.
const IPPROTO_VRRP: i32 = 112;
/// IP protocol number of IPsec AH (`auth_type AH` adverts).
const IPPROTO_AH: i32 = 51;
/// Offset of the checksum in the VRRP header, for IPV6_CHECKSUM.
const VRRP_CHECKSUM_OFFSET: i32 = 6;
/// TOS / traffic class of adverts: precedence "internetwork control" (DSCP CS6).
const TOS_INTERNET_CONTROL: u32 = 0xc0;
/// SO_PRIORITY of the send socket (TC_PRIO_INTERACTIVE), so adverts leave first.
const SEND_PRIORITY: u32 = 6;
/// IPV6_MULTICAST_ALL from linux/in6.h (Linux 4.20; optional on older kernels).
const IPV6_MULTICAST_ALL: libc::c_int = 29;

/// What [`VrrpSocket::recv`] read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvMeta {
    /// Bytes written into the buffer (IPv4: whole IP packet; IPv6: VRRP payload).
    pub len: usize,
    /// Source address of the packet.
    pub src: Option<IpAddr>,
    /// IPv6: hop limit from IPV6_HOPLIMIT; IPv4: the TTL copied from the IP header.
    pub hop_limit: Option<u8>,
}

/// One per (interface, family); demux by VRID happens in the engine.
pub struct VrrpSocket {
    family: Family,
    recv: AsyncFd<Socket>,
    /// IPv4 with AH instances: the protocol-51 receive socket.
    recv_ah: Option<AsyncFd<Socket>>,
    /// [`VrrpSocket::try_recv`] tries the AH socket first on its next call.
    ah_turn: std::cell::Cell<bool>,
    send: Socket,
}

impl VrrpSocket {
    /// IPv4: recv socket proto 112 bound to device, IP_MULTICAST_ALL=0, joined to `group` on
    /// ifindex (when multicast); send socket IP_HDRINCL, bound to device,
    /// IP_MULTICAST_IF=ifindex, loop off, never receives (BPF ret 0). IPv6 analogous
    /// (IPV6_CHECKSUM 6, hops 255, RECVHOPLIMIT/PKTINFO). With `ah` (IPv4 only), also a
    /// protocol-51 receive socket set up like the protocol-112 one (keepalived opens one per
    /// protocol; the AH adverts it sends go out on the same IP_HDRINCL send socket, whose
    /// header says protocol 51).
    ///
    /// Must be called inside a tokio runtime with I/O enabled; needs CAP_NET_RAW.
    pub fn open(
        ifname: &str,
        ifindex: u32,
        family: Family,
        group: IpAddr,
        multicast: bool,
        ah: bool,
    ) -> io::Result<VrrpSocket> {
        let (recv, recv_ah, send) = match family {
            Family::V4 => (
                open_recv_v4(ifname, ifindex, group, multicast, IPPROTO_VRRP)?,
                if ah {
                    Some(open_recv_v4(ifname, ifindex, group, multicast, IPPROTO_AH)?)
                } else {
                    None
                },
                open_send_v4(ifname, ifindex, multicast)?,
            ),
            Family::V6 => (
                open_recv_v6(ifname, ifindex, group, multicast)?,
                None,
                open_send_v6(ifname, ifindex, multicast)?,
            ),
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(io::Error::other("VrrpSocket::open needs a tokio runtime"));
        }
        // SAFETY: `recv` is an open socket owned by the AsyncFd from now on; its fd stays
        // valid and unchanged until the AsyncFd drops it.
        let recv = unsafe { AsyncFd::register_with_interest(recv, Interest::READABLE) }?;
        let recv_ah = match recv_ah {
            // SAFETY: as for `recv`.
            Some(s) => Some(unsafe { AsyncFd::register_with_interest(s, Interest::READABLE) }?),
            None => None,
        };
        Ok(VrrpSocket {
            family,
            recv,
            recv_ah,
            ah_turn: std::cell::Cell::new(false),
            send,
        })
    }

    /// Whether this socket set also receives AH (IP protocol 51).
    pub fn receives_ah(&self) -> bool {
        self.recv_ah.is_some()
    }

    /// Waits for one packet: IPv4 → whole IP packet (protocol 112, or 51 with AH);
    /// IPv6 → VRRP payload plus src and hop limit.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<RecvMeta> {
        if let Some(ah) = &self.recv_ah {
            return recv_either(&self.recv, ah, buf).await;
        }
        loop {
            let mut guard = self.recv.readable().await?;
            let res = guard.try_io(|fd| match self.family {
                Family::V4 => recv_v4(fd.get_ref(), buf),
                Family::V6 => {
                    let d = sockopt::recv_v6(fd.get_ref(), buf)?;
                    Ok(RecvMeta {
                        len: d.len,
                        src: d.src.map(IpAddr::V6),
                        hop_limit: d.hop_limit,
                    })
                }
            });
            match res {
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }

    /// One packet if the kernel holds one now, `None` if it holds none (never waits). With an
    /// AH socket too, each call tries the other protocol first: a flood of one cannot starve
    /// the other.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
        let Some(ah) = &self.recv_ah else {
            return self.try_recv_main(buf);
        };
        let ah_first = !self.ah_turn.replace(!self.ah_turn.get());
        if ah_first {
            if let Some(m) = try_recv_v4(ah.get_ref(), buf)? {
                return Ok(Some(m));
            }
            self.try_recv_main(buf)
        } else {
            if let Some(m) = self.try_recv_main(buf)? {
                return Ok(Some(m));
            }
            try_recv_v4(ah.get_ref(), buf)
        }
    }

    fn try_recv_main(&self, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
        match self.family {
            Family::V4 => try_recv_v4(self.recv.get_ref(), buf),
            Family::V6 => {
                would_block_none(
                    sockopt::recv_v6(self.recv.get_ref(), buf).map(|d| RecvMeta {
                        len: d.len,
                        src: d.src.map(IpAddr::V6),
                        hop_limit: d.hop_limit,
                    }),
                )
            }
        }
    }

    /// Sends an engine-built packet (IPv4: complete IP packet) to dst. MSG_DONTROUTE for multicast.
    ///
    /// IPv6 names `src` on the packet (IPV6_PKTINFO), as keepalived does: an interface with
    /// several link-local addresses (or a VMAC carrying the base's) must not let the kernel
    /// pick another one. IPv4 packets carry their source in the header already.
    pub fn send(&self, packet: &[u8], dst: IpAddr, src: IpAddr) -> io::Result<()> {
        let flags = if dst.is_multicast() {
            libc::MSG_DONTROUTE
        } else {
            0
        };
        let addr = SockAddr::from(SocketAddr::new(dst, 0));
        let n = match (dst, src) {
            (IpAddr::V6(_), IpAddr::V6(src)) if !src.is_unspecified() => {
                sockopt::send_v6_from(&self.send, packet, &addr, src, flags)?
            }
            _ => self.send.send_to_with_flags(packet, &addr, flags)?,
        };
        if n != packet.len() {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                format!("short send: {n} of {} bytes", packet.len()),
            ));
        }
        Ok(())
    }
}

/// IPv4: the next packet from whichever of the two receive sockets has one.
fn try_recv_v4(s: &Socket, buf: &mut [u8]) -> io::Result<Option<RecvMeta>> {
    would_block_none(recv_v4(s, buf))
}

/// `Ok(None)` for "nothing there now".
fn would_block_none(r: io::Result<RecvMeta>) -> io::Result<Option<RecvMeta>> {
    match r {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}

async fn recv_either(
    vrrp: &AsyncFd<Socket>,
    ah: &AsyncFd<Socket>,
    buf: &mut [u8],
) -> io::Result<RecvMeta> {
    loop {
        let mut guard = tokio::select! {
            g = vrrp.readable() => g?,
            g = ah.readable() => g?,
        };
        match guard.try_io(|fd| recv_v4(fd.get_ref(), buf)) {
            Ok(r) => return r,
            Err(_would_block) => continue,
        }
    }
}

fn raw_socket(domain: Domain) -> io::Result<Socket> {
    raw_socket_proto(domain, IPPROTO_VRRP)
}

fn raw_socket_proto(domain: Domain, proto: i32) -> io::Result<Socket> {
    Socket::new(
        domain,
        Type::RAW.nonblocking().cloexec(),
        Some(Protocol::from(proto)),
    )
}

/// A send socket never queues anything: zero receive buffer and a `ret #0` filter.
fn never_receive(s: &Socket) -> io::Result<()> {
    s.set_recv_buffer_size(0)?;
    s.attach_filter(&[SockFilter::new(
        (libc::BPF_RET | libc::BPF_K) as u16,
        0,
        0,
        0,
    )])
}

fn open_recv_v4(
    ifname: &str,
    ifindex: u32,
    group: IpAddr,
    multicast: bool,
    proto: i32,
) -> io::Result<Socket> {
    let s = raw_socket_proto(Domain::IPV4, proto)?;
    // Only groups joined on this socket, not those of every socket on the host.
    s.set_multicast_all_v4(false)?;
    s.bind_device(Some(ifname.as_bytes()))?;
    if multicast {
        let IpAddr::V4(g) = group else {
            return Err(bad_group(group));
        };
        s.join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(ifindex))?;
    }
    Ok(s)
}

fn open_send_v4(ifname: &str, ifindex: u32, multicast: bool) -> io::Result<Socket> {
    let s = raw_socket(Domain::IPV4)?;
    never_receive(&s)?;
    s.set_multicast_all_v4(false)?;
    // The engine builds the IP header (TTL 255, TOS 0xc0, chosen source).
    s.set_header_included_v4(true)?;
    s.bind_device(Some(ifname.as_bytes()))?;
    s.set_tos_v4(TOS_INTERNET_CONTROL)?;
    s.set_priority(SEND_PRIORITY)?;
    if multicast {
        sockopt::set_multicast_if_index_v4(&s, ifindex)?;
        s.set_multicast_loop_v4(false)?;
    }
    Ok(s)
}

fn open_recv_v6(ifname: &str, ifindex: u32, group: IpAddr, multicast: bool) -> io::Result<Socket> {
    let s = raw_socket(Domain::IPV6)?;
    sockopt::optional(sockopt::set_int(
        &s,
        libc::IPPROTO_IPV6,
        IPV6_MULTICAST_ALL,
        0,
    ))?;
    s.bind_device(Some(ifname.as_bytes()))?;
    // Kernel verifies the VRRP checksum (with pseudo-header) and drops bad packets.
    sockopt::set_int(
        &s,
        libc::IPPROTO_IPV6,
        libc::IPV6_CHECKSUM,
        VRRP_CHECKSUM_OFFSET,
    )?;
    s.set_recv_hoplimit_v6(true)?;
    sockopt::set_int(&s, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1)?;
    if multicast {
        let IpAddr::V6(g) = group else {
            return Err(bad_group(group));
        };
        s.join_multicast_v6(&g, ifindex)?;
    }
    Ok(s)
}

fn open_send_v6(ifname: &str, ifindex: u32, multicast: bool) -> io::Result<Socket> {
    let s = raw_socket(Domain::IPV6)?;
    never_receive(&s)?;
    sockopt::optional(sockopt::set_int(
        &s,
        libc::IPPROTO_IPV6,
        IPV6_MULTICAST_ALL,
        0,
    ))?;
    s.bind_device(Some(ifname.as_bytes()))?;
    // Kernel fills in the VRRP checksum over the IPv6 pseudo-header.
    sockopt::set_int(
        &s,
        libc::IPPROTO_IPV6,
        libc::IPV6_CHECKSUM,
        VRRP_CHECKSUM_OFFSET,
    )?;
    s.set_tclass_v6(TOS_INTERNET_CONTROL)?;
    s.set_priority(SEND_PRIORITY)?;
    s.set_unicast_hops_v6(255)?;
    s.set_multicast_hops_v6(255)?;
    if multicast {
        s.set_multicast_if_v6(ifindex)?;
        s.set_multicast_loop_v6(false)?;
    }
    Ok(s)
}

fn recv_v4(s: &Socket, buf: &mut [u8]) -> io::Result<RecvMeta> {
    // SAFETY: u8 and MaybeUninit<u8> have the same layout; recv only writes initialised bytes.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
    // recv, not recvfrom: on a raw IPv4 socket the kernel's source address is the header's,
    // and not building a sockaddr for every advert is a measurable share of a BACKUP's work.
    let len = s.recv(uninit)?;
    let packet = &buf[..len];
    Ok(RecvMeta {
        len,
        src: sockopt::ipv4_header_src(packet),
        hop_limit: packet.get(8).copied(),
    })
}

fn bad_group(group: IpAddr) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("multicast group {group} does not match the socket family"),
    )
}
