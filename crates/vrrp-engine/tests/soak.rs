//! Long soak of the simulated LAN (issue 8 §3): five daemons, each running four VRRP
//! instances (VRID 1: v2 PASS 1 s; VRID 2: v3 1 s; VRID 3: v3 200 ms; VRID 4: v2 unicast
//! 1 s), through alternating chaos (loss, delay and jitter, partitions, crashes, graceful
//! stops, restarts, carrier flaps, priority changes through a tracked interface) and calm
//! periods, with invariants checked on every action and at every step, not just at the end.
//!
//! What is counted: advert intervals summed over live instances, i.e. for each instance of
//! a running daemon, virtual time / its advert interval (a daemon at 1+1+5+1 = 8 intervals
//! per second). See docs/soak.md for the commands and the recorded results.
//!
//! * `soak_short` (in the normal `cargo test`): 10^5 intervals.
//! * `soak_long` (ignored): 10^7 intervals;
//!   `cargo test -p vrrp-engine --release --test soak -- --ignored --nocapture`.
//!
//! `SOAK_INTERVALS` and `SOAK_SEED` override the length and the seed of both.

mod sim;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use sim::*;
use vrrp_engine::engine::timers::master_down_interval;
use vrrp_engine::{
    Action, Auth, EngineConfig, InitialState, InstanceId, State, TrackInterface, Version,
};

const NODES: usize = 5;
/// A tracked interface with a negative weight: its flaps change the effective priority.
const UPLINK: &str = "uplink0";

/// One virtual router, configured the same on every node (but for the priority).
struct Vr {
    vrid: u8,
    version: Version,
    advert: Duration,
    unicast: bool,
    pass: bool,
}

const VRS: [Vr; 4] = [
    Vr {
        vrid: 1,
        version: Version::V2,
        advert: Duration::from_secs(1),
        unicast: false,
        pass: true,
    },
    Vr {
        vrid: 2,
        version: Version::V3,
        advert: Duration::from_secs(1),
        unicast: false,
        pass: false,
    },
    Vr {
        vrid: 3,
        version: Version::V3,
        advert: Duration::from_millis(200),
        unicast: false,
        pass: false,
    },
    Vr {
        vrid: 4,
        version: Version::V2,
        advert: Duration::from_secs(1),
        unicast: true,
        pass: false,
    },
];
const K: usize = VRS.len();

fn node_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 168, 1, 10 + i as u8)
}

/// Advert intervals per second of one running daemon (all its instances).
fn intervals_per_sec() -> f64 {
    VRS.iter().map(|v| 1.0 / v.advert.as_secs_f64()).sum()
}

/// Random priorities (distinct per VRID), uplink weights and initial states.
fn configs(rng: &mut SplitMix64) -> (Vec<EngineConfig>, [u8; K]) {
    let mut base = [[0u8; K]; NODES];
    let mut lowest = [255u8; K];
    for k in 0..K {
        let mut used = Vec::new();
        for row in base.iter_mut() {
            let p = loop {
                let p = 2 + rng.below(248) as u8;
                if !used.contains(&p) {
                    break p;
                }
            };
            used.push(p);
            row[k] = p;
            lowest[k] = lowest[k].min(p);
        }
    }
    let mut pw = [0u8; 8];
    pw[..4].copy_from_slice(b"soak");
    let cfgs = (0..NODES)
        .map(|i| {
            let instances = VRS
                .iter()
                .enumerate()
                .map(|(k, vr)| {
                    let st = if rng.chance(0.5) {
                        InitialState::Master
                    } else {
                        InitialState::Backup
                    };
                    let mut c =
                        seed_instance(&format!("VI_{}", vr.vrid), st, base[i][k], node_addr(i));
                    c.vrid = vr.vrid;
                    c.version = vr.version;
                    c.advert_int = vr.advert;
                    c.auth = if vr.pass { Auth::Pass(pw) } else { Auth::None };
                    c.vips = vec![vip(&format!("10.0.{}.1", vr.vrid), 24)];
                    if vr.unicast {
                        c.unicast_peers = (0..NODES)
                            .filter(|&j| j != i)
                            .map(|j| IpAddr::V4(node_addr(j)))
                            .collect();
                    }
                    c.track_interfaces = vec![TrackInterface {
                        name: UPLINK.to_string(),
                        weight: -(1 + rng.below(60) as i32),
                    }];
                    c
                })
                .collect();
            EngineConfig {
                instances,
                ..Default::default()
            }
        })
        .collect();
    (cfgs, lowest)
}

