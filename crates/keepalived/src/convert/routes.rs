//! `virtual_routes`, `virtual_rules`, `static_routes`, `static_rules` and `static_ipaddress`:
//! the `ip route` / `ip rule` words of each line read the way keepalived 1.3.5 reads them
//! (`vrrp_iproute.c: alloc_route`, `vrrp_iprule.c: alloc_rule`), into the route and rule
//! specifications the daemon installs. A line 1.3.5 would drop is dropped with 1.3.5's log
//! line; interfaces are checked against the snapshot here and looked up again (by name) each
//! time a route is installed, so a re-created interface is followed.
//!
//! Deliberate differences: `default` takes the family of the rest of the line (1.3.5 made it
//! IPv4 and refused `default via <IPv6>`), `from all`/`to all` mean "no selector" in rules as
//! in `ip rule`, and options that need lightweight tunnels (`encap`, `as to`) are refused
//! with a line rather than half-applied.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepalived_conf as conf;
use vrrp_engine::{LogLine, Vip};
use vrrp_netlink::{Metric, NextHopSpec, RouteSpec, RuleActionSpec, RuleSpec};

use super::{addresses, info, Interfaces};

/// A route of the configuration: the specification with interfaces still by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteConf {
    /// The route; `oif` and next-hop interface indexes are filled in when installing.
    pub spec: RouteSpec,
    /// `dev`/`oif`.
    pub dev: Option<String>,
    /// `dev` of each next hop, in `spec.nexthops` order.
    pub nexthop_devs: Vec<Option<String>>,
    /// The line as written (for log lines).
    pub text: String,
}

/// A rule of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConf {
    /// The rule (interfaces by name, as the kernel takes them).
    pub spec: RuleSpec,
    /// The line as written (for log lines).
    pub text: String,
}

/// The routes and rules of one instance (added while it is MASTER).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceRouting {
    /// `virtual_routes`.
    pub routes: Vec<RouteConf>,
    /// `virtual_rules`.
    pub rules: Vec<RuleConf>,
}

/// Everything routing-related of a configuration.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    /// `virtual_routes`/`virtual_rules` by instance name (only instances that have some).
    pub instances: HashMap<String, InstanceRouting>,
    /// `static_ipaddress`.
    pub static_addresses: Vec<Vip>,
    /// `static_routes`.
    pub static_routes: Vec<RouteConf>,
    /// `static_rules`.
    pub static_rules: Vec<RuleConf>,
    /// Log lines about dropped lines (keepalived 1.3.5 wording).
    pub messages: Vec<LogLine>,
}

/// Names of iproute2's tables (`/etc/iproute2/rt_*`), with iproute2's built-in defaults.
#[derive(Debug, Clone)]
pub struct RtNames {
    tables: HashMap<String, u32>,
    protos: HashMap<String, u32>,
    scopes: HashMap<String, u32>,
    dsfields: HashMap<String, u32>,
    realms: HashMap<String, u32>,
    groups: HashMap<String, u32>,
}

impl Default for RtNames {
    fn default() -> Self {
        let map = |pairs: &[(&str, u32)]| -> HashMap<String, u32> {
            pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect()
        };
        RtNames {
            tables: map(&[("default", 253), ("main", 254), ("local", 255)]),
            protos: map(&[
                ("none", 0),
                ("redirect", 1),
                ("kernel", 2),
                ("boot", 3),
                ("static", 4),
                ("gated", 8),
                ("ra", 9),
                ("mrt", 10),
                ("zebra", 11),
                ("bird", 12),
                ("dnrouted", 13),
                ("xorp", 14),
                ("ntk", 15),
                ("dhcp", 16),
                ("babel", 42),
            ]),
            scopes: map(&[
                ("global", 0),
                ("nowhere", 255),
                ("host", 254),
                ("link", 253),
                ("site", 200),
            ]),
            dsfields: HashMap::new(),
            realms: map(&[("unknown", 0)]),
            groups: map(&[("default", 0)]),
        }
    }
}

impl RtNames {
    /// The defaults plus the entries of this host's `/etc/iproute2` files (missing or
    /// unreadable files add nothing, as in keepalived).
    pub fn system() -> RtNames {
        let mut n = RtNames::default();
        let dir = std::path::Path::new("/etc/iproute2");
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        n.add_file(NameTable::Tables, &read("rt_tables"));
        n.add_file(NameTable::Protos, &read("rt_protos"));
        n.add_file(NameTable::Scopes, &read("rt_scopes"));
        n.add_file(NameTable::Dsfields, &read("rt_dsfield"));
        n.add_file(NameTable::Realms, &read("rt_realms"));
        n.add_file(NameTable::Groups, &read("group"));
        n
    }

    /// Adds the `ID NAME` lines of one file (`#` comments and other lines ignored).
    pub fn add_file(&mut self, which: NameTable, text: &str) {
        let (map, max) = match which {
            NameTable::Tables => (&mut self.tables, u64::from(u32::MAX)),
            NameTable::Protos => (&mut self.protos, 255),
            NameTable::Scopes => (&mut self.scopes, 255),
            NameTable::Dsfields => (&mut self.dsfields, 255),
            NameTable::Realms => (&mut self.realms, 255),
            NameTable::Groups => (&mut self.groups, u64::from(u32::MAX)),
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let w: Vec<&str> = line.split_whitespace().collect();
            if let [id, name] = w[..] {
                if let Some(id) = c_number(id).filter(|v| *v <= max) {
                    map.insert(name.to_string(), id as u32);
                }
            }
        }
    }

