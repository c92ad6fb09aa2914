//! keepalived 1.3.5's receive checks (`vrrp_in_chk`), in its order, as a typed verdict.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::config::{Auth, Family, InstanceConfig, Version};
use crate::wire::ah::{verify_ah, AH_LEN};
use crate::wire::ipv4::{Ipv4Header, VRRP_TTL};
use crate::wire::vrrp::{ChecksumForm, VrrpPacket, MCAST_GROUP_V4};

use super::RxPacket;

/// Why a received packet was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// Shorter than IP + VRRP (+ AH) headers.
    HeaderTooShort {
        /// Bytes received.
        got: usize,
        /// Minimum.
        need: usize,
    },
    /// TTL / hop limit not 255 (multicast only).
    Ttl {
        /// Received TTL.
        got: u8,
    },
    /// VRRP version differs from the instance's.
    Version {
        /// Received version.
        got: u8,
        /// Configured version.
        expected: u8,
    },
    /// VRRP type not 1 (advertisement).
    Type {
        /// Received type.
        got: u8,
    },
    /// Auth type not 0, 1 or 2.
    AuthTypeInvalid {
        /// Received auth type.
        got: u8,
    },
    /// Auth type differs from ours.
    AuthTypeMismatch {
        /// Received.
        got: u8,
        /// Ours.
        expected: u8,
    },
    /// PASS authentication: wrong password.
    AuthFailure,
    /// AH authentication: ICV does not verify.
    AhFailure,
    /// Address count differs from our VIP count.
    AddrCount {
        /// Received count.
        got: u8,
        /// Our VIP count.
        expected: usize,
    },
    /// v2 advert interval differs from ours (keepalived: DROP, not KO).
    AdvertInterval {
        /// Ours, in seconds.
        mine: u16,
        /// Received, in seconds.
        got: u16,
    },
    /// IPv4 total length differs from the received length.
    IpTotalLen {
        /// The header's total length.
        total_len: u16,
        /// Bytes received.
        received: usize,
    },
    /// Received length differs from the length the header implies.
    Length {
        /// Bytes received.
        got: usize,
        /// Expected.
        expected: usize,
    },
    /// Checksum does not verify.
    Checksum {
        /// VRRP version of the packet (for the log wording).
        version: u8,
    },
    /// One of our VIPs is missing from the advert.
    VipMissing {
        /// The VRID (for the log wording).
        vrid: u8,
        /// The missing address.
        addr: IpAddr,
    },
    /// `vrrp_check_unicast_src`: source is not a configured peer.
    UnicastSource {
        /// The source.
        src: IpAddr,
    },
}

/// keepalived's two flavours of rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// `VRRP_PACKET_KO`: "bogus VRRP packet received".
    Ko,
    /// `VRRP_PACKET_DROP`: "Sync instance needed"; a BACKUP still processes the packet.
    Drop,
}

impl RejectReason {
    /// KO or DROP.
    pub fn kind(&self) -> RejectKind {
        match self {
            RejectReason::AdvertInterval { .. } => RejectKind::Drop,
            _ => RejectKind::Ko,
        }
    }

