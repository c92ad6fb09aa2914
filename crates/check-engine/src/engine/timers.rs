//! Checker deadlines: a min-heap of (deadline, checker id) with lazy deletion. Each
//! checker has at most one live entry (its `deadline` field matches it); stale entries
//! (checker removed by a reload) are skipped when they reach the top.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

/// 1.3.5's `BOOTSTRAP_DELAY`: the first probe of every checker waits this long plus
/// its warmup offset.
pub(crate) const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// Shortest delay the engine schedules, so a zero `delay_loop` cannot spin.
pub(crate) const MIN_DELAY: Duration = Duration::from_millis(1);

#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Duration, u32)>>,
}

impl Timers {
    pub(crate) fn push(&mut self, at: Duration, id: u32) {
        self.heap.push(Reverse((at, id)));
    }

    /// Earliest entry, live or stale.
    pub(crate) fn peek(&self) -> Option<(Duration, u32)> {
        self.heap.peek().map(|Reverse(e)| *e)
    }

    /// Removes the earliest entry if it is due at `now`.
    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<(Duration, u32)> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => self.heap.pop().map(|Reverse(e)| e),
            _ => None,
        }
    }

    pub(crate) fn pop(&mut self) {
        self.heap.pop();
    }

    pub(crate) fn clear(&mut self) {
        self.heap.clear();
    }
}

/// `now + d`, with `d` at least [`MIN_DELAY`].
pub(crate) fn after(now: Duration, d: Duration) -> Duration {
    now.saturating_add(d.max(MIN_DELAY))
}

/// Deterministic stand-in for 1.3.5's `warmup * rand() / RAND_MAX`: a fraction of `warmup`
/// in [0, warmup) derived from the checker id (splitmix64), so runs are reproducible
/// while checkers of one real server still spread out.
pub(crate) fn warmup_offset(warmup: Duration, id: u32) -> Duration {
    let mut z = u64::from(id).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let nanos = (warmup.as_nanos().min(u128::from(u64::MAX)) * u128::from(z)) >> 64;
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_offset_is_below_warmup_and_deterministic() {
        let w = Duration::from_secs(10);
        let mut distinct = std::collections::HashSet::new();
        for id in 0..100 {
            let o = warmup_offset(w, id);
            assert!(o < w);
            assert_eq!(o, warmup_offset(w, id));
            distinct.insert(o);
        }
        assert!(distinct.len() > 90, "offsets should spread");
        assert_eq!(warmup_offset(Duration::ZERO, 7), Duration::ZERO);
    }
}
