//! `auth_type AH` received as keepalived 1.3.5 receives it: keepalived 2.2.7's captured
//! adverts (`testdata/wire/keepalived-ah.pcap`) are accepted and followed, replays, forged
//! ICVs and wrong SPIs are refused with 1.3.5's lines and counted as authentication
//! failures, the shared sequence counter is re-synchronised on MASTER transitions, and two
//! engines talk AH to each other (multicast and unicast).

mod sim;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use sim::*;
use vrrp_engine::wire::ah::{build_ah_advert, icv_valid, verify_ah, AhHeader};
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_AH};
use vrrp_engine::wire::vrrp::{VrrpPacket, VrrpRepr, MCAST_GROUP_V4};
use vrrp_engine::{
    Action, Auth, Engine, EngineConfig, InitialState, Input, InstanceConfig, InstanceId, Output,
    State, SyncGroupConfig, Version,
};

const ID: InstanceId = InstanceId(0);
const KEY: [u8; 8] = *b"1111\0\0\0\0";
const A: &str = "192.168.1.198";
const B: &str = "192.168.1.199";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The IPv4 packets of a classic little-endian pcap of Ethernet frames.
fn capture_packets(name: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/wire")
        .join(name);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&data[..4], &0xa1b2_c3d4u32.to_le_bytes(), "pcap magic");
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push(data[at + 16 + 14..at + 16 + caplen].to_vec());
        at += 16 + caplen;
    }
    out
}

/// The seed instance with AH "1111".
fn ah_instance(state: InitialState, prio: u8, src: &str) -> InstanceConfig {
    let mut c = seed_instance("VI_1", state, prio, src.parse().unwrap());
    c.auth = Auth::Ah(KEY);
    c
}

/// An AH advert as keepalived sends it: from `src`, priority `prio`, sequence `seq`.
fn ah_advert(src: &str, prio: u8, seq: u32, unicast_to: Option<&str>) -> Vec<u8> {
    let src: Ipv4Addr = src.parse().unwrap();
    let r = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: prio,
        advert_int: Duration::from_secs(1),
        auth_type: 2,
        addresses: vec!["192.168.1.210".parse().unwrap()],
        auth_data: [0; 8],
    };
    let msg = r.emit(
        vrrp_engine::Family::V4,
        IpAddr::V4(src),
        IpAddr::V4(MCAST_GROUP_V4),
    );
    let dst = unicast_to.map_or(MCAST_GROUP_V4, |d| d.parse().unwrap());
    build_ah_advert(src, dst, 9, seq, &KEY, &msg, unicast_to.is_some())
}

/// AH sequence numbers of the adverts in `outs`.
fn sent_seqs(outs: &[Output]) -> Vec<u32> {
    outs.iter()
        .filter_map(|o| match &o.action {
            Action::SendAdvert { packet, .. } => {
                assert_eq!(packet[9], PROTO_AH, "an AH instance sends protocol 51");
                Some(AhHeader::parse(&packet[20..]).unwrap().0.seq)
            }
            _ => None,
        })
        .collect()
}

fn started(cfg: InstanceConfig) -> Engine {
    let mut e = Engine::new(single(cfg));
    e.handle(Input::Start, Duration::ZERO);
    e
}

/// A MASTER (priority 100, VIPs set) whose AH counter stands at 2 (two adverts sent).
fn ah_master() -> Engine {
    let mut e = started(ah_instance(InitialState::Master, 100, A));
    let outs: Vec<Output> = run_timers(&mut e, ms(2000))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(e.state(ID), State::Master);
    assert_eq!(sent_seqs(&outs), [1, 2]);
    e
}

#[test]
fn keepalived_227_adverts_are_accepted_and_the_takeover_continues_their_sequence() {
    let frames = capture_packets("keepalived-ah.pcap");
    assert_eq!(frames.len(), 4, "three adverts and the priority-0 one");
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    let mut logs = Vec::new();
    for (i, f) in frames[..3].iter().enumerate() {
        logs.extend(texts(&feed(&mut e, f, ms(100 + 1000 * i as u64))));
    }
    assert_eq!(e.state(ID), State::Backup);
    let st = e.stats(ID);
    assert_eq!((st.advert_rcvd, st.auth_failure), (3, 0), "{logs:?}");
    assert!(
        logs.is_empty(),
        "nothing to say about good adverts: {logs:?}"
    );
    assert_eq!(e.master_address(ID), Some(A.parse().unwrap()));
    // The priority-0 advert (sequence 4): MASTER after skew, continuing at 5.
    feed(&mut e, &frames[3], ms(3100));
    assert_eq!(e.stats(ID).pri_zero_rcvd, 1);
    let outs: Vec<Output> = run_timers(&mut e, ms(3100 + 700))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(e.state(ID), State::Master);
    assert_eq!(sent_seqs(&outs), [5]);
    let sent = outs
        .iter()
        .find_map(|o| match &o.action {
            Action::SendAdvert { packet, .. } => Some(packet.clone()),
            _ => None,
        })
        .unwrap();
    assert!(verify_ah(&sent, &KEY));
    let ah = AhHeader::parse(&sent[20..]).unwrap().0;
    assert_eq!(ah.spi, u32::from(B.parse::<Ipv4Addr>().unwrap()));
}