    /// keepalived 1.3.5's log line for this rejection, for instance `iname`.
    pub fn log_text(&self, iname: &str) -> String {
        use RejectReason::*;
        match self {
            HeaderTooShort { got, need } => {
                format!("({iname}): ip/vrrp header too short. {got} and expect at least {need}")
            }
            Ttl { got } => format!("({iname}): invalid ttl. {got} and expect {VRRP_TTL}"),
            Version { got, expected } => {
                format!("({iname}): invalid version. {got} and expect {expected}")
            }
            Type { got } => format!("({iname}): Invalid packet type. {got} and expect 1"),
            AuthTypeInvalid { got } => format!("({iname}): Invalid auth type: {got}"),
            AuthTypeMismatch { got, expected } => {
                format!("({iname}): received a {got} auth, expecting {expected}!")
            }
            AuthFailure => format!("({iname}): received an invalid passwd!"),
            AhFailure => format!("({iname}): invalid IPSEC HMAC-MD5 value. Due to fields mutation"),
            AddrCount { got, expected } => format!(
                "({iname}): received an invalid ip number count {got}, expected {expected}!"
            ),
            AdvertInterval { mine, got } => format!(
                "({iname}): advertisement interval mismatch mine={mine} sec rcved={got} sec"
            ),
            IpTotalLen {
                total_len,
                received,
            } => format!(
                "({iname}): ip_tot_len mismatch against received length. {total_len} and received {received}"
            ),
            Length { got, expected } => format!(
                "({iname}): Received packet length mismatch against expected. {got} and expect {expected}"
            ),
            Checksum { version } => format!("({iname}): Invalid VRRPv{version} checksum"),
            VipMissing { vrid, addr } => format!(
                "({iname}): ip address associated with VRID {vrid} not present in MASTER advert : {addr}"
            ),
            UnicastSource { src } => {
                format!("({iname}): unicast source address {src} not a unicast peer")
            }
        }
    }
}

/// The fields of a received advert the state machine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advert {
    /// Sender's address (IPv4 header source / recvmsg source).
    pub src: IpAddr,
    /// Advertised priority.
    pub priority: u8,
    /// Advertised interval (v2: seconds, v3: centiseconds).
    pub advert_int: Duration,
    /// v3 checksum form that verified (None for v2 or IPv6).
    pub checksum_form: Option<ChecksumForm>,
}

/// Result of the receive checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// All checks passed.
    Valid(Advert),
    /// A DROP: rejected, but a BACKUP processes it like a valid advert.
    Drop(Advert, RejectReason),
    /// A KO: rejected.
    Ko(RejectReason),
}

/// VRID of a packet as the daemon delivered it, for demultiplexing; `None` when the
/// bytes are too short to hold one. `ah` says whether to look behind an AH header.
pub fn demux_vrid(rx: &RxPacket<'_>, ah: bool) -> Option<u8> {
    match rx.family {
        Family::V4 => {
            let ihl = usize::from(*rx.bytes.first()? & 0x0f) * 4;
            let off = ihl + if ah { AH_LEN } else { 0 };
            rx.bytes.get(off + 1).copied()
        }
        Family::V6 => rx.bytes.get(1).copied(),
    }
}

fn version_num(v: Version) -> u8 {
    match v {
        Version::V2 => 2,
        Version::V3 => 3,
    }
}

/// Our advertised VIPs of the instance's family, in config order.
pub fn advertised_vips(cfg: &InstanceConfig) -> impl Iterator<Item = IpAddr> + '_ {
    cfg.vips
        .iter()
        .map(|v| v.addr)
        .filter(move |a| a.is_ipv4() == (cfg.family == Family::V4))
}

/// Auth type byte of our configuration.
pub fn auth_type_num(auth: &Auth) -> u8 {
    match auth {
        Auth::None => 0,
        Auth::Pass(_) => 1,
        Auth::Ah(_) => 2,
    }
}

fn advert_int_of(version: u8, raw: u16) -> Duration {
    if version == 2 {
        Duration::from_secs(u64::from(raw))
    } else {
        Duration::from_millis(u64::from(raw) * 10)
    }
}

/// Runs keepalived's receive checks for instance `cfg`.
/// `last_master` is the address of the last master heard (for `skip_check_adv_addr`).
pub fn check(cfg: &InstanceConfig, rx: &RxPacket<'_>, last_master: Option<IpAddr>) -> Verdict {
    match rx.family {
        Family::V4 => check_v4(cfg, rx.bytes, last_master),
        Family::V6 => check_v6(cfg, rx, last_master),
    }
}

