//! Routes (`virtual_routes`, `static_routes`) and the RTM_NEWROUTE / RTM_DELROUTE messages
//! built from them, shaped as keepalived 1.3.5 sends them (`vrrp_iproute.c`): protocol `boot`
//! and scope `global` unless configured, the table in the header when it fits a byte (else
//! RTA_TABLE), and on deletion scope `nowhere` (match any) with the type only when configured.

use std::net::IpAddr;

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteMessage, RouteMetric, RouteNextHop,
    RouteNextHopFlags, RoutePreference, RouteProtocol, RouteRealm, RouteScope, RouteType,
};
use netlink_packet_route::AddressFamily;

use crate::NetlinkError;

/// RTPROT_BOOT: what keepalived 1.3.5 marks its routes with.
const RTPROT_BOOT: u8 = 3;
/// RT_SCOPE_NOWHERE: on deletion, "any scope".
const RT_SCOPE_NOWHERE: u8 = 255;
/// RTN_UNICAST.
const RTN_UNICAST: u8 = 1;

/// A per-route TCP/path metric (RTA_METRICS); `lock` pins it (`mtu lock 1400`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metric {
    /// `mtu`.
    Mtu(u32),
    /// `window`.
    Window(u32),
    /// `rtt` (kernel units: 1/8 ms).
    Rtt(u32),
    /// `rttvar` (kernel units: 1/4 ms).
    RttVar(u32),
    /// `ssthresh`.
    SsThresh(u32),
    /// `cwnd`.
    Cwnd(u32),
    /// `advmss`.
    Advmss(u32),
    /// `reordering`.
    Reordering(u32),
    /// `hoplimit`.
    Hoplimit(u32),
    /// `initcwnd`.
    InitCwnd(u32),
    /// `features` (bit mask; `ecn` = 1).
    Features(u32),
    /// `rto_min` (ms).
    RtoMin(u32),
    /// `initrwnd`.
    InitRwnd(u32),
    /// `quickack` (0 or 1).
    QuickAck(u32),
    /// `congctl NAME`.
    CongCtl(String),
}

impl Metric {
    /// The RTAX_* number (the bit of the lock mask).
    pub fn rtax(&self) -> u32 {
        match self {
            Metric::Mtu(_) => 2,
            Metric::Window(_) => 3,
            Metric::Rtt(_) => 4,
            Metric::RttVar(_) => 5,
            Metric::SsThresh(_) => 6,
            Metric::Cwnd(_) => 7,
            Metric::Advmss(_) => 8,
            Metric::Reordering(_) => 9,
            Metric::Hoplimit(_) => 10,
            Metric::InitCwnd(_) => 11,
            Metric::Features(_) => 12,
            Metric::RtoMin(_) => 13,
            Metric::InitRwnd(_) => 14,
            Metric::QuickAck(_) => 15,
            Metric::CongCtl(_) => 16,
        }
    }

    fn to_netlink(&self) -> RouteMetric {
        match self {
            Metric::Mtu(v) => RouteMetric::Mtu(*v),
            Metric::Window(v) => RouteMetric::Window(*v),
            Metric::Rtt(v) => RouteMetric::Rtt(*v),
            Metric::RttVar(v) => RouteMetric::RttVar(*v),
            Metric::SsThresh(v) => RouteMetric::SsThresh(*v),
            Metric::Cwnd(v) => RouteMetric::Cwnd(*v),
            Metric::Advmss(v) => RouteMetric::Advmss(*v),
            Metric::Reordering(v) => RouteMetric::Reordering(*v),
            Metric::Hoplimit(v) => RouteMetric::Hoplimit(*v),
            Metric::InitCwnd(v) => RouteMetric::InitCwnd(*v),
            Metric::Features(v) => RouteMetric::Features(*v),
            Metric::RtoMin(v) => RouteMetric::RtoMin(*v),
            Metric::InitRwnd(v) => RouteMetric::InitRwnd(*v),
            Metric::QuickAck(v) => RouteMetric::QuickAck(*v),
            Metric::CongCtl(s) => RouteMetric::CcAlgo(s.clone()),
        }
    }
}

