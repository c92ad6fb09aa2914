//! RFC 2787 VRRP-MIB (`1.3.6.1.2.1.68`) as keepalived 1.3.5 exposes it (including the
//! index columns `vrrpOperVrId` and `vrrpAssoIpAddr`, which 2.x no longer shows): the two scalars,
//! `vrrpOperTable`, `vrrpAssoIpAddrTable`, the three global error counters and
//! `vrrpRouterStatsTable`, built from a snapshot into an ordered map so Get, GetNext and
//! GetBulk are range lookups in lexicographic OID order.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::ops::Bound;

use vrrp_engine::{InstanceStats, State};

use super::pdu::{Oid, SearchRange, Value};

/// `vrrpMIB`.
pub const VRRP_MIB: [u32; 7] = [1, 3, 6, 1, 2, 1, 68];
/// `vrrpTrapNewMaster` (`vrrpNotifications.1`).
pub const TRAP_NEW_MASTER: [u32; 9] = [1, 3, 6, 1, 2, 1, 68, 0, 1];
/// `vrrpTrapAuthFailure` (`vrrpNotifications.2`).
pub const TRAP_AUTH_FAILURE: [u32; 9] = [1, 3, 6, 1, 2, 1, 68, 0, 2];
/// `vrrpOperEntry`.
const OPER_ENTRY: [u32; 10] = [1, 3, 6, 1, 2, 1, 68, 1, 3, 1];
/// `vrrpAssoIpAddrEntry`.
const ASSO_ENTRY: [u32; 10] = [1, 3, 6, 1, 2, 1, 68, 1, 4, 1];
/// `vrrpRouterStatsEntry`.
const STATS_ENTRY: [u32; 10] = [1, 3, 6, 1, 2, 1, 68, 2, 4, 1];

/// One VRRPv2 IPv4 instance with virtual addresses as the MIB shows it (1.3.5 leaves out
/// the others: v3, IPv6, no VIP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The interface's ifIndex (first index of every table).
    pub if_index: u32,
    /// VRID (second index).
    pub vrid: u8,
    /// The interface's MAC (1.3.5 shows the interface's own address here).
    pub mac: Vec<u8>,
    /// Current state.
    pub state: State,
    /// Configured priority.
    pub priority: u8,
    /// The virtual addresses (IPv4 ones).
    pub vips: Vec<Ipv4Addr>,
    /// The MASTER's address (ours when MASTER, 0.0.0.0 when unknown).
    pub master: Ipv4Addr,
    /// Our primary address.
    pub primary: Ipv4Addr,
    /// `vrrpOperAuthType`: 1 none, 2 simple text, 3 AH.
    pub auth_type: i32,
    /// Advert interval in whole seconds.
    pub advert_secs: i32,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// Hundredths of a second since the daemon started at the last change to BACKUP or
    /// MASTER (0 in INIT/FAULT), as 1.3.5 computes `vrrpOperVirtualRouterUpTime`.
    pub up_time: u32,
    /// The counters.
    pub stats: InstanceStats,
}

/// `vrrpOperState`: initialize(1), backup(2), master(3).
pub fn oper_state(s: State) -> i32 {
    match s {
        State::Master => 3,
        State::Backup => 2,
        State::Init | State::Fault => 1,
    }
}

/// The IPv4 address, or `None` for IPv6.
pub fn v4(a: IpAddr) -> Option<Ipv4Addr> {
    match a {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(_) => None,
    }
}

/// The objects of the MIBs served (RFC 2787, RFC 6527, KEEPALIVED-MIB), in OID order.
#[derive(Debug, Default)]
pub struct Mib {
    objects: BTreeMap<Oid, Value>,
    /// Table columns that have at least one row (a Get below one that misses is
    /// noSuchInstance, elsewhere noSuchObject).
    columns: BTreeSet<Oid>,
}

fn oid(prefix: &[u32], column: u32, index: &[u32]) -> Oid {
    let mut o = Vec::with_capacity(prefix.len() + 1 + index.len());
    o.extend_from_slice(prefix);
    o.push(column);
    o.extend_from_slice(index);
    o
}

/// Counter32 of a 64-bit counter (it wraps, as SNMP counters do).
pub fn c32(v: u64) -> Value {
    Value::Counter32(v as u32)
}

impl Mib {
    /// A scalar (`o` ends in `.0`).
    pub fn scalar(&mut self, o: Oid, v: Value) {
        self.objects.insert(o, v);
    }

