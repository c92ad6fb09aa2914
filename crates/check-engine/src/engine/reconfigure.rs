//! SIGHUP: apply the difference between the running and the new configuration
//! (1.3.5's `clear_diff_services` followed by `init_services`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::state::{DestState, RsState, VsState};
use super::CheckEngine;
use crate::config::{CheckConfig, RealServer, ServiceSpec, VirtualServer};
use crate::event::CheckEvent;
use crate::io::Action;
use crate::ipvs_op::IpvsOp;

/// The same virtual server in both configurations: same name and at least one IPVS
/// service in common (a group keeps its identity while entries come and go).
fn same_vs<P>(old: &VsState, new: &VirtualServer<P>) -> bool {
    old.name == new.name
        && ((old.services.is_empty() && new.services.is_empty())
            || new
                .services
                .iter()
                .any(|n| old.services.iter().any(|o| o.key == n.key)))
}

impl<P: Clone + PartialEq> CheckEngine<P> {
    /// Applies a new configuration (SIGHUP): only the difference is programmed; services
    /// and real servers present in both keep their IPVS entries and their up/down state,
    /// and unchanged checkers keep their id, schedule and retry state.
    pub fn reconfigure(&mut self, cfg: CheckConfig<P>, now: Duration) {
        let mut old: Vec<Option<VsState>> = std::mem::take(&mut self.vss)
            .into_iter()
            .map(Some)
            .collect();
        // Candidates by name, so matching stays linear with thousands of virtual servers.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, o) in old.iter().enumerate() {
            if let Some(o) = o {
                by_name.entry(o.name.as_str()).or_default().push(i);
            }
        }
        let mut taken = vec![false; old.len()];
        let matches: Vec<Option<usize>> = cfg
            .virtual_servers
            .iter()
            .map(|n| {
                let hit = by_name.get(n.name.as_str()).and_then(|c| {
                    c.iter()
                        .copied()
                        .find(|&i| !taken[i] && old[i].as_ref().is_some_and(|o| same_vs(o, n)))
                });
                if let Some(i) = hit {
                    taken[i] = true;
                }
                hit
            })
            .collect();
        drop(by_name);
        let kept: HashSet<usize> = matches.iter().flatten().copied().collect();

        // Phase 1: everything that goes away, before anything is created, so a service
        // moving between virtual servers is deleted before it is re-created.
        for (i, slot) in old.iter_mut().enumerate() {
            if kept.contains(&i) {
                continue;
            }
            if let Some(mut vs) = slot.take() {
                self.out
                    .push_back(Action::Event(CheckEvent::VirtualServerGone {
                        vs: vs.name.clone(),
                    }));
                self.teardown_vs(&mut vs);
            }
        }
        for (ni, n) in cfg.virtual_servers.iter().enumerate() {
            let Some(vs) = matches[ni].and_then(|oi| old[oi].as_mut()) else {
                continue;
            };
            let wanted: HashSet<_> = n.services.iter().map(|s| s.key).collect();
            let mut remaining = Vec::with_capacity(vs.services.len());
            for s in std::mem::take(&mut vs.services) {
                if wanted.contains(&s.key) {
                    remaining.push(s);
                } else if self.owned.remove(&s.key) {
                    self.out.push_back(Action::Ipvs(IpvsOp::DelService(s.key)));
                }
            }
            vs.services = remaining;
        }

