//! Namespace tests of the raw sockets: two network namespaces joined by a veth pair.
//!
//! Need root. With CI=true a missing capability fails the test; elsewhere it is skipped.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use netns_support::{in_netns, unavailable, veth, Netns};
use socket2::{Domain, Protocol, Socket, Type};
use vrrp_engine::Family;

use super::packet_socket::PacketSocket;
use super::vrrp_socket::VrrpSocket;

/// Two namespaces `a`/`b` with veth ends `ifa` (in a) and `ifb` (in b); removed on drop.
struct Lab {
    a: String,
    b: String,
    ifa: String,
    ifb: String,
    // Deleting a namespace deletes the veth end inside it, and with it the pair.
    _namespaces: [Netns; 2],
}

/// Builds the lab, or returns None (skip) when namespaces are unavailable outside CI.
fn lab(tag: &str) -> Option<Lab> {
    let id = format!("{}{tag}", std::process::id());
    let (a, b) = (format!("kna{id}"), format!("knb{id}"));
    let (ifa, ifb) = (format!("kva{id}"), format!("kvb{id}"));
    let setup = || -> Result<[Netns; 2], String> {
        let namespaces = [Netns::add(&a)?, Netns::add(&b)?];
        veth(&a, &ifa, &ifb, Some(&b))?;
        for (ns, ifn, v4, v6) in [
            (&namespaces[0], &ifa, "10.77.0.1/24", "fe80::a/64"),
            (&namespaces[1], &ifb, "10.77.0.2/24", "fe80::b/64"),
        ] {
            ns.ip(&["addr", "add", v4, "dev", ifn])?;
            ns.ip(&["addr", "add", v6, "dev", ifn, "nodad"])?;
            ns.ip(&["link", "set", ifn, "up"])?;
            ns.ip(&["link", "set", "lo", "up"])?;
        }
        Ok(namespaces)
    };
    match setup() {
        Ok(namespaces) => Some(Lab {
            a,
            b,
            ifa,
            ifb,
            _namespaces: namespaces,
        }),
        Err(e) => unavailable(&format!("cannot build the namespaces: {e}")),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ifindex(name: &str) -> u32 {
    let c = std::ffi::CString::new(name).unwrap();
    // SAFETY: valid NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    assert_ne!(i, 0, "no interface {name}");
    i
}

/// VRRPv2 advert of VRID 51, priority 100, one VIP 10.77.0.100, auth PASS "1111",
/// with checksum; the IPv4 header as keepalived builds it (TTL 255, TOS 0xc0).
fn v4_advert(dst: Ipv4Addr) -> Vec<u8> {
    let mut vrrp = vec![0x21, 51, 100, 1, 1, 1, 0, 0, 10, 77, 0, 100];
    vrrp.extend_from_slice(b"1111\0\0\0\0");
    let c = checksum(&vrrp);
    vrrp[6..8].copy_from_slice(&c.to_be_bytes());
    let total = (20 + vrrp.len()) as u16;
    let mut p = vec![0x45, 0xc0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 255, 112, 0, 0, 10, 77, 0, 1]);
    p.extend_from_slice(&dst.octets());
    let c = checksum(&p);
    p[10..12].copy_from_slice(&c.to_be_bytes());
    p.extend_from_slice(&vrrp);
    p
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for ch in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([ch[0], *ch.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Sends `packet` from namespace a every 100 ms (like adverts) until namespace b's socket
/// has received one; returns what b got. Repeating covers the moment right after link-up
/// when IPv6 on the veth is not ready yet and the kernel silently drops the first sends.
fn exchange(
    lab: &Lab,
    family: Family,
    group: IpAddr,
    multicast: bool,
    dst: IpAddr,
    packet: Vec<u8>,
) -> (Vec<u8>, super::vrrp_socket::RecvMeta) {
    // As the daemon sends: IPv4 carries its source in the header; IPv6 names a's configured
    // link-local address (left to the kernel, it could also pick the one it made itself).
    let src = match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xa)),
    };
    exchange_with(lab, family, group, multicast, false, dst, src, packet)
}

/// [`exchange`] with sockets that also receive AH (`ah`), sent from `src` (unspecified: the
/// kernel's choice).
#[allow(clippy::too_many_arguments)]
fn exchange_with(
    lab: &Lab,
    family: Family,
    group: IpAddr,
    multicast: bool,
    ah: bool,
    dst: IpAddr,
    src: IpAddr,
    packet: Vec<u8>,
) -> (Vec<u8>, super::vrrp_socket::RecvMeta) {
    let (ready_tx, ready_rx) = mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let ifb = lab.ifb.clone();
    let done_rx = done.clone();
    let receiver = in_netns(&lab.b, move || {
        let res = runtime().block_on(async move {
            let s = VrrpSocket::open(&ifb, ifindex(&ifb), family, group, multicast, ah).unwrap();
            assert_eq!(s.receives_ah(), ah);
            ready_tx.send(()).unwrap();
            let mut buf = vec![0u8; 2048];
            let meta = tokio::time::timeout(Duration::from_secs(5), s.recv(&mut buf))
                .await
                .expect("no packet within 5 s")
                .unwrap();
            buf.truncate(meta.len);
            (buf, meta)
        });
        done_rx.store(true, Ordering::SeqCst);
        res
    });
    ready_rx.recv().unwrap();
    let ifa = lab.ifa.clone();
    in_netns(&lab.a, move || {
        runtime().block_on(async move {
            let s = VrrpSocket::open(&ifa, ifindex(&ifa), family, group, multicast, ah).unwrap();
            for _ in 0..50 {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                s.send(&packet, dst, src).unwrap();
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // keepalived never hears its own adverts: multicast loop is off and the send
            // socket receives nothing.
            let mut buf = [0u8; 2048];
            let own = tokio::time::timeout(Duration::from_millis(300), s.recv(&mut buf)).await;
            assert!(own.is_err(), "sender received a packet: {own:?}");
        })
    })
    .join()
    .unwrap();
    receiver.join().unwrap()
}

#[test]
fn ipv4_advert_crosses_veth_by_multicast() {
    let Some(lab) = lab("4") else { return };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let packet = v4_advert(group);
    let (got, meta) = exchange(
        &lab,
        Family::V4,
        group.into(),
        true,
        group.into(),
        packet.clone(),
    );
    assert_eq!(meta.src, Some(IpAddr::V4(Ipv4Addr::new(10, 77, 0, 1))));
    assert_eq!(meta.hop_limit, Some(255));
    assert_eq!(got.len(), packet.len());
    // Header as we built it (the kernel may fill the id; we gave a valid checksum)...
    assert_eq!(got[0..2], packet[0..2], "version/IHL/TOS");
    assert_eq!(got[8..10], [255, 112], "TTL and protocol");
    assert_eq!(got[12..20], packet[12..20], "addresses");
    // ...and the VRRP payload untouched.
    assert_eq!(got[20..], packet[20..]);
}

#[test]
fn ipv6_advert_carries_hop_limit_and_kernel_checksum() {
    let Some(lab) = lab("6") else { return };
    // VRRPv3 advert, VRID 7, prio 200, 1 address, interval 100 cs; checksum left 0 for the kernel.
    let mut payload = vec![0x31, 7, 200, 1, 0, 100, 0, 0];
    payload.extend_from_slice(&Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x64).octets());
    let group = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));
    let (got, meta) = exchange(&lab, Family::V6, group, true, group, payload.clone());
    assert_eq!(meta.hop_limit, Some(255));
    assert_eq!(
        meta.src,
        Some(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xa)))
    );
    assert_eq!(got.len(), payload.len());
    assert_eq!(got[..6], payload[..6]);
    assert_eq!(got[8..], payload[8..]);
    assert_ne!(got[6..8], [0, 0], "kernel filled in the checksum");
}