#[test]
fn a_replayed_advert_is_refused_with_the_135_line_and_the_next_one_accepted() {
    let frames = capture_packets("keepalived-ah.pcap");
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    feed(&mut e, &frames[0], ms(100));
    feed(&mut e, &frames[1], ms(1100));
    let t = texts(&feed(&mut e, &frames[1], ms(1200)));
    assert_eq!(
        t,
        [
            "VRRP_Instance(VI_1) IPSEC-AH : sequence number 2 already proceeded. Packet dropped. Local(3)",
            "bogus VRRP packet received on enp11s0f0 !!!",
            "VRRP_Instance(VI_1) ignoring received advertisment...",
        ]
    );
    // (More than a second later: repeats of a reason within a second are rate-limited.)
    let t = texts(&feed(&mut e, &frames[0], ms(2300)));
    assert!(
        t[0].starts_with(
            "VRRP_Instance(VI_1) IPSEC-AH : sequence number 1 already proceeded. Packet dropped. Local(3)"
        ),
        "{t:?}"
    );
    assert_eq!(e.stats(ID).auth_failure, 2);
    // The sender's next number is still good (1.3.5 would refuse it after a replay).
    assert!(texts(&feed(&mut e, &frames[2], ms(2500))).is_empty());
    assert_eq!(e.stats(ID).auth_failure, 2);
    assert_eq!(e.state(ID), State::Backup);
}

#[test]
fn a_sequence_going_backwards_is_refused_until_a_mastership_change_syncs_it() {
    // A BACKUP that followed a master up to 40 hears a restarted master counting from 1.
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    feed(&mut e, &ah_advert(A, 100, 40, None), ms(100));
    let t = texts(&feed(&mut e, &ah_advert(A, 100, 1, None), ms(1100)));
    assert_eq!(
        t[0],
        "VRRP_Instance(VI_1) IPSEC-AH : sequence number 1 already proceeded. Packet dropped. Local(41)"
    );
    // Refused adverts still re-arm the master-down timer (KO in BACKUP), so no takeover.
    for s in 2..6 {
        feed(
            &mut e,
            &ah_advert(A, 100, s, None),
            ms(1100 + 1000 * u64::from(s)),
        );
    }
    run_timers(&mut e, ms(6000));
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.stats(ID).auth_failure, 5);
}

#[test]
fn a_forged_icv_does_not_move_the_counter() {
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    feed(&mut e, &ah_advert(A, 100, 1, None), ms(100));
    // A forged advert with a huge sequence number and a wrong ICV.
    let mut forged = ah_advert(A, 100, 1_000_000, None);
    let n = forged.len();
    forged[n - 12] ^= 0x40; // a VIP byte
    let t = texts(&feed(&mut e, &forged, ms(200)));
    assert_eq!(
        t[0],
        "VRRP_Instance(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
    );
    assert_eq!(e.stats(ID).auth_failure, 1);
    // The genuine sequence goes on being accepted.
    assert!(texts(&feed(&mut e, &ah_advert(A, 100, 2, None), ms(1100))).is_empty());
    // Wrong password: same line.
    let mut other = ah_advert(A, 100, 3, None);
    let r = VrrpPacket::new_checked(&other[44..])
        .unwrap()
        .as_bytes()
        .to_vec();
    other = build_ah_advert(
        A.parse().unwrap(),
        MCAST_GROUP_V4,
        9,
        3,
        b"2222\0\0\0\0",
        &r,
        false,
    );
    let t = texts(&feed(&mut e, &other, ms(2100)));
    assert!(t[0].contains("invalid IPSEC HMAC-MD5"), "{t:?}");
    assert_eq!(e.stats(ID).auth_failure, 2);
}

#[test]
fn spi_other_than_the_source_is_refused_with_135_numbers() {
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    let mut p = ah_advert(A, 100, 1, None);
    p[20 + 4..20 + 8].copy_from_slice(&[192, 168, 1, 7]);
    let t = texts(&feed(&mut e, &p, ms(100)));
    // 1.3.5 prints the network-order words with %d on a little-endian host.
    assert_eq!(
        t[0],
        "IPSEC AH : invalid IPSEC SPI value. -972969792 and expect 117549248"
    );
    assert_eq!(e.stats(ID).auth_failure, 1);
}

