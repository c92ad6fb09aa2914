//! KEEPALIVED-MIB's `vrrpRouteTable` (`vrrp.7`), `vrrpRuleTable` (`vrrp.8`) and
//! `vrrpRouteNextHopTable` (`vrrp.11`) as 1.3.5 serves them: row `(0, k)` is the k-th
//! `static_routes`/`static_rules` line, row `(n, k)` the k-th `virtual_routes`/`virtual_rules`
//! line of the n-th instance (the numbering of `vrrpInstanceTable`), row `(n, k, h)` the h-th
//! `nexthop` of route `(n, k)`. A column whose setting is absent has no cell (1.3.5 skips
//! it). The encapsulation columns never have one: `encap` is refused, as by a 1.3.5 built
//! without lightweight tunnels.

use std::collections::HashMap;

use vrrp_netlink::{Metric, RouteSpec, RuleActionSpec, RuleSpec};

use super::mib::Mib;
use super::pdu::Value;
use super::tables::{addr_bytes, addr_type, scope, text, yes_no, VRRP};
use crate::convert::{InstanceRouting, RouteConf, Routing, RuleConf};
use crate::metrics::InstanceView;

/// The routes and rules the tables show (from the daemon's routing configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingTables {
    /// `static_routes`.
    pub static_routes: Vec<RouteConf>,
    /// `static_rules`.
    pub static_rules: Vec<RuleConf>,
    /// `virtual_routes`/`virtual_rules` by instance name.
    pub instances: HashMap<String, InstanceRouting>,
}

impl RoutingTables {
    /// What the tables need of the daemon's routing configuration.
    pub fn of(r: &Routing) -> RoutingTables {
        RoutingTables {
            static_routes: r.static_routes.clone(),
            static_rules: r.static_rules.clone(),
            instances: r.instances.clone(),
        }
    }
}

/// `vrrpRouteType`: unicast(1), multipath(2), then the kernel's other route types.
fn route_type(s: &RouteSpec) -> i32 {
    if !s.nexthops.is_empty() {
        return 2;
    }
    match s.kind {
        Some(6) => 3,   // blackhole
        Some(4) => 4,   // anycast
        Some(5) => 5,   // multicast
        Some(3) => 6,   // broadcast
        Some(7) => 7,   // unreachable
        Some(8) => 8,   // prohibit
        Some(9) => 9,   // throw
        Some(10) => 10, // nat
        Some(11) => 11, // xresolve
        _ => 1,
    }
}

