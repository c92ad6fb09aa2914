//! Gratuitous ARP / unsolicited NA settings of an instance: its own, else `global_defs`'.

use std::time::Duration;

use keepalived_conf as conf;
use vrrp_engine::{GarpConfig, GarpIntervals, GarpPacing, LogLine};

use super::{info, Interfaces};

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

/// Per-interface GARP/NA pacing as keepalived 1.3.5 sets it up (`garp_group` in
/// `vrrp_parser.c`, `set_default_garp_delay` in `vrrp_if.c`), with 1.3.5's log lines.
///
/// - A `garp_group`'s `garp_interval` is read in **whole seconds**: 1.3.5 truncates the value
///   before scaling it (`garp_interval 0.5` is 0, no delay; fixed only in 1.4.2). Its
///   `gna_interval` and the global keywords keep their fractions.
/// - An interface a `garp_group` names keeps that group's intervals, even a kind the group
///   leaves unset; only interfaces no group names take the global `vrrp_garp_interval` /
///   `vrrp_gna_interval`, and only when one of them is non-zero.
/// - Interfaces that do not exist now, or that an earlier group already named, are ignored.
pub(super) fn garp_pacing(
    cfg: &conf::Config,
    ifs: &Interfaces,
    msgs: &mut Vec<LogLine>,
) -> GarpPacing {
    let mut interfaces: Vec<(String, GarpIntervals)> = Vec::new();
    for group in &cfg.garp_groups {
        let garp = group.garp_interval.map(|v| {
            let whole = v.trunc();
            if whole != v {
                info(
                    msgs,
                    format!(
                        "garp_group garp_interval {v} is taken as {whole} seconds (keepalived 1.3.5 reads whole seconds only)"
                    ),
                );
            }
            if whole >= 1.0 {
                info(msgs, format!("The garp_interval is very large - {v} seconds"));
            }
            seconds_f64(whole)
        });
        let gna = group.gna_interval.map(|v| {
            if v >= 1.0 {
                info(
                    msgs,
                    format!("The gna_interval is very large - {v} seconds"),
                );
            }
            seconds_f64(v)
        });
        for name in &group.interfaces {
            let name = &name.name;
            if !ifs.contains_key(name) {
                info(
                    msgs,
                    format!("Unknown interface {name} specified for garp_group - ignoring"),
                );
            } else if ifs.get(name).is_some_and(|i| i.vmac_base.is_some()) {
                // A VMAC's gratuitous ARPs are paced by its base interface's settings.
                info(
                    msgs,
                    format!("Cannot specify garp_delay on a vmac ({name}) - ignoring"),
                );
            } else if interfaces.iter().any(|(n, _)| n == name) {
                info(
                    msgs,
                    format!("garp_group already specified for {name} - ignoring"),
                );
            } else {
                interfaces.push((name.clone(), GarpIntervals { garp, gna }));
            }
        }
    }
    let g = &cfg.global_defs;
    let nonzero = |v: Option<f64>| v.filter(|s| *s > 0.0).map(seconds_f64);
    let default = GarpIntervals {
        garp: nonzero(g.vrrp_garp_interval),
        gna: nonzero(g.vrrp_gna_interval),
    };
    GarpPacing {
        interfaces,
        default: (default.garp.is_some() || default.gna.is_some()).then_some(default),
    }
}

/// VMACs take their base interface's `garp_group` intervals (1.3.5 paces a VIP's frames by
/// the base interface of its interface, `IF_BASE_IFP`).
pub(super) fn vmac_pacing(pacing: &mut GarpPacing, vmacs: &[super::VmacSpec]) {
    for v in vmacs {
        let base = pacing
            .interfaces
            .iter()
            .find(|(n, _)| *n == v.base)
            .map(|(_, i)| *i);
        if let Some(i) = base {
            if !pacing.interfaces.iter().any(|(n, _)| *n == v.name) {
                pacing.interfaces.push((v.name.clone(), i));
            }
        }
    }
}

