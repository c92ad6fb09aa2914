//! Message encoding and decoding for the `IPVS` generic netlink family.
//!
//! Attribute and command numbers follow the kernel's `include/uapi/linux/ip_vs.h`. Nested
//! attributes are sent without `NLA_F_NESTED`, as ipvsadm does, because kernels back to 3.10
//! parse them with the non-strict parser; on receive the flag is masked off.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, Nla, NlaBuffer, NlasIterator, Parseable,
    ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use crate::{
    Destination, FwdMethod, IpvsError, IpvsInfo, Service, ServiceKey, SyncDaemon, SyncState,
    Timeouts,
};

/// Generic netlink family name registered by the `ip_vs` module.
pub const IPVS_GENL_NAME: &str = "IPVS";
/// Family version the kernel expects in the generic netlink header.
pub const IPVS_GENL_VERSION: u8 = 1;

/// `IPVS_CMD_*` command numbers.
pub mod cmd {
    /// Add a service.
    pub const NEW_SERVICE: u8 = 1;
    /// Modify a service.
    pub const SET_SERVICE: u8 = 2;
    /// Delete a service.
    pub const DEL_SERVICE: u8 = 3;
    /// Get (dump) services.
    pub const GET_SERVICE: u8 = 4;
    /// Add a destination.
    pub const NEW_DEST: u8 = 5;
    /// Modify a destination.
    pub const SET_DEST: u8 = 6;
    /// Delete a destination.
    pub const DEL_DEST: u8 = 7;
    /// Get (dump) the destinations of one service.
    pub const GET_DEST: u8 = 8;
    /// Start a sync daemon; also the reply command of `GET_DAEMON`.
    pub const NEW_DAEMON: u8 = 9;
    /// Stop a sync daemon.
    pub const DEL_DAEMON: u8 = 10;
    /// Get (dump) running sync daemons.
    pub const GET_DAEMON: u8 = 11;
    /// Set connection timeouts; also the reply command of `GET_CONFIG`.
    pub const SET_CONFIG: u8 = 12;
    /// Get connection timeouts.
    pub const GET_CONFIG: u8 = 13;
    /// Reply command of `GET_INFO`.
    pub const SET_INFO: u8 = 14;
    /// Get version and connection table size.
    pub const GET_INFO: u8 = 15;
    /// Delete every service and destination.
    pub const FLUSH: u8 = 17;
}

/// `IPVS_CMD_ATTR_*`: first-level attributes.
pub mod cmd_attr {
    /// Nested service attributes.
    pub const SERVICE: u16 = 1;
    /// Nested destination attributes.
    pub const DEST: u16 = 2;
    /// Nested sync daemon attributes.
    pub const DAEMON: u16 = 3;
    /// TCP established timeout in seconds, u32.
    pub const TIMEOUT_TCP: u16 = 4;
    /// TCP FIN_WAIT timeout in seconds, u32.
    pub const TIMEOUT_TCP_FIN: u16 = 5;
    /// UDP timeout in seconds, u32.
    pub const TIMEOUT_UDP: u16 = 6;
}

/// `IPVS_SVC_ATTR_*`: attributes inside [`cmd_attr::SERVICE`].
pub mod svc_attr {
    /// Address family, u16.
    pub const AF: u16 = 1;
    /// IP protocol, u16.
    pub const PROTOCOL: u16 = 2;
    /// Virtual address, `union nf_inet_addr` (16 bytes).
    pub const ADDR: u16 = 3;
    /// Virtual port, big-endian u16.
    pub const PORT: u16 = 4;
    /// Firewall mark, u32.
    pub const FWMARK: u16 = 5;
    /// Scheduler name, NUL-terminated string.
    pub const SCHED_NAME: u16 = 6;
    /// `struct ip_vs_flags { u32 flags; u32 mask; }`.
    pub const FLAGS: u16 = 7;
    /// Persistence timeout in seconds, u32.
    pub const TIMEOUT: u16 = 8;
    /// Persistence netmask, u32 (big-endian mask for IPv4, prefix length for IPv6).
    pub const NETMASK: u16 = 9;
    /// Persistence engine name, string.
    pub const PE_NAME: u16 = 11;
}

