//! KEEPALIVED-MIB (`1.3.6.1.4.1.9586.100.5`, `enable_snmp_keepalived`) and RFC 6527's
//! VRRPV3-MIB (`1.3.6.1.2.1.207`, `enable_snmp_rfcv3`) as keepalived 1.3.5 serves them,
//! built into the same ordered [`Mib`] as RFC 2787's objects.
//!
//! KEEPALIVED-MIB: the global scalars (version, router id, mail settings, traps, link
//! beat, namespace) and the VRRP tables `vrrpSyncGroupTable`, `vrrpSyncGroupMemberTable`,
//! `vrrpInstanceTable`, `vrrpTrackedInterfaceTable`, `vrrpTrackedScriptTable` and
//! `vrrpAddressTable` (static addresses as instance 0, then VIPs and eVIPs of each instance)
//! and `vrrpScriptTable`; the route, rule and next-hop tables are in [`super::routes`]. Not
//! served: the LVS columns (this daemon has no checker).

use std::net::IpAddr;

use vrrp_engine::{InitialState, State, Version};

use super::mib::{c32, Mib};
use super::pdu::Value;
use super::Globals;
use crate::metrics::InstanceView;

/// KEEPALIVED-MIB's `global` subtree (`keepalived` is `debian.100.5`).
pub const GLOBAL: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1];
/// KEEPALIVED-MIB's `vrrp` subtree.
pub const VRRP: [u32; 10] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2];
/// `vrrpSyncGroupStateChange` (`vrrp.10.0.1`).
pub const TRAP_GROUP: [u32; 13] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 10, 0, 1];
/// `vrrpInstanceStateChange` (`vrrp.10.0.2`).
pub const TRAP_INSTANCE: [u32; 13] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 2, 10, 0, 2];
/// `routerId.0`.
pub const ROUTER_ID: [u32; 12] = [1, 3, 6, 1, 4, 1, 9586, 100, 5, 1, 2, 0];
/// `vrrpv3MIB`.
pub const VRRPV3_MIB: [u32; 7] = [1, 3, 6, 1, 2, 1, 207];
/// `vrrpv3NewMaster`.
pub const TRAP_V3_NEW_MASTER: [u32; 9] = [1, 3, 6, 1, 2, 1, 207, 0, 1];
/// `vrrpv3ProtoError`.
pub const TRAP_V3_PROTO_ERROR: [u32; 9] = [1, 3, 6, 1, 2, 1, 207, 0, 2];
/// `vrrpv3OperationsEntry`.
pub const V3_OPER_ENTRY: [u32; 11] = [1, 3, 6, 1, 2, 1, 207, 1, 1, 1, 1];
/// `vrrpv3AssociatedIpAddrEntry`.
const V3_ASSO_ENTRY: [u32; 11] = [1, 3, 6, 1, 2, 1, 207, 1, 1, 2, 1];
/// `vrrpv3StatisticsEntry`.
pub const V3_STATS_ENTRY: [u32; 11] = [1, 3, 6, 1, 2, 1, 207, 1, 2, 5, 1];

/// KEEPALIVED-MIB's `VrrpState`: init(0), backup(1), master(2), fault(3).
pub fn k_state(s: State) -> i32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// The initial state as KEEPALIVED-MIB shows it.
pub fn k_initial(i: InitialState) -> i32 {
    match i {
        InitialState::Master => 2,
        InitialState::Backup => 1,
    }
}

/// enabled(1)/disabled(2), true(1)/false(2) and their kin.
pub(crate) fn yes_no(b: bool) -> Value {
    Value::Integer(if b { 1 } else { 2 })
}

pub(crate) fn text(s: &str) -> Value {
    Value::OctetString(s.as_bytes().to_vec())
}

pub(crate) fn addr_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// InetAddressType: ipv4(1), ipv6(2).
pub(crate) fn addr_type(a: IpAddr) -> i32 {
    if a.is_ipv4() {
        1
    } else {
        2
    }
}

/// 1.3.5's `snmp_scope`: kernel scope to InetScopeType.
pub(crate) fn scope(s: u8) -> i32 {
    match s {
        0 => 14,
        254 => 1,
        253 => 2,
        200 => 5,
        _ => 0,
    }
}

