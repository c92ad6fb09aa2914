//! KEEPALIVED-MIB's `vrrpRouteTable` (`vrrp.7`) and `vrrpRuleTable` (`vrrp.8`) as 1.3.5
//! serves them: row `(0, k)` is the k-th `static_routes`/`static_rules` line, row `(n, k)`
//! the k-th `virtual_routes`/`virtual_rules` line of the n-th instance (the numbering of
//! `vrrpInstanceTable`). A column whose setting is absent has no cell (1.3.5 skips it).

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

/// Adds `vrrpRouteTable` and `vrrpRuleTable`. Static entries are always set (they go in at
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
    let (rt, ru) = (entry(7), entry(8));
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
        }
        for (k, r) in rules.iter().enumerate() {
            for (col, val) in rule_cells(r, set) {
                m.cell(&ru, col, &[inst, k as u32 + 1], val);
            }
        }
    }
}