/// The cells of one route row, by column.
pub(crate) fn route_cells(
    r: &RouteConf,
    set: bool,
    if_index: &mut dyn FnMut(&str) -> u32,
) -> Vec<(u32, Value)> {
    let s = &r.spec;
    let mut c: Vec<(u32, Value)> = vec![
        (2, Value::Integer(addr_type(s.dst))),
        (3, Value::OctetString(addr_bytes(s.dst))),
        (4, Value::Gauge32(u32::from(s.dst_len))),
    ];
    if let Some(g) = s.gateway {
        c.push((5, Value::OctetString(addr_bytes(g))));
    }
    // The second gateway of `via A or B`: a single next hop.
    if let [nh] = s.nexthops.as_slice() {
        if let Some(g) = nh.gateway {
            c.push((6, Value::OctetString(addr_bytes(g))));
        }
    }
    if let Some(a) = s.pref_src {
        c.push((7, Value::OctetString(addr_bytes(a))));
    }
    c.push((8, Value::Gauge32(s.metric.unwrap_or(0))));
    c.push((9, Value::Integer(scope(s.scope.unwrap_or(0)))));
    c.push((10, Value::Integer(route_type(s))));
    if let Some(dev) = &r.dev {
        let ifx = if_index(dev);
        if ifx != 0 {
            c.push((11, Value::Integer(ifx as i32)));
        }
        c.push((12, text(dev)));
    }
    c.push((13, Value::Gauge32(s.table)));
    c.push((14, yes_no(set)));
    if let Some((a, len)) = s.from {
        c.push((15, Value::OctetString(addr_bytes(a))));
        c.push((16, Value::Gauge32(u32::from(len))));
    }
    if let Some(t) = s.tos {
        c.push((17, Value::Gauge32(u32::from(t))));
    }
    if let Some(p) = s.protocol {
        c.push((18, Value::Integer(i32::from(p) + 1)));
    }
    let features = s.metrics.iter().find_map(|m| match m {
        Metric::Features(v) => Some(*v),
        _ => None,
    });
    // ecn(19) and quickack(20) are always shown: true(1) when set, else false(2).
    c.push((19, yes_no(features.is_some_and(|f| f & 1 != 0))));
    c.push((
        20,
        yes_no(s.metrics.iter().any(|m| matches!(m, Metric::QuickAck(_)))),
    ));
    if let Some(e) = s.expires {
        c.push((21, Value::Gauge32(e)));
    }
    let locked = |rtax: u32| yes_no(s.lock & (1 << rtax) != 0);
    macro_rules! metric {
        ($kind:ident) => {
            s.metrics.iter().find_map(|m| match m {
                Metric::$kind(v) => Some(*v),
                _ => None,
            })
        };
    }
    let mtu = metric!(Mtu);
    let hoplimit = metric!(Hoplimit);
    let advmss = metric!(Advmss);
    let rtt = metric!(Rtt);
    let rttvar = metric!(RttVar);
    let reordering = metric!(Reordering);
    let window = metric!(Window);
    let cwnd = metric!(Cwnd);
    let ssthresh = metric!(SsThresh);
    let rto_min = metric!(RtoMin);
    let initcwnd = metric!(InitCwnd);
    let initrwnd = metric!(InitRwnd);
    if let Some(v) = mtu {
        c.push((22, Value::Gauge32(v)));
        c.push((23, locked(2)));
    }
    if let Some(v) = hoplimit {
        c.push((24, Value::Gauge32(v)));
        // 1.3.5 shows vrrpRouteAdvmss when hoplimit (not advmss) is set: kept, so walks
        // match; the value is advmss's (0 when unset).
        c.push((25, Value::Gauge32(advmss.unwrap_or(0))));
    }
    if advmss.is_some() {
        c.push((26, locked(8)));
    }
    if let Some(v) = rtt {
        // Kernel units (1/8 ms) shown in ms, as 1.3.5.
        c.push((27, Value::Gauge32(v / 8)));
        c.push((28, locked(4)));
    }
    if let Some(v) = rttvar {
        c.push((29, Value::Gauge32(v / 4)));
        c.push((30, locked(5)));
    }
    if let Some(v) = reordering {
        c.push((31, Value::Gauge32(v)));
        c.push((32, locked(9)));
    }
    if let Some(v) = window {
        c.push((33, Value::Gauge32(v)));
    }
    if let Some(v) = cwnd {
        c.push((34, Value::Gauge32(v)));
        c.push((35, locked(7)));
    }
    if let Some(v) = ssthresh {
        c.push((36, Value::Gauge32(v)));
        c.push((37, locked(6)));
    }
    if let Some(v) = rto_min {
        c.push((38, Value::Gauge32(v)));
        c.push((39, locked(13)));
    }
    if let Some(v) = initcwnd {
        c.push((40, Value::Gauge32(v)));
    }
    if let Some(v) = initrwnd {
        c.push((41, Value::Gauge32(v)));
    }
    if let Some(cc) = s.metrics.iter().find_map(|m| match m {
        Metric::CongCtl(n) => Some(n),
        _ => None,
    }) {
        c.push((42, text(cc)));
    }
    if let Some(p) = s.pref {
        // ICMPV6_ROUTER_PREF_LOW(3) → low(1), MEDIUM(0) → medium(2), HIGH(1) → high(3).
        let v = match p {
            3 => 1,
            0 => 2,
            1 => 3,
            _ => 0,
        };
        c.push((43, Value::Integer(v)));
    }
    if let Some(realms) = s.realms.filter(|r| *r != 0) {
        c.push((44, Value::Gauge32(realms & 0xFFFF)));
        if realms >> 16 != 0 {
            c.push((45, Value::Gauge32(realms >> 16)));
        }
    }
    c
}

