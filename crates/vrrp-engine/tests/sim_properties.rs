//! Properties of the protocol over thousands of seeded random runs of the simulated LAN
//! (loss, delay, jitter, partitions and heals, crashes and restarts, link cuts).
//! `SIM_RUNS` overrides the number of runs per property (default 2000).

mod sim;

use std::net::Ipv4Addr;
use std::time::Duration;

use sim::*;
use vrrp_engine::{EngineConfig, InitialState, State};

const ADVERT: Duration = Duration::from_secs(1);

fn runs() -> u64 {
    std::env::var("SIM_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

fn addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 168, 1, 10 + i as u8)
}

fn md(prio: u8) -> Duration {
    Duration::from_secs(3) + Duration::from_micros((256 - u64::from(prio)) * 1_000_000 / 256)
}

/// Random node configs: `distinct` priorities or not.
fn random_nodes(rng: &mut SplitMix64, n: usize, distinct: bool) -> Vec<EngineConfig> {
    let mut prios: Vec<u8> = Vec::new();
    while prios.len() < n {
        let p = 1 + rng.below(254) as u8;
        if !distinct || !prios.contains(&p) {
            prios.push(p);
        }
    }
    prios
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let st = if rng.chance(0.5) {
                InitialState::Master
            } else {
                InitialState::Backup
            };
            single(seed_instance("VI_1", st, p, addr(i)))
        })
        .collect()
}

/// Who should be MASTER among alive nodes: highest priority, ties to the highest address.
fn expected_master(s: &Sim) -> usize {
    (0..s.nodes.len())
        .filter(|&i| s.nodes[i].alive)
        .max_by_key(|&i| (s.prio(i), s.nodes[i].addr))
        .unwrap()
}

fn masters(s: &Sim) -> Vec<usize> {
    (0..s.nodes.len())
        .filter(|&i| s.nodes[i].alive && s.state(i) == State::Master)
        .collect()
}

/// A random chaotic period, then everything heals at the returned time.
fn chaos(s: &mut Sim, rng: &mut SplitMix64) -> Duration {
    let n = s.nodes.len();
    let end = s.now + Duration::from_millis(2000 + rng.below(40_000));
    while s.now < end {
        let step = Duration::from_millis(100 + rng.below(5000));
        s.run_for(step);
        match rng.below(6) {
            0 => {
                for p in s.partition.iter_mut() {
                    *p = rng.below(2) as u32;
                }
            }
            1 => s.partition.iter_mut().for_each(|p| *p = 0),
            2 => {
                let i = rng.below(n as u64) as usize;
                if s.nodes[i].alive {
                    s.crash(i);
                } else {
                    s.restart(i);
                }
            }
            3 => {
                let i = rng.below(n as u64) as usize;
                let up = !s.nodes[i].link_up;
                s.set_link(i, up);
            }
            4 => s.loss = rng.unit() * 0.6,
            _ => {}
        }
    }
    // Heal: no loss, one segment, every node alive with its link up.
    s.loss = 0.0;
    s.partition.iter_mut().for_each(|p| *p = 0);
    for i in 0..n {
        if !s.nodes[i].link_up {
            s.set_link(i, true);
        }
        if !s.nodes[i].alive {
            s.restart(i);
        }
    }
    s.now
}

fn new_sim(seed: u64, distinct: bool) -> (Sim, SplitMix64) {
    let mut rng = SplitMix64(seed);
    let n = 2 + rng.below(4) as usize;
    let nodes = random_nodes(&mut rng, n, distinct);
    let mut s = Sim::new(nodes, seed ^ 0x5eed);
    s.delay = Duration::from_micros(rng.below(50_000));
    s.jitter = Duration::from_micros(rng.below(20_000));
    s.start_all();
    (s, rng)
}

/// After the network is stable for master_down + one advert (plus the one-way delays the
/// decisive adverts take), exactly one MASTER, and it is the highest-priority node.
#[test]
fn one_master_with_highest_priority_after_stability() {
    for seed in 0..runs() {
        let (mut s, mut rng) = new_sim(seed, true);
        let healed = chaos(&mut s, &mut rng);
        let slack = (s.delay + s.jitter) * 3 + Duration::from_millis(1);
        let worst_md = md(1);
        s.run_until(healed + worst_md + ADVERT + slack);
        let m = masters(&s);
        assert_eq!(m.len(), 1, "seed {seed}: masters {m:?}");
        assert_eq!(m[0], expected_master(&s), "seed {seed}");
        // And it stays that way.
        s.run_for(Duration::from_secs(10));
        assert_eq!(masters(&s), m, "seed {seed}: not stable");
        let holders: Vec<usize> = (0..s.nodes.len())
            .filter(|&i| !s.nodes[i].held.is_empty())
            .collect();
        assert_eq!(holders, m, "seed {seed}: VIP holders");
    }
}

