//! The engine: all instances and sync groups of one daemon.
//!
//! API contract (the daemon is written against it):
//! * [`Engine::new`] takes the resolved config; nothing happens until [`Input::Start`].
//! * [`Engine::handle_into`] takes one input and the current time and appends what to do, in
//!   order, to a caller-owned `Vec` ([`Engine::handle`] is the allocating shorthand). The
//!   daemon clears and reuses one `Vec`, so a warmed-up engine does not allocate for it.
//!   (A caller-owned buffer rather than quinn-style `poll_*` draining: the outputs of one input
//!   form one ordered batch the daemon applies at once, and an internal queue would be the
//!   same `Vec` with more state and a way to forget draining it.)
//! * [`Engine::next_deadline`] is the earliest time at which [`Input::Timer`] must be delivered.
//!   Delivering it late is harmless (everything due is processed), early is a no-op.

mod advert;
pub mod ah;
mod dispatch;
mod garp_pacing;
mod instance;
mod observe;
pub mod ratelimit;
mod stats;
pub mod status;
mod sync_group;
pub mod timers;
mod track;
pub mod validate;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{EngineConfig, Family, GlobalVrrpConfig, InstanceConfig, SyncGroupConfig, Vip};
use crate::event::Event;

use dispatch::Dispatch;
use garp_pacing::GarpPacer;
use instance::{Instance, Phase};
pub use observe::Observed;
pub use stats::InstanceStats;
pub use status::{FaultReason, Transition, TransitionCause};
use timers::TimerQueue;
use track::{ScriptChange, ScriptState};
pub use validate::{RejectKind, RejectReason};

/// Index of an instance in [`EngineConfig::instances`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceId(pub usize);

/// VRRP state of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Before start / after stop.
    Init,
    /// Backup.
    Backup,
    /// Master.
    Master,
    /// Fault (interface down, tracked object failed).
    Fault,
}

/// A received VRRP packet, as the daemon read it from a raw socket.
#[derive(Debug, Clone, Copy)]
pub struct RxPacket<'a> {
    /// Interface it arrived on.
    pub interface: &'a str,
    /// Family of the socket.
    pub family: Family,
    /// IPv4: the whole IP packet (header included, as raw IPv4 sockets deliver it).
    /// IPv6: the VRRP message only.
    pub bytes: &'a [u8],
    /// IPv6 only: source address from recvmsg (IPv4 reads it from the header).
    pub src: Option<IpAddr>,
    /// IPv6 only: hop limit from the IPV6_HOPLIMIT cmsg.
    pub hop_limit: Option<u8>,
}

/// Something that happened.
#[derive(Debug, Clone)]
pub enum Input<'a> {
    /// Start all instances (after the daemon removed leftover VIPs).
    Start,
    /// A deadline passed.
    Timer,
    /// A VRRP packet arrived.
    Packet(RxPacket<'a>),
    /// An interface's usable state (IFF_UP && IFF_RUNNING) changed, or was first learned.
    Link {
        /// Interface name.
        interface: &'a str,
        /// Up and running.
        up: bool,
    },
    /// One run of a `vrrp_script` finished (the engine applies rise/fall).
    ScriptResult {
        /// Script name.
        script: &'a str,
        /// Exit status 0.
        success: bool,
    },
    /// SIGTERM/SIGINT: masters send priority 0 and release.
    Shutdown,
    /// SIGHUP with a new, valid configuration.
    Reload(Box<EngineConfig>),
    /// An interface's own address changed (primary IPv4, or link-local IPv6 for `family`
    /// V6): instances on it without `mcast_src_ip`/`unicast_src_ip` advertise from `addr`.
    SourceAddress {
        /// Interface name.
        interface: &'a str,
        /// Which of its addresses.
        family: Family,
        /// The address now.
        addr: IpAddr,
    },
}

/// Whose notify scripts to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyTarget {
    /// `vrrp_instance NAME`.
    Instance(String),
    /// `vrrp_sync_group NAME`.
    Group(String),
}

