//! Property tests: render → reparse gives the same AST; arbitrary bytes never panic the parser.

use keepalived_conf::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.:/-]{1,12}"
}

/// Free text for quoted values (no double quote: 1.3.5 has no escape for it).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _./#!{}-]{1,24}"
}

fn v4() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o)))
}

fn vip() -> impl Strategy<Value = VirtualAddress> {
    (
        v4(),
        option::of(0u8..=32),
        option::of(word()),
        option::of(v4()),
        option::of(prop_oneof![Just("global"), Just("link"), Just("host")]),
        option::of(word()),
    )
        .prop_map(
            |(addr, prefix_len, dev, brd, scope, label)| VirtualAddress {
                addr,
                prefix_len,
                dev,
                brd,
                scope: scope.map(str::to_string),
                label,
                span: Span::default(),
            },
        )
}

fn notify() -> impl Strategy<Value = Option<Notify>> {
    option::of((text(), option::of((word(), option::of(word()))))).prop_map(|n| {
        n.map(|(script, ug)| Notify {
            script,
            user: ug.as_ref().map(|(u, _)| u.clone()),
            group: ug.and_then(|(_, g)| g),
            span: Span::default(),
        })
    })
}

fn script() -> impl Strategy<Value = VrrpScript> {
    (
        option::of(text()),
        option::of(1u32..100),
        option::of(0u32..100),
        option::of(-254i32..=254),
        option::of(1u32..10),
        option::of(1u32..10),
        option::of((word(), option::of(word()))),
        any::<bool>(),
    )
        .prop_map(
            |(script, interval, timeout, weight, rise, fall, user, init_fail)| VrrpScript {
                name: String::new(),
                span: Span::default(),
                script,
                interval,
                timeout,
                weight,
                rise,
                fall,
                user: user.map(|(user, group)| UserGroup { user, group }),
                init_fail,
            },
        )
}

fn instance() -> impl Strategy<Value = VrrpInstance> {
    let core = (
        any::<bool>(),
        prop_oneof![Just("eth0"), Just("eth1"), Just("bond0.12")],
        option::of(1u8..=255),
        option::of(1u32..=255),
        option::of((any::<bool>(), "[a-zA-Z0-9]{1,8}")),
        vec(vip(), 0..3),
        vec(vip(), 0..2),
        vec(vec(word(), 1..5), 0..2),
        option::of(v4()),
        vec(v4(), 0..3),
        (
            any::<bool>(),
            option::of(0u32..=1000),
            option::of(any::<bool>()),
        ),
    );
    let more = (
        vec((word(), -254i32..=254), 0..3),
        (notify(), notify(), notify(), notify(), notify()),
        (
            option::of(1u32..10),
            option::of(0u32..10),
            option::of(0u32..10),
            option::of(0u32..10),
            option::of(0u32..10),
            option::of(0u32..10),
        ),
        (
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(any::<bool>()),
            option::of(Just(false)),
        ),
        (
            any::<bool>(),
            option::of(word()),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            option::of(0u8..=4),
        ),
    );
    (core, more).prop_map(|(c, m)| {
        let (
            master,
            ifname,
            priority,
            adv,
            auth,
            vips,
            evips,
            routes,
            src,
            peers,
            (nopre, pdelay, accept),
        ) = c;
        let (tif, (nm, nb, nf, ns, n), garp, bools, misc) = m;
        VrrpInstance {
            state: if master { State::Master } else { State::Backup },
            interface: Some(ifname.to_string()),
            priority,
            advert_int: adv.map(f64::from),
            authentication: auth.map(|(ah, p)| {
                if ah {
                    Authentication::Ah(p)
                } else {
                    Authentication::Pass(p)
                }
            }),
            virtual_ipaddress: vips,
            virtual_ipaddress_excluded: evips,
            virtual_routes: routes
                .into_iter()
                .map(|words| Words {
                    words,
                    span: Span::default(),
                })
                .collect(),
            unicast_src_ip: src,
            unicast_peer: peers
                .into_iter()
                .map(|addr| Addr {
                    addr,
                    span: Span::default(),
                })
                .collect(),
            nopreempt: nopre,
            // 1.3.5 drops preempt_delay with nopreempt; generate only what survives validation.
            preempt_delay: if nopre { None } else { pdelay },
            accept,
            track_interface: tif
                .into_iter()
                .map(|(name, weight)| TrackInterface {
                    name,
                    weight,
                    span: Span::default(),
                })
                .collect(),
            notify_master: nm,
            notify_backup: nb,
            notify_fault: nf,
            notify_stop: ns,
            notify: n,
            garp_master_delay: garp.0,
            garp_master_repeat: garp.1,
            garp_master_refresh: garp.2,
            garp_master_refresh_repeat: garp.3,
            garp_lower_prio_delay: garp.4,
            garp_lower_prio_repeat: garp.5,
            lower_prio_no_advert: bools.0,
            higher_prio_send_advert: bools.1,
            skip_check_adv_addr: bools.2,
            strict_mode: bools.3,
            use_vmac: misc.0,
            vmac_name: if misc.0 { misc.1 } else { None },
            vmac_xmit_base: misc.2,
            promote_secondaries: misc.3,
            smtp_alert: misc.4,
            debug: misc.5,
            ..Default::default()
        }
    })
}

