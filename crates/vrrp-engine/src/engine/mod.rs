//! The engine: all instances and sync groups of one daemon.
//!
//! API contract (the daemon is written against it):
//! * [`Engine::new`] takes the resolved config; nothing happens until [`Input::Start`].
//! * [`Engine::handle`] takes one input and the current time and returns what to do, in order.
//! * [`Engine::next_deadline`] is the earliest time at which [`Input::Timer`] must be delivered.
//!   Delivering it late is harmless (everything due is processed), early is a no-op.

mod advert;
mod instance;
pub mod ratelimit;
mod stats;
mod sync_group;
pub mod timers;
mod track;
pub mod validate;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use crate::config::{EngineConfig, Family, InstanceConfig, Vip};
use crate::log::LogLine;

use instance::{Instance, Phase};
pub use stats::InstanceStats;
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
        /// Interface to send on.
        interface: String,
        /// Destination (multicast group or a unicast peer).
        dst: IpAddr,
        /// Bytes to write.
        packet: Vec<u8>,
    },
    /// Add addresses (VIPs and eVIPs).
    AddAddresses(Vec<Vip>),
    /// Remove addresses.
    RemoveAddresses(Vec<Vip>),
    /// Send `count` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) for each address.
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
    /// A log line.
    Log(LogLine),
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

/// All instances of one daemon.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    instances: Vec<Instance>,
    scripts: HashMap<String, ScriptState>,
    /// Last known usable state per interface name (unknown = up).
    links: HashMap<String, bool>,
    started: bool,
}

impl Engine {
    /// Builds the engine; no instance runs before [`Input::Start`].
    pub fn new(config: EngineConfig) -> Self {
        let instances = config
            .instances
            .iter()
            .enumerate()
            .map(|(i, c)| Instance::new(InstanceId(i), c.clone()))
            .collect();
        let scripts = config
            .scripts
            .iter()
            .map(|s| (s.name.clone(), ScriptState::new(s.clone())))
            .collect();
        let mut e = Engine {
            config,
            instances,
            scripts,
            links: HashMap::new(),
            started: false,
        };
        e.assign_groups();
        e.refresh_tracking_silently();
        e
    }

    fn assign_groups(&mut self) {
        for inst in &mut self.instances {
            inst.group = self
                .config
                .sync_groups
                .iter()
                .position(|g| g.members.contains(&inst.cfg.name));
        }
    }

    fn ignore_weights(&self, inst: &Instance) -> bool {
        inst.group
            .and_then(|g| self.config.sync_groups.get(g))
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
        for g in 0..self.config.sync_groups.len() {
            let members: Vec<usize> = (0..self.instances.len())
                .filter(|&i| self.instances[i].group == Some(g))
                .collect();
            let all_up = members.iter().all(|&i| self.instances[i].up);
            for i in members {
                self.instances[i].up = all_up;
            }
        }
    }

    /// Handles one input at time `now` and returns the resulting actions, in order.
    pub fn handle(&mut self, input: Input<'_>, now: Duration) -> Vec<Output> {
        let mut out = Vec::new();
        let before: Vec<Phase> = self.instances.iter().map(|i| i.phase).collect();
        match input {
            Input::Start => {
                if !self.started {
                    self.started = true;
                    self.refresh_tracking_silently();
                    for inst in &mut self.instances {
                        inst.start(now, &mut out);
                    }
                }
            }
            Input::Timer => {
                if self.started {
                    for inst in &mut self.instances {
                        inst.on_timer(now, &mut out);
                    }
                }
            }
            Input::Packet(rx) => {
                if self.started {
                    self.on_packet(rx, now, &mut out);
                }
            }
            Input::Link { interface, up } => {
                let prev = self.links.insert(interface.to_string(), up);
                if self.started && prev != Some(up) {
                    for inst in &self.instances {
                        let tracks = inst.cfg.interface == interface
                            || inst
                                .cfg
                                .track_interfaces
                                .iter()
                                .any(|t| t.name == interface);
                        if tracks {
                            let word = if up { "UP" } else { "DOWN" };
                            inst.log(
                                &mut out,
                                LogLine::info(format!(
                                    "Kernel is reporting: interface {interface} {word}"
                                )),
                            );
                        }
                    }
                    self.reevaluate(now, &mut out);
                }
            }
            Input::ScriptResult { script, success } => {
                if let Some(s) = self.scripts.get_mut(script) {
                    match s.apply(success) {
                        Some(ScriptChange::Succeeded) => out.push(Output {
                            instance: None,
                            action: Action::Log(LogLine::info(format!(
                                "VRRP_Script({script}) succeeded"
                            ))),
                        }),
                        Some(ScriptChange::Failed) => out.push(Output {
                            instance: None,
                            action: Action::Log(LogLine::info(format!(
                                "VRRP_Script({script}) failed"
                            ))),
                        }),
                        None => {}
                    }
                    if self.started {
                        self.reevaluate(now, &mut out);
                    } else {
                        self.refresh_tracking_silently();
                    }
                }
            }
            Input::Shutdown => {
                for inst in &mut self.instances {
                    inst.shutdown(&mut out);
                }
                self.started = false;
            }
            Input::Reload(cfg) => self.reload(*cfg, now, &mut out),
        }
        if self.started {
            sync_group::sync(self, &before, now, &mut out);
        }
        out
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
        for inst in &mut self.instances {
            if !inst.up {
                inst.enter_fault(out);
            } else if inst.phase == Phase::Fault {
                inst.leave_fault(now, out);
            }
        }
    }

