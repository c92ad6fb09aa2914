//! Engine tests with a virtual clock. `P` is a `&'static str` naming the probe.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::config::*;
use crate::event::{CheckEvent, ScriptReason};
use crate::io::{Action, Input, ProbeOutcome};
use crate::ipvs_op::IpvsOp;
use crate::CheckEngine;

type P = &'static str;
type E = CheckEngine<P>;

fn s(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

fn key(last: u8, port: u16) -> ServiceKey {
    ServiceKey::Inet {
        proto: Protocol::Tcp,
        addr: ip(last),
        port,
    }
}

fn spec(last: u8, port: u16) -> ServiceSpec {
    ServiceSpec {
        key: key(last, port),
        scheduler: "wlc".into(),
        persistence_timeout: None,
        persistence_netmask: None,
        persistence_engine: None,
        one_packet: false,
        hashed: false,
        sched_flags: 0,
    }
}

fn dest(last: u8, weight: u32) -> Dest {
    Dest {
        addr: ip(last),
        port: 80,
        weight,
        forwarding: Forwarding::Nat,
        upper_threshold: 0,
        lower_threshold: 0,
    }
}

fn checker(kind: CheckerKind, probe: P, retries: u32) -> Checker<P> {
    Checker {
        kind,
        probe,
        retries,
        delay_before_retry: s(3.0),
        warmup: Some(Duration::ZERO),
        delay_loop: None,
        dynamic_weight: false,
    }
}

fn rs(last: u8, checkers: Vec<Checker<P>>) -> RealServer<P> {
    RealServer {
        dest: dest(last, 1),
        inhibit_on_failure: false,
        notify_up: None,
        notify_down: None,
        checkers,
    }
}

fn http_rs(last: u8, probe: P) -> RealServer<P> {
    rs(last, vec![checker(CheckerKind::Http, probe, 3)])
}

fn vs(real_servers: Vec<RealServer<P>>) -> VirtualServer<P> {
    VirtualServer {
        name: "[10.0.0.1]:80".into(),
        services: vec![spec(1, 80)],
        delay_loop: s(10.0),
        alpha: false,
        omega: false,
        quorum: 1,
        hysteresis: 0,
        quorum_up: None,
        quorum_down: None,
        sorry_server: None,
        sorry_server_inhibit: false,
        ha_suspend: false,
        real_servers,
    }
}

fn cfg(vss: Vec<VirtualServer<P>>) -> CheckConfig<P> {
    CheckConfig {
        virtual_servers: vss,
    }
}

fn drain(e: &mut E) -> Vec<Action<P>> {
    std::iter::from_fn(|| e.poll_action()).collect()
}

fn ipvs(actions: &[Action<P>]) -> Vec<IpvsOp> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Ipvs(op) => Some(op.clone()),
            _ => None,
        })
        .collect()
}

fn lines(actions: &[Action<P>]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event(ev) => Some(ev.to_string()),
            _ => None,
        })
        .collect()
}

fn probes(actions: &[Action<P>]) -> Vec<(CheckerId, P)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Probe { checker, probe } => Some((*checker, *probe)),
            _ => None,
        })
        .collect()
}

fn scripts(actions: &[Action<P>]) -> Vec<(String, ScriptReason)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Script { path, reason } => Some((path.clone(), *reason)),
            _ => None,
        })
        .collect()
}

/// Fires the timer at `now` and returns the probes launched.
fn tick(e: &mut E, now: Duration) -> Vec<(CheckerId, P)> {
    e.handle(Input::Timer, now);
    probes(&drain(e))
}

fn up() -> ProbeOutcome {
    ProbeOutcome::Up { weight: None }
}

fn down(detail: &str) -> ProbeOutcome {
    ProbeOutcome::Down {
        detail: detail.into(),
    }
}

fn done(e: &mut E, id: CheckerId, outcome: ProbeOutcome, now: Duration) -> Vec<Action<P>> {
    e.handle(
        Input::ProbeDone {
            checker: id,
            outcome,
        },
        now,
    );
    drain(e)
}

fn add_dest(last: u8, weight: u32) -> IpvsOp {
    IpvsOp::AddDest {
        service: key(1, 80),
        dest: dest(last, weight),
    }
}

fn del_dest(last: u8) -> IpvsOp {
    IpvsOp::DelDest {
        service: key(1, 80),
        addr: ip(last),
        port: 80,
    }
}

#[test]
fn startup_without_alpha_adds_every_real_server() {
    let mut e = E::new(
        cfg(vec![vs(vec![http_rs(2, "a"), http_rs(3, "b")])]),
        s(100.0),
    );
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::AddService(spec(1, 80)),
            add_dest(2, 1),
            add_dest(3, 1)
        ]
    );
    assert_eq!(
        lines(&a),
        vec![
            "Activating healthchecker for service [10.0.0.1]:80",
            "Activating healthchecker for service [10.0.0.1]:80"
        ]
    );
    // warmup 0: the first probes go out after 1.3.5's 1 s bootstrap delay.
    assert_eq!(e.poll_timeout(), Some(s(101.0)));
    assert!(tick(&mut e, s(100.999)).is_empty());
    assert_eq!(
        tick(&mut e, s(101.0)),
        vec![(CheckerId(0), "a"), (CheckerId(1), "b")]
    );
    // Both in flight: nothing scheduled until they report.
    assert_eq!(e.poll_timeout(), None);
    let st = e.status();
    assert!(st.virtual_servers[0].quorum_up);
    assert_eq!(st.virtual_servers[0].alive_weight, 2);
}

