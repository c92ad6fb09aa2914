//! Byte-layout tests against `include/uapi/linux/ip_vs.h` (x86-64: native = little-endian).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{
    DefaultNla, Emitable, NetlinkMessage, NetlinkPayload, Nla, NLM_F_REQUEST,
};
use netlink_packet_generic::GenlMessage;

use crate::codec::{self, cmd, IpvsMessage};
use crate::*;

fn emit(nla: &DefaultNla) -> Vec<u8> {
    let mut b = vec![0u8; nla.buffer_len()];
    nla.emit(&mut b);
    b
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn tcp80() -> ServiceKey {
    ServiceKey::Addr {
        protocol: PROTO_TCP,
        addr: v4(10, 0, 0, 1),
        port: 80,
    }
}

#[test]
#[cfg(target_endian = "little")]
fn service_key_layout() {
    let got = emit(&codec::encode_service_key(&tcp80()));
    let mut want = vec![
        48, 0, 1, 0, // IPVS_CMD_ATTR_SERVICE (1), 4 + 44 bytes
        6, 0, 1, 0, 2, 0, 0, 0, // IPVS_SVC_ATTR_AF (1) = AF_INET, padded
        6, 0, 2, 0, 6, 0, 0, 0, // IPVS_SVC_ATTR_PROTOCOL (2) = IPPROTO_TCP
        20, 0, 3, 0, 10, 0, 0, 1, // IPVS_SVC_ATTR_ADDR (3), nf_inet_addr (16 bytes)
    ];
    want.extend_from_slice(&[0; 12]);
    want.extend_from_slice(&[6, 0, 4, 0, 0, 80, 0, 0]); // IPVS_SVC_ATTR_PORT (4), big-endian
    assert_eq!(got, want);
}

#[test]
#[cfg(target_endian = "little")]
fn full_service_layout() {
    let mut svc = Service::new(tcp80(), "wrr");
    svc.flags = SVC_F_PERSISTENT;
    svc.timeout = 300;
    svc.netmask = 0xffff_ff00;
    let got = emit(&codec::encode_service(&svc));
    // After the 44 key bytes: sched name, flags+mask, timeout, netmask.
    let tail = &got[4 + 44..];
    let want: Vec<u8> = [
        &[8, 0, 6, 0, b'w', b'r', b'r', 0][..], // SCHED_NAME (6), NUL-terminated
        &[12, 0, 7, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], // FLAGS (7): flags, mask
        &[8, 0, 8, 0, 44, 1, 0, 0],             // TIMEOUT (8) = 300
        &[8, 0, 9, 0, 0xff, 0xff, 0xff, 0],     // NETMASK (9) = 255.255.255.0
    ]
    .concat();
    assert_eq!(tail, &want[..]);
    assert_eq!(u16::from_le_bytes([got[0], got[1]]) as usize, got.len());
}

#[test]
#[cfg(target_endian = "little")]
fn fwmark_ipv6_service_layout() {
    let svc = Service::new(
        ServiceKey::Fwmark {
            ipv6: true,
            mark: 7,
        },
        "rr",
    );
    let got = emit(&codec::encode_service(&svc));
    assert_eq!(&got[4..12], &[6, 0, 1, 0, 10, 0, 0, 0]); // AF_INET6
    assert_eq!(&got[12..20], &[8, 0, 5, 0, 7, 0, 0, 0]); // FWMARK (5)
                                                         // IPv6 netmask is a prefix length, native order.
    assert_eq!(&got[got.len() - 8..], &[8, 0, 9, 0, 128, 0, 0, 0]);
}

#[test]
#[cfg(target_endian = "little")]
fn dest_layout() {
    let mut d = Destination::new(v4(192, 168, 1, 2), 8080, FwdMethod::Droute, 5);
    d.u_threshold = 100;
    d.l_threshold = 10;
    let got = emit(&codec::encode_dest(&d));
    let mut want = vec![20, 0, 1, 0, 192, 168, 1, 2]; // DEST_ATTR_ADDR (1)
    want.extend_from_slice(&[0; 12]);
    want.extend_from_slice(&[6, 0, 2, 0, 0x1f, 0x90, 0, 0]); // PORT (2) 8080 big-endian
    want.extend_from_slice(&[8, 0, 3, 0, 3, 0, 0, 0]); // FWD_METHOD (3) = IP_VS_CONN_F_DROUTE
    want.extend_from_slice(&[8, 0, 4, 0, 5, 0, 0, 0]); // WEIGHT (4)
    want.extend_from_slice(&[8, 0, 5, 0, 100, 0, 0, 0]); // U_THRESH (5)
    want.extend_from_slice(&[8, 0, 6, 0, 10, 0, 0, 0]); // L_THRESH (6)
    want.extend_from_slice(&[6, 0, 11, 0, 2, 0, 0, 0]); // ADDR_FAMILY (11)
    assert_eq!(&got[4..], &want[..]);
    assert_eq!(&got[..4], &[(want.len() + 4) as u8, 0, 2, 0]); // IPVS_CMD_ATTR_DEST (2)
}

#[test]
fn del_dest_carries_only_identity() {
    let got = emit(&codec::encode_dest_key(v4(1, 2, 3, 4), 80));
    let attrs = codec::parse_nested(&got).unwrap();
    let kinds: Vec<u16> = attrs.iter().map(|a| a.kind()).collect();
    assert_eq!(kinds, vec![1, 2, 11]);
}

#[test]
#[cfg(target_endian = "little")]
fn genl_header_and_family_id() {
    let mut genl = GenlMessage::from_payload(IpvsMessage {
        cmd: cmd::NEW_SERVICE,
        attrs: vec![codec::encode_service_key(&tcp80())],
    });
    genl.set_resolved_family_id(0x23);
    genl.finalize();
    let mut msg = NetlinkMessage::from(genl);
    msg.header.flags = NLM_F_REQUEST;
    msg.finalize();
    let mut buf = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut buf);
    assert_eq!(&buf[4..6], &[0x23, 0]); // nlmsg_type = resolved family id
    assert_eq!(&buf[16..20], &[1, 1, 0, 0]); // genlmsghdr: cmd NEW_SERVICE (1), version 1
    assert_eq!(&buf[20..24], &[48, 0, 1, 0]); // then IPVS_CMD_ATTR_SERVICE
    let back = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&buf).unwrap();
    match back.payload {
        NetlinkPayload::InnerMessage(g) => assert_eq!(g.payload.cmd, cmd::NEW_SERVICE),
        other => panic!("unexpected payload {other:?}"),
    }
}