fn config() -> impl Strategy<Value = Config> {
    (
        vec(instance(), 0..5),
        vec(script(), 0..3),
        option::of(word()),
        vec("[a-z]{1,6}@[a-z]{1,6}\\.com", 0..3),
        option::of(0u32..10),
        option::of(0.0f64..10.0),
        any::<bool>(),
        vec(vip(), 0..2),
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(
                mut instances,
                mut scripts,
                router_id,
                emails,
                delay,
                garp_int,
                strict,
                statics,
                (sync, track),
            )| {
                for (n, s) in scripts.iter_mut().enumerate() {
                    s.name = format!("chk_{n}");
                }
                for (n, i) in instances.iter_mut().enumerate() {
                    i.name = format!("VI_{n}");
                    i.virtual_router_id = Some(n as u8 + 1);
                    if track && !scripts.is_empty() {
                        i.track_script.push(TrackScript {
                            name: scripts[n % scripts.len()].name.clone(),
                            weight: if n % 2 == 0 { Some(-(n as i32)) } else { None },
                            span: Span::default(),
                        });
                    }
                    if strict {
                        // strict mode requires a VIP and forbids unicast peers
                        i.unicast_peer.clear();
                        if i.virtual_ipaddress.is_empty() {
                            i.virtual_ipaddress.push(VirtualAddress {
                                addr: "10.9.9.9".parse().unwrap(),
                                prefix_len: None,
                                dev: None,
                                brd: None,
                                scope: None,
                                label: None,
                                span: Span::default(),
                            });
                        }
                    }
                }
                let mut sync_groups = Vec::new();
                if sync && instances.len() >= 2 {
                    sync_groups.push(SyncGroup {
                        name: "G".into(),
                        group: instances[..2]
                            .iter()
                            .map(|i| Name {
                                name: i.name.clone(),
                                span: Span::default(),
                            })
                            .collect(),
                        global_tracking: true,
                        ..Default::default()
                    });
                }
                Config {
                    global_defs: GlobalDefs {
                        router_id,
                        notification_email: emails,
                        vrrp_garp_master_delay: delay,
                        vrrp_garp_interval: garp_int,
                        vrrp_strict: strict,
                        ..Default::default()
                    },
                    instances,
                    scripts,
                    sync_groups,
                    static_ipaddress: statics,
                    ..Default::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn render_then_parse_gives_the_same_ast(cfg in config()) {
        let text = cfg.render();
        let l = load_str("rendered.conf", &text, &LoadOptions::default());
        prop_assert_eq!(l.error_count(), 0, "{}\n{}", text, l.render_diagnostics());
        prop_assert_eq!(l.config.clone().without_spans(), cfg.clone().without_spans(), "{}", text);
        // And rendering is stable.
        prop_assert_eq!(l.config.render(), text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let l = load_str("fuzz.conf", &text, &LoadOptions::default());
        let _ = l.render_diagnostics();
        let _ = l.config.render();
    }

    #[test]
    fn config_like_noise_never_panics(
        lines in vec(
            vec(prop_oneof![
                Just("{".to_string()), Just("}".to_string()), Just("\"".to_string()),
                Just("vrrp_instance".to_string()), Just("virtual_ipaddress".to_string()),
                Just("global_defs".to_string()), Just("track_script".to_string()),
                Just("vrrp_sync_group".to_string()), Just("group".to_string()),
                Just("virtual_server".to_string()), Just("authentication".to_string()),
                Just("include".to_string()), Just("#".to_string()), Just("@x".to_string()),
                Just("priority".to_string()), Just("10.0.0.1/24".to_string()),
                "[ -~]{0,6}".prop_map(|s| s),
            ], 0..6),
            0..40,
        )
    ) {
        let text: String = lines.iter().map(|l| l.join(" ") + "\n").collect();
        let opts = LoadOptions { config_id: Some("x".into()) };
        let l = load_str("noise.conf", &text, &opts);
        let _ = l.render_diagnostics();
        // A clean parse renders to text that reads back to the same AST.
        if l.error_count() == 0 && l.warning_count() == 0 {
            let rendered = l.config.render();
            let again = load_str("rendered.conf", &rendered, &opts);
            prop_assert_eq!(again.config.without_spans(), l.config.clone().without_spans(), "{}\n---\n{}", text, rendered);
        }
    }
}