/// Which notify script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyState {
    /// `notify_master`.
    Master,
    /// `notify_backup`.
    Backup,
    /// `notify_fault`.
    Fault,
    /// `notify_stop`.
    Stop,
}

/// Something to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send an advertisement. IPv4: a complete IP packet (keepalived builds its own header:
    /// TOS 0xC0, TTL 255, proto 112/51, ID counter, checksum). IPv6: the VRRP message.
    SendAdvert {
        /// Interface to send on (shared with the instance: no copy per advert).
        interface: Arc<str>,
        /// Destination (multicast group or a unicast peer).
        dst: IpAddr,
        /// Source address the advert leaves from. IPv4: already in the packet's header.
        /// IPv6: the daemon names it on each send (IPV6_PKTINFO), as keepalived does, so the
        /// kernel never picks another of the interface's addresses.
        src: IpAddr,
        /// Bytes to write.
        packet: Vec<u8>,
    },
    /// Add addresses (VIPs and eVIPs).
    AddAddresses(Vec<Vip>),
    /// Remove addresses.
    RemoveAddresses(Vec<Vip>),
    /// Send `count` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) for each address.
    ///
    /// An intent rather than frames: these frames carry the interface's MAC address, which
    /// only the daemon knows; it builds them with [`crate::wire::arp`] / [`crate::wire::ndisc`].
    /// Adverts, which the engine can build whole, come as complete frames.
    SendGarp {
        /// Addresses with their interface (`Vip::dev`).
        vips: Vec<Vip>,
        /// Repeat count per address.
        count: u32,
    },
    /// Add (`true`) or remove the instance's `virtual_routes` / `virtual_rules`.
    SetRoutes(bool),
    /// Run notify scripts (the specific `notify_*`, then generic `notify`).
    Notify {
        /// Instance or group.
        target: NotifyTarget,
        /// State entered.
        state: NotifyState,
        /// Effective priority passed to `notify` scripts.
        priority: u8,
    },
    /// Something to report: a typed event whose `Display` is keepalived's log line and whose
    /// `level()` says at which level it is logged (format it only if that level is on).
    Log(Event),
    /// The instance changed state (for dumps, counters and tests).
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
    },
}

/// An action and the instance it belongs to (`None` for engine-wide actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Instance concerned.
    pub instance: Option<InstanceId>,
    /// What to do.
    pub action: Action,
}

/// Sizes of the engine's run-time collections (see [`Engine::footprint`]).
///
/// Everything else the engine holds is fixed-size per instance, so these numbers bound
/// its memory: resource-ceiling tests check they do not grow over long runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Instances.
    pub instances: usize,
    /// `vrrp_script` states.
    pub scripts: usize,
    /// Interfaces whose usable state the engine remembers.
    pub links: usize,
    /// Armed timers summed over instances: at most three each (main timer, delayed GARP
    /// burst, GARP refresh); a timer left armed after its reason went away shows up here.
    pub timers: usize,
}

/// Instances touched by the current input, with their phase before it (for sync groups and
/// for re-arming their timers). Reused across inputs: no allocation once warm.
#[derive(Debug, Default)]
struct Changes {
    marked: Vec<bool>,
    before: Vec<Phase>,
    list: Vec<usize>,
    /// `list` of the last input, for [`Engine::touched`].
    last: Vec<usize>,
    /// Scratch: groups to synchronise, instances due.
    groups: Vec<usize>,
    due: Vec<usize>,
}

impl Changes {
    fn reset(&mut self, n: usize) {
        self.marked.clear();
        self.marked.resize(n, false);
        self.before.clear();
        self.before.resize(n, Phase::Init);
        self.list.clear();
    }

    /// Records instance `i` (first time only: its phase then is the "before" phase).
    fn mark(&mut self, i: usize, phase: Phase) {
        if let Some(m) = self.marked.get_mut(i) {
            if !*m {
                *m = true;
                self.before[i] = phase;
                self.list.push(i);
            }
        }
    }