/// `IPVS_DEST_ATTR_*`: attributes inside [`cmd_attr::DEST`].
pub mod dest_attr {
    /// Real server address, `union nf_inet_addr`.
    pub const ADDR: u16 = 1;
    /// Real server port, big-endian u16.
    pub const PORT: u16 = 2;
    /// Forwarding method, u32 (`IP_VS_CONN_F_*`).
    pub const FWD_METHOD: u16 = 3;
    /// Weight, u32 (kernel `int`).
    pub const WEIGHT: u16 = 4;
    /// Upper connection threshold, u32.
    pub const U_THRESH: u16 = 5;
    /// Lower connection threshold, u32.
    pub const L_THRESH: u16 = 6;
    /// Active connections (dump only), u32.
    pub const ACTIVE_CONNS: u16 = 7;
    /// Inactive connections (dump only), u32.
    pub const INACT_CONNS: u16 = 8;
    /// Persistent connections (dump only), u32.
    pub const PERSIST_CONNS: u16 = 9;
    /// Address family of the destination, u16 (kernel 3.18+; optional).
    pub const ADDR_FAMILY: u16 = 11;
}

/// `IPVS_INFO_ATTR_*`: top-level attributes of the `GET_INFO` reply.
pub mod info_attr {
    /// IPVS version, u32 (`major << 16 | minor << 8 | patch`).
    pub const VERSION: u16 = 1;
    /// Connection hash table size, u32.
    pub const CONN_TAB_SIZE: u16 = 2;
}

/// `IPVS_DAEMON_ATTR_*`: attributes inside [`cmd_attr::DAEMON`].
pub mod daemon_attr {
    /// `IP_VS_STATE_MASTER` (1) or `IP_VS_STATE_BACKUP` (2), u32.
    pub const STATE: u16 = 1;
    /// Multicast interface name, string.
    pub const MCAST_IFN: u16 = 2;
    /// Sync id, u32 (0..=255 used).
    pub const SYNC_ID: u16 = 3;
    /// UDP payload size, u16.
    pub const SYNC_MAXLEN: u16 = 4;
    /// IPv4 multicast group, `struct in_addr`.
    pub const MCAST_GROUP: u16 = 5;
    /// IPv6 multicast group, `struct in6_addr`.
    pub const MCAST_GROUP6: u16 = 6;
    /// Multicast base port, u16 in host order.
    pub const MCAST_PORT: u16 = 7;
    /// Multicast TTL, u8.
    pub const MCAST_TTL: u16 = 8;
}

/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;

/// Payload of one `IPVS` generic netlink message: a command and its raw top-level attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsMessage {
    /// `IPVS_CMD_*` number.
    pub cmd: u8,
    /// Top-level attributes; their meaning depends on `cmd`.
    pub attrs: Vec<DefaultNla>,
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        IPVS_GENL_NAME
    }

    fn command(&self) -> u8 {
        self.cmd
    }

    fn version(&self) -> u8 {
        IPVS_GENL_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(Self {
            cmd: header.cmd,
            attrs: parse_attrs(buf)?,
        })
    }
}

fn parse_attrs(buf: &[u8]) -> Result<Vec<DefaultNla>, DecodeError> {
    let mut out = Vec::new();
    for nla in NlasIterator::new(buf) {
        out.push(DefaultNla::parse(&nla?)?);
    }
    Ok(out)
}

/// Attribute kind without the nested/byte-order flag bits.
fn kind(nla: &DefaultNla) -> u16 {
    nla.kind() & netlink_packet_core::NLA_TYPE_MASK
}

/// The value bytes of an attribute (DefaultNla keeps them private; emitting is the accessor).
fn value(nla: &DefaultNla) -> Vec<u8> {
    let mut v = vec![0u8; nla.value_len()];
    nla.emit_value(&mut v);
    v
}

fn nested(kind: u16, inner: &[DefaultNla]) -> DefaultNla {
    let mut buf = vec![0u8; inner.buffer_len()];
    inner.emit(&mut buf);
    DefaultNla::new(kind, buf)
}

fn u16_attr(kind: u16, v: u16) -> DefaultNla {
    DefaultNla::new(kind, v.to_ne_bytes().to_vec())
}

