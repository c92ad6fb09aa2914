//! Typed syntax tree of keepalived 1.3.5's checker (LVS) configuration: `virtual_server`,
//! `virtual_server_group`, `real_server`, the health checkers, `SSL` and the LVS keywords of
//! `global_defs`.
//!
//! As in the VRRP part, values the file did not set are `None` and helper methods give 1.3.5's
//! effective defaults where they do not depend on another block. Durations are whole seconds in
//! 1.3.5 (`strtoul(…) * TIMER_HZ`: no fractions).

use super::{Notify, Span, SpanInsensitive, UserGroup};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// 1.3.5's `delay_loop` when unset (`KEEPALIVED_DEFAULT_DELAY`).
pub const DEFAULT_DELAY_LOOP: Duration = Duration::from_secs(60);
/// 1.3.5's checker `connect_timeout` when unset (set by `queue_checker`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// 1.3.5's `persistence_timeout` for a bare keyword, or when only `persistence_granularity`
/// is set (`IPVS_SVC_PERSISTENT_TIMEOUT`).
pub const DEFAULT_PERSISTENCE_TIMEOUT: Duration = Duration::from_secs(360);
/// 1.3.5's SMTP_CHECK HELO name when `helo_name` is unset (`SMTP_DEFAULT_HELO`).
pub const DEFAULT_SMTP_HELO: &str = "smtpchecker.keepalived.org";

/// What a `virtual_server` line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VirtualServerKey {
    /// `virtual_server IP PORT`.
    Addr {
        /// The virtual address (1.3.5 drops a `/mask` or `-range` suffix).
        addr: IpAddr,
        /// The virtual port.
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME` (a `virtual_server_group`).
    Group(String),
}

/// `lb_algo` / `lvs_sched`: the IPVS scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LbAlgo {
    /// `rr` round robin.
    Rr,
    /// `wrr` weighted round robin.
    Wrr,
    /// `lc` least connection.
    Lc,
    /// `wlc` weighted least connection.
    Wlc,
    /// `lblc` locality-based least connection.
    Lblc,
    /// `lblcr` locality-based least connection with replication.
    Lblcr,
    /// `dh` destination hashing.
    Dh,
    /// `sh` source hashing.
    Sh,
    /// `sed` shortest expected delay.
    Sed,
    /// `nq` never queue.
    Nq,
    /// Another name: 1.3.5 hands any name (cut to 15 bytes) to the kernel, which decides
    /// (e.g. `fo`, `ovf`, `mh` on newer kernels).
    Other(String),
}

impl LbAlgo {
    /// Parse a scheduler name as 1.3.5 keeps it (at most 15 bytes, the kernel's limit).
    pub fn from_name(name: &str) -> LbAlgo {
        match name {
            "rr" => LbAlgo::Rr,
            "wrr" => LbAlgo::Wrr,
            "lc" => LbAlgo::Lc,
            "wlc" => LbAlgo::Wlc,
            "lblc" => LbAlgo::Lblc,
            "lblcr" => LbAlgo::Lblcr,
            "dh" => LbAlgo::Dh,
            "sh" => LbAlgo::Sh,
            "sed" => LbAlgo::Sed,
            "nq" => LbAlgo::Nq,
            other => LbAlgo::Other(other.to_string()),
        }
    }
    /// The IPVS scheduler name.
    pub fn name(&self) -> &str {
        match self {
            LbAlgo::Rr => "rr",
            LbAlgo::Wrr => "wrr",
            LbAlgo::Lc => "lc",
            LbAlgo::Wlc => "wlc",
            LbAlgo::Lblc => "lblc",
            LbAlgo::Lblcr => "lblcr",
            LbAlgo::Dh => "dh",
            LbAlgo::Sh => "sh",
            LbAlgo::Sed => "sed",
            LbAlgo::Nq => "nq",
            LbAlgo::Other(s) => s,
        }
    }
}

/// `lb_kind` / `lvs_method`: the IPVS forwarding method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LbKind {
    /// `NAT` (masquerading; 1.3.5's value when unset, `IP_VS_CONN_F_MASQ` = 0).
    #[default]
    Nat,
    /// `DR` direct routing.
    Dr,
    /// `TUN` IP-in-IP tunnelling.
    Tun,
}

impl LbKind {
    /// The keyword value.
    pub fn name(self) -> &'static str {
        match self {
            LbKind::Nat => "NAT",
            LbKind::Dr => "DR",
            LbKind::Tun => "TUN",
        }
    }
}

/// `protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `TCP`.
    Tcp,
    /// `UDP`.
    Udp,
    /// `SCTP`.
    Sctp,
}

