//! Property test: whatever the probes report, whatever reloads happen, the IPVS operations
//! the engine emits are valid against a model of the kernel table (no service created
//! twice, no dest added twice, nothing updated or deleted that is not there), the table
//! agrees with the engine's status after every step, and shutdown leaves it empty.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use check_engine::{
    Action, CheckConfig, CheckEngine, Checker, CheckerId, CheckerKind, Dest, Forwarding, Input,
    IpvsOp, ProbeOutcome, Protocol, RealServer, ServiceKey, ServiceSpec, VirtualServer,
};
use proptest::prelude::*;

type Table = HashMap<ServiceKey, HashMap<(IpAddr, u16), u32>>;

fn apply(table: &mut Table, op: &IpvsOp) -> Result<(), String> {
    match op {
        IpvsOp::AddService(s) => {
            if table.insert(s.key, HashMap::new()).is_some() {
                return Err(format!("service {} added twice", s.key));
            }
        }
        IpvsOp::UpdateService(s) => {
            if !table.contains_key(&s.key) {
                return Err(format!("update of missing service {}", s.key));
            }
        }
        IpvsOp::DelService(k) => {
            if table.remove(k).is_none() {
                return Err(format!("delete of missing service {k}"));
            }
        }
        IpvsOp::AddDest { service, dest } => {
            let t = table
                .get_mut(service)
                .ok_or("dest added to missing service")?;
            if t.insert(dest.ident(), dest.weight).is_some() {
                return Err(format!("dest {:?} added twice to {service}", dest.ident()));
            }
        }
        IpvsOp::UpdateDest { service, dest } => {
            let t = table
                .get_mut(service)
                .ok_or("dest updated in missing service")?;
            match t.get_mut(&dest.ident()) {
                Some(w) => *w = dest.weight,
                None => return Err(format!("update of missing dest {:?}", dest.ident())),
            }
        }
        IpvsOp::DelDest {
            service,
            addr,
            port,
        } => {
            let t = table
                .get_mut(service)
                .ok_or("dest deleted from missing service")?;
            if t.remove(&(*addr, *port)).is_none() {
                return Err(format!("delete of missing dest {addr}:{port}"));
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct RsGen {
    last: u8,
    weight: u32,
    inhibit: bool,
    checkers: Vec<(u8, bool)>, // (kind 0..6, dynamic)
}

#[derive(Debug, Clone)]
struct VsGen {
    ports: Vec<u16>,
    alpha: bool,
    omega: bool,
    quorum: u32,
    hysteresis: u32,
    sorry: Option<bool>, // Some(inhibit)
    ha_suspend: bool,
    rss: Vec<RsGen>,
}

fn rs_gen() -> impl Strategy<Value = RsGen> {
    (
        2u8..8,
        0u32..4,
        any::<bool>(),
        prop::collection::vec((0u8..6, any::<bool>()), 0..3),
    )
        .prop_map(|(last, weight, inhibit, checkers)| RsGen {
            last,
            weight,
            inhibit,
            checkers,
        })
}

fn vs_gen() -> impl Strategy<Value = VsGen> {
    (
        prop::collection::vec(80u16..83, 1..3),
        any::<bool>(),
        any::<bool>(),
        1u32..4,
        0u32..2,
        prop::option::of(any::<bool>()),
        any::<bool>(),
        prop::collection::vec(rs_gen(), 0..4),
    )
        .prop_map(
            |(ports, alpha, omega, quorum, hysteresis, sorry, ha_suspend, rss)| VsGen {
                ports,
                alpha,
                omega,
                quorum,
                hysteresis: hysteresis.min(quorum - 1),
                sorry,
                ha_suspend,
                rss,
            },
        )
}

fn ip(a: u8, b: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, a, b))
}

fn build(vss: &[VsGen]) -> CheckConfig<u8> {
    let virtual_servers = vss
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let vip = ip(i as u8, 1);
            let mut ports = v.ports.clone();
            ports.dedup();
            VirtualServer {
                name: format!("[{vip}]:{}", ports[0]),
                services: ports
                    .iter()
                    .map(|&port| ServiceSpec {
                        key: ServiceKey::Inet {
                            proto: Protocol::Tcp,
                            addr: vip,
                            port,
                        },
                        scheduler: "rr".into(),
                        persistence_timeout: None,
                        persistence_netmask: None,
                        persistence_engine: None,
                        one_packet: false,
                        hashed: false,
                        sched_flags: 0,
                    })
                    .collect(),
                delay_loop: Duration::from_secs(5),
                alpha: v.alpha,
                omega: v.omega,
                quorum: v.quorum,
                hysteresis: v.hysteresis,
                quorum_up: Some("/bin/up".into()),
                quorum_down: Some("/bin/down".into()),
                sorry_server: v.sorry.map(|_| Dest {
                    addr: ip(i as u8, 99),
                    port: 80,
                    weight: 1,
                    forwarding: Forwarding::Nat,
                    upper_threshold: 0,
                    lower_threshold: 0,
                }),
                sorry_server_inhibit: v.sorry.unwrap_or(false),
                ha_suspend: v.ha_suspend,
                real_servers: v
                    .rss
                    .iter()
                    .map(|r| RealServer {
                        dest: Dest {
                            addr: ip(i as u8, r.last),
                            port: 80,
                            weight: r.weight,
                            forwarding: Forwarding::DirectRoute,
                            upper_threshold: 0,
                            lower_threshold: 0,
                        },
                        inhibit_on_failure: r.inhibit,
                        notify_up: None,
                        notify_down: None,
                        checkers: r
                            .checkers
                            .iter()
                            .map(|&(k, dynamic)| Checker {
                                kind: match k {
                                    0 => CheckerKind::Http,
                                    1 => CheckerKind::Ssl,
                                    2 => CheckerKind::Tcp,
                                    3 => CheckerKind::Smtp,
                                    4 => CheckerKind::Misc {
                                        path: "/bin/true".into(),
                                    },
                                    _ => CheckerKind::Dns,
                                },
                                probe: k,
                                retries: u32::from(k % 3),
                                delay_before_retry: Duration::from_secs(1),
                                warmup: None,
                                delay_loop: None,
                                dynamic_weight: dynamic && k == 4,
                            })
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect();
    CheckConfig { virtual_servers }
}

#[derive(Debug, Clone)]
enum Step {
    /// Advance to the next deadline and fire it.
    Timer,
    /// Report the oldest in-flight probe: 0 = down, 1 = up, 2.. = up with weight.
    Done(u8),
    /// An address comes or goes.
    Addr(u8, bool),
    /// Reload with another configuration.
    Reload(Vec<VsGen>),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Timer),
        6 => (0u8..6).prop_map(Step::Done),
        1 => (0u8..3, any::<bool>()).prop_map(|(a, p)| Step::Addr(a, p)),
        1 => prop::collection::vec(vs_gen(), 0..3).prop_map(Step::Reload),
    ]
}

fn drain(
    e: &mut CheckEngine<u8>,
    table: &mut Table,
    in_flight: &mut Vec<CheckerId>,
) -> Result<(), TestCaseError> {
    while let Some(a) = e.poll_action() {
        match a {
            Action::Ipvs(op) => {
                apply(table, &op).map_err(|m| TestCaseError::fail(format!("{m}: {op:?}")))?
            }
            Action::Probe { checker, .. } => {
                prop_assert!(!in_flight.contains(&checker), "two probes for {checker}");
                in_flight.push(checker);
            }
            Action::Script { .. } | Action::Event(_) => {}
        }
    }
    Ok(())
}

/// The table agrees with the engine: every real server in IPVS is there on every service
/// of its virtual server, alive ones (outside a sorry-server period) at their weight.
fn consistent(e: &CheckEngine<u8>, table: &Table) -> Result<(), TestCaseError> {
    let st = e.status();
    for (i, vs) in st.virtual_servers.iter().enumerate() {
        for (key, dests) in table
            .iter()
            .filter(|(k, _)| k.addr() == Some(ip(i as u8, 1)))
        {
            for rs in &vs.real_servers {
                let w = dests.get(&(rs.addr, rs.port));
                prop_assert_eq!(
                    w.is_some(),
                    rs.in_ipvs,
                    "{} in {}: {:?} vs {:?}",
                    rs.addr,
                    key,
                    w,
                    rs
                );
                if rs.alive && !vs.sorry_server_active {
                    prop_assert_eq!(w, Some(&rs.weight), "{} weight in {}", rs.addr, key);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn ipvs_ops_are_always_valid(
        initial in prop::collection::vec(vs_gen(), 0..3),
        steps in prop::collection::vec(step(), 0..60),
    ) {
        let mut table = Table::new();
        let mut in_flight = Vec::new();
        let mut now = Duration::ZERO;
        let mut e = CheckEngine::new(build(&initial), now);
        drain(&mut e, &mut table, &mut in_flight)?;
        consistent(&e, &table)?;
        for s in steps {
            match s {
                Step::Timer => {
                    if let Some(t) = e.poll_timeout() {
                        now = now.max(t);
                    }
                    e.handle(Input::Timer, now);
                }
                Step::Done(o) => {
                    if in_flight.is_empty() {
                        continue;
                    }
                    let checker = in_flight.remove(0);
                    now += Duration::from_millis(100);
                    let outcome = match o {
                        0 | 1 => ProbeOutcome::Down { detail: "down".into() },
                        2 | 3 => ProbeOutcome::Up { weight: None },
                        w => ProbeOutcome::Up { weight: Some(u32::from(w) - 4) },
                    };
                    e.handle(Input::ProbeDone { checker, outcome }, now);
                }
                Step::Addr(a, present) => {
                    e.handle(Input::AddressPresence { addr: ip(a, 1), present }, now);
                }
                Step::Reload(vss) => {
                    e.reconfigure(build(&vss), now);
                }
            }
            drain(&mut e, &mut table, &mut in_flight)?;
            consistent(&e, &table)?;
        }
        e.shutdown();
        drain(&mut e, &mut table, &mut in_flight)?;
        prop_assert!(table.is_empty(), "left behind: {:?}", table);
        prop_assert_eq!(e.poll_timeout(), None);
    }
}
