//! Per virtual server / real server state and 1.3.5's pool logic (`ipwrapper.c`):
//! adding and removing destinations, inhibit_on_failure, quorum and the sorry server.

use std::collections::VecDeque;
use std::time::Duration;

use crate::config::{Checker, Dest, ServiceSpec};
use crate::event::{CheckEvent, Endpoint, ScriptReason};
use crate::io::Action;
use crate::ipvs_op::IpvsOp;

pub(crate) type Out<P> = VecDeque<Action<P>>;

/// A destination's IPVS bookkeeping (1.3.5's `alive` and `set`).
#[derive(Debug, Clone)]
pub(crate) struct DestState {
    /// Configured destination; `dest.weight` is the configured weight (`iweight`).
    pub(crate) dest: Dest,
    /// Current weight (`misc_dynamic` changes it).
    pub(crate) weight: u32,
    pub(crate) inhibit: bool,
    /// 1.3.5's ISALIVE.
    pub(crate) alive: bool,
    /// 1.3.5's `set`: the dest exists in IPVS (possibly at weight 0 when inhibited).
    pub(crate) set: bool,
}

impl DestState {
    pub(crate) fn new(dest: Dest, inhibit: bool) -> Self {
        DestState {
            dest,
            weight: dest.weight,
            inhibit,
            alive: false,
            set: false,
        }
    }

    pub(crate) fn endpoint(&self) -> Endpoint {
        Endpoint {
            addr: self.dest.addr,
            port: self.dest.port,
        }
    }

    fn with_weight(&self, weight: u32) -> Dest {
        Dest {
            weight,
            ..self.dest
        }
    }

    /// 1.3.5's `ipvs_cmd(LVS_CMD_ADD_DEST / LVS_CMD_DEL_DEST)` on every service, with its
    /// inhibit rewriting: removal of an inhibited dest sets weight 0, and adding an
    /// inhibited dest that is still set restores its weight.
    pub(crate) fn ipvs<P>(&mut self, add: bool, services: &[ServiceSpec], out: &mut Out<P>) {
        for s in services {
            let op = if add {
                if self.inhibit && self.set {
                    IpvsOp::UpdateDest {
                        service: s.key,
                        dest: self.with_weight(self.weight),
                    }
                } else {
                    IpvsOp::AddDest {
                        service: s.key,
                        dest: self.with_weight(self.weight),
                    }
                }
            } else if self.inhibit {
                IpvsOp::UpdateDest {
                    service: s.key,
                    dest: self.with_weight(0),
                }
            } else {
                IpvsOp::DelDest {
                    service: s.key,
                    addr: self.dest.addr,
                    port: self.dest.port,
                }
            };
            out.push_back(Action::Ipvs(op));
        }
        if add {
            self.set = true;
        } else if !self.inhibit {
            self.set = false;
        }
    }

    /// What this dest looks like in IPVS now, if it is there (for a service created
    /// after the others, e.g. a group entry added by a reload).
    pub(crate) fn programmed(&self, pool_open: bool) -> Option<Dest> {
        if !self.set {
            return None;
        }
        let w = if self.alive && pool_open {
            self.weight
        } else {
            0
        };
        Some(self.with_weight(w))
    }

    /// Unconditional removal (reload/teardown): 1.3.5 clears `inhibit` first.
    pub(crate) fn remove_now<P>(&mut self, services: &[ServiceSpec], out: &mut Out<P>) {
        if self.set {
            for s in services {
                out.push_back(Action::Ipvs(IpvsOp::DelDest {
                    service: s.key,
                    addr: self.dest.addr,
                    port: self.dest.port,
                }));
            }
        }
        self.set = false;
    }
}

/// One real server.
#[derive(Debug, Clone)]
pub(crate) struct RsState {
    pub(crate) d: DestState,
    pub(crate) notify_up: Option<String>,
    pub(crate) notify_down: Option<String>,
    /// Checker ids in configuration order.
    pub(crate) checkers: Vec<u32>,
    /// How many of them are down (1.3.5's `failed_checkers` list length).
    pub(crate) failed: u32,
}

