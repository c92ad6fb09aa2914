//! A host floods VRID 51 with bad adverts (issue 8 §2): nothing moves, every packet is
//! counted, and the log stays readable (rate-limited per instance and reason, then a summary).

mod sim;

use std::collections::HashMap;
use std::time::Duration;

use sim::*;
use vrrp_engine::{Engine, Input, InstanceId, State};

const ID: InstanceId = InstanceId(0);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The flood's four kinds of bad advert, all claiming priority 254 from a third host.
fn bad_adverts() -> Vec<Vec<u8>> {
    let src = "192.168.1.250";
    let wrong_pw = advert_with(src, 254, |r| r.auth_data = *b"evil\0\0\0\0");
    let mut bad_sum = advert(src, 254);
    bad_sum[26] ^= 0x5a; // VRRP checksum (IP header 20 + 6)
    let mut truncated = advert(src, 254);
    truncated.truncate(24);
    let two_vips = advert_with(src, 254, |r| {
        r.addresses.push("192.168.1.211".parse().unwrap())
    });
    vec![wrong_pw, bad_sum, truncated, two_vips]
}

/// Runs the flood (10 s, one packet every `gap_us`, kinds in turn) from `from`, delivering
/// due timers first as the daemon does; returns every log line with its time.
fn flood(e: &mut Engine, from: Duration, gap_us: u64, n: u64) -> Vec<(Duration, String)> {
    let pkts = bad_adverts();
    let mut lines = Vec::new();
    for i in 0..n {
        let now = from + Duration::from_micros(i * gap_us);
        for (t, o) in run_timers(e, now) {
            lines.extend(texts(std::slice::from_ref(&o)).into_iter().map(|l| (t, l)));
        }
        let pkt = &pkts[(i % pkts.len() as u64) as usize];
        lines.extend(feed(e, pkt, now).iter().flat_map(|o| {
            texts(std::slice::from_ref(o))
                .into_iter()
                .map(move |l| (now, l))
        }));
    }
    lines
}

fn check_rate(lines: &[(Duration, String)]) {
    // Per reason line (text before any "(N similar not logged)"), at most one a second.
    let mut last: HashMap<String, Duration> = HashMap::new();
    for (t, l) in lines.iter().filter(|(_, l)| l.starts_with("(VI_1)")) {
        let key = l.split(" (").next().unwrap_or(l).to_string();
        if let Some(prev) = last.insert(key, *t) {
            assert!(*t - prev >= Duration::from_secs(1), "{l} twice within 1 s");
        }
    }
}

#[test]
fn master_keeps_advertising_and_logs_a_summary() {
    let mut e = master_a();
    let sent0 = e.stats(ID).advert_sent;
    let from = ms(2000);
    let n = 100_000; // 10 s at 10 k/s
    let lines = flood(&mut e, from, 100, n);
    assert_eq!(e.state(ID), State::Master);
    // The master's adverts went out every second, unaffected: at 3, 4, ... 11 s.
    assert_eq!(e.stats(ID).advert_sent - sent0, 9);
    // Every packet counted under keepalived's counters.
    let s = e.stats(ID).clone();
    assert_eq!(s.advert_rcvd, n);
    assert_eq!(s.auth_failure, n / 4);
    assert_eq!(s.checksum_err, n / 4);
    assert_eq!(s.packet_len_err, n / 4);
    assert_eq!(s.addr_list_err, n / 4);
    check_rate(&lines);
    // First of each reason in 1.3.5's words, with its "bogus" and "Dropping" lines.
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        &texts[..3],
        [
            "(VI_1): received an invalid passwd!",
            "bogus VRRP packet received on enp11s0f0 !!!",
            "VRRP_Instance(VI_1) Dropping received VRRP packet...",
        ]
    );
    // 4 reasons x 3 lines, then one line per reason a second: well under 100 lines.
    assert!(lines.len() <= 4 * 3 + 4 * 10, "{} lines", lines.len());
    assert!(texts.contains(&"(VI_1): received an invalid passwd! (2499 similar not logged)"));
    // The summary comes QUIET (2 s) after the last bad packet, from the timer.
    let last = from + Duration::from_micros((n - 1) * 100);
    let tail = run_timers(&mut e, last + ms(2500));
    let summary: Vec<(Duration, String)> = tail
        .iter()
        .flat_map(|(t, o)| texts_of(o).into_iter().map(move |l| (*t, l)))
        .filter(|(_, l)| l.contains("dropped"))
        .collect();
    assert_eq!(
        summary,
        vec![(
            last + ms(2000),
            "VRRP_Instance(VI_1) 100000 adverts dropped in 10 s: 25000 too short, \
             25000 bad password, 25000 wrong address count, 25000 bad checksum"
                .to_string()
        )]
    );
    // Afterwards a single bad packet logs exactly as 1.3.5 again.
    let outs = feed(&mut e, &bad_adverts()[0], last + ms(3000));
    assert_eq!(
        texts_of_all(&outs),
        vec![
            "(VI_1): received an invalid passwd!",
            "bogus VRRP packet received on enp11s0f0 !!!",
            "VRRP_Instance(VI_1) Dropping received VRRP packet...",
        ]
    );
}

#[test]
fn backup_stays_backup_and_shutdown_flushes_the_summary() {
    let mut e = backup_b();
    let lines = flood(&mut e, ms(500), 1000, 5000); // 5 s at 1 k/s
    assert_eq!(e.state(ID), State::Backup);
    check_rate(&lines);
    assert_eq!(e.stats(ID).advert_rcvd, 5000);
    assert!(lines
        .iter()
        .any(|(_, l)| l == "VRRP_Instance(VI_1) ignoring received advertisment..."));
    // Stopped before the quiet period ended: the summary is logged at shutdown.
    let outs = e.handle(Input::Shutdown, ms(5600));
    let t = texts_of_all(&outs);
    assert_eq!(
        t.first().map(String::as_str),
        Some(
            "VRRP_Instance(VI_1) 5000 adverts dropped in 5 s: 1250 too short, \
             1250 bad password, 1250 wrong address count, 1250 bad checksum"
        )
    );
}

fn texts_of(o: &vrrp_engine::Output) -> Vec<String> {
    texts(std::slice::from_ref(o))
}

fn texts_of_all(outs: &[vrrp_engine::Output]) -> Vec<String> {
    texts(outs)
}