/// What the checker knows of one instance, from its actions only.
#[derive(Debug, Clone)]
struct Tracked {
    state: State,
    /// Its VIPs are configured (AddAddresses seen, RemoveAddresses not yet).
    held: bool,
    /// MASTER without VIPs since (1.3.5's forced election adds them one interval later),
    /// or since its last advert without them (answering a priority-0 advert re-arms the
    /// advert timer, RFC 3768 §6.4.3, and so postpones the VIPs).
    bare_master_since: Option<Duration>,
    /// Last advert with a non-zero priority.
    last_advert: Duration,
    /// A MASTER logged a lower priority heard: the advert that follows is its reply.
    replying: bool,
}

impl Tracked {
    fn fresh(now: Duration) -> Tracked {
        Tracked {
            state: State::Init,
            held: false,
            bare_master_since: None,
            last_advert: now,
            replying: false,
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    actions: u64,
    adverts: u64,
    transitions: u64,
    vip_changes: u64,
    step_checks: u64,
    settled_vrid_checks: u64,
    calm_windows: u64,
    crashes: u64,
    stops: u64,
    restarts: u64,
    link_flaps: u64,
    priority_flaps: u64,
    partitions: u64,
    virtual_time: Duration,
    intervals: f64,
}

struct Checker {
    t: Vec<Vec<Tracked>>,
    alive: Vec<bool>,
    started_at: Vec<Duration>,
    /// The network has been whole and untouched long enough from here on.
    settled_from: Option<Duration>,
    c: Counts,
}

impl Checker {
    fn new() -> Checker {
        Checker {
            t: vec![vec![Tracked::fresh(Duration::ZERO); K]; NODES],
            alive: vec![true; NODES],
            started_at: vec![Duration::ZERO; NODES],
            settled_from: None,
            c: Counts::default(),
        }
    }

    fn settled(&self, at: Duration) -> bool {
        self.settled_from.is_some_and(|f| at >= f)
    }

    /// Checks one action as it happens. `zero_rx`: (time, node) of the priority-0 adverts
    /// delivered during the step.
    fn event(&mut self, ev: &Event, zero_rx: &[(Duration, usize)]) {
        self.c.actions += 1;
        let Some(InstanceId(k)) = ev.out.instance else {
            return;
        };
        let (n, at) = (ev.node, ev.at);
        let settled = self.settled(at);
        let adv = VRS[k].advert;
        let vrid = VRS[k].vrid;
        let tr = &mut self.t[n][k];
        match &ev.out.action {
            Action::StateChanged { from, to } => {
                self.c.transitions += 1;
                assert_eq!(
                    *from, tr.state,
                    "t={at:?} node {n} VRID {vrid}: {from:?} → {to:?}"
                );
                assert!(
                    !settled,
                    "t={at:?} node {n} VRID {vrid}: {from:?} → {to:?} on a settled network"
                );
                if *from == State::Master {
                    assert!(
                        !tr.held,
                        "t={at:?} node {n} VRID {vrid}: left MASTER holding VIPs"
                    );
                    tr.bare_master_since = None;
                }
                if *to == State::Master {
                    assert_eq!(
                        tr.last_advert, at,
                        "t={at:?} node {n} VRID {vrid}: MASTER without an advert"
                    );
                    tr.bare_master_since = Some(at);
                }
                tr.state = *to;
                if settled {
                    let masters = (0..NODES)
                        .filter(|&j| self.alive[j] && self.t[j][k].state == State::Master)
                        .count();
                    assert!(masters <= 1, "t={at:?} VRID {vrid}: {masters} masters");
                }
            }
            Action::AddAddresses(_) => {
                self.c.vip_changes += 1;
                assert!(
                    !settled,
                    "t={at:?} node {n} VRID {vrid}: VIPs added on a settled network"
                );
                assert_eq!(
                    tr.state,
                    State::Master,
                    "t={at:?} node {n} VRID {vrid}: VIPs outside MASTER"
                );
                assert!(!tr.held, "t={at:?} node {n} VRID {vrid}: VIPs added twice");
                if let Some(since) = tr.bare_master_since.take() {
                    assert!(
                        at - since <= adv,
                        "t={at:?} node {n} VRID {vrid}: MASTER without VIPs since {since:?}"
                    );
                }
                tr.held = true;
            }
            Action::RemoveAddresses(_) => {
                self.c.vip_changes += 1;
                assert!(
                    !settled,
                    "t={at:?} node {n} VRID {vrid}: VIPs removed on a settled network"
                );
                assert!(
                    tr.held,
                    "t={at:?} node {n} VRID {vrid}: VIPs removed but not held"
                );
                tr.held = false;
            }
            Action::SendAdvert { packet, .. } => {
                self.c.adverts += 1;
                let reply = std::mem::take(&mut tr.replying);
                if packet[22] > 0 && tr.state == State::Master && !reply {
                    if let Some(since) = tr.bare_master_since {
                        // Not a reply to a lower priority: the answer to a priority-0 advert
                        // (it re-arms the advert timer), or the periodic advert, which adds
                        // the VIPs first: one without them a full interval on means the
                        // instance is stuck without VIPs.
                        // (A priority-0 advert can arrive at the very instant the timer is due.)
                        assert!(
                            at - since < adv || zero_rx.contains(&(at, n)),
                            "t={at:?} node {n} VRID {vrid}: periodic advert without VIPs"
                        );
                        tr.bare_master_since = Some(at);
                    }
                }
                if packet[22] > 0 {
                    if tr.state == State::Master {
                        assert!(
                            at - tr.last_advert <= adv,
                            "t={at:?} node {n} VRID {vrid}: MASTER silent since {:?}",
                            tr.last_advert
                        );
                    }
                    tr.last_advert = at;
                }
            }
            Action::Log(l)
                if l.to_string()
                    .contains("Received advert with lower priority") =>
            {
                tr.replying = true;
            }
            _ => {}
        }
    }

    /// Checks the whole LAN between two steps.
    fn step(&mut self, s: &Sim) {
        let now = s.now;
        self.c.step_checks += 1;
        for n in (0..NODES).filter(|&n| self.alive[n]) {
            let e = &s.nodes[n].engine;
            let mut running = false;
            for (k, vr) in VRS.iter().enumerate() {
                let st = e.state(InstanceId(k));
                let tr = &self.t[n][k];
                let vrid = vr.vrid;
                assert_eq!(
                    st, tr.state,
                    "t={now:?} node {n} VRID {vrid}: state vs actions"
                );
                if !s.nodes[n].link_up {
                    assert_eq!(
                        st,
                        State::Fault,
                        "t={now:?} node {n} VRID {vrid}: link down"
                    );
                } else if now > self.started_at[n] + vr.advert {
                    // Never stuck before MASTER/BACKUP (GOTO_MASTER lasts one interval).
                    assert!(
                        matches!(st, State::Backup | State::Master),
                        "t={now:?} node {n} VRID {vrid}: stuck in {st:?}"
                    );
                }
                running |= matches!(st, State::Backup | State::Master);
                if st == State::Master {
                    assert!(
                        now - tr.last_advert <= vr.advert,
                        "t={now:?} node {n} VRID {vrid}: MASTER silent"
                    );
                    if !tr.held {
                        let since = tr.bare_master_since.unwrap_or(Duration::ZERO);
                        assert!(
                            now - since <= vr.advert,
                            "t={now:?} node {n} VRID {vrid}: MASTER without VIPs"
                        );
                    }
                } else {
                    assert!(
                        !tr.held,
                        "t={now:?} node {n} VRID {vrid}: {st:?} holding VIPs"
                    );
                }
            }
            if running {
                let d = e.next_deadline();
                assert!(
                    d.is_some_and(|d| d > now),
                    "t={now:?} node {n}: deadline {d:?}"
                );
            }
            let f = e.footprint();
            assert!(
                f.timers <= 3 * K && f.links <= 2 && f.instances == K,
                "{f:?}"
            );
        }
        if self.settled(now) {
            for (k, vr) in VRS.iter().enumerate() {
                self.c.settled_vrid_checks += 1;
                let live: Vec<usize> = (0..NODES).filter(|&n| self.alive[n]).collect();
                let prio = |n: usize| s.nodes[n].engine.effective_priority(InstanceId(k));
                let top = live.iter().map(|&n| prio(n)).max();
                let masters: Vec<usize> = live
                    .iter()
                    .copied()
                    .filter(|&n| self.t[n][k].state == State::Master)
                    .collect();
                let vrid = vr.vrid;
                if live.is_empty() {
                    continue;
                }
                assert_eq!(
                    masters.len(),
                    1,
                    "t={now:?} VRID {vrid}: masters {masters:?}"
                );
                let m = masters[0];
                assert_eq!(
                    Some(prio(m)),
                    top,
                    "t={now:?} VRID {vrid}: node {m} is not the highest"
                );
                assert!(
                    self.t[m][k].held,
                    "t={now:?} VRID {vrid}: master {m} without VIPs"
                );
                for &n in live.iter().filter(|&&n| n != m) {
                    assert_eq!(
                        self.t[n][k].state,
                        State::Backup,
                        "t={now:?} VRID {vrid} node {n}"
                    );
                }
            }
        }
    }
}

struct Soak {
    s: Sim,
    rng: SplitMix64,
    ck: Checker,
    /// Master_Down_Interval + one advert of each VRID's lowest priority: the settle time.
    settle: Duration,
}

impl Soak {
    fn new(seed: u64) -> Soak {
        let mut rng = SplitMix64(seed);
        let (cfgs, lowest) = configs(&mut rng);
        let settle = VRS
            .iter()
            .zip(lowest)
            .map(|(vr, p)| master_down_interval(vr.version, p, vr.advert, vr.advert) + vr.advert)
            .max()
            .unwrap_or_default();
        let mut s = Sim::new(cfgs, seed ^ 0x50a4_50a4);
        s.delay = Duration::from_micros(rng.below(50_000));
        s.start_all();
        let mut me = Soak {
            s,
            rng,
            ck: Checker::new(),
            settle,
        };
        me.drain();
        me
    }

    fn drain(&mut self) {
        let zero_rx: Vec<(Duration, usize)> = self
            .s
            .deliveries
            .iter()
            .filter(|d| d.3 == 0)
            .map(|d| (d.0, d.2))
            .collect();
        for ev in self.s.take_trace() {
            self.ck.event(&ev, &zero_rx);
        }
    }

    /// Runs the LAN for `d`, checking every action and then the whole LAN.
    fn advance(&mut self, d: Duration) {
        let live = self.ck.alive.iter().filter(|a| **a).count() as f64;
        self.s.run_for(d);
        self.drain();
        self.ck.c.intervals += live * intervals_per_sec() * d.as_secs_f64();
        self.ck.c.virtual_time = self.s.now;
        self.ck.step(&self.s);
    }

    fn restart(&mut self, i: usize) {
        self.ck.c.restarts += 1;
        self.ck.alive[i] = true;
        self.ck.started_at[i] = self.s.now;
        self.ck.t[i] = vec![Tracked::fresh(self.s.now); K];
        self.s.restart(i);
        self.drain();
    }

    fn chaos_action(&mut self) {
        let n = NODES as u64;
        let rng = &mut self.rng;
        match rng.below(100) {
            0..=11 => {
                self.ck.c.partitions += 1;
                for p in self.s.partition.iter_mut() {
                    *p = rng.below(3) as u32;
                }
            }
            12..=19 => self.s.partition.iter_mut().for_each(|p| *p = 0),
            20..=29 => {
                let i = rng.below(n) as usize;
                if self.ck.alive[i] {
                    self.ck.c.crashes += 1;
                    self.s.crash(i);
                    self.ck.alive[i] = false;
                } else {
                    self.restart(i);
                }
            }
            30..=34 => {
                let i = rng.below(n) as usize;
                if self.ck.alive[i] {
                    self.ck.c.stops += 1;
                    self.s.shutdown(i);
                    self.drain();
                    self.ck.alive[i] = false;
                }
            }
            35..=46 => {
                self.ck.c.link_flaps += 1;
                let i = rng.below(n) as usize;
                let up = !self.s.nodes[i].link_up;
                self.s.set_link(i, up);
                self.drain();
            }
            47..=61 => {
                self.ck.c.priority_flaps += 1;
                let i = rng.below(n) as usize;
                let up = !self.s.nodes[i]
                    .other_links
                    .get(UPLINK)
                    .copied()
                    .unwrap_or(true);
                self.s.set_other_link(i, UPLINK, up);
                self.drain();
            }
            62..=71 => {
                self.s.loss = if rng.chance(0.3) {
                    0.0
                } else {
                    rng.unit() * 0.5
                };
            }
            72..=76 => {
                self.s.delay = Duration::from_micros(rng.below(50_000));
                self.s.jitter = Duration::from_micros(rng.below(20_000));
            }
            _ => {}
        }
    }

    /// One chaos period, the heal, and a calm period checked as settled after `settle`.
    fn cycle(&mut self) {
        self.ck.settled_from = None;
        let end = self.s.now + Duration::from_millis(5_000 + self.rng.below(115_000));
        while self.s.now < end {
            let step = Duration::from_millis(50 + self.rng.below(2_950));
            self.advance(step);
            self.chaos_action();
        }
        // Heal: one segment, no loss, every carrier up; most crashed daemons come back.
        self.s.loss = 0.0;
        self.s.partition.iter_mut().for_each(|p| *p = 0);
        for i in 0..NODES {
            if !self.s.nodes[i].link_up {
                self.s.set_link(i, true);
                self.drain();
            }
            if !self.ck.alive[i] && self.rng.chance(0.75) {
                self.restart(i);
            }
        }
        let slack = (self.s.delay + self.s.jitter) * 3 + Duration::from_millis(1);
        let settled = self.s.now + self.settle + slack;
        self.ck.settled_from = Some(settled);
        let end = settled + Duration::from_millis(5_000 + self.rng.below(55_000));
        while self.s.now < end {
            let step = (end - self.s.now).min(Duration::from_millis(1000));
            self.advance(step);
        }
        self.ck.c.calm_windows += 1;
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

fn soak(default_intervals: u64) {
    let target = env_u64("SOAK_INTERVALS").unwrap_or(default_intervals) as f64;
    let seed = env_u64("SOAK_SEED").unwrap_or(0x0083_50a4);
    let wall = Instant::now();
    let mut soak = Soak::new(seed);
    while soak.ck.c.intervals < target {
        soak.cycle();
    }
    let c = &soak.ck.c;
    println!(
        "soak seed {seed:#x}: {:.3e} advert intervals (live instances), {:.1} h virtual, \
         wall {:.1} s",
        c.intervals,
        c.virtual_time.as_secs_f64() / 3600.0,
        wall.elapsed().as_secs_f64()
    );
    println!("{c:#?}");
    let hwm = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|st| {
            st.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(str::to_string)
        });
    println!(
        "inputs handled by the engines: {}; peak RSS: {}",
        soak.s.inputs,
        hwm.as_deref().unwrap_or("?")
    );
    // The chaos has to produce what the invariants are about.
    assert!(c.calm_windows >= 10 && c.settled_vrid_checks > 0);
    assert!(c.crashes > 0 && c.stops > 0 && c.link_flaps > 0 && c.priority_flaps > 0);
    assert!(c.transitions > c.calm_windows, "{c:?}");
}

#[test]
fn soak_short() {
    soak(100_000);
}

#[test]
#[ignore = "long: run with --release -- --ignored (docs/soak.md)"]
fn soak_long() {
    soak(10_000_000);
}