/// Fractional seconds as a duration, in keepalived's microseconds (negative or absurd values,
/// which the parser already refuses, give zero).
fn seconds_f64(v: f64) -> Duration {
    let us = (v * 1e6).trunc();
    if us.is_finite() && us > 0.0 && us < 1e15 {
        Duration::from_micros(us as u64)
    } else {
        Duration::ZERO
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
    fn vmac_takes_its_base_interface_pacing() {
        let i = GarpIntervals {
            garp: Some(Duration::from_secs(1)),
            gna: None,
        };
        let mut p = GarpPacing {
            interfaces: vec![("eth0".into(), i)],
            default: None,
        };
        let spec = |name: &str, base: &str| super::super::VmacSpec {
            instance: "VI_1".into(),
            name: name.into(),
            base: base.into(),
            mac: [0, 0, 0x5e, 0, 1, 51],
            family: vrrp_engine::Family::V4,
            ipv6_evips: false,
            xmit_base: false,
            link_local: None,
            exists: false,
            replace: false,
        };
        vmac_pacing(&mut p, &[spec("vrrp.51", "eth0"), spec("vrrp.52", "eth1")]);
        assert_eq!(
            p.interfaces,
            vec![("eth0".to_string(), i), ("vrrp.51".to_string(), i)]
        );
    }

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

    fn group(garp: Option<f64>, gna: Option<f64>, names: &[&str]) -> conf::GarpGroup {
        conf::GarpGroup {
            garp_interval: garp,
            gna_interval: gna,
            interfaces: names
                .iter()
                .map(|n| conf::Name {
                    name: n.to_string(),
                    span: conf::Span::default(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn garp_groups_and_global_intervals() {
        let mut cfg = conf::Config::default();
        cfg.global_defs.vrrp_garp_interval = Some(0.002);
        cfg.global_defs.vrrp_gna_interval = Some(0.0);
        cfg.garp_groups = vec![
            group(Some(1.5), Some(0.25), &["eth0", "nope9"]),
            group(None, None, &["eth0"]),
        ];
        let mut msgs = Vec::new();
        let p = garp_pacing(&cfg, &crate::convert::test_util::ifs(), &mut msgs);
        assert_eq!(
            p.interfaces,
            vec![(
                "eth0".to_string(),
                GarpIntervals {
                    garp: Some(Duration::from_secs(1)),
                    gna: Some(Duration::from_millis(250)),
                }
            )]
        );
        assert_eq!(
            p.default,
            Some(GarpIntervals {
                garp: Some(Duration::from_micros(2000)),
                gna: None,
            })
        );
        assert_eq!(
            crate::convert::test_util::texts(&msgs),
            vec![
                "garp_group garp_interval 1.5 is taken as 1 seconds (keepalived 1.3.5 reads whole seconds only)",
                "The garp_interval is very large - 1.5 seconds",
                "Unknown interface nope9 specified for garp_group - ignoring",
                "garp_group already specified for eth0 - ignoring",
            ]
        );
    }

    #[test]
    fn fractional_group_garp_interval_is_zero_as_in_1_3_5() {
        let cfg = conf::Config {
            garp_groups: vec![group(Some(0.5), None, &["eth1"])],
            ..Default::default()
        };
        let mut msgs = Vec::new();
        let p = garp_pacing(&cfg, &crate::convert::test_util::ifs(), &mut msgs);
        // Named by a group: no global default for eth1, and a zero interval never delays.
        assert_eq!(
            p.interfaces,
            vec![(
                "eth1".to_string(),
                GarpIntervals {
                    garp: Some(Duration::ZERO),
                    gna: None,
                }
            )]
        );
        assert_eq!(p.default, None);
        // Zero global intervals (the stock EL7 file) pace nothing.
        let mut cfg = conf::Config::default();
        cfg.global_defs.vrrp_garp_interval = Some(0.0);
        cfg.global_defs.vrrp_gna_interval = Some(0.0);
        let p = garp_pacing(&cfg, &crate::convert::test_util::ifs(), &mut msgs);
        assert!(!p.is_active());
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
