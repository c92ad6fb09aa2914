//! Read-only snapshot of the engine for state dumps.

use std::net::IpAddr;

use crate::config::CheckerId;

/// The whole engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Virtual servers in configuration order.
    pub virtual_servers: Vec<VsStatus>,
}

/// One virtual server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VsStatus {
    /// Name as logged.
    pub name: String,
    /// Quorum state (1.3.5's `quorum_state == UP`).
    pub quorum_up: bool,
    /// Sum of the weights of the alive real servers.
    pub alive_weight: i64,
    /// Whether the sorry server is in the pool.
    pub sorry_server_active: bool,
    /// Whether the checkers run (false while ha_suspend has no address).
    pub checkers_enabled: bool,
    /// Real servers in configuration order.
    pub real_servers: Vec<RsStatus>,
}

/// One real server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsStatus {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
    /// Alive (in the pool, or at its weight when inhibit_on_failure).
    pub alive: bool,
    /// Current weight (misc_dynamic may have changed it).
    pub weight: u32,
    /// Whether the dest is in IPVS (alive, or inhibited at weight 0).
    pub in_ipvs: bool,
    /// All its checkers.
    pub checkers: Vec<CheckerId>,
    /// The checkers that are down.
    pub failed_checkers: Vec<CheckerId>,
}