fn u32_attr(kind: u16, v: u32) -> DefaultNla {
    DefaultNla::new(kind, v.to_ne_bytes().to_vec())
}

fn be16_attr(kind: u16, v: u16) -> DefaultNla {
    DefaultNla::new(kind, v.to_be_bytes().to_vec())
}

fn str_attr(kind: u16, s: &str) -> DefaultNla {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    DefaultNla::new(kind, v)
}

/// `union nf_inet_addr`: always 16 bytes, an IPv4 address in the first four.
fn addr_bytes(addr: IpAddr) -> Vec<u8> {
    let mut v = vec![0u8; 16];
    match addr {
        IpAddr::V4(a) => v[..4].copy_from_slice(&a.octets()),
        IpAddr::V6(a) => v.copy_from_slice(&a.octets()),
    }
    v
}

fn af_of(addr: IpAddr) -> u16 {
    match addr {
        IpAddr::V4(_) => AF_INET,
        IpAddr::V6(_) => AF_INET6,
    }
}

/// Attributes that identify a service (what `DEL_SERVICE` and `GET_DEST` need).
fn key_attrs(key: &ServiceKey) -> Vec<DefaultNla> {
    match *key {
        ServiceKey::Addr {
            protocol,
            addr,
            port,
        } => vec![
            u16_attr(svc_attr::AF, af_of(addr)),
            u16_attr(svc_attr::PROTOCOL, protocol),
            DefaultNla::new(svc_attr::ADDR, addr_bytes(addr)),
            be16_attr(svc_attr::PORT, port),
        ],
        ServiceKey::Fwmark { ipv6, mark } => vec![
            u16_attr(svc_attr::AF, if ipv6 { AF_INET6 } else { AF_INET }),
            u32_attr(svc_attr::FWMARK, mark),
        ],
    }
}

/// The `IPVS_CMD_ATTR_SERVICE` attribute that names a service only.
pub fn encode_service_key(key: &ServiceKey) -> DefaultNla {
    nested(cmd_attr::SERVICE, &key_attrs(key))
}

/// The full `IPVS_CMD_ATTR_SERVICE` attribute for `NEW_SERVICE`/`SET_SERVICE`: the kernel
/// rejects those unless scheduler, flags, timeout and netmask are all present.
pub fn encode_service(svc: &Service) -> DefaultNla {
    let mut attrs = key_attrs(&svc.key);
    attrs.push(str_attr(svc_attr::SCHED_NAME, &svc.scheduler));
    let mut flags = Vec::with_capacity(8);
    flags.extend_from_slice(&svc.flags.to_ne_bytes());
    // Mask all ones: the flags we send replace the service's flags entirely.
    flags.extend_from_slice(&u32::MAX.to_ne_bytes());
    attrs.push(DefaultNla::new(svc_attr::FLAGS, flags));
    attrs.push(u32_attr(svc_attr::TIMEOUT, svc.timeout));
    attrs.push(DefaultNla::new(
        svc_attr::NETMASK,
        netmask_bytes(svc.key.is_ipv6(), svc.netmask).to_vec(),
    ));
    if let Some(pe) = &svc.pe_name {
        attrs.push(str_attr(svc_attr::PE_NAME, pe));
    }
    nested(cmd_attr::SERVICE, &attrs)
}

/// IPv4: a mask in network order (`255.255.255.0` → `ff ff ff 00`), IPv6: the prefix length
/// as a native integer; this is what ipvsadm sends and what the kernel compares.
fn netmask_bytes(ipv6: bool, netmask: u32) -> [u8; 4] {
    if ipv6 {
        netmask.to_ne_bytes()
    } else {
        netmask.to_be_bytes()
    }
}

/// The `IPVS_CMD_ATTR_DEST` attribute for `NEW_DEST`/`SET_DEST` (all fields) .
pub fn encode_dest(dest: &Destination) -> DefaultNla {
    let attrs = vec![
        DefaultNla::new(dest_attr::ADDR, addr_bytes(dest.addr)),
        be16_attr(dest_attr::PORT, dest.port),
        u32_attr(dest_attr::FWD_METHOD, dest.fwd as u32),
        u32_attr(dest_attr::WEIGHT, dest.weight),
        u32_attr(dest_attr::U_THRESH, dest.u_threshold),
        u32_attr(dest_attr::L_THRESH, dest.l_threshold),
        u16_attr(dest_attr::ADDR_FAMILY, af_of(dest.addr)),
    ];
    nested(cmd_attr::DEST, &attrs)
}