/// Builds a message the way the kernel's dump does (nested flag on, fields the kernel adds).
fn kernel_nested(kind: u16, inner: Vec<DefaultNla>) -> DefaultNla {
    let mut b = vec![0u8; inner.as_slice().buffer_len()];
    inner.as_slice().emit(&mut b);
    DefaultNla::new(kind | netlink_packet_core::NLA_F_NESTED, b)
}

#[test]
fn decode_kernel_service_dump() {
    let addr = IpAddr::V6("2001:db8::1".parse::<Ipv6Addr>().unwrap());
    let inner = vec![
        DefaultNla::new(1, 10u16.to_ne_bytes().to_vec()),
        DefaultNla::new(2, 17u16.to_ne_bytes().to_vec()),
        DefaultNla::new(
            3,
            match addr {
                IpAddr::V6(a) => a.octets().to_vec(),
                IpAddr::V4(_) => unreachable!(),
            },
        ),
        DefaultNla::new(4, 53u16.to_be_bytes().to_vec()),
        DefaultNla::new(6, b"sh\0".to_vec()),
        DefaultNla::new(
            7,
            [
                (SVC_F_HASHED | SVC_F_PERSISTENT).to_ne_bytes(),
                u32::MAX.to_ne_bytes(),
            ]
            .concat(),
        ),
        DefaultNla::new(8, 60u32.to_ne_bytes().to_vec()),
        DefaultNla::new(9, 64u32.to_ne_bytes().to_vec()),
        DefaultNla::new(10, vec![0; 8]), // stats: ignored
    ];
    let msg = IpvsMessage {
        cmd: cmd::NEW_SERVICE,
        attrs: vec![kernel_nested(1, inner)],
    };
    let svc = codec::decode_service(&msg).unwrap();
    assert_eq!(
        svc.key,
        ServiceKey::Addr {
            protocol: PROTO_UDP,
            addr,
            port: 53
        }
    );
    assert_eq!(svc.scheduler, "sh");
    assert_eq!(svc.flags, SVC_F_HASHED | SVC_F_PERSISTENT);
    assert_eq!((svc.timeout, svc.netmask), (60, 64));
}

#[test]
fn service_round_trip_v4_and_fwmark() {
    for key in [
        tcp80(),
        ServiceKey::Fwmark {
            ipv6: false,
            mark: 42,
        },
    ] {
        let mut svc = Service::new(key, "lc");
        svc.netmask = 0xffff_0000;
        let msg = IpvsMessage {
            cmd: cmd::NEW_SERVICE,
            attrs: vec![codec::encode_service(&svc)],
        };
        assert_eq!(codec::decode_service(&msg).unwrap(), svc);
    }
}