impl Protocol {
    /// The keyword value.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

/// `ip_family inet|inet6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    /// `inet`.
    Inet,
    /// `inet6`.
    Inet6,
}

/// `persistence_granularity`: an IPv4 netmask, or an IPv6 prefix length. keepalived 1.3.5
/// rejects every valid IPv4 netmask (its check is inverted), so the parser only produces
/// [`PersistenceGranularity::Prefix`]; `Mask` is there for code that builds a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersistenceGranularity {
    /// IPv4 (and fwmark/group) services: a netmask.
    Mask(Ipv4Addr),
    /// IPv6 services: a prefix length.
    Prefix(u32),
}

/// `virtual_server … { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualServer {
    /// Address and port, fwmark or group.
    pub key: VirtualServerKey,
    /// Position of the `virtual_server` keyword.
    pub span: Span,
    /// `ip_family` (for fwmark/group services).
    pub ip_family: Option<IpFamily>,
    /// `delay_loop` (1.3.5: whole seconds, at least 1); see [`VirtualServer::delay_loop`].
    pub delay_loop: Option<Duration>,
    /// `lb_algo` / `lvs_sched` (no default in 1.3.5's parser).
    pub lb_algo: Option<LbAlgo>,
    /// `lb_kind` / `lvs_method`; see [`VirtualServer::lb_kind`].
    pub lb_kind: Option<LbKind>,
    /// `hashed` (`IP_VS_SVC_F_HASHED`).
    pub hashed: bool,
    /// `ops` one-packet scheduling (`IP_VS_SVC_F_ONEPACKET`; the kernel only honours it for UDP).
    pub ops: bool,
    /// `flag-1` (`IP_VS_SVC_F_SCHED1`).
    pub flag_1: bool,
    /// `flag-2` (`IP_VS_SVC_F_SCHED2`).
    pub flag_2: bool,
    /// `flag-3` (`IP_VS_SVC_F_SCHED3`).
    pub flag_3: bool,
    /// `sh-port` (kept only when `lb_algo sh` came first, as in 1.3.5).
    pub sh_port: bool,
    /// `sh-fallback` (kept only when `lb_algo sh` came first, as in 1.3.5).
    pub sh_fallback: bool,
    /// `persistence_engine NAME`.
    pub persistence_engine: Option<String>,
    /// `persistence_timeout [N]`; see [`VirtualServer::persistence_timeout`].
    pub persistence_timeout: Option<Duration>,
    /// `persistence_granularity`.
    pub persistence_granularity: Option<PersistenceGranularity>,
    /// `protocol` (no default in 1.3.5's parser).
    pub protocol: Option<Protocol>,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `virtualhost NAME` (the Host: header of HTTP_GET/SSL_GET checks).
    pub virtualhost: Option<String>,
    /// `alpha`: real servers start failed until their checkers succeed.
    pub alpha: bool,
    /// `omega`: run quorum_down / notify_down scripts on shutdown as well.
    pub omega: bool,
    /// `quorum` (1.3.5 raises 0 to 1); see [`VirtualServer::quorum`].
    pub quorum: Option<u32>,
    /// `quorum_up SCRIPT [USER [GROUP]]`.
    pub quorum_up: Option<Notify>,
    /// `quorum_down SCRIPT [USER [GROUP]]`.
    pub quorum_down: Option<Notify>,
    /// `hysteresis`; see [`VirtualServer::hysteresis`].
    pub hysteresis: Option<u32>,
    /// `sorry_server IP PORT` (+ `sorry_server_inhibit`).
    pub sorry_server: Option<SorryServer>,
    /// `real_server IP PORT { … }` in file order.
    pub real_servers: Vec<RealServer>,
}

