//! Gratuitous ARP / unsolicited NA settings of an instance: its own, else `global_defs`'.

use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::GarpConfig;

/// The GARP settings of `inst`; in strict mode the lower-priority GARPs default to off.
pub(super) fn instance_garp(
    inst: &conf::VrrpInstance,
    g: &conf::GlobalDefs,
    strict: bool,
) -> GarpConfig {
    GarpConfig {
        // keepalived: a per-instance garp_master_delay is at least 1 s.
        master_delay: inst
            .garp_master_delay
            .map(|d| secs(d.max(1)))
            .unwrap_or_else(|| secs(g.garp_master_delay())),
        master_repeat: inst
            .garp_master_repeat
            .unwrap_or_else(|| g.garp_master_repeat())
            .max(1),
        master_refresh: secs(
            inst.garp_master_refresh
                .unwrap_or_else(|| g.garp_master_refresh()),
        ),
        master_refresh_repeat: inst
            .garp_master_refresh_repeat
            .unwrap_or_else(|| g.garp_master_refresh_repeat())
            .max(1),
        lower_prio_delay: secs(inst.garp_lower_prio_delay.unwrap_or_else(|| {
            if strict {
                0
            } else {
                g.garp_lower_prio_delay()
            }
        })),
        lower_prio_repeat: inst.garp_lower_prio_repeat.unwrap_or_else(|| {
            if strict {
                0
            } else {
                g.garp_lower_prio_repeat()
            }
        }),
    }
}

/// Whole seconds as a duration.
fn secs(v: u32) -> Duration {
    Duration::from_secs(u64::from(v))
}
