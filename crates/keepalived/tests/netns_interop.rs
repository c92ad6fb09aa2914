//! Issue 4 scenario 7: interop with keepalived 2.2.7, scenarios 1–6 with our daemon on one node
//! and the real keepalived on the other, in both directions.
//!
//! Needs root and network namespaces: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use lab::{Impl, Lab};

#[test]
fn seed_scenarios_ours_master_keepalived_backup() {
    let Some(mut lab) = Lab::new("ok", Impl::Ours, Impl::Keepalived) else {
        return;
    };
    lab::scenarios::run(&mut lab);
}

#[test]
fn seed_scenarios_keepalived_master_ours_backup() {
    let Some(mut lab) = Lab::new("ko", Impl::Keepalived, Impl::Ours) else {
        return;
    };
    lab::scenarios::run(&mut lab);
}