    fn find(map: &HashMap<String, u32>, s: &str, max: u64) -> Option<u32> {
        match c_number(s) {
            Some(v) => (v <= max).then_some(v as u32),
            None => map.get(s).copied(),
        }
    }

    fn table(&self, s: &str) -> Option<u32> {
        Self::find(&self.tables, s, u64::from(u32::MAX))
    }

    fn proto(&self, s: &str) -> Option<u8> {
        Self::find(&self.protos, s, 255).map(|v| v as u8)
    }

    fn scope(&self, s: &str) -> Option<u8> {
        Self::find(&self.scopes, s, 255).map(|v| v as u8)
    }

    fn dsfield(&self, s: &str) -> Option<u8> {
        Self::find(&self.dsfields, s, 255).map(|v| v as u8)
    }

    fn group(&self, s: &str) -> Option<u32> {
        Self::find(&self.groups, s, u64::from(u32::MAX))
    }

    /// `realms [FROM/]TO` as RTA_FLOW (FROM << 16 | TO).
    fn realms(&self, s: &str) -> Option<u32> {
        let one = |p: &str| Self::find(&self.realms, p, 0xffff);
        match s.split_once('/') {
            Some((from, to)) => Some((one(from)? << 16) | one(to)?),
            None => one(s),
        }
    }
}

/// Which `/etc/iproute2` file a name list comes from.
#[derive(Debug, Clone, Copy)]
pub enum NameTable {
    /// `rt_tables`.
    Tables,
    /// `rt_protos`.
    Protos,
    /// `rt_scopes`.
    Scopes,
    /// `rt_dsfield`.
    Dsfields,
    /// `rt_realms`.
    Realms,
    /// `group`.
    Groups,
}