    /// Phase of `i` before the current input (`now` if it was not touched).
    fn before(&self, i: usize, now: Phase) -> Phase {
        if self.marked.get(i) == Some(&true) {
            self.before[i]
        } else {
            now
        }
    }
}

/// All instances of one daemon.
#[derive(Debug)]
pub struct Engine {
    global: GlobalVrrpConfig,
    sync_groups: Vec<SyncGroupConfig>,
    /// Member instance indices of each sync group, in instance order.
    group_members: Vec<Vec<usize>>,
    /// The instances; each owns its configuration.
    instances: Vec<Instance>,
    scripts: HashMap<String, ScriptState>,
    /// Last known usable state per interface name (unknown = up).
    links: HashMap<String, bool>,
    started: bool,
    dispatch: Dispatch,
    timers: TimerQueue,
    changes: Changes,
    /// GARP/NA pacing per interface (`garp_group`, `vrrp_garp_interval`).
    garp: GarpPacer,
}

/// Most instances that share one advert phase (see `Engine::spread_adverts`): at a failover,
/// the peer takes over at most this many instances at the same instant.
pub const ADVERT_SLOT_INSTANCES: usize = 100;

/// Most phases one advert interval is divided into (50 ms apart at `advert_int 1`).
pub const ADVERT_SPREAD_SLOTS: usize = 20;

impl Engine {
    /// Builds the engine; no instance runs before [`Input::Start`].
    pub fn new(config: EngineConfig) -> Self {
        let EngineConfig {
            global,
            instances,
            sync_groups,
            scripts,
        } = config;
        let instances: Vec<Instance> = instances
            .into_iter()
            .enumerate()
            .map(|(i, c)| Instance::new(InstanceId(i), c))
            .collect();
        let scripts = scripts
            .into_iter()
            .map(|s| (s.name.clone(), ScriptState::new(s)))
            .collect();
        let garp = GarpPacer::new(&global.garp_pacing);
        let mut e = Engine {
            global,
            sync_groups,
            group_members: Vec::new(),
            instances,
            scripts,
            links: HashMap::new(),
            started: false,
            dispatch: Dispatch::default(),
            timers: TimerQueue::default(),
            changes: Changes::default(),
            garp,
        };
        e.rebuild_indices();
        e.refresh_tracking_silently();
        e
    }

    /// Global protocol options.
    pub fn global(&self) -> &GlobalVrrpConfig {
        &self.global
    }

    /// Rebuilds everything derived from the instance list: sync-group membership, the
    /// packet dispatch index, the timer queue and the change set.
    fn rebuild_indices(&mut self) {
        self.group_members = vec![Vec::new(); self.sync_groups.len()];
        for (i, inst) in self.instances.iter_mut().enumerate() {
            inst.group = self
                .sync_groups
                .iter()
                .position(|g| g.members.contains(&inst.cfg.name));
            if let Some(m) = inst.group.and_then(|g| self.group_members.get_mut(g)) {
                m.push(i);
            }
        }
        self.dispatch = Dispatch::build(&self.instances);
        self.spread_adverts();
        let n = self.instances.len();
        self.changes.reset(n);
        self.timers.reset(n);
        for (i, inst) in self.instances.iter().enumerate() {
            self.timers.set(i, inst.next_deadline());
        }
        self.timers.clean();
    }

    /// Gives each instance its advert phase. Instances that become MASTER in the same instant
    /// (all of them at start, or at a failover) would otherwise advertise in one burst every
    /// interval, and at the next failover all of the peer's master-down timers would expire
    /// together: 1,000 takeovers queued behind the kernel's address adds, most of them late.
    /// Position i of n advertises `(i mod s) / s` of an interval early once per mastership,
    /// with s = ceil(n / [`ADVERT_SLOT_INSTANCES`]) capped at [`ADVERT_SPREAD_SLOTS`]: up to
    /// 100 instances keep keepalived's exact timing (one phase), and few, large slots keep the
    /// wakeups of both nodes few. An early advert only ever restarts a BACKUP's master-down
    /// timer sooner.
    fn spread_adverts(&mut self) {
        let n = self.instances.len();
        let slots = n
            .div_ceil(ADVERT_SLOT_INSTANCES)
            .clamp(1, ADVERT_SPREAD_SLOTS) as u32;
        for (i, inst) in self.instances.iter_mut().enumerate() {
            let slot = (i % slots as usize) as u32;
            inst.advert_phase = inst.cfg.advert_int * slot / slots;
        }
    }

