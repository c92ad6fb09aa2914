//! IPVS (Linux Virtual Server) adapter over generic netlink: the only code in the project that
//! programs the kernel's IPVS table.
//!
//! It resolves the `IPVS` generic netlink family, adds, edits and deletes virtual services
//! (address/protocol/port or firewall-mark) and their real servers ("destinations"), dumps
//! both, reads and sets connection timeouts, starts/stops/lists sync daemons, flushes, and
//! reads the IPVS version. Attribute layouts follow the kernel's
//! `include/uapi/linux/ip_vs.h`; see [`codec`]. It imports neither the configuration parser
//! nor the VRRP engine: the checker side of the daemon translates its model into these types.

#![forbid(unsafe_code)]

mod client;
pub mod codec;

use std::net::IpAddr;

pub use client::IpvsClient;

/// `IP_VS_SVC_F_PERSISTENT`: persistent service (`persistence_timeout`).
pub const SVC_F_PERSISTENT: u32 = 0x0001;
/// `IP_VS_SVC_F_HASHED`: set by the kernel on every service that is in its hash table.
pub const SVC_F_HASHED: u32 = 0x0002;
/// `IP_VS_SVC_F_ONEPACKET`: one-packet scheduling (`ops`).
pub const SVC_F_ONEPACKET: u32 = 0x0004;

/// `IPPROTO_TCP`.
pub const PROTO_TCP: u16 = 6;
/// `IPPROTO_UDP`.
pub const PROTO_UDP: u16 = 17;
/// `IPPROTO_SCTP`.
pub const PROTO_SCTP: u16 = 132;

/// Errors of the IPVS adapter.
#[derive(Debug, thiserror::Error)]
pub enum IpvsError {
    /// The netlink socket could not be opened, or send/receive failed.
    #[error("IPVS netlink socket: {0}")]
    Io(#[from] std::io::Error),
    /// No generic netlink family `IPVS`: the `ip_vs` module is not loaded or not built.
    #[error("IPVS is not available in this kernel (no generic netlink family \"IPVS\"; is ip_vs loaded?)")]
    FamilyNotFound,
    /// The kernel refused a request; `errno` is positive (e.g. 17 = EEXIST, 3 = ESRCH).
    #[error("IPVS: kernel refused {what}: {source}")]
    Kernel {
        /// The request that failed.
        what: &'static str,
        /// The kernel's errno as an OS error.
        source: std::io::Error,
    },
    /// A message from the kernel could not be decoded.
    #[error("IPVS: malformed netlink message: {0}")]
    Malformed(String),
}

impl IpvsError {
    /// The kernel's errno for [`IpvsError::Kernel`], if any.
    pub fn errno(&self) -> Option<i32> {
        match self {
            IpvsError::Kernel { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

/// What identifies a virtual service in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKey {
    /// `virtual_server IP PORT` with a protocol ([`PROTO_TCP`], [`PROTO_UDP`], [`PROTO_SCTP`]).
    Addr {
        /// IP protocol number.
        protocol: u16,
        /// Virtual address; its family is the service's family.
        addr: IpAddr,
        /// Virtual port.
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark {
        /// Whether the service is IPv6 (`AF_INET6`) rather than IPv4.
        ipv6: bool,
        /// Firewall mark (non-zero).
        mark: u32,
    },
}

impl ServiceKey {
    /// Whether this is an IPv6 service.
    pub fn is_ipv6(&self) -> bool {
        match self {
            ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
            ServiceKey::Fwmark { ipv6, .. } => *ipv6,
        }
    }

    /// The service's address family (`AF_INET` or `AF_INET6`).
    pub fn af(&self) -> u16 {
        if self.is_ipv6() {
            codec::AF_INET6
        } else {
            codec::AF_INET
        }
    }
}

/// A virtual service as sent to or reported by the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Identity of the service.
    pub key: ServiceKey,
    /// Scheduler name (`rr`, `wrr`, `lc`, `wlc`, `sh`, ...; at most 15 bytes).
    pub scheduler: String,
    /// `IP_VS_SVC_F_*` flags ([`SVC_F_PERSISTENT`], [`SVC_F_ONEPACKET`], ...). The kernel
    /// reports [`SVC_F_HASHED`] on every listed service.
    pub flags: u32,
    /// Persistence timeout in seconds (meaningful with [`SVC_F_PERSISTENT`]).
    pub timeout: u32,
    /// Persistence granularity: for IPv4 a mask as an integer (`0xffff_ff00` = /24), for IPv6
    /// a prefix length (1..=128).
    pub netmask: u32,
    /// Persistence engine (e.g. `sip`), if any.
    pub pe_name: Option<String>,
}

impl Service {
    /// A service with the given scheduler, no persistence and a full-length netmask.
    pub fn new(key: ServiceKey, scheduler: &str) -> Self {
        let netmask = if key.is_ipv6() { 128 } else { u32::MAX };
        Service {
            key,
            scheduler: scheduler.to_string(),
            flags: 0,
            timeout: 0,
            netmask,
            pe_name: None,
        }
    }
}

/// Forwarding method of a destination (`lb_kind`), `IP_VS_CONN_F_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum FwdMethod {
    /// NAT (`IP_VS_CONN_F_MASQ`).
    Masq = 0,
    /// Local node (`IP_VS_CONN_F_LOCALNODE`), reported by the kernel for local addresses.
    LocalNode = 1,
    /// IP-in-IP tunnel (`IP_VS_CONN_F_TUNNEL`).
    Tunnel = 2,
    /// Direct routing (`IP_VS_CONN_F_DROUTE`).
    Droute = 3,
    /// Bypass (`IP_VS_CONN_F_BYPASS`).
    Bypass = 4,
}

impl FwdMethod {
    /// Decodes the kernel's value (only the `IP_VS_CONN_F_FWD_MASK` bits count).
    pub fn from_kernel(v: u32) -> Result<Self, IpvsError> {
        Ok(match v & 0x7 {
            0 => FwdMethod::Masq,
            1 => FwdMethod::LocalNode,
            2 => FwdMethod::Tunnel,
            3 => FwdMethod::Droute,
            4 => FwdMethod::Bypass,
            other => return Err(IpvsError::Malformed(format!("forwarding method {other}"))),
        })
    }
}

/// A real server of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Real server address.
    pub addr: IpAddr,
    /// Real server port.
    pub port: u16,
    /// Forwarding method.
    pub fwd: FwdMethod,
    /// Scheduling weight (0 = quiesced).
    pub weight: u32,
    /// Upper connection threshold (0 = none).
    pub u_threshold: u32,
    /// Lower connection threshold (0 = none).
    pub l_threshold: u32,
    /// Active connections (reported by dumps; ignored when sending).
    pub active_conns: u32,
    /// Inactive connections (reported by dumps; ignored when sending).
    pub inactive_conns: u32,
    /// Persistent connections (reported by dumps; ignored when sending).
    pub persistent_conns: u32,
}

impl Destination {
    /// A destination with no thresholds and zero counters.
    pub fn new(addr: IpAddr, port: u16, fwd: FwdMethod, weight: u32) -> Self {
        Destination {
            addr,
            port,
            fwd,
            weight,
            u_threshold: 0,
            l_threshold: 0,
            active_conns: 0,
            inactive_conns: 0,
            persistent_conns: 0,
        }
    }
}

/// The `GET_INFO` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpvsInfo {
    /// IPVS version, `major << 16 | minor << 8 | patch` (1.2.1 = 0x010201).
    pub version: u32,
    /// Size of the connection hash table.
    pub conn_tab_size: u32,
}

impl IpvsInfo {
    /// The version as `major.minor.patch`.
    pub fn version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            self.version >> 16,
            (self.version >> 8) & 0xff,
            self.version & 0xff
        )
    }
}

