//! Shared by the probe tests: a fresh network namespace per test (loopback up; the host's
//! interfaces are never touched), entered by a thread that runs the test on a current-thread
//! runtime. Under `CI=true` a namespace that cannot be created fails the test.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use netns_support::{is_root, lock_lab, unavailable, Netns};

/// The probes' timeout in these tests.
pub const T: Duration = Duration::from_secs(1);
/// Scheduling slack allowed past a timeout on a loaded machine.
pub const SLACK: Duration = Duration::from_secs(1);

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A number no other call in this test binary gets (unique namespace and file names).
#[allow(dead_code)] // not every test binary names files
pub fn next_seq() -> usize {
    SEQ.fetch_add(1, Ordering::Relaxed)
}

/// Run `f` on a current-thread runtime inside a fresh namespace (loopback up, `setup` applied).
pub fn with_ns<F, Fut, R>(tag: &str, setup: impl FnOnce(&Netns), f: F) -> Option<R>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = R>,
    R: Send + 'static,
{
    let _lock = lock_lab();
    if !is_root() {
        return unavailable("namespaces need root");
    }
    let name = format!("kp-{tag}-{}-{}", std::process::id(), next_seq());
    let ns = match Netns::add_with_lo(&name) {
        Ok(ns) => ns,
        Err(e) => return unavailable(&e),
    };
    setup(&ns);
    let h = ns.spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(f())
    });
    Some(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
}
