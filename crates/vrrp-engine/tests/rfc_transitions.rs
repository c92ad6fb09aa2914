//! Table tests of the RFC 3768 §6.4 / RFC 5798 §6.4 state transitions and the §7.1 receive
//! checks, each naming the section it checks. Where keepalived 1.3.5 deviates from the RFC
//! the test asserts keepalived's behaviour and says so.

mod sim;

use std::time::Duration;

use sim::*;
use vrrp_engine::{Action, Engine, InitialState, Input, InstanceId, RejectReason, State, Version};

const ID: InstanceId = InstanceId(0);
const MD_B: Duration = Duration::from_micros(3_648_437);
const SKEW_B: Duration = Duration::from_micros(648_437);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn rfc3768_6_4_1_backup_arms_master_down_interval() {
    let e = backup_b();
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.next_deadline(), Some(MD_B));
}

#[test]
fn rfc3768_6_4_1_owner_goes_master() {
    // Priority 255 ⇒ MASTER even with `state BACKUP` (1.3.5: after one advert interval).
    let mut cfg = seed_instance(
        "VI_1",
        InitialState::Backup,
        255,
        "10.0.0.1".parse().unwrap(),
    );
    cfg.priority = 255;
    let mut e = Engine::new(single(cfg));
    e.handle(Input::Start, Duration::ZERO);
    assert_eq!(e.next_deadline(), Some(Duration::from_secs(1)));
    let outs: Vec<_> = run_timers(&mut e, Duration::from_secs(1))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(sent_prios(&outs), vec![255]);
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn rfc3768_6_4_2_master_down_timer_fires_send_advert_become_master() {
    let mut e = backup_b();
    let outs = run_timers(&mut e, MD_B);
    assert!(outs.iter().all(|(t, _)| *t == MD_B));
    let outs: Vec<_> = outs.into_iter().map(|(_, o)| o).collect();
    assert_eq!(sent_prios(&outs), vec![90]);
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) Transition to MASTER STATE".into()));
    assert_eq!(e.state(ID), State::Master);
    assert!(outs.iter().any(|o| matches!(
        o.action,
        Action::StateChanged {
            from: State::Backup,
            to: State::Master
        }
    )));
    // RFC 3768 §6.4.2: the VIPs are taken at the same instant ("Entering MASTER STATE" right
    // after "Transition"; 1.3.5 waited one more interval, see docs/compatibility.md).
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::AddAddresses(_))));
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::SendGarp { count: 5, .. })));
    assert_eq!(
        texts(&outs),
        vec![
            "VRRP_Instance(VI_1) Transition to MASTER STATE",
            "VRRP_Instance(VI_1) Entering MASTER STATE",
            "VRRP_Instance(VI_1) setting protocol VIPs.",
            "VRRP_Instance(VI_1) Sending/queueing gratuitous ARPs on enp11s0f0 for 192.168.1.210",
        ]
    );
}

#[test]
fn rfc3768_6_4_2_priority_zero_sets_master_down_to_skew() {
    let mut e = backup_b();
    let t = ms(1500);
    let outs = feed(&mut e, &advert("192.168.1.198", 0), t);
    assert!(sent_prios(&outs).is_empty());
    assert_eq!(e.next_deadline(), Some(t + SKEW_B));
    assert_eq!(e.stats(ID).pri_zero_rcvd, 1);
}

#[test]
fn rfc3768_6_4_2_higher_or_equal_priority_resets_master_down() {
    for prio in [90u8, 100, 254] {
        let mut e = backup_b();
        let t = ms(2000);
        let outs = feed(&mut e, &advert("192.168.1.198", prio), t);
        assert!(sent_prios(&outs).is_empty(), "prio {prio}");
        assert_eq!(e.state(ID), State::Backup);
        assert_eq!(e.next_deadline(), Some(t + MD_B), "prio {prio}");
        assert_eq!(e.master_address(ID), Some("192.168.1.198".parse().unwrap()));
    }
}

#[test]
fn rfc3768_6_4_2_lower_priority_without_preempt_resets_timer() {
    let (_, mut b) = seed_pair();
    b.instances[0].nopreempt = true;
    let mut e = Engine::new(b);
    e.handle(Input::Start, Duration::ZERO);
    let t = ms(2000);
    let outs = feed(&mut e, &advert("192.168.1.198", 50), t);
    assert!(sent_prios(&outs).is_empty());
    assert_eq!(e.state(ID), State::Backup);
    assert_eq!(e.next_deadline(), Some(t + MD_B));
}