    fn ignore_weights(&self, inst: &Instance) -> bool {
        inst.group
            .and_then(|g| self.sync_groups.get(g))
            .is_some_and(|g| !g.global_tracking)
    }

    /// Recomputes `up`/priority without logging (before start).
    fn refresh_tracking_silently(&mut self) {
        for i in 0..self.instances.len() {
            let ign = self.ignore_weights(&self.instances[i]);
            let inst = &self.instances[i];
            let r = track::evaluate(
                &inst.cfg,
                inst.base_priority,
                &self.links,
                &self.scripts,
                ign,
            );
            self.instances[i].up = r.up;
            self.instances[i].priority = r.priority;
        }
        self.apply_group_up();
    }

    /// Sync group members are only up if all members are (leaving FAULT needs all up).
    fn apply_group_up(&mut self) {
        for members in &self.group_members {
            let all_up = members.iter().all(|&i| self.instances[i].up);
            for &i in members {
                self.instances[i].up = all_up;
            }
        }
    }

    /// Marks every instance as touched by the current input.
    fn mark_all(&mut self) {
        for (i, inst) in self.instances.iter().enumerate() {
            self.changes.mark(i, inst.phase);
        }
    }

    /// Handles one input at time `now` and returns the resulting actions, in order.
    /// Allocates the returned `Vec`; the daemon uses [`Engine::handle_into`].
    pub fn handle(&mut self, input: Input<'_>, now: Duration) -> Vec<Output> {
        let mut out = Vec::new();
        self.handle_into(input, now, &mut out);
        out
    }

    /// Handles one input at time `now` and appends the resulting actions, in order, to `out`.
    ///
    /// Cost: a packet reaches its instance through a prebuilt index, a timer only wakes the
    /// instances that are due, and sync-group work is done only for the groups of instances
    /// the input touched, so the cost of an input does not grow with the instance count
    /// (except for rare whole-engine inputs: start, link, script, shutdown, reload).
    pub fn handle_into(&mut self, input: Input<'_>, now: Duration, out: &mut Vec<Output>) {
        let start = out.len();
        self.handle_input(input, now, out);
        self.note_state_changes(start, now, out);
        // GARP pacing sees the whole batch, whichever path produced it.
        let instances = &self.instances;
        self.garp.pace(start, now, out, |i| {
            instances
                .get(i)
                .is_some_and(|inst| inst.phase == Phase::Master && inst.vips_set)
        });
    }

