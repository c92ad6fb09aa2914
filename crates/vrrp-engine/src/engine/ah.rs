//! keepalived's AH sequence counter (1.3.5's `ipsecah_counter`): one per instance, shared
//! by the send path (the number each advert carries) and the receive path (anti-replay),
//! and re-synchronised from the peer's number on some transitions (see `instance.rs`).
//!
//! Sharing one counter is what makes two keepalived nodes agree: a BACKUP's counter follows
//! the MASTER's adverts, so when it takes over its own adverts continue the sequence the
//! other node last accepted.

/// The last sequence number keepalived sends; at it the counter has "cycled".
const SEQ_LAST: u32 = 0xFFFF_FFFE;

/// The counter of one instance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AhCounter {
    /// Last sequence number sent or accepted (0 before any).
    pub seq: u32,
    /// Sending reached [`SEQ_LAST`]: keepalived then leaves MASTER, and resets the counter
    /// the next time it becomes MASTER.
    pub cycled: bool,
}

impl AhCounter {
    /// The sequence number of the next advert: one more than the counter, which stops at
    /// 0xFFFFFFFE (then `cycled` is set and the number repeats).
    pub fn next_tx(&mut self) -> u32 {
        if self.seq >= SEQ_LAST {
            self.cycled = true;
        } else {
            self.seq += 1;
        }
        self.seq
    }

    /// 1.3.5's anti-replay check of an advert carrying `seq`: a number at least the
    /// counter + 1 (wrapping, as 1.3.5 adds in 32 bits) is accepted and becomes the
    /// counter; sync group members (`accept_any`) accept any number. A refused number
    /// returns that counter + 1, which 1.3.5 prints as `Local(…)`.
    ///
    /// Deliberate difference: 1.3.5 keeps the +1 after a refusal, so one duplicated advert
    /// leaves the counter one ahead of the sender for good and every later genuine advert
    /// is refused too (until a mastership change re-synchronises it). Here a refusal leaves
    /// the counter alone, as 2.x does.
    pub fn check_rx(&mut self, seq: u32, accept_any: bool) -> Result<(), u32> {
        let next = self.seq.wrapping_add(1);
        if seq >= next || accept_any {
            self.seq = seq;
            Ok(())
        } else {
            Err(next)
        }
    }

    /// Re-synchronises on a peer's number (MASTER transitions) and clears `cycled`.
    pub fn sync_to(&mut self, seq: u32) {
        self.seq = seq;
        self.cycled = false;
    }

    /// Becoming MASTER after the counter cycled starts it again from 0 (1.3.5's
    /// `vrrp_goto_master`).
    pub fn reset_if_cycled(&mut self) {
        if self.cycled {
            *self = AhCounter::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_from_one_and_stops_at_the_last_number() {
        let mut c = AhCounter::default();
        assert_eq!((c.next_tx(), c.next_tx()), (1, 2));
        c.seq = 0xFFFF_FFFD;
        assert_eq!(c.next_tx(), 0xFFFF_FFFE);
        assert!(!c.cycled);
        assert_eq!(c.next_tx(), 0xFFFF_FFFE);
        assert!(c.cycled);
        c.reset_if_cycled();
        assert_eq!(c, AhCounter::default());
        assert_eq!(c.next_tx(), 1);
    }

    #[test]
    fn receive_accepts_only_increasing_numbers_and_counts_replays() {
        let mut c = AhCounter::default();
        assert_eq!(c.check_rx(1, false), Ok(()));
        assert_eq!(c.check_rx(5, false), Ok(()), "gaps are fine");
        assert_eq!(c.seq, 5);
        // The same number again, or an older one: refused, the counter unchanged.
        assert_eq!(c.check_rx(5, false), Err(6));
        assert_eq!(c.check_rx(3, false), Err(6));
        assert_eq!(c.seq, 5);
        // The sender's next number still passes (1.3.5 would refuse it after a replay).
        assert_eq!(c.check_rx(6, false), Ok(()));
        // At the top of the range 1.3.5's 32-bit +1 wraps to 0: anything passes.
        c.seq = u32::MAX;
        assert_eq!(c.check_rx(0, false), Ok(()));
        // Sync group members take any number.
        assert_eq!(c.check_rx(2, true), Ok(()));
        assert_eq!(c.seq, 2);
    }

    #[test]
    fn a_takeover_continues_the_peers_sequence() {
        // BACKUP follows the MASTER's adverts, then sends the next numbers itself.
        let mut backup = AhCounter::default();
        let mut master = AhCounter::default();
        for _ in 0..10 {
            let s = master.next_tx();
            assert_eq!(backup.check_rx(s, false), Ok(()));
        }
        let first = backup.next_tx();
        assert_eq!(first, 11);
        // The old master (as a BACKUP now) accepts it.
        assert_eq!(master.check_rx(first, false), Ok(()));
    }

    #[test]
    fn sync_clears_cycled() {
        let mut c = AhCounter {
            seq: 0xFFFF_FFFE,
            cycled: true,
        };
        c.sync_to(41);
        assert_eq!(
            c,
            AhCounter {
                seq: 41,
                cycled: false
            }
        );
    }
}