#[test]
fn rfc3768_6_4_2_lower_priority_with_preempt_keepalived_135_elects_at_once() {
    // RFC: discard and wait for Master_Down_Timer. keepalived 1.3.5: immediate election.
    let mut e = backup_b();
    let outs = feed(&mut e, &advert("192.168.1.198", 50), ms(2000));
    let t = texts(&outs);
    assert_eq!(
        t,
        vec![
            "VRRP_Instance(VI_1) forcing a new MASTER election",
            "VRRP_Instance(VI_1) Transition to MASTER STATE"
        ]
    );
    assert_eq!(sent_prios(&outs), vec![90]);
    assert_eq!(e.state(ID), State::Master);
}

#[test]
fn rfc3768_6_4_2_shutdown_in_backup_cancels_timer_without_advert() {
    let mut e = backup_b();
    let outs = e.handle(Input::Shutdown, ms(100));
    assert!(sent_prios(&outs).is_empty());
    assert_eq!(e.state(ID), State::Init);
    assert_eq!(e.next_deadline(), None);
}

#[test]
fn rfc3768_6_4_3_adver_timer_sends_and_rearms() {
    let mut e = master_a();
    assert_eq!(e.next_deadline(), Some(Duration::from_secs(3)));
    let outs: Vec<_> = run_timers(&mut e, Duration::from_secs(3))
        .into_iter()
        .map(|(_, o)| o)
        .collect();
    assert_eq!(sent_prios(&outs), vec![100]);
    assert_eq!(e.next_deadline(), Some(Duration::from_secs(4)));
}

#[test]
fn rfc3768_6_4_3_shutdown_sends_priority_zero() {
    let mut e = master_a();
    let outs = e.handle(Input::Shutdown, ms(2500));
    assert_eq!(sent_prios(&outs), vec![0]);
    assert!(texts(&outs).contains(&"VRRP_Instance(VI_1) sent 0 priority".into()));
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::RemoveAddresses(_))));
    assert_eq!(e.state(ID), State::Init);
    assert_eq!(e.next_deadline(), None);
}

#[test]
fn rfc3768_6_4_3_priority_zero_answered_with_advert() {
    let mut e = master_a();
    let t = ms(2500);
    let outs = feed(&mut e, &advert("192.168.1.199", 0), t);
    assert_eq!(sent_prios(&outs), vec![100]);
    assert_eq!(e.state(ID), State::Master);
    assert_eq!(e.next_deadline(), Some(t + Duration::from_secs(1)));
}

#[test]
fn rfc3768_6_4_3_higher_priority_goes_backup() {
    let mut e = master_a();
    let t = ms(2500);
    let outs = feed(&mut e, &advert("192.168.1.199", 150), t);
    assert_eq!(
        texts(&outs)
            .into_iter()
            .filter(|l| !l.contains("removing protocol"))
            .collect::<Vec<_>>(),
        vec![
            "VRRP_Instance(VI_1) Received advert with higher priority 150, ours 100",
            "VRRP_Instance(VI_1) Entering BACKUP STATE"
        ]
    );
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::RemoveAddresses(_))));
    assert_eq!(e.state(ID), State::Backup);
    // Master_Down_Timer of node A: 3 + (256-100)/256.
    assert_eq!(
        e.next_deadline(),
        Some(t + Duration::from_micros(3_609_375))
    );
    assert_eq!(e.stats(ID).release_master, 1);
}

#[test]
fn rfc3768_6_4_3_equal_priority_greater_address_wins() {
    let mut e = master_a(); // 192.168.1.198
    let outs = feed(&mut e, &advert("192.168.1.250", 100), ms(2500));
    assert_eq!(e.state(ID), State::Backup, "{:?}", texts(&outs));
    let mut e = master_a();
    let outs = feed(&mut e, &advert("192.168.1.10", 100), ms(2500));
    assert_eq!(e.state(ID), State::Master);
    assert!(texts(&outs).contains(
        &"VRRP_Instance(VI_1) Received advert with lower priority 100, ours 100, forcing new election"
            .into()
    ));
}

#[test]
fn rfc3768_6_4_3_lower_priority_keepalived_forces_election() {
    // RFC: discard. keepalived 1.3.5: advert at once plus garp_lower_prio_repeat GARPs.
    let mut e = master_a();
    let outs = feed(&mut e, &advert("192.168.1.199", 90), ms(2500));
    assert_eq!(sent_prios(&outs), vec![100]);
    assert!(outs
        .iter()
        .any(|o| matches!(o.action, Action::SendGarp { count: 5, .. })));
    assert_eq!(e.state(ID), State::Master);
}

fn reject_of(bytes: &[u8]) -> (Engine, Vec<String>) {
    let mut e = backup_b();
    let outs = feed(&mut e, bytes, ms(1000));
    (e, texts(&outs))
}

