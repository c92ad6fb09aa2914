//! The engine's configuration: virtual servers, their IPVS services, real servers and
//! checkers. The daemon converts keepalived.conf's AST into these types; the engine never
//! parses anything.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use thiserror::Error;

/// Identifies one checker for the life of the engine (across reconfigurations: an
/// unchanged checker of an unchanged real server keeps its id; ids are never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckerId(pub u32);

impl fmt::Display for CheckerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Transport protocol of an address/port service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TCP (`protocol TCP`, the default).
    Tcp,
    /// UDP (`protocol UDP`).
    Udp,
}

/// Address family of a firewall-mark service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// Identity of one IPVS service (the kernel's key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKey {
    /// `virtual_server IP PORT` (or one address of a group).
    Inet {
        /// TCP or UDP.
        proto: Protocol,
        /// Virtual address.
        addr: IpAddr,
        /// Virtual port.
        port: u16,
    },
    /// `virtual_server fwmark N` (or one fwmark of a group).
    Fwmark {
        /// Address family of the service.
        family: Family,
        /// The firewall mark.
        mark: u32,
    },
}

impl ServiceKey {
    /// The virtual address of an address/port service.
    pub fn addr(&self) -> Option<IpAddr> {
        match self {
            ServiceKey::Inet { addr, .. } => Some(*addr),
            ServiceKey::Fwmark { .. } => None,
        }
    }
}

impl fmt::Display for ServiceKey {
    /// 1.3.5's `FMT_VS` form: `[10.0.0.1]:80`, `FWM 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Inet { addr, port, .. } => write!(f, "[{addr}]:{port}"),
            ServiceKey::Fwmark { mark, .. } => write!(f, "FWM {mark}"),
        }
    }
}

/// Packet-forwarding method of a destination (`lb_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Forwarding {
    /// Masquerading (`NAT`).
    Nat,
    /// Direct routing (`DR`).
    DirectRoute,
    /// IP-in-IP tunnelling (`TUN`).
    Tunnel,
}

/// Everything the kernel needs to create one IPVS service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceSpec {
    /// Which service.
    pub key: ServiceKey,
    /// Scheduler name (`lb_algo`): `rr`, `wlc`, ...
    pub scheduler: String,
    /// `persistence_timeout` in seconds; `None` = not persistent.
    pub persistence_timeout: Option<u32>,
    /// `persistence_granularity` as a netmask (IPv4 mask as u32, or an IPv6 prefix length).
    pub persistence_netmask: Option<u32>,
    /// `persistence_engine` name (e.g. `sip`).
    pub persistence_engine: Option<String>,
    /// `ops` (one-packet scheduling; 1.3.5 only sets it on UDP services).
    pub one_packet: bool,
    /// `hashed` (source-hash flag).
    pub hashed: bool,
    /// Scheduler flags `IP_VS_SVC_F_SCHED1..3` (0x08, 0x10, 0x20): `flag-1..3`, and for
    /// `sh`, `sh-fallback` (= flag-1) and `sh-port` (= flag-2).
    pub sched_flags: u32,
}

/// A destination (real server or sorry server) as programmed into IPVS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Dest {
    /// Real server address.
    pub addr: IpAddr,
    /// Real server port.
    pub port: u16,
    /// Weight (`weight`, default 1); in [`crate::IpvsOp`]s, the weight to program.
    pub weight: u32,
    /// Forwarding method (`lb_kind`).
    pub forwarding: Forwarding,
    /// `uthreshold` (0 = none).
    pub upper_threshold: u32,
    /// `lthreshold` (0 = none).
    pub lower_threshold: u32,
}

impl Dest {
    /// The destination's identity within a service: (address, port).
    pub fn ident(&self) -> (IpAddr, u16) {
        (self.addr, self.port)
    }
}

/// The whole checker configuration; `P` is the daemon's probe description (e.g. an
/// HTTP_GET block already resolved to connect address, URLs and timeouts).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckConfig<P> {
    /// Virtual servers in configuration order.
    pub virtual_servers: Vec<VirtualServer<P>>,
}

impl<P> Default for CheckConfig<P> {
    fn default() -> Self {
        CheckConfig {
            virtual_servers: Vec::new(),
        }
    }
}