/// The daemon names each IPv6 advert's source (IPV6_PKTINFO), as keepalived does: with
/// several link-local addresses on the interface (here fe80::a, fe80::c and the kernel's own),
/// the configured one is used, not the kernel's choice.
#[test]
fn ipv6_advert_leaves_from_the_named_source() {
    let Some(lab) = lab("6s") else { return };
    let other = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xc);
    let add = std::process::Command::new("ip")
        .args([
            "-n",
            &lab.a,
            "addr",
            "add",
            "fe80::c/64",
            "dev",
            &lab.ifa,
            "nodad",
        ])
        .status()
        .unwrap();
    assert!(add.success());
    let mut payload = vec![0x31, 7, 200, 1, 0, 100, 0, 0];
    payload.extend_from_slice(&Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x64).octets());
    let group = IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12));
    for src in [Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0xa), other] {
        let (got, meta) = exchange_with(
            &lab,
            Family::V6,
            group,
            true,
            false,
            group,
            src.into(),
            payload.clone(),
        );
        assert_eq!(meta.src, Some(IpAddr::V6(src)));
        assert_ne!(got[6..8], [0, 0], "kernel filled in the checksum");
    }
}

#[test]
fn ipv4_unicast_advert_reaches_peer() {
    let Some(lab) = lab("u") else { return };
    let peer = Ipv4Addr::new(10, 77, 0, 2);
    let packet = v4_advert(peer);
    let group = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
    let (got, meta) = exchange(&lab, Family::V4, group, false, peer.into(), packet.clone());
    assert_eq!(meta.src, Some(IpAddr::V4(Ipv4Addr::new(10, 77, 0, 1))));
    assert_eq!(got[8], 255, "TTL");
    assert_eq!(got[16..20], peer.octets());
    assert_eq!(got[20..], packet[20..]);
}

