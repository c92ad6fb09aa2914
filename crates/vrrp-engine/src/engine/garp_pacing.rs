//! GARP/NA pacing per interface: `garp_group { garp_interval gna_interval }` and the global
//! `vrrp_garp_interval` / `vrrp_gna_interval`, scheduled as keepalived 1.3.5 does
//! (`vrrp_arp.c` / `vrrp_ndisc.c` `send_gratuitous_arp` / `ndisc_send_unsolicited_na`, and
//! `vrrp_scheduler.c` `vrrp_arp_thread`):
//!
//! - a frame for an address on a paced interface leaves at once if no frame of its kind has
//!   left there yet or the interval since the last one has passed; sending sets the
//!   interface's next allowed time to now + interval;
//! - otherwise the address is marked pending (a flag, not a count: further repeats of a burst
//!   for an address already pending add nothing, so a 5-frame burst on a paced interface
//!   becomes one frame now and one when the interval allows — 1.3.5 and 2.2.7 both do this);
//! - one wake-up, never later than now + interval of the latest queueing, sends what is due,
//!   in instance order and within an instance in address order, at most one frame per
//!   interface and kind per interval, and re-arms for the earliest pending interface;
//! - pending frames of an instance are dropped when it leaves MASTER, and at the wake-up when
//!   it no longer holds its addresses; a reload starts afresh (1.3.5 frees its delay
//!   records).
//!
//! It works on the engine's outputs after each input: `SendGarp { vips, count }` for
//! unpaced addresses passes unchanged; with a paced address the burst is expanded into
//! one-frame `SendGarp`s in keepalived's order (repeat by repeat, address by address), some
//! now and some from later timer inputs. No I/O: times are the engine's virtual clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::config::{GarpIntervals, GarpPacing, Vip};

use super::{Action, InstanceId, Output, State};

/// Send state of one interface.
#[derive(Debug, Clone, Copy)]
struct IfState {
    intervals: GarpIntervals,
    /// Earliest time the next gratuitous ARP may leave (`None`: none sent yet).
    garp_next: Option<Duration>,
    /// Earliest time the next unsolicited NA may leave.
    gna_next: Option<Duration>,
}

impl IfState {
    fn new(intervals: GarpIntervals) -> Self {
        IfState {
            intervals,
            garp_next: None,
            gna_next: None,
        }
    }

    /// Interval and next-send slot for frames about `addr` (`None`: that kind is unpaced).
    fn slot(&mut self, addr: &IpAddr) -> Option<(Duration, &mut Option<Duration>)> {
        match addr {
            IpAddr::V4(_) => self.intervals.garp.map(|i| (i, &mut self.garp_next)),
            IpAddr::V6(_) => self.intervals.gna.map(|i| (i, &mut self.gna_next)),
        }
    }
}

/// An address waiting for its interface's interval.
#[derive(Debug, Clone)]
struct Pending {
    instance: usize,
    /// Position of the address in the burst that queued it (the instance's VIPs then eVIPs).
    pos: usize,
    vip: Vip,
}

/// The pacing state of the whole engine (keepalived keeps it per interface, shared by every
/// instance using the interface).
#[derive(Debug, Default)]
pub(crate) struct GarpPacer {
    active: bool,
    default: Option<GarpIntervals>,
    ifs: HashMap<String, IfState>,
    /// Pending addresses, ordered by (instance, position); at most one entry per (instance,
    /// address), so it is bounded by the configuration.
    pending: Vec<Pending>,
    /// When the pending addresses must be looked at again.
    wake: Option<Duration>,
}

impl GarpPacer {
    /// Pacing for `cfg`, nothing sent yet.
    pub(crate) fn new(cfg: &GarpPacing) -> Self {
        GarpPacer {
            active: cfg.is_active(),
            default: cfg.default,
            ifs: cfg
                .interfaces
                .iter()
                .map(|(name, i)| (name.clone(), IfState::new(*i)))
                .collect(),
            pending: Vec::new(),
            wake: None,
        }
    }

    /// When [`GarpPacer::pace`] must run again with nothing else happening.
    pub(crate) fn deadline(&self) -> Option<Duration> {
        self.wake
    }

    /// The send state of `dev`; interfaces no `garp_group` names take the global default.
    fn interface(&mut self, dev: &str) -> Option<&mut IfState> {
        if !self.ifs.contains_key(dev) {
            let d = self.default?;
            self.ifs.insert(dev.to_string(), IfState::new(d));
        }
        self.ifs.get_mut(dev)
    }

