//! Rate limiting of the log lines of rejected packets, per instance and per reason.
//!
//! keepalived 1.3.5 logs two or three lines for every rejected packet, so a host flooding a
//! VRID with bad adverts makes the daemon spend its time logging (and fills the disk). Here:
//! * the first rejection of a reason in an episode is logged exactly as 1.3.5 logs it;
//! * while the reason repeats, at most one line per [`REPEAT_INTERVAL`] (the reason line with
//!   the number of similar packets suppressed since the previous one);
//! * an episode ends after [`QUIET`] without any rejection for the instance; if anything was
//!   suppressed, one summary line then gives the counts by reason.
//!
//! A single bad packet, or a few of different reasons, therefore logs exactly as before.
//! The counters ([`super::InstanceStats`]) count every packet regardless.

use std::time::Duration;

use super::validate::RejectReason;

/// Minimum time between two lines of the same reason while it repeats.
pub const REPEAT_INTERVAL: Duration = Duration::from_secs(1);

/// Time without any rejection after which an episode ends (and its summary is logged).
/// Two repeat intervals, so a steady trickle of one bad packet a second is one episode.
pub const QUIET: Duration = Duration::from_secs(2);

/// Reasons, grouped as the summary line reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    TooShort,
    Ttl,
    Version,
    Type,
    AuthTypeInvalid,
    AuthTypeMismatch,
    Password,
    Ah,
    AddrCount,
    Interval,
    Length,
    Checksum,
    VipMissing,
    UnicastSource,
}

const KEYS: usize = 14;

impl Key {
    fn of(r: &RejectReason) -> Key {
        use RejectReason::*;
        match r {
            HeaderTooShort { .. } => Key::TooShort,
            Ttl { .. } => Key::Ttl,
            Version { .. } => Key::Version,
            Type { .. } => Key::Type,
            AuthTypeInvalid { .. } => Key::AuthTypeInvalid,
            AuthTypeMismatch { .. } => Key::AuthTypeMismatch,
            AuthFailure => Key::Password,
            AhFailure | AhSpi { .. } | AhSequence { .. } => Key::Ah,
            AddrCount { .. } => Key::AddrCount,
            AdvertInterval { .. } => Key::Interval,
            IpTotalLen { .. } | Length { .. } => Key::Length,
            Checksum { .. } => Key::Checksum,
            VipMissing { .. } => Key::VipMissing,
            UnicastSource { .. } => Key::UnicastSource,
        }
    }

    const ALL: [Key; KEYS] = [
        Key::TooShort,
        Key::Ttl,
        Key::Version,
        Key::Type,
        Key::AuthTypeInvalid,
        Key::AuthTypeMismatch,
        Key::Password,
        Key::Ah,
        Key::AddrCount,
        Key::Interval,
        Key::Length,
        Key::Checksum,
        Key::VipMissing,
        Key::UnicastSource,
    ];

    fn label(self) -> &'static str {
        match self {
            Key::TooShort => "too short",
            Key::Ttl => "bad TTL",
            Key::Version => "wrong version",
            Key::Type => "wrong type",
            Key::AuthTypeInvalid => "invalid auth type",
            Key::AuthTypeMismatch => "auth type mismatch",
            Key::Password => "bad password",
            Key::Ah => "bad AH",
            Key::AddrCount => "wrong address count",
            Key::Interval => "advert interval mismatch",
            Key::Length => "wrong length",
            Key::Checksum => "bad checksum",
            Key::VipMissing => "VIP missing",
            Key::UnicastSource => "unicast source not a peer",
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PerReason {
    /// Rejections of this reason in the episode.
    count: u64,
    /// When its last line was logged in this episode.
    last_line: Option<Duration>,
    /// Rejections not logged since that line.
    suppressed: u64,
}

/// What to log for one rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Log it as keepalived 1.3.5 does (all its lines).
    Full,
    /// Log the reason line once, noting how many similar packets were not logged.
    Repeat {
        /// Rejections of this reason not logged since its previous line.
        suppressed: u64,
    },
    /// Log nothing (counted for the next line and the summary).
    Quiet,
}

/// Rejection log state of one instance.
#[derive(Debug, Clone, Default)]
pub struct RejectLog {
    /// First and last rejection of the current episode.
    span: Option<(Duration, Duration)>,
    /// Per-reason counts of the current episode; allocated at an episode's first rejection
    /// (most instances never see one: 450 bytes each saved at 1,000 instances).
    reasons: Option<Box<[PerReason; KEYS]>>,
    /// Any rejection of the episode not logged in full.
    limited: bool,
}

impl RejectLog {
    /// Ends the episode if it has been quiet for [`QUIET`] at `now`; returns the summary line
    /// (without the `VRRP_Instance(name) ` prefix) if anything was rate-limited.
    pub fn end_if_quiet(&mut self, now: Duration) -> Option<String> {
        let (_, last) = self.span?;
        if now.saturating_sub(last) < QUIET {
            return None;
        }
        self.end()
    }