/// One next hop of a multipath route (`nexthop via A dev X weight 2`, or `or A`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NextHopSpec {
    /// `via`.
    pub gateway: Option<IpAddr>,
    /// `dev` as an interface index.
    pub ifindex: Option<u32>,
    /// `weight` 1..=256 as written.
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// `realms` (FROM << 16 | TO).
    pub realms: Option<u32>,
}

/// A route with keepalived's semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Destination network (`default` is 0.0.0.0/0, `default6` ::/0).
    pub dst: IpAddr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// `from PREFIX` (source-specific routing, IPv6 only).
    pub from: Option<(IpAddr, u8)>,
    /// `src ADDR`: the preferred source address (RTA_PREFSRC).
    pub pref_src: Option<IpAddr>,
    /// `via`/`gw ADDR`.
    pub gateway: Option<IpAddr>,
    /// `dev`/`oif` as an interface index.
    pub oif: Option<u32>,
    /// `table` (default main, 254).
    pub table: u32,
    /// `protocol` (default boot).
    pub protocol: Option<u8>,
    /// `scope` (default global).
    pub scope: Option<u8>,
    /// Route type (`blackhole`, `unreachable`, …); None is unicast, not sent on deletion.
    pub kind: Option<u8>,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// `onlink`.
    pub onlink: bool,
    /// `realms` (FROM << 16 | TO).
    pub realms: Option<u32>,
    /// `expires` seconds (IPv6).
    pub expires: Option<u32>,
    /// `pref` (IPv6 router preference: 0 medium, 1 high, 3 low).
    pub pref: Option<u8>,
    /// Metrics (RTA_METRICS).
    pub metrics: Vec<Metric>,
    /// RTAX_LOCK mask (bit per [`Metric::rtax`]).
    pub lock: u32,
    /// Multipath next hops (`nexthop …`, `or`).
    pub nexthops: Vec<NextHopSpec>,
}

impl RouteSpec {
    /// A unicast route to `dst/dst_len` in the main table with nothing else set.
    pub fn new(dst: IpAddr, dst_len: u8) -> RouteSpec {
        RouteSpec {
            dst,
            dst_len,
            from: None,
            pref_src: None,
            gateway: None,
            oif: None,
            table: u32::from(RouteHeader::RT_TABLE_MAIN),
            protocol: None,
            scope: None,
            kind: None,
            tos: None,
            metric: None,
            onlink: false,
            realms: None,
            expires: None,
            pref: None,
            metrics: Vec::new(),
            lock: 0,
            nexthops: Vec::new(),
        }
    }

    /// The RTM_NEWROUTE message keepalived would send.
    pub(crate) fn add_message(&self) -> Result<RouteMessage, NetlinkError> {
        let mut msg = self.base_message()?;
        msg.header.protocol = RouteProtocol::from(self.protocol.unwrap_or(RTPROT_BOOT));
        msg.header.scope = RouteScope::from(self.scope.unwrap_or(0));
        msg.header.kind = RouteType::from(self.kind.unwrap_or(RTN_UNICAST));
        self.push_metrics(&mut msg);
        Ok(msg)
    }

    /// The RTM_DELROUTE message: the same keys, any scope, type/protocol only if configured.
    pub(crate) fn del_message(&self) -> Result<RouteMessage, NetlinkError> {
        let mut msg = self.base_message()?;
        msg.header.protocol = RouteProtocol::from(self.protocol.unwrap_or(0));
        msg.header.scope = RouteScope::from(self.scope.unwrap_or(RT_SCOPE_NOWHERE));
        msg.header.kind = RouteType::from(self.kind.unwrap_or(0));
        Ok(msg)
    }

