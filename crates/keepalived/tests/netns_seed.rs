//! Issue 4 scenarios 1–6 with our daemon on both nodes, using examples/seed/*.conf.
//!
//! Needs root and network namespaces: skipped with a message elsewhere, a failure under CI=true.
//! The same sequence with keepalived 2.2.7 on both nodes is in netns_reference.rs.

mod lab;

use lab::{Impl, Lab};

#[test]
fn seed_scenarios_ours_on_both_nodes() {
    let Some(mut lab) = Lab::new("oo", Impl::Ours, Impl::Ours) else {
        return;
    };
    lab::scenarios::run(&mut lab);
}