#[test]
fn startup_with_alpha_waits_for_the_first_success() {
    let mut v = vs(vec![http_rs(2, "a")]);
    v.alpha = true;
    v.quorum_down = Some("/bin/qdown".into());
    v.quorum_up = Some("/bin/qup".into());
    let mut e = E::new(cfg(vec![v]), s(0.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![IpvsOp::AddService(spec(1, 80))]);
    // No live weight: 1.3.5 loses quorum at start-up under alpha.
    assert_eq!(
        lines(&a)[0],
        "Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:80".to_string()
    );
    assert_eq!(
        scripts(&a),
        vec![("/bin/qdown".into(), ScriptReason::QuorumDown)]
    );
    assert_eq!(tick(&mut e, s(1.0)), vec![(CheckerId(0), "a")]);
    let a = done(&mut e, CheckerId(0), up(), s(1.2));
    assert_eq!(
        lines(&a),
        vec![
            "Remote Web server [10.0.0.2]:80 succeed on service.",
            "Adding service [10.0.0.2]:80 to VS [10.0.0.1]:80",
            "Gained quorum 1+0=1 <= 1 for VS [10.0.0.1]:80",
            "Executing [/bin/qup] for VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);
    assert_eq!(e.poll_timeout(), Some(s(11.2)));
}

#[test]
fn http_failure_retries_then_removal_at_the_exact_times() {
    let mut r = http_rs(2, "a");
    r.notify_down = Some("/bin/down 2".into());
    // .3 has no checker: always alive, so quorum holds.
    let mut e = E::new(cfg(vec![vs(vec![r, rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    // Three retries, each delay_before_retry (3 s) after the previous failure.
    let mut t = 1.5;
    for attempt in 0..4 {
        let a = done(
            &mut e,
            CheckerId(0),
            down("Timeout connecting server [10.0.0.2]:80."),
            s(t),
        );
        if attempt < 3 {
            assert_eq!(lines(&a), vec!["Timeout connecting server [10.0.0.2]:80."]);
            assert!(ipvs(&a).is_empty());
            assert_eq!(e.poll_timeout(), Some(s(t + 3.0)));
            t += 3.0;
            assert_eq!(tick(&mut e, s(t)), vec![(CheckerId(0), "a")]);
            t += 0.5;
        } else {
            assert_eq!(
                lines(&a),
                vec![
                    "Timeout connecting server [10.0.0.2]:80.",
                    "Check on service [10.0.0.2]:80 failed after 3 retry.",
                    "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
                    "Executing [/bin/down 2] for service [10.0.0.2]:80 in VS [10.0.0.1]:80",
                ]
            );
            assert_eq!(ipvs(&a), vec![del_dest(2)]);
            assert_eq!(
                scripts(&a),
                vec![("/bin/down 2".into(), ScriptReason::RealServerDown)]
            );
        }
    }
    // Removal at 1.5 + 3 * 3.5 = 12 s; the next probe a delay_loop later.
    assert_eq!(t, 12.0);
    let st = e.status();
    assert!(!st.virtual_servers[0].real_servers[0].alive);
    assert_eq!(
        st.virtual_servers[0].real_servers[0].failed_checkers,
        vec![CheckerId(0)]
    );
    assert_eq!(e.poll_timeout(), Some(s(22.0)));
}

#[test]
fn http_down_checker_does_not_retry_and_recovers_at_once() {
    let mut e2 = E::new(cfg(vec![vs(vec![http_rs(2, "a"), rs(3, vec![])])]), s(0.0));
    drain(&mut e2);
    tick(&mut e2, s(1.0));
    for i in 0..4 {
        done(
            &mut e2,
            CheckerId(0),
            down("x"),
            s(1.0 + 3.0 * f64::from(i)),
        );
        if i < 3 {
            assert_eq!(tick(&mut e2, s(4.0 + 3.0 * f64::from(i))).len(), 1);
        }
    }
    // Down at t = 10: next probe a delay_loop later.
    assert!(!e2.status().virtual_servers[0].real_servers[0].alive);
    assert_eq!(e2.poll_timeout(), Some(s(20.0)));
    assert_eq!(tick(&mut e2, s(20.0)).len(), 1);
    // While down: a failure is not logged and waits a full delay_loop.
    let a = done(&mut e2, CheckerId(0), down("x"), s(20.0));
    assert!(lines(&a).is_empty());
    assert_eq!(e2.poll_timeout(), Some(s(30.0)));
    assert_eq!(tick(&mut e2, s(30.0)).len(), 1);
    let a = done(&mut e2, CheckerId(0), up(), s(30.5));
    assert_eq!(
        lines(&a),
        vec![
            "Remote Web server [10.0.0.2]:80 succeed on service.",
            "Adding service [10.0.0.2]:80 to VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);
    assert_eq!(e2.poll_timeout(), Some(s(40.5)));
}

#[test]
fn tcp_retries_in_every_state_and_zero_retries_fails_at_once() {
    let mut c = checker(CheckerKind::Tcp, "t", 1);
    c.delay_before_retry = s(1.0);
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![c]), rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    let a = done(
        &mut e,
        CheckerId(0),
        down("TCP connection to [10.0.0.2]:80 failed."),
        s(1.0),
    );
    assert_eq!(lines(&a), vec!["TCP connection to [10.0.0.2]:80 failed."]);
    assert_eq!(e.poll_timeout(), Some(s(2.0)));
    tick(&mut e, s(2.0));
    let a = done(
        &mut e,
        CheckerId(0),
        down("TCP connection to [10.0.0.2]:80 failed."),
        s(2.0),
    );
    assert_eq!(
        lines(&a),
        vec![
            "TCP connection to [10.0.0.2]:80 failed.",
            "Check on service [10.0.0.2]:80 failed after 1 retry.",
            "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(e.poll_timeout(), Some(s(12.0)));
    // Down: TCP still retries (1.3.5's tcp_epilog), silently.
    tick(&mut e, s(12.0));
    let a = done(&mut e, CheckerId(0), down("x"), s(12.0));
    assert!(lines(&a).is_empty());
    assert_eq!(e.poll_timeout(), Some(s(13.0)));
    tick(&mut e, s(13.0));
    let a = done(&mut e, CheckerId(0), up(), s(13.0));
    assert_eq!(lines(&a)[0], "TCP connection to [10.0.0.2]:80 success.");
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);

    let mut c = checker(CheckerKind::Tcp, "t", 0);
    c.delay_before_retry = s(1.0);
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![c]), rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    let a = done(
        &mut e,
        CheckerId(0),
        down("TCP connection to [10.0.0.2]:80 timeout."),
        s(6.0),
    );
    // No "failed after 0 retry." line (1.3.5 only logs it with retries).
    assert_eq!(
        lines(&a),
        vec![
            "TCP connection to [10.0.0.2]:80 timeout.",
            "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(e.poll_timeout(), Some(s(16.0)));
}

#[test]
fn smtp_counts_attempts_and_logs_its_own_success() {
    let mut c = checker(CheckerKind::Smtp, "m", 1);
    c.delay_before_retry = s(1.0);
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![c]), rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    done(
        &mut e,
        CheckerId(0),
        down("SMTP_CHECK Error connecting to server [10.0.0.2]:80"),
        s(1.0),
    );
    tick(&mut e, s(2.0));
    let a = done(
        &mut e,
        CheckerId(0),
        down("SMTP_CHECK Error connecting to server [10.0.0.2]:80"),
        s(2.0),
    );
    // smtp_final logs no "failed after" line.
    assert_eq!(
        lines(&a),
        vec![
            "SMTP_CHECK Error connecting to server [10.0.0.2]:80",
            "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
        ]
    );
    tick(&mut e, s(12.0));
    let a = done(&mut e, CheckerId(0), up(), s(12.0));
    assert_eq!(
        lines(&a)[0],
        "Remote SMTP server [10.0.0.2]:80 succeed on service."
    );
}

#[test]
fn dns_retries_a_delay_loop_apart_only_while_up_and_logs_no_verdict_line() {
    // retry 2: three failures in a row take it down. delay_before_retry (3 s) is not used.
    let mut r = rs(2, vec![checker(CheckerKind::Dns, "d", 2)]);
    r.notify_down = Some("/bin/down".into());
    let mut e = E::new(cfg(vec![vs(vec![r, rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    let timeout = "DNS_CHECK ([10.0.0.2]:80) read timeout from socket.";
    let mut t = 2.0;
    for attempt in 0..3 {
        let a = done(&mut e, CheckerId(0), down(timeout), s(t));
        if attempt < 2 {
            assert_eq!(lines(&a), vec![timeout]);
            assert!(ipvs(&a).is_empty());
            assert_eq!(e.poll_timeout(), Some(s(t + 10.0)), "a delay_loop later");
            t += 10.0;
            assert_eq!(tick(&mut e, s(t)), vec![(CheckerId(0), "d")]);
            t += 1.0;
        } else {
            // No "failed after N retry." line: dns_final only mails.
            assert_eq!(
                lines(&a),
                vec![
                    timeout,
                    "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
                    "Executing [/bin/down] for service [10.0.0.2]:80 in VS [10.0.0.1]:80",
                ]
            );
            assert_eq!(ipvs(&a), vec![del_dest(2)]);
        }
    }
    assert_eq!(t, 24.0);
    assert_eq!(e.poll_timeout(), Some(s(34.0)));
    // Down: a failure is silent and not retried; the next try is a delay_loop later.
    tick(&mut e, s(34.0));
    let a = done(&mut e, CheckerId(0), down(timeout), s(35.0));
    assert!(lines(&a).is_empty() && ipvs(&a).is_empty());
    assert_eq!(e.poll_timeout(), Some(s(45.0)));
    // One success brings it back, with no DNS line of its own.
    tick(&mut e, s(45.0));
    let a = done(&mut e, CheckerId(0), up(), s(45.5));
    assert_eq!(
        lines(&a),
        vec!["Adding service [10.0.0.2]:80 to VS [10.0.0.1]:80"]
    );
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);
    assert_eq!(e.poll_timeout(), Some(s(55.5)));
    // A pass resets the count: one failure later is a retry again, not the verdict.
    tick(&mut e, s(55.5));
    let a = done(&mut e, CheckerId(0), down(timeout), s(56.0));
    assert_eq!(lines(&a), vec![timeout]);
    assert!(ipvs(&a).is_empty());

    // retry 0: the first failure takes it down.
    let mut e = E::new(
        cfg(vec![vs(vec![
            rs(2, vec![checker(CheckerKind::Dns, "d", 0)]),
            rs(3, vec![]),
        ])]),
        s(0.0),
    );
    drain(&mut e);
    tick(&mut e, s(1.0));
    let a = done(&mut e, CheckerId(0), down(timeout), s(1.5));
    assert_eq!(ipvs(&a), vec![del_dest(2)]);
    assert_eq!(e.poll_timeout(), Some(s(11.5)));
}

#[test]
fn inhibit_on_failure_sets_weight_zero_and_back() {
    let mut r = rs(2, vec![checker(CheckerKind::Tcp, "t", 0)]);
    r.inhibit_on_failure = true;
    r.dest.weight = 7;
    let mut e = E::new(cfg(vec![vs(vec![r])]), s(0.0));
    assert_eq!(
        ipvs(&drain(&mut e)),
        vec![IpvsOp::AddService(spec(1, 80)), add_dest(2, 7)]
    );
    tick(&mut e, s(1.0));
    let a = done(&mut e, CheckerId(0), down("x"), s(1.0));
    assert_eq!(
        lines(&a)[1],
        "Disabling service [10.0.0.2]:80 from VS [10.0.0.1]:80"
    );
    assert_eq!(
        ipvs(&a),
        vec![IpvsOp::UpdateDest {
            service: key(1, 80),
            dest: dest(2, 0)
        }]
    );
    let st = e.status();
    assert!(st.virtual_servers[0].real_servers[0].in_ipvs);
    tick(&mut e, s(11.0));
    let a = done(&mut e, CheckerId(0), up(), s(11.0));
    assert_eq!(
        lines(&a)[1],
        "Enabling service [10.0.0.2]:80 to VS [10.0.0.1]:80"
    );
    assert_eq!(
        ipvs(&a),
        vec![IpvsOp::UpdateDest {
            service: key(1, 80),
            dest: dest(2, 7)
        }]
    );
}

#[test]
fn two_checkers_on_one_real_server() {
    let r = rs(
        2,
        vec![
            checker(CheckerKind::Tcp, "t", 0),
            checker(
                CheckerKind::Misc {
                    path: "/bin/chk".into(),
                },
                "m",
                0,
            ),
        ],
    );
    let mut e = E::new(cfg(vec![vs(vec![r, rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    assert_eq!(tick(&mut e, s(1.0)).len(), 2);
    // TCP fails: the real server goes.
    let a = done(&mut e, CheckerId(0), down("tcp"), s(1.0));
    assert_eq!(ipvs(&a), vec![del_dest(2)]);
    // MISC fails too: already out, only its line.
    let a = done(
        &mut e,
        CheckerId(1),
        down("Misc check to [10.0.0.2] for [/bin/chk] failed."),
        s(1.0),
    );
    assert_eq!(
        lines(&a),
        vec!["Misc check to [10.0.0.2] for [/bin/chk] failed."]
    );
    assert!(ipvs(&a).is_empty());
    // TCP recovers: MISC still failed, so the real server stays out.
    tick(&mut e, s(11.0));
    let a = done(&mut e, CheckerId(0), up(), s(11.0));
    assert_eq!(lines(&a), vec!["TCP connection to [10.0.0.2]:80 success."]);
    assert!(ipvs(&a).is_empty());
    let a = done(&mut e, CheckerId(1), up(), s(11.0));
    assert_eq!(
        lines(&a),
        vec![
            "Misc check to [10.0.0.2] for [/bin/chk] success.",
            "Adding service [10.0.0.2]:80 to VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);
}

#[test]
fn misc_is_rescheduled_from_its_launch() {
    let c = checker(
        CheckerKind::Misc {
            path: "/bin/chk".into(),
        },
        "m",
        0,
    );
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![c])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    done(&mut e, CheckerId(0), up(), s(4.0));
    assert_eq!(e.poll_timeout(), Some(s(11.0)));
    tick(&mut e, s(11.0));
    // Ran longer than delay_loop: next launch at once, never two at a time.
    done(&mut e, CheckerId(0), up(), s(25.0));
    assert_eq!(e.poll_timeout(), Some(s(25.0)));
}

#[test]
fn quorum_with_hysteresis_and_the_sorry_server() {
    let mut v = vs((2..=4)
        .map(|i| rs(i, vec![checker(CheckerKind::Tcp, "t", 0)]))
        .collect());
    v.quorum = 2;
    v.hysteresis = 1;
    v.quorum_up = Some("/bin/qup".into());
    v.quorum_down = Some("/bin/qdown".into());
    v.sorry_server = Some(dest(9, 1));
    let mut e = E::new(cfg(vec![v]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    // 3 -> 2 -> 1: still >= quorum - hysteresis = 1.
    for id in 0..2 {
        let a = done(&mut e, CheckerId(id), down("x"), s(1.0));
        assert!(!lines(&a).iter().any(|l| l.contains("quorum")), "{a:?}");
    }
    let a = done(&mut e, CheckerId(2), down("x"), s(1.0));
    assert_eq!(
        lines(&a),
        vec![
            "x",
            "Removing service [10.0.0.4]:80 from VS [10.0.0.1]:80",
            "Lost quorum 2-1=1 > 0 for VS [10.0.0.1]:80",
            "Executing [/bin/qdown] for VS [10.0.0.1]:80",
            "Adding sorry server [10.0.0.9]:80 to VS [10.0.0.1]:80",
            "Removing alive servers from the pool for VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(ipvs(&a), vec![del_dest(4), add_dest(9, 1)]);
    assert!(e.status().virtual_servers[0].sorry_server_active);
    // Recoveries while the sorry server stands in leave IPVS alone until 3 >= 2 + 1.
    tick(&mut e, s(11.0));
    for id in 0..2 {
        let a = done(&mut e, CheckerId(id), up(), s(11.0));
        assert!(ipvs(&a).is_empty(), "{a:?}");
    }
    let a = done(&mut e, CheckerId(2), up(), s(11.0));
    assert_eq!(
        lines(&a),
        vec![
            "TCP connection to [10.0.0.4]:80 success.",
            "Adding service [10.0.0.4]:80 to VS [10.0.0.1]:80",
            "Gained quorum 2+1=3 <= 3 for VS [10.0.0.1]:80",
            "Removing sorry server [10.0.0.9]:80 from VS [10.0.0.1]:80",
            "Adding alive servers to the pool for VS [10.0.0.1]:80",
            "Executing [/bin/qup] for VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(
        ipvs(&a),
        vec![del_dest(9), add_dest(2, 1), add_dest(3, 1), add_dest(4, 1)]
    );
    assert_eq!(
        scripts(&a),
        vec![("/bin/qup".into(), ScriptReason::QuorumUp)]
    );
}

#[test]
fn sorry_server_inhibit_keeps_it_at_weight_zero() {
    let mut v = vs(vec![rs(2, vec![checker(CheckerKind::Tcp, "t", 0)])]);
    v.sorry_server = Some(dest(9, 1));
    v.sorry_server_inhibit = true;
    let mut e = E::new(cfg(vec![v]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    let a = done(&mut e, CheckerId(0), down("x"), s(1.0));
    assert!(
        lines(&a).contains(&"Enabling sorry server [10.0.0.9]:80 to VS [10.0.0.1]:80".to_string())
    );
    assert_eq!(ipvs(&a), vec![del_dest(2), add_dest(9, 1)]);
    tick(&mut e, s(11.0));
    let a = done(&mut e, CheckerId(0), up(), s(11.0));
    assert!(lines(&a)
        .contains(&"Disabling sorry server [10.0.0.9]:80 from VS [10.0.0.1]:80".to_string()));
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::UpdateDest {
                service: key(1, 80),
                dest: dest(9, 0)
            },
            add_dest(2, 1)
        ]
    );
}

#[test]
fn misc_dynamic_changes_the_weight() {
    let mut c = checker(
        CheckerKind::Misc {
            path: "/bin/w".into(),
        },
        "m",
        0,
    );
    c.dynamic_weight = true;
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![c])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    let a = done(
        &mut e,
        CheckerId(0),
        ProbeOutcome::Up { weight: Some(5) },
        s(1.0),
    );
    assert_eq!(
        lines(&a),
        vec!["Changing weight from 1 to 5 for active service [10.0.0.2]:80 of VS [10.0.0.1]:80"]
    );
    assert_eq!(
        ipvs(&a),
        vec![IpvsOp::UpdateDest {
            service: key(1, 80),
            dest: dest(2, 5)
        }]
    );
    assert_eq!(e.status().virtual_servers[0].alive_weight, 5);
    tick(&mut e, s(11.0));
    let a = done(
        &mut e,
        CheckerId(0),
        ProbeOutcome::Up { weight: Some(5) },
        s(11.0),
    );
    assert!(a.is_empty(), "same weight: nothing to do");
    tick(&mut e, s(21.0));
    // Weight 0 (exit 2): the server stays "alive" but quorum sees no weight.
    let a = done(
        &mut e,
        CheckerId(0),
        ProbeOutcome::Up { weight: Some(0) },
        s(21.0),
    );
    assert_eq!(
        lines(&a),
        vec![
            "Changing weight from 5 to 0 for active service [10.0.0.2]:80 of VS [10.0.0.1]:80",
            "Lost quorum 1-0=1 > 0 for VS [10.0.0.1]:80",
        ]
    );
}

#[test]
fn warmup_spreads_first_probes_deterministically() {
    let mk = || {
        let mut a = checker(CheckerKind::Tcp, "a", 0);
        a.warmup = Some(s(10.0));
        let mut b = a.clone();
        b.probe = "b";
        E::new(cfg(vec![vs(vec![rs(2, vec![a, b])])]), s(0.0))
    };
    let mut e = mk();
    drain(&mut e);
    let first = e.poll_timeout().unwrap();
    assert!(first >= s(1.0) && first < s(11.0));
    let mut times = Vec::new();
    let mut t = Duration::ZERO;
    while let Some(d) = e.poll_timeout() {
        t = d;
        let p = tick(&mut e, t);
        times.push((t, p));
    }
    assert_eq!(times.len(), 2, "the two checkers start at different times");
    assert!(t < s(11.0));
    let mut e2 = mk();
    drain(&mut e2);
    assert_eq!(e2.poll_timeout(), Some(first), "deterministic");

    // warmup unset: 1.3.5 defaults it to the delay_loop.
    let mut c = checker(CheckerKind::Tcp, "a", 0);
    c.warmup = None;
    let e3 = E::new(cfg(vec![vs(vec![rs(2, vec![c])])]), s(0.0));
    let d = e3.poll_timeout().unwrap();
    assert!(d >= s(1.0) && d < s(11.0));
}

#[test]
fn ha_suspend_runs_checkers_only_while_the_address_is_here() {
    let mut v = vs(vec![http_rs(2, "a")]);
    v.ha_suspend = true;
    let mut e = E::new(cfg(vec![v]), s(0.0));
    let a = drain(&mut e);
    assert_eq!(
        lines(&a),
        vec!["Deactivating healthchecker for service [10.0.0.1]:80"]
    );
    // The timer still runs, but no probe.
    assert!(tick(&mut e, s(1.0)).is_empty());
    assert_eq!(e.poll_timeout(), Some(s(11.0)));
    e.handle(
        Input::AddressPresence {
            addr: ip(7),
            present: true,
        },
        s(2.0),
    );
    assert!(drain(&mut e).is_empty(), "not our address");
    e.handle(
        Input::AddressPresence {
            addr: ip(1),
            present: true,
        },
        s(3.0),
    );
    assert_eq!(
        lines(&drain(&mut e)),
        vec!["Activating healthchecker for service [10.0.0.1]:80"]
    );
    assert_eq!(tick(&mut e, s(11.0)), vec![(CheckerId(0), "a")]);
    e.handle(
        Input::AddressPresence {
            addr: ip(1),
            present: false,
        },
        s(12.0),
    );
    assert_eq!(
        lines(&drain(&mut e)),
        vec!["Suspending healthchecker for service [10.0.0.1]:80"]
    );
    // The probe in flight still counts.
    let a = done(&mut e, CheckerId(0), up(), s(12.5));
    assert!(a.is_empty());
    assert!(tick(&mut e, s(22.5)).is_empty());
}

#[test]
fn reconfigure_adding_and_removing_real_servers_touches_nothing_else() {
    let mut e = E::new(
        cfg(vec![vs(vec![
            http_rs(2, "a"),
            http_rs(3, "b"),
            http_rs(4, "c"),
        ])]),
        s(0.0),
    );
    drain(&mut e);
    tick(&mut e, s(1.0));
    // Take .3 down (HTTP, 3 retries).
    for i in 0..4 {
        done(&mut e, CheckerId(1), down("x"), s(1.0 + 3.0 * f64::from(i)));
        tick(&mut e, s(4.0 + 3.0 * f64::from(i)));
    }
    assert!(!e.status().virtual_servers[0].real_servers[1].alive);
    // .4 goes, .5 arrives; .2 and .3 are unchanged.
    let new = vs(vec![http_rs(2, "a"), http_rs(3, "b"), http_rs(5, "e")]);
    e.reconfigure(cfg(vec![new]), s(20.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![del_dest(4), add_dest(5, 1)]);
    assert_eq!(
        lines(&a),
        vec![
            "service [10.0.0.4]:80 no longer exist",
            "Removing service [10.0.0.4]:80 from VS [10.0.0.1]:80",
            "Activating healthchecker for service [10.0.0.1]:80",
        ]
    );
    let st = e.status();
    let rss = &st.virtual_servers[0].real_servers;
    assert_eq!(rss.len(), 3);
    assert!(rss[0].alive && !rss[1].alive && rss[2].alive);
    // Kept checkers keep their ids and state; the new one is id 3.
    assert_eq!(rss[0].checkers, vec![CheckerId(0)]);
    assert_eq!(rss[1].failed_checkers, vec![CheckerId(1)]);
    assert_eq!(rss[2].checkers, vec![CheckerId(3)]);
    assert_eq!(e.checker_count(), 3);
    // The removed checker's late result is ignored.
    assert!(done(&mut e, CheckerId(2), down("late"), s(20.5)).is_empty());
    // The kept, down real server still comes back through its checker (next probe
    // at 10 + 10 = 20).
    assert_eq!(tick(&mut e, s(20.0)), vec![(CheckerId(1), "b")]);
    let a = done(&mut e, CheckerId(1), up(), s(20.0));
    assert_eq!(ipvs(&a), vec![add_dest(3, 1)]);
}

#[test]
fn reconfigure_changing_the_scheduler_updates_the_service_only() {
    let mut e = E::new(cfg(vec![vs(vec![http_rs(2, "a")])]), s(0.0));
    drain(&mut e);
    let mut v = vs(vec![http_rs(2, "a")]);
    v.services[0].scheduler = "rr".into();
    e.reconfigure(cfg(vec![v.clone()]), s(5.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![IpvsOp::UpdateService(v.services[0].clone())]);
    assert!(lines(&a).is_empty());
    // The same configuration again: nothing at all.
    e.reconfigure(cfg(vec![v]), s(6.0));
    assert!(drain(&mut e).is_empty());
    assert_eq!(e.poll_timeout(), Some(s(1.0)), "schedule kept");
}

#[test]
fn reconfigure_removes_an_inhibited_dest_at_weight_zero() {
    let mut r = rs(2, vec![checker(CheckerKind::Tcp, "t", 0)]);
    r.inhibit_on_failure = true;
    let mut e = E::new(cfg(vec![vs(vec![r, rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    done(&mut e, CheckerId(0), down("x"), s(1.0));
    e.reconfigure(cfg(vec![vs(vec![rs(3, vec![])])]), s(2.0));
    let a = drain(&mut e);
    assert_eq!(lines(&a), vec!["service [10.0.0.2]:80 no longer exist"]);
    assert_eq!(ipvs(&a), vec![del_dest(2)]);
}

#[test]
fn reconfigure_weight_change() {
    let mut e = E::new(cfg(vec![vs(vec![http_rs(2, "a")])]), s(0.0));
    drain(&mut e);
    let mut r = http_rs(2, "a");
    r.dest.weight = 3;
    e.reconfigure(cfg(vec![vs(vec![r])]), s(5.0));
    let a = drain(&mut e);
    assert_eq!(
        lines(&a),
        vec!["Changing weight from 1 to 3 for active service [10.0.0.2]:80 of VS [10.0.0.1]:80"]
    );
    assert_eq!(
        ipvs(&a),
        vec![IpvsOp::UpdateDest {
            service: key(1, 80),
            dest: dest(2, 3)
        }]
    );
}

#[test]
fn reconfigure_adds_and_removes_whole_virtual_servers_and_group_entries() {
    let mut g = vs(vec![http_rs(2, "a")]);
    g.name = "[web]:0".into();
    g.services = vec![spec(1, 80), spec(1, 443)];
    let other = {
        let mut v = vs(vec![http_rs(3, "b")]);
        v.name = "[10.0.0.8]:80".into();
        v.services = vec![spec(8, 80)];
        v
    };
    let mut e = E::new(cfg(vec![g.clone(), other]), s(0.0));
    drain(&mut e);
    // The group loses :443, gains :8080; the other VS goes.
    let mut g2 = g.clone();
    g2.services = vec![spec(1, 80), spec(1, 8080)];
    e.reconfigure(cfg(vec![g2]), s(5.0));
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::DelService(key(8, 80)),
            IpvsOp::DelService(key(1, 443)),
            IpvsOp::AddService(spec(1, 8080)),
            IpvsOp::AddDest {
                service: key(1, 8080),
                dest: dest(2, 1)
            },
        ]
    );
    assert_eq!(
        lines(&a),
        vec![
            "Removing Virtual Server [10.0.0.8]:80",
            "Removing service [10.0.0.3]:80 from VS [10.0.0.8]:80",
        ]
    );
    assert_eq!(e.checker_count(), 1);
}

#[test]
fn shutdown_deletes_only_our_services() {
    // The second VS repeats the first's service: it is not created twice, nor deleted
    // twice.
    let mut dup = vs(vec![]);
    dup.name = "dup".into();
    let mut v = vs(vec![http_rs(2, "a")]);
    v.omega = true;
    v.services.push(spec(1, 443));
    v.real_servers[0].notify_down = Some("/bin/down".into());
    let c = cfg(vec![v, dup]);
    assert_eq!(c.validate(), Err(ConfigError::DuplicateService(key(1, 80))));
    let mut e = E::new(c, s(0.0));
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::AddService(spec(1, 80)),
            IpvsOp::AddService(spec(1, 443)),
            IpvsOp::AddDest {
                service: key(1, 80),
                dest: dest(2, 1)
            },
            IpvsOp::AddDest {
                service: key(1, 443),
                dest: dest(2, 1)
            },
        ]
    );
    assert!(
        lines(&a).contains(&"VS [dup] has no configured RS! Skipping RS activation.".to_string())
    );
    e.shutdown();
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::DelService(key(1, 80)),
            IpvsOp::DelService(key(1, 443)),
        ]
    );
    // omega: the notifier runs on the way out, and quorum_down would too.
    assert_eq!(
        lines(&a),
        vec![
            "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
            "Executing [/bin/down] for service [10.0.0.2]:80 in VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(e.poll_timeout(), None);
    assert_eq!(e.checker_count(), 0);
}

#[test]
fn duplicate_and_unexpected_probe_results_are_ignored() {
    let mut e = E::new(cfg(vec![vs(vec![http_rs(2, "a")])]), s(0.0));
    drain(&mut e);
    // Not in flight yet.
    assert!(done(&mut e, CheckerId(0), down("x"), s(0.5)).is_empty());
    assert!(done(&mut e, CheckerId(42), down("x"), s(0.5)).is_empty());
    tick(&mut e, s(1.0));
    done(&mut e, CheckerId(0), up(), s(1.0));
    assert!(done(&mut e, CheckerId(0), down("x"), s(1.1)).is_empty());
    assert_eq!(e.poll_timeout(), Some(s(11.0)));
}

#[test]
fn real_server_without_checkers_is_always_alive() {
    let mut e = E::new(cfg(vec![vs(vec![rs(2, vec![])])]), s(0.0));
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![IpvsOp::AddService(spec(1, 80)), add_dest(2, 1)]
    );
    assert_eq!(e.poll_timeout(), None);
}

#[test]
fn event_levels_and_wording() {
    let ev = CheckEvent::NoRealServers { vs: "x".into() };
    assert_eq!(ev.level(), crate::Level::Warning);
    assert_eq!(
        CheckEvent::Activating { vs: "FWM 5".into() }.level(),
        crate::Level::Info
    );
    assert_eq!(
        ServiceKey::Fwmark {
            family: Family::V4,
            mark: 5
        }
        .to_string(),
        "FWM 5"
    );
    assert_eq!(key(1, 80).to_string(), "[10.0.0.1]:80");
}

#[test]
fn reload_dropping_the_active_sorry_server_returns_the_alive_servers() {
    // quorum 3 with two servers of weight 1: quorum is lost from the start and the sorry
    // server stands in.
    let mut v = vs(vec![rs(2, vec![]), rs(3, vec![])]);
    v.quorum = 3;
    v.sorry_server = Some(dest(9, 1));
    let mut e = E::new(cfg(vec![v.clone()]), s(0.0));
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::AddService(spec(1, 80)),
            add_dest(2, 1),
            add_dest(3, 1),
            add_dest(9, 1),
            del_dest(2),
            del_dest(3),
        ]
    );
    v.sorry_server = None;
    e.reconfigure(cfg(vec![v]), s(5.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![del_dest(9), add_dest(2, 1), add_dest(3, 1)]);
    assert_eq!(
        lines(&a),
        vec!["Adding alive servers to the pool for VS [10.0.0.1]:80"]
    );
    assert!(!e.status().virtual_servers[0].quorum_up);
}

#[test]
fn group_entry_added_while_the_sorry_server_stands_in_gets_what_the_others_have() {
    let mut v = vs(vec![rs(2, vec![checker(CheckerKind::Tcp, "t", 0)])]);
    v.sorry_server = Some(dest(9, 1));
    let mut e = E::new(cfg(vec![v.clone()]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    done(&mut e, CheckerId(0), down("x"), s(1.0));
    assert!(e.status().virtual_servers[0].sorry_server_active);
    v.services.push(spec(1, 81));
    e.reconfigure(cfg(vec![v]), s(2.0));
    let a = drain(&mut e);
    assert_eq!(
        ipvs(&a),
        vec![
            IpvsOp::AddService(spec(1, 81)),
            IpvsOp::AddDest {
                service: key(1, 81),
                dest: dest(9, 1)
            },
        ]
    );
    // Recovery now restores both entries.
    tick(&mut e, s(11.0));
    let a = done(&mut e, CheckerId(0), up(), s(11.0));
    assert_eq!(
        ipvs(&a),
        vec![
            del_dest(9),
            IpvsOp::DelDest {
                service: key(1, 81),
                addr: ip(9),
                port: 80
            },
            add_dest(2, 1),
            IpvsOp::AddDest {
                service: key(1, 81),
                dest: dest(2, 1)
            },
        ]
    );
}

#[test]
fn reload_adds_a_real_server_under_alpha_only_after_its_check() {
    let mut v = vs(vec![rs(2, vec![])]);
    v.alpha = true;
    let mut e = E::new(cfg(vec![v.clone()]), s(0.0));
    drain(&mut e);
    v.real_servers.push(http_rs(3, "a"));
    e.reconfigure(cfg(vec![v]), s(5.0));
    let a = drain(&mut e);
    assert!(ipvs(&a).is_empty());
    assert_eq!(
        lines(&a),
        vec!["Activating healthchecker for service [10.0.0.1]:80"]
    );
    assert_eq!(e.poll_timeout(), Some(s(6.0)));
    let p = tick(&mut e, s(6.0));
    let a = done(&mut e, p[0].0, up(), s(6.0));
    assert_eq!(ipvs(&a), vec![add_dest(3, 1)]);
}

#[test]
fn reload_removing_a_checker_that_held_a_server_down_brings_it_back() {
    let two = || {
        rs(
            2,
            vec![
                checker(CheckerKind::Tcp, "t", 0),
                checker(CheckerKind::Tcp, "u", 0),
            ],
        )
    };
    let mut e = E::new(cfg(vec![vs(vec![two(), rs(3, vec![])])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    done(&mut e, CheckerId(1), down("x"), s(1.0));
    done(&mut e, CheckerId(0), up(), s(1.0));
    assert!(!e.status().virtual_servers[0].real_servers[0].alive);
    let mut one = two();
    one.checkers.pop();
    e.reconfigure(cfg(vec![vs(vec![one, rs(3, vec![])])]), s(2.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![add_dest(2, 1)]);
    let st = e.status();
    assert!(st.virtual_servers[0].real_servers[0].alive);
    assert_eq!(
        st.virtual_servers[0].real_servers[0].checkers,
        vec![CheckerId(0)]
    );
}

#[test]
fn omega_teardown_runs_quorum_down_without_the_lost_line() {
    let mut v = vs(vec![rs(2, vec![]), rs(3, vec![])]);
    v.omega = true;
    v.quorum_down = Some("/bin/qdown".into());
    let mut e = E::new(cfg(vec![v]), s(0.0));
    drain(&mut e);
    e.shutdown();
    let a = drain(&mut e);
    assert_eq!(
        lines(&a),
        vec![
            "Removing service [10.0.0.2]:80 from VS [10.0.0.1]:80",
            "Removing service [10.0.0.3]:80 from VS [10.0.0.1]:80",
            "Executing [/bin/qdown] for VS [10.0.0.1]:80",
        ]
    );
    assert_eq!(ipvs(&a), vec![IpvsOp::DelService(key(1, 80))]);
}

#[test]
fn ha_suspend_knows_addresses_reported_before_a_reload() {
    let mut e = E::new(cfg(vec![]), s(0.0));
    e.handle(
        Input::AddressPresence {
            addr: ip(1),
            present: true,
        },
        s(0.5),
    );
    let mut v = vs(vec![http_rs(2, "a")]);
    v.ha_suspend = true;
    e.reconfigure(cfg(vec![v]), s(1.0));
    let a = drain(&mut e);
    assert_eq!(
        lines(&a),
        vec!["Activating healthchecker for service [10.0.0.1]:80"]
    );
    assert_eq!(tick(&mut e, s(2.0)), vec![(CheckerId(0), "a")]);
}

#[test]
fn fwmark_and_udp_services() {
    let mut v = vs(vec![rs(2, vec![])]);
    v.name = "FWM 5".into();
    v.services = vec![ServiceSpec {
        key: ServiceKey::Fwmark {
            family: Family::V4,
            mark: 5,
        },
        ..spec(1, 80)
    }];
    let mut u = vs(vec![rs(3, vec![])]);
    u.services[0].key = ServiceKey::Inet {
        proto: Protocol::Udp,
        addr: ip(1),
        port: 80,
    };
    // Same name and address as TCP [10.0.0.1]:80 but another service: both exist.
    let t = vs(vec![rs(4, vec![])]);
    let mut e = E::new(cfg(vec![v.clone(), u.clone(), t.clone()]), s(0.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a).len(), 6);
    // Swap UDP for nothing: only the UDP service goes.
    e.reconfigure(cfg(vec![v, t]), s(1.0));
    let a = drain(&mut e);
    assert_eq!(ipvs(&a), vec![IpvsOp::DelService(u.services[0].key)]);
}

#[test]
fn reloading_the_same_large_configuration_does_nothing() {
    let big = || {
        let vss = (0..50u16)
            .map(|v| {
                let mut x = vs((0..100u8)
                    .map(|r| rs(r, vec![checker(CheckerKind::Tcp, "t", 1)]))
                    .collect());
                x.name = format!("[10.0.0.1]:{}", 1000 + v);
                x.services = vec![spec(1, 1000 + v)];
                x
            })
            .collect();
        cfg(vss)
    };
    let mut e = E::new(big(), s(0.0));
    drain(&mut e);
    let before = e.poll_timeout();
    e.reconfigure(big(), s(0.5));
    assert!(drain(&mut e).is_empty());
    assert_eq!(e.poll_timeout(), before);
    assert_eq!(e.checker_count(), 5_000);
}

#[test]
fn inconclusive_probe_keeps_the_state_and_counts_no_retry() {
    let mut e = E::new(cfg(vec![vs(vec![http_rs(2, "a")])]), s(0.0));
    drain(&mut e);
    tick(&mut e, s(1.0));
    // One real failure: the first retry is due delay_before_retry later.
    done(
        &mut e,
        CheckerId(0),
        down("Timeout connecting server [10.0.0.2]:80."),
        s(1.5),
    );
    assert_eq!(tick(&mut e, s(4.5)), vec![(CheckerId(0), "a")]);
    // An inconclusive attempt: nothing logged, nothing programmed, next try a delay_loop later.
    let a = done(
        &mut e,
        CheckerId(0),
        ProbeOutcome::Inconclusive {
            detail: "socket bind failed. Rescheduling.".into(),
        },
        s(5.0),
    );
    assert!(ipvs(&a).is_empty() && lines(&a).is_empty(), "{a:?}");
    assert_eq!(e.poll_timeout(), Some(s(15.0)));
    assert!(e.status().virtual_servers[0].real_servers[0].alive);
    // The retry count was kept: two more failures (retries 3) are still not a removal.
    assert_eq!(tick(&mut e, s(15.0)), vec![(CheckerId(0), "a")]);
    let a = done(&mut e, CheckerId(0), down("x"), s(15.5));
    assert!(ipvs(&a).is_empty());
}
