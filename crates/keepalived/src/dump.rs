//! SIGUSR1 / SIGUSR2 dumps in keepalived's file layout (`/tmp/keepalived.data`,
//! `/tmp/keepalived.stats`), which exporters and scripts parse (`State = MASTER`, counters).

use std::fmt::Write;

use vrrp_engine::{Auth, Engine, InstanceId, State, Version};

/// SIGUSR1 dump file.
pub const DATA_FILE: &str = "/tmp/keepalived.data";
/// SIGUSR2 dump file.
pub const STATS_FILE: &str = "/tmp/keepalived.stats";

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
        let Some(c) = engine.instance_config(id) else {
            continue;
        };
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

/// Packets dropped before the engine saw them (a flood): by the daemon's full receive queue,
/// and by the kernel when a VRRP socket's receive buffer was full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RxDrops {
    /// Dropped unread because the daemon's packet queue was full.
    pub queue: u64,
    /// The kernel's drop counter of our raw sockets (`/proc/net/raw{,6}`), if readable.
    pub kernel: Option<u64>,
}

/// `/tmp/keepalived.stats` text from the engine's counters (kept across reloads for
/// instances that survive them). Drops are reported after the instances and only when not 0,
/// so the file keeps keepalived's exact layout otherwise.
pub fn stats(engine: &Engine, drops: RxDrops) -> String {
    let mut o = String::new();
    for i in 0..engine.instance_count() {
        let id = InstanceId(i);
        let Some(c) = engine.instance_config(id) else {
            continue;
        };
        let s = engine.stats(id);
        let _ = writeln!(o, "VRRP Instance: {}", c.name);
        let _ = writeln!(o, "  Advertisements:");
        let _ = writeln!(o, "    Received: {}", s.advert_rcvd);
        let _ = writeln!(o, "    Sent: {}", s.advert_sent);
        let _ = writeln!(o, "  Became master: {}", s.become_master);
        let _ = writeln!(o, "  Released master: {}", s.release_master);
        let _ = writeln!(o, "  Packet Errors:");
        let _ = writeln!(o, "    Length: {}", s.packet_len_err);
        let _ = writeln!(o, "    TTL: {}", s.ip_ttl_err);
        let _ = writeln!(o, "    Invalid Type: {}", s.invalid_type_rcvd);
        let _ = writeln!(o, "    Advertisement Interval: {}", s.advert_interval_err);
        let _ = writeln!(o, "    Address List: {}", s.addr_list_err);
        let _ = writeln!(o, "  Authentication Errors:");
        let _ = writeln!(o, "    Invalid Type: {}", s.invalid_authtype);
        let _ = writeln!(o, "    Type Mismatch: {}", s.authtype_mismatch);
        let _ = writeln!(o, "    Failure: {}", s.auth_failure);
        let _ = writeln!(o, "  Priority Zero:");
        let _ = writeln!(o, "    Received: {}", s.pri_zero_rcvd);
        let _ = writeln!(o, "    Sent: {}", s.pri_zero_sent);
    }
    let kernel = drops.kernel.unwrap_or(0);
    if drops.queue > 0 || kernel > 0 {
        let _ = writeln!(o, "VRRP receive queue:");
        let _ = writeln!(o, "  Dropped (queue full): {}", drops.queue);
        let _ = writeln!(o, "  Dropped by the kernel (socket buffer full): {kernel}");
    }
    o
}

/// Sum of the kernel's drop counters of this process's raw sockets in its network namespace
/// (the last column of `/proc/self/net/raw` and `raw6`, matched by socket inode).
pub fn kernel_rx_drops() -> Option<u64> {
    let mut ours = std::collections::HashSet::new();
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Ok(target) = std::fs::read_link(entry.path()) else {
            continue;
        };
        let t = target.to_string_lossy();
        if let Some(inode) = t
            .strip_prefix("socket:[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok())
        {
            ours.insert(inode);
        }
    }
    let mut total = 0;
    for table in ["/proc/self/net/raw", "/proc/self/net/raw6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        total += raw_table_drops(&text, &ours);
    }
    Some(total)
}

/// Drops of the sockets in `inodes` in a `/proc/net/raw`-style table.
fn raw_table_drops(text: &str, inodes: &std::collections::HashSet<u64>) -> u64 {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let inode: u64 = f.get(9)?.parse().ok()?;
            let drops: u64 = f.last()?.parse().ok()?;
            inodes.contains(&inode).then_some(drops)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Duration;

    use vrrp_engine::Input;

    use super::*;
    use crate::test_support::{self, seed_advert, seed_engine};

    fn seed_b_engine() -> Engine {
        let mut e = seed_engine('b', |t| t);
        e.handle(Input::Start, Duration::ZERO);
        e
    }

    fn advert(prio: u8, password: &[u8; 8]) -> Vec<u8> {
        seed_advert(Ipv4Addr::new(192, 168, 1, 198), prio, password)
    }

    fn feed(e: &mut Engine, bytes: &[u8], at_ms: u64) {
        test_support::feed(e, bytes, Duration::from_millis(at_ms));
    }

    /// The SIGUSR2 file shows the engine's counters, errors included, in 1.3.5's layout.
    #[test]
    fn stats_file_reports_engine_counters() {
        let mut e = seed_b_engine();
        feed(&mut e, &advert(100, b"1111\0\0\0\0"), 100);
        feed(&mut e, &advert(100, b"2222\0\0\0\0"), 200);
        feed(&mut e, &advert(0, b"1111\0\0\0\0"), 300);
        let text = stats(&e, RxDrops::default());
        let expect = [
            "VRRP Instance: VI_1",
            "  Advertisements:",
            "    Received: 3",
            "    Sent: 0",
            "  Became master: 0",
            "  Released master: 0",
            "  Packet Errors:",
            "    Length: 0",
            "    TTL: 0",
            "    Invalid Type: 0",
            "    Advertisement Interval: 0",
            "    Address List: 0",
            "  Authentication Errors:",
            "    Invalid Type: 0",
            "    Type Mismatch: 0",
            "    Failure: 1",
            "  Priority Zero:",
            "    Received: 1",
            "    Sent: 0",
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expect);
        // Queue drops of a flood follow the instances.
        let text = stats(
            &e,
            RxDrops {
                queue: 42,
                kernel: Some(7),
            },
        );
        let tail: Vec<&str> = text.lines().skip(expect.len()).collect();
        assert_eq!(
            tail,
            [
                "VRRP receive queue:",
                "  Dropped (queue full): 42",
                "  Dropped by the kernel (socket buffer full): 7"
            ]
        );
    }

    #[test]
    fn raw_table_drops_sums_our_sockets_only() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 112: 00000000:0070 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 1234
 112: 00000000:0070 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 999 2 0000000000000000 50
 255: 00000000:00FF 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0
";
        let ours = [4242, 4243].into_iter().collect();
        assert_eq!(raw_table_drops(table, &ours), 1234);
    }
}