impl VirtualServer {
    /// A virtual server with nothing set.
    pub fn new(key: VirtualServerKey, span: Span) -> VirtualServer {
        VirtualServer {
            key,
            span,
            ip_family: None,
            delay_loop: None,
            lb_algo: None,
            lb_kind: None,
            hashed: false,
            ops: false,
            flag_1: false,
            flag_2: false,
            flag_3: false,
            sh_port: false,
            sh_fallback: false,
            persistence_engine: None,
            persistence_timeout: None,
            persistence_granularity: None,
            protocol: None,
            ha_suspend: false,
            virtualhost: None,
            alpha: false,
            omega: false,
            quorum: None,
            quorum_up: None,
            quorum_down: None,
            hysteresis: None,
            sorry_server: None,
            real_servers: Vec::new(),
        }
    }
    /// Effective `delay_loop` (default 60 s).
    pub fn delay_loop(&self) -> Duration {
        self.delay_loop.unwrap_or(DEFAULT_DELAY_LOOP)
    }
    /// Effective forwarding method (default NAT).
    pub fn lb_kind(&self) -> LbKind {
        self.lb_kind.unwrap_or_default()
    }
    /// Effective persistence timeout: as set, else 360 s when a granularity is set, else none.
    pub fn persistence_timeout(&self) -> Option<Duration> {
        self.persistence_timeout.or(self
            .persistence_granularity
            .map(|_| DEFAULT_PERSISTENCE_TIMEOUT))
    }
    /// Effective quorum (default 1).
    pub fn quorum(&self) -> u32 {
        self.quorum.unwrap_or(1)
    }
    /// Effective hysteresis (default 0).
    pub fn hysteresis(&self) -> u32 {
        self.hysteresis.unwrap_or(0)
    }
    /// Address family of the service: `ip_family`, else the virtual address's, else that of the
    /// first real or sorry server (1.3.5 takes the first one it reads), else IPv4.
    pub fn is_ipv6(&self) -> bool {
        match (&self.key, self.ip_family) {
            (VirtualServerKey::Addr { addr, .. }, _) => addr.is_ipv6(),
            (_, Some(f)) => f == IpFamily::Inet6,
            _ => self
                .real_servers
                .first()
                .map(|r| r.addr)
                .or(self.sorry_server.as_ref().map(|s| s.addr))
                .is_some_and(|a| a.is_ipv6()),
        }
    }
}

/// `sorry_server IP PORT` and `sorry_server_inhibit`.
#[derive(Debug, Clone, PartialEq)]
pub struct SorryServer {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
    /// `sorry_server_inhibit`: weight 0 instead of removal when the real servers come back.
    pub inhibit: bool,
    /// Position of the `sorry_server` keyword.
    pub span: Span,
}

/// `real_server IP PORT { … }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RealServer {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
    /// Position of the `real_server` keyword.
    pub span: Span,
    /// `weight` (default 1); see [`RealServer::weight`].
    pub weight: Option<i32>,
    /// `inhibit_on_failure`: set weight 0 instead of removing the server when it fails.
    pub inhibit_on_failure: bool,
    /// `notify_up SCRIPT [USER [GROUP]]`.
    pub notify_up: Option<Notify>,
    /// `notify_down SCRIPT [USER [GROUP]]`.
    pub notify_down: Option<Notify>,
    /// `uthreshold` (IPVS upper connection threshold; 0/unset = none).
    pub uthreshold: Option<u32>,
    /// `lthreshold` (IPVS lower connection threshold; 0/unset = none).
    pub lthreshold: Option<u32>,
    /// The health checkers, in file order (none: the server is always up).
    pub checkers: Vec<Checker>,
}

impl RealServer {
    /// A real server with nothing set.
    pub fn new(addr: IpAddr, port: u16, span: Span) -> RealServer {
        RealServer {
            addr,
            port,
            span,
            weight: None,
            inhibit_on_failure: false,
            notify_up: None,
            notify_down: None,
            uthreshold: None,
            lthreshold: None,
            checkers: Vec::new(),
        }
    }
    /// Effective weight (default 1).
    pub fn weight(&self) -> i32 {
        self.weight.unwrap_or(1)
    }
}

