//! A probe result: 1.3.5's per-checker epilogues (`tcp_epilog`, HTTP's `epilog` /
//! `timeout_epilog`, `smtp_final`, `misc_check_child_thread`, `dns_final`) and
//! `update_svr_checker_state`.

use std::time::Duration;

use super::timers;
use super::CheckEngine;
use crate::config::{CheckerId, CheckerKind};
use crate::event::{CheckEvent, SuccessWording};
use crate::io::{Action, ProbeOutcome};

impl<P: Clone + PartialEq> CheckEngine<P> {
    pub(super) fn on_probe_done(&mut self, id: CheckerId, outcome: ProbeOutcome, now: Duration) {
        let cid = id.0;
        let Some(slot) = self.slot_mut(cid) else {
            return; // removed by a reload, or never ours
        };
        if !slot.in_flight {
            return; // duplicate or unexpected result
        }
        slot.in_flight = false;
        let (vs, rs, was_failed, delay_loop) = (slot.vs, slot.rs, slot.failed, slot.delay_loop);
        let retries = slot.cfg.retries;
        let retry_delay = slot.cfg.delay_before_retry;
        let dynamic = slot.cfg.dynamic_weight;
        let launched_at = slot.launched_at;
        let kind = Kind::of(&slot.cfg.kind);

        let next = match outcome {
            ProbeOutcome::Up { weight } => {
                if let (true, Some(w)) = (dynamic, weight) {
                    self.vss[vs].set_rs_weight(rs, w, true, &mut self.out);
                }
                if was_failed {
                    self.push_success(cid, vs, rs);
                    self.set_checker_state(cid, true);
                }
                if let Some(s) = self.slot_mut(cid) {
                    s.retry_it = 0;
                }
                match kind {
                    Kind::Misc => launched_at.saturating_add(delay_loop).max(now),
                    _ => timers::after(now, delay_loop),
                }
            }
            ProbeOutcome::Inconclusive { .. } => timers::after(now, delay_loop),
            ProbeOutcome::Down { detail } => {
                if !was_failed {
                    self.out.push_back(Action::Event(CheckEvent::ProbeFailed {
                        checker: id,
                        detail,
                    }));
                }
                let Some(s) = self.slot_mut(cid) else { return };
                let (declare_down, at) = match kind {
                    // HTTP/SSL and DNS retry only while the checker is up ("do not retry if
                    // server is already known as dead"; dns_final acts only when it is up).
                    Kind::Web | Kind::Dns if was_failed => {
                        s.retry_it = 0;
                        (false, timers::after(now, delay_loop))
                    }
                    Kind::Misc => (true, launched_at.saturating_add(delay_loop).max(now)),
                    // dns_final retries a delay_loop later, not delay_before_retry.
                    Kind::Dns => {
                        if s.retry_it >= retries {
                            s.retry_it = 0;
                            (true, timers::after(now, delay_loop))
                        } else {
                            s.retry_it += 1;
                            (false, timers::after(now, delay_loop))
                        }
                    }
                    // TCP and SMTP retry in every state.
                    _ => {
                        if s.retry_it >= retries {
                            s.retry_it = 0;
                            (true, timers::after(now, delay_loop))
                        } else {
                            s.retry_it += 1;
                            (false, timers::after(now, retry_delay))
                        }
                    }
                };
                if declare_down && !was_failed {
                    if matches!(kind, Kind::Web | Kind::Tcp) && retries > 0 {
                        let ep = self.vss[vs].rss[rs].d.endpoint();
                        self.out
                            .push_back(Action::Event(CheckEvent::CheckFailedAfterRetries {
                                checker: id,
                                rs: ep,
                                retries,
                            }));
                    }
                    self.set_checker_state(cid, false);
                }
                at
            }
        };
        self.schedule_at(cid, next);
    }

    fn push_success(&mut self, cid: u32, vs: usize, rs: usize) {
        let Some(slot) = self.slot(cid) else { return };
        let (wording, path) = match &slot.cfg.kind {
            CheckerKind::Http | CheckerKind::Ssl => (SuccessWording::Web, String::new()),
            CheckerKind::Tcp => (SuccessWording::Tcp, String::new()),
            CheckerKind::Smtp => (SuccessWording::Smtp, String::new()),
            CheckerKind::Misc { path } => (SuccessWording::Misc, path.clone()),
            // dns_final logs nothing when a server comes back (it only mails).
            CheckerKind::Dns => return,
        };
        let ep = self.vss[vs].rss[rs].d.endpoint();
        self.out
            .push_back(Action::Event(CheckEvent::CheckSucceeded {
                checker: CheckerId(cid),
                wording,
                rs: ep,
                path,
            }));
    }

    /// 1.3.5's `update_svr_checker_state`: the real server goes up when its last failed
    /// checker recovers, and down when its first checker fails.
    pub(super) fn set_checker_state(&mut self, cid: u32, up: bool) {
        let Some(slot) = self.checkers.get_mut(cid as usize).and_then(Option::as_mut) else {
            return;
        };
        let (vs, rs, failed) = (slot.vs, slot.rs, slot.failed);
        slot.failed = !up;
        let count = self.vss[vs].rss[rs].failed;
        if up {
            if failed {
                self.vss[vs].rss[rs].failed = count - 1;
            }
            if count == 0 || (count == 1 && failed) {
                self.vss[vs].set_rs_alive(rs, true, &mut self.out);
            }
        } else {
            if !failed {
                self.vss[vs].rss[rs].failed = count + 1;
            }
            if count == 0 {
                self.vss[vs].set_rs_alive(rs, false, &mut self.out);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Web,
    Tcp,
    Smtp,
    Misc,
    Dns,
}

impl Kind {
    fn of(k: &CheckerKind) -> Self {
        match k {
            CheckerKind::Http | CheckerKind::Ssl => Kind::Web,
            CheckerKind::Tcp => Kind::Tcp,
            CheckerKind::Smtp => Kind::Smtp,
            CheckerKind::Misc { .. } => Kind::Misc,
            CheckerKind::Dns => Kind::Dns,
        }
    }
}
