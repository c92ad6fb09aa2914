//! VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1) with keepalived 1.3.5's rounding.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use crate::config::Version;

/// Next deadline of every instance, with lazy invalidation: re-arming adds a new entry and
/// leaves the old one in place; an entry counts only while it equals the instance's armed
/// deadline. Entries live in one of two places:
/// - the *lane*, a FIFO of entries added in nondecreasing deadline order. That is the common
///   case: every instance of a BACKUP is re-armed for now + the same master-down interval,
///   every instance of a MASTER for its next advert, in the order their packets or timers
///   come. Adding is O(1) and touches one slot at the back, where a heap would sift through
///   ~log2(n) cache lines per advert (the largest single cost of a 1,000-instance BACKUP);
/// - a min-heap, for any deadline earlier than the lane's last one.
///
/// Finding the earliest deadline is O(1) after [`TimerQueue::clean`]. The order of ties is
/// fixed by the order of calls, so runs stay deterministic (callers sort what is due).
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Duration, usize)>>,
    lane: VecDeque<(Duration, usize)>,
    /// The deadline each instance is armed for (the only valid entry for it).
    armed: Vec<Option<Duration>>,
}

impl TimerQueue {
    /// Forgets everything; `n` instances, none armed.
    pub(crate) fn reset(&mut self, n: usize) {
        self.heap.clear();
        self.lane.clear();
        // Room for the most entries each holds before it is compacted: re-arming never
        // allocates.
        self.heap.reserve(Self::limit(n) + 1);
        self.lane.reserve(Self::limit(n) + 1);
        self.armed.clear();
        self.armed.resize(n, None);
    }

    /// Most entries the heap or the lane holds before its stale entries are dropped.
    fn limit(n: usize) -> usize {
        2 * n + 64
    }

    /// Arms instance `i` for `at` (or disarms it).
    pub(crate) fn set(&mut self, i: usize, at: Option<Duration>) {
        let Some(slot) = self.armed.get_mut(i) else {
            return;
        };
        if *slot == at {
            return;
        }
        *slot = at;
        let Some(d) = at else {
            // The old entry goes stale where it is.
            return;
        };
        let limit = Self::limit(self.armed.len());
        if self.lane.back().is_none_or(|&(last, _)| last <= d) {
            self.lane.push_back((d, i));
            // Stale entries pile up behind a live front when timers are re-armed faster than
            // they expire (a BACKUP hearing a flood): drop them once they outnumber the live.
            if self.lane.len() > limit {
                let armed = &self.armed;
                self.lane.retain(|e| is_live(armed, e));
            }
        } else {
            self.heap.push(Reverse((d, i)));
            if self.heap.len() > limit {
                let armed = &self.armed;
                self.heap.retain(|Reverse(e)| is_live(armed, e));
            }
        }
    }