/// Connection options shared by the network checkers (`connect_ip`, `connect_port`, `bindto`,
/// `bind_port`, `connect_timeout`, `fwmark`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectOpts {
    /// `connect_ip` (default: the real server's address).
    pub connect_ip: Option<IpAddr>,
    /// `connect_port` (default: the real server's port).
    pub connect_port: Option<u16>,
    /// `bindto` source address.
    pub bindto: Option<IpAddr>,
    /// `bind_port` source port (1.3.5 only binds when `bindto` is set; see [`ConnectOpts::bind`]).
    pub bind_port: Option<u16>,
    /// `connect_timeout` (1.3.5: whole seconds, 0 means 1); see [`ConnectOpts::connect_timeout`].
    pub connect_timeout: Option<Duration>,
    /// `fwmark` (SO_MARK on the probe socket).
    pub fwmark: Option<u32>,
}

impl ConnectOpts {
    /// Effective connect timeout (default 5 s).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
    }
    /// The source address and port to bind to, as 1.3.5 binds: only when `bindto` is set
    /// (port 0 = any).
    pub fn bind(&self) -> Option<(IpAddr, u16)> {
        self.bindto.map(|a| (a, self.bind_port.unwrap_or(0)))
    }
    /// These options with every unset field taken from `base` (an SMTP host over the
    /// checker's own options).
    pub fn or(&self, base: &ConnectOpts) -> ConnectOpts {
        ConnectOpts {
            connect_ip: self.connect_ip.or(base.connect_ip),
            connect_port: self.connect_port.or(base.connect_port),
            bindto: self.bindto.or(base.bindto),
            bind_port: self.bind_port.or(base.bind_port),
            connect_timeout: self.connect_timeout.or(base.connect_timeout),
            fwmark: self.fwmark.or(base.fwmark),
        }
    }
}

/// One health checker of a real server.
#[derive(Debug, Clone, PartialEq)]
pub enum Checker {
    /// `HTTP_GET { … }`.
    HttpGet(HttpCheck),
    /// `SSL_GET { … }` (same keywords as HTTP_GET, over TLS with the root `SSL` block).
    SslGet(HttpCheck),
    /// `TCP_CHECK { … }`.
    Tcp(TcpCheck),
    /// `SMTP_CHECK { … }`.
    Smtp(SmtpCheck),
    /// `MISC_CHECK { … }`.
    Misc(MiscCheck),
    /// `DNS_CHECK { … }`.
    Dns(DnsCheck),
}

impl Checker {
    /// The checker's keyword (`HTTP_GET`, …).
    pub fn keyword(&self) -> &'static str {
        match self {
            Checker::HttpGet(_) => "HTTP_GET",
            Checker::SslGet(_) => "SSL_GET",
            Checker::Tcp(_) => "TCP_CHECK",
            Checker::Smtp(_) => "SMTP_CHECK",
            Checker::Misc(_) => "MISC_CHECK",
            Checker::Dns(_) => "DNS_CHECK",
        }
    }
    /// Position of the checker keyword.
    pub fn span(&self) -> &Span {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => &c.span,
            Checker::Tcp(c) => &c.span,
            Checker::Smtp(c) => &c.span,
            Checker::Misc(c) => &c.span,
            Checker::Dns(c) => &c.span,
        }
    }
    /// The `warmup` as written.
    pub fn warmup_set(&self) -> Option<Duration> {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => c.warmup,
            Checker::Tcp(c) => c.warmup,
            Checker::Smtp(c) => c.warmup,
            Checker::Misc(c) => c.warmup,
            // 1.3.5 has no `warmup` keyword in DNS_CHECK.
            Checker::Dns(_) => None,
        }
    }
    /// Effective warmup: as written, else the virtual server's `delay_loop` (1.3.5 takes the
    /// `delay_loop` read so far; the parser warns when a later `delay_loop` makes a difference).
    pub fn warmup(&self, vs: &VirtualServer) -> Duration {
        self.warmup_set().unwrap_or_else(|| vs.delay_loop())
    }
    /// The connection options (`None` for MISC_CHECK, which runs a script).
    pub fn connect(&self) -> Option<&ConnectOpts> {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => Some(&c.connect),
            Checker::Tcp(c) => Some(&c.connect),
            Checker::Smtp(c) => Some(&c.connect),
            Checker::Misc(_) => None,
            Checker::Dns(c) => Some(&c.connect),
        }
    }
}

