//! The bounded queue between the socket reader tasks and the engine loop.
//!
//! A host flooding a VRID must not grow our memory or starve the protocol timers: the queue
//! holds at most [`capacity_for`] the configured instances; when it is full, a packet is dropped
//! and counted. The
//! packet buffers are recycled, so a steady flow of packets allocates nothing.
//! Everything runs on the daemon's single-threaded runtime, hence `Rc`/`RefCell`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::rc::Rc;

use tokio::sync::Notify;
use vrrp_engine::Family;

/// Smallest queue: packets waiting for the engine. The loop handles them in a few µs each, so a
/// full queue is about a millisecond of work; anything beyond is a flood we cannot keep up with.
pub const MIN_CAPACITY: usize = 256;

/// Queue slots per configured instance. Every MASTER on the LAN sends its adverts at the same
/// instant of each interval (keepalived's peers do too), so a BACKUP of N instances receives N
/// packets in one burst; with room for two bursts, legitimate traffic is never dropped however
/// many instances there are (the 1,000-instance bench dropped 744 of 1,000 adverts a second at a
/// fixed 256 and its instances flapped).
pub const SLOTS_PER_INSTANCE: usize = 2;

/// The queue size for `instances` configured VRRP instances.
pub fn capacity_for(instances: usize) -> usize {
    instances
        .saturating_mul(SLOTS_PER_INSTANCE)
        .max(MIN_CAPACITY)
}

/// One packet read by a socket task.
pub struct RxMsg {
    /// Interface it arrived on.
    pub interface: Rc<str>,
    /// Family of the socket.
    pub family: Family,
    /// The bytes (a recycled buffer: give it back with [`RxQueue::recycle`]).
    pub data: Vec<u8>,
    /// IPv6: source address from recvmsg.
    pub src: Option<IpAddr>,
    /// IPv6: hop limit.
    pub hop_limit: Option<u8>,
}

#[derive(Default)]
struct Inner {
    capacity: usize,
    queue: VecDeque<RxMsg>,
    free: Vec<Vec<u8>>,
    dropped: u64,
}

/// Both ends of the queue (cheap to clone; all clones share it).
#[derive(Clone, Default)]
pub struct RxQueue {
    inner: Rc<RefCell<Inner>>,
    ready: Rc<Notify>,
}

impl RxQueue {
    /// An empty queue holding at most `capacity` packets.
    pub fn new(capacity: usize) -> RxQueue {
        let q = RxQueue::default();
        q.set_capacity(capacity);
        q
    }

    /// Changes the limit (on reload, when the number of instances changed). Packets already
    /// queued beyond a smaller limit stay and are handled.
    pub fn set_capacity(&self, capacity: usize) {
        let mut q = self.inner.borrow_mut();
        q.capacity = capacity;
        let want = capacity.saturating_sub(q.queue.len());
        q.queue.reserve(want);
    }

    /// The current limit.
    pub fn capacity(&self) -> usize {
        self.inner.borrow().capacity
    }

    /// Queues a copy of `bytes`, or drops and counts it when the queue is full.
    pub fn push(
        &self,
        interface: &Rc<str>,
        family: Family,
        bytes: &[u8],
        src: Option<IpAddr>,
        hop_limit: Option<u8>,
    ) {
        let mut q = self.inner.borrow_mut();
        if q.queue.len() >= q.capacity {
            q.dropped += 1;
            return;
        }
        let mut data = q.free.pop().unwrap_or_default();
        data.clear();
        data.extend_from_slice(bytes);
        // Only the first packet of a batch wakes the consumer: it drains the queue until it is
        // empty before it waits again ([`RxQueue::readable`] checks first), so a wake per
        // packet (Notify takes a lock each time) would be pure cost.
        let was_empty = q.queue.is_empty();
        q.queue.push_back(RxMsg {
            interface: interface.clone(),
            family,
            data,
            src,
            hop_limit,
        });
        drop(q);
        if was_empty {
            self.ready.notify_one();
        }
    }

    /// The oldest queued packet.
    pub fn pop(&self) -> Option<RxMsg> {
        self.inner.borrow_mut().queue.pop_front()
    }

    /// Returns a packet's buffer for reuse.
    pub fn recycle(&self, mut data: Vec<u8>) {
        let mut q = self.inner.borrow_mut();
        // Keep at most a queue's worth, and never an oversized buffer for long.
        if q.free.len() < q.capacity && data.capacity() <= MAX_KEPT {
            data.clear();
            q.free.push(data);
        }
    }

