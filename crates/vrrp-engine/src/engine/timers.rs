//! VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1) with keepalived 1.3.5's rounding.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use crate::config::Version;

/// Next deadline of every instance, in a min-heap with lazy invalidation: re-arming pushes
/// a new entry and leaves the old one in place; an entry counts only while it equals the
/// instance's armed deadline. Finding the earliest deadline is O(1), re-arming O(log n),
/// and ties pop in instance order, so runs stay deterministic.
#[derive(Debug, Default)]
pub(crate) struct TimerQueue {
    heap: BinaryHeap<Reverse<(Duration, usize)>>,
    /// The deadline each instance is armed for (the only valid heap entry for it).
    armed: Vec<Option<Duration>>,
}

impl TimerQueue {
    /// Forgets everything; `n` instances, none armed.
    pub(crate) fn reset(&mut self, n: usize) {
        self.heap.clear();
        // Room for the most entries it holds before a rebuild: re-arming never allocates.
        self.heap.reserve(2 * n + 65);
        self.armed.clear();
        self.armed.resize(n, None);
    }

    /// Arms instance `i` for `at` (or disarms it).
    pub(crate) fn set(&mut self, i: usize, at: Option<Duration>) {
        let Some(slot) = self.armed.get_mut(i) else {
            return;
        };
        if *slot == at {
            return;
        }
        let before = std::mem::replace(slot, at);
        // The common re-arm of the earliest timer (a lone BACKUP hearing its master): replace
        // the top entry in place, one sift instead of a push now and a pop later.
        if let (Some(old), Some(mut top)) = (before, self.heap.peek_mut()) {
            if top.0 == (old, i) {
                match at {
                    Some(d) => *top = Reverse((d, i)),
                    None => {
                        std::collections::binary_heap::PeekMut::pop(top);
                    }
                }
                return;
            }
        }
        if let Some(d) = at {
            self.heap.push(Reverse((d, i)));
        }
        // Stale entries pile up when timers are re-armed faster than they expire (a BACKUP
        // hearing a flood): rebuild from `armed` once they outnumber the live ones.
        if self.heap.len() > 2 * self.armed.len() + 64 {
            let armed = &self.armed;
            self.heap.clear();
            self.heap.extend(
                armed
                    .iter()
                    .enumerate()
                    .filter_map(|(i, d)| d.map(|d| Reverse((d, i)))),
            );
        }
    }

    /// Drops stale entries from the top so that [`TimerQueue::earliest`] is exact.
    pub(crate) fn clean(&mut self) {
        while let Some(Reverse((d, i))) = self.heap.peek() {
            if self.armed.get(*i) == Some(&Some(*d)) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Earliest armed deadline (after [`TimerQueue::clean`]).
    pub(crate) fn earliest(&self) -> Option<Duration> {
        self.heap.peek().map(|Reverse((d, _))| *d)
    }

    /// Appends the instances due at `now` to `due` (unsorted, possibly repeated) and
    /// disarms them; the caller re-arms each after running its timers.
    pub(crate) fn pop_due(&mut self, now: Duration, due: &mut Vec<usize>) {
        while let Some(&Reverse((d, i))) = self.heap.peek() {
            if d > now {
                break;
            }
            self.heap.pop();
            if let Some(slot) = self.armed.get_mut(i) {
                if *slot == Some(d) {
                    *slot = None;
                    due.push(i);
                }
            }
        }
    }
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
    fn earliest_skips_stale_entries_and_pops_in_instance_order() {
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
        assert!(q.heap.len() <= 2 + 64 + 1, "{}", q.heap.len());
        q.clean();
        assert_eq!(q.earliest(), Some(Duration::from_millis(9_999)));
    }
}