    /// The cell of `entry.column` at row `index`.
    pub fn cell(&mut self, entry: &[u32], column: u32, index: &[u32], v: Value) {
        let col = oid(entry, column, &[]);
        self.objects.insert(oid(entry, column, index), v);
        self.columns.insert(col);
    }

    /// Builds RFC 2787's objects alone (see [`Mib::add_rfc2787`]).
    #[cfg(test)]
    pub fn build(rows: &[Row], traps_enabled: bool, global_errors: [u64; 3]) -> Mib {
        let mut m = Mib::default();
        m.add_rfc2787(rows, traps_enabled, global_errors);
        m
    }

    /// Adds RFC 2787's objects; `traps_enabled` is `vrrpNotificationCntl`, `global_errors`
    /// the checksum, version and VRID error counters.
    pub fn add_rfc2787(&mut self, rows: &[Row], traps_enabled: bool, global_errors: [u64; 3]) {
        let mut scalar = |path: &[u32], v: Value| {
            self.objects.insert(oid(&VRRP_MIB, path[0], &path[1..]), v);
        };
        scalar(&[1, 1, 0], Value::Integer(2));
        scalar(
            &[1, 2, 0],
            Value::Integer(if traps_enabled { 1 } else { 2 }),
        );
        for (i, e) in global_errors.iter().enumerate() {
            scalar(&[2, i as u32 + 1, 0], c32(*e));
        }
        for r in rows {
            let idx = [r.if_index, u32::from(r.vrid)];
            let s = &r.stats;
            let oper: [(u32, Value); 14] = [
                (1, Value::Integer(i32::from(r.vrid))),
                (2, Value::OctetString(r.mac.clone())),
                (3, Value::Integer(oper_state(r.state))),
                (4, Value::Integer(1)),
                (5, Value::Integer(i32::from(r.priority))),
                (6, Value::Integer(r.vips.len() as i32)),
                (7, Value::IpAddress(r.master.octets())),
                (8, Value::IpAddress(r.primary.octets())),
                (9, Value::Integer(r.auth_type)),
                // 10, vrrpOperAuthKey: not shown at all (1.3.5 and 2.x skip it in walks).
                (11, Value::Integer(r.advert_secs)),
                (12, Value::Integer(if r.nopreempt { 2 } else { 1 })),
                (13, Value::TimeTicks(r.up_time)),
                (14, Value::Integer(1)),
                (15, Value::Integer(1)),
            ];
            for (col, v) in oper {
                self.cell(&OPER_ENTRY, col, &idx, v);
            }
            for a in &r.vips {
                let o = a.octets().map(u32::from);
                let full = [idx[0], idx[1], o[0], o[1], o[2], o[3]];
                self.cell(&ASSO_ENTRY, 1, &full, Value::IpAddress(a.octets()));
                self.cell(&ASSO_ENTRY, 2, &full, Value::Integer(1));
            }
            let stats: [(u32, u64); 12] = [
                (1, s.become_master),
                (2, s.advert_rcvd),
                (3, s.advert_interval_err),
                (4, s.auth_failure),
                (5, s.ip_ttl_err),
                (6, s.pri_zero_rcvd),
                (7, s.pri_zero_sent),
                (8, s.invalid_type_rcvd),
                (9, s.addr_list_err),
                (10, s.invalid_authtype),
                (11, s.authtype_mismatch),
                (12, s.packet_len_err),
            ];
            for (col, v) in stats {
                self.cell(&STATS_ENTRY, col, &idx, c32(v));
            }
        }
    }

    /// Get: the object itself, or noSuchObject/noSuchInstance.
    pub fn get(&self, o: &[u32]) -> Value {
        if let Some(v) = self.objects.get(o) {
            return v.clone();
        }
        // An instance of a column we have: noSuchInstance.
        let column_known = (1..o.len()).any(|n| self.columns.contains(&o[..n]));
        if column_known {
            Value::NoSuchInstance
        } else {
            Value::NoSuchObject
        }
    }

    /// GetNext within a search range: the first object after `start` (or at it when
    /// `include`) and before `end`, else endOfMibView with the start's name.
    pub fn next(&self, r: &SearchRange) -> (Oid, Value) {
        let lower = if r.include {
            Bound::Included(r.start.as_slice())
        } else {
            Bound::Excluded(r.start.as_slice())
        };
        match self
            .objects
            .range::<[u32], _>((lower, Bound::Unbounded))
            .next()
        {
            Some((k, v)) if r.end.is_empty() || *k < r.end => (k.clone(), v.clone()),
            _ => (r.start.clone(), Value::EndOfMibView),
        }
    }

