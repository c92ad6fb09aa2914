//! One VRRP instance: keepalived 1.3.5's per-instance state machine (RFC 3768 §6.4 / RFC 5798
//! §6.4 with keepalived's deviations, see docs/compatibility.md "State machine").

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{InitialState, InstanceConfig, Version, Vip};
use crate::event::{AhSync, Event};

use super::advert::{self, TxCounters};
use super::observe::Observed;
use super::ratelimit::{Decision, RejectLog};
use super::stats::InstanceStats;
use super::status::{StatusTrack, TransitionCause};
use super::timers::{master_down_interval, skew_time};
use super::validate::{expects_ah, Advert, RejectKind, Verdict};
use super::{Action, InstanceId, NotifyState, NotifyTarget, Output, State};
use crate::wire::vrrp::VrrpRepr;

/// Internal state: the public [`State`] plus keepalived's GOTO_MASTER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Not started / stopped.
    Init,
    /// `state MASTER` or owner at startup: MASTER transition after one advert interval.
    GotoMaster,
    /// BACKUP.
    Backup,
    /// MASTER (VIPs set once `vips_set`).
    Master,
    /// FAULT.
    Fault,
}

impl Phase {
    pub(crate) fn public(self) -> State {
        match self {
            Phase::Init | Phase::GotoMaster => State::Init,
            Phase::Backup => State::Backup,
            Phase::Master => State::Master,
            Phase::Fault => State::Fault,
        }
    }
}

/// One instance and its run-time state.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub id: InstanceId,
    pub cfg: InstanceConfig,
    /// `cfg.name`, shared with the events that name the instance (no copy per event).
    pub name: Arc<str>,
    /// `cfg.interface`, likewise.
    pub iface: Arc<str>,
    /// The advert's VRRP fields (only the priority changes between adverts).
    pub advert: VrrpRepr,
    pub phase: Phase,
    /// "Entering MASTER STATE" done: VIPs added.
    pub vips_set: bool,
    /// Base priority (lowered to 254 on an owner/owner conflict).
    pub base_priority: u8,
    /// Effective priority.
    pub priority: u8,
    /// Tracked objects allow running (not FAULT).
    pub up: bool,
    /// Main timer: GOTO_MASTER transition, BACKUP master-down, MASTER next advert.
    pub timer: Option<Duration>,
    /// Pending delayed GARP burst (time, count).
    pub garp_delay_at: Option<(Duration, u32)>,
    /// Next periodic GARP refresh.
    pub garp_refresh_at: Option<Duration>,
    /// When the preempt delay ends (None: not started, i.e. still pending).
    pub preempt_time: Option<Duration>,
    /// "start preempt delay" logged and not reset.
    pub preempt_active: bool,
    /// Interval the current master advertises (v3 BACKUP adopts it).
    pub master_adver_int: Duration,
    /// Address of the last master heard.
    pub master_addr: Option<IpAddr>,
    /// Priority of the last master heard.
    pub master_priority: u8,
    pub tx: TxCounters,
    pub stats: InstanceStats,
    /// Monitoring's observations (`observe.rs`).
    pub observed: Observed,
    /// Rate limiting of rejected-packet log lines.
    pub reject_log: RejectLog,
    /// How much earlier than one interval the first periodic advert of a mastership leaves
    /// (set by the engine from the instance's position, see `Engine::spread_adverts`).
    pub advert_phase: Duration,
    /// Index of its sync group.
    pub group: Option<usize>,
    /// Last transition and its cause (`--status`).
    pub status: StatusTrack,
}

impl Instance {
    pub(crate) fn new(id: InstanceId, cfg: InstanceConfig) -> Self {
        let prio = cfg.priority.max(1);
        Instance {
            id,
            phase: Phase::Init,
            vips_set: false,
            base_priority: prio,
            priority: prio,
            up: true,
            timer: None,
            garp_delay_at: None,
            garp_refresh_at: None,
            preempt_time: None,
            preempt_active: false,
            master_adver_int: cfg.advert_int,
            master_addr: None,
            master_priority: 0,
            tx: TxCounters::default(),
            stats: InstanceStats::default(),
            observed: Observed::default(),
            reject_log: RejectLog::default(),
            advert_phase: Duration::ZERO,
            group: None,
            status: StatusTrack::default(),
            name: cfg.name.as_str().into(),
            iface: cfg.interface.as_str().into(),
            advert: advert::repr(&cfg, prio),
            cfg,
        }
    }