/// Connection timeouts in seconds (`lvs_timeouts`, `ipvsadm --set tcp tcpfin udp`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Established TCP connections.
    pub tcp: u32,
    /// TCP connections after FIN.
    pub tcp_fin: u32,
    /// UDP "connections".
    pub udp: u32,
}

/// Role of an IPVS connection-synchronisation daemon (`lvs_sync_daemon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SyncState {
    /// `IP_VS_STATE_MASTER`: sends connection state.
    Master = 1,
    /// `IP_VS_STATE_BACKUP`: receives connection state.
    Backup = 2,
}

/// An in-kernel IPVS sync daemon. Optional fields left `None` take the kernel's defaults
/// (group 224.0.0.81, port 8848, TTL 1, maxlen from the interface MTU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: SyncState,
    /// Interface the sync messages use (at most 15 bytes).
    pub mcast_ifn: String,
    /// Sync id (0..=255).
    pub sync_id: u32,
    /// UDP payload size.
    pub sync_maxlen: Option<u16>,
    /// Multicast group (IPv4 or IPv6).
    pub mcast_group: Option<IpAddr>,
    /// Multicast base port.
    pub mcast_port: Option<u16>,
    /// Multicast TTL.
    pub mcast_ttl: Option<u8>,
}

impl SyncDaemon {
    /// A daemon with the kernel's defaults for everything optional.
    pub fn new(state: SyncState, mcast_ifn: &str, sync_id: u32) -> Self {
        SyncDaemon {
            state,
            mcast_ifn: mcast_ifn.to_string(),
            sync_id,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        }
    }
}

#[cfg(test)]
mod tests;
