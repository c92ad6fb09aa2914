//! The engine's one deadline as a Linux timerfd in the runtime's epoll set.
//!
//! tokio's timer wheel has 1 ms resolution and files a deadline more than 64 ms away in a
//! coarser level, waking the thread once to move it down before it fires: two wakeups per
//! deadline. With 1,000 instances the engine's deadline is an advert slot every 100 ms, so
//! that doubled the MASTER's wakeups. A timerfd armed for the exact deadline wakes the thread
//! once, at the deadline, with microsecond precision, and costs one `timerfd_settime` only
//! when the deadline changes.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A one-shot CLOCK_MONOTONIC timer.
pub struct EngineTimer {
    fd: AsyncFd<OwnedFd>,
    /// What it is armed for, as given to [`EngineTimer::arm`] (None: disarmed).
    armed: Option<Duration>,
}

impl EngineTimer {
    /// A disarmed timer. Must be called inside a tokio runtime with I/O enabled.
    pub fn new() -> io::Result<EngineTimer> {
        // SAFETY: timerfd_create takes no pointers; the result is checked before use.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: the AsyncFd owns the descriptor from now on; it stays open and unchanged
        // until the AsyncFd drops it.
        let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }?;
        Ok(EngineTimer { fd, armed: None })
    }

    /// Fires `after` from now (at once for zero); `key` identifies the deadline, so re-arming
    /// for the same key is free. `None` disarms.
    pub fn arm(&mut self, key: Option<Duration>, after: Duration) -> io::Result<()> {
        if key == self.armed {
            return Ok(());
        }
        let value = match key {
            // A zero it_value would disarm: the smallest real delay instead.
            Some(_) => after.max(Duration::from_nanos(1)),
            None => Duration::ZERO,
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: value.as_secs() as libc::time_t,
                tv_nsec: value.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: the fd is ours and open; `spec` is a valid itimerspec; old value not wanted.
        let r = unsafe {
            libc::timerfd_settime(
                self.fd.get_ref().as_raw_fd(),
                0,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if r < 0 {
            self.armed = None;
            return Err(io::Error::last_os_error());
        }
        self.armed = key;
        Ok(())
    }

    /// Waits until the armed deadline passes (forever while disarmed); it is then disarmed.
    pub async fn expired(&mut self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut count = [0u8; 8];
            let read = guard.try_io(|fd| {
                // SAFETY: reads at most 8 bytes into the 8-byte buffer from our open fd.
                let n = unsafe {
                    libc::read(
                        fd.get_ref().as_raw_fd(),
                        count.as_mut_ptr().cast(),
                        count.len(),
                    )
                };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            });
            match read {
                Ok(Ok(())) => {
                    self.armed = None;
                    return Ok(());
                }
                Ok(Err(e)) => return Err(e),
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn fires_once_at_the_deadline_and_rearms_for_a_new_one() {
        rt().block_on(async {
            let mut t = EngineTimer::new().unwrap();
            let start = Instant::now();
            t.arm(Some(Duration::from_millis(30)), Duration::from_millis(30))
                .unwrap();
            t.expired().await.unwrap();
            let took = start.elapsed();
            assert!(took >= Duration::from_millis(30), "{took:?}");
            // Same key after expiry: armed again (the key was cleared on expiry).
            t.arm(Some(Duration::from_millis(30)), Duration::from_millis(5))
                .unwrap();
            t.expired().await.unwrap();
        });
    }

    #[test]
    fn disarmed_never_fires() {
        rt().block_on(async {
            let mut t = EngineTimer::new().unwrap();
            t.arm(Some(Duration::from_millis(10)), Duration::from_millis(10))
                .unwrap();
            t.arm(None, Duration::ZERO).unwrap();
            let r = tokio::time::timeout(Duration::from_millis(50), t.expired()).await;
            assert!(r.is_err(), "a disarmed timer fired");
        });
    }

    #[test]
    fn a_zero_delay_fires_at_once() {
        rt().block_on(async {
            let mut t = EngineTimer::new().unwrap();
            t.arm(Some(Duration::ZERO), Duration::ZERO).unwrap();
            tokio::time::timeout(Duration::from_millis(500), t.expired())
                .await
                .expect("did not fire")
                .unwrap();
        });
    }
}