    fn name(&self) -> Arc<str> {
        self.name.clone()
    }

    fn emit(&self, out: &mut Vec<Output>, action: Action) {
        out.push(Output {
            instance: Some(self.id),
            action,
        });
    }

    /// Reports an event concerning this instance.
    pub(crate) fn log(&self, out: &mut Vec<Output>, event: Event) {
        self.emit(out, Action::Log(event));
    }

    /// Whether this instance starts toward MASTER (`state MASTER` or owner).
    fn wants_master(&self) -> bool {
        self.cfg.initial_state == InitialState::Master || self.base_priority == 255
    }

    pub(crate) fn skew(&self) -> Duration {
        skew_time(self.cfg.version, self.base_priority, self.cfg.advert_int)
    }

    pub(crate) fn master_down(&self) -> Duration {
        let m = match self.cfg.version {
            Version::V2 => self.cfg.advert_int,
            Version::V3 => self.master_adver_int,
        };
        master_down_interval(self.cfg.version, self.base_priority, self.cfg.advert_int, m)
    }

    fn set_phase(&mut self, out: &mut Vec<Output>, to: Phase) {
        let from = self.phase.public();
        self.phase = to;
        if from != to.public() {
            self.status.record(from, to.public());
            self.emit(
                out,
                Action::StateChanged {
                    from,
                    to: to.public(),
                },
            );
        }
    }

    fn notify(&self, out: &mut Vec<Output>, state: NotifyState) {
        self.emit(
            out,
            Action::Notify {
                target: NotifyTarget::Instance(self.cfg.name.clone()),
                state,
                priority: self.priority,
            },
        );
    }

    /// Sends one advert with `priority` to every destination.
    pub(crate) fn send_advert(&mut self, out: &mut Vec<Output>, priority: u8) {
        let Instance {
            id,
            cfg,
            iface,
            advert,
            tx,
            stats,
            ..
        } = self;
        advert.priority = priority;
        advert::build(cfg, advert, tx, |dst, packet| {
            stats.advert_sent += 1;
            if priority == 0 {
                stats.pri_zero_sent += 1;
            }
            out.push(Output {
                instance: Some(*id),
                action: Action::SendAdvert {
                    interface: iface.clone(),
                    dst,
                    src: cfg.src_addr,
                    packet,
                },
            });
        });
    }

    fn all_vips(&self) -> Vec<Vip> {
        self.cfg
            .vips
            .iter()
            .chain(self.cfg.excluded_vips.iter())
            .cloned()
            .collect()
    }

    fn garp_burst(&self, out: &mut Vec<Output>, count: u32) {
        let vips = self.all_vips();
        if count == 0 || vips.is_empty() {
            return;
        }
        for v in &vips {
            self.log(
                out,
                Event::GarpQueued {
                    name: self.name(),
                    dev: v.dev.clone(),
                    addr: v.addr,
                },
            );
        }
        self.emit(out, Action::SendGarp { vips, count });
    }

    // ---- start / stop -------------------------------------------------------------------

    /// `Input::Start` (keepalived's vrrp_init_state).
    pub(crate) fn start(&mut self, now: Duration, out: &mut Vec<Output>) {
        self.preempt_time = None;
        self.preempt_active = false;
        if !self.up {
            self.log(out, Event::EnteringFault { name: self.name() });
            self.set_phase(out, Phase::Fault);
            self.timer = None;
            self.notify(out, NotifyState::Fault);
        } else if self.wants_master() {
            // GOTO_MASTER: nothing logged yet; the transition comes one interval later.
            self.phase = Phase::GotoMaster;
            self.timer = Some(now + self.cfg.advert_int);
        } else {
            self.log(
                out,
                Event::EnteringBackup {
                    name: self.name(),
                    colon: false,
                },
            );
            self.set_phase(out, Phase::Backup);
            self.timer = Some(now + self.master_down());
            self.notify(out, NotifyState::Backup);
        }
    }