#[test]
fn rfc3768_7_1_receive_checks_are_typed_and_counted() {
    use vrrp_engine::wire::ipv4::Ipv4Header;
    // TTL ≠ 255 (multicast).
    let mut p = advert("192.168.1.198", 100);
    p[8] = 64;
    let (e, t) = reject_of(&p);
    assert_eq!(e.stats(ID).ip_ttl_err, 1);
    assert_eq!(t[0], "(VI_1): invalid ttl. 64 and expect 255");
    assert_eq!(t[1], "bogus VRRP packet received on enp11s0f0 !!!");
    assert_eq!(
        t[2],
        "VRRP_Instance(VI_1) ignoring received advertisment..."
    );
    // Version 3 on a v2 instance.
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| {
        r.version = Version::V3
    }));
    assert_eq!(t[0], "(VI_1): invalid version. 3 and expect 2");
    assert_eq!(e.stats(ID).version_err, 1);
    // Type ≠ 1.
    let mut p = advert("192.168.1.198", 100);
    p[20] = 0x22;
    let (e, t) = reject_of(&p);
    assert_eq!(t[0], "(VI_1): Invalid packet type. 2 and expect 1");
    assert_eq!(e.stats(ID).invalid_type_rcvd, 1);
    // Auth type invalid / mismatch / password.
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| r.auth_type = 7));
    assert_eq!(t[0], "(VI_1): Invalid auth type: 7");
    assert_eq!(e.stats(ID).invalid_authtype, 1);
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| r.auth_type = 0));
    assert_eq!(t[0], "(VI_1): received a 0 auth, expecting 1!");
    assert_eq!(e.stats(ID).authtype_mismatch, 1);
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| {
        r.auth_data = *b"2222\0\0\0\0"
    }));
    assert_eq!(t[0], "(VI_1): received an invalid passwd!");
    assert_eq!(e.stats(ID).auth_failure, 1);
    // Address count and list.
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| r.addresses.clear()));
    assert_eq!(
        t[0],
        "(VI_1): received an invalid ip number count 0, expected 1!"
    );
    assert_eq!(e.stats(ID).addr_list_err, 1);
    let (e, t) = reject_of(&advert_with("192.168.1.198", 100, |r| {
        r.addresses = vec!["192.168.1.211".parse().unwrap()]
    }));
    assert_eq!(
        t[0],
        "(VI_1): ip address associated with VRID 51 not present in MASTER advert : 192.168.1.210"
    );
    assert_eq!(e.stats(ID).addr_list_err, 1);
    // Checksum.
    let mut p = advert("192.168.1.198", 100);
    p[27] ^= 0xff;
    let (e, t) = reject_of(&p);
    assert_eq!(t[0], "(VI_1): Invalid VRRPv2 checksum");
    assert_eq!(e.stats(ID).checksum_err, 1);
    // Lengths (with PASS the password check at the payload end comes first, so check
    // them on an instance without authentication): IP total length, trailing bytes.
    let noauth = |bytes: &[u8]| {
        let (_, mut b) = seed_pair();
        b.instances[0].auth = vrrp_engine::Auth::None;
        let mut e = Engine::new(b);
        e.handle(Input::Start, Duration::ZERO);
        let outs = feed(&mut e, bytes, ms(1000));
        (e, texts(&outs))
    };
    let clear = |r: &mut vrrp_engine::wire::vrrp::VrrpRepr| {
        r.auth_type = 0;
        r.auth_data = [0; 8];
    };
    let mut p = advert_with("192.168.1.198", 100, clear);
    p[2..4].copy_from_slice(&44u16.to_be_bytes());
    let (e, t) = noauth(&p);
    assert_eq!(
        t[0],
        "(VI_1): ip_tot_len mismatch against received length. 44 and received 40"
    );
    assert_eq!(e.stats(ID).packet_len_err, 1);
    let mut msg = advert_with("192.168.1.198", 100, clear)[20..].to_vec();
    msg.extend_from_slice(&[0; 4]);
    let p = Ipv4Header::emit_keepalived(
        "192.168.1.198".parse().unwrap(),
        "224.0.0.18".parse().unwrap(),
        112,
        1,
        &msg,
    );
    let (e, t) = noauth(&p);
    assert_eq!(
        t[0],
        "(VI_1): Received packet length mismatch against expected. 44 and expect 40"
    );
    assert_eq!(e.stats(ID).packet_len_err, 1);
    // Too short.
    let p = advert("192.168.1.198", 100)[..25].to_vec();
    let (e, t) = reject_of(&p);
    assert_eq!(
        t[0],
        "(VI_1): ip/vrrp header too short. 25 and expect at least 28"
    );
    assert_eq!(e.stats(ID).packet_len_err, 1);
    // Every one of these is counted as received.
    assert_eq!(e.stats(ID).advert_rcvd, 1);
}