    /// GetBulk (RFC 2741 §7.2.3.3): the first `non_repeaters` ranges once, the others
    /// `max_repetitions` times each, interleaved, stopping at `limit` bindings.
    pub fn bulk(
        &self,
        non_repeaters: u16,
        max_repetitions: u16,
        ranges: &[SearchRange],
        limit: usize,
    ) -> Vec<(Oid, Value)> {
        let n = (non_repeaters as usize).min(ranges.len());
        let mut out: Vec<(Oid, Value)> = ranges[..n].iter().map(|r| self.next(r)).collect();
        let mut cursors: Vec<SearchRange> = ranges[n..].to_vec();
        for _ in 0..max_repetitions {
            if cursors.is_empty() || out.len() >= limit {
                break;
            }
            let mut all_ended = true;
            for c in &mut cursors {
                let (o, v) = self.next(c);
                if v != Value::EndOfMibView {
                    all_ended = false;
                    c.start = o.clone();
                    c.include = false;
                }
                out.push((o, v));
            }
            // Further repetitions would only repeat endOfMibView (§7.2.3.3 allows stopping).
            if all_ended {
                break;
            }
        }
        out.truncate(limit.max(n));
        out
    }

    /// Number of objects.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.objects.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(if_index: u32, vrid: u8, state: State, vips: &[[u8; 4]]) -> Row {
        Row {
            if_index,
            vrid,
            mac: vec![2, 0, 0, 0, 0, 1],
            state,
            priority: 150,
            vips: vips.iter().map(|a| Ipv4Addr::from(*a)).collect(),
            master: Ipv4Addr::new(10, 0, 0, 1),
            primary: Ipv4Addr::new(10, 0, 0, 1),
            auth_type: 1,
            advert_secs: 1,
            nopreempt: false,
            up_time: 1234,
            stats: InstanceStats {
                become_master: 3,
                advert_rcvd: 7,
                ..InstanceStats::ZERO
            },
        }
    }

    fn range(start: &[u32]) -> SearchRange {
        SearchRange {
            start: start.to_vec(),
            include: false,
            end: vec![],
        }
    }

    #[test]
    fn get_reads_state_and_misses_precisely() {
        let m = Mib::build(
            &[row(2, 51, State::Master, &[[10, 0, 0, 100]])],
            true,
            [0; 3],
        );
        assert_eq!(
            m.get(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 2, 51]),
            Value::Integer(3)
        );
        assert_eq!(m.get(&[1, 3, 6, 1, 2, 1, 68, 1, 1, 0]), Value::Integer(2));
        assert_eq!(m.get(&[1, 3, 6, 1, 2, 1, 68, 1, 2, 0]), Value::Integer(1));
        assert_eq!(
            m.get(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3, 2, 52]),
            Value::NoSuchInstance
        );
        assert_eq!(m.get(&[1, 3, 6, 1, 2, 1, 68, 9]), Value::NoSuchObject);
        assert_eq!(
            m.get(&[1, 3, 6, 1, 2, 1, 68, 2, 4, 1, 1, 2, 51]),
            Value::Counter32(3)
        );
    }

    /// GetNext walks column by column, each column row by row (ifIndex then VRID), and
    /// crosses from one table into the next.
    #[test]
    fn getnext_order_across_rows_and_tables() {
        let rows = [
            row(3, 1, State::Backup, &[]),
            row(2, 52, State::Backup, &[[10, 0, 0, 101]]),
            row(2, 51, State::Master, &[[10, 0, 0, 100], [10, 0, 0, 9]]),
        ];
        let m = Mib::build(&rows, false, [0; 3]);
        // vrrpOperState column: (2,51) < (2,52) < (3,1), then vrrpOperAdminState of (2,51).
        let mut at = vec![1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3];
        let mut seen = Vec::new();
        for _ in 0..4 {
            let (o, v) = m.next(&range(&at));
            seen.push((o[10..].to_vec(), v));
            at = o;
        }
        assert_eq!(
            seen,
            vec![
                (vec![3, 2, 51], Value::Integer(3)),
                (vec![3, 2, 52], Value::Integer(2)),
                (vec![3, 3, 1], Value::Integer(2)),
                (vec![4, 2, 51], Value::Integer(1)),
            ]
        );
        // After the last oper column comes the address table, addresses in order.
        let (o, v) = m.next(&range(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 15, 3, 1]));
        assert_eq!(
            o,
            vec![1, 3, 6, 1, 2, 1, 68, 1, 4, 1, 1, 2, 51, 10, 0, 0, 9]
        );
        assert_eq!(v, Value::IpAddress([10, 0, 0, 9]));
        // After the address table: the global counters, then the stats table.
        let (o, _) = m.next(&range(&[
            1, 3, 6, 1, 2, 1, 68, 1, 4, 1, 2, 2, 52, 10, 0, 0, 101,
        ]));
        assert_eq!(o, vec![1, 3, 6, 1, 2, 1, 68, 2, 1, 0]);
        // The last object, then the end of the view.
        let (o, _) = m.next(&range(&[1, 3, 6, 1, 2, 1, 68, 2, 4, 1, 12, 3]));
        assert_eq!(o, vec![1, 3, 6, 1, 2, 1, 68, 2, 4, 1, 12, 3, 1]);
        assert_eq!(m.next(&range(&o)).1, Value::EndOfMibView);
        // The range's end bound is exclusive.
        let bounded = SearchRange {
            start: vec![1, 3, 6, 1, 2, 1, 68, 1, 3],
            include: false,
            end: vec![1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 1, 2, 51],
        };
        assert_eq!(m.next(&bounded).1, Value::EndOfMibView);
        // Include: the start itself.
        let inc = SearchRange {
            include: true,
            ..range(&[1, 3, 6, 1, 2, 1, 68, 1, 1, 0])
        };
        assert_eq!(m.next(&inc).0, vec![1, 3, 6, 1, 2, 1, 68, 1, 1, 0]);
    }

    #[test]
    fn getbulk_repeats_and_stops() {
        let m = Mib::build(&[row(2, 51, State::Master, &[])], true, [0; 3]);
        let out = m.bulk(
            1,
            3,
            &[
                range(&[1, 3, 6, 1, 2, 1, 68, 1]),
                range(&[1, 3, 6, 1, 2, 1, 68, 1, 3, 1, 3]),
            ],
            100,
        );
        assert_eq!(out.len(), 4);
        assert_eq!(out[0].0, vec![1, 3, 6, 1, 2, 1, 68, 1, 1, 0]);
        assert_eq!(out[1].0[10..], [3, 2, 51]);
        assert_eq!(out[2].0[10..], [4, 2, 51]);
        assert_eq!(out[3].0[10..], [5, 2, 51]);
        assert_eq!(m.bulk(0, 50, &[range(&[1, 3, 6, 1, 2, 1, 68])], 5).len(), 5);
        let all = m.bulk(0, 500, &[range(&[1, 3, 6, 1, 2, 1, 68])], 1000);
        assert_eq!(all.last().map(|x| &x.1), Some(&Value::EndOfMibView));
        assert_eq!(all.len(), m.len() + 1);
    }

    /// 1,000 instances: every object once, in order, by GetBulk from the root.
    #[test]
    fn thousand_instances_walk_in_order() {
        let rows: Vec<Row> = (0..1000u32)
            .map(|i| {
                row(
                    2 + i / 255,
                    (i % 255 + 1) as u8,
                    State::Backup,
                    &[[10, 1, (i / 256) as u8, (i % 256) as u8]],
                )
            })
            .collect();
        let t = std::time::Instant::now();
        let m = Mib::build(&rows, false, [0; 3]);
        let built = t.elapsed();
        // Per instance: 14 oper columns, 2 address columns, 12 statistics; 5 scalars.
        assert_eq!(m.len(), 1000 * (14 + 2 + 12) + 5);
        let mut at = range(&VRRP_MIB);
        let mut n = 0;
        loop {
            let batch = m.bulk(0, 50, std::slice::from_ref(&at), 1000);
            let mut done = false;
            for (o, v) in batch {
                if v == Value::EndOfMibView {
                    done = true;
                    break;
                }
                assert!(o > at.start, "{o:?} after {:?}", at.start);
                at.start = o;
                n += 1;
            }
            if done {
                break;
            }
        }
        assert_eq!(n, m.len());
        eprintln!(
            "built {} objects in {built:?}, walked in {:?}",
            m.len(),
            t.elapsed()
        );
    }
}
