//! Write the benchmark config (same text as benches/parse.rs) to stdout:
//! `cargo run -p keepalived-conf --example gen_big -- 16320 > big.conf`.
use std::fmt::Write;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(16_320);
    let mut s = String::with_capacity(n * 260);
    s.push_str("global_defs {\n    router_id bench\n}\n");
    for k in 0..n {
        let (ifi, vrid) = (k / 255, k % 255 + 1);
        let _ = write!(
            s,
            "vrrp_instance VI_{ifi}_{vrid} {{\n    state BACKUP\n    interface veth{ifi}\n    virtual_router_id {vrid}\n    priority {}\n    advert_int 1\n    authentication {{\n        auth_type PASS\n        auth_pass 1111\n    }}\n    virtual_ipaddress {{\n        10.{ifi}.{vrid}.1/24\n    }}\n}}\n",
            50 + vrid % 200
        );
    }
    print!("{s}");
}