/// The `IPVS_CMD_ATTR_DEST` attribute for `DEL_DEST`: address and port identify it.
pub fn encode_dest_key(addr: IpAddr, port: u16) -> DefaultNla {
    nested(
        cmd_attr::DEST,
        &[
            DefaultNla::new(dest_attr::ADDR, addr_bytes(addr)),
            be16_attr(dest_attr::PORT, port),
            u16_attr(dest_attr::ADDR_FAMILY, af_of(addr)),
        ],
    )
}

fn bad(what: &str) -> IpvsError {
    IpvsError::Malformed(what.to_string())
}

fn get_u16(v: &[u8], what: &str) -> Result<u16, IpvsError> {
    let b: [u8; 2] = v
        .get(..2)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(what))?;
    Ok(u16::from_ne_bytes(b))
}

fn get_be16(v: &[u8], what: &str) -> Result<u16, IpvsError> {
    Ok(u16::from_be(get_u16(v, what)?))
}

fn get_u32(v: &[u8], what: &str) -> Result<u32, IpvsError> {
    let b: [u8; 4] = v
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(what))?;
    Ok(u32::from_ne_bytes(b))
}

fn get_addr(af: u16, v: &[u8], what: &str) -> Result<IpAddr, IpvsError> {
    match af {
        AF_INET => {
            let b: [u8; 4] = v
                .get(..4)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| bad(what))?;
            Ok(IpAddr::V4(Ipv4Addr::from(b)))
        }
        AF_INET6 => {
            let b: [u8; 16] = v
                .get(..16)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| bad(what))?;
            Ok(IpAddr::V6(Ipv6Addr::from(b)))
        }
        other => Err(IpvsError::Malformed(format!(
            "{what}: address family {other}"
        ))),
    }
}

fn get_str(v: &[u8]) -> String {
    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
    String::from_utf8_lossy(&v[..end]).into_owned()
}

fn find_nested(msg: &IpvsMessage, k: u16) -> Result<Vec<DefaultNla>, IpvsError> {
    let outer = msg
        .attrs
        .iter()
        .find(|a| kind(a) == k)
        .ok_or_else(|| bad("missing nested attribute"))?;
    parse_attrs(&value(outer)).map_err(|e| IpvsError::Malformed(e.to_string()))
}

/// Decodes a `GET_SERVICE` dump reply (`NEW_SERVICE` with a nested service attribute).
pub fn decode_service(msg: &IpvsMessage) -> Result<Service, IpvsError> {
    let attrs = find_nested(msg, cmd_attr::SERVICE)?;
    let mut af = None;
    let mut protocol = 0;
    let mut addr = None;
    let mut port = 0;
    let mut fwmark = 0;
    let mut svc = Service {
        key: ServiceKey::Fwmark {
            ipv6: false,
            mark: 0,
        },
        scheduler: String::new(),
        flags: 0,
        timeout: 0,
        netmask: 0,
        pe_name: None,
    };
    let mut netmask_raw = [0u8; 4];
    for a in &attrs {
        let v = value(a);
        match kind(a) {
            svc_attr::AF => af = Some(get_u16(&v, "service af")?),
            svc_attr::PROTOCOL => protocol = get_u16(&v, "service protocol")?,
            svc_attr::ADDR => addr = Some(v),
            svc_attr::PORT => port = get_be16(&v, "service port")?,
            svc_attr::FWMARK => fwmark = get_u32(&v, "service fwmark")?,
            svc_attr::SCHED_NAME => svc.scheduler = get_str(&v),
            svc_attr::FLAGS => svc.flags = get_u32(&v, "service flags")?,
            svc_attr::TIMEOUT => svc.timeout = get_u32(&v, "service timeout")?,
            svc_attr::NETMASK => {
                netmask_raw = v
                    .get(..4)
                    .and_then(|s| s.try_into().ok())
                    .ok_or_else(|| bad("service netmask"))?
            }
            svc_attr::PE_NAME => svc.pe_name = Some(get_str(&v)),
            _ => {}
        }
    }
    let af = af.ok_or_else(|| bad("service without address family"))?;
    let ipv6 = af == AF_INET6;
    svc.netmask = if ipv6 {
        u32::from_ne_bytes(netmask_raw)
    } else {
        u32::from_be_bytes(netmask_raw)
    };
    // The kernel reports fwmark 0 plus an address for address-based services, and only a
    // fwmark (no address) for fwmark services.
    svc.key = match addr {
        Some(a) if fwmark == 0 => ServiceKey::Addr {
            protocol,
            addr: get_addr(af, &a, "service address")?,
            port,
        },
        _ => ServiceKey::Fwmark { ipv6, mark: fwmark },
    };
    Ok(svc)
}

