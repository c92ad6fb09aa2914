//! The engine: all instances and sync groups of one daemon.
//!
//! API contract (the daemon is written against it):
//! * [`Engine::new`] takes the resolved config; nothing happens until [`Input::Start`].
//! * [`Engine::handle`] takes one input and the current time and returns what to do, in order.
//! * [`Engine::next_deadline`] is the earliest time at which [`Input::Timer`] must be delivered.
//!   Delivering it late is harmless (everything due is processed), early is a no-op.

use std::net::IpAddr;
use std::time::Duration;

use crate::config::{EngineConfig, Family, InstanceConfig, Vip};
use crate::log::LogLine;

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

/// All instances of one daemon.
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
}

impl Engine {
    /// Builds the engine; no instance runs before [`Input::Start`].
    pub fn new(config: EngineConfig) -> Self {
        Engine { config }
    }

    /// Handles one input at time `now` and returns the resulting actions, in order.
    pub fn handle(&mut self, input: Input<'_>, now: Duration) -> Vec<Output> {
        let _ = (input, now);
        todo!("vrrp-engine: state machine")
    }

    /// Earliest time at which [`Input::Timer`] must be delivered, if any timer runs.
    pub fn next_deadline(&self) -> Option<Duration> {
        todo!("vrrp-engine: timers")
    }

    /// Current state of an instance.
    pub fn state(&self, id: InstanceId) -> State {
        let _ = id;
        todo!("vrrp-engine: state query")
    }

    /// Current effective priority of an instance.
    pub fn effective_priority(&self, id: InstanceId) -> u8 {
        let _ = id;
        todo!("vrrp-engine: priority query")
    }

    /// Configuration of an instance.
    pub fn instance_config(&self, id: InstanceId) -> &InstanceConfig {
        &self.config.instances[id.0]
    }

    /// Number of instances.
    pub fn instance_count(&self) -> usize {
        self.config.instances.len()
    }
}