/// What the global part shows that the subagent resolves itself.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// The daemon's version string (`version.0`).
    pub version: String,
    /// The router id in effect (`router_id`, else the host name).
    pub router_id: String,
    /// The sender in effect (`notification_email_from`, else with an `smtp_server`
    /// `user@host`, else none: the object is absent, as in 1.3.5).
    pub email_from: Option<String>,
}

/// Adds KEEPALIVED-MIB's global scalars.
pub fn add_global(m: &mut Mib, g: &Globals, host: &Host, traps: bool) {
    let s = |path: &[u32]| {
        let mut o = GLOBAL.to_vec();
        o.extend_from_slice(path);
        o
    };
    m.scalar(s(&[1, 0]), text(&host.version));
    m.scalar(s(&[2, 0]), text(&host.router_id));
    // 1.3.5: no smtp_server reads as an IPv4 0.0.0.0.
    let server = g
        .smtp_server
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    m.scalar(s(&[3, 1, 0]), Value::Integer(addr_type(server)));
    m.scalar(s(&[3, 2, 0]), Value::OctetString(addr_bytes(server)));
    m.scalar(s(&[3, 3, 0]), Value::Gauge32(g.smtp_timeout));
    if let Some(f) = &host.email_from {
        m.scalar(s(&[3, 4, 0]), text(f));
    }
    for (i, e) in g.emails.iter().enumerate() {
        m.cell(&s(&[3, 5, 1]), 2, &[i as u32 + 1], text(e));
    }
    m.scalar(s(&[4, 0]), yes_no(traps));
    // linkBeat: netlink(1), polling(2).
    m.scalar(
        s(&[5, 0]),
        Value::Integer(if g.linkbeat_polling { 2 } else { 1 }),
    );
    m.scalar(
        s(&[8, 0]),
        text(g.net_namespace.as_deref().unwrap_or_default()),
    );
}

/// A sync group's state from its members' (1.3.5 keeps the state the group last moved
/// to as one; its members share it except during a transition): FAULT if any member is,
/// else the common state, else BACKUP.
pub fn group_state(members: &[State]) -> State {
    if members.contains(&State::Fault) {
        return State::Fault;
    }
    match members.first() {
        Some(s) if members.iter().all(|m| m == s) => *s,
        Some(_) => State::Backup,
        None => State::Init,
    }
}

/// `vrrpScriptResult`: disabled(0), init(1), bad(2), good(3), initfailed(5) (`None`: not
/// yet decided; `disabled`: the script cannot run).
fn script_result(result: Option<bool>, init_fail: bool, disabled: bool) -> i32 {
    match (disabled, result) {
        (true, _) => 0,
        (_, Some(true)) => 3,
        (_, Some(false)) => 2,
        (_, None) if init_fail => 5,
        (_, None) => 1,
    }
}

/// One row of `vrrpAddressTable`.
struct AddrRow<'a> {
    addr: IpAddr,
    prefix_len: u8,
    dev: &'a str,
    broadcast: Option<IpAddr>,
    scope: Option<u8>,
    label: Option<&'a str>,
    set: bool,
    advertised: bool,
}

fn add_address(
    m: &mut Mib,
    at: &[u32],
    idx: [u32; 2],
    a: &AddrRow<'_>,
    if_index: &mut dyn FnMut(&str) -> u32,
) {
    m.cell(at, 2, &idx, Value::Integer(addr_type(a.addr)));
    m.cell(at, 3, &idx, Value::OctetString(addr_bytes(a.addr)));
    if a.addr.is_ipv4() {
        let brd = a
            .broadcast
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        m.cell(at, 4, &idx, Value::OctetString(addr_bytes(brd)));
    }
    m.cell(at, 5, &idx, Value::Gauge32(u32::from(a.prefix_len)));
    m.cell(at, 6, &idx, Value::Integer(scope(a.scope.unwrap_or(0))));
    m.cell(at, 7, &idx, Value::Integer(if_index(a.dev) as i32));
    m.cell(at, 8, &idx, text(a.dev));
    if let Some(l) = a.label {
        m.cell(at, 9, &idx, text(l));
    }
    m.cell(at, 10, &idx, yes_no(a.set));
    m.cell(at, 11, &idx, yes_no(a.advertised));
}