/// Decodes a `GET_DEST` dump reply (`NEW_DEST` with a nested destination attribute).
/// `svc_af` is used when the kernel predates `IPVS_DEST_ATTR_ADDR_FAMILY`.
pub fn decode_dest(msg: &IpvsMessage, svc_af: u16) -> Result<Destination, IpvsError> {
    let attrs = find_nested(msg, cmd_attr::DEST)?;
    let mut af = svc_af;
    let mut addr = None;
    let mut d = Destination {
        addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        port: 0,
        fwd: FwdMethod::Masq,
        weight: 0,
        u_threshold: 0,
        l_threshold: 0,
        active_conns: 0,
        inactive_conns: 0,
        persistent_conns: 0,
    };
    for a in &attrs {
        let v = value(a);
        match kind(a) {
            dest_attr::ADDR => addr = Some(v),
            dest_attr::PORT => d.port = get_be16(&v, "dest port")?,
            dest_attr::FWD_METHOD => {
                d.fwd = FwdMethod::from_kernel(get_u32(&v, "dest fwd method")?)?
            }
            dest_attr::WEIGHT => d.weight = get_u32(&v, "dest weight")?,
            dest_attr::U_THRESH => d.u_threshold = get_u32(&v, "dest u_thresh")?,
            dest_attr::L_THRESH => d.l_threshold = get_u32(&v, "dest l_thresh")?,
            dest_attr::ACTIVE_CONNS => d.active_conns = get_u32(&v, "dest active")?,
            dest_attr::INACT_CONNS => d.inactive_conns = get_u32(&v, "dest inactive")?,
            dest_attr::PERSIST_CONNS => d.persistent_conns = get_u32(&v, "dest persist")?,
            dest_attr::ADDR_FAMILY => af = get_u16(&v, "dest af")?,
            _ => {}
        }
    }
    let addr = addr.ok_or_else(|| bad("destination without address"))?;
    d.addr = get_addr(af, &addr, "dest address")?;
    Ok(d)
}

/// Decodes the `GET_INFO` reply.
pub fn decode_info(msg: &IpvsMessage) -> Result<IpvsInfo, IpvsError> {
    let mut info = IpvsInfo {
        version: 0,
        conn_tab_size: 0,
    };
    for a in &msg.attrs {
        let v = value(a);
        match kind(a) {
            info_attr::VERSION => info.version = get_u32(&v, "info version")?,
            info_attr::CONN_TAB_SIZE => info.conn_tab_size = get_u32(&v, "info size")?,
            _ => {}
        }
    }
    Ok(info)
}

/// Parses one nested attribute buffer; exposed for tests that check raw layouts.
pub fn parse_nested(nla_bytes: &[u8]) -> Result<Vec<DefaultNla>, IpvsError> {
    let buf = NlaBuffer::new_checked(nla_bytes).map_err(|e| IpvsError::Malformed(e.to_string()))?;
    parse_attrs(buf.value()).map_err(|e| IpvsError::Malformed(e.to_string()))
}

/// Top-level attributes of `SET_CONFIG`; the kernel leaves a timeout of 0 unchanged.
pub fn encode_timeouts(t: &Timeouts) -> Vec<DefaultNla> {
    vec![
        u32_attr(cmd_attr::TIMEOUT_TCP, t.tcp),
        u32_attr(cmd_attr::TIMEOUT_TCP_FIN, t.tcp_fin),
        u32_attr(cmd_attr::TIMEOUT_UDP, t.udp),
    ]
}

