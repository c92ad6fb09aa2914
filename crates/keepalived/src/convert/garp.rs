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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::test_util::instance;

    #[test]
    fn global_defaults_apply_and_lower_prio_follows_master() {
        let g = conf::GlobalDefs {
            vrrp_garp_master_delay: Some(10),
            vrrp_garp_master_repeat: Some(3),
            vrrp_garp_master_refresh: Some(60),
            ..Default::default()
        };
        assert_eq!(
            instance_garp(&instance(), &g, false),
            GarpConfig {
                master_delay: Duration::from_secs(10),
                master_repeat: 3,
                master_refresh: Duration::from_secs(60),
                master_refresh_repeat: 1,
                lower_prio_delay: Duration::from_secs(10),
                lower_prio_repeat: 3,
            }
        );
    }

    #[test]
    fn instance_settings_win_with_keepalived_minimums() {
        let inst = conf::VrrpInstance {
            garp_master_delay: Some(0),
            garp_master_repeat: Some(0),
            garp_master_refresh_repeat: Some(0),
            garp_lower_prio_delay: Some(2),
            garp_lower_prio_repeat: Some(0),
            ..instance()
        };
        let garp = instance_garp(&inst, &conf::GlobalDefs::default(), false);
        assert_eq!(garp.master_delay, Duration::from_secs(1));
        assert_eq!(garp.master_repeat, 1);
        assert_eq!(garp.master_refresh_repeat, 1);
        assert_eq!(garp.lower_prio_delay, Duration::from_secs(2));
        assert_eq!(garp.lower_prio_repeat, 0);
    }

    #[test]
    fn strict_mode_turns_lower_prio_garps_off_unless_set() {
        let g = conf::GlobalDefs::default();
        let garp = instance_garp(&instance(), &g, true);
        assert_eq!(garp.lower_prio_delay, Duration::ZERO);
        assert_eq!(garp.lower_prio_repeat, 0);
        let inst = conf::VrrpInstance {
            garp_lower_prio_repeat: Some(4),
            ..instance()
        };
        assert_eq!(instance_garp(&inst, &g, true).lower_prio_repeat, 4);
    }
}