/// `HTTP_GET` / `SSL_GET { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpCheck {
    /// Position of the checker keyword.
    pub span: Span,
    /// Connection options.
    pub connect: ConnectOpts,
    /// `warmup` (whole seconds); see [`Checker::warmup`].
    pub warmup: Option<Duration>,
    /// `nb_get_retry` (default 1); see [`HttpCheck::nb_get_retry`].
    pub nb_get_retry: Option<u32>,
    /// `delay_before_retry` (default 3 s); see [`HttpCheck::delay_before_retry`].
    pub delay_before_retry: Option<Duration>,
    /// `url { … }` blocks in file order.
    pub urls: Vec<Url>,
}

impl HttpCheck {
    /// Effective `nb_get_retry` (default 1).
    pub fn nb_get_retry(&self) -> u32 {
        self.nb_get_retry.unwrap_or(1)
    }
    /// Effective `delay_before_retry` (default 3 s).
    pub fn delay_before_retry(&self) -> Duration {
        self.delay_before_retry.unwrap_or(Duration::from_secs(3))
    }
}

/// `url { path …; digest …; status_code … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Url {
    /// Position of the `url` keyword.
    pub span: Span,
    /// `path` (the request URI).
    pub path: Option<String>,
    /// `digest`: the MD5 of the body, hex (compared as written).
    pub digest: Option<String>,
    /// `status_code`: the expected status 100..999 (unset: 1.3.5 accepts any 2xx).
    pub status_code: Option<u32>,
}

/// `TCP_CHECK { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TcpCheck {
    /// Position of the checker keyword.
    pub span: Span,
    /// Connection options.
    pub connect: ConnectOpts,
    /// `warmup`; see [`Checker::warmup`].
    pub warmup: Option<Duration>,
    /// `retry` (default 1); see [`TcpCheck::retry`].
    pub retry: Option<u32>,
    /// `delay_before_retry` (default 1 s); see [`TcpCheck::delay_before_retry`].
    pub delay_before_retry: Option<Duration>,
}

impl TcpCheck {
    /// Effective `retry` (default 1).
    pub fn retry(&self) -> u32 {
        self.retry.unwrap_or(1)
    }
    /// Effective `delay_before_retry` (default 1 s).
    pub fn delay_before_retry(&self) -> Duration {
        self.delay_before_retry.unwrap_or(Duration::from_secs(1))
    }
}

/// `SMTP_CHECK { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmtpCheck {
    /// Position of the checker keyword.
    pub span: Span,
    /// The checker's own connection options (those written before the first `host` block:
    /// 1.3.5 applies connection keywords written after a `host` block to that host).
    pub connect: ConnectOpts,
    /// `warmup`; see [`Checker::warmup`].
    pub warmup: Option<Duration>,
    /// `helo_name` (default `smtpchecker.keepalived.org`); see [`SmtpCheck::helo_name`].
    pub helo_name: Option<String>,
    /// `retry` (default 1); see [`SmtpCheck::retry`].
    pub retry: Option<u32>,
    /// `delay_before_retry` (default 1 s); see [`SmtpCheck::delay_before_retry`].
    pub delay_before_retry: Option<Duration>,
    /// `host { … }` blocks (deprecated in 1.3.5 but read); see [`SmtpCheck::hosts`].
    pub hosts: Vec<SmtpHost>,
}

