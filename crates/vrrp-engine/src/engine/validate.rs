//! keepalived 1.3.5's receive checks (`vrrp_in_chk`), in its order, as a typed verdict.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use crate::config::{Auth, Family, InstanceConfig, Version};
use crate::wire::ah::{icv_valid, AhHeader, AH_LEN};
use crate::wire::ipv4::{Ipv4Header, PROTO_AH, VRRP_TTL};
use crate::wire::vrrp::{ChecksumForm, VrrpPacket, MCAST_GROUP_V4};

use super::ah::AhCounter;
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
    /// AH authentication: ICV does not verify (or the packet is not the length our
    /// configuration implies, which 1.3.5 sees as a wrong ICV: it hashes that many bytes).
    AhFailure,
    /// AH authentication: the SPI is not the packet's source address.
    AhSpi {
        /// Source address of the IP header.
        src: Ipv4Addr,
        /// SPI of the AH header.
        spi: u32,
    },
    /// AH anti-replay: the sequence number is not above the instance's counter.
    AhSequence {
        /// Received sequence number.
        seq: u32,
        /// The instance's counter after counting this packet (1.3.5's `Local(%d)`).
        local: u32,
    },
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
            AhFailure => format!(
                "VRRP_Instance({iname}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
            ),
            // 1.3.5 prints both with %d from the network-order words, as read on a
            // little-endian host (and without the instance name).
            AhSpi { src, spi } => format!(
                "IPSEC AH : invalid IPSEC SPI value. {} and expect {}",
                i32::from_le_bytes(src.octets()),
                i32::from_le_bytes(spi.to_be_bytes())
            ),
            AhSequence { seq, local } => format!(
                "VRRP_Instance({iname}) IPSEC-AH : sequence number {} already proceeded. Packet dropped. Local({})",
                *seq as i32, *local as i32
            ),
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
    /// AH sequence number of an authenticated AH advert (None without AH).
    pub ah_seq: Option<u32>,
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

/// Whether the instance sends and receives keepalived's AH (IP protocol 51): `auth_type AH`
/// on VRRPv2 over IPv4 (keepalived has no AH for IPv6 or VRRPv3).
pub fn expects_ah(cfg: &InstanceConfig) -> bool {
    matches!(cfg.auth, Auth::Ah(_)) && cfg.version == Version::V2 && cfg.family == Family::V4
}

/// Whether a received packet is an AH packet (IPv4, protocol 51). keepalived reads AH
/// and plain VRRP on separate sockets, so each reaches only the instances of its kind.
pub fn is_ah_packet(rx: &RxPacket<'_>) -> bool {
    rx.family == Family::V4 && rx.bytes.get(9) == Some(&PROTO_AH)
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
/// `last_master` is the address of the last master heard (for `skip_check_adv_addr`);
/// `ah` is the instance's AH sequence counter, which an authenticated AH advert advances
/// (anti-replay); `in_sync_group` lifts the replay check as 1.3.5 does for group members.
pub fn check(
    cfg: &InstanceConfig,
    rx: &RxPacket<'_>,
    last_master: Option<IpAddr>,
    ah: &mut AhCounter,
    in_sync_group: bool,
) -> Verdict {
    match rx.family {
        Family::V4 => check_v4(cfg, rx.bytes, last_master, ah, in_sync_group),
        Family::V6 => check_v6(cfg, rx, last_master),
    }
}

fn check_v4(
    cfg: &InstanceConfig,
    bytes: &[u8],
    last_master: Option<IpAddr>,
    ah: &mut AhCounter,
    in_sync_group: bool,
) -> Verdict {
    let is_ah = expects_ah(cfg);
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
    let mut ah_seq = None;
    if pkt.version() == 2 {
        let rx = AuthInput {
            pkt: &pkt,
            ip: &ip,
            ip_payload: payload,
            ip_packet: bytes,
        };
        match auth_checks(cfg, &rx, ah, in_sync_group) {
            Ok(seq) => ah_seq = seq,
            Err(r) => return Verdict::Ko(r),
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
        ah_seq,
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
        ah_seq: None,
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

/// What the authentication checks look at in a received IPv4 packet.
struct AuthInput<'a, 'b> {
    pkt: &'b VrrpPacket<&'a [u8]>,
    ip: &'b Ipv4Header,
    ip_payload: &'a [u8],
    ip_packet: &'a [u8],
}

/// Auth type, then PASS or AH. For an authenticated AH advert returns its sequence number.
fn auth_checks(
    cfg: &InstanceConfig,
    rx: &AuthInput<'_, '_>,
    counter: &mut AhCounter,
    in_sync_group: bool,
) -> Result<Option<u32>, RejectReason> {
    let got = rx.pkt.auth_type();
    if got > 2 {
        return Err(RejectReason::AuthTypeInvalid { got });
    }
    let expected = auth_type_num(&cfg.auth);
    if got != expected {
        return Err(RejectReason::AuthTypeMismatch { got, expected });
    }
    match &cfg.auth {
        Auth::None => Ok(None),
        // keepalived compares the 8 bytes at the end of the IP payload.
        Auth::Pass(pw) => {
            let n = rx.ip_payload.len();
            if n < 8 || rx.ip_payload[n - 8..] != pw[..] {
                Err(RejectReason::AuthFailure)
            } else {
                Ok(None)
            }
        }
        Auth::Ah(_) if !expects_ah(cfg) => Ok(None),
        Auth::Ah(key) => ah_checks(cfg, key, rx, counter, in_sync_group).map(Some),
    }
}

/// 1.3.5's AH checks: SPI = source address, ICV, sequence number. One deliberate change of
/// order: 1.3.5 runs the sequence check before the ICV, so a forged packet with a high
/// number moves its counter and the genuine adverts are then dropped as replays; the ICV
/// comes first here (as in 2.x), so only an authenticated packet touches the counter.
fn ah_checks(
    cfg: &InstanceConfig,
    key: &[u8; 8],
    rx: &AuthInput<'_, '_>,
    counter: &mut AhCounter,
    in_sync_group: bool,
) -> Result<u32, RejectReason> {
    let ah = AhHeader::read(rx.ip_payload).ok_or(RejectReason::AhFailure)?;
    if ah.spi != u32::from(rx.ip.src) {
        return Err(RejectReason::AhSpi {
            src: rx.ip.src,
            spi: ah.spi,
        });
    }
    // 1.3.5 hashes exactly the length its own configuration implies (IP + AH + VRRP with
    // our VIP count): a packet of any other length cannot verify.
    let vrrp_len = 8 + 4 * advertised_vips(cfg).count() + 8;
    let covered = rx.ip.header_len + AH_LEN + vrrp_len;
    let unicast = !cfg.unicast_peers.is_empty();
    if rx.ip_packet.len() != covered || !icv_valid(rx.ip_packet, key, unicast) {
        return Err(RejectReason::AhFailure);
    }
    counter
        .check_rx(ah.seq, in_sync_group)
        .map_err(|local| RejectReason::AhSequence { seq: ah.seq, local })?;
    Ok(ah.seq)
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
