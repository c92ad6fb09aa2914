//! `keepalived`: keepalived-compatible VRRP daemon (drop-in for keepalived 1.3.5's VRRP side).

mod net;

fn main() {}