    fn is_v6(&self) -> bool {
        self.dst.is_ipv6()
    }

    fn check(&self) -> Result<(), NetlinkError> {
        let v6 = self.is_v6();
        let max = if v6 { 128 } else { 32 };
        let bad = |what: &str| {
            Err(NetlinkError::InvalidSpec(format!(
                "{what} in route to {}",
                self.dst
            )))
        };
        if self.dst_len > max {
            return bad("prefix length too long");
        }
        let same = |a: &IpAddr| a.is_ipv6() == v6;
        if !self.pref_src.iter().all(same)
            || !self.from.iter().all(|(a, _)| same(a))
            || !self.gateway.iter().all(same)
            || !self
                .nexthops
                .iter()
                .filter_map(|n| n.gateway.as_ref())
                .all(same)
        {
            return bad("mixed IPv4 and IPv6 addresses");
        }
        if self.from.is_some_and(|(_, l)| l > max) {
            return bad("source prefix length too long");
        }
        if self
            .nexthops
            .iter()
            .any(|n| n.weight.is_some_and(|w| !(1..=256).contains(&w)))
        {
            return bad("next hop weight outside 1-256");
        }
        Ok(())
    }

    fn base_message(&self) -> Result<RouteMessage, NetlinkError> {
        self.check()?;
        let mut msg = RouteMessage::default();
        let h = &mut msg.header;
        h.address_family = if self.is_v6() {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        h.destination_prefix_length = self.dst_len;
        h.tos = self.tos.unwrap_or(0);
        if self.onlink {
            h.flags = RouteFlags::Onlink;
        }
        let a = &mut msg.attributes;
        if let Ok(t) = u8::try_from(self.table) {
            msg.header.table = t;
        } else {
            msg.header.table = RouteHeader::RT_TABLE_UNSPEC;
            a.push(RouteAttribute::Table(self.table));
        }
        // keepalived leaves RTA_DST out only for a default route it never had an address for;
        // the kernel treats a zero-length destination the same either way.
        a.push(RouteAttribute::Destination(RouteAddress::from(self.dst)));
        if let Some((src, len)) = self.from {
            msg.header.source_prefix_length = len;
            a.push(RouteAttribute::Source(RouteAddress::from(src)));
        }
        if let Some(p) = self.pref_src {
            a.push(RouteAttribute::PrefSource(RouteAddress::from(p)));
        }
        if let Some(g) = self.gateway {
            a.push(RouteAttribute::Gateway(RouteAddress::from(g)));
        }
        if let Some(i) = self.oif {
            a.push(RouteAttribute::Oif(i));
        }
        if let Some(m) = self.metric {
            a.push(RouteAttribute::Priority(m));
        }
        if let Some(r) = self.realms {
            a.push(RouteAttribute::Realm(realm(r)));
        }
        if let Some(e) = self.expires {
            a.push(RouteAttribute::Expires(e));
        }
        if let Some(p) = self.pref {
            a.push(RouteAttribute::Preference(RoutePreference::from(p)));
        }
        if !self.nexthops.is_empty() {
            a.push(RouteAttribute::MultiPath(
                self.nexthops.iter().map(next_hop).collect(),
            ));
        }
        Ok(msg)
    }

    fn push_metrics(&self, msg: &mut RouteMessage) {
        if self.metrics.is_empty() {
            return;
        }
        let mut m: Vec<RouteMetric> = self.metrics.iter().map(Metric::to_netlink).collect();
        if self.lock != 0 {
            m.push(RouteMetric::Lock(self.lock));
        }
        msg.attributes.push(RouteAttribute::Metrics(m));
    }
}

/// RTA_FLOW value (FROM << 16 | TO) as the crate's realm pair.
fn realm(v: u32) -> RouteRealm {
    RouteRealm {
        source: (v >> 16) as u16,
        destination: (v & 0xffff) as u16,
    }
}

fn next_hop(n: &NextHopSpec) -> RouteNextHop {
    let mut nh = RouteNextHop::default();
    nh.interface_index = n.ifindex.unwrap_or(0);
    // rtnh_hops is weight - 1 (iproute2 and keepalived write it so).
    nh.hops = n.weight.map_or(0, |w| (w.saturating_sub(1) & 0xff) as u8);
    if n.onlink {
        nh.flags = RouteNextHopFlags::Onlink;
    }
    if let Some(g) = n.gateway {
        nh.attributes
            .push(RouteAttribute::Gateway(RouteAddress::from(g)));
    }
    if let Some(r) = n.realms {
        nh.attributes.push(RouteAttribute::Realm(realm(r)));
    }
    nh
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    }