/// The cells of next hop `h` of a route, by column.
pub(crate) fn next_hop_cells(
    r: &RouteConf,
    h: usize,
    if_index: &mut dyn FnMut(&str) -> u32,
) -> Vec<(u32, Value)> {
    let Some(nh) = r.spec.nexthops.get(h) else {
        return Vec::new();
    };
    let mut c = Vec::new();
    if let Some(g) = nh.gateway {
        c.push((2, Value::Integer(addr_type(g))));
        c.push((3, Value::OctetString(addr_bytes(g))));
    }
    if let Some(Some(dev)) = r.nexthop_devs.get(h) {
        let ifx = if_index(dev);
        if ifx != 0 {
            c.push((4, Value::Integer(ifx as i32)));
        }
        c.push((5, text(dev)));
    }
    if let Some(w) = nh.weight {
        c.push((6, Value::Gauge32(u32::from(w))));
    }
    c.push((7, yes_no(nh.onlink)));
    // 1.3.5's vrrpRouteNextHopRealmDst falls through into RealmSrc: both show the FROM
    // realm, and only when there is one. Kept, so walks match 1.3.5's.
    if let Some(from) = nh.realms.map(|r| r >> 16).filter(|f| *f != 0) {
        c.push((8, Value::Gauge32(from)));
        c.push((9, Value::Gauge32(from)));
    }
    c
}

/// FR_ACT_* of a rule's action (`vrrpRuleAction`).
fn rule_action(a: RuleActionSpec) -> i32 {
    match a {
        RuleActionSpec::Table(_) => 1,
        RuleActionSpec::Goto(_) => 2,
        RuleActionSpec::Nop => 3,
        RuleActionSpec::Blackhole => 6,
        RuleActionSpec::Unreachable => 7,
        RuleActionSpec::Prohibit => 8,
    }
}

/// The cells of one rule row, by column.
pub(crate) fn rule_cells(r: &RuleConf, set: bool) -> Vec<(u32, Value)> {
    let s: &RuleSpec = &r.spec;
    let direction = match (s.to.is_some(), s.from.is_some()) {
        (true, true) => "both",
        (true, false) => "to",
        (false, true) => "from",
        (false, false) => "",
    };
    let mut c = vec![(2, text(direction))];
    // The obsolete single-address columns: `to`, else `from`.
    if let Some((a, len)) = s.to.or(s.from) {
        c.push((3, Value::Integer(addr_type(a))));
        c.push((4, Value::OctetString(addr_bytes(a))));
        c.push((5, Value::Gauge32(u32::from(len))));
    }
    if let RuleActionSpec::Table(t) = s.action {
        c.push((6, Value::Gauge32(t)));
    }
    c.push((7, yes_no(set)));
    c.push((8, yes_no(s.invert)));
    if let Some((a, len)) = s.to {
        c.push((9, Value::Integer(addr_type(a))));
        c.push((10, Value::OctetString(addr_bytes(a))));
        c.push((11, Value::Gauge32(u32::from(len))));
    }
    if let Some((a, len)) = s.from {
        c.push((12, Value::Integer(addr_type(a))));
        c.push((13, Value::OctetString(addr_bytes(a))));
        c.push((14, Value::Gauge32(u32::from(len))));
    }
    if let Some(t) = s.tos {
        c.push((15, Value::Gauge32(u32::from(t))));
    }
    if let Some(m) = s.fwmark {
        c.push((16, Value::Gauge32(m)));
    }
    if let Some(m) = s.fwmask {
        c.push((17, Value::Gauge32(m)));
    }
    if let Some(realms) = s.realms.filter(|r| *r != 0) {
        c.push((18, Value::Gauge32(realms & 0xFFFF)));
        if realms >> 16 != 0 {
            c.push((19, Value::Gauge32(realms >> 16)));
        }
    }
    if let Some(i) = &s.iif {
        c.push((20, text(i)));
    }
    if let Some(o) = &s.oif {
        c.push((21, text(o)));
    }
    if let RuleActionSpec::Goto(t) = s.action {
        c.push((22, Value::Gauge32(t)));
    }
    c.push((23, Value::Integer(rule_action(s.action))));
    if let RuleActionSpec::Table(t) = s.action {
        c.push((24, Value::Gauge32(t)));
    }
    if let Some(p) = s.priority.filter(|p| *p != 0) {
        c.push((25, Value::Gauge32(p)));
    }
    if let Some(l) = s.suppress_prefixlen {
        c.push((26, Value::Gauge32(l)));
    }
    if let Some(g) = s.suppress_ifgroup {
        // 1.3.5 shows the group's name from rt_group when it has one; we show the number.
        c.push((27, text(&g.to_string())));
    }
    if let Some(t) = s.tunnel_id.filter(|t| *t != 0) {
        c.push((28, Value::Gauge32((t >> 32) as u32)));
        c.push((29, Value::Gauge32(t as u32)));
    }
    if let Some((a, b)) = s.uid_range {
        c.push((30, Value::Gauge32(a)));
        c.push((31, Value::Gauge32(b)));
    }
    c
}