impl SmtpCheck {
    /// Effective HELO name.
    pub fn helo_name(&self) -> &str {
        self.helo_name.as_deref().unwrap_or(DEFAULT_SMTP_HELO)
    }
    /// Effective `retry` (default 1).
    pub fn retry(&self) -> u32 {
        self.retry.unwrap_or(1)
    }
    /// Effective `delay_before_retry` (default 1 s).
    pub fn delay_before_retry(&self) -> Duration {
        self.delay_before_retry.unwrap_or(Duration::from_secs(1))
    }
    /// The hosts checked, each with the checker's options under its own; without `host`
    /// blocks, the checker's options alone (one host).
    pub fn hosts(&self) -> Vec<ConnectOpts> {
        if self.hosts.is_empty() {
            vec![self.connect.clone()]
        } else {
            self.hosts
                .iter()
                .map(|h| h.connect.or(&self.connect))
                .collect()
        }
    }
}

/// `host { … }` inside SMTP_CHECK.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmtpHost {
    /// Position of the `host` keyword.
    pub span: Span,
    /// This host's connection options (unset ones come from the checker).
    pub connect: ConnectOpts,
}

/// `MISC_CHECK { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MiscCheck {
    /// Position of the checker keyword.
    pub span: Span,
    /// `warmup`; see [`Checker::warmup`].
    pub warmup: Option<Duration>,
    /// `misc_path`: the command (run by `/bin/sh -c` in 1.3.5).
    pub misc_path: Option<String>,
    /// `misc_timeout` (unset or 0: the virtual server's `delay_loop`); see
    /// [`MiscCheck::timeout`].
    pub misc_timeout: Option<Duration>,
    /// `misc_dynamic`: the exit code minus 2 sets the weight.
    pub misc_dynamic: bool,
    /// `user USER [GROUP]` (default: the global script user).
    pub user: Option<UserGroup>,
}

impl MiscCheck {
    /// Effective script timeout: `misc_timeout` if non-zero, else the virtual server's delay_loop.
    pub fn timeout(&self, vs: &VirtualServer) -> Duration {
        match self.misc_timeout {
            Some(t) if !t.is_zero() => t,
            _ => vs.delay_loop(),
        }
    }
}

/// `DNS_CHECK { … }` query type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsType {
    /// `A`.
    A,
    /// `NS`.
    Ns,
    /// `CNAME`.
    Cname,
    /// `SOA` (1.3.5's default).
    Soa,
    /// `MX`.
    Mx,
    /// `TXT`.
    Txt,
    /// `AAAA`.
    Aaaa,
}

impl DnsType {
    /// Parse a type name as 1.3.5's table spells it, in any case (it compares with
    /// `strcasecmp`).
    pub fn from_name(name: &str) -> Option<DnsType> {
        Some(match name.to_ascii_uppercase().as_str() {
            "A" => DnsType::A,
            "NS" => DnsType::Ns,
            "CNAME" => DnsType::Cname,
            "SOA" => DnsType::Soa,
            "MX" => DnsType::Mx,
            "TXT" => DnsType::Txt,
            "AAAA" => DnsType::Aaaa,
            _ => return None,
        })
    }
    /// The type name.
    pub fn name(self) -> &'static str {
        match self {
            DnsType::A => "A",
            DnsType::Ns => "NS",
            DnsType::Cname => "CNAME",
            DnsType::Soa => "SOA",
            DnsType::Mx => "MX",
            DnsType::Txt => "TXT",
            DnsType::Aaaa => "AAAA",
        }
    }
}

/// `DNS_CHECK { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DnsCheck {
    /// Position of the checker keyword.
    pub span: Span,
    /// Connection options.
    pub connect: ConnectOpts,
    /// `retry` (default 3); see [`DnsCheck::retry`].
    pub retry: Option<u32>,
    /// `type` (default SOA).
    pub dns_type: Option<DnsType>,
    /// `name` queried (default `.`).
    pub name: Option<String>,
}

impl DnsCheck {
    /// Effective `retry` (default 3).
    pub fn retry(&self) -> u32 {
        self.retry.unwrap_or(3)
    }
    /// Effective query type (default SOA).
    pub fn dns_type(&self) -> DnsType {
        self.dns_type.unwrap_or(DnsType::Soa)
    }
    /// Effective query name (default `.`).
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(".")
    }
}

