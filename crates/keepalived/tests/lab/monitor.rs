//! Timestamped address events of one namespace, from `ip -ts monitor address`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use super::{now, sleep, VIP};

/// One address added to or deleted from an interface.
#[derive(Clone, Debug, PartialEq)]
pub struct AddrEvent {
    /// When `ip monitor` printed the event (Unix seconds).
    pub t: f64,
    /// true = added, false = deleted.
    pub added: bool,
    /// The address without prefix length, e.g. "192.168.1.210".
    pub addr: String,
}

/// A running `ip -ts monitor address` collecting events in a background thread.
pub struct AddrMonitor {
    child: Child,
    events: Arc<Mutex<Vec<AddrEvent>>>,
}

impl AddrMonitor {
    /// Start monitoring namespace `ns`.
    pub fn start(ns: &str) -> Self {
        let mut child = Command::new("ip")
            .args(["-n", ns, "-ts", "monitor", "address"])
            // `ip -ts` prints local time; pin it to UTC so it converts to Unix time.
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ip monitor");
        let out = child.stdout.take().expect("monitor stdout");
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&events);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if let Some(e) = parse_line(&line) {
                    sink.lock().unwrap().push(e);
                }
            }
        });
        AddrMonitor { child, events }
    }

    /// All events so far.
    pub fn events(&self) -> Vec<AddrEvent> {
        self.events.lock().unwrap().clone()
    }

    /// VIP events (added or deleted) at or after time `since`.
    pub fn vip_events_since(&self, since: f64) -> Vec<AddrEvent> {
        self.events()
            .into_iter()
            .filter(|e| e.addr == VIP && e.t >= since)
            .collect()
    }

    /// First VIP event with `added == added` at or after `since`.
    pub fn first_vip(&self, added: bool, since: f64) -> Option<f64> {
        self.vip_events_since(since)
            .into_iter()
            .find(|e| e.added == added)
            .map(|e| e.t)
    }

    /// Last VIP event with `added == added` at or after `since`.
    pub fn last_vip(&self, added: bool, since: f64) -> Option<f64> {
        self.vip_events_since(since)
            .into_iter()
            .rev()
            .find(|e| e.added == added)
            .map(|e| e.t)
    }

    /// Poll until a VIP event `added` at or after `since` appears, for at most `secs`.
    pub fn wait_vip(&self, added: bool, since: f64, secs: f64) -> Option<f64> {
        let deadline = now() + secs;
        loop {
            if let Some(t) = self.first_vip(added, since) {
                return Some(t);
            }
            if now() > deadline {
                return None;
            }
            sleep(0.01);
        }
    }

    /// Stop the monitor process.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parse `[2026-11-25T14:41:35.024857] [Deleted ]2: enp11s0f0    inet 192.168.1.210/24 ...`.
fn parse_line(line: &str) -> Option<AddrEvent> {
    let rest = line.strip_prefix('[')?;
    let (stamp, rest) = rest.split_once(']')?;
    let t = parse_stamp(stamp)?;
    let rest = rest.trim_start();
    let added = !rest.starts_with("Deleted");
    let mut words = rest.split_whitespace();
    words.find(|w| *w == "inet")?;
    let addr = words.next()?.split('/').next()?.to_string();
    Some(AddrEvent { t, added, addr })
}

/// `2026-11-25T14:41:35.024857` (UTC) to Unix seconds.
fn parse_stamp(s: &str) -> Option<f64> {
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut hms = time.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let mi: i64 = hms.next()?.parse().ok()?;
    let sec: f64 = hms.next()?.parse().ok()?;
    Some((days_from_civil(y, m, day) * 86400 + h * 3600 + mi * 60) as f64 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_add_and_delete_lines() {
        let add = parse_line(
            "[2026-11-25T14:41:35.024857] 2: enp11s0f0    inet 192.168.1.210/24 scope global secondary enp11s0f0",
        )
        .unwrap();
        assert!(add.added);
        assert_eq!(add.addr, "192.168.1.210");
        assert!((add.t - 1_795_617_695.024857).abs() < 1e-5);
        let del = parse_line("[2026-11-25T14:41:35.027610] Deleted 2: enp11s0f0    inet 192.168.1.210/24 scope global secondary enp11s0f0").unwrap();
        assert!(!del.added);
        assert!(parse_line("       valid_lft forever preferred_lft forever").is_none());
    }
}