fn check_v4(cfg: &InstanceConfig, bytes: &[u8], last_master: Option<IpAddr>) -> Verdict {
    let is_ah = matches!(cfg.auth, Auth::Ah(_)) && cfg.version == Version::V2;
    let ihl = bytes
        .first()
        .map(|b| usize::from(b & 0x0f) * 4)
        .unwrap_or(20)
        .max(20);
    let need = ihl + 8 + if is_ah { AH_LEN } else { 0 };
    if bytes.len() < need {
        return Verdict::Ko(RejectReason::HeaderTooShort {
            got: bytes.len(),
            need,
        });
    }
    let (ip, payload) = match Ipv4Header::parse(bytes) {
        Ok(x) => x,
        Err(_) => {
            return Verdict::Ko(RejectReason::HeaderTooShort {
                got: bytes.len(),
                need,
            })
        }
    };
    let msg = if is_ah { &payload[AH_LEN..] } else { payload };
    let pkt = match VrrpPacket::new_checked(msg) {
        Ok(p) => p,
        Err(_) => {
            return Verdict::Ko(RejectReason::HeaderTooShort {
                got: bytes.len(),
                need,
            })
        }
    };
    let src = IpAddr::V4(ip.src);
    if cfg.unicast_peers.is_empty() && ip.ttl != VRRP_TTL {
        return Verdict::Ko(RejectReason::Ttl { got: ip.ttl });
    }
    if let Some(r) = common_header(cfg, &pkt) {
        return Verdict::Ko(r);
    }
    if pkt.version() == 2 {
        if let Some(r) = auth_checks(cfg, &pkt, payload, bytes) {
            return Verdict::Ko(r);
        }
    }
    let expected_vips = advertised_vips(cfg).count();
    if usize::from(pkt.addr_count()) != expected_vips {
        return Verdict::Ko(RejectReason::AddrCount {
            got: pkt.addr_count(),
            expected: expected_vips,
        });
    }
    let advert = Advert {
        src,
        priority: pkt.priority(),
        advert_int: advert_int_of(pkt.version(), pkt.advert_int_raw()),
        checksum_form: None,
    };
    if let Some(r) = interval_check(cfg, &pkt) {
        return Verdict::Drop(advert, r);
    }
    if usize::from(ip.total_len) != bytes.len() {
        return Verdict::Ko(RejectReason::IpTotalLen {
            total_len: ip.total_len,
            received: bytes.len(),
        });
    }
    let expected = ihl + if is_ah { AH_LEN } else { 0 } + pkt.expected_len(Family::V4);
    if bytes.len() != expected {
        return Verdict::Ko(RejectReason::Length {
            got: bytes.len(),
            expected,
        });
    }
    // keepalived 1.3.5 sends v3/IPv4 unicast with the pseudo-header destination 224.0.0.18;
    // accept that as well as the real destination.
    let form = pkt
        .checksum_form(Family::V4, src, IpAddr::V4(ip.dst))
        .or_else(|| pkt.checksum_form(Family::V4, src, IpAddr::V4(MCAST_GROUP_V4)));
    let Some(form) = form else {
        return Verdict::Ko(RejectReason::Checksum {
            version: pkt.version(),
        });
    };
    if let Some(r) = address_checks(cfg, &pkt, Family::V4, src, last_master) {
        return Verdict::Ko(r);
    }
    Verdict::Valid(Advert {
        checksum_form: (pkt.version() == 3).then_some(form),
        ..advert
    })
}