    /// [`Engine::handle_into`] before GARP pacing.
    fn handle_input(&mut self, input: Input<'_>, now: Duration, out: &mut Vec<Output>) {
        if let Input::Reload(cfg) = input {
            self.reload(*cfg, now, out);
            return;
        }
        match input {
            Input::Start => {
                if !self.started {
                    self.mark_all();
                    self.started = true;
                    self.refresh_tracking_silently();
                    self.hint_fault_causes(true);
                    for inst in &mut self.instances {
                        inst.start(now, out);
                    }
                }
            }
            Input::Timer => {
                if self.started {
                    let mut due = std::mem::take(&mut self.changes.due);
                    self.timers.pop_due(now, &mut due);
                    // Instance order, as a scan of all instances would run them.
                    due.sort_unstable();
                    due.dedup();
                    for &i in &due {
                        let inst = &mut self.instances[i];
                        self.changes.mark(i, inst.phase);
                        inst.on_timer(now, out);
                    }
                    due.clear();
                    self.changes.due = due;
                }
            }
            Input::Packet(rx) => {
                if self.started {
                    self.on_packet(rx, now, out);
                }
            }
            Input::Link { interface, up } => {
                let prev = self.links.insert(interface.to_string(), up);
                if self.started && prev != Some(up) {
                    self.mark_all();
                    for inst in &self.instances {
                        let tracks = inst.cfg.interface == interface
                            || inst
                                .cfg
                                .track_interfaces
                                .iter()
                                .any(|t| t.name == interface);
                        if tracks {
                            inst.log(
                                out,
                                Event::LinkChanged {
                                    interface: interface.to_string(),
                                    up,
                                },
                            );
                        }
                    }
                    self.reevaluate(now, out);
                }
            }
            Input::ScriptResult { script, success } => {
                if let Some(s) = self.scripts.get_mut(script) {
                    match s.apply(success) {
                        Some(ScriptChange::Succeeded) => out.push(Output {
                            instance: None,
                            action: Action::Log(Event::ScriptSucceeded {
                                script: script.to_string(),
                            }),
                        }),
                        Some(ScriptChange::Failed) => out.push(Output {
                            instance: None,
                            action: Action::Log(Event::ScriptFailed {
                                script: script.to_string(),
                            }),
                        }),
                        None => {}
                    }
                    if self.started {
                        self.mark_all();
                        self.reevaluate(now, out);
                    } else {
                        self.refresh_tracking_silently();
                    }
                }
            }
            Input::Shutdown => {
                self.mark_all();
                for inst in &mut self.instances {
                    inst.shutdown(out);
                }
                self.started = false;
            }
            Input::SourceAddress {
                interface,
                family,
                addr,
            } => {
                for inst in &mut self.instances {
                    if &*inst.iface == interface && inst.cfg.family == family {
                        inst.set_interface_source(addr);
                    }
                }
            }
            Input::Reload(_) => {}
        }
        if self.started {
            sync_group::sync(self, now, out);
        }
        self.finish_input();
    }

    /// Re-arms the timers of the instances the input touched and clears the change set.
    fn finish_input(&mut self) {
        self.changes.last.clear();
        self.changes.last.extend_from_slice(&self.changes.list);
        for &i in &self.changes.list {
            if let Some(inst) = self.instances.get(i) {
                self.timers.set(i, inst.next_deadline());
            }
            if let Some(m) = self.changes.marked.get_mut(i) {
                *m = false;
            }
        }
        self.changes.list.clear();
        self.timers.clean();
    }

    /// Applies tracked-object changes: priority changes, FAULT entry/exit.
    fn reevaluate(&mut self, now: Duration, out: &mut Vec<Output>) {
        let mut results = Vec::with_capacity(self.instances.len());
        for inst in &self.instances {
            let ign = self.ignore_weights(inst);
            results.push(track::evaluate(
                &inst.cfg,
                inst.base_priority,
                &self.links,
                &self.scripts,
                ign,
            ));
        }
        for (inst, r) in self.instances.iter_mut().zip(&results) {
            inst.up = r.up;
            inst.set_priority(out, r.priority);
        }
        self.apply_group_up();
        self.hint_fault_causes(false);
        for inst in &mut self.instances {
            if !inst.up {
                inst.enter_fault(out);
            } else if inst.phase == Phase::Fault {
                inst.leave_fault(now, out);
            }
        }
    }

    /// Leaves the fault reasons as the cause hint of every instance about to enter FAULT
    /// (allocates only for those). `starting`: instances in INIT are about to start.
    fn hint_fault_causes(&mut self, starting: bool) {
        for i in 0..self.instances.len() {
            let inst = &self.instances[i];
            let runs = inst.phase != Phase::Init || starting;
            if !inst.up && inst.phase != Phase::Fault && runs {
                let reasons = self.fault_reasons(InstanceId(i));
                self.instances[i]
                    .status
                    .hint(TransitionCause::Fault(reasons));
            }
        }
    }