    /// SIGTERM: a MASTER sends priority 0 and releases its addresses; all run notify_stop.
    pub(crate) fn shutdown(&mut self, out: &mut Vec<Output>) {
        if let Some(s) = self.reject_log.end() {
            self.log(
                out,
                Event::RejectSummary {
                    name: self.name(),
                    summary: s,
                },
            );
        }
        if self.phase == Phase::Init {
            return;
        }
        if self.phase == Phase::Master {
            self.send_advert(out, 0);
            self.log(out, Event::SentZeroPriority { name: self.name() });
            self.release(out);
        }
        self.set_phase(out, Phase::Init);
        self.timer = None;
        self.garp_delay_at = None;
        self.garp_refresh_at = None;
        self.notify(out, NotifyState::Stop);
    }

    // ---- transitions ---------------------------------------------------------------------

    /// keepalived's vrrp_state_goto_master: advert, "Transition to MASTER STATE", then at once
    /// "Entering MASTER STATE" with the VIPs. keepalived 1.3.5 waits one more advert interval
    /// before adding the VIPs, which lengthens every failover by that interval (2.x removed the
    /// wait); we keep both log lines (operators grep them) but not the outage. See
    /// docs/compatibility.md "State machine".
    pub(crate) fn goto_master(&mut self, now: Duration, out: &mut Vec<Output>, colon: bool) {
        // 1.3.5's vrrp_goto_master: a counter that cycled starts again from 0.
        self.tx.ah.reset_if_cycled();
        self.transition_to_master(now, out, colon);
        self.become_master(now, out);
    }

    /// The forced election of 1.3.5 (a BACKUP heard a lower priority and may preempt):
    /// advert and "Transition to MASTER STATE" now, VIPs one advert interval later, as 1.3.5
    /// does. Here the wait matters: a higher-priority master still on the LAN is heard within
    /// that interval and the instance steps back without ever holding the VIPs.
    fn force_election(&mut self, now: Duration, out: &mut Vec<Output>) {
        self.transition_to_master(now, out, false);
    }

    /// Advert, "Transition to MASTER STATE", MASTER without VIPs; the main timer then fires
    /// one advert interval later ("Entering MASTER STATE" if not done yet).
    fn transition_to_master(&mut self, now: Duration, out: &mut Vec<Output>, colon: bool) {
        self.send_advert(out, self.priority);
        self.log(
            out,
            Event::TransitionToMaster {
                name: self.name(),
                colon,
            },
        );
        self.set_phase(out, Phase::Master);
        self.vips_set = false;
        self.timer = Some(now + self.cfg.advert_int);
    }

    /// "Entering MASTER STATE": VIPs, routes, GARPs, notify (vrrp_state_become_master).
    fn become_master(&mut self, now: Duration, out: &mut Vec<Output>) {
        self.log(out, Event::EnteringMaster { name: self.name() });
        if !self.cfg.vips.is_empty() {
            self.log(out, Event::SettingVips { name: self.name() });
        }
        if !self.cfg.excluded_vips.is_empty() {
            self.log(out, Event::SettingEvips { name: self.name() });
        }
        let vips = self.all_vips();
        if !vips.is_empty() {
            self.emit(out, Action::AddAddresses(vips));
        }
        self.emit(out, Action::SetRoutes(true));
        self.vips_set = true;
        self.stats.become_master += 1;
        let g = self.cfg.garp.clone();
        self.garp_burst(out, g.master_repeat);
        self.garp_delay_at =
            (!g.master_delay.is_zero()).then_some((now + g.master_delay, g.master_repeat));
        self.garp_refresh_at = (!g.master_refresh.is_zero()).then_some(now + g.master_refresh);
        self.notify(out, NotifyState::Master);
        // The next advert comes early by this instance's phase, so that many instances that
        // became MASTER together advertise spread over the interval from now on.
        self.timer = Some(now + self.cfg.advert_int.saturating_sub(self.advert_phase));
    }