        // Phase 2: the new configuration in order.
        let mut new_checkers = Vec::new();
        for (ni, n) in cfg.virtual_servers.into_iter().enumerate() {
            let idx = self.vss.len();
            match matches[ni].and_then(|oi| old[oi].take()) {
                Some(o) => self.update_vs(o, n, idx, &mut new_checkers),
                None => self.start_vs(n, idx, &mut new_checkers),
            }
        }
        self.activate(&new_checkers, now);
        self.purge_stale_timers();
    }

    /// Diffs one kept virtual server.
    fn update_vs(
        &mut self,
        mut o: VsState,
        n: VirtualServer<P>,
        idx: usize,
        new_checkers: &mut Vec<u32>,
    ) {
        // Real servers that are gone leave IPVS; 1.3.5 forces omega here so their
        // notifiers run, and clears inhibit so they really leave.
        let wanted: HashSet<_> = n.real_servers.iter().map(|r| r.dest.ident()).collect();
        for i in 0..o.rss.len() {
            if wanted.contains(&o.rss[i].d.dest.ident()) {
                continue;
            }
            self.out
                .push_back(Action::Event(CheckEvent::RealServerGone {
                    rs: o.rss[i].d.endpoint(),
                }));
            o.clear_rs(i, true, true, &mut self.out);
            for &c in &o.rss[i].checkers {
                if let Some(s) = self.checkers.get_mut(c as usize) {
                    *s = None;
                }
            }
        }

        let old_open = o.pool_open();
        let enabled = self.vs_enabled(n.ha_suspend, &n.services);
        let mut st = VsState {
            name: n.name,
            services: Vec::with_capacity(n.services.len()),
            delay_loop: n.delay_loop,
            alpha: n.alpha,
            omega: n.omega,
            quorum: n.quorum,
            hysteresis: n.hysteresis,
            quorum_up_script: n.quorum_up,
            quorum_down_script: n.quorum_down,
            sorry: None,
            ha_suspend: n.ha_suspend,
            enabled,
            quorum_ok: o.quorum_ok,
            rss: Vec::with_capacity(n.real_servers.len()),
        };

        // Services: changed ones are updated (1.3.5 leaves them as they were; see the
        // crate docs), new ones created now and filled below.
        let mut added: Vec<ServiceSpec> = Vec::new();
        for s in n.services {
            if let Some(os) = o.services.iter().find(|os| os.key == s.key) {
                if *os != s {
                    self.out
                        .push_back(Action::Ipvs(IpvsOp::UpdateService(s.clone())));
                }
                st.services.push(s);
            } else if self.owned.insert(s.key) {
                self.out
                    .push_back(Action::Ipvs(IpvsOp::AddService(s.clone())));
                added.push(s);
            }
        }

        // Real servers.
        let mut old_rss: Vec<Option<RsState>> =
            std::mem::take(&mut o.rss).into_iter().map(Some).collect();
        let old_by_ident: HashMap<_, usize> = old_rss
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.as_ref().map(|r| (r.d.dest.ident(), i)))
            .collect();
        let mut fresh = Vec::new();
        let mut reweigh = Vec::new();
        let mut revive = Vec::new();
        let mut kept_checkers = 0usize;
        let mut seen = HashSet::new();
        for rn in n.real_servers {
            if !seen.insert(rn.dest.ident()) {
                continue;
            }
            let rs_idx = st.rss.len();
            let found = old_by_ident.get(&rn.dest.ident()).copied();
            match found.and_then(|i| old_rss[i].take()) {
                Some(ro) => {
                    let (r, kept, revived) = self.carry_rs(
                        &st,
                        old_open,
                        (idx, rs_idx),
                        ro,
                        rn,
                        &mut reweigh,
                        new_checkers,
                    );
                    kept_checkers += kept;
                    if revived {
                        revive.push(rs_idx);
                    }
                    st.rss.push(r);
                }
                None => {
                    let r = self.new_rs(&st, idx, rs_idx, rn, new_checkers);
                    st.rss.push(r);
                    fresh.push(rs_idx);
                }
            }
        }

        // Sorry server: kept if the same (address, port), else the old one leaves.
        let mut sorry_left_pool = false;
        st.sorry = match (o.sorry.take(), n.sorry_server) {
            (Some(mut os), Some(ns)) if os.dest.ident() == ns.ident() => {
                if os.set && !os.alive && !n.sorry_server_inhibit {
                    // Parked at weight 0 for sorry_server_inhibit, which is now off.
                    os.remove_now(&st.services, &mut self.out);
                }
                os.dest = ns;
                os.weight = ns.weight;
                os.inhibit = n.sorry_server_inhibit;
                Some(os)
            }
            (old_sorry, new_sorry) => {
                if let Some(mut os) = old_sorry {
                    sorry_left_pool = os.alive;
                    os.remove_now(&st.services, &mut self.out);
                }
                new_sorry.map(|d| DestState::new(d, n.sorry_server_inhibit))
            }
        };
        if sorry_left_pool {
            // The alive real servers were out for the sorry server; with it gone they
            // return (1.3.5 leaves them out until a sorry server comes back, if ever).
            // A new sorry server comes in again below if quorum is still lost.
            st.alive_pool(true, &mut self.out);
        }

        // New services get the destinations the others have.
        let open = st.pool_open();
        for s in added {
            let sorry = st.sorry.as_ref().and_then(|d| d.programmed(true));
            let dests = st
                .rss
                .iter()
                .filter_map(|r| r.d.programmed(open))
                .chain(sorry);
            for dest in dests {
                self.out.push_back(Action::Ipvs(IpvsOp::AddDest {
                    service: s.key,
                    dest,
                }));
            }
            st.services.push(s);
        }

        for rs in fresh {
            self.init_rs(&mut st, rs);
        }
        for (rs, w) in reweigh {
            st.set_rs_weight(rs, w, false, &mut self.out);
        }
        for rs in revive {
            st.set_rs_alive(rs, true, &mut self.out);
        }
        if st.enabled != o.enabled {
            for _ in 0..kept_checkers {
                let vs = st.name.clone();
                self.out.push_back(Action::Event(if st.enabled {
                    CheckEvent::Activating { vs }
                } else {
                    CheckEvent::Suspending { vs }
                }));
            }
        }
        st.update_quorum(&mut self.out);
        self.vss.push(st);
    }

    /// Carries a kept real server's state into its new configuration. Returns the new
    /// state, how many checkers were kept, and whether it should come back up because
    /// the checkers that held it down are gone.
    #[allow(clippy::too_many_arguments)]
    fn carry_rs(
        &mut self,
        st: &VsState,
        old_open: bool,
        (vs_idx, rs_idx): (usize, usize),
        ro: RsState,
        rn: RealServer<P>,
        reweigh: &mut Vec<(usize, u32)>,
        new_checkers: &mut Vec<u32>,
    ) -> (RsState, usize, bool) {
        let mut d = ro.d;
        let iweight_changed = d.dest.weight != rn.dest.weight;
        let params_changed = d.dest.forwarding != rn.dest.forwarding
            || d.dest.upper_threshold != rn.dest.upper_threshold
            || d.dest.lower_threshold != rn.dest.lower_threshold;
        d.dest = rn.dest;
        if d.set && !(d.alive && old_open) && !rn.inhibit_on_failure {
            // It sat at weight 0 for inhibit_on_failure, which is now off.
            d.remove_now(&st.services, &mut self.out);
        }
        d.inhibit = rn.inhibit_on_failure;
        if params_changed {
            if let Some(dest) = d.programmed(old_open) {
                for s in &st.services {
                    self.out.push_back(Action::Ipvs(IpvsOp::UpdateDest {
                        service: s.key,
                        dest,
                    }));
                }
            }
        }
        if iweight_changed {
            reweigh.push((rs_idx, rn.dest.weight));
        }

        let mut old_ids: Vec<Option<u32>> = ro.checkers.into_iter().map(Some).collect();
        let mut r = RsState {
            d,
            notify_up: rn.notify_up,
            notify_down: rn.notify_down,
            checkers: Vec::with_capacity(rn.checkers.len()),
            failed: ro.failed,
        };
        let mut kept = 0;
        for c in rn.checkers {
            let hit = old_ids
                .iter()
                .position(|id| id.and_then(|id| self.slot(id)).is_some_and(|s| s.cfg == c));
            match hit.and_then(|i| old_ids[i].take()) {
                Some(id) => {
                    if let Some(s) = self.slot_mut(id) {
                        s.vs = vs_idx;
                        s.rs = rs_idx;
                        s.delay_loop = c.delay_loop.unwrap_or(st.delay_loop);
                    }
                    r.checkers.push(id);
                    kept += 1;
                }
                None => {
                    let id = self.new_checker(st, vs_idx, rs_idx, c);
                    if st.alpha {
                        if let Some(s) = self.slot_mut(id) {
                            s.failed = true;
                        }
                        r.failed += 1;
                    }
                    r.checkers.push(id);
                    new_checkers.push(id);
                }
            }
        }
        let mut dropped_failed = false;
        for id in old_ids.into_iter().flatten() {
            if let Some(slot) = self.checkers.get_mut(id as usize) {
                if slot.as_ref().is_some_and(|s| s.failed) {
                    r.failed = r.failed.saturating_sub(1);
                    dropped_failed = true;
                }
                *slot = None;
            }
        }
        let revive = dropped_failed && r.failed == 0 && !r.d.alive;
        (r, kept, revive)
    }
}