    fn on_packet(&mut self, rx: RxPacket<'_>, now: Duration, out: &mut Vec<Output>) {
        for inst in &mut self.instances {
            if inst.cfg.interface != rx.interface || inst.cfg.family != rx.family {
                continue;
            }
            let ah = matches!(inst.cfg.auth, crate::config::Auth::Ah(_));
            if validate::demux_vrid(&rx, ah) != Some(inst.cfg.vrid) {
                continue;
            }
            let verdict = validate::check(&inst.cfg, &rx, inst.master_addr);
            inst.on_packet(now, verdict, out);
        }
    }

    /// SIGHUP: instances matched by (VRID, family, interface) keep state, priority and
    /// counters; removed ones stop like at shutdown; new ones start.
    fn reload(&mut self, config: EngineConfig, now: Duration, out: &mut Vec<Output>) {
        let mut old: Vec<Option<Instance>> = std::mem::take(&mut self.instances)
            .into_iter()
            .map(Some)
            .collect();
        let mut new_instances = Vec::with_capacity(config.instances.len());
        let mut fresh = Vec::new();
        for (i, cfg) in config.instances.iter().enumerate() {
            let id = InstanceId(i);
            let key = Instance::key(cfg);
            let matched = old
                .iter_mut()
                .find(|o| o.as_ref().is_some_and(|o| Instance::key(&o.cfg) == key))
                .and_then(Option::take);
            match matched {
                Some(mut inst) => {
                    let removed: Vec<Vip> = inst
                        .cfg
                        .vips
                        .iter()
                        .chain(&inst.cfg.excluded_vips)
                        .filter(|v| !cfg.vips.contains(v) && !cfg.excluded_vips.contains(v))
                        .cloned()
                        .collect();
                    let added: Vec<Vip> = cfg
                        .vips
                        .iter()
                        .chain(&cfg.excluded_vips)
                        .filter(|v| {
                            !inst.cfg.vips.contains(v) && !inst.cfg.excluded_vips.contains(v)
                        })
                        .cloned()
                        .collect();
                    inst.id = id;
                    if inst.base_priority != 254 || cfg.priority != 255 {
                        inst.base_priority = cfg.priority.max(1);
                    }
                    inst.cfg = cfg.clone();
                    if inst.vips_set {
                        for v in &removed {
                            inst.log(
                                out,
                                LogLine::info(format!(
                                    "ip address {}/{} dev {}, no longer exist",
                                    v.addr, v.prefix_len, v.dev
                                )),
                            );
                        }
                        if !removed.is_empty() {
                            out.push(Output {
                                instance: Some(id),
                                action: Action::RemoveAddresses(removed),
                            });
                        }
                        if !added.is_empty() {
                            out.push(Output {
                                instance: Some(id),
                                action: Action::AddAddresses(added.clone()),
                            });
                            out.push(Output {
                                instance: Some(id),
                                action: Action::SendGarp {
                                    vips: added,
                                    count: inst.cfg.garp.master_repeat,
                                },
                            });
                        }
                    }
                    new_instances.push(inst);
                }
                None => {
                    fresh.push(i);
                    new_instances.push(Instance::new(id, cfg.clone()));
                }
            }
        }
        // Instances gone from the config: priority 0 and release, as at stop.
        for mut gone in old.into_iter().flatten() {
            let id = gone.id;
            let mut tmp = Vec::new();
            gone.shutdown(&mut tmp);
            // Their ids no longer exist; report them engine-wide.
            out.extend(tmp.into_iter().map(|mut o| {
                let _ = id;
                o.instance = None;
                o
            }));
        }
        // Scripts: keep the state of those that still exist (OK stays OK).
        let mut scripts = HashMap::new();
        for s in &config.scripts {
            let st = match self.scripts.remove(&s.name) {
                Some(mut old) => {
                    if old.ok() == Some(true) {
                        out.push(Output {
                            instance: None,
                            action: Action::Log(LogLine::info(format!(
                                "VRRP_Script({}) considered successful on reload",
                                s.name
                            ))),
                        });
                    }
                    old.cfg = s.clone();
                    old
                }
                None => ScriptState::new(s.clone()),
            };
            scripts.insert(s.name.clone(), st);
        }
        self.scripts = scripts;
        self.instances = new_instances;
        self.config = config;
        self.assign_groups();
        if self.started {
            self.reevaluate(now, out);
            for i in fresh {
                let inst = &mut self.instances[i];
                if inst.phase == Phase::Init {
                    inst.start(now, out);
                }
            }
        } else {
            self.refresh_tracking_silently();
        }
    }

    /// Earliest time at which [`Input::Timer`] must be delivered, if any timer runs.
    pub fn next_deadline(&self) -> Option<Duration> {
        if !self.started {
            return None;
        }
        self.instances
            .iter()
            .filter_map(Instance::next_deadline)
            .min()
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

    /// Configuration of an instance.
    pub fn instance_config(&self, id: InstanceId) -> &InstanceConfig {
        &self.config.instances[id.0]
    }

    /// Number of instances.
    pub fn instance_count(&self) -> usize {
        self.config.instances.len()
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
