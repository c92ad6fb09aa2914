//! Harness validation: the seed scenarios with keepalived 2.2.7 on both nodes.
//!
//! This pins down what the lab measures for the reference implementation (VIP timings from
//! `ip monitor`, adverts and GARPs from the bridge capture), so the same scenarios run against
//! our daemon (netns_seed.rs, netns_interop.rs) compare like with like.
//! Needs root and network namespaces: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use lab::{Impl, Lab};

#[test]
fn seed_scenarios_keepalived_on_both_nodes() {
    let Some(mut lab) = Lab::new("kk", Impl::Keepalived, Impl::Keepalived) else {
        return;
    };
    lab::scenarios::run(&mut lab);
}