/// Equal priorities: when the contenders are MASTER at the same time, the highest address
/// wins (RFC 3768 §6.4.3); a BACKUP does not preempt an equal-priority MASTER.
#[test]
fn equal_priority_tie_goes_to_highest_address() {
    for seed in 0..runs() / 4 {
        let mut rng = SplitMix64(seed);
        let n = 2 + rng.below(4) as usize;
        let p = 1 + rng.below(254) as u8;
        let nodes = (0..n)
            .map(|i| single(seed_instance("VI_1", InitialState::Master, p, addr(i))))
            .collect();
        let mut s = Sim::new(nodes, seed);
        s.delay = Duration::from_micros(rng.below(50_000));
        s.start_all();
        s.run_for(Duration::from_secs(5));
        assert_eq!(masters(&s), vec![n - 1], "seed {seed}");
    }
}

/// After a heal, no VIP is held by two nodes for longer than one advert interval.
#[test]
fn no_vip_held_twice_longer_than_one_advert_after_heal() {
    let mut split_brains = 0;
    for seed in 0..runs() {
        let (mut s, mut rng) = new_sim(seed.wrapping_mul(7919), true);
        // A crashed node keeps its (stale) VIP until the heal restarts it: that counts.
        let healed = chaos(&mut s, &mut rng);
        s.run_until(healed + Duration::from_secs(15));
        let slack = (s.delay + s.jitter) * 3 + Duration::from_millis(1);
        let held_now: Vec<bool> = s.nodes.iter().map(|n| !n.held.is_empty()).collect();
        assert!(held_now.iter().filter(|h| **h).count() <= 1, "seed {seed}");
        // Every period of double holding after the heal (a leftover split brain, or two
        // backups whose master-down timers expire together) lasts at most one advert.
        if let Some(len) = s.longest_double_holding_after(healed) {
            assert!(
                len <= ADVERT + slack,
                "seed {seed}: VIP held twice for {len:?} after the heal at {healed:?}"
            );
        }
        if s.last_double_holding_end(Duration::ZERO).is_some() {
            split_brains += 1;
        }
    }
    // The chaos really produces split brains for the property to be about.
    assert!(
        split_brains * 10 > runs(),
        "only {split_brains} runs had a split brain"
    );
}

/// With a stable LAN, the highest backup takes over exactly Master_Down_Interval after it
/// received the crashed master's last advert.
#[test]
fn failover_exactly_master_down_after_last_advert() {
    for seed in 0..runs() {
        let mut rng = SplitMix64(seed.wrapping_add(1 << 40));
        let n = 2 + rng.below(4) as usize;
        let nodes = random_nodes(&mut rng, n, true);
        let mut s = Sim::new(nodes, seed);
        s.delay = Duration::from_micros(rng.below(50_000));
        s.start_all();
        s.run_for(Duration::from_secs(8));
        let old = masters(&s);
        assert_eq!(old.len(), 1, "seed {seed}");
        let old = old[0];
        s.run_for(Duration::from_micros(rng.below(3_000_000)));
        let crash_at = s.now;
        s.crash(old);
        s.run_for(Duration::from_secs(6));
        let new = expected_master(&s);
        assert_eq!(masters(&s), vec![new], "seed {seed}");
        let last_rx = s
            .deliveries
            .iter()
            .filter(|d| d.1 == old && d.2 == new && d.0 <= crash_at + s.delay)
            .map(|d| d.0)
            .max()
            .unwrap();
        let took = s
            .trace
            .iter()
            .filter(|e| e.node == new && e.at > crash_at)
            .find_map(|e| match &e.out.action {
                vrrp_engine::Action::Log(l)
                    if l.to_string() == "VRRP_Instance(VI_1) Transition to MASTER STATE" =>
                {
                    Some(e.at)
                }
                _ => None,
            })
            .unwrap();
        assert_eq!(took - last_rx, md(s.prio(new)), "seed {seed}");
    }
}