    /// Removes what MASTER installed (vrrp_state_leave_master's address part).
    fn release(&mut self, out: &mut Vec<Output>) {
        if self.vips_set {
            self.log(out, Event::RemovingVips { name: self.name() });
            // Rules and routes first, as 1.3.5 (`vrrp_restore_interface`): they may use a VIP.
            self.emit(out, Action::SetRoutes(false));
            let vips = self.all_vips();
            if !vips.is_empty() {
                self.emit(out, Action::RemoveAddresses(vips));
            }
        }
        if self.phase == Phase::Master {
            self.stats.release_master += 1;
        }
        self.vips_set = false;
        self.garp_delay_at = None;
        self.garp_refresh_at = None;
    }

    /// MASTER → BACKUP (higher priority heard, or sync group).
    pub(crate) fn master_to_backup(&mut self, now: Duration, out: &mut Vec<Output>) {
        self.log(
            out,
            Event::EnteringBackup {
                name: self.name(),
                colon: false,
            },
        );
        self.release(out);
        self.set_phase(out, Phase::Backup);
        self.timer = Some(now + self.master_down());
        self.notify(out, NotifyState::Backup);
    }

    /// → FAULT (tracked object down).
    pub(crate) fn enter_fault(&mut self, out: &mut Vec<Output>) {
        match self.phase {
            Phase::Fault | Phase::Init => return,
            Phase::Master => {
                self.log(out, Event::EnteringFault { name: self.name() });
                self.release(out);
                self.send_advert(out, 0);
            }
            Phase::Backup => {
                self.log(out, Event::NowInFault { name: self.name() });
            }
            Phase::GotoMaster => {
                self.log(out, Event::EnteringFault { name: self.name() });
            }
        }
        self.set_phase(out, Phase::Fault);
        self.timer = None;
        self.notify(out, NotifyState::Fault);
    }

    /// FAULT → BACKUP (or straight toward MASTER when `state MASTER`, except with AH).
    pub(crate) fn leave_fault(&mut self, now: Duration, out: &mut Vec<Output>) {
        if self.phase != Phase::Fault {
            return;
        }
        self.preempt_time = None;
        self.preempt_active = false;
        self.master_adver_int = self.cfg.advert_int;
        if expects_ah(&self.cfg) {
            // 1.3.5: with AH an instance leaving FAULT always goes to BACKUP first, so that
            // it learns the current master's sequence number before it advertises.
            self.log(out, Event::AhFaultSync { name: self.name() });
            self.log(
                out,
                Event::EnteringBackup {
                    name: self.name(),
                    colon: false,
                },
            );
            self.set_phase(out, Phase::Backup);
            self.timer = Some(now + self.master_down());
            self.notify(out, NotifyState::Backup);
        } else if self.wants_master() {
            self.goto_master(now, out, true);
        } else {
            self.log(
                out,
                Event::EnteringBackup {
                    name: self.name(),
                    colon: true,
                },
            );
            self.set_phase(out, Phase::Backup);
            self.timer = Some(now + self.master_down());
            self.notify(out, NotifyState::Backup);
        }
    }

    /// New effective priority (track weights); only advertised, no state change by itself.
    pub(crate) fn set_priority(&mut self, out: &mut Vec<Output>, prio: u8) {
        if prio != self.priority {
            self.log(
                out,
                Event::PriorityChanged {
                    name: self.name(),
                    from: self.priority,
                    to: prio,
                },
            );
            self.priority = prio;
        }
    }

    // ---- timers --------------------------------------------------------------------------