#[test]
fn decode_kernel_dest_dump() {
    let inner = vec![
        DefaultNla::new(1, [[10, 1, 0, 5].as_slice(), &[0; 12]].concat()),
        DefaultNla::new(2, 80u16.to_be_bytes().to_vec()),
        DefaultNla::new(3, 2u32.to_ne_bytes().to_vec()),
        DefaultNla::new(4, 3u32.to_ne_bytes().to_vec()),
        DefaultNla::new(5, 0u32.to_ne_bytes().to_vec()),
        DefaultNla::new(6, 0u32.to_ne_bytes().to_vec()),
        DefaultNla::new(7, 4u32.to_ne_bytes().to_vec()),
        DefaultNla::new(8, 9u32.to_ne_bytes().to_vec()),
        DefaultNla::new(9, 1u32.to_ne_bytes().to_vec()),
    ];
    let msg = IpvsMessage {
        cmd: cmd::NEW_DEST,
        attrs: vec![kernel_nested(2, inner)],
    };
    // No ADDR_FAMILY attribute (kernel < 3.18): the service's family applies.
    let d = codec::decode_dest(&msg, codec::AF_INET).unwrap();
    assert_eq!(d.addr, v4(10, 1, 0, 5));
    assert_eq!((d.port, d.fwd, d.weight), (80, FwdMethod::Tunnel, 3));
    assert_eq!(
        (d.active_conns, d.inactive_conns, d.persistent_conns),
        (4, 9, 1)
    );
}

#[test]
fn decode_rejects_truncated_and_unknown() {
    let msg = IpvsMessage {
        cmd: cmd::NEW_DEST,
        attrs: vec![kernel_nested(2, vec![DefaultNla::new(1, vec![10, 1])])],
    };
    assert!(matches!(
        codec::decode_dest(&msg, codec::AF_INET),
        Err(IpvsError::Malformed(_))
    ));
    let empty = IpvsMessage {
        cmd: cmd::NEW_SERVICE,
        attrs: vec![],
    };
    assert!(codec::decode_service(&empty).is_err());
    assert!(FwdMethod::from_kernel(5).is_err());
}

#[test]
fn decode_info_reply() {
    let msg = IpvsMessage {
        cmd: cmd::SET_INFO,
        attrs: vec![
            DefaultNla::new(1, 0x0001_0201u32.to_ne_bytes().to_vec()),
            DefaultNla::new(2, 4096u32.to_ne_bytes().to_vec()),
        ],
    };
    let info = codec::decode_info(&msg).unwrap();
    assert_eq!(info.version_string(), "1.2.1");
    assert_eq!(info.conn_tab_size, 4096);
}

#[test]
#[cfg(target_endian = "little")]
fn timeouts_layout_and_reply() {
    let t = Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    };
    let attrs = codec::encode_timeouts(&t);
    let mut b = vec![0u8; attrs.as_slice().buffer_len()];
    attrs.as_slice().emit(&mut b);
    assert_eq!(
        b,
        vec![
            8, 0, 4, 0, 0x84, 3, 0, 0, // IPVS_CMD_ATTR_TIMEOUT_TCP (4) = 900
            8, 0, 5, 0, 120, 0, 0, 0, // IPVS_CMD_ATTR_TIMEOUT_TCP_FIN (5)
            8, 0, 6, 0, 0x2c, 1, 0, 0, // IPVS_CMD_ATTR_TIMEOUT_UDP (6) = 300
        ]
    );
    let reply = IpvsMessage {
        cmd: cmd::SET_CONFIG,
        attrs,
    };
    assert_eq!(codec::decode_timeouts(&reply).unwrap(), t);
}

#[test]
#[cfg(target_endian = "little")]
fn daemon_layout_and_round_trip() {
    let mut d = SyncDaemon::new(SyncState::Backup, "eth0", 5);
    d.mcast_group = Some(v4(224, 0, 0, 81));
    d.mcast_port = Some(8848);
    d.mcast_ttl = Some(2);
    let got = emit(&codec::encode_daemon(&d));
    let want: Vec<u8> = [
        &[3, 0][..],                                       // IPVS_CMD_ATTR_DAEMON (3)
        &[8, 0, 1, 0, 2, 0, 0, 0],                         // STATE (1) = IP_VS_STATE_BACKUP
        &[9, 0, 2, 0, b'e', b't', b'h', b'0', 0, 0, 0, 0], // MCAST_IFN (2), NUL, padding
        &[8, 0, 3, 0, 5, 0, 0, 0],                         // SYNC_ID (3)
        &[8, 0, 5, 0, 224, 0, 0, 81],                      // MCAST_GROUP (5), in_addr
        &[6, 0, 7, 0, 0x90, 0x22, 0, 0],                   // MCAST_PORT (7) = 8848, host order
        &[5, 0, 8, 0, 2, 0, 0, 0],                         // MCAST_TTL (8), u8
    ]
    .concat();
    assert_eq!(&got[2..], &want[..]);
    assert_eq!(got[0] as usize, got.len());
    let msg = IpvsMessage {
        cmd: cmd::NEW_DAEMON,
        attrs: vec![codec::encode_daemon(&d)],
    };
    assert_eq!(codec::decode_daemon(&msg).unwrap(), d);
    let del = emit(&codec::encode_daemon_state(SyncState::Master));
    assert_eq!(del, vec![12, 0, 3, 0, 8, 0, 1, 0, 1, 0, 0, 0]);
}