    /// Drops stale entries from the fronts so that [`TimerQueue::earliest`] is exact.
    pub(crate) fn clean(&mut self) {
        while let Some(e) = self.lane.front() {
            if is_live(&self.armed, e) {
                break;
            }
            self.lane.pop_front();
        }
        while let Some(Reverse(e)) = self.heap.peek() {
            if is_live(&self.armed, e) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Earliest armed deadline (after [`TimerQueue::clean`]).
    pub(crate) fn earliest(&self) -> Option<Duration> {
        let lane = self.lane.front().map(|&(d, _)| d);
        let heap = self.heap.peek().map(|Reverse((d, _))| *d);
        match (lane, heap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Appends the instances due at `now` to `due` (unsorted, possibly repeated) and
    /// disarms them; the caller re-arms each after running its timers.
    pub(crate) fn pop_due(&mut self, now: Duration, due: &mut Vec<usize>) {
        while let Some(&(d, i)) = self.lane.front() {
            if d > now {
                break;
            }
            self.lane.pop_front();
            self.take_if_live(d, i, due);
        }
        while let Some(&Reverse((d, i))) = self.heap.peek() {
            if d > now {
                break;
            }
            self.heap.pop();
            self.take_if_live(d, i, due);
        }
    }

    fn take_if_live(&mut self, d: Duration, i: usize, due: &mut Vec<usize>) {
        if is_live(&self.armed, &(d, i)) {
            self.armed[i] = None;
            due.push(i);
        }
    }
}

/// Whether entry `(d, i)` is instance `i`'s armed deadline (the one entry that counts).
fn is_live(armed: &[Option<Duration>], &(d, i): &(Duration, usize)) -> bool {
    armed.get(i) == Some(&Some(d))
}

/// Skew_Time. keepalived 1.3.5 computes it from the *base* priority; in v2 it ignores
/// `advert_int` (always `(256 − prio)/256` s), in v3 it scales with the configured
/// interval: `(256 − prio) × (adver_int/10 ms) × 625/16` µs.
pub fn skew_time(version: Version, base_priority: u8, advert_int: Duration) -> Duration {
    let p = 256 - u64::from(base_priority);
    match version {
        Version::V2 => Duration::from_micros(p * 1_000_000 / 256),
        Version::V3 => {
            let centis = advert_int.as_micros() as u64 / 10_000;
            Duration::from_micros(p * centis * 625 / 16)
        }
    }
}

/// Master_Down_Interval = 3 × advert interval + skew.
pub fn master_down_interval(
    version: Version,
    base_priority: u8,
    advert_int: Duration,
    master_advert_int: Duration,
) -> Duration {
    master_advert_int * 3 + skew_time(version, base_priority, advert_int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_skew_ignores_interval() {
        // RFC 3768 §6.1 Skew_Time = (256 − Priority)/256 s.
        let a = skew_time(Version::V2, 100, Duration::from_secs(1));
        let b = skew_time(Version::V2, 100, Duration::from_secs(5));
        assert_eq!(a, Duration::from_micros(609_375));
        assert_eq!(a, b);
    }

    #[test]
    fn v3_skew_scales() {
        // RFC 5798 §6.1: ((256 − Priority) × Master_Adver_Interval)/256.
        let s = skew_time(Version::V3, 100, Duration::from_secs(1));
        assert_eq!(s, Duration::from_micros(609_375));
        let s = skew_time(Version::V3, 100, Duration::from_millis(500));
        assert_eq!(s, Duration::from_micros(304_687));
    }

    #[test]
    fn master_down() {
        let d = master_down_interval(
            Version::V2,
            90,
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        assert_eq!(d, Duration::from_micros(3_648_437));
    }
}

#[cfg(test)]
mod queue_tests {
    use super::*;

    #[test]
    fn earliest_skips_stale_entries_and_pops_what_is_due() {
        let s = Duration::from_secs;
        let mut q = TimerQueue::default();
        q.reset(3);
        q.set(2, Some(s(5)));
        q.set(1, Some(s(5)));
        q.set(0, Some(s(1)));
        // Re-armed later: the entry at 1 s is stale now.
        q.set(0, Some(s(9)));
        q.clean();
        assert_eq!(q.earliest(), Some(s(5)));
        let mut due = Vec::new();
        q.pop_due(s(6), &mut due);
        due.sort_unstable();
        assert_eq!(due, vec![1, 2]);
        q.clean();
        assert_eq!(q.earliest(), Some(s(9)));
    }

    #[test]
    fn rearming_often_does_not_grow_the_heap_without_bound() {
        let mut q = TimerQueue::default();
        q.reset(1);
        for k in 1..10_000u64 {
            q.set(0, Some(Duration::from_millis(k)));
        }
        assert!(q.lane.len() <= 2 + 64 + 1, "{}", q.lane.len());
        q.clean();
        assert_eq!(q.earliest(), Some(Duration::from_millis(9_999)));
        // Re-armed earlier and earlier: the heap's turn, bounded too.
        for k in (1..10_000u64).rev() {
            q.set(0, Some(Duration::from_millis(k)));
        }
        assert!(q.heap.len() <= 2 + 64 + 1, "{}", q.heap.len());
        q.clean();
        assert_eq!(q.earliest(), Some(Duration::from_millis(1)));
    }

    #[test]
    fn agrees_with_a_scan_of_the_armed_deadlines() {
        // Random re-arms, disarms and expiries, in and out of order: the queue's earliest
        // deadline and what it pops must be what a scan of every instance finds.
        let n = 37;
        let mut q = TimerQueue::default();
        q.reset(n);
        let mut model: Vec<Option<Duration>> = vec![None; n];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        let mut now = Duration::ZERO;
        for _ in 0..20_000 {
            match rand(10) {
                0 => {
                    now += Duration::from_millis(rand(400));
                    let mut due = Vec::new();
                    q.pop_due(now, &mut due);
                    due.sort_unstable();
                    let mut want: Vec<usize> = (0..n)
                        .filter(|&i| model[i].is_some_and(|d| d <= now))
                        .collect();
                    want.sort_unstable();
                    assert_eq!(due, want);
                    for i in want {
                        model[i] = None;
                    }
                }
                1 => {
                    let i = rand(n as u64) as usize;
                    q.set(i, None);
                    model[i] = None;
                }
                k => {
                    let i = rand(n as u64) as usize;
                    // Mostly later than everything (the lane), sometimes earlier (the heap).
                    let ahead = if k < 8 {
                        3_000 + rand(700)
                    } else {
                        rand(2_000)
                    };
                    let d = now + Duration::from_millis(ahead);
                    q.set(i, Some(d));
                    model[i] = Some(d);
                }
            }
            q.clean();
            assert_eq!(q.earliest(), model.iter().flatten().min().copied());
        }
    }
}