/// One `virtual_server` block.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServer<P> {
    /// The name 1.3.5 logs: `[10.0.0.1]:80`, `FWM 5`, or the group's.
    pub name: String,
    /// The IPVS services: one, or several for a `virtual_server_group` (they share the
    /// real servers).
    pub services: Vec<ServiceSpec>,
    /// `delay_loop` (1.3.5 default 60 s).
    pub delay_loop: Duration,
    /// `alpha`: real servers start down until their first successful check.
    pub alpha: bool,
    /// `omega`: run notify_down / quorum_down while the VS is torn down.
    pub omega: bool,
    /// `quorum` (1.3.5 default 1).
    pub quorum: u32,
    /// `hysteresis` (1.3.5 default 0; it clamps it below `quorum`).
    pub hysteresis: u32,
    /// `quorum_up` command line.
    pub quorum_up: Option<String>,
    /// `quorum_down` command line.
    pub quorum_down: Option<String>,
    /// `sorry_server` (1.3.5 gives it weight 1).
    pub sorry_server: Option<Dest>,
    /// `sorry_server_inhibit`: the sorry server is set to weight 0 rather than removed.
    pub sorry_server_inhibit: bool,
    /// `ha_suspend`: checkers only run while a virtual address is on this host.
    pub ha_suspend: bool,
    /// Real servers in configuration order.
    pub real_servers: Vec<RealServer<P>>,
}

/// One `real_server` block.
#[derive(Debug, Clone, PartialEq)]
pub struct RealServer<P> {
    /// The destination (its `weight` is the configured weight).
    pub dest: Dest,
    /// `inhibit_on_failure`: set weight 0 on failure instead of removing the dest.
    pub inhibit_on_failure: bool,
    /// `notify_up` command line.
    pub notify_up: Option<String>,
    /// `notify_down` command line.
    pub notify_down: Option<String>,
    /// The checkers; the real server is alive when none has failed.
    pub checkers: Vec<Checker<P>>,
}

/// Which keepalived checker a [`Checker`] is; it selects 1.3.5's per-checker retry
/// rules and log wording.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckerKind {
    /// `HTTP_GET`.
    Http,
    /// `SSL_GET`.
    Ssl,
    /// `TCP_CHECK`.
    Tcp,
    /// `SMTP_CHECK`.
    Smtp,
    /// `MISC_CHECK`; `path` is `misc_path` as configured (1.3.5 logs it).
    Misc {
        /// The `misc_path` command line.
        path: String,
    },
    /// `DNS_CHECK`: retries only while up, each a `delay_loop` later (1.3.5's `dns_final`
    /// ignores `delay_before_retry`), and logs no line of its own on success or after the
    /// retries (its `=> DNS_CHECK: ... <=` texts are `smtp_alert` mail bodies only).
    Dns,
}

/// One checker block inside a `real_server`.
#[derive(Debug, Clone, PartialEq)]
pub struct Checker<P> {
    /// Which checker.
    pub kind: CheckerKind,
    /// What the daemon needs to run the probe; handed back in [`crate::Action::Probe`].
    pub probe: P,
    /// Extra attempts after a failure before the checker is declared down
    /// (`nb_get_retry` for HTTP/SSL, `retry` for TCP and DNS; SMTP's `retry` counts all
    /// attempts, so the daemon passes `retry - 1`; ignored for MISC, which never retries).
    pub retries: u32,
    /// `delay_before_retry` (unused by DNS, which retries after the delay_loop).
    pub delay_before_retry: Duration,
    /// `warmup`; `None` = 1.3.5's default, the effective delay_loop.
    pub warmup: Option<Duration>,
    /// Per-checker delay_loop override, else the virtual server's.
    pub delay_loop: Option<Duration>,
    /// `misc_dynamic`: a successful probe may carry a weight.
    pub dynamic_weight: bool,
}

/// A configuration the engine refuses (see [`CheckConfig::validate`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// Two virtual servers (or two entries of one) use the same IPVS service.
    #[error("IPVS service {0} is configured twice")]
    DuplicateService(ServiceKey),
    /// A virtual server lists the same real server twice.
    #[error("real server [{addr}]:{port} is configured twice in VS {vs}")]
    DuplicateRealServer {
        /// The virtual server's name.
        vs: String,
        /// Real server address.
        addr: IpAddr,
        /// Real server port.
        port: u16,
    },
}

impl<P> CheckConfig<P> {
    /// Checks what the engine relies on: each IPVS service belongs to one virtual server,
    /// and real servers are unique within a virtual server. The engine still runs an
    /// invalid configuration (later duplicates are ignored), so the daemon should call
    /// this first and report.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut keys = std::collections::HashSet::new();
        for vs in &self.virtual_servers {
            for s in &vs.services {
                if !keys.insert(s.key) {
                    return Err(ConfigError::DuplicateService(s.key));
                }
            }
            let mut rss = std::collections::HashSet::new();
            for rs in &vs.real_servers {
                if !rss.insert(rs.dest.ident()) {
                    return Err(ConfigError::DuplicateRealServer {
                        vs: vs.name.clone(),
                        addr: rs.dest.addr,
                        port: rs.dest.port,
                    });
                }
            }
        }
        Ok(())
    }
}