fn check_v6(cfg: &InstanceConfig, rx: &RxPacket<'_>, last_master: Option<IpAddr>) -> Verdict {
    let bytes = rx.bytes;
    let pkt = match VrrpPacket::new_checked(bytes) {
        Ok(p) => p,
        Err(_) => {
            return Verdict::Ko(RejectReason::HeaderTooShort {
                got: bytes.len(),
                need: 8,
            })
        }
    };
    let hop = rx.hop_limit.unwrap_or(0);
    if cfg.unicast_peers.is_empty() && hop != VRRP_TTL {
        return Verdict::Ko(RejectReason::Ttl { got: hop });
    }
    if let Some(r) = common_header(cfg, &pkt) {
        return Verdict::Ko(r);
    }
    let expected_vips = advertised_vips(cfg).count();
    if usize::from(pkt.addr_count()) != expected_vips {
        return Verdict::Ko(RejectReason::AddrCount {
            got: pkt.addr_count(),
            expected: expected_vips,
        });
    }
    let src = rx
        .src
        .unwrap_or(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED));
    let advert = Advert {
        src,
        priority: pkt.priority(),
        advert_int: advert_int_of(pkt.version(), pkt.advert_int_raw()),
        checksum_form: None,
    };
    if let Some(r) = interval_check(cfg, &pkt) {
        return Verdict::Drop(advert, r);
    }
    let expected = pkt.expected_len(Family::V6);
    if bytes.len() != expected {
        return Verdict::Ko(RejectReason::Length {
            got: bytes.len(),
            expected,
        });
    }
    // The kernel verifies IPv6 checksums (IPV6_CHECKSUM), as for keepalived.
    if let Some(r) = address_checks(cfg, &pkt, Family::V6, src, last_master) {
        return Verdict::Ko(r);
    }
    Verdict::Valid(advert)
}

fn common_header(cfg: &InstanceConfig, pkt: &VrrpPacket<&[u8]>) -> Option<RejectReason> {
    let expected = version_num(cfg.version);
    if pkt.version() != expected {
        return Some(RejectReason::Version {
            got: pkt.version(),
            expected,
        });
    }
    if pkt.kind() != 1 {
        return Some(RejectReason::Type { got: pkt.kind() });
    }
    None
}

fn auth_checks(
    cfg: &InstanceConfig,
    pkt: &VrrpPacket<&[u8]>,
    ip_payload: &[u8],
    ip_packet: &[u8],
) -> Option<RejectReason> {
    let got = pkt.auth_type();
    if got > 2 {
        return Some(RejectReason::AuthTypeInvalid { got });
    }
    let expected = auth_type_num(&cfg.auth);
    if got != expected {
        return Some(RejectReason::AuthTypeMismatch { got, expected });
    }
    match &cfg.auth {
        Auth::None => None,
        // keepalived compares the 8 bytes at the end of the IP payload.
        Auth::Pass(pw) => {
            let n = ip_payload.len();
            if n < 8 || ip_payload[n - 8..] != pw[..] {
                Some(RejectReason::AuthFailure)
            } else {
                None
            }
        }
        Auth::Ah(key) => (!verify_ah(ip_packet, key)).then_some(RejectReason::AhFailure),
    }
}

fn interval_check(cfg: &InstanceConfig, pkt: &VrrpPacket<&[u8]>) -> Option<RejectReason> {
    if cfg.version != Version::V2 {
        return None;
    }
    let mine = cfg.advert_int.as_secs().min(u64::from(u16::MAX)) as u16;
    let got = pkt.advert_int_raw();
    (got != mine).then_some(RejectReason::AdvertInterval { mine, got })
}

fn address_checks(
    cfg: &InstanceConfig,
    pkt: &VrrpPacket<&[u8]>,
    family: Family,
    src: IpAddr,
    last_master: Option<IpAddr>,
) -> Option<RejectReason> {
    let skip = cfg.skip_check_adv_addr && last_master == Some(src);
    if !skip {
        for vip in advertised_vips(cfg) {
            if !pkt.addresses(family).any(|a| a == vip) {
                return Some(RejectReason::VipMissing {
                    vrid: cfg.vrid,
                    addr: vip,
                });
            }
        }
    }
    if cfg.check_unicast_src && !cfg.unicast_peers.is_empty() && !cfg.unicast_peers.contains(&src) {
        return Some(RejectReason::UnicastSource { src });
    }
    None
}

/// The IPv4 source of an instance (unspecified if misconfigured with an IPv6 one).
pub fn src_v4(cfg: &InstanceConfig) -> Ipv4Addr {
    match cfg.src_addr {
        IpAddr::V4(a) => a,
        IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
    }
}