    fn is_paced(&mut self, v: &Vip) -> bool {
        self.interface(&v.dev)
            .is_some_and(|s| s.slot(&v.addr).is_some())
    }

    /// Paces the outputs appended since `start` and sends pending addresses that are due at
    /// `now`. `holding(i)`: instance `i` is MASTER with its addresses set.
    pub(crate) fn pace(
        &mut self,
        start: usize,
        now: Duration,
        out: &mut Vec<Output>,
        holding: impl Fn(usize) -> bool,
    ) {
        if !self.active {
            return;
        }
        let touches = out.get(start..).is_some_and(|tail| {
            tail.iter().any(|o| {
                matches!(
                    o.action,
                    Action::SendGarp { .. }
                        | Action::StateChanged {
                            from: State::Master,
                            ..
                        }
                )
            })
        });
        if touches {
            let tail: Vec<Output> = out.drain(start..).collect();
            for o in tail {
                self.one(o, now, out);
            }
        }
        if self.wake.is_some_and(|w| w <= now) {
            self.fire(now, out, holding);
        }
    }

    /// Handles one output of the engine.
    fn one(&mut self, o: Output, now: Duration, out: &mut Vec<Output>) {
        let (Some(InstanceId(inst)), Action::SendGarp { vips, count }) = (o.instance, &o.action)
        else {
            if let (
                Some(InstanceId(i)),
                Action::StateChanged {
                    from: State::Master,
                    ..
                },
            ) = (o.instance, &o.action)
            {
                // vrrp_remove_delayed_arp: a mastership's queued frames end with it.
                self.pending.retain(|p| p.instance != i);
            }
            out.push(o);
            return;
        };
        if !vips.iter().any(|v| self.is_paced(v)) {
            out.push(o);
            return;
        }
        for _ in 0..*count {
            for (pos, v) in vips.iter().enumerate() {
                self.send_or_queue(inst, pos, v, now, out);
            }
        }
    }

    /// keepalived's `send_gratuitous_arp` / `ndisc_send_unsolicited_na`.
    fn send_or_queue(
        &mut self,
        inst: usize,
        pos: usize,
        v: &Vip,
        now: Duration,
        out: &mut Vec<Output>,
    ) {
        let Some((interval, next)) = self.interface(&v.dev).and_then(|s| s.slot(&v.addr)) else {
            out.push(single(inst, v));
            return;
        };
        if next.is_some_and(|n| now < n) {
            self.queue(inst, pos, v, now + interval);
            return;
        }
        *next = Some(now + interval);
        out.push(single(inst, v));
    }

    /// Marks `v` pending (once) and makes sure the wake-up is no later than `at`.
    fn queue(&mut self, inst: usize, pos: usize, v: &Vip, at: Duration) {
        let key = (inst, pos);
        let already = self
            .pending
            .iter()
            .any(|p| p.instance == inst && p.vip.addr == v.addr && p.vip.dev == v.dev);
        if !already {
            let at_pos = self.pending.partition_point(|p| (p.instance, p.pos) <= key);
            self.pending.insert(
                at_pos,
                Pending {
                    instance: inst,
                    pos,
                    vip: v.clone(),
                },
            );
        }
        if self.wake.is_none_or(|w| at < w) {
            self.wake = Some(at);
        }
    }

    /// keepalived's `vrrp_arp_thread`: sends every pending address whose interface allows it
    /// now, keeps the others and wakes again for the earliest of them.
    fn fire(&mut self, now: Duration, out: &mut Vec<Output>, holding: impl Fn(usize) -> bool) {
        self.wake = None;
        let pending = std::mem::take(&mut self.pending);
        let mut next_wake: Option<Duration> = None;
        for p in pending {
            if !holding(p.instance) {
                continue;
            }
            let Some((interval, next)) =
                self.interface(&p.vip.dev).and_then(|s| s.slot(&p.vip.addr))
            else {
                continue;
            };
            match *next {
                Some(n) if now < n => {
                    next_wake = Some(next_wake.map_or(n, |w| w.min(n)));
                    self.pending.push(p);
                }
                _ => {
                    *next = Some(now + interval);
                    out.push(single(p.instance, &p.vip));
                }
            }
        }
        self.wake = next_wake;
    }
}

/// One frame for one address.
fn single(inst: usize, v: &Vip) -> Output {
    Output {
        instance: Some(InstanceId(inst)),
        action: Action::SendGarp {
            vips: vec![v.clone()],
            count: 1,
        },
    }
}
