//! Socket options and address helpers that socket2 does not offer (index-based
//! IP_MULTICAST_IF, IPV6_CHECKSUM, IPV6_RECVPKTINFO, AF_PACKET addresses) and the IPv6
//! receive path that needs control messages.

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::AsRawFd;

use socket2::{SockAddr, SockAddrStorage, Socket};

/// setsockopt with a C int value.
pub(crate) fn set_int(
    sock: &Socket,
    level: libc::c_int,
    opt: libc::c_int,
    val: libc::c_int,
) -> io::Result<()> {
    // SAFETY: valid fd owned by `sock`; the pointer/length describe a live c_int.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            opt,
            (&val as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// IP_MULTICAST_IF by interface index (struct ip_mreqn), as keepalived does; socket2 only
/// takes an interface address.
pub(crate) fn set_multicast_if_index_v4(sock: &Socket, ifindex: u32) -> io::Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    };
    // SAFETY: valid fd; pointer/length describe a live ip_mreqn.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            (&mreqn as *const libc::ip_mreqn).cast(),
            size_of::<libc::ip_mreqn>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Applies an option that older kernels lack (e.g. IPV6_MULTICAST_ALL, Linux 4.20): a
/// missing option is not an error, anything else is.
pub(crate) fn optional(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.raw_os_error() == Some(libc::ENOPROTOOPT) => Ok(()),
        other => other,
    }
}

/// A link-layer destination address for sendto on an AF_PACKET socket.
pub(crate) fn packet_addr(ifindex: u32, protocol: u16, dst_mac: &[u8]) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_ll.
    let sll: &mut libc::sockaddr_ll = unsafe { storage.view_as() };
    sll.sll_family = libc::AF_PACKET as libc::sa_family_t;
    sll.sll_protocol = protocol.to_be();
    sll.sll_ifindex = ifindex as libc::c_int;
    let n = dst_mac.len().min(sll.sll_addr.len());
    sll.sll_halen = n as u8;
    sll.sll_addr[..n].copy_from_slice(&dst_mac[..n]);
    // SAFETY: the storage holds an initialised sockaddr_ll of the given length.
    unsafe { SockAddr::new(storage, size_of::<libc::sockaddr_ll>() as libc::socklen_t) }
}

/// One IPv6 datagram read with recvmsg: payload length, source and IPV6_HOPLIMIT.
pub(crate) struct V6Datagram {
    pub(crate) len: usize,
    pub(crate) src: Option<Ipv6Addr>,
    pub(crate) hop_limit: Option<u8>,
}

/// recvmsg on a raw IPv6 socket, collecting the hop limit from the control messages.
pub(crate) fn recv_v6(sock: &Socket, buf: &mut [u8]) -> io::Result<V6Datagram> {
    let mut name = MaybeUninit::<libc::sockaddr_in6>::zeroed();
    // u64 array keeps the control buffer aligned for cmsghdr.
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: an all-zero msghdr is a valid starting value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = name.as_mut_ptr().cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: every pointer in msg refers to a live buffer of the stated size.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let src = if msg.msg_namelen as usize >= size_of::<libc::sockaddr_in6>() {
        // SAFETY: the kernel filled a sockaddr_in6 (checked by length).
        let sa = unsafe { name.assume_init() };
        Some(Ipv6Addr::from(sa.sin6_addr.s6_addr))
    } else {
        None
    };
    let mut hop_limit = None;
    // SAFETY: CMSG_* walk the control buffer the kernel filled, bounded by msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let h = &*c;
            if h.cmsg_level == libc::IPPROTO_IPV6 && h.cmsg_type == libc::IPV6_HOPLIMIT {
                let v = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast::<libc::c_int>());
                hop_limit = u8::try_from(v).ok();
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(V6Datagram {
        len: n as usize,
        src,
        hop_limit,
    })
}

/// The source address of an IPv4 packet as received on a raw socket (header bytes 12..16).
pub(crate) fn ipv4_header_src(packet: &[u8]) -> Option<IpAddr> {
    let b: [u8; 4] = packet.get(12..16)?.try_into().ok()?;
    Some(IpAddr::from(b))
}

/// sendmsg on a raw IPv6 socket with the source address named in an IPV6_PKTINFO control
/// message (interface index 0: the socket's bound device decides).
pub(crate) fn send_v6_from(
    sock: &Socket,
    packet: &[u8],
    dst: &socket2::SockAddr,
    src: Ipv6Addr,
    flags: libc::c_int,
) -> io::Result<usize> {
    let info = libc::in6_pktinfo {
        ipi6_addr: libc::in6_addr {
            s6_addr: src.octets(),
        },
        ipi6_ifindex: 0,
    };
    // u64 array keeps the control buffer aligned for cmsghdr.
    let mut control = [0u64; 8];
    let mut iov = libc::iovec {
        iov_base: packet.as_ptr() as *mut libc::c_void,
        iov_len: packet.len(),
    };
    // SAFETY: an all-zero msghdr is a valid starting value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = dst.as_ptr() as *mut libc::c_void;
    msg.msg_namelen = dst.len();
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE only computes a size.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(size_of::<libc::in6_pktinfo>() as u32) } as _;
    // SAFETY: the control buffer (64 bytes) holds one cmsghdr with an in6_pktinfo
    // (CMSG_SPACE(20) = 40 bytes); CMSG_FIRSTHDR is non-null for a non-empty buffer, and every
    // pointer in msg refers to a live buffer of the stated size during the call.
    let n = unsafe {
        let c = libc::CMSG_FIRSTHDR(&msg);
        if c.is_null() {
            return Err(io::Error::other("no room for IPV6_PKTINFO"));
        }
        (*c).cmsg_level = libc::IPPROTO_IPV6;
        (*c).cmsg_type = libc::IPV6_PKTINFO;
        (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::in6_pktinfo>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast::<libc::in6_pktinfo>(), info);
        libc::sendmsg(sock.as_raw_fd(), &msg, flags)
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(n as usize)
}