    /// Earliest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<Duration> {
        [
            self.timer,
            self.garp_delay_at.map(|(t, _)| t),
            self.garp_refresh_at,
            self.reject_log.deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// How many of the three timers are armed.
    pub(crate) fn armed_timers(&self) -> usize {
        usize::from(self.timer.is_some())
            + usize::from(self.garp_delay_at.is_some())
            + usize::from(self.garp_refresh_at.is_some())
    }

    /// Processes everything due at `now`.
    pub(crate) fn on_timer(&mut self, now: Duration, out: &mut Vec<Output>) {
        self.end_reject_episode(now, out);
        if let Some((t, count)) = self.garp_delay_at {
            if t <= now {
                self.garp_delay_at = None;
                if self.vips_set {
                    self.garp_burst(out, count);
                }
            }
        }
        if let Some(t) = self.garp_refresh_at {
            if t <= now && self.vips_set {
                let g = self.cfg.garp.clone();
                self.garp_burst(out, g.master_refresh_repeat);
                self.garp_refresh_at = Some(now + g.master_refresh);
            }
        }
        let Some(t) = self.timer else { return };
        if t > now {
            return;
        }
        match self.phase {
            Phase::GotoMaster | Phase::Backup => self.goto_master(now, out, false),
            Phase::Master => {
                // `become_master` sets the timer itself (with this instance's phase).
                let entering = !self.vips_set;
                if entering {
                    self.become_master(now, out);
                }
                self.send_advert(out, self.priority);
                if !entering {
                    self.timer = Some(now + self.cfg.advert_int);
                }
            }
            Phase::Init | Phase::Fault => self.timer = None,
        }
    }

    // ---- packets -------------------------------------------------------------------------

    /// Logs the summary of a flood of rejected packets once it has been quiet long enough.
    fn end_reject_episode(&mut self, now: Duration, out: &mut Vec<Output>) {
        if let Some(s) = self.reject_log.end_if_quiet(now) {
            self.log(
                out,
                Event::RejectSummary {
                    name: self.name(),
                    summary: s,
                },
            );
        }
    }

    /// Handles the verdict of the receive checks for a packet addressed to us.
    pub(crate) fn on_packet(&mut self, now: Duration, verdict: Verdict, out: &mut Vec<Output>) {
        self.stats.advert_rcvd += 1;
        self.end_reject_episode(now, out);
        let (advert, reject) = match verdict {
            Verdict::Valid(a) => (Some(a), None),
            Verdict::Drop(a, r) => (Some(a), Some(r)),
            Verdict::Ko(r) => (None, Some(r)),
        };
        // Whether to log this packet's lines as 1.3.5 does (rate-limited in a flood).
        let mut full_log = true;
        if let Some(r) = &reject {
            self.stats.count_reject(r);
            match self.reject_log.record(now, r) {
                Decision::Full => {
                    self.log(
                        out,
                        Event::Rejected {
                            name: self.name(),
                            reason: r.clone(),
                        },
                    );
                    let interface = self.iface.clone();
                    let line = match r.kind() {
                        RejectKind::Ko => Event::BogusPacket { interface },
                        RejectKind::Drop => Event::SyncInstanceNeeded { interface },
                    };
                    self.log(out, line);
                }
                Decision::Repeat { suppressed } => {
                    full_log = false;
                    self.log(
                        out,
                        Event::RejectedRepeat {
                            name: self.name(),
                            reason: r.clone(),
                            suppressed,
                        },
                    );
                }
                Decision::Quiet => full_log = false,
            }
        }
        if let Some(a) = &advert {
            if a.priority == 0 {
                self.stats.pri_zero_rcvd += 1;
            } else if self.phase == Phase::Master && a.src != self.cfg.src_addr {
                // Only a MASTER advertises: two of them on one VRID is a split brain.
                self.observed.other_master_heard += 1;
            }
            match a.checksum_form {
                Some(crate::wire::vrrp::ChecksumForm::PseudoHeader) => {
                    self.stats.v3_checksum_pseudo += 1
                }
                Some(crate::wire::vrrp::ChecksumForm::Plain) => self.stats.v3_checksum_plain += 1,
                None => {}
            }
        }
        match self.phase {
            Phase::Backup => match (advert, &reject) {
                (Some(a), _) => {
                    if a.ah_seq.is_some() {
                        // 1.3.5's vrrp_backup: the master's numbers are ahead again.
                        self.tx.ah.cycled = false;
                    }
                    self.backup_rx(now, a, out)
                }
                (None, _) => {
                    // keepalived re-arms the master-down timer even on a bogus packet.
                    if full_log {
                        self.log(out, Event::IgnoringAdvert { name: self.name() });
                    }
                    self.timer = Some(now + self.master_down());
                }
            },
            Phase::Master => match (advert, reject) {
                (Some(a), None) => self.master_rx(now, a, out),
                _ if !full_log => {}
                _ => self.log(out, Event::DroppingPacket { name: self.name() }),
            },
            Phase::Fault => {
                if reject.is_some() && full_log {
                    self.log(out, Event::DroppingPacket { name: self.name() });
                }
            }
            // 1.3.5 takes any packet heard on the way to MASTER as the moment to adopt the
            // sender's AH sequence (its own adverts then continue it); only an authenticated
            // one here.
            Phase::GotoMaster => {
                if let Some(seq) = advert.and_then(|a| a.ah_seq) {
                    self.ah_sync(out, AhSync::OnTransition, seq.wrapping_add(1));
                }
            }
            Phase::Init => {}
        }
    }

    /// Re-synchronises the AH sequence counter on a peer's number, with 1.3.5's line.
    fn ah_sync(&mut self, out: &mut Vec<Output>, how: AhSync, seq: u32) {
        self.log(
            out,
            Event::AhSeqSync {
                name: self.name(),
                how,
            },
        );
        self.tx.ah.sync_to(seq);
    }

    /// BACKUP receiving a (valid or DROP) advert: RFC 3768 §6.4.2 plus 1.3.5's immediate
    /// election on a lower priority.
    fn backup_rx(&mut self, now: Duration, a: Advert, out: &mut Vec<Output>) {
        if self.cfg.version == Version::V3 && a.advert_int != self.master_adver_int {
            self.master_adver_int = a.advert_int;
            self.log(
                out,
                Event::AdvertIntervalUpdated {
                    name: self.name(),
                    millis: a.advert_int.as_millis(),
                },
            );
        }
        if a.priority == 0 {
            // RFC 3768 §6.4.2: Master_Down_Timer = Skew_Time.
            self.timer = Some(now + self.skew());
            self.status
                .hint(TransitionCause::MasterStepDown { master: a.src });
            return;
        }
        let preempt_pending =
            !self.cfg.preempt_delay.is_zero() && self.preempt_time.is_none_or(|t| t > now);
        if self.cfg.nopreempt || a.priority >= self.priority || preempt_pending {
            self.timer = Some(now + self.master_down());
            // A master is advertising again: a step-down heard before it caused nothing.
            self.status.clear_hint();
            self.master_addr = Some(a.src);
            self.master_priority = a.priority;
            if !self.cfg.preempt_delay.is_zero() {
                if a.priority > self.priority {
                    self.preempt_time = Some(now + self.cfg.preempt_delay);
                    if self.preempt_active {
                        self.log(out, Event::PreemptDelayReset { name: self.name() });
                        self.preempt_active = false;
                    }
                } else if !self.preempt_active {
                    self.log(
                        out,
                        Event::PreemptDelayStarted {
                            name: self.name(),
                            secs: self.cfg.preempt_delay.as_secs(),
                        },
                    );
                    self.preempt_time = Some(now + self.cfg.preempt_delay);
                    self.preempt_active = true;
                }
            }
        } else {
            // keepalived 1.3.5: do not wait for master-down (RFC), elect at once.
            self.log(out, Event::ForcingElection { name: self.name() });
            self.status.hint(TransitionCause::Preempted {
                master: a.src,
                priority: a.priority,
            });
            self.force_election(now, out);
        }
    }

    /// MASTER receiving a valid advert: RFC 3768 §6.4.3.
    fn master_rx(&mut self, now: Duration, a: Advert, out: &mut Vec<Output>) {
        if a.priority == 0 {
            // RFC 3768 §6.4.3: answer a priority-0 advert with an advert at once.
            self.send_advert(out, self.priority);
            self.timer = Some(now + self.cfg.advert_int);
            return;
        }
        if a.priority == 255 && self.base_priority == 255 {
            self.log(out, Event::OwnerConflict { name: self.name() });
            self.base_priority = 254;
            self.priority = 254;
        }
        let ours = self.cfg.src_addr;
        let lower = a.priority < self.priority || (a.priority == self.priority && a.src < ours);
        if a.priority == self.priority && a.src == ours {
            self.log(out, Event::EqualPriorityOwnAddress { name: self.name() });
            return;
        }
        if lower {
            self.log(
                out,
                Event::LowerPriorityHeard {
                    name: self.name(),
                    priority: a.priority,
                    ours: self.priority,
                },
            );
            if let Some(seq) = a.ah_seq {
                self.ah_sync(out, AhSync::Increment, seq.wrapping_add(1));
            }
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(out, self.priority);
            }
            if self.vips_set {
                let g = self.cfg.garp.clone();
                self.garp_burst(out, g.lower_prio_repeat);
                if !g.lower_prio_delay.is_zero() && g.lower_prio_repeat > 0 {
                    self.garp_delay_at = Some((now + g.lower_prio_delay, g.lower_prio_repeat));
                }
            }
        } else {
            if self.cfg.higher_prio_send_advert {
                self.send_advert(out, self.priority);
            }
            self.log(
                out,
                Event::HigherPriorityHeard {
                    name: self.name(),
                    priority: a.priority,
                    ours: self.priority,
                },
            );
            if let Some(seq) = a.ah_seq {
                self.ah_sync(out, AhSync::Decrement, seq.wrapping_sub(1));
            }
            self.master_addr = Some(a.src);
            self.master_priority = a.priority;
            self.master_adver_int = a.advert_int;
            if self.cfg.version == Version::V2 {
                self.master_adver_int = self.cfg.advert_int;
            }
            self.status.hint(TransitionCause::HigherPriority {
                master: a.src,
                priority: a.priority,
            });
            self.master_to_backup(now, out);
        }
    }