/// One virtual server.
#[derive(Debug, Clone)]
pub(crate) struct VsState {
    pub(crate) name: String,
    pub(crate) services: Vec<ServiceSpec>,
    pub(crate) delay_loop: Duration,
    pub(crate) alpha: bool,
    pub(crate) omega: bool,
    pub(crate) quorum: u32,
    pub(crate) hysteresis: u32,
    pub(crate) quorum_up_script: Option<String>,
    pub(crate) quorum_down_script: Option<String>,
    pub(crate) sorry: Option<DestState>,
    pub(crate) ha_suspend: bool,
    /// Checkers run (false while ha_suspend finds no virtual address on the host).
    pub(crate) enabled: bool,
    /// 1.3.5's `quorum_state == UP` (initially UP).
    pub(crate) quorum_ok: bool,
    pub(crate) rss: Vec<RsState>,
}

impl VsState {
    /// Real servers may be in the pool: quorum held, or no sorry server in it
    /// (1.3.5's `quorum_state == UP || !vs->s_svr || !ISALIVE(vs->s_svr)`).
    pub(crate) fn pool_open(&self) -> bool {
        self.quorum_ok || !self.sorry.as_ref().is_some_and(|s| s.alive)
    }

    /// 1.3.5's `weigh_live_realservers`.
    pub(crate) fn alive_weight(&self) -> i64 {
        self.rss
            .iter()
            .filter(|r| r.d.alive)
            .map(|r| i64::from(r.d.weight))
            .sum()
    }

    fn down_threshold(&self) -> i64 {
        i64::from(self.quorum) - i64::from(self.hysteresis)
    }

    fn vs_script<P>(&self, script: &Option<String>, reason: ScriptReason, out: &mut Out<P>) {
        if let Some(path) = script {
            out.push_back(Action::Event(CheckEvent::ExecutingVsScript {
                script: path.clone(),
                vs: self.name.clone(),
            }));
            out.push_back(Action::Script {
                path: path.clone(),
                reason,
            });
        }
    }

    fn rs_script<P>(&self, rs: usize, up: bool, out: &mut Out<P>) {
        let r = &self.rss[rs];
        let (script, reason) = if up {
            (&r.notify_up, ScriptReason::RealServerUp)
        } else {
            (&r.notify_down, ScriptReason::RealServerDown)
        };
        if let Some(path) = script {
            out.push_back(Action::Event(CheckEvent::ExecutingRealServerScript {
                script: path.clone(),
                rs: r.d.endpoint(),
                vs: self.name.clone(),
            }));
            out.push_back(Action::Script {
                path: path.clone(),
                reason,
            });
        }
    }

    /// 1.3.5's `perform_svr_state`: a real server changes state.
    pub(crate) fn set_rs_alive<P>(&mut self, rs: usize, alive: bool, out: &mut Out<P>) {
        if self.rss[rs].d.alive == alive {
            return;
        }
        let ep = self.rss[rs].d.endpoint();
        let inhibit = self.rss[rs].d.inhibit;
        out.push_back(Action::Event(if alive {
            CheckEvent::RealServerUp {
                rs: ep,
                vs: self.name.clone(),
                inhibit,
            }
        } else {
            CheckEvent::RealServerDown {
                rs: ep,
                vs: self.name.clone(),
                inhibit,
            }
        }));
        // While the sorry server stands in, the pool is left alone.
        if self.pool_open() {
            self.rss[rs].d.ipvs(alive, &self.services, out);
        }
        self.rss[rs].d.alive = alive;
        self.rs_script(rs, alive, out);
        self.update_quorum(out);
    }

    /// 1.3.5's `update_svr_wgt`.
    pub(crate) fn set_rs_weight<P>(
        &mut self,
        rs: usize,
        weight: u32,
        update_quorum: bool,
        out: &mut Out<P>,
    ) {
        let pool_open = self.pool_open();
        let r = &mut self.rss[rs];
        if r.d.weight == weight {
            return;
        }
        out.push_back(Action::Event(CheckEvent::WeightChanged {
            from: r.d.weight,
            to: weight,
            active: r.d.alive,
            rs: r.d.endpoint(),
            vs: self.name.clone(),
        }));
        r.d.weight = weight;
        if r.d.set && r.d.alive && pool_open {
            for s in &self.services {
                out.push_back(Action::Ipvs(IpvsOp::UpdateDest {
                    service: s.key,
                    dest: r.d.with_weight(weight),
                }));
            }
        }
        if update_quorum {
            self.update_quorum(out);
        }
    }

