//! The bounded queue between the socket reader tasks and the engine loop.
//!
//! A host flooding a VRID must not grow our memory or starve the protocol timers: the queue
//! holds at most [`CAPACITY`] packets; when it is full, a packet is dropped and counted. The
//! packet buffers are recycled, so a steady flow of packets allocates nothing.
//! Everything runs on the daemon's single-threaded runtime, hence `Rc`/`RefCell`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::rc::Rc;

use tokio::sync::Notify;
use vrrp_engine::Family;

/// Packets waiting for the engine. The loop handles them in a few µs each, so a full queue
/// is about a millisecond of work; anything beyond is a flood we cannot keep up with.
pub const CAPACITY: usize = 256;

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
    /// An empty queue.
    pub fn new() -> RxQueue {
        let q = RxQueue::default();
        q.inner.borrow_mut().queue.reserve(CAPACITY);
        q
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
        if q.queue.len() >= CAPACITY {
            q.dropped += 1;
            return;
        }
        let mut data = q.free.pop().unwrap_or_default();
        data.clear();
        data.extend_from_slice(bytes);
        q.queue.push_back(RxMsg {
            interface: interface.clone(),
            family,
            data,
            src,
            hop_limit,
        });
        drop(q);
        self.ready.notify_one();
    }

    /// The oldest queued packet.
    pub fn pop(&self) -> Option<RxMsg> {
        self.inner.borrow_mut().queue.pop_front()
    }

    /// Returns a packet's buffer for reuse.
    pub fn recycle(&self, mut data: Vec<u8>) {
        let mut q = self.inner.borrow_mut();
        // Keep at most a queue's worth, and never an oversized buffer for long.
        if q.free.len() < CAPACITY && data.capacity() <= MAX_KEPT {
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
        let q = RxQueue::new();
        let ifname: Rc<str> = Rc::from("eth0");
        for i in 0..CAPACITY + 10 {
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
    fn readable_waits_for_a_packet() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let q = RxQueue::new();
        let ifname: Rc<str> = Rc::from("eth0");
        rt.block_on(async {
            let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), q.readable());
            assert!(waiting.await.is_err(), "empty queue is not readable");
            q.push(&ifname, Family::V4, &[1], None, None);
            tokio::time::timeout(std::time::Duration::from_secs(1), q.readable())
                .await
                .unwrap();
        });
    }
}
