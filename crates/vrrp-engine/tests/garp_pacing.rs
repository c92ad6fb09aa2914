//! GARP/NA pacing (`garp_group`, `vrrp_garp_interval`, `vrrp_gna_interval`) on the virtual
//! clock: keepalived 1.3.5's schedule (`vrrp_arp.c`, `vrrp_ndisc.c`, `vrrp_arp_thread`).

mod sim;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use sim::*;
use vrrp_engine::{
    Action, Engine, EngineConfig, GarpIntervals, GarpPacing, InitialState, Input, InstanceConfig,
    Output, State, Vip,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One frame the daemon would send: (time, instance index, address, interface).
type Frame = (Duration, usize, IpAddr, String);

fn frames_of(at: Duration, outs: &[Output], acc: &mut Vec<Frame>) {
    for o in outs {
        if let Action::SendGarp { vips, count } = &o.action {
            let inst = o.instance.map_or(usize::MAX, |i| i.0);
            for _ in 0..*count {
                for v in vips {
                    acc.push((at, inst, v.addr, v.dev.clone()));
                }
            }
        }
    }
}

/// Runs the engine's timers up to `until`, collecting the frames.
fn run(e: &mut Engine, until: Duration, acc: &mut Vec<Frame>) {
    while let Some(d) = e.next_deadline() {
        if d > until {
            break;
        }
        let outs = e.handle(Input::Timer, d);
        frames_of(d, &outs, acc);
    }
}

/// Asserts that frames of one kind on one interface are at least `interval` apart.
fn assert_spacing(frames: &[Frame], dev: &str, v6: bool, interval: Duration) {
    let ts: Vec<Duration> = frames
        .iter()
        .filter(|f| f.3 == dev && f.2.is_ipv6() == v6)
        .map(|f| f.0)
        .collect();
    for w in ts.windows(2) {
        assert!(
            w[1] - w[0] >= interval,
            "frames on {dev} only {:?} apart: {ts:?}",
            w[1] - w[0]
        );
    }
}

fn vip_on(addr: &str, dev: &str) -> Vip {
    let mut v = vip(addr, if addr.contains(':') { 64 } else { 24 });
    v.dev = dev.to_string();
    v
}

fn master(name: &str, vrid: u8, vips: Vec<Vip>) -> InstanceConfig {
    let mut i = seed_instance(
        name,
        InitialState::Master,
        100,
        Ipv4Addr::new(192, 168, 1, 198),
    );
    i.vrid = vrid;
    i.vips = vips;
    i
}

fn paced(
    instances: Vec<InstanceConfig>,
    interfaces: Vec<(&str, GarpIntervals)>,
    default: Option<GarpIntervals>,
) -> EngineConfig {
    let mut cfg = EngineConfig {
        instances,
        ..Default::default()
    };
    cfg.global.garp_pacing = GarpPacing {
        interfaces: interfaces
            .into_iter()
            .map(|(n, i)| (n.to_string(), i))
            .collect(),
        default,
    };
    cfg
}

fn garp(ms_: u64) -> GarpIntervals {
    GarpIntervals {
        garp: Some(ms(ms_)),
        gna: None,
    }
}

fn started(cfg: EngineConfig) -> Engine {
    let mut e = Engine::new(cfg);
    e.handle(Input::Start, Duration::ZERO);
    e
}

fn times(frames: &[Frame]) -> Vec<Duration> {
    frames.iter().map(|f| f.0).collect()
}

#[test]
fn unpaced_bursts_stay_one_action() {
    let (a, _) = seed_pair();
    let mut e = started(a);
    let outs = e.handle(Input::Timer, ms(1000));
    let garps: Vec<&Action> = outs
        .iter()
        .map(|o| &o.action)
        .filter(|a| matches!(a, Action::SendGarp { .. }))
        .collect();
    assert_eq!(garps.len(), 1);
    assert!(matches!(garps[0], Action::SendGarp { count: 5, vips } if vips.len() == 1));
}

/// One VIP, five repeats, garp_interval 200 ms: 1.3.5 marks the address pending once, so the
/// burst is one frame now and one 200 ms later; the garp_master_delay burst 5 s later again.
#[test]
fn a_burst_on_a_paced_interface_collapses_as_in_keepalived() {
    let (a, _) = seed_pair();
    let mut cfg = a;
    cfg.global.garp_pacing = GarpPacing {
        interfaces: vec![(IFACE.to_string(), garp(200))],
        default: None,
    };
    let mut e = started(cfg);
    let mut f = Vec::new();
    run(&mut e, ms(10_000), &mut f);
    assert_eq!(
        times(&f),
        vec![ms(1000), ms(1200), ms(6000), ms(6200)],
        "{f:?}"
    );
    assert_spacing(&f, IFACE, false, ms(200));
}

/// Two VIPs on a paced interface, one on another interface: the paced ones leave one per
/// interval, in address order; the other interface keeps its whole burst at once.
#[test]
fn only_the_paced_interface_waits() {
    let vips = vec![
        vip_on("192.168.1.210", IFACE),
        vip_on("192.168.1.211", IFACE),
        vip_on("10.9.9.9", "eth1"),
    ];
    let mut e = started(paced(
        vec![master("VI_1", 51, vips)],
        vec![(IFACE, garp(200))],
        None,
    ));
    let mut f = Vec::new();
    run(&mut e, ms(3000), &mut f);
    let on = |dev: &str| -> Vec<(Duration, String)> {
        f.iter()
            .filter(|x| x.3 == dev)
            .map(|x| (x.0, x.2.to_string()))
            .collect()
    };
    assert_eq!(
        on(IFACE),
        vec![
            (ms(1000), "192.168.1.210".into()),
            (ms(1200), "192.168.1.210".into()),
            (ms(1400), "192.168.1.211".into()),
        ]
    );
    assert_eq!(on("eth1"), vec![(ms(1000), "10.9.9.9".into()); 5]);
    assert_spacing(&f, IFACE, false, ms(200));
}

/// Instances sharing an interface share its pacing (keepalived keeps it per interface).
#[test]
fn instances_on_one_interface_share_the_interval() {
    let mut e = started(paced(
        vec![
            master("VI_1", 51, vec![vip_on("192.168.1.210", IFACE)]),
            master("VI_2", 52, vec![vip_on("192.168.1.220", IFACE)]),
        ],
        vec![(IFACE, garp(300))],
        None,
    ));
    let mut f = Vec::new();
    run(&mut e, ms(3000), &mut f);
    let got: Vec<(Duration, usize)> = f.iter().map(|x| (x.0, x.1)).collect();
    assert_eq!(got, vec![(ms(1000), 0), (ms(1300), 0), (ms(1600), 1)]);
    assert_spacing(&f, IFACE, false, ms(300));
}

/// The global interval applies to interfaces no garp_group names; a garp_group that names an
/// interface without a garp_interval leaves it unpaced (it never takes the global default).
#[test]
fn global_default_and_garp_group_precedence() {
    let vips = vec![vip_on("192.168.1.210", IFACE), vip_on("10.9.9.9", "eth1")];
    let none = GarpIntervals::default();
    let mut e = started(paced(
        vec![master("VI_1", 51, vips)],
        vec![(IFACE, none)],
        Some(garp(250)),
    ));
    let mut f = Vec::new();
    run(&mut e, ms(3000), &mut f);
    let at =
        |dev: &str| -> Vec<Duration> { f.iter().filter(|x| x.3 == dev).map(|x| x.0).collect() };
    assert_eq!(at(IFACE), vec![ms(1000); 5]);
    assert_eq!(at("eth1"), vec![ms(1000), ms(1250)]);
}

/// gna_interval paces unsolicited NAs only; garp_interval gratuitous ARPs only.
#[test]
fn neighbour_adverts_have_their_own_interval() {
    let mut inst = master("VI_1", 51, vec![vip_on("192.168.1.210", IFACE)]);
    inst.excluded_vips = vec![vip_on("2001:db8::10", IFACE), vip_on("2001:db8::11", IFACE)];
    let gna = GarpIntervals {
        garp: None,
        gna: Some(ms(400)),
    };
    let mut e = started(paced(vec![inst], vec![(IFACE, gna)], None));
    let mut f = Vec::new();
    run(&mut e, ms(3000), &mut f);
    let v4: Vec<Duration> = f.iter().filter(|x| x.2.is_ipv4()).map(|x| x.0).collect();
    let v6: Vec<(Duration, String)> = f
        .iter()
        .filter(|x| x.2.is_ipv6())
        .map(|x| (x.0, x.2.to_string()))
        .collect();
    assert_eq!(v4, vec![ms(1000); 5]);
    assert_eq!(
        v6,
        vec![
            (ms(1000), "2001:db8::10".into()),
            (ms(1400), "2001:db8::10".into()),
            (ms(1800), "2001:db8::11".into()),
        ]
    );
    assert_spacing(&f, IFACE, true, ms(400));
}

/// Leaving MASTER drops the frames still queued (vrrp_remove_delayed_arp); a new mastership
/// queues its own.
#[test]
fn leaving_master_drops_queued_frames() {
    let (a, _) = seed_pair();
    let mut cfg = a;
    cfg.global.garp_pacing = GarpPacing {
        interfaces: vec![(IFACE.to_string(), garp(500))],
        default: None,
    };
    let mut e = started(cfg);
    let mut f = Vec::new();
    run(&mut e, ms(1000), &mut f);
    assert_eq!(times(&f), vec![ms(1000)]);
    // A higher priority at 1.1 s: BACKUP before the queued frame's 1.5 s.
    let outs = feed(&mut e, &advert("192.168.1.199", 200), ms(1100));
    frames_of(ms(1100), &outs, &mut f);
    assert_eq!(e.state(vrrp_engine::InstanceId(0)), State::Backup);
    run(&mut e, ms(1900), &mut f);
    assert_eq!(
        times(&f),
        vec![ms(1000)],
        "queued frame sent after leaving MASTER"
    );
}

/// A reload starts pacing afresh with the new configuration.
#[test]
fn reload_takes_the_new_pacing() {
    let (a, _) = seed_pair();
    let mut cfg = a.clone();
    cfg.global.garp_pacing = GarpPacing {
        interfaces: vec![(IFACE.to_string(), garp(200))],
        default: None,
    };
    let mut e = started(cfg);
    let mut f = Vec::new();
    run(&mut e, ms(2000), &mut f);
    assert_eq!(times(&f), vec![ms(1000), ms(1200)]);
    // Without pacing, the garp_master_delay burst at 6 s is whole again.
    e.handle(Input::Reload(Box::new(a)), ms(2000));
    run(&mut e, ms(7000), &mut f);
    assert_eq!(times(&f)[2..], vec![ms(6000); 5]);
}

/// Over a long run with flapping mastership, no two frames of a kind on a paced interface
/// are closer than the interval, and every queued frame is sent or dropped (nothing stuck).
#[test]
fn spacing_holds_through_flaps() {
    let vips = (0..4)
        .map(|k| vip_on(&format!("192.168.1.{}", 210 + k), IFACE))
        .collect();
    let mut inst = master("VI_1", 51, vips);
    inst.garp.master_refresh = ms(700);
    let mut e = started(paced(vec![inst], vec![(IFACE, garp(150))], None));
    let mut f = Vec::new();
    let mut masterships = 0;
    for k in 0..20u64 {
        // MASTER again 3.65 s after each higher-priority advert (master-down), so every
        // 5 s the mastership ends with frames still queued.
        let t0 = ms(2000 + k * 5000);
        run(&mut e, t0, &mut f);
        if e.state(vrrp_engine::InstanceId(0)) == State::Master {
            masterships += 1;
        }
        let outs = feed(&mut e, &advert("192.168.1.199", 200), t0);
        frames_of(t0, &outs, &mut f);
    }
    run(&mut e, ms(110_000), &mut f);
    assert_eq!(masterships, 20);
    assert_spacing(&f, IFACE, false, ms(150));
    assert!(f.len() > 100, "too few frames: {}", f.len());
    assert_eq!(e.state(vrrp_engine::InstanceId(0)), State::Master);
    // Nothing left queued: the engine next wakes for the refresh or the advert only.
    let d = e.next_deadline().expect("advert timer");
    assert!(d > ms(110_000));
}