#[test]
fn rfc3768_7_1_other_vrid_is_silently_ignored() {
    let mut e = backup_b();
    let outs = feed(
        &mut e,
        &advert_with("192.168.1.198", 100, |r| r.vrid = 52),
        ms(1000),
    );
    assert!(outs.is_empty());
    assert_eq!(e.stats(ID).advert_rcvd, 0);
    assert_eq!(e.next_deadline(), Some(MD_B));
}

#[test]
fn rfc3768_7_1_unicast_skips_ttl_check() {
    let (_, mut b) = seed_pair();
    b.instances[0].unicast_peers = vec!["192.168.1.198".parse().unwrap()];
    let mut e = Engine::new(b);
    e.handle(Input::Start, Duration::ZERO);
    let mut p = advert("192.168.1.198", 100);
    p[8] = 60;
    let outs = feed(&mut e, &p, ms(1000));
    assert!(texts(&outs).is_empty(), "{:?}", texts(&outs));
    assert_eq!(e.next_deadline(), Some(ms(1000) + MD_B));
}

#[test]
fn rfc3768_7_1_unicast_source_check() {
    let (_, mut b) = seed_pair();
    b.instances[0].unicast_peers = vec!["192.168.1.198".parse().unwrap()];
    b.instances[0].check_unicast_src = true;
    let mut e = Engine::new(b);
    e.handle(Input::Start, Duration::ZERO);
    let outs = feed(&mut e, &advert("192.168.1.77", 100), ms(1000));
    assert_eq!(
        texts(&outs)[0],
        "(VI_1): unicast source address 192.168.1.77 not a unicast peer"
    );
    assert_eq!(e.stats(ID).unicast_src_err, 1);
}

#[test]
fn rfc3768_7_1_reject_reason_kinds() {
    assert_eq!(
        RejectReason::AdvertInterval { mine: 1, got: 2 }.kind(),
        vrrp_engine::RejectKind::Drop
    );
    assert_eq!(
        RejectReason::AuthFailure.kind(),
        vrrp_engine::RejectKind::Ko
    );
}

fn v3_backup(advert_int_ms: u64) -> Engine {
    let mut c = seed_instance(
        "VI_6",
        InitialState::Backup,
        100,
        "10.0.0.2".parse().unwrap(),
    );
    c.version = Version::V3;
    c.auth = vrrp_engine::Auth::None;
    c.advert_int = ms(advert_int_ms);
    let mut e = Engine::new(single(c));
    e.handle(Input::Start, Duration::ZERO);
    e
}

#[test]
fn rfc5798_6_1_v3_skew_scales_with_interval() {
    // Skew_Time = ((256 − Priority) × Master_Adver_Interval) / 256.
    let e = v3_backup(500);
    assert_eq!(
        e.next_deadline(),
        Some(ms(1500) + Duration::from_micros(304_687))
    );
}

#[test]
fn rfc5798_6_4_2_backup_adopts_master_adver_interval() {
    let mut e = v3_backup(1000);
    let p = advert_with("10.0.0.1", 150, |r| {
        r.version = Version::V3;
        r.auth_type = 0;
        r.auth_data = [0; 8];
        r.advert_int = ms(2000);
    });
    let outs = feed(&mut e, &p, ms(100));
    assert!(texts(&outs)
        .contains(&"VRRP_Instance(VI_6) advertisement interval updated to 2000 milli-sec".into()));
    // Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time (own interval).
    assert_eq!(
        e.next_deadline(),
        Some(ms(100) + ms(6000) + Duration::from_micros(609_375))
    );
    assert_eq!(e.stats(ID).v3_checksum_pseudo, 1);
}

#[test]
fn rfc5798_5_2_8_v3_plain_checksum_accepted_and_counted() {
    use vrrp_engine::wire::checksum::internet_checksum;
    let mut e = v3_backup(1000);
    let mut p = advert_with("10.0.0.1", 150, |r| {
        r.version = Version::V3;
        r.auth_type = 0;
        r.auth_data = [0; 8];
    });
    // Recompute the VRRP checksum without the pseudo-header ("v2-style").
    p[26] = 0;
    p[27] = 0;
    let c = internet_checksum(&[&p[20..]]);
    p[26..28].copy_from_slice(&c.to_be_bytes());
    let outs = feed(&mut e, &p, ms(100));
    assert!(texts(&outs).is_empty(), "{:?}", texts(&outs));
    assert_eq!(e.stats(ID).v3_checksum_plain, 1);
}