/// Decodes the `GET_CONFIG` reply.
pub fn decode_timeouts(msg: &IpvsMessage) -> Result<Timeouts, IpvsError> {
    let mut t = Timeouts::default();
    for a in &msg.attrs {
        let v = value(a);
        match kind(a) {
            cmd_attr::TIMEOUT_TCP => t.tcp = get_u32(&v, "tcp timeout")?,
            cmd_attr::TIMEOUT_TCP_FIN => t.tcp_fin = get_u32(&v, "tcp fin timeout")?,
            cmd_attr::TIMEOUT_UDP => t.udp = get_u32(&v, "udp timeout")?,
            _ => {}
        }
    }
    Ok(t)
}

/// The `IPVS_CMD_ATTR_DAEMON` attribute for `NEW_DAEMON`.
pub fn encode_daemon(d: &SyncDaemon) -> DefaultNla {
    let mut attrs = vec![
        u32_attr(daemon_attr::STATE, d.state as u32),
        str_attr(daemon_attr::MCAST_IFN, &d.mcast_ifn),
        u32_attr(daemon_attr::SYNC_ID, d.sync_id),
    ];
    if let Some(v) = d.sync_maxlen {
        attrs.push(u16_attr(daemon_attr::SYNC_MAXLEN, v));
    }
    match d.mcast_group {
        Some(IpAddr::V4(a)) => attrs.push(DefaultNla::new(
            daemon_attr::MCAST_GROUP,
            a.octets().to_vec(),
        )),
        Some(IpAddr::V6(a)) => attrs.push(DefaultNla::new(
            daemon_attr::MCAST_GROUP6,
            a.octets().to_vec(),
        )),
        None => {}
    }
    if let Some(v) = d.mcast_port {
        attrs.push(u16_attr(daemon_attr::MCAST_PORT, v));
    }
    if let Some(v) = d.mcast_ttl {
        attrs.push(DefaultNla::new(daemon_attr::MCAST_TTL, vec![v]));
    }
    nested(cmd_attr::DAEMON, &attrs)
}

/// The `IPVS_CMD_ATTR_DAEMON` attribute for `DEL_DAEMON`: the kernel needs only the state.
pub fn encode_daemon_state(state: SyncState) -> DefaultNla {
    nested(
        cmd_attr::DAEMON,
        &[u32_attr(daemon_attr::STATE, state as u32)],
    )
}

/// Decodes a `GET_DAEMON` dump reply (`NEW_DAEMON` with a nested daemon attribute).
pub fn decode_daemon(msg: &IpvsMessage) -> Result<SyncDaemon, IpvsError> {
    let attrs = find_nested(msg, cmd_attr::DAEMON)?;
    let mut d = SyncDaemon::new(SyncState::Master, "", 0);
    for a in &attrs {
        let v = value(a);
        match kind(a) {
            daemon_attr::STATE => {
                d.state = match get_u32(&v, "daemon state")? {
                    1 => SyncState::Master,
                    2 => SyncState::Backup,
                    other => return Err(IpvsError::Malformed(format!("daemon state {other}"))),
                }
            }
            daemon_attr::MCAST_IFN => d.mcast_ifn = get_str(&v),
            daemon_attr::SYNC_ID => d.sync_id = get_u32(&v, "daemon sync id")?,
            daemon_attr::SYNC_MAXLEN => d.sync_maxlen = Some(get_u16(&v, "daemon maxlen")?),
            daemon_attr::MCAST_GROUP => {
                d.mcast_group = Some(get_addr(AF_INET, &v, "daemon group")?)
            }
            daemon_attr::MCAST_GROUP6 => {
                d.mcast_group = Some(get_addr(AF_INET6, &v, "daemon group6")?)
            }
            daemon_attr::MCAST_PORT => d.mcast_port = Some(get_u16(&v, "daemon port")?),
            daemon_attr::MCAST_TTL => {
                d.mcast_ttl = Some(*v.first().ok_or_else(|| bad("daemon ttl"))?)
            }
            _ => {}
        }
    }
    Ok(d)
}