/// Adds `vrrpRouteTable`, `vrrpRuleTable` and `vrrpRouteNextHopTable`. Static entries are always set (they go in at
/// start); an instance's are set while its virtual addresses are (they go in and out with
/// them, when it becomes and stops being MASTER).
pub(crate) fn add_routes(
    m: &mut Mib,
    t: &RoutingTables,
    insts: &[InstanceView],
    if_index: &mut dyn FnMut(&str) -> u32,
) {
    let entry = |table: u32| {
        let mut o = VRRP.to_vec();
        o.extend_from_slice(&[table, 1]);
        o
    };
    let (rt, ru, nh) = (entry(7), entry(8), entry(11));
    let mut owners: Vec<(u32, &[RouteConf], &[RuleConf], bool)> =
        vec![(0, &t.static_routes, &t.static_rules, true)];
    for (n, v) in insts.iter().enumerate() {
        if let Some(r) = t.instances.get(&v.labels.cfg.name) {
            owners.push((n as u32 + 1, &r.routes, &r.rules, v.vips_set));
        }
    }
    for (inst, routes, rules, set) in owners {
        for (k, r) in routes.iter().enumerate() {
            for (col, val) in route_cells(r, set, if_index) {
                m.cell(&rt, col, &[inst, k as u32 + 1], val);
            }
            for h in 0..r.spec.nexthops.len() {
                for (col, val) in next_hop_cells(r, h, if_index) {
                    m.cell(&nh, col, &[inst, k as u32 + 1, h as u32 + 1], val);
                }
            }
        }
        for (k, r) in rules.iter().enumerate() {
            for (col, val) in rule_cells(r, set) {
                m.cell(&ru, col, &[inst, k as u32 + 1], val);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use vrrp_netlink::NextHopSpec;

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn route(spec: RouteSpec, dev: Option<&str>) -> RouteConf {
        RouteConf {
            spec,
            dev: dev.map(str::to_string),
            nexthop_devs: vec![],
            text: String::new(),
        }
    }

    fn col(cells: &[(u32, Value)], c: u32) -> Option<Value> {
        cells.iter().find(|(k, _)| *k == c).map(|(_, v)| v.clone())
    }

    /// `10.9.0.0/24 via 10.0.0.254 dev eth1 src 10.0.0.100 metric 5 table 100 protocol 4`:
    /// the columns 1.3.5 fills, the ones it leaves out absent.
    #[test]
    fn route_columns_and_encodings() {
        let mut s = RouteSpec::new(ip("10.9.0.0"), 24);
        s.gateway = Some(ip("10.0.0.254"));
        s.pref_src = Some(ip("10.0.0.100"));
        s.metric = Some(5);
        s.table = 100;
        s.protocol = Some(4);
        let cells = route_cells(&route(s, Some("eth1")), true, &mut |n| {
            assert_eq!(n, "eth1");
            7
        });
        let want: Vec<(u32, Value)> = vec![
            (2, Value::Integer(1)),
            (3, Value::OctetString(vec![10, 9, 0, 0])),
            (4, Value::Gauge32(24)),
            (5, Value::OctetString(vec![10, 0, 0, 254])),
            (7, Value::OctetString(vec![10, 0, 0, 100])),
            (8, Value::Gauge32(5)),
            (9, Value::Integer(14)),
            (10, Value::Integer(1)),
            (11, Value::Integer(7)),
            (12, Value::OctetString(b"eth1".to_vec())),
            (13, Value::Gauge32(100)),
            (14, Value::Integer(1)),
            (18, Value::Integer(5)),
            (19, Value::Integer(2)),
            (20, Value::Integer(2)),
        ];
        assert_eq!(cells, want);
    }

    /// IPv6, a blackhole, metrics with locks, `or` second gateway, realms, pref.
    #[test]
    fn route_metrics_types_and_v6() {
        let mut s = RouteSpec::new(ip("2001:db8::"), 64);
        s.kind = Some(6);
        s.scope = Some(253);
        s.metrics = vec![
            Metric::Mtu(1400),
            Metric::Rtt(800),
            Metric::Features(1),
            Metric::CongCtl("cubic".into()),
        ];
        s.lock = 1 << 2;
        s.realms = Some(3 << 16 | 2);
        s.pref = Some(1);
        let c = route_cells(&route(s, None), false, &mut |_| 0);
        assert_eq!(col(&c, 2), Some(Value::Integer(2)));
        let mut v6 = vec![0u8; 16];
        v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(col(&c, 3), Some(Value::OctetString(v6)));
        assert_eq!(col(&c, 9), Some(Value::Integer(2)));
        assert_eq!(col(&c, 10), Some(Value::Integer(3)));
        assert_eq!(col(&c, 11), None);
        assert_eq!(col(&c, 12), None);
        assert_eq!(col(&c, 14), Some(Value::Integer(2)));
        assert_eq!(col(&c, 19), Some(Value::Integer(1)));
        assert_eq!(col(&c, 22), Some(Value::Gauge32(1400)));
        assert_eq!(col(&c, 23), Some(Value::Integer(1)));
        assert_eq!(col(&c, 27), Some(Value::Gauge32(100)));
        assert_eq!(col(&c, 28), Some(Value::Integer(2)));
        assert_eq!(col(&c, 42), Some(Value::OctetString(b"cubic".to_vec())));
        assert_eq!(col(&c, 43), Some(Value::Integer(3)));
        assert_eq!(col(&c, 44), Some(Value::Gauge32(2)));
        assert_eq!(col(&c, 45), Some(Value::Gauge32(3)));
        // One next hop: the second gateway, and the type is multipath.
        let mut s = RouteSpec::new(ip("10.1.0.0"), 16);
        s.gateway = Some(ip("10.0.0.1"));
        s.nexthops = vec![NextHopSpec {
            gateway: Some(ip("10.0.0.2")),
            ..NextHopSpec::default()
        }];
        let c = route_cells(&route(s, None), true, &mut |_| 0);
        assert_eq!(col(&c, 6), Some(Value::OctetString(vec![10, 0, 0, 2])));
        assert_eq!(col(&c, 10), Some(Value::Integer(2)));
    }

    /// `nexthop via 10.0.0.1 dev eth1 weight 2 nexthop via 10.0.0.2 onlink realms 4/1`:
    /// vrrpRouteNextHopTable rows (0, 1, 1) and (0, 1, 2).
    #[test]
    fn next_hop_rows() {
        let mut s = RouteSpec::new(ip("10.1.0.0"), 16);
        s.nexthops = vec![
            NextHopSpec {
                gateway: Some(ip("10.0.0.1")),
                weight: Some(2),
                ..NextHopSpec::default()
            },
            NextHopSpec {
                gateway: Some(ip("10.0.0.2")),
                onlink: true,
                realms: Some(4 << 16 | 1),
                ..NextHopSpec::default()
            },
        ];
        let mut r = route(s, None);
        r.nexthop_devs = vec![Some("eth1".into()), None];
        let want1: Vec<(u32, Value)> = vec![
            (2, Value::Integer(1)),
            (3, Value::OctetString(vec![10, 0, 0, 1])),
            (4, Value::Integer(7)),
            (5, Value::OctetString(b"eth1".to_vec())),
            (6, Value::Gauge32(2)),
            (7, Value::Integer(2)),
        ];
        assert_eq!(next_hop_cells(&r, 0, &mut |_| 7), want1);
        let want2: Vec<(u32, Value)> = vec![
            (2, Value::Integer(1)),
            (3, Value::OctetString(vec![10, 0, 0, 2])),
            (7, Value::Integer(1)),
            (8, Value::Gauge32(4)),
            (9, Value::Gauge32(4)),
        ];
        assert_eq!(next_hop_cells(&r, 1, &mut |_| 7), want2);
        let t = RoutingTables {
            static_routes: vec![r],
            ..RoutingTables::default()
        };
        let mut m = Mib::default();
        add_routes(&mut m, &t, &[], &mut |_| 7);
        let mut o = VRRP.to_vec();
        o.extend_from_slice(&[11, 1, 3, 0, 1, 2]);
        assert_eq!(m.get(&o), Value::OctetString(vec![10, 0, 0, 2]));
        o[VRRP.len() + 5] = 3;
        assert_eq!(m.get(&o), Value::NoSuchInstance);
    }

    /// `from 10.0.0.0/8 to 192.168.2.0/24 not table 100 priority 200 fwmark 3/7 iif eth1`.
    #[test]
    fn rule_columns_and_encodings() {
        let mut s = RuleSpec::new(false, RuleActionSpec::Table(100));
        s.from = Some((ip("10.0.0.0"), 8));
        s.to = Some((ip("192.168.2.0"), 24));
        s.invert = true;
        s.priority = Some(200);
        s.fwmark = Some(3);
        s.fwmask = Some(7);
        s.iif = Some("eth1".into());
        let r = RuleConf {
            spec: s,
            text: String::new(),
        };
        let want: Vec<(u32, Value)> = vec![
            (2, Value::OctetString(b"both".to_vec())),
            (3, Value::Integer(1)),
            (4, Value::OctetString(vec![192, 168, 2, 0])),
            (5, Value::Gauge32(24)),
            (6, Value::Gauge32(100)),
            (7, Value::Integer(2)),
            (8, Value::Integer(1)),
            (9, Value::Integer(1)),
            (10, Value::OctetString(vec![192, 168, 2, 0])),
            (11, Value::Gauge32(24)),
            (12, Value::Integer(1)),
            (13, Value::OctetString(vec![10, 0, 0, 0])),
            (14, Value::Gauge32(8)),
            (16, Value::Gauge32(3)),
            (17, Value::Gauge32(7)),
            (20, Value::OctetString(b"eth1".to_vec())),
            (23, Value::Integer(1)),
            (24, Value::Gauge32(100)),
            (25, Value::Gauge32(200)),
        ];
        assert_eq!(rule_cells(&r, false), want);
        // goto: the target, no table; no address: an empty direction, no address columns.
        let mut s = RuleSpec::new(false, RuleActionSpec::Goto(300));
        s.tunnel_id = Some(5 << 32 | 9);
        s.uid_range = Some((1000, 2000));
        let c = rule_cells(
            &RuleConf {
                spec: s,
                text: String::new(),
            },
            true,
        );
        assert_eq!(col(&c, 2), Some(Value::OctetString(vec![])));
        assert_eq!(col(&c, 3), None);
        assert_eq!(col(&c, 6), None);
        assert_eq!(col(&c, 7), Some(Value::Integer(1)));
        assert_eq!(col(&c, 8), Some(Value::Integer(2)));
        assert_eq!(col(&c, 22), Some(Value::Gauge32(300)));
        assert_eq!(col(&c, 23), Some(Value::Integer(2)));
        assert_eq!(col(&c, 24), None);
        assert_eq!(col(&c, 28), Some(Value::Gauge32(5)));
        assert_eq!(col(&c, 29), Some(Value::Gauge32(9)));
        assert_eq!(col(&c, 31), Some(Value::Gauge32(2000)));
    }

    /// Static rows are instance 0, numbered from 1, always set; the tables are vrrp.7/.8.
    #[test]
    fn static_rows_index() {
        let t = RoutingTables {
            static_routes: vec![
                route(RouteSpec::new(ip("10.8.0.0"), 16), None),
                route(RouteSpec::new(ip("10.9.0.0"), 16), None),
            ],
            static_rules: vec![RuleConf {
                spec: RuleSpec::new(false, RuleActionSpec::Table(5)),
                text: String::new(),
            }],
            instances: HashMap::new(),
        };
        let mut m = Mib::default();
        add_routes(&mut m, &t, &[], &mut |_| 0);
        let at = |p: &[u32]| {
            let mut o = VRRP.to_vec();
            o.extend_from_slice(p);
            m.get(&o)
        };
        assert_eq!(at(&[7, 1, 3, 0, 2]), Value::OctetString(vec![10, 9, 0, 0]));
        assert_eq!(at(&[7, 1, 14, 0, 1]), Value::Integer(1));
        assert_eq!(at(&[7, 1, 3, 0, 3]), Value::NoSuchInstance);
        assert_eq!(at(&[7, 1, 3, 1, 1]), Value::NoSuchInstance);
        assert_eq!(at(&[8, 1, 24, 0, 1]), Value::Gauge32(5));
        assert_eq!(at(&[8, 1, 7, 0, 1]), Value::Integer(1));
    }
}
