//! SIGUSR1 / SIGUSR2 dumps in keepalived's file layout (`/tmp/keepalived.data`,
//! `/tmp/keepalived.stats`), which exporters and scripts parse (`State = MASTER`, counters).

use std::collections::HashMap;
use std::fmt::Write;

use vrrp_engine::{Auth, Engine, Family, InstanceId, State, Version};

/// SIGUSR1 dump file.
pub const DATA_FILE: &str = "/tmp/keepalived.data";
/// SIGUSR2 dump file.
pub const STATS_FILE: &str = "/tmp/keepalived.stats";

/// Counters the daemon keeps per instance (by name, so they survive a reload).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstanceStats {
    /// Adverts received on the instance's socket with its VRID.
    pub adverts_received: u64,
    /// Adverts sent.
    pub adverts_sent: u64,
    /// Transitions to MASTER.
    pub became_master: u64,
    /// Transitions out of MASTER.
    pub released_master: u64,
    /// Priority-0 adverts received.
    pub prio_zero_received: u64,
    /// Priority-0 adverts sent.
    pub prio_zero_sent: u64,
}

/// VRID and priority of a VRRP packet as read from the socket (IPv4 with IP header;
/// IPv6 the VRRP message), if it is long enough.
pub fn vrid_and_priority(family: Family, bytes: &[u8]) -> Option<(u8, u8)> {
    let off = match family {
        Family::V4 => usize::from(bytes.first()? & 0x0f) * 4,
        Family::V6 => 0,
    };
    Some((*bytes.get(off + 1)?, *bytes.get(off + 2)?))
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
    }
}

/// `/tmp/keepalived.data` text.
pub fn data(engine: &Engine) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "------< VRRP Topology >------");
    for i in 0..engine.instance_count() {
        let id = InstanceId(i);
        let c = engine.instance_config(id);
        let _ = writeln!(o, " VRRP Instance = {}", c.name);
        let _ = writeln!(o, "   Using src_ip = {}", c.src_addr);
        let _ = writeln!(o, "   State = {}", state_name(engine.state(id)));
        let _ = writeln!(o, "   Listening device = {}", c.interface);
        let _ = writeln!(o, "   Virtual Router ID = {}", c.vrid);
        let _ = writeln!(o, "   Priority = {}", c.priority);
        let _ = writeln!(
            o,
            "   Effective priority = {}",
            engine.effective_priority(id)
        );
        let _ = writeln!(
            o,
            "   Advert interval = {}",
            match c.version {
                Version::V2 => format!("{} sec", c.advert_int.as_secs()),
                Version::V3 => format!("{} milli-sec", c.advert_int.as_millis()),
            }
        );
        let _ = writeln!(
            o,
            "   Preempt = {}",
            if c.nopreempt { "disabled" } else { "enabled" }
        );
        let auth = match &c.auth {
            Auth::None => "none",
            Auth::Pass(_) => "SIMPLE_PASSWORD",
            Auth::Ah(_) => "IPSEC_AH",
        };
        let _ = writeln!(o, "   Authentication type = {auth}");
        if !c.unicast_peers.is_empty() {
            let _ = writeln!(o, "   Unicast Peer = {}", c.unicast_peers.len());
            for p in &c.unicast_peers {
                let _ = writeln!(o, "     {p}");
            }
        }
        let _ = writeln!(o, "   Virtual IP = {}", c.vips.len());
        for v in &c.vips {
            let _ = writeln!(o, "     {}/{} dev {}", v.addr, v.prefix_len, v.dev);
        }
        if !c.excluded_vips.is_empty() {
            let _ = writeln!(o, "   Virtual IP Excluded = {}", c.excluded_vips.len());
            for v in &c.excluded_vips {
                let _ = writeln!(o, "     {}/{} dev {}", v.addr, v.prefix_len, v.dev);
            }
        }
    }
    o
}

/// `/tmp/keepalived.stats` text. Packet and authentication error counters are not kept
/// separately by this implementation and read 0 (docs/compatibility.md).
pub fn stats(engine: &Engine, stats: &HashMap<String, InstanceStats>) -> String {
    let mut o = String::new();
    for i in 0..engine.instance_count() {
        let c = engine.instance_config(InstanceId(i));
        let s = stats.get(&c.name).copied().unwrap_or_default();
        let _ = writeln!(o, "VRRP Instance: {}", c.name);
        let _ = writeln!(o, "  Advertisements:");
        let _ = writeln!(o, "    Received: {}", s.adverts_received);
        let _ = writeln!(o, "    Sent: {}", s.adverts_sent);
        let _ = writeln!(o, "  Became master: {}", s.became_master);
        let _ = writeln!(o, "  Released master: {}", s.released_master);
        let _ = writeln!(o, "  Packet Errors:");
        for k in [
            "Length",
            "TTL",
            "Invalid Type",
            "Advertisement Interval",
            "Address List",
        ] {
            let _ = writeln!(o, "    {k}: 0");
        }
        let _ = writeln!(o, "  Authentication Errors:");
        for k in ["Invalid Type", "Type Mismatch", "Failure"] {
            let _ = writeln!(o, "    {k}: 0");
        }
        let _ = writeln!(o, "  Priority Zero:");
        let _ = writeln!(o, "    Received: {}", s.prio_zero_received);
        let _ = writeln!(o, "    Sent: {}", s.prio_zero_sent);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vrid_priority_extraction() {
        // IPv4: 20-byte header, then VRRP 0x21 vrid=51 prio=100.
        let mut p = vec![0x45u8; 1];
        p.extend_from_slice(&[0; 19]);
        p.extend_from_slice(&[0x21, 51, 100, 1]);
        assert_eq!(vrid_and_priority(Family::V4, &p), Some((51, 100)));
        assert_eq!(vrid_and_priority(Family::V6, &[0x31, 7, 0]), Some((7, 0)));
        assert_eq!(vrid_and_priority(Family::V4, &p[..21]), None);
        assert_eq!(vrid_and_priority(Family::V4, &[]), None);
    }
}