    /// Ends the episode now (e.g. at shutdown); summary as for [`RejectLog::end_if_quiet`].
    pub fn end(&mut self) -> Option<String> {
        let (first, last) = self.span.take()?;
        let limited = std::mem::take(&mut self.limited);
        let reasons = self.reasons.take().unwrap_or_default();
        if !limited {
            return None;
        }
        let total: u64 = reasons.iter().map(|r| r.count).sum();
        let mut by: Vec<(u64, Key)> = Key::ALL
            .iter()
            .zip(reasons.iter())
            .filter(|(_, r)| r.count > 0)
            .map(|(k, r)| (r.count, *k))
            .collect();
        // Most frequent first; ties in a fixed order so the line is deterministic.
        by.sort_by_key(|b| std::cmp::Reverse(b.0));
        let list: Vec<String> = by
            .iter()
            .map(|(n, k)| format!("{n} {}", k.label()))
            .collect();
        // Whole seconds, rounded up: a 9.99 s flood reads "in 10 s", a burst "in 1 s".
        let span = last.saturating_sub(first);
        let secs = span.as_millis().div_ceil(1000).max(1);
        Some(format!(
            "{total} adverts dropped in {secs} s: {}",
            list.join(", ")
        ))
    }

    /// Records one rejection at `now` and says what to log for it. Call
    /// [`RejectLog::end_if_quiet`] first, so a new episode starts after a quiet period.
    pub fn record(&mut self, now: Duration, reason: &RejectReason) -> Decision {
        let first = self.span.map_or(now, |(f, _)| f);
        self.span = Some((first, now));
        let Some(r) = Key::ALL
            .iter()
            .position(|k| *k == Key::of(reason))
            .and_then(|i| self.reasons.get_or_insert_with(Box::default).get_mut(i))
        else {
            return Decision::Full;
        };
        r.count += 1;
        let due = r
            .last_line
            .is_none_or(|t| now.saturating_sub(t) >= REPEAT_INTERVAL);
        if !due {
            r.suppressed += 1;
            self.limited = true;
            return Decision::Quiet;
        }
        r.last_line = Some(now);
        match std::mem::take(&mut r.suppressed) {
            0 => Decision::Full,
            n => Decision::Repeat { suppressed: n },
        }
    }

    /// When the summary of the current episode is due, if one will be logged.
    pub fn deadline(&self) -> Option<Duration> {
        match self.span {
            Some((_, last)) if self.limited => Some(last + QUIET),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    const PW: RejectReason = RejectReason::AuthFailure;
    const CK: RejectReason = RejectReason::Checksum { version: 2 };

    #[test]
    fn isolated_rejections_log_in_full_without_summary() {
        let mut l = RejectLog::default();
        assert_eq!(l.end_if_quiet(ms(0)), None);
        assert_eq!(l.record(ms(0), &PW), Decision::Full);
        assert_eq!(l.record(ms(10), &CK), Decision::Full);
        assert_eq!(l.deadline(), None);
        assert_eq!(l.end_if_quiet(ms(5000)), None);
        // A later one starts a new episode and is logged in full again.
        assert_eq!(l.record(ms(6000), &PW), Decision::Full);
        // One a second (a slow trickle) is never suppressed.
        assert_eq!(l.record(ms(7000), &PW), Decision::Full);
        assert_eq!(l.record(ms(8000), &PW), Decision::Full);
        assert_eq!(l.end_if_quiet(ms(20_000)), None);
    }

    #[test]
    fn flood_logs_once_a_second_per_reason_then_one_summary() {
        let mut l = RejectLog::default();
        let mut full = 0;
        let mut repeats = Vec::new();
        // 10 s, one bad password every 0.1 ms and one bad checksum every 0.2 ms.
        for i in 0..100_000u64 {
            let now = Duration::from_micros(i * 100);
            assert_eq!(l.end_if_quiet(now), None);
            for r in [Some(&PW), (i % 2 == 0).then_some(&CK)]
                .into_iter()
                .flatten()
            {
                match l.record(now, r) {
                    Decision::Full => full += 1,
                    Decision::Repeat { suppressed } => repeats.push(suppressed),
                    Decision::Quiet => {}
                }
            }
        }
        assert_eq!(full, 2, "first of each reason in full");
        // Lines at 1 s, 2 s, ... 9 s for each reason.
        assert_eq!(repeats.len(), 18);
        assert!(
            repeats.iter().all(|&n| n == 9_999 || n == 4_999),
            "{repeats:?}"
        );
        let last = Duration::from_micros(99_999 * 100);
        assert_eq!(l.deadline(), Some(last + QUIET));
        assert_eq!(l.end_if_quiet(last + QUIET - ms(1)), None);
        assert_eq!(
            l.end_if_quiet(last + QUIET).as_deref(),
            Some("150000 adverts dropped in 10 s: 100000 bad password, 50000 bad checksum")
        );
        // The episode is over: nothing pending, the next one logs in full.
        assert_eq!(l.deadline(), None);
        assert_eq!(l.end(), None);
        assert_eq!(l.record(last + ms(5000), &PW), Decision::Full);
    }

    #[test]
    fn equal_counts_are_listed_in_a_fixed_order_and_short_bursts_read_one_second() {
        let mut l = RejectLog::default();
        for r in [&CK, &PW, &CK, &PW] {
            l.record(ms(1), r);
        }
        assert_eq!(
            l.end().as_deref(),
            Some("4 adverts dropped in 1 s: 2 bad password, 2 bad checksum")
        );
    }
}