    /// Waits until a packet is queued (returns at once if one is).
    pub async fn readable(&self) {
        loop {
            if !self.inner.borrow().queue.is_empty() {
                return;
            }
            self.ready.notified().await;
        }
    }

    /// Packets dropped because the queue was full, since start.
    pub fn dropped(&self) -> u64 {
        self.inner.borrow().dropped
    }
}

/// Largest buffer kept for reuse: an Ethernet-MTU packet (VRRP adverts are far smaller).
const MAX_KEPT: usize = 1536;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_queue_drops_and_counts_and_buffers_are_reused() {
        let q = RxQueue::new(MIN_CAPACITY);
        let ifname: Rc<str> = Rc::from("eth0");
        for i in 0..MIN_CAPACITY + 10 {
            q.push(&ifname, Family::V4, &[i as u8; 40], None, None);
        }
        assert_eq!(q.dropped(), 10);
        let first = q.pop().unwrap();
        assert_eq!(first.data, vec![0u8; 40]);
        let ptr = first.data.as_ptr();
        q.recycle(first.data);
        // Room again: the next packet goes in, into the recycled buffer.
        q.push(&ifname, Family::V4, &[7; 30], None, None);
        assert_eq!(q.dropped(), 10);
        let mut last = None;
        while let Some(m) = q.pop() {
            last = Some(m);
        }
        let last = last.unwrap();
        assert_eq!(last.data, vec![7u8; 30]);
        assert_eq!(last.data.as_ptr(), ptr);
    }

    #[test]
    fn capacity_grows_with_the_instances_and_follows_a_reload() {
        assert_eq!(capacity_for(0), MIN_CAPACITY);
        assert_eq!(capacity_for(1), MIN_CAPACITY);
        assert_eq!(capacity_for(1000), 2000);
        let q = RxQueue::new(capacity_for(1000));
        let ifname: Rc<str> = Rc::from("eth0");
        // One burst of 1,000 adverts fits, a second one too.
        for i in 0..2000u32 {
            q.push(&ifname, Family::V4, &i.to_be_bytes(), None, None);
        }
        assert_eq!(q.dropped(), 0);
        q.push(&ifname, Family::V4, &[0], None, None);
        assert_eq!(q.dropped(), 1);
        q.set_capacity(MIN_CAPACITY);
        assert_eq!(q.capacity(), MIN_CAPACITY);
        q.push(&ifname, Family::V4, &[0], None, None);
        assert_eq!(q.dropped(), 2);
    }

    /// A current-thread runtime, an empty queue and an interface name for it.
    fn queue_and_runtime() -> (tokio::runtime::Runtime, RxQueue, Rc<str>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (rt, RxQueue::new(MIN_CAPACITY), Rc::from("eth0"))
    }

    #[test]
    fn readable_waits_for_a_packet() {
        let (rt, q, ifname) = queue_and_runtime();
        rt.block_on(async {
            let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), q.readable());
            assert!(waiting.await.is_err(), "empty queue is not readable");
            q.push(&ifname, Family::V4, &[1], None, None);
            tokio::time::timeout(std::time::Duration::from_secs(1), q.readable())
                .await
                .unwrap();
        });
    }

    #[test]
    fn a_consumer_that_drained_the_queue_is_woken_by_the_next_packet() {
        // Only a push into an empty queue notifies: a consumer that waits again after
        // draining must still see the next packet, and a backlog never needs a notification.
        let (rt, q, ifname) = queue_and_runtime();
        let wait = std::time::Duration::from_secs(1);
        rt.block_on(async {
            for round in 0..3u8 {
                for i in 0..5 {
                    q.push(&ifname, Family::V4, &[round, i], None, None);
                }
                tokio::time::timeout(wait, q.readable()).await.unwrap();
                let mut got = 0;
                while let Some(m) = q.pop() {
                    assert_eq!(m.data, vec![round, got]);
                    q.recycle(m.data);
                    got += 1;
                    // A backlog stays readable without another notification.
                    if got < 5 {
                        tokio::time::timeout(wait, q.readable()).await.unwrap();
                    }
                }
                assert_eq!(got, 5);
                let idle = tokio::time::timeout(std::time::Duration::from_millis(20), q.readable());
                assert!(idle.await.is_err(), "a drained queue is not readable");
            }
        });
    }
}