/// `virtual_server_group NAME { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VirtualServerGroup {
    /// Group name.
    pub name: String,
    /// Position of the `virtual_server_group` keyword.
    pub span: Span,
    /// Entries in file order.
    pub entries: Vec<VsgEntry>,
}

/// One `virtual_server_group` line.
#[derive(Debug, Clone, PartialEq)]
pub enum VsgEntry {
    /// `IP PORT`.
    Addr {
        /// Address.
        addr: IpAddr,
        /// Port.
        port: u16,
        /// Position of the address.
        span: Span,
    },
    /// `IP-END PORT`: `first` up to `last`, which differs from `first` only in the last byte
    /// (IPv4, decimal END) or the last 16-bit group (IPv6, hexadecimal END).
    Range {
        /// First address.
        first: IpAddr,
        /// Last address (inclusive).
        last: IpAddr,
        /// Port.
        port: u16,
        /// Position of the range.
        span: Span,
    },
    /// `fwmark N`.
    Fwmark {
        /// The mark.
        mark: u32,
        /// Position of the `fwmark` word.
        span: Span,
    },
}

/// Root `SSL { … }`: the client certificate and CA of SSL_GET checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SslConfig {
    /// Position of the `SSL` keyword.
    pub span: Span,
    /// `password` of the key.
    pub password: Option<String>,
    /// `ca` file.
    pub ca: Option<String>,
    /// `certificate` file.
    pub certificate: Option<String>,
    /// `key` file.
    pub key: Option<String>,
}

/// `lvs_timeouts [tcp N] [tcpfin N] [udp N]` (global_defs; whole seconds).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LvsTimeouts {
    /// `tcp` (0 allowed: the kernel keeps its value).
    pub tcp: Option<Duration>,
    /// `tcpfin`.
    pub tcpfin: Option<Duration>,
    /// `udp`.
    pub udp: Option<Duration>,
    /// Position of the (first) `lvs_timeouts` keyword.
    pub span: Span,
}

/// `lvs_sync_daemon IF INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]` (global_defs).
#[derive(Debug, Clone, PartialEq)]
pub struct LvsSyncDaemon {
    /// Interface the sync daemon uses.
    pub interface: String,
    /// The vrrp_instance whose state drives it (master or backup daemon).
    pub vrrp_instance: String,
    /// `id N` sync id (default: the instance's VRID).
    pub syncid: Option<u8>,
    /// `maxlen N` (1..65507).
    pub maxlen: Option<u16>,
    /// `port N`.
    pub port: Option<u16>,
    /// `ttl N`.
    pub ttl: Option<u8>,
    /// `group ADDR` multicast group.
    pub group: Option<IpAddr>,
    /// Position of the keyword.
    pub span: Span,
}

impl SpanInsensitive for VirtualServerKey {
    fn clear_spans(&mut self) {}
}

impl SpanInsensitive for Checker {
    fn clear_spans(&mut self) {
        match self {
            Checker::HttpGet(c) | Checker::SslGet(c) => c.clear_spans(),
            Checker::Tcp(c) => c.clear_spans(),
            Checker::Smtp(c) => c.clear_spans(),
            Checker::Misc(c) => c.clear_spans(),
            Checker::Dns(c) => c.clear_spans(),
        }
    }
}

impl SpanInsensitive for VsgEntry {
    fn clear_spans(&mut self) {
        match self {
            VsgEntry::Addr { span, .. }
            | VsgEntry::Range { span, .. }
            | VsgEntry::Fwmark { span, .. } => span.clear_spans(),
        }
    }
}

span_insensitive! {
    VirtualServer { span, quorum_up, quorum_down, sorry_server, real_servers }
    SorryServer { span }
    RealServer { span, notify_up, notify_down, checkers }
    HttpCheck { span, urls }
    Url { span }
    TcpCheck { span }
    SmtpCheck { span, hosts }
    SmtpHost { span }
    MiscCheck { span }
    DnsCheck { span }
    VirtualServerGroup { span, entries }
    SslConfig { span }
    LvsTimeouts { span }
    LvsSyncDaemon { span }
}