    /// Hands a packet to the instance(s) its (interface, family, VRID) names.
    fn on_packet(&mut self, rx: RxPacket<'_>, now: Duration, out: &mut Vec<Output>) {
        let Engine {
            dispatch,
            instances,
            changes,
            ..
        } = self;
        for &i in dispatch.lookup(&rx) {
            let inst = &mut instances[i];
            changes.mark(i, inst.phase);
            let in_group = inst.group.is_some();
            let verdict =
                validate::check(&inst.cfg, &rx, inst.master_addr, &mut inst.tx.ah, in_group);
            if !matches!(verdict, validate::Verdict::Valid(_)) {
                inst.observed.last_reject_src = packet_source(&rx);
            }
            inst.on_packet(now, verdict, out);
        }
    }

    /// SIGHUP: instances matched by (VRID, family, interface) keep state, priority and
    /// counters; removed ones stop like at shutdown; new ones start.
    fn reload(&mut self, config: EngineConfig, now: Duration, out: &mut Vec<Output>) {
        self.mark_all();
        let old_len = self.instances.len();
        let EngineConfig {
            global,
            instances: configs,
            sync_groups,
            scripts: script_configs,
        } = config;
        let mut old: Vec<Option<Instance>> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(Some)
            .collect();
        let mut new_instances = Vec::with_capacity(configs.len());
        let mut fresh = Vec::new();
        for (i, cfg) in configs.into_iter().enumerate() {
            let id = InstanceId(i);
            let matched = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|o| o.same_identity(&cfg)))
                .and_then(Option::take);
            match matched {
                Some(mut inst) => {
                    inst.reconfigure(id, cfg, out);
                    new_instances.push(inst);
                }
                None => {
                    fresh.push(i);
                    new_instances.push(Instance::new(id, cfg));
                }
            }
        }
        // Instances gone from the config: priority 0 and release, as at stop.
        for mut gone in old.into_iter().flatten() {
            let mut tmp = Vec::new();
            gone.shutdown(&mut tmp);
            // Their ids no longer exist; report them engine-wide.
            out.extend(tmp.into_iter().map(|mut o| {
                o.instance = None;
                o
            }));
        }
        // Scripts: keep the state of those that still exist (OK stays OK).
        let mut scripts = HashMap::new();
        for s in script_configs {
            let st = match self.scripts.remove(&s.name) {
                // A disabled script is OK whatever it was before.
                Some(_) if s.disabled => ScriptState::new(s.clone()),
                Some(mut old) => {
                    if old.ok() == Some(true) {
                        out.push(Output {
                            instance: None,
                            action: Action::Log(Event::ScriptKeptOnReload {
                                script: s.name.clone(),
                            }),
                        });
                    }
                    old.cfg = s.clone();
                    old
                }
                None => ScriptState::new(s.clone()),
            };
            scripts.insert(s.name, st);
        }
        self.scripts = scripts;
        self.instances = new_instances;
        // keepalived frees its per-interface delay records on reload: pacing starts afresh.
        self.garp = GarpPacer::new(&global.garp_pacing);
        self.global = global;
        self.sync_groups = sync_groups;
        let phases_before = std::mem::take(&mut self.changes.before);
        self.rebuild_indices();
        if self.started {
            self.reevaluate(now, out);
            for i in fresh {
                let inst = &mut self.instances[i];
                if inst.phase == Phase::Init {
                    inst.start(now, out);
                }
            }
            // Sync groups compare with the phases before the reload, position by position,
            // when the number of instances did not change.
            if old_len == self.instances.len() {
                for (i, p) in phases_before.into_iter().enumerate() {
                    self.changes.mark(i, p);
                }
                sync_group::sync(self, now, out);
            }
        } else {
            self.refresh_tracking_silently();
        }
        self.mark_all();
        self.finish_input();
    }

    /// Earliest time at which [`Input::Timer`] must be delivered, if any timer runs.
    pub fn next_deadline(&self) -> Option<Duration> {
        if !self.started {
            return None;
        }
        match (self.timers.earliest(), self.garp.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Current state of an instance.
    pub fn state(&self, id: InstanceId) -> State {
        self.instances
            .get(id.0)
            .map_or(State::Init, |i| i.phase.public())
    }

    /// Current effective priority of an instance.
    pub fn effective_priority(&self, id: InstanceId) -> u8 {
        self.instances.get(id.0).map_or(0, |i| i.priority)
    }

    /// Receive/transmit counters of an instance (keepalived's stats names).
    /// An unknown id yields all-zero counters.
    pub fn stats(&self, id: InstanceId) -> &InstanceStats {
        static EMPTY: InstanceStats = InstanceStats::ZERO;
        self.instances.get(id.0).map_or(&EMPTY, |i| &i.stats)
    }

    /// Address of the last master this instance heard (for the data dump).
    pub fn master_address(&self, id: InstanceId) -> Option<IpAddr> {
        self.instances.get(id.0).and_then(|i| i.master_addr)
    }

    /// Configuration of an instance (`None` for an unknown id). The instance owns it; a
    /// reload replaces it through the instance.
    pub fn instance_config(&self, id: InstanceId) -> Option<&InstanceConfig> {
        self.instances.get(id.0).map(|i| &i.cfg)
    }

    /// Name of an instance, shared (`None` for an unknown id): for labelling its outputs
    /// without copying the name.
    pub fn instance_name(&self, id: InstanceId) -> Option<Arc<str>> {
        self.instances.get(id.0).map(|i| i.name.clone())
    }

    /// Whether the instance holds its addresses now (MASTER past "Entering MASTER STATE").
    pub fn holds_vips(&self, id: InstanceId) -> bool {
        self.instances
            .get(id.0)
            .is_some_and(|i| i.phase == Phase::Master && i.vips_set)
    }

    /// Priority of the last master this instance heard (0 before any).
    pub fn master_priority(&self, id: InstanceId) -> u8 {
        self.instances.get(id.0).map_or(0, |i| i.master_priority)
    }

    /// The instance's last state change, its time and cause (`None` before the first).
    pub fn last_transition(&self, id: InstanceId) -> Option<&Transition> {
        self.instances
            .get(id.0)
            .and_then(|i| i.status.last.as_ref())
    }

    /// The tracked objects that hold the instance in FAULT now (empty when none is down):
    /// its own, then, in a sync group, each other member that is down.
    pub fn fault_reasons(&self, id: InstanceId) -> Vec<FaultReason> {
        let Some(inst) = self.instances.get(id.0) else {
            return Vec::new();
        };
        let own = |i: &Instance| {
            status::fault_reasons(&i.cfg, &self.links, &self.scripts, self.ignore_weights(i))
        };
        let mut reasons = own(inst);
        let group = inst
            .group
            .and_then(|g| Some((self.sync_groups.get(g)?, self.group_members.get(g)?)));
        if let Some((g, members)) = group {
            for &m in members {
                let Some(other) = self.instances.get(m) else {
                    continue;
                };
                if m != id.0 && !own(other).is_empty() {
                    reasons.push(FaultReason::SyncGroupMember {
                        group: g.name.clone(),
                        member: other.cfg.name.clone(),
                    });
                }
            }
        }
        reasons
    }

    /// Number of instances.
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// Sizes of the run-time collections and the number of armed timers (read-only; for
    /// resource-ceiling tests and diagnostics).
    pub fn footprint(&self) -> Footprint {
        Footprint {
            instances: self.instances.len(),
            scripts: self.scripts.len(),
            links: self.links.len(),
            timers: self.instances.iter().map(Instance::armed_timers).sum(),
        }
    }
}

/// Source address of a received packet: IPv4 from its header, IPv6 as the daemon read it.
fn packet_source(rx: &RxPacket<'_>) -> Option<IpAddr> {
    match rx.family {
        Family::V4 => rx
            .bytes
            .get(12..16)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(IpAddr::from),
        Family::V6 => rx.src,
    }
}