#[test]
fn a_packet_of_another_length_than_ours_fails_the_icv_as_in_135() {
    // 1.3.5 hashes the length its own configuration implies: a peer with two VIPs fails
    // the ICV, not the address count.
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    let r = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 100,
        advert_int: Duration::from_secs(1),
        auth_type: 2,
        addresses: vec![
            "192.168.1.210".parse().unwrap(),
            "192.168.1.211".parse().unwrap(),
        ],
        auth_data: [0; 8],
    };
    let src: Ipv4Addr = A.parse().unwrap();
    let msg = r.emit(
        vrrp_engine::Family::V4,
        IpAddr::V4(src),
        IpAddr::V4(MCAST_GROUP_V4),
    );
    let p = build_ah_advert(src, MCAST_GROUP_V4, 9, 1, &KEY, &msg, false);
    assert!(verify_ah(&p, &KEY), "a well-formed packet, just not ours");
    let t = texts(&feed(&mut e, &p, ms(100)));
    assert!(t[0].contains("invalid IPSEC HMAC-MD5"), "{t:?}");
    assert_eq!(e.stats(ID).addr_list_err, 0);
}

#[test]
fn master_hearing_lower_priority_syncs_up_and_answers_above_the_peers_number() {
    let mut e = ah_master();
    let outs = feed(&mut e, &ah_advert(B, 90, 50, None), ms(2100));
    let t = texts(&outs);
    assert_eq!(
        t[..2],
        [
            "VRRP_Instance(VI_1) Received advert with lower priority 90, ours 100, forcing new election",
            "VRRP_Instance(VI_1) IPSEC-AH : Syncing seq_num - Increment seq",
        ]
    );
    // Counter set to 51, so the answer carries 52 (above anything the peer accepted).
    assert_eq!(sent_seqs(&outs), [52]);
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn master_hearing_higher_priority_syncs_down_and_accepts_the_next_advert() {
    let mut e = ah_master();
    let outs = feed(&mut e, &ah_advert(B, 150, 50, None), ms(2100));
    let t = texts(&outs);
    assert_eq!(
        t[..2],
        [
            "VRRP_Instance(VI_1) Received advert with higher priority 150, ours 100",
            "VRRP_Instance(VI_1) IPSEC-AH : Syncing seq_num - Decrement seq",
        ]
    );
    assert_eq!(e.state(ID), State::Backup);
    assert!(texts(&feed(&mut e, &ah_advert(B, 150, 51, None), ms(3100))).is_empty());
    assert_eq!(e.stats(ID).auth_failure, 0);
}

#[test]
fn state_master_at_start_adopts_a_running_masters_sequence() {
    // Restarted with `state MASTER` (counter 0) while the peer is MASTER at 700.
    let mut e = started(ah_instance(InitialState::Master, 100, A));
    let t = texts(&feed(&mut e, &ah_advert(B, 90, 700, None), ms(300)));
    assert_eq!(t, ["VRRP_Instance(VI_1) IPSEC-AH : seq_num sync"]);
    let outs: Vec<Output> = run_timers(&mut e, ms(1000))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(sent_seqs(&outs), [702], "the peer (at 700) accepts it");
}

#[test]
fn leaving_fault_with_ah_goes_to_backup_first() {
    let mut e = ah_master();
    e.handle(
        Input::Link {
            interface: IFACE,
            up: false,
        },
        ms(2100),
    );
    assert_eq!(e.state(ID), State::Fault);
    let t = texts(&e.handle(
        Input::Link {
            interface: IFACE,
            up: true,
        },
        ms(3000),
    ));
    assert_eq!(
        t[1..3],
        [
            "VRRP_Instance(VI_1) in FAULT state jump to AH sync",
            "VRRP_Instance(VI_1) Entering BACKUP STATE",
        ]
    );
    assert_eq!(e.state(ID), State::Backup);
    // Nobody else there: MASTER after master-down, as any BACKUP.
    run_timers(&mut e, ms(3000 + 3700));
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn sync_group_members_accept_any_sequence_number() {
    let mut a = ah_instance(InitialState::Backup, 90, B);
    let mut b = a.clone();
    a.name = "VI_1".into();
    b.name = "VI_2".into();
    b.vrid = 52;
    let cfg = EngineConfig {
        instances: vec![a, b],
        sync_groups: vec![SyncGroupConfig {
            name: "G".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
            global_tracking: false,
        }],
        ..Default::default()
    };
    let mut e = Engine::new(cfg);
    e.handle(Input::Start, Duration::ZERO);
    feed(&mut e, &ah_advert(A, 100, 40, None), ms(100));
    assert!(texts(&feed(&mut e, &ah_advert(A, 100, 3, None), ms(1100))).is_empty());
    assert_eq!(e.stats(ID).auth_failure, 0);
}

#[test]
fn plain_and_ah_adverts_only_reach_instances_of_their_kind() {
    // keepalived reads protocols 112 and 51 on separate sockets: a plain advert for an AH
    // instance is ignored without a line (and the reverse), not logged as an auth mismatch.
    let mut e = started(ah_instance(InitialState::Backup, 90, B));
    let outs = feed(&mut e, &advert(A, 100), ms(100));
    assert!(outs.is_empty(), "{:?}", texts(&outs));
    assert_eq!(e.stats(ID).advert_rcvd, 0);
    let mut plain = started(seed_instance(
        "VI_1",
        InitialState::Backup,
        90,
        B.parse().unwrap(),
    ));
    let outs = feed(&mut plain, &ah_advert(A, 100, 1, None), ms(100));
    assert!(outs.is_empty(), "{:?}", texts(&outs));
    assert_eq!(plain.stats(ID).advert_rcvd, 0);
}

#[test]
fn unicast_adverts_leave_the_ttl_out_of_the_icv() {
    let mut c = ah_instance(InitialState::Master, 100, A);
    c.unicast_peers = vec![B.parse().unwrap()];
    let mut e = started(c);
    let sent: Vec<Vec<u8>> = run_timers(&mut e, ms(2000))
        .into_iter()
        .filter_map(|(_, o)| match o.action {
            Action::SendAdvert { packet, .. } => Some(packet),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 2);
    let p = &sent[0];
    assert_eq!(&p[16..20], &[192, 168, 1, 199], "to the peer");
    assert!(icv_valid(p, &KEY, true));
    assert!(!icv_valid(p, &KEY, false), "the TTL is not covered");
    // A TTL changed on the way does not matter for unicast...
    let mut q = p.clone();
    q[8] = 64;
    q[10..12].copy_from_slice(&[0, 0]);
    let ck = vrrp_engine::wire::checksum::internet_checksum(&[&q[..20]]);
    q[10..12].copy_from_slice(&ck.to_be_bytes());
    assert!(Ipv4Header::checksum_ok(&q));
    let mut b = ah_instance(InitialState::Backup, 90, B);
    b.unicast_peers = vec![A.parse().unwrap()];
    let mut eb = started(b);
    assert!(texts(&feed(&mut eb, &q, ms(100))).is_empty());
    assert_eq!(eb.stats(ID).auth_failure, 0);
    // ... while a multicast instance hashes it (and checks it is 255 first).
    let mut m = started(ah_instance(InitialState::Backup, 90, B));
    let t = texts(&feed(&mut m, &ah_advert(A, 100, 1, Some(B)), ms(100)));
    assert!(t[0].contains("invalid IPSEC HMAC-MD5"), "{t:?}");
}

#[test]
fn two_engines_with_ah_one_master_and_a_clean_handover() {
    for unicast in [false, true] {
        let (mut a, mut b) = seed_pair();
        for (c, peer) in [(&mut a, B), (&mut b, A)] {
            c.instances[0].auth = Auth::Ah(KEY);
            if unicast {
                c.instances[0].unicast_peers = vec![peer.parse().unwrap()];
            }
        }
        let mut s = Sim::new(vec![a, b], 7);
        s.start_all();
        s.run_until(ms(10_000));
        assert_eq!((s.state(0), s.state(1)), (State::Master, State::Backup));
        let st = s.nodes[1].engine.stats(ID).clone();
        assert!(st.advert_rcvd >= 8, "{st:?}");
        assert_eq!(st.auth_failure, 0, "{:?}", s.logs(1));
        // A stops (priority 0): B takes over and A, restarted, takes the VIP back although
        // its counter starts again from 0.
        s.shutdown(0);
        s.run_until(ms(11_000));
        assert_eq!(s.state(1), State::Master, "unicast={unicast}");
        s.restart(0);
        s.run_until(ms(20_000));
        assert_eq!(
            (s.state(0), s.state(1)),
            (State::Master, State::Backup),
            "unicast={unicast}: {:?}",
            s.logs(1)
        );
        for n in 0..2 {
            assert_eq!(
                s.nodes[n].engine.stats(ID).auth_failure,
                0,
                "unicast={unicast} node {n}: {:?}",
                s.logs(n)
            );
        }
    }
}
