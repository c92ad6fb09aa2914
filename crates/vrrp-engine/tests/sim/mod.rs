//! A simulated LAN with a virtual clock for driving several engines: loss, delay,
//! partitions, crashes and restarts, all from a seeded splitmix64.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use vrrp_engine::{
    Action, Auth, Engine, EngineConfig, Family, GarpConfig, InitialState, Input, InstanceConfig,
    InstanceId, LogLevel, Output, RxPacket, State, Version, Vip,
};

/// Interface name every simulated node uses.
pub const IFACE: &str = "enp11s0f0";

/// Tiny deterministic RNG (splitmix64).
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, n).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// The seed configuration's instance (VI_1, VRID 51, PASS 1111, VIP 192.168.1.210/24).
pub fn seed_instance(
    name: &str,
    state: InitialState,
    priority: u8,
    src: Ipv4Addr,
) -> InstanceConfig {
    let mut pw = [0u8; 8];
    pw[..4].copy_from_slice(b"1111");
    InstanceConfig {
        name: name.to_string(),
        interface: IFACE.to_string(),
        vrid: 51,
        version: Version::V2,
        family: Family::V4,
        initial_state: state,
        priority,
        advert_int: Duration::from_secs(1),
        auth: Auth::Pass(pw),
        vips: vec![vip("192.168.1.210", 24)],
        excluded_vips: vec![],
        src_addr: IpAddr::V4(src),
        mcast_group: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
        unicast_peers: vec![],
        nopreempt: false,
        preempt_delay: Duration::ZERO,
        accept: true,
        dont_track_primary: false,
        track_interfaces: vec![],
        track_scripts: vec![],
        garp: GarpConfig::default(),
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        skip_check_adv_addr: false,
        check_unicast_src: false,
        src_from_interface: true,
    }
}

pub fn vip(addr: &str, prefix: u8) -> Vip {
    Vip {
        addr: addr.parse().unwrap(),
        prefix_len: prefix,
        dev: IFACE.to_string(),
        broadcast: None,
        scope: None,
        label: None,
    }
}

pub fn single(inst: InstanceConfig) -> EngineConfig {
    EngineConfig {
        instances: vec![inst],
        ..Default::default()
    }
}

/// Node A / node B of the seed configs.
pub fn seed_pair() -> (EngineConfig, EngineConfig) {
    (
        single(seed_instance(
            "VI_1",
            InitialState::Master,
            100,
            Ipv4Addr::new(192, 168, 1, 198),
        )),
        single(seed_instance(
            "VI_1",
            InitialState::Backup,
            90,
            Ipv4Addr::new(192, 168, 1, 199),
        )),
    )
}

/// One recorded action.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: Duration,
    pub node: usize,
    pub out: Output,
}

/// A simulated host.
pub struct Node {
    pub cfg: EngineConfig,
    pub engine: Engine,
    pub alive: bool,
    pub link_up: bool,
    /// Addresses currently configured by this node's daemon.
    pub held: BTreeSet<IpAddr>,
    /// Address on the LAN (the first instance's source).
    pub addr: IpAddr,
    /// State of other (tracked) interfaces, replayed to a restarted daemon.
    pub other_links: BTreeMap<String, bool>,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    at: Duration,
    seq: u64,
    to: usize,
    bytes: Vec<u8>,
}

/// The LAN.
pub struct Sim {
    pub now: Duration,
    pub nodes: Vec<Node>,
    queue: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    pub rng: SplitMix64,
    /// Probability a packet copy is lost.
    pub loss: f64,
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra uniform random delay in [0, jitter).
    pub jitter: Duration,
    /// Partition id per node; packets only flow between equal ids.
    pub partition: Vec<u32>,
    pub trace: Vec<Event>,
    /// Deliveries: (time, from, to, priority field).
    pub deliveries: Vec<(Duration, usize, usize, u8)>,
    /// Changes of "node holds at least one address": (time, node, holds).
    pub holdings: Vec<(Duration, usize, bool)>,
    /// Inputs handed to engines so far.
    pub inputs: u64,
}

impl Sim {
    pub fn new(configs: Vec<EngineConfig>, seed: u64) -> Sim {
        let nodes: Vec<Node> = configs
            .into_iter()
            .map(|cfg| Node {
                engine: Engine::new(cfg.clone()),
                addr: cfg.instances[0].src_addr,
                cfg,
                alive: true,
                link_up: true,
                held: BTreeSet::new(),
                other_links: BTreeMap::new(),
            })
            .collect();
        let n = nodes.len();
        Sim {
            now: Duration::ZERO,
            nodes,
            queue: BinaryHeap::new(),
            seq: 0,
            rng: SplitMix64(seed),
            loss: 0.0,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            partition: vec![0; n],
            trace: Vec::new(),
            deliveries: Vec::new(),
            holdings: Vec::new(),
            inputs: 0,
        }
    }