/// A number as C's `strtoul(s, &end, 0)` reads a whole word: decimal, `0x` hex, `0` octal.
fn c_number(s: &str) -> Option<u64> {
    if s.is_empty() || s.starts_with('-') || s.starts_with('+') {
        return None;
    }
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// Converts every routing line of the configuration.
pub fn convert_routing(cfg: &conf::Config, ifs: &Interfaces, names: &RtNames) -> Routing {
    let mut r = Routing::default();
    let msgs = &mut r.messages;
    for inst in &cfg.instances {
        let routes: Vec<RouteConf> = inst
            .virtual_routes
            .iter()
            .filter_map(|w| parse_route(&w.words, names, ifs, msgs))
            .collect();
        let rules: Vec<RuleConf> = inst
            .virtual_rules
            .iter()
            .filter_map(|w| parse_rule(&w.words, names, ifs, msgs))
            .collect();
        if !routes.is_empty() || !rules.is_empty() {
            r.instances
                .insert(inst.name.clone(), InstanceRouting { routes, rules });
        }
    }
    r.static_routes = cfg
        .static_routes
        .iter()
        .filter_map(|w| parse_route(&w.words, names, ifs, msgs))
        .collect();
    r.static_rules = cfg
        .static_rules
        .iter()
        .filter_map(|w| parse_rule(&w.words, names, ifs, msgs))
        .collect();
    // keepalived's DFLT_INT: `default_interface`, else eth0.
    let default_dev = cfg
        .global_defs
        .default_interface
        .as_deref()
        .unwrap_or("eth0");
    r.static_addresses = cfg
        .static_ipaddress
        .iter()
        .filter_map(|a| addresses::convert_vip(a, default_dev, ifs, msgs))
        .collect();
    r
}

/// `-t`: what the daemon would log about the routing lines, with positions and 1.3.5's
/// wording, in file order; a line it would skip ends with its reason and says so.
/// Interfaces are checked against `ifs`.
pub fn check_routing(cfg: &conf::Config, ifs: &Interfaces, names: &RtNames) -> Vec<String> {
    let mut out: Vec<(conf::Span, String)> = Vec::new();
    let mut check = |span: &conf::Span, log: Vec<String>, skipped: bool| {
        let n = log.len();
        for (i, l) in log.into_iter().enumerate() {
            let tail = if skipped && i + 1 == n {
                " - the daemon would skip this line"
            } else {
                ""
            };
            out.push((span.clone(), format!("{span}: {l}{tail}")));
        }
    };
    let routes = cfg
        .instances
        .iter()
        .flat_map(|i| &i.virtual_routes)
        .chain(&cfg.static_routes);
    for w in routes {
        let mut log = Vec::new();
        let skipped = route_words(&w.words, names, ifs, &mut log).is_none();
        check(&w.span, log, skipped);
    }
    let rules = cfg
        .instances
        .iter()
        .flat_map(|i| &i.virtual_rules)
        .chain(&cfg.static_rules);
    for w in rules {
        let mut log = Vec::new();
        let skipped = rule_words(&w.words, names, ifs, &mut log).is_none();
        check(&w.span, log, skipped);
    }
    let default_dev = cfg
        .global_defs
        .default_interface
        .as_deref()
        .unwrap_or("eth0");
    for a in &cfg.static_ipaddress {
        let mut msgs = Vec::new();
        let skipped = addresses::convert_vip(a, default_dev, ifs, &mut msgs).is_none();
        check(&a.span, msgs.into_iter().map(|m| m.text).collect(), skipped);
    }
    // Stable: the lines of one position keep their order.
    out.sort_by(|a, b| (&a.0.file, a.0.line, a.0.col).cmp(&(&b.0.file, b.0.line, b.0.col)));
    out.into_iter().map(|(_, l)| l).collect()
}

/// An address with optional `/len`; None when it does not parse.
fn prefix(s: &str) -> Option<(IpAddr, u8)> {
    let (a, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (s, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max)?,
        None => max,
    };
    Some((addr, len))
}

/// Family bookkeeping of one line: the first address fixes it, later ones must agree.
#[derive(Default)]
struct Family(Option<bool>);

impl Family {
    /// Records `v6`; false (mixed) when it disagrees with what is known.
    fn set(&mut self, v6: bool) -> bool {
        match self.0 {
            None => {
                self.0 = Some(v6);
                true
            }
            Some(f) => f == v6,
        }
    }
}

const MIXED_ROUTE: &str = "Cannot mix IPv4 and IPv6 addresses for route";

/// The route type names keepalived knows (`rttables.c`), or a number.
fn route_type(s: &str) -> Option<u8> {
    Some(match s {
        "unicast" => 1,
        "local" => 2,
        "broadcast" | "brd" => 3,
        "anycast" => 4,
        "multicast" => 5,
        "blackhole" => 6,
        "unreachable" => 7,
        "prohibit" => 8,
        "throw" => 9,
        "nat" => 10,
        "xresolve" => 11,
        _ if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok()?,
        _ => return None,
    })
}

/// `rtt`/`rttvar`/`rto_min` values: a number of ms with an optional `s`/`ms` unit (a
/// decimal allowed); Some((value, raw)) where raw means "no unit".
fn time_ms(s: &str) -> Option<(u32, bool)> {
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let ms = match unit.to_ascii_lowercase().as_str() {
        "" | "ms" | "msec" | "msecs" => v,
        "s" | "sec" | "secs" => v * 1000.0,
        _ => return None,
    };
    if !(0.0..f64::from(u32::MAX)).contains(&ms) {
        return None;
    }
    Some((ms.ceil() as u32, unit.is_empty()))
}

/// One `ip route` line; None (logged) when keepalived 1.3.5 would drop it.
pub(crate) fn parse_route(
    words: &[String],
    names: &RtNames,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<RouteConf> {
    let mut out = Vec::new();
    let r = route_words(words, names, ifs, &mut out);
    for text in out {
        info(msgs, text);
    }
    r
}

fn route_words(
    words: &[String],
    names: &RtNames,
    ifs: &Interfaces,
    log: &mut Vec<String>,
) -> Option<RouteConf> {
    let mut fam = Family::default();
    let mut dst: Option<(IpAddr, u8)> = None;
    let mut spec = RouteSpec::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    let mut dev = None;
    let mut nexthops: Vec<(NextHopSpec, Option<String>)> = Vec::new();
    let mut or_used = false;
    let mut i = 0;
    // The word after `words[i]`, or a log line and None.
    macro_rules! arg {
        () => {{
            i += 1;
            match words.get(i) {
                Some(w) => w.as_str(),
                None => {
                    log.push(format!("Missing value after {} for route", words[i - 1]));
                    return None;
                }
            }
        }};
    }
    macro_rules! fail {
        ($($t:tt)*) => {{
            log.push(format!($($t)*));
            return None;
        }};
    }
    macro_rules! u32_arg {
        ($what:literal) => {{
            let s = arg!();
            match c_number(s).filter(|v| *v <= u64::from(u32::MAX)) {
                Some(v) => v as u32,
                None => fail!(concat!("Invalid ", $what, " {} specified for route"), s),
            }
        }};
    }
    // `KEYWORD [lock] VALUE`: the lock bit of the metric.
    macro_rules! lock {
        ($m:expr) => {{
            if words.get(i + 1).map(String::as_str) == Some("lock") {
                i += 1;
                spec.lock |= 1 << $m.rtax();
            }
        }};
    }
    while i < words.len() {
        let w = words[i].as_str();
        match w {
            "src" => {
                let s = arg!();
                let Some(a) = s.parse::<IpAddr>().ok() else {
                    fail!("invalid route src address {s}")
                };
                if !fam.set(a.is_ipv6()) {
                    fail!("{MIXED_ROUTE}");
                }
                spec.pref_src = Some(a);
            }
            "as" => {
                let mut s = arg!();
                if s == "to" {
                    s = arg!();
                }
                fail!("'as [to] {s}' (MPLS address translation) is not supported - ignoring route");
            }
            "via" | "gw" => {
                if w == "gw" {
                    log.push("\"gw\" for routes is deprecated. Please use \"via\"".into());
                }
                let mut s = arg!();
                let mut want = None;
                if s == "inet" || s == "inet6" {
                    want = Some(s == "inet6");
                    s = arg!();
                }
                let Some(a) = s.parse::<IpAddr>().ok() else {
                    fail!("invalid route via address {s}")
                };
                if want.is_some_and(|v6| v6 != a.is_ipv6()) || !fam.set(a.is_ipv6()) {
                    fail!("{MIXED_ROUTE}");
                }
                spec.gateway = Some(a);
            }
            "from" => {
                let s = arg!();
                let Some((a, len)) = prefix(s) else {
                    fail!("invalid route from address {s}")
                };
                if a.is_ipv4() {
                    fail!("route from address only supported with IPv6 ({s})");
                }
                if !fam.set(true) {
                    fail!("{MIXED_ROUTE}");
                }
                spec.from = Some((a, len));
            }
            "tos" | "dsfield" => {
                let s = arg!();
                match names.dsfield(s) {
                    Some(v) => spec.tos = Some(v),
                    None => fail!("TOS value {s} is invalid"),
                }
            }
            "table" => {
                let s = arg!();
                match names.table(s) {
                    Some(v) => spec.table = v,
                    None => fail!("Routing table {s} not found for route"),
                }
            }
            "protocol" | "proto" => {
                let s = arg!();
                match names.proto(s) {
                    Some(v) => spec.protocol = Some(v),
                    None => fail!("Protocol {s} not found or invalid for route"),
                }
            }
            "scope" => {
                let s = arg!();
                match names.scope(s) {
                    Some(v) => spec.scope = Some(v),
                    None => fail!("Scope {s} not found or invalid for route"),
                }
            }
            "metric" | "priority" | "preference" => spec.metric = Some(u32_arg!("metric")),
            "dev" | "oif" => {
                let s = arg!();
                if !ifs.contains_key(s) {
                    fail!("VRRP is trying to assign VROUTE to unknown {s} interface !!! go out and fix your conf !!!");
                }
                dev = Some(s.to_string());
            }
            "onlink" => spec.onlink = true,
            "encap" => fail!("encap not supported - please remove configuration"),
            "expires" => {
                if !fam.set(true) {
                    fail!("expires is only valid for IPv6");
                }
                spec.expires = Some(u32_arg!("expires time"));
            }
            "mtu" => {
                lock!(Metric::Mtu(0));
                let v = u32_arg!("MTU");
                spec.metrics.push(Metric::Mtu(v));
            }
            "hoplimit" => {
                let s = arg!();
                match c_number(s).filter(|v| *v <= 255) {
                    Some(v) => spec.metrics.push(Metric::Hoplimit(v as u32)),
                    None => fail!("Invalid hoplimit {s} specified for route"),
                }
            }
            "advmss" => {
                lock!(Metric::Advmss(0));
                let v = u32_arg!("advmss");
                spec.metrics.push(Metric::Advmss(v));
            }
            "rtt" | "rttvar" | "rto_min" => {
                let probe = match w {
                    "rtt" => Metric::Rtt(0),
                    "rttvar" => Metric::RttVar(0),
                    _ => Metric::RtoMin(0),
                };
                lock!(probe);
                let s = arg!();
                let Some((ms, raw)) = time_ms(s) else {
                    fail!("Invalid {w} {s} for route")
                };
                // As `ip route`: a bare number is in the kernel's units, a time is scaled
                // (rtt in 1/8 ms, rttvar in 1/4 ms).
                let scaled = |k: u32| if raw { Some(ms) } else { ms.checked_mul(k) };
                let m = match w {
                    "rtt" => scaled(8).map(Metric::Rtt),
                    "rttvar" => scaled(4).map(Metric::RttVar),
                    _ => Some(Metric::RtoMin(ms)),
                };
                match m {
                    Some(m) => spec.metrics.push(m),
                    None => fail!("Invalid {w} {s} for route"),
                }
            }
            "reordering" => {
                lock!(Metric::Reordering(0));
                let v = u32_arg!("reordering value");
                spec.metrics.push(Metric::Reordering(v));
            }
            "window" => {
                let v = u32_arg!("window value");
                spec.metrics.push(Metric::Window(v));
            }
            "cwnd" => {
                lock!(Metric::Cwnd(0));
                let v = u32_arg!("cwnd value");
                spec.metrics.push(Metric::Cwnd(v));
            }
            "ssthresh" => {
                lock!(Metric::SsThresh(0));
                let v = u32_arg!("ssthresh value");
                spec.metrics.push(Metric::SsThresh(v));
            }
            "initcwnd" => {
                let v = u32_arg!("initcwnd value");
                spec.metrics.push(Metric::InitCwnd(v));
            }
            "initrwnd" => {
                let v = u32_arg!("initrwnd value");
                spec.metrics.push(Metric::InitRwnd(v));
            }
            "realms" => {
                let s = arg!();
                let Some(v) = names.realms(s) else {
                    fail!("Invalid realms {s} for route")
                };
                if !fam.set(false) {
                    fail!("realms are only valid for IPv4");
                }
                spec.realms = Some(v);
            }
            "features" => {
                let s = arg!();
                if s == "ecn" {
                    spec.metrics.push(Metric::Features(1));
                } else {
                    log.push(format!("feature {s} not supported"));
                }
            }
            "quickack" => {
                let s = arg!();
                match c_number(s).filter(|v| *v <= 1) {
                    Some(v) => spec.metrics.push(Metric::QuickAck(v as u32)),
                    None => fail!("Invalid quickack value {s} specified for route"),
                }
            }
            "congctl" => {
                lock!(Metric::CongCtl(String::new()));
                let s = arg!();
                spec.metrics.push(Metric::CongCtl(s.to_string()));
            }
            "pref" => {
                let s = arg!();
                if !fam.set(true) {
                    fail!("pref is only valid for IPv6");
                }
                spec.pref = Some(match s {
                    "low" => 3,
                    "medium" => 0,
                    "high" => 1,
                    _ => match c_number(s).filter(|v| *v <= 255) {
                        Some(v) => v as u8,
                        None => fail!("Invalid pref value {s} specified for route"),
                    },
                });
            }
            "or" => {
                log.push("\"or\" for routes is deprecated. Please use \"nexthop\"".into());
                let s = arg!();
                if or_used {
                    log.push("\"or\" route already specified - ignoring subsequent".into());
                } else {
                    let Some(a) = s.parse::<IpAddr>().ok() else {
                        fail!("Invalid \"or\" address {s}")
                    };
                    if !fam.set(a.is_ipv6()) {
                        fail!("{MIXED_ROUTE}");
                    }
                    // The `via` address becomes the first next hop.
                    let first = NextHopSpec {
                        gateway: spec.gateway.take(),
                        ..Default::default()
                    };
                    let second = NextHopSpec {
                        gateway: Some(a),
                        ..Default::default()
                    };
                    nexthops = vec![(first, None), (second, None)];
                    or_used = true;
                }
            }
            "nexthop" => {
                if or_used {
                    fail!("Cannot specify nexthops with \"or\" route");
                }
                nexthops = parse_nexthops(words, &mut i, names, ifs, &mut fam, log)?;
                if i < words.len() {
                    fail!("Route has trailing nonsense after nexthops - {}", words[i]);
                }
                break;
            }
            _ => {
                let mut s = w;
                if s == "to" {
                    s = arg!();
                }
                if let Some(t) = route_type(s) {
                    spec.kind = Some(t);
                    s = arg!();
                }
                // `default` (family from the rest of the line) leaves `dst` unset.
                match s {
                    "default" | "any" | "all" => dst = None,
                    "default6" => {
                        if !fam.set(true) {
                            fail!("{MIXED_ROUTE}");
                        }
                        dst = None;
                    }
                    _ => match prefix(s) {
                        Some((a, len)) => {
                            if !fam.set(a.is_ipv6()) {
                                fail!("{MIXED_ROUTE}");
                            }
                            dst = Some((a, len));
                        }
                        None => fail!("unknown route keyword {s}"),
                    },
                }
            }
        }
        i += 1;
    }
    let v6 = fam.0.unwrap_or(false);
    let (addr, len) = match dst {
        Some(d) => d,
        // `default`, or no destination at all: the default route of the line's family.
        None if v6 => (IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
        None => (IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
    };
    spec.dst = addr;
    spec.dst_len = len;
    let (hops, nexthop_devs) = nexthops.into_iter().unzip();
    spec.nexthops = hops;
    Some(RouteConf {
        spec,
        dev,
        nexthop_devs,
        text: words.join(" "),
    })
}

/// `nexthop via A dev X weight W onlink realms R nexthop …` from `words[*i]` (a `nexthop`)
/// to the first word that belongs to none; `*i` is left on that word.
fn parse_nexthops(
    words: &[String],
    i: &mut usize,
    names: &RtNames,
    ifs: &Interfaces,
    fam: &mut Family,
    log: &mut Vec<String>,
) -> Option<Vec<(NextHopSpec, Option<String>)>> {
    let mut hops = Vec::new();
    let get = |j: usize, log: &mut Vec<String>| -> Option<&str> {
        let w = words.get(j).map(String::as_str);
        if w.is_none() {
            log.push("Missing value in nexthop for route".into());
        }
        w
    };
    while words.get(*i).map(String::as_str) == Some("nexthop") {
        *i += 1;
        let mut nh = NextHopSpec::default();
        let mut dev = None;
        while let Some(w) = words.get(*i).map(String::as_str) {
            match w {
                "via" => {
                    *i += 1;
                    let mut s = get(*i, log)?;
                    let mut want = None;
                    if s == "inet" || s == "inet6" {
                        want = Some(s == "inet6");
                        *i += 1;
                        s = get(*i, log)?;
                    }
                    let Some(a) = s.parse::<IpAddr>().ok() else {
                        log.push(format!("invalid nexthop address {s}"));
                        return None;
                    };
                    if want.is_some_and(|v6| v6 != a.is_ipv6()) || !fam.set(a.is_ipv6()) {
                        log.push("Address family mismatch for next hop".into());
                        return None;
                    }
                    nh.gateway = Some(a);
                }
                "dev" => {
                    *i += 1;
                    let s = get(*i, log)?;
                    if !ifs.contains_key(s) {
                        log.push(format!("VRRP is trying to assign VROUTE to unknown {s} interface !!! go out and fix your conf !!!"));
                        return None;
                    }
                    dev = Some(s.to_string());
                }
                "weight" => {
                    *i += 1;
                    let s = get(*i, log)?;
                    match c_number(s).filter(|v| (1..=256).contains(v)) {
                        Some(v) => nh.weight = Some(v as u16),
                        None => {
                            log.push(format!("Invalid weight {s} specified for route"));
                            return None;
                        }
                    }
                }
                "onlink" => nh.onlink = true,
                "realms" => {
                    *i += 1;
                    let s = get(*i, log)?;
                    let Some(v) = names.realms(s) else {
                        log.push(format!("Invalid realms {s} for route"));
                        return None;
                    };
                    if !fam.set(false) {
                        log.push("realms are only supported for IPv4".into());
                        return None;
                    }
                    nh.realms = Some(v);
                }
                "encap" | "as" => {
                    log.push(format!(
                        "nexthop option {w} is not supported - ignoring route"
                    ));
                    return None;
                }
                _ => break,
            }
            *i += 1;
        }
        hops.push((nh, dev));
    }
    Some(hops)
}

const MIXED_RULE: &str = "rule specification has mixed IPv4 and IPv6";
const ONE_ACTION: &str =
    "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule";

/// One `ip rule` line; None (logged) when keepalived 1.3.5 would drop it.
pub(crate) fn parse_rule(
    words: &[String],
    names: &RtNames,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> Option<RuleConf> {
    let mut out = Vec::new();
    let r = rule_words(words, names, ifs, &mut out);
    for text in out {
        info(msgs, text);
    }
    r
}

fn rule_words(
    words: &[String],
    names: &RtNames,
    ifs: &Interfaces,
    log: &mut Vec<String>,
) -> Option<RuleConf> {
    let mut fam = Family::default();
    let mut spec = RuleSpec::new(false, RuleActionSpec::Nop);
    let mut action: Option<RuleActionSpec> = None;
    let mut table_option = false;
    let mut i = 0;
    macro_rules! arg {
        () => {{
            i += 1;
            match words.get(i) {
                Some(w) => w.as_str(),
                None => {
                    log.push(format!("Missing value after {} for rule", words[i - 1]));
                    return None;
                }
            }
        }};
    }
    macro_rules! fail {
        ($($t:tt)*) => {{
            log.push(format!($($t)*));
            return None;
        }};
    }
    macro_rules! set_action {
        ($a:expr) => {{
            if action.is_some() {
                fail!("{ONE_ACTION}");
            }
            action = Some($a);
        }};
    }
    while i < words.len() {
        let w = words[i].as_str();
        match w {
            "from" | "to" => {
                let s = arg!();
                if matches!(s, "all" | "any" | "default") {
                    i += 1;
                    continue;
                }
                let Some((a, len)) = prefix(s) else {
                    fail!("Invalid rule {w} address {s}")
                };
                if !fam.set(a.is_ipv6()) {
                    fail!("{MIXED_RULE}");
                }
                if w == "from" {
                    spec.from = Some((a, len));
                } else {
                    spec.to = Some((a, len));
                }
            }
            "table" | "lookup" => {
                let s = arg!();
                let Some(t) = names.table(s) else {
                    fail!("Routing table {s} not found for rule")
                };
                if t == 0 {
                    fail!("Table 0 is not valid");
                }
                set_action!(RuleActionSpec::Table(t));
            }
            "not" => spec.invert = true,
            "preference" | "order" | "priority" => {
                let s = arg!();
                match c_number(s).filter(|v| *v <= u64::from(u32::MAX)) {
                    Some(v) => spec.priority = Some(v as u32),
                    None => fail!("Invalid rule preference {s} specified"),
                }
            }
            "tos" | "dsfield" => {
                let s = arg!();
                match names.dsfield(s) {
                    Some(v) => spec.tos = Some(v),
                    None => fail!("TOS value {s} is invalid"),
                }
            }
            "fwmark" => {
                let s = arg!();
                let (mark, mask) = match s.split_once('/') {
                    Some((m, k)) => (m, Some(k)),
                    None => (s, None),
                };
                let num = |x: &str| c_number(x).filter(|v| *v <= u64::from(u32::MAX));
                let Some(m) = num(mark) else {
                    fail!("Invalid rule fwmark {s} specified")
                };
                spec.fwmark = Some(m as u32);
                if let Some(k) = mask {
                    let Some(k) = num(k) else {
                        fail!("Invalid rule fwmark {s} specified")
                    };
                    spec.fwmask = Some(k as u32);
                }
            }
            "realms" => {
                let s = arg!();
                let Some(v) = names.realms(s) else {
                    fail!("invalid realms {s} for rule")
                };
                if !fam.set(false) {
                    fail!("realms is only valid for IPv4");
                }
                spec.realms = Some(v);
                table_option = true;
            }
            "suppress_prefixlength" | "sup_pl" => {
                let s = arg!();
                match c_number(s).filter(|v| *v <= i32::MAX as u64) {
                    Some(v) => spec.suppress_prefixlen = Some(v as u32),
                    None => fail!("Invalid suppress_prefixlength {s} specified"),
                }
                table_option = true;
            }
            "suppress_ifgroup" | "sup_group" => {
                let s = arg!();
                match names.group(s) {
                    Some(v) => spec.suppress_ifgroup = Some(v),
                    None => fail!("suppress_group {s} is invalid"),
                }
                table_option = true;
            }
            "dev" | "iif" | "oif" => {
                let s = arg!();
                if !ifs.contains_key(s) {
                    fail!("Unknown interface {s} for rule");
                }
                if w == "oif" {
                    spec.oif = Some(s.to_string());
                } else {
                    spec.iif = Some(s.to_string());
                }
            }
            "tunnel-id" => {
                let s = arg!();
                match c_number(s) {
                    Some(v) => spec.tunnel_id = Some(v),
                    None => fail!("Invalid tunnel-id {s} specified"),
                }
            }
            "uidrange" => {
                let s = arg!();
                let range = s
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
                match range {
                    Some(r) => spec.uid_range = Some(r),
                    None => fail!("Invalid uidrange {s} specified"),
                }
            }
            _ => {
                let mut s = w;
                if s == "type" {
                    s = arg!();
                }
                match s {
                    "goto" => {
                        let t = arg!();
                        match c_number(t).filter(|v| *v <= u64::from(u32::MAX)) {
                            Some(v) => set_action!(RuleActionSpec::Goto(v as u32)),
                            None => fail!("Invalid target {t} specified"),
                        }
                    }
                    "nop" => set_action!(RuleActionSpec::Nop),
                    "blackhole" => set_action!(RuleActionSpec::Blackhole),
                    "unreachable" => set_action!(RuleActionSpec::Unreachable),
                    "prohibit" => set_action!(RuleActionSpec::Prohibit),
                    _ if route_type(s).is_some() => fail!("Invalid rule action {s}"),
                    _ => fail!("Unknown rule option {s}"),
                }
            }
        }
        i += 1;
    }
    let Some(action) = action else {
        fail!("No action specified for rule - ignoring")
    };
    if let (RuleActionSpec::Goto(target), Some(p)) = (action, spec.priority) {
        if p >= target {
            fail!("Invalid rule - preference {p} >= goto target {target}");
        }
    }
    if table_option && !matches!(action, RuleActionSpec::Table(_)) {
        fail!("suppressor/realm specified for non table action - skipping");
    }
    spec.action = action;
    spec.ipv6 = fam.0.unwrap_or(false);
    Some(RuleConf {
        spec,
        text: words.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{ifs, texts};
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn route(s: &str) -> (Option<RouteConf>, Vec<String>) {
        let mut msgs = Vec::new();
        let r = parse_route(&words(s), &RtNames::default(), &ifs(), &mut msgs);
        (r, texts(&msgs).into_iter().map(str::to_string).collect())
    }

    fn rule(s: &str) -> (Option<RuleConf>, Vec<String>) {
        let mut msgs = Vec::new();
        let r = parse_rule(&words(s), &RtNames::default(), &ifs(), &mut msgs);
        (r, texts(&msgs).into_iter().map(str::to_string).collect())
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn common_route_form() {
        let (r, msgs) =
            route("src 192.168.1.210 to 10.9.0.0/16 via 192.168.1.1 dev eth0 scope link table 100 metric 5");
        let r = r.unwrap();
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!((r.spec.dst, r.spec.dst_len), (ip("10.9.0.0"), 16));
        assert_eq!(r.spec.pref_src, Some(ip("192.168.1.210")));
        assert_eq!(r.spec.gateway, Some(ip("192.168.1.1")));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert_eq!(r.spec.scope, Some(253));
        assert_eq!(r.spec.table, 100);
        assert_eq!(r.spec.metric, Some(5));
        assert_eq!(r.spec.kind, None);
    }

    #[test]
    fn gw_is_deprecated_but_accepted_and_host_routes_default_to_32() {
        let (r, msgs) = route("10.9.9.9 gw 192.168.1.1");
        let r = r.unwrap();
        assert_eq!(
            msgs,
            ["\"gw\" for routes is deprecated. Please use \"via\""]
        );
        assert_eq!(r.spec.dst_len, 32);
    }

    #[test]
    fn route_types_and_defaults() {
        let r = route("blackhole 10.8.0.0/16").0.unwrap();
        assert_eq!(r.spec.kind, Some(6));
        let r = route("unreachable 10.8.0.0/16 table main").0.unwrap();
        assert_eq!((r.spec.kind, r.spec.table), (Some(7), 254));
        let r = route("default via 192.168.1.1").0.unwrap();
        assert_eq!((r.spec.dst, r.spec.dst_len), (ip("0.0.0.0"), 0));
        // `default` follows the family of the gateway.
        let r = route("default via fd00::1 dev eth0").0.unwrap();
        assert_eq!((r.spec.dst, r.spec.dst_len), (ip("::"), 0));
        let r = route("default6 via fd00::1").0.unwrap();
        assert_eq!(r.spec.dst, ip("::"));
        let r = route("fd00:9::/64 via fe80::1 dev eth0 pref high")
            .0
            .unwrap();
        assert_eq!((r.spec.dst_len, r.spec.pref), (64, Some(1)));
    }

    #[test]
    fn metrics_locks_and_multipath() {
        let r = route(
            "10.7.0.0/16 dev eth0 mtu lock 1400 advmss 1360 rtt 10ms initcwnd 10 features ecn",
        )
        .0
        .unwrap();
        assert_eq!(
            r.spec.metrics,
            vec![
                Metric::Mtu(1400),
                Metric::Advmss(1360),
                Metric::Rtt(80),
                Metric::InitCwnd(10),
                Metric::Features(1)
            ]
        );
        assert_eq!(r.spec.lock, 1 << 2);
        let r = route("10.6.0.0/16 nexthop via 192.168.1.1 dev eth0 weight 2 nexthop via 192.168.1.2 dev eth1")
            .0
            .unwrap();
        assert_eq!(r.spec.nexthops.len(), 2);
        assert_eq!(r.spec.nexthops[0].weight, Some(2));
        assert_eq!(
            r.nexthop_devs,
            vec![Some("eth0".into()), Some("eth1".into())]
        );
        let (r, msgs) = route("10.5.0.0/16 via 192.168.1.1 or 192.168.1.2");
        let r = r.unwrap();
        assert_eq!(
            msgs,
            ["\"or\" for routes is deprecated. Please use \"nexthop\""]
        );
        assert_eq!(r.spec.gateway, None);
        assert_eq!(r.spec.nexthops[1].gateway, Some(ip("192.168.1.2")));
    }

    #[test]
    fn refused_routes_say_why_in_keepalived_words() {
        let cases = [
            (
                "10.1.0.0/16 dev eth9",
                "VRRP is trying to assign VROUTE to unknown eth9 interface !!! go out and fix your conf !!!",
            ),
            ("10.1.0.0/16 via fd00::1", "Cannot mix IPv4 and IPv6 addresses for route"),
            ("10.1.0.0/16 table nosuch", "Routing table nosuch not found for route"),
            ("10.1.0.0/16 scope galaxy", "Scope galaxy not found or invalid for route"),
            ("10.1.0.0/16 frobnicate", "unknown route keyword frobnicate"),
            ("from 10.0.0.0/8 10.1.0.0/16", "route from address only supported with IPv6 (10.0.0.0/8)"),
            ("10.1.0.0/16 via", "Missing value after via for route"),
            ("10.1.0.0/16 nexthop via 192.168.1.1 blah", "Route has trailing nonsense after nexthops - blah"),
            ("10.1.0.0/16 metric -1", "Invalid metric -1 specified for route"),
        ];
        for (line, want) in cases {
            let (r, msgs) = route(line);
            assert!(r.is_none(), "{line} accepted");
            assert_eq!(msgs, [want], "{line}");
        }
    }

    #[test]
    fn rules() {
        let (r, msgs) = rule("from 192.168.1.210/32 table 100 priority 100");
        let r = r.unwrap();
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(r.spec.from, Some((ip("192.168.1.210"), 32)));
        assert_eq!(r.spec.action, RuleActionSpec::Table(100));
        assert_eq!(r.spec.priority, Some(100));
        assert!(!r.spec.ipv6);
        let r = rule("to fd00:1::/64 lookup main").0.unwrap();
        assert!(r.spec.ipv6);
        assert_eq!(r.spec.action, RuleActionSpec::Table(254));
        let r = rule("not from all fwmark 0x10/0xff iif eth0 type blackhole")
            .0
            .unwrap();
        assert!(r.spec.invert);
        assert_eq!((r.spec.fwmark, r.spec.fwmask), (Some(16), Some(255)));
        assert_eq!(r.spec.iif.as_deref(), Some("eth0"));
        assert_eq!(r.spec.action, RuleActionSpec::Blackhole);
        let r = rule("priority 10 goto 20").0.unwrap();
        assert_eq!(r.spec.action, RuleActionSpec::Goto(20));
    }

    #[test]
    fn refused_rules_say_why_in_keepalived_words() {
        let cases = [
            ("from 10.0.0.1", "No action specified for rule - ignoring"),
            ("from 10.0.0.1 table 0", "Table 0 is not valid"),
            (
                "from 10.0.0.1 to fd00::1 table 5",
                "rule specification has mixed IPv4 and IPv6",
            ),
            ("from 10.0.0.1 table 5 nop", ONE_ACTION),
            (
                "priority 30 goto 20",
                "Invalid rule - preference 30 >= goto target 20",
            ),
            ("iif eth9 table 5", "Unknown interface eth9 for rule"),
            ("from 10.0.0.1 type local", "Invalid rule action local"),
            ("from 10.0.0.1 sideways", "Unknown rule option sideways"),
            (
                "realms 3 nop",
                "suppressor/realm specified for non table action - skipping",
            ),
        ];
        for (line, want) in cases {
            let (r, msgs) = rule(line);
            assert!(r.is_none(), "{line} accepted");
            assert_eq!(msgs, [want], "{line}");
        }
    }

    #[test]
    fn config_test_lines_carry_positions() {
        let mut cfg = conf::Config::default();
        let span = conf::Span {
            line: 12,
            col: 5,
            ..Default::default()
        };
        cfg.static_routes = vec![
            conf::Words {
                words: words("10.1.0.0/16 dev eth9"),
                span: span.clone(),
            },
            conf::Words {
                words: words("10.2.0.0/16 dev eth0"),
                span: span.clone(),
            },
        ];
        cfg.static_rules = vec![conf::Words {
            words: words("from 10.0.0.1"),
            span,
        }];
        let lines = check_routing(&cfg, &ifs(), &RtNames::default());
        assert_eq!(
            lines,
            [
                ":12:5: VRRP is trying to assign VROUTE to unknown eth9 interface !!! go out and fix your conf !!! - the daemon would skip this line",
                ":12:5: No action specified for rule - ignoring - the daemon would skip this line"
            ]
        );
    }

    #[test]
    fn names_from_iproute2_files() {
        let mut n = RtNames::default();
        n.add_file(
            NameTable::Tables,
            "# comment\n100 vip_table\n0x200 hex\nbad line here\n",
        );
        assert_eq!(n.table("vip_table"), Some(100));
        assert_eq!(n.table("hex"), Some(512));
        assert_eq!(n.table("main"), Some(254));
        assert_eq!(n.table("010"), Some(8));
        assert_eq!(n.table("nosuch"), None);
        assert_eq!(n.realms("1/2"), Some((1 << 16) | 2));
    }

    #[test]
    fn whole_config_with_static_entries_and_default_interface() {
        let mut cfg = conf::Config::default();
        let w = |s: &str| conf::Words {
            words: words(s),
            span: conf::Span::default(),
        };
        let mut inst = super::super::test_util::instance();
        inst.virtual_routes = vec![w("10.9.0.0/16 via 192.168.1.1"), w("10.1.0.0/16 dev eth9")];
        inst.virtual_rules = vec![w("from 192.168.1.210 table 100")];
        cfg.instances = vec![inst, super::super::test_util::instance()];
        cfg.instances[1].name = "VI_2".into();
        cfg.static_routes = vec![w("blackhole 10.8.0.0/16")];
        cfg.static_rules = vec![w("to 10.8.0.0/16 table 200")];
        let mut a = super::super::test_util::address("192.168.1.50");
        a.prefix_len = Some(24);
        cfg.static_ipaddress = vec![a.clone()];
        cfg.global_defs.default_interface = Some("eth1".into());
        let r = convert_routing(&cfg, &ifs(), &RtNames::default());
        assert_eq!(r.instances.len(), 1, "only VI_1 has routes");
        assert_eq!(r.instances["VI_1"].routes.len(), 1);
        assert_eq!(r.instances["VI_1"].rules.len(), 1);
        assert_eq!(r.static_routes.len(), 1);
        assert_eq!(r.static_rules.len(), 1);
        assert_eq!(r.static_addresses.len(), 1);
        assert_eq!(r.static_addresses[0].dev, "eth1");
        assert_eq!(r.static_addresses[0].prefix_len, 24);
        assert_eq!(r.messages.len(), 1, "{:?}", r.messages);
        // Without default_interface: eth0.
        cfg.global_defs.default_interface = None;
        let r = convert_routing(&cfg, &ifs(), &RtNames::default());
        assert_eq!(r.static_addresses[0].dev, "eth0");
    }
}