    #[test]
    fn add_is_boot_global_unicast_main() {
        let mut r = RouteSpec::new(v4(10, 9, 0, 0), 24);
        r.gateway = Some(v4(192, 168, 1, 1));
        r.oif = Some(3);
        r.metric = Some(5);
        let m = r.add_message().unwrap();
        assert_eq!(m.header.protocol, RouteProtocol::Boot);
        assert_eq!(m.header.scope, RouteScope::Universe);
        assert_eq!(m.header.kind, RouteType::Unicast);
        assert_eq!(m.header.table, 254);
        assert_eq!(m.header.destination_prefix_length, 24);
        assert!(m.attributes.contains(&RouteAttribute::Oif(3)));
        assert!(m.attributes.contains(&RouteAttribute::Priority(5)));
        assert!(m
            .attributes
            .contains(&RouteAttribute::Gateway(RouteAddress::Inet(Ipv4Addr::new(
                192, 168, 1, 1
            )))));
        let d = r.del_message().unwrap();
        assert_eq!(d.header.scope, RouteScope::NoWhere);
        assert_eq!(d.header.kind, RouteType::Unspec);
        assert_eq!(d.header.protocol, RouteProtocol::Unspec);
    }

    #[test]
    fn big_table_goes_in_an_attribute_and_metrics_carry_the_lock() {
        let mut r = RouteSpec::new(v4(10, 9, 0, 0), 24);
        r.table = 1000;
        r.metrics = vec![Metric::Mtu(1400)];
        r.lock = 1 << Metric::Mtu(0).rtax();
        r.kind = Some(6);
        let m = r.add_message().unwrap();
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RouteAttribute::Table(1000)));
        assert!(m.attributes.contains(&RouteAttribute::Metrics(vec![
            RouteMetric::Mtu(1400),
            RouteMetric::Lock(4)
        ])));
        assert_eq!(m.header.kind, RouteType::BlackHole);
        let d = r.del_message().unwrap();
        assert_eq!(d.header.kind, RouteType::BlackHole);
        assert!(!d
            .attributes
            .iter()
            .any(|a| matches!(a, RouteAttribute::Metrics(_))));
    }

    #[test]
    fn multipath_weights_and_mixed_families() {
        let mut r = RouteSpec::new(v4(0, 0, 0, 0), 0);
        r.nexthops = vec![
            NextHopSpec {
                gateway: Some(v4(10, 0, 0, 1)),
                weight: Some(2),
                ..Default::default()
            },
            NextHopSpec {
                gateway: Some(v4(10, 0, 0, 2)),
                ifindex: Some(4),
                ..Default::default()
            },
        ];
        let m = r.add_message().unwrap();
        let Some(RouteAttribute::MultiPath(nhs)) = m
            .attributes
            .iter()
            .find(|a| matches!(a, RouteAttribute::MultiPath(_)))
        else {
            panic!("no multipath: {m:?}")
        };
        assert_eq!(nhs[0].hops, 1);
        assert_eq!(nhs[1].interface_index, 4);
        r.nexthops[1].gateway = Some(IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert!(r.add_message().is_err());
    }
}