    /// Feeds one input to node `i` and carries out its actions.
    pub fn input(&mut self, i: usize, input: Input<'_>) {
        let now = self.now;
        self.inputs += 1;
        let outs = self.nodes[i].engine.handle(input, now);
        for o in outs {
            self.apply(i, &o);
            self.trace.push(Event {
                at: now,
                node: i,
                out: o,
            });
        }
    }

    fn note_holding(&mut self, i: usize) {
        let holds = !self.nodes[i].held.is_empty();
        if self.holdings.iter().rev().find(|h| h.1 == i).map(|h| h.2) != Some(holds) {
            self.holdings.push((self.now, i, holds));
        }
    }

    fn apply(&mut self, i: usize, o: &Output) {
        if matches!(
            o.action,
            Action::AddAddresses(_) | Action::RemoveAddresses(_)
        ) {
            self.apply_inner(i, o);
            self.note_holding(i);
        } else {
            self.apply_inner(i, o);
        }
    }

    fn apply_inner(&mut self, i: usize, o: &Output) {
        match &o.action {
            Action::AddAddresses(v) => {
                for a in v {
                    self.nodes[i].held.insert(a.addr);
                }
            }
            Action::RemoveAddresses(v) => {
                for a in v {
                    self.nodes[i].held.remove(&a.addr);
                }
            }
            Action::SendAdvert { dst, packet, .. } => {
                if !self.nodes[i].link_up {
                    return;
                }
                let targets: Vec<usize> = (0..self.nodes.len())
                    .filter(|&j| j != i)
                    .filter(|&j| dst.is_multicast() || self.nodes[j].addr == *dst)
                    .collect();
                for j in targets {
                    if self.partition[i] != self.partition[j] || self.rng.chance(self.loss) {
                        continue;
                    }
                    let jit = if self.jitter.is_zero() {
                        Duration::ZERO
                    } else {
                        Duration::from_nanos(self.rng.below(self.jitter.as_nanos() as u64))
                    };
                    self.seq += 1;
                    self.queue.push(Reverse(Pending {
                        at: self.now + self.delay + jit,
                        seq: self.seq,
                        to: j,
                        bytes: packet.clone(),
                    }));
                    let _ = i;
                }
            }
            _ => {}
        }
    }

    pub fn start(&mut self, i: usize) {
        self.input(i, Input::Start);
    }