/// Adds KEEPALIVED-MIB's VRRP tables. `if_index` gives an interface's ifIndex (0: none);
/// `scripts` is each `vrrp_script`'s result.
pub(crate) fn add_vrrp(
    m: &mut Mib,
    g: &Globals,
    insts: &[InstanceView],
    scripts: &[(String, Option<bool>)],
    if_index: &mut dyn FnMut(&str) -> u32,
) {
    let entry = |table: u32| {
        let mut o = VRRP.to_vec();
        o.extend_from_slice(&[table, 1]);
        o
    };
    let (sg, sgm, it, ti, ts, at, sc) = (
        entry(1),
        entry(2),
        entry(3),
        entry(4),
        entry(5),
        entry(6),
        entry(9),
    );
    // Static addresses are instance 0 of the address table (1.3.5), always set.
    for (k, a) in g.statics.iter().enumerate() {
        let row = AddrRow {
            addr: a.addr,
            prefix_len: a.prefix_len,
            dev: &a.dev,
            broadcast: a.broadcast,
            scope: a.scope,
            label: a.label.as_deref(),
            set: true,
            advertised: false,
        };
        add_address(m, &at, [0, k as u32 + 1], &row, if_index);
    }
    // Scripts the engine runs (1.3.5 lists its vrrp_script list), in file order.
    let mut n = 0u32;
    for s in &g.scripts {
        let Some((_, result)) = scripts.iter().find(|(name, _)| *name == s.name) else {
            continue;
        };
        n += 1;
        let idx = [n];
        let disabled = s.command.is_empty();
        m.cell(&sc, 2, &idx, text(&s.name));
        m.cell(&sc, 3, &idx, text(&s.command));
        m.cell(&sc, 4, &idx, Value::Integer(s.interval as i32));
        m.cell(&sc, 5, &idx, Value::Integer(s.weight));
        m.cell(
            &sc,
            6,
            &idx,
            Value::Integer(script_result(*result, s.init_fail, disabled)),
        );
        m.cell(&sc, 7, &idx, Value::Gauge32(s.rise));
        m.cell(&sc, 8, &idx, Value::Gauge32(s.fall));
    }
    for (gi, grp) in g.groups.iter().enumerate() {
        let idx = [gi as u32 + 1];
        let states: Vec<State> = grp
            .members
            .iter()
            .filter_map(|n| insts.iter().find(|v| v.labels.cfg.name == *n))
            .map(|v| v.state)
            .collect();
        m.cell(&sg, 2, &idx, text(&grp.name));
        m.cell(&sg, 3, &idx, Value::Integer(k_state(group_state(&states))));
        m.cell(&sg, 4, &idx, yes_no(grp.smtp_alert));
        m.cell(
            &sg,
            5,
            &idx,
            yes_no(grp.scripts.iter().any(Option::is_some)),
        );
        for (c, sc) in grp.scripts.iter().enumerate() {
            if let Some(sc) = sc {
                m.cell(&sg, 6 + c as u32, &idx, text(sc));
            }
        }
        for (mi, name) in grp.members.iter().enumerate() {
            m.cell(&sgm, 2, &[idx[0], mi as u32 + 1], text(name));
        }
    }
    for (n, v) in insts.iter().enumerate() {
        let c = &v.labels.cfg;
        let idx = [n as u32 + 1];
        let extra = g.instances.get(&c.name).cloned().unwrap_or_default();
        let v2 = c.version == Version::V2;
        let state = k_state(v.state);
        // The state the instance works towards: its state, or when it cannot run (FAULT,
        // INIT) the one it starts in.
        let wanted = match v.state {
            State::Master | State::Backup => state,
            State::Init | State::Fault => k_initial(c.initial_state),
        };
        let advert = if v2 {
            c.advert_int.as_secs() as u32
        } else {
            (c.advert_int.as_millis() / 10) as u32
        };
        let cols: Vec<(u32, Value)> = vec![
            (2, text(&c.name)),
            (3, Value::Gauge32(u32::from(c.vrid))),
            (4, Value::Integer(state)),
            (5, Value::Integer(k_initial(c.initial_state))),
            (6, Value::Integer(wanted)),
            (7, Value::Integer(i32::from(v.base_priority))),
            (8, Value::Integer(i32::from(v.effective_priority))),
            (9, yes_no(v.vips_set)),
            (10, text(&c.interface)),
            (11, yes_no(!c.track_interfaces.is_empty())),
            (12, Value::Gauge32(advert)),
            (13, yes_no(!c.nopreempt)),
            (14, Value::Gauge32(c.preempt_delay.as_secs() as u32)),
            // none(0), simplePassword(1), ipsecAH(2); 0 for VRRPv3.
            (
                15,
                Value::Integer(match (&c.auth, v2) {
                    (vrrp_engine::Auth::Pass(_), true) => 1,
                    (vrrp_engine::Auth::Ah(_), true) => 2,
                    _ => 0,
                }),
            ),
        ];
        for (col, val) in cols {
            m.cell(&it, col, &idx, val);
        }
        if let Some(sg_name) = &extra.sync_group {
            m.cell(&it, 18, &idx, text(sg_name));
        }
        m.cell(
            &it,
            19,
            &idx,
            Value::Gauge32(c.garp.master_delay.as_secs() as u32),
        );
        m.cell(&it, 20, &idx, yes_no(extra.smtp_alert));
        m.cell(
            &it,
            21,
            &idx,
            yes_no(extra.scripts.iter().any(Option::is_some)),
        );
        for (k, sc) in extra.scripts.iter().enumerate() {
            if let Some(sc) = sc {
                m.cell(&it, 22 + k as u32, &idx, text(sc));
            }
        }
        // vrrpInstanceAccept: VRRPv3 only (0 for v2, as 1.3.5).
        m.cell(
            &it,
            27,
            &idx,
            if v2 {
                Value::Integer(0)
            } else {
                yes_no(c.accept)
            },
        );
        m.cell(&it, 28, &idx, yes_no(extra.promote_secondaries));
        for t in &c.track_interfaces {
            let ifx = if_index(&t.name);
            if ifx == 0 {
                continue;
            }
            m.cell(&ti, 1, &[idx[0], ifx], text(&t.name));
            m.cell(&ti, 2, &[idx[0], ifx], Value::Integer(t.weight));
        }
        for (k, t) in c.track_scripts.iter().enumerate() {
            let i2 = [idx[0], k as u32 + 1];
            m.cell(&ts, 2, &i2, text(&t.name));
            m.cell(&ts, 3, &i2, Value::Integer(t.weight));
        }
        let addrs = c
            .vips
            .iter()
            .map(|a| (a, true))
            .chain(c.excluded_vips.iter().map(|a| (a, false)));
        for (k, (a, advertised)) in addrs.enumerate() {
            let row = AddrRow {
                addr: a.addr,
                prefix_len: a.prefix_len,
                dev: &a.dev,
                broadcast: a.broadcast,
                scope: a.scope,
                label: a.label.as_deref(),
                set: v.vips_set,
                advertised,
            };
            add_address(m, &at, [idx[0], k as u32 + 1], &row, if_index);
        }
    }
    super::routes::add_routes(m, &g.routing, insts, if_index);
}