    /// 1.3.5's `perform_quorum_state`: add or remove the alive real servers.
    pub(crate) fn alive_pool<P>(&mut self, add: bool, out: &mut Out<P>) {
        if self.rss.is_empty() {
            return;
        }
        out.push_back(Action::Event(CheckEvent::AlivePool {
            add,
            vs: self.name.clone(),
        }));
        for r in self.rss.iter_mut().filter(|r| r.d.alive) {
            r.d.ipvs(add, &self.services, out);
        }
    }

    /// 1.3.5's `update_quorum_state`.
    pub(crate) fn update_quorum<P>(&mut self, out: &mut Out<P>) {
        let weight = self.alive_weight();
        let up_threshold = i64::from(self.quorum) + i64::from(self.hysteresis);
        let down_threshold = self.down_threshold();
        if !self.quorum_ok && weight >= up_threshold {
            self.quorum_ok = true;
            out.push_back(Action::Event(CheckEvent::QuorumGained {
                quorum: self.quorum,
                hysteresis: self.hysteresis,
                threshold: up_threshold,
                weight,
                vs: self.name.clone(),
            }));
            if let Some(s) = self.sorry.as_mut().filter(|s| s.alive) {
                out.push_back(Action::Event(CheckEvent::SorryServerRemoved {
                    rs: s.endpoint(),
                    vs: self.name.clone(),
                    inhibit: s.inhibit,
                }));
                s.ipvs(false, &self.services, out);
                s.alive = false;
                self.alive_pool(true, out);
            }
            let script = self.quorum_up_script.clone();
            self.vs_script(&script, ScriptReason::QuorumUp, out);
            return;
        }
        if self.quorum_ok && (weight == 0 || weight < down_threshold) {
            self.quorum_ok = false;
            out.push_back(Action::Event(CheckEvent::QuorumLost {
                quorum: self.quorum,
                hysteresis: self.hysteresis,
                threshold: down_threshold,
                weight,
                vs: self.name.clone(),
            }));
            let script = self.quorum_down_script.clone();
            self.vs_script(&script, ScriptReason::QuorumDown, out);
        }
        if !self.quorum_ok {
            if let Some(s) = self.sorry.as_mut().filter(|s| !s.alive) {
                out.push_back(Action::Event(CheckEvent::SorryServerAdded {
                    rs: s.endpoint(),
                    vs: self.name.clone(),
                    inhibit: s.inhibit,
                }));
                s.ipvs(true, &self.services, out);
                s.alive = true;
                self.alive_pool(false, out);
            }
        }
    }

    /// 1.3.5's `clear_service_rs` for one real server (teardown / reload removal): the
    /// dest leaves IPVS (inhibit ignored; `remove_dests` false when the whole service is
    /// about to be deleted), and with `omega` the notifiers run.
    pub(crate) fn clear_rs<P>(
        &mut self,
        rs: usize,
        omega: bool,
        remove_dests: bool,
        out: &mut Out<P>,
    ) {
        if self.rss[rs].d.alive {
            out.push_back(Action::Event(CheckEvent::RealServerDown {
                rs: self.rss[rs].d.endpoint(),
                vs: self.name.clone(),
                inhibit: false,
            }));
            self.rss[rs].d.alive = false;
            if omega {
                self.rs_script(rs, false, out);
                let weight = self.alive_weight();
                if self.quorum_ok && (weight == 0 || weight < self.down_threshold()) {
                    self.quorum_ok = false;
                    let script = self.quorum_down_script.clone();
                    self.vs_script(&script, ScriptReason::QuorumDown, out);
                }
            }
        }
        if remove_dests {
            let services = std::mem::take(&mut self.services);
            self.rss[rs].d.remove_now(&services, out);
            self.services = services;
        } else {
            self.rss[rs].d.set = false;
        }
    }
}

/// One checker.
#[derive(Debug, Clone)]
pub(crate) struct CheckerSlot<P> {
    pub(crate) vs: usize,
    pub(crate) rs: usize,
    pub(crate) cfg: Checker<P>,
    /// Effective delay_loop (the checker's own, else the VS's).
    pub(crate) delay_loop: Duration,
    /// In the real server's failed set.
    pub(crate) failed: bool,
    /// Failed attempts in the current retry cycle.
    pub(crate) retry_it: u32,
    pub(crate) in_flight: bool,
    pub(crate) launched_at: Duration,
    /// The live timer entry, if any.
    pub(crate) deadline: Option<Duration>,
}