    pub fn start_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
    }

    /// Next time something happens.
    fn next_time(&self) -> Option<Duration> {
        let q = self.queue.peek().map(|Reverse(p)| p.at);
        let t = self
            .nodes
            .iter()
            .filter(|n| n.alive)
            .filter_map(|n| n.engine.next_deadline())
            .min();
        match (q, t) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs every event up to and including `until`; the clock ends at `until`.
    pub fn run_until(&mut self, until: Duration) {
        while let Some(t) = self.next_time() {
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            // Deliveries first (a packet and a timer at the same instant: packet wins).
            if let Some(Reverse(p)) = self.queue.peek() {
                if p.at <= self.now {
                    let Reverse(p) = self.queue.pop().unwrap();
                    if self.nodes[p.to].alive && self.nodes[p.to].link_up {
                        let prio = p.bytes.get(22).copied().unwrap_or(0);
                        let from = self
                            .nodes
                            .iter()
                            .position(|n| {
                                p.bytes.len() >= 16
                                    && n.addr
                                        == IpAddr::V4(Ipv4Addr::new(
                                            p.bytes[12],
                                            p.bytes[13],
                                            p.bytes[14],
                                            p.bytes[15],
                                        ))
                            })
                            .unwrap_or(usize::MAX);
                        self.deliveries.push((self.now, from, p.to, prio));
                        let bytes = p.bytes;
                        self.input(
                            p.to,
                            Input::Packet(RxPacket {
                                interface: IFACE,
                                family: Family::V4,
                                bytes: &bytes,
                                src: None,
                                hop_limit: None,
                            }),
                        );
                    }
                    continue;
                }
            }
            for i in 0..self.nodes.len() {
                if self.nodes[i].alive
                    && self.nodes[i]
                        .engine
                        .next_deadline()
                        .is_some_and(|d| d <= self.now)
                {
                    self.input(i, Input::Timer);
                    // The engine handles everything due: a deadline left at or before now
                    // would spin the daemon (and hang this loop).
                    let next = self.nodes[i].engine.next_deadline();
                    assert!(
                        next.is_none_or(|d| d > self.now),
                        "node {i}: deadline {next:?} not after {:?} once handled",
                        self.now
                    );
                }
            }
        }
        self.now = self.now.max(until);
    }

    /// End of the last period after `since` during which two or more nodes held addresses
    /// (`Duration::MAX` if one is still going on), or None.
    pub fn last_double_holding_end(&self, since: Duration) -> Option<Duration> {
        let mut held = vec![false; self.nodes.len()];
        let mut doubled = false;
        let mut end = None;
        for &(t, i, h) in &self.holdings {
            held[i] = h;
            let now_doubled = held.iter().filter(|x| **x).count() >= 2;
            if doubled && !now_doubled && t >= since {
                end = Some(t);
            }
            doubled = now_doubled;
        }
        if doubled {
            Some(Duration::MAX)
        } else {
            end
        }
    }

    /// Longest period, counted from `since` at the earliest, during which two or more nodes
    /// held addresses (`Duration::MAX` if one is still going on), or None if none ends after
    /// `since`.
    pub fn longest_double_holding_after(&self, since: Duration) -> Option<Duration> {
        let mut held = vec![false; self.nodes.len()];
        let mut started: Option<Duration> = None;
        let mut longest = None;
        for &(t, i, h) in &self.holdings {
            held[i] = h;
            let doubled = held.iter().filter(|x| **x).count() >= 2;
            match (started, doubled) {
                (None, true) => started = Some(t),
                (Some(s), false) => {
                    if t >= since {
                        let len = t - s.max(since);
                        longest = Some(longest.map_or(len, |l: Duration| l.max(len)));
                    }
                    started = None;
                }
                _ => {}
            }
        }
        if started.is_some() {
            Some(Duration::MAX)
        } else {
            longest
        }
    }

    pub fn run_for(&mut self, d: Duration) {
        let t = self.now + d;
        self.run_until(t);
    }

    /// SIGKILL: the process vanishes; its addresses stay configured.
    pub fn crash(&mut self, i: usize) {
        self.nodes[i].alive = false;
    }

    /// Restart after a crash: the new daemon removes leftovers, then starts.
    pub fn restart(&mut self, i: usize) {
        let cfg = self.nodes[i].cfg.clone();
        self.nodes[i].engine = Engine::new(cfg);
        self.nodes[i].held.clear();
        self.note_holding(i);
        self.nodes[i].alive = true;
        if !self.nodes[i].link_up {
            self.input(
                i,
                Input::Link {
                    interface: IFACE,
                    up: false,
                },
            );
        }
        let down: Vec<String> = self.nodes[i]
            .other_links
            .iter()
            .filter(|(_, up)| !**up)
            .map(|(name, _)| name.clone())
            .collect();
        for name in down {
            self.input(
                i,
                Input::Link {
                    interface: &name,
                    up: false,
                },
            );
        }
        self.start(i);
    }

    /// Carrier change on another (e.g. tracked) interface `name` of node `i`.
    pub fn set_other_link(&mut self, i: usize, name: &str, up: bool) {
        self.nodes[i].other_links.insert(name.to_string(), up);
        if self.nodes[i].alive {
            self.input(
                i,
                Input::Link {
                    interface: name,
                    up,
                },
            );
        }
    }

    /// Hands over the recorded actions and forgets the delivery and holding history,
    /// so long runs keep memory flat (the caller checks the events as they come).
    pub fn take_trace(&mut self) -> Vec<Event> {
        self.deliveries = Vec::new();
        self.holdings = Vec::new();
        std::mem::take(&mut self.trace)
    }

    /// Carrier change on node `i`'s interface.
    pub fn set_link(&mut self, i: usize, up: bool) {
        self.nodes[i].link_up = up;
        if self.nodes[i].alive {
            self.input(
                i,
                Input::Link {
                    interface: IFACE,
                    up,
                },
            );
        }
    }

    pub fn shutdown(&mut self, i: usize) {
        self.input(i, Input::Shutdown);
        self.nodes[i].alive = false;
    }

    pub fn state(&self, i: usize) -> State {
        self.nodes[i].engine.state(InstanceId(0))
    }

    pub fn prio(&self, i: usize) -> u8 {
        self.nodes[i].engine.effective_priority(InstanceId(0))
    }

    /// Info-level log texts of node `i`, in order.
    pub fn logs(&self, i: usize) -> Vec<String> {
        self.trace
            .iter()
            .filter(|e| e.node == i)
            .filter_map(|e| match &e.out.action {
                Action::Log(l) if l.level() != LogLevel::Detail => Some(l.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Time of the first log line of node `i` equal to `text`.
    pub fn log_time(&self, i: usize, text: &str) -> Option<Duration> {
        self.trace.iter().find_map(|e| match &e.out.action {
            Action::Log(l) if e.node == i && l.to_string() == text => Some(e.at),
            _ => None,
        })
    }

    /// Actions of node `i` at or after `since`.
    pub fn actions_since(&self, i: usize, since: Duration) -> Vec<&Action> {
        self.trace
            .iter()
            .filter(|e| e.node == i && e.at >= since)
            .map(|e| &e.out.action)
            .collect()
    }
}

// ---- single-engine helpers for table tests ------------------------------------------------

/// The seed advert (v2, VRID 51, PASS 1111, VIP 192.168.1.210, 1 s) from `src` with
/// `prio`; `edit` may change the VRRP fields before emission.
pub fn advert_with(
    src: &str,
    prio: u8,
    edit: impl FnOnce(&mut vrrp_engine::wire::vrrp::VrrpRepr),
) -> Vec<u8> {
    use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
    use vrrp_engine::wire::vrrp::VrrpRepr;
    let src: Ipv4Addr = src.parse().unwrap();
    let mut pw = [0u8; 8];
    pw[..4].copy_from_slice(b"1111");
    let mut r = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: prio,
        advert_int: Duration::from_secs(1),
        auth_type: 1,
        addresses: vec!["192.168.1.210".parse().unwrap()],
        auth_data: pw,
    };
    edit(&mut r);
    let group = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
    let msg = r.emit(Family::V4, IpAddr::V4(src), group);
    Ipv4Header::emit_keepalived(src, Ipv4Addr::new(224, 0, 0, 18), PROTO_VRRP, 7, &msg)
}

/// The seed advert from `src` with `prio`.
pub fn advert(src: &str, prio: u8) -> Vec<u8> {
    advert_with(src, prio, |_| {})
}

/// Delivers raw IPv4 bytes on the seed interface.
pub fn feed(e: &mut Engine, bytes: &[u8], now: Duration) -> Vec<Output> {
    let mut out = Vec::new();
    feed_into(e, bytes, now, &mut out);
    out
}

/// Delivers raw IPv4 bytes on the seed interface, outputs appended to `out`.
pub fn feed_into(e: &mut Engine, bytes: &[u8], now: Duration, out: &mut Vec<Output>) {
    e.handle_into(
        Input::Packet(RxPacket {
            interface: IFACE,
            family: Family::V4,
            bytes,
            src: None,
            hop_limit: None,
        }),
        now,
        out,
    )
}

/// Info/Detail texts of outputs.
pub fn texts(outs: &[Output]) -> Vec<String> {
    outs.iter()
        .filter_map(|o| match &o.action {
            Action::Log(l) => Some(l.to_string()),
            _ => None,
        })
        .collect()
}

/// Priorities of the adverts in `outs`.
pub fn sent_prios(outs: &[Output]) -> Vec<u8> {
    outs.iter()
        .filter_map(|o| match &o.action {
            Action::SendAdvert { packet, .. } => Some(packet[22]),
            _ => None,
        })
        .collect()
}

/// Runs timers of a lone engine up to `until`; returns everything it did.
pub fn run_timers(e: &mut Engine, until: Duration) -> Vec<(Duration, Output)> {
    let mut all = Vec::new();
    while let Some(d) = e.next_deadline() {
        if d > until {
            break;
        }
        for o in e.handle(Input::Timer, d) {
            all.push((d, o));
        }
    }
    all
}

/// A lone engine for node B of the seed (BACKUP, 90) started at t=0.
pub fn backup_b() -> Engine {
    let (_, b) = seed_pair();
    let mut e = Engine::new(b);
    e.handle(Input::Start, Duration::ZERO);
    e
}

/// A lone engine that is MASTER with VIPs set (node A of the seed, run to t=2 s).
pub fn master_a() -> Engine {
    let (a, _) = seed_pair();
    let mut e = Engine::new(a);
    e.handle(Input::Start, Duration::ZERO);
    run_timers(&mut e, Duration::from_secs(2));
    assert_eq!(e.state(InstanceId(0)), State::Master);
    e
}