/// RFC 6527 `vrrpv3StatisticsMasterReason` of an instance: notMaster(0), priority(1),
/// preempted(2), masterNoResponse(3), from the cause of its last transition.
pub(crate) fn master_reason(v: &InstanceView) -> i32 {
    if v.state != State::Master {
        return 0;
    }
    match v.last_cause {
        Some("master_down" | "master_priority_0") => 3,
        Some("preempted_lower_priority" | "sync_group") => 2,
        _ => 1,
    }
}

/// RFC 6527's index of an instance: ifIndex, VRID, address type.
pub(crate) fn v3_index(if_index: u32, v: &InstanceView) -> [u32; 3] {
    let c = &v.labels.cfg;
    let family = if c.src_addr.is_ipv4() { 1 } else { 2 };
    [if_index, u32::from(c.vrid), family]
}

/// RFC 6527 covers VRRPv3 instances with at least one VIP (1.3.5's `suitable_for_rfc6527`).
pub(crate) fn v3_suitable(v: &InstanceView) -> bool {
    let c = &v.labels.cfg;
    c.version == Version::V3 && !c.vips.is_empty()
}

/// One VRRPv3 instance with what RFC 6527 needs that the snapshot lacks.
pub(crate) struct V3Row<'a> {
    /// The instance.
    pub v: &'a InstanceView,
    /// ifIndex of its interface.
    pub if_index: u32,
    /// The interface's MAC.
    pub mac: Vec<u8>,
    /// Hundredths of a second since start at the last change to BACKUP or MASTER.
    pub up_time: u32,
    /// `vrrpv3StatisticsProtoErrReason` (last protocol error seen).
    pub proto_err: i32,
}

