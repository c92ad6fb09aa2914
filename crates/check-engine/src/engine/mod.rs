//! The engine: [`CheckEngine`].

mod probe;
mod reconfigure;
mod state;
mod status;
mod timers;

#[cfg(test)]
mod tests;

use std::collections::{HashSet, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use crate::config::{CheckConfig, CheckerId, RealServer, ServiceKey, VirtualServer};
use crate::event::CheckEvent;
use crate::io::{Action, Input};
use crate::ipvs_op::IpvsOp;

pub use status::{RsStatus, Status, VsStatus};

use state::{CheckerSlot, DestState, Out, RsState, VsState};
use timers::Timers;

/// keepalived 1.3.5's health-checker logic for a set of virtual servers; see the crate
/// documentation for the model.
#[derive(Debug)]
pub struct CheckEngine<P> {
    vss: Vec<VsState>,
    /// Indexed by `CheckerId.0`; `None` once removed by a reload (ids are not reused).
    checkers: Vec<Option<CheckerSlot<P>>>,
    timers: Timers,
    out: Out<P>,
    /// Addresses on the host (ha_suspend), as last reported.
    present: HashSet<IpAddr>,
    /// Services this engine created (and so may update or delete).
    owned: HashSet<ServiceKey>,
}

impl<P: Clone + PartialEq> CheckEngine<P> {
    /// Builds the engine and queues the start-up actions: every service is created, real
    /// servers are added (unless `alpha`), quorum is evaluated (which may put the sorry
    /// server in), and each checker's first probe is scheduled at `now` + 1 s + its warmup
    /// offset.
    pub fn new(cfg: CheckConfig<P>, now: Duration) -> Self {
        let mut e = CheckEngine {
            vss: Vec::with_capacity(cfg.virtual_servers.len()),
            checkers: Vec::new(),
            timers: Timers::default(),
            out: VecDeque::new(),
            present: HashSet::new(),
            owned: HashSet::new(),
        };
        let mut new_checkers = Vec::new();
        for vs in cfg.virtual_servers {
            let idx = e.vss.len();
            e.start_vs(vs, idx, &mut new_checkers);
        }
        e.activate(&new_checkers, now);
        e
    }

    /// Feeds one input at time `now`.
    pub fn handle(&mut self, input: Input, now: Duration) {
        match input {
            Input::Timer => self.on_timer(now),
            Input::ProbeDone { checker, outcome } => self.on_probe_done(checker, outcome, now),
            Input::AddressPresence { addr, present } => self.on_address(addr, present),
        }
        self.purge_stale_timers();
    }

    /// Next queued action, oldest first.
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.out.pop_front()
    }

    /// When the daemon must next feed [`Input::Timer`] (`None`: nothing scheduled, e.g.
    /// every checker has a probe in flight).
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.timers.peek().map(|(at, _)| at)
    }

    /// Queues the removal of every service this engine created (SIGTERM; the daemon skips
    /// it with `-I`), with 1.3.5's teardown lines (`Removing service ...`, and the
    /// notifiers under `omega`). The engine is empty afterwards.
    pub fn shutdown(&mut self) {
        let mut vss = std::mem::take(&mut self.vss);
        for vs in &mut vss {
            self.teardown_vs(vs);
        }
        self.checkers.clear();
        self.timers.clear();
    }

    /// A snapshot for state dumps.
    pub fn status(&self) -> Status {
        Status {
            virtual_servers: self
                .vss
                .iter()
                .map(|vs| VsStatus {
                    name: vs.name.clone(),
                    quorum_up: vs.quorum_ok,
                    alive_weight: vs.alive_weight(),
                    sorry_server_active: vs.sorry.as_ref().is_some_and(|s| s.alive),
                    checkers_enabled: vs.enabled,
                    real_servers: vs
                        .rss
                        .iter()
                        .map(|r| RsStatus {
                            addr: r.d.dest.addr,
                            port: r.d.dest.port,
                            alive: r.d.alive,
                            weight: r.d.weight,
                            in_ipvs: r.d.set,
                            checkers: r.checkers.iter().map(|&c| CheckerId(c)).collect(),
                            failed_checkers: r
                                .checkers
                                .iter()
                                .filter(|&&c| self.slot(c).is_some_and(|s| s.failed))
                                .map(|&c| CheckerId(c))
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Number of live checkers.
    pub fn checker_count(&self) -> usize {
        self.checkers.iter().filter(|c| c.is_some()).count()
    }

    fn slot(&self, id: u32) -> Option<&CheckerSlot<P>> {
        self.checkers.get(id as usize).and_then(Option::as_ref)
    }

    fn slot_mut(&mut self, id: u32) -> Option<&mut CheckerSlot<P>> {
        self.checkers.get_mut(id as usize).and_then(Option::as_mut)
    }

    /// Whether the ha_suspend addresses of `services` are present.
    fn vs_enabled(&self, ha_suspend: bool, services: &[crate::config::ServiceSpec]) -> bool {
        !ha_suspend
            || services
                .iter()
                .filter_map(|s| s.key.addr())
                .any(|a| self.present.contains(&a))
    }

    /// Creates the state of one virtual server at index `idx` and queues 1.3.5's
    /// `init_service_vs`; its checkers' ids are appended to `new_checkers` (scheduled by
    /// [`Self::activate`]).
    fn start_vs(&mut self, vs: VirtualServer<P>, idx: usize, new_checkers: &mut Vec<u32>) {
        let enabled = self.vs_enabled(vs.ha_suspend, &vs.services);
        let mut st = VsState {
            name: vs.name,
            services: Vec::with_capacity(vs.services.len()),
            delay_loop: vs.delay_loop,
            alpha: vs.alpha,
            omega: vs.omega,
            quorum: vs.quorum,
            hysteresis: vs.hysteresis,
            quorum_up_script: vs.quorum_up,
            quorum_down_script: vs.quorum_down,
            sorry: vs
                .sorry_server
                .map(|d| DestState::new(d, vs.sorry_server_inhibit)),
            ha_suspend: vs.ha_suspend,
            enabled,
            quorum_ok: true,
            rss: Vec::with_capacity(vs.real_servers.len()),
        };
        for s in vs.services {
            if self.owned.insert(s.key) {
                self.out
                    .push_back(Action::Ipvs(IpvsOp::AddService(s.clone())));
                st.services.push(s);
            }
        }
        if vs.real_servers.is_empty() {
            self.out.push_back(Action::Event(CheckEvent::NoRealServers {
                vs: st.name.clone(),
            }));
        }
        let mut seen = HashSet::new();
        for rs in vs.real_servers {
            if !seen.insert(rs.dest.ident()) {
                continue;
            }
            let rs_idx = st.rss.len();
            let r = self.new_rs(&st, idx, rs_idx, rs, new_checkers);
            st.rss.push(r);
            self.init_rs(&mut st, rs_idx);
        }
        st.update_quorum(&mut self.out);
        self.vss.push(st);
    }

    /// Real server state with fresh checkers (failed from the start under `alpha`).
    fn new_rs(
        &mut self,
        vs: &VsState,
        vs_idx: usize,
        rs_idx: usize,
        rs: RealServer<P>,
        new_checkers: &mut Vec<u32>,
    ) -> RsState {
        let mut r = RsState {
            d: DestState::new(rs.dest, rs.inhibit_on_failure),
            notify_up: rs.notify_up,
            notify_down: rs.notify_down,
            checkers: Vec::with_capacity(rs.checkers.len()),
            failed: 0,
        };
        for c in rs.checkers {
            let id = self.new_checker(vs, vs_idx, rs_idx, c);
            if vs.alpha {
                if let Some(s) = self.slot_mut(id) {
                    s.failed = true;
                }
                r.failed += 1;
            }
            r.checkers.push(id);
            new_checkers.push(id);
        }
        r
    }

    fn new_checker(
        &mut self,
        vs: &VsState,
        vs_idx: usize,
        rs_idx: usize,
        cfg: crate::config::Checker<P>,
    ) -> u32 {
        let id = u32::try_from(self.checkers.len()).unwrap_or(u32::MAX);
        self.checkers.push(Some(CheckerSlot {
            vs: vs_idx,
            rs: rs_idx,
            delay_loop: cfg.delay_loop.unwrap_or(vs.delay_loop),
            cfg,
            failed: false,
            retry_it: 0,
            in_flight: false,
            launched_at: Duration::ZERO,
            deadline: None,
        }));
        id
    }

    /// 1.3.5's `init_service_rs` for a new real server: without alpha it is alive and
    /// added at once (only into an open pool: not while the sorry server stands in).
    fn init_rs(&mut self, vs: &mut VsState, rs: usize) {
        if vs.alpha {
            return;
        }
        let open = vs.pool_open();
        let r = &mut vs.rss[rs];
        if open {
            r.d.ipvs(true, &vs.services, &mut self.out);
        }
        r.d.alive = true;
    }

    /// 1.3.5's `register_checkers_thread` for these checkers: log the (de)activation and
    /// schedule the first probe at `now` + 1 s + warmup offset (warmup defaults to the
    /// delay_loop).
    fn activate(&mut self, ids: &[u32], now: Duration) {
        for &id in ids {
            let Some(slot) = self.slot(id) else { continue };
            let vs = &self.vss[slot.vs];
            let ev = if vs.enabled {
                CheckEvent::Activating {
                    vs: vs.name.clone(),
                }
            } else {
                CheckEvent::Deactivating {
                    vs: vs.name.clone(),
                }
            };
            let warmup = slot.cfg.warmup.unwrap_or(slot.delay_loop);
            let at = now
                .saturating_add(timers::BOOTSTRAP_DELAY)
                .saturating_add(timers::warmup_offset(warmup, id));
            self.out.push_back(Action::Event(ev));
            self.schedule_at(id, at);
        }
    }

    fn schedule_at(&mut self, id: u32, at: Duration) {
        if let Some(s) = self.slot_mut(id) {
            s.deadline = Some(at);
            self.timers.push(at, id);
        }
    }

    fn entry_live(&self, at: Duration, id: u32) -> bool {
        self.slot(id)
            .is_some_and(|s| s.deadline == Some(at) && !s.in_flight)
    }

    fn purge_stale_timers(&mut self) {
        while let Some((at, id)) = self.timers.peek() {
            if self.entry_live(at, id) {
                break;
            }
            self.timers.pop();
        }
    }

    fn on_timer(&mut self, now: Duration) {
        while let Some((at, id)) = self.timers.pop_due(now) {
            if !self.entry_live(at, id) {
                continue;
            }
            let Some(slot) = self.checkers.get_mut(id as usize).and_then(Option::as_mut) else {
                continue;
            };
            slot.deadline = None;
            if !self.vss[slot.vs].enabled {
                // 1.3.5: a disabled checker just re-arms its timer for a delay_loop.
                let at = timers::after(now, slot.delay_loop);
                slot.deadline = Some(at);
                self.timers.push(at, id);
                continue;
            }
            slot.in_flight = true;
            slot.launched_at = now;
            self.out.push_back(Action::Probe {
                checker: CheckerId(id),
                probe: slot.cfg.probe.clone(),
            });
        }
    }

    /// ha_suspend: a virtual address came or went.
    fn on_address(&mut self, addr: IpAddr, present: bool) {
        let changed = if present {
            self.present.insert(addr)
        } else {
            self.present.remove(&addr)
        };
        if !changed {
            return;
        }
        for i in 0..self.vss.len() {
            let vs = &self.vss[i];
            if !vs.ha_suspend || !vs.services.iter().any(|s| s.key.addr() == Some(addr)) {
                continue;
            }
            let enabled = self.vs_enabled(true, &vs.services);
            if enabled == vs.enabled {
                continue;
            }
            self.set_enabled(i, enabled);
        }
    }

    /// Logs `Activating`/`Suspending healthchecker` once per checker, as 1.3.5 does.
    fn set_enabled(&mut self, vs: usize, enabled: bool) {
        let v = &mut self.vss[vs];
        v.enabled = enabled;
        for r in &v.rss {
            for _ in &r.checkers {
                let name = v.name.clone();
                self.out.push_back(Action::Event(if enabled {
                    CheckEvent::Activating { vs: name }
                } else {
                    CheckEvent::Suspending { vs: name }
                }));
            }
        }
    }

    /// 1.3.5's `clear_service_vs`: the real servers leave (with omega's notifiers unless
    /// a sorry server is configured, as in 1.3.5), then the services are deleted.
    fn teardown_vs(&mut self, vs: &mut VsState) {
        if !vs.rss.is_empty() && vs.sorry.is_none() {
            let omega = vs.omega;
            for i in 0..vs.rss.len() {
                vs.clear_rs(i, omega, false, &mut self.out);
            }
        }
        for s in &vs.services {
            if self.owned.remove(&s.key) {
                self.out.push_back(Action::Ipvs(IpvsOp::DelService(s.key)));
            }
        }
        for r in &vs.rss {
            for &c in &r.checkers {
                if let Some(slot) = self.checkers.get_mut(c as usize) {
                    *slot = None;
                }
            }
        }
    }
}