    /// Whether `cfg` configures this same instance (keepalived's reload match: VRID,
    /// family and interface).
    pub(crate) fn same_identity(&self, cfg: &InstanceConfig) -> bool {
        self.cfg.vrid == cfg.vrid
            && self.cfg.family == cfg.family
            && self.cfg.interface == cfg.interface
    }

    /// Reload: takes the new configuration (state, priority and counters stay), and if the
    /// addresses are set, removes those no longer configured and adds (with GARPs) the new.
    /// The interface's address changed: an instance advertising from it follows (state,
    /// counters and IP ID are kept, as on a reload).
    pub(crate) fn set_interface_source(&mut self, addr: IpAddr) {
        if self.cfg.src_from_interface {
            // Read when each advert is built (its IP header, the v3 checksum).
            self.cfg.src_addr = addr;
        }
    }

    pub(crate) fn reconfigure(
        &mut self,
        id: InstanceId,
        cfg: InstanceConfig,
        out: &mut Vec<Output>,
    ) {
        let removed: Vec<Vip> = self
            .cfg
            .vips
            .iter()
            .chain(&self.cfg.excluded_vips)
            .filter(|v| !cfg.vips.contains(v) && !cfg.excluded_vips.contains(v))
            .cloned()
            .collect();
        let added: Vec<Vip> = cfg
            .vips
            .iter()
            .chain(&cfg.excluded_vips)
            .filter(|v| !self.cfg.vips.contains(v) && !self.cfg.excluded_vips.contains(v))
            .cloned()
            .collect();
        self.id = id;
        if self.base_priority != 254 || cfg.priority != 255 {
            self.base_priority = cfg.priority.max(1);
        }
        self.name = cfg.name.as_str().into();
        self.iface = cfg.interface.as_str().into();
        self.advert = advert::repr(&cfg, self.priority);
        self.cfg = cfg;
        if !self.vips_set {
            return;
        }
        for v in &removed {
            self.log(
                out,
                Event::AddressRemoved {
                    addr: v.addr,
                    prefix_len: v.prefix_len,
                    dev: v.dev.clone(),
                },
            );
        }
        if !removed.is_empty() {
            self.emit(out, Action::RemoveAddresses(removed));
        }
        if !added.is_empty() {
            self.emit(out, Action::AddAddresses(added.clone()));
            self.emit(
                out,
                Action::SendGarp {
                    vips: added,
                    count: self.cfg.garp.master_repeat,
                },
            );
        }
    }
}