/// Adds RFC 6527's objects. `global_errors`: checksum, version and VRID errors.
pub(crate) fn add_v3(m: &mut Mib, rows: &[V3Row<'_>], global_errors: [u64; 3]) {
    let mut sc = |path: &[u32], v: Value| {
        let mut o = VRRPV3_MIB.to_vec();
        o.extend_from_slice(path);
        m.scalar(o, v);
    };
    for (i, e) in global_errors.iter().enumerate() {
        sc(&[1, 2, i as u32 + 1, 0], Value::Counter64(*e));
    }
    // vrrpv3GlobalStatisticsDiscontinuityTime: no discontinuities (1.3.5).
    sc(&[1, 2, 4, 0], Value::TimeTicks(0));
    for r in rows {
        let v = r.v;
        let c = &v.labels.cfg;
        let idx = v3_index(r.if_index, v);
        let master = match v.state {
            State::Master => Some(c.src_addr),
            _ => v.master,
        };
        let master = master.unwrap_or(if c.src_addr.is_ipv4() {
            IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
        });
        let oper: [(u32, Value); 13] = [
            (1, Value::Integer(i32::from(c.vrid))),
            (2, Value::Integer(idx[2] as i32)),
            (3, Value::OctetString(addr_bytes(master))),
            (4, Value::OctetString(addr_bytes(c.src_addr))),
            (5, Value::OctetString(r.mac.clone())),
            (6, Value::Integer(super::mib::oper_state(v.state))),
            (7, Value::Gauge32(u32::from(v.base_priority))),
            (8, Value::Integer(c.vips.len() as i32)),
            (9, Value::Integer((c.advert_int.as_millis() / 10) as i32)),
            (10, yes_no(!c.nopreempt)),
            (11, yes_no(c.accept)),
            (12, Value::TimeTicks(r.up_time)),
            (13, Value::Integer(1)),
        ];
        for (col, val) in oper {
            m.cell(&V3_OPER_ENTRY, col, &idx, val);
        }
        for a in &c.vips {
            let b = addr_bytes(a.addr);
            let mut full = idx.to_vec();
            full.push(b.len() as u32);
            full.extend(b.iter().map(|x| u32::from(*x)));
            m.cell(&V3_ASSO_ENTRY, 1, &full, Value::OctetString(b));
            m.cell(&V3_ASSO_ENTRY, 2, &full, Value::Integer(1));
        }
        let s = &v.stats;
        let stats: [(u32, Value); 13] = [
            (1, c32(s.become_master)),
            (2, Value::Integer(master_reason(v))),
            (3, Value::Counter64(s.advert_rcvd)),
            (4, Value::Counter64(s.advert_interval_err)),
            (5, Value::Counter64(s.ip_ttl_err)),
            (6, Value::Integer(r.proto_err)),
            (7, Value::Counter64(s.pri_zero_rcvd)),
            (8, Value::Counter64(s.pri_zero_sent)),
            (9, Value::Counter64(s.invalid_type_rcvd)),
            (10, Value::Counter64(s.addr_list_err)),
            (11, Value::Counter64(s.packet_len_err)),
            (12, Value::TimeTicks(0)),
            // vrrpv3StatisticsRefreshRate: the advert interval in milliseconds.
            (13, Value::Gauge32(c.advert_int.as_millis() as u32)),
        ];
        for (col, val) in stats {
            m.cell(&V3_STATS_ENTRY, col, &idx, val);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_results_as_the_mib_numbers_them() {
        assert_eq!(script_result(None, false, false), 1);
        assert_eq!(script_result(None, true, false), 5);
        assert_eq!(script_result(Some(true), true, false), 3);
        assert_eq!(script_result(Some(false), false, false), 2);
        assert_eq!(script_result(Some(true), false, true), 0);
    }

    /// Static addresses are row 0 of vrrpAddressTable; scripts the engine runs are listed.
    #[test]
    fn static_addresses_and_scripts() {
        let g = Globals {
            statics: vec![super::super::StaticAddress {
                addr: "10.9.0.1".parse().unwrap(),
                prefix_len: 24,
                dev: "lo".into(),
                broadcast: None,
                scope: Some(253),
                label: Some("lo:9".into()),
            }],
            scripts: vec![
                super::super::Script {
                    name: "chk".into(),
                    command: "/bin/true".into(),
                    interval: 2,
                    weight: -10,
                    rise: 1,
                    fall: 3,
                    init_fail: false,
                },
                super::super::Script {
                    name: "unused".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let mut m = Mib::default();
        add_vrrp(&mut m, &g, &[], &[("chk".into(), Some(true))], &mut |_| 1);
        let at = |p: &[u32]| {
            let mut o = VRRP.to_vec();
            o.extend_from_slice(p);
            m.get(&o)
        };
        assert_eq!(at(&[6, 1, 3, 0, 1]), Value::OctetString(vec![10, 9, 0, 1]));
        assert_eq!(at(&[6, 1, 6, 0, 1]), Value::Integer(2));
        assert_eq!(at(&[6, 1, 9, 0, 1]), Value::OctetString(b"lo:9".to_vec()));
        assert_eq!(at(&[6, 1, 10, 0, 1]), Value::Integer(1));
        assert_eq!(at(&[6, 1, 11, 0, 1]), Value::Integer(2));
        assert_eq!(at(&[9, 1, 2, 1]), Value::OctetString(b"chk".to_vec()));
        assert_eq!(at(&[9, 1, 5, 1]), Value::Integer(-10));
        assert_eq!(at(&[9, 1, 6, 1]), Value::Integer(3));
        assert_eq!(at(&[9, 1, 8, 1]), Value::Gauge32(3));
        assert_eq!(at(&[9, 1, 2, 2]), Value::NoSuchInstance);
    }

    #[test]
    fn group_state_follows_members() {
        use State::*;
        assert_eq!(group_state(&[Master, Master]), Master);
        assert_eq!(group_state(&[Backup, Backup]), Backup);
        assert_eq!(group_state(&[Master, Fault]), Fault);
        assert_eq!(group_state(&[Master, Backup]), Backup);
        assert_eq!(group_state(&[]), Init);
    }

    #[test]
    fn global_scalars() {
        let g = Globals {
            emails: vec!["a@b".into(), "c@d".into()],
            smtp_timeout: 30,
            ..Default::default()
        };
        let host = Host {
            version: "Keepalived v1.3.5".into(),
            router_id: "r1".into(),
            email_from: None,
        };
        let mut m = Mib::default();
        add_global(&mut m, &g, &host, true);
        let at = |p: &[u32]| {
            let mut o = GLOBAL.to_vec();
            o.extend_from_slice(p);
            m.get(&o)
        };
        assert_eq!(at(&[2, 0]), Value::OctetString(b"r1".to_vec()));
        assert_eq!(at(&[3, 1, 0]), Value::Integer(1));
        assert_eq!(at(&[3, 2, 0]), Value::OctetString(vec![0; 4]));
        assert_eq!(at(&[3, 3, 0]), Value::Gauge32(30));
        assert_eq!(at(&[3, 4, 0]), Value::NoSuchObject);
        assert_eq!(at(&[3, 5, 1, 2, 2]), Value::OctetString(b"c@d".to_vec()));
        assert_eq!(at(&[3, 5, 1, 2, 3]), Value::NoSuchInstance);
        assert_eq!(at(&[4, 0]), Value::Integer(1));
        assert_eq!(at(&[5, 0]), Value::Integer(1));
        assert_eq!(at(&[8, 0]), Value::OctetString(vec![]));
        assert_eq!(at(&[6, 0]), Value::NoSuchObject);
    }
}