/// The AH form of [`v4_advert`] (auth type 2, zero auth data) as the engine builds it.
fn v4_ah_advert(dst: Ipv4Addr, unicast: bool) -> Vec<u8> {
    let plain = v4_advert(dst);
    let mut vrrp = plain[20..].to_vec();
    vrrp[4] = 2; // auth type AH
    vrrp[12..20].fill(0);
    vrrp[6..8].fill(0);
    let c = checksum(&vrrp);
    vrrp[6..8].copy_from_slice(&c.to_be_bytes());
    vrrp_engine::wire::ah::build_ah_advert(
        Ipv4Addr::new(10, 77, 0, 1),
        dst,
        1,
        1,
        b"1111\0\0\0\0",
        &vrrp,
        unicast,
    )
}

#[test]
fn ipv4_ah_advert_crosses_veth_by_multicast_and_unicast() {
    let Some(lab) = lab("ah") else { return };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let peer = Ipv4Addr::new(10, 77, 0, 2);
    for (multicast, dst) in [(true, group), (false, peer)] {
        let packet = v4_ah_advert(dst, !multicast);
        let (got, meta) = exchange_with(
            &lab,
            Family::V4,
            group.into(),
            multicast,
            true,
            dst.into(),
            Ipv4Addr::UNSPECIFIED.into(),
            packet.clone(),
        );
        assert_eq!(meta.src, Some(IpAddr::V4(Ipv4Addr::new(10, 77, 0, 1))));
        assert_eq!(got[8..10], [255, 51], "TTL and protocol 51");
        assert_eq!(got[16..20], dst.octets());
        assert_eq!(got[20..], packet[20..], "AH header and VRRP untouched");
        assert!(vrrp_engine::wire::ah::icv_valid(
            &got,
            b"1111\0\0\0\0",
            !multicast
        ));
    }
    // The same sockets still receive plain VRRP.
    let packet = v4_advert(group);
    let (got, _) = exchange_with(
        &lab,
        Family::V4,
        group.into(),
        true,
        true,
        group.into(),
        Ipv4Addr::UNSPECIFIED.into(),
        packet.clone(),
    );
    assert_eq!(got[9], 112);
    assert_eq!(got[20..], packet[20..]);
}

#[test]
fn mismatched_group_family_is_an_error() {
    let rt = runtime();
    let _guard = rt.enter();
    // Family check happens before any privileged call matters: "lo" exists everywhere.
    let r = VrrpSocket::open(
        "lo",
        1,
        Family::V4,
        IpAddr::V6(Ipv6Addr::LOCALHOST),
        true,
        false,
    );
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {}
        Err(e)
            if e.kind() == std::io::ErrorKind::PermissionDenied
                && std::env::var("CI").as_deref() != Ok("true") =>
        {
            eprintln!("skipping: {e}")
        }
        other => panic!("expected InvalidInput, got {:?}", other.err()),
    }
}

#[test]
fn garp_frame_arrives_byte_identical() {
    let Some(lab) = lab("g") else { return };
    let mac = [0x02, 0x00, 0x5e, 0x77, 0x00, 0x01];
    let frame = vrrp_engine::wire::arp::gratuitous_arp(mac, Ipv4Addr::new(10, 77, 0, 100)).to_vec();
    let (ready_tx, ready_rx) = mpsc::channel();
    let ifb = lab.ifb.clone();
    let listener = in_netns(&lab.b, move || {
        let eth_p_arp = 0x0806u16;
        let s = Socket::new(
            Domain::PACKET,
            Type::RAW,
            Some(Protocol::from(i32::from(eth_p_arp.to_be()))),
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let addr = super::sockopt::packet_addr(ifindex(&ifb), eth_p_arp, &[]);
        s.bind(&addr).unwrap();
        ready_tx.send(()).unwrap();
        loop {
            let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 2048];
            let n = s.recv(&mut buf).expect("no ARP frame within 5 s");
            // SAFETY: recv initialised the first n bytes.
            let got: Vec<u8> = buf[..n]
                .iter()
                .map(|b| unsafe { b.assume_init() })
                .collect();
            if got.get(6..12) == Some(&mac[..]) {
                return got;
            }
        }
    });
    ready_rx.recv().unwrap();
    let ifa = lab.ifa.clone();
    let sent = frame.clone();
    in_netns(&lab.a, move || {
        let s = PacketSocket::open().unwrap();
        s.send_frame(ifindex(&ifa), &sent).unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(listener.join().unwrap(), frame);
}

#[test]
fn short_frame_is_rejected() {
    // Needs CAP_NET_RAW only for open(); skip quietly without it outside CI.
    let s = match PacketSocket::open() {
        Ok(s) => s,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipping: {e}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let e = s.send_frame(1, &[0u8; 10]).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}
