//! Policy-routing rules (`virtual_rules`, `static_rules`) and the RTM_NEWRULE / RTM_DELRULE
//! messages built from them, shaped as keepalived 1.3.5 sends them (`vrrp_iprule.c`).

use std::net::IpAddr;

use netlink_packet_route::route::RouteRealm;
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage, RuleUidRange};
use netlink_packet_route::AddressFamily;

use crate::NetlinkError;

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleActionSpec {
    /// `table N` / `lookup N`.
    Table(u32),
    /// `goto PRIORITY`.
    Goto(u32),
    /// `nop`.
    Nop,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// A rule with keepalived's semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// IPv6 rule (from the addresses; IPv4 when none is given, as keepalived does).
    pub ipv6: bool,
    /// `from PREFIX`.
    pub from: Option<(IpAddr, u8)>,
    /// `to PREFIX`.
    pub to: Option<(IpAddr, u8)>,
    /// `not`.
    pub invert: bool,
    /// `preference`/`priority`/`order`.
    pub priority: Option<u32>,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<u32>,
    /// The mask of `fwmark MARK/MASK`.
    pub fwmask: Option<u32>,
    /// `realms` (FROM << 16 | TO).
    pub realms: Option<u32>,
    /// `suppress_prefixlength`.
    pub suppress_prefixlen: Option<u32>,
    /// `suppress_ifgroup`.
    pub suppress_ifgroup: Option<u32>,
    /// `iif`/`dev` (by name: the kernel keeps the rule when the interface goes).
    pub iif: Option<String>,
    /// `oif`.
    pub oif: Option<String>,
    /// `tunnel-id`.
    pub tunnel_id: Option<u64>,
    /// `uidrange START-END`.
    pub uid_range: Option<(u32, u32)>,
    /// The action.
    pub action: RuleActionSpec,
}

impl RuleSpec {
    /// A rule with only an action (IPv4 unless `ipv6`).
    pub fn new(ipv6: bool, action: RuleActionSpec) -> RuleSpec {
        RuleSpec {
            ipv6,
            from: None,
            to: None,
            invert: false,
            priority: None,
            tos: None,
            fwmark: None,
            fwmask: None,
            realms: None,
            suppress_prefixlen: None,
            suppress_ifgroup: None,
            iif: None,
            oif: None,
            tunnel_id: None,
            uid_range: None,
            action,
        }
    }

    /// The message for RTM_NEWRULE and RTM_DELRULE (the kernel deletes the first rule that
    /// matches every attribute given).
    pub(crate) fn message(&self) -> Result<RuleMessage, NetlinkError> {
        let max = if self.ipv6 { 128 } else { 32 };
        for (a, len) in self.from.iter().chain(&self.to) {
            if a.is_ipv6() != self.ipv6 || *len > max {
                return Err(NetlinkError::InvalidSpec(format!(
                    "address {a}/{len} does not fit an {} rule",
                    if self.ipv6 { "IPv6" } else { "IPv4" }
                )));
            }
        }
        let mut msg = RuleMessage::default();
        let h = &mut msg.header;
        h.family = if self.ipv6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        h.tos = self.tos.unwrap_or(0);
        if self.invert {
            h.flags = RuleFlags::Invert;
        }
        let a = &mut msg.attributes;
        h.action = match self.action {
            RuleActionSpec::Table(t) => {
                if let Ok(small) = u8::try_from(t) {
                    h.table = small;
                } else {
                    a.push(RuleAttribute::Table(t));
                }
                RuleAction::ToTable
            }
            RuleActionSpec::Goto(target) => {
                a.push(RuleAttribute::Goto(target));
                RuleAction::Goto
            }
            RuleActionSpec::Nop => RuleAction::Nop,
            RuleActionSpec::Blackhole => RuleAction::Blackhole,
            RuleActionSpec::Unreachable => RuleAction::Unreachable,
            RuleActionSpec::Prohibit => RuleAction::Prohibit,
        };
        if let Some((addr, len)) = self.from {
            h.src_len = len;
            a.push(RuleAttribute::Source(addr));
        }
        if let Some((addr, len)) = self.to {
            h.dst_len = len;
            a.push(RuleAttribute::Destination(addr));
        }
        if let Some(p) = self.priority {
            a.push(RuleAttribute::Priority(p));
        }
        if let Some(m) = self.fwmark {
            a.push(RuleAttribute::FwMark(m));
        }
        if let Some(m) = self.fwmask {
            a.push(RuleAttribute::FwMask(m));
        }
        if let Some(r) = self.realms {
            a.push(RuleAttribute::Realm(RouteRealm {
                source: (r >> 16) as u16,
                destination: (r & 0xffff) as u16,
            }));
        }
        if let Some(v) = self.suppress_prefixlen {
            a.push(RuleAttribute::SuppressPrefixLen(v));
        }
        if let Some(v) = self.suppress_ifgroup {
            a.push(RuleAttribute::SuppressIfGroup(v));
        }
        if let Some(i) = &self.iif {
            a.push(RuleAttribute::Iifname(i.clone()));
        }
        if let Some(o) = &self.oif {
            a.push(RuleAttribute::Oifname(o.clone()));
        }
        if let Some(t) = self.tunnel_id {
            a.push(RuleAttribute::TunId(t));
        }
        if let Some((start, end)) = self.uid_range {
            a.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
        }
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn from_table_rule() {
        let mut r = RuleSpec::new(false, RuleActionSpec::Table(100));
        r.from = Some((IpAddr::V4(Ipv4Addr::new(192, 168, 1, 210)), 32));
        r.priority = Some(100);
        let m = r.message().unwrap();
        assert_eq!(m.header.family, AddressFamily::Inet);
        assert_eq!(m.header.table, 100);
        assert_eq!(m.header.action, RuleAction::ToTable);
        assert_eq!(m.header.src_len, 32);
        assert!(m.attributes.contains(&RuleAttribute::Priority(100)));
    }

    #[test]
    fn big_table_goto_and_family_checks() {
        let r = RuleSpec::new(true, RuleActionSpec::Table(5000));
        let m = r.message().unwrap();
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RuleAttribute::Table(5000)));
        assert_eq!(m.header.family, AddressFamily::Inet6);
        let mut g = RuleSpec::new(false, RuleActionSpec::Goto(300));
        g.invert = true;
        let m = g.message().unwrap();
        assert_eq!(m.header.action, RuleAction::Goto);
        assert_eq!(m.header.flags, RuleFlags::Invert);
        g.to = Some((IpAddr::V6(Ipv6Addr::LOCALHOST), 128));
        assert!(g.message().is_err());
    }
}
