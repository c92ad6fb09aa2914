//! Property test of the checker (LVS) side: any AST the parser can produce renders to text that
//! reads back to the same AST, without error.

use keepalived_conf::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_./-]{1,12}"
}

/// Free text for quoted values (no double quote: 1.3.5 has no escape for it).
fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _./#!{}-]{1,24}"
}

fn v4() -> impl Strategy<Value = IpAddr> {
    any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o)))
}

fn secs(min: u64) -> impl Strategy<Value = Option<Duration>> {
    option::of((min..100_000u64).prop_map(Duration::from_secs))
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

fn connect() -> impl Strategy<Value = ConnectOpts> {
    (
        option::of(v4()),
        option::of(any::<u16>()),
        option::of(v4()),
        option::of(any::<u16>()),
        secs(1),
        option::of(any::<u32>()),
    )
        .prop_map(
            |(connect_ip, connect_port, bindto, bind_port, connect_timeout, fwmark)| ConnectOpts {
                connect_ip,
                connect_port,
                bindto,
                bind_port,
                connect_timeout,
                fwmark,
            },
        )
}

fn url() -> impl Strategy<Value = Url> {
    (text(), option::of("[0-9a-f]{32}"), option::of(100u32..1000)).prop_map(
        |(path, digest, status_code)| Url {
            span: Span::default(),
            path: Some(path),
            digest,
            status_code,
        },
    )
}

fn checker() -> impl Strategy<Value = Checker> {
    prop_oneof![
        (
            connect(),
            secs(0),
            option::of(any::<u32>()),
            secs(0),
            vec(url(), 0..3),
            any::<bool>()
        )
            .prop_map(
                |(connect, warmup, nb_get_retry, delay_before_retry, urls, ssl)| {
                    let h = HttpCheck {
                        span: Span::default(),
                        connect,
                        warmup,
                        nb_get_retry,
                        delay_before_retry,
                        urls,
                    };
                    if ssl {
                        Checker::SslGet(h)
                    } else {
                        Checker::HttpGet(h)
                    }
                }
            ),
        (connect(), secs(0), option::of(any::<u32>()), secs(0)).prop_map(
            |(connect, warmup, retry, delay_before_retry)| Checker::Tcp(TcpCheck {
                span: Span::default(),
                connect,
                warmup,
                retry,
                delay_before_retry,
            })
        ),
        (connect(), secs(0), option::of(word()), vec(connect(), 0..3)).prop_map(
            |(connect, warmup, helo_name, hosts)| Checker::Smtp(SmtpCheck {
                span: Span::default(),
                connect,
                warmup,
                helo_name,
                retry: None,
                delay_before_retry: None,
                hosts: hosts
                    .into_iter()
                    .map(|connect| SmtpHost {
                        span: Span::default(),
                        connect,
                    })
                    .collect(),
            })
        ),
        (
            text(),
            secs(0),
            any::<bool>(),
            secs(0),
            option::of((word(), option::of(word())))
        )
            .prop_map(|(path, misc_timeout, misc_dynamic, warmup, user)| {
                Checker::Misc(MiscCheck {
                    span: Span::default(),
                    warmup,
                    misc_path: Some(path),
                    misc_timeout,
                    misc_dynamic,
                    user: user.map(|(user, group)| UserGroup { user, group }),
                })
            }),
        (
            connect(),
            option::of(any::<u32>()),
            option::of(prop_oneof![
                Just(DnsType::A),
                Just(DnsType::Mx),
                Just(DnsType::Aaaa)
            ]),
            option::of(word())
        )
            .prop_map(|(connect, retry, dns_type, name)| Checker::Dns(DnsCheck {
                span: Span::default(),
                connect,
                retry,
                dns_type,
                name,
            })),
    ]
}

fn real_server() -> impl Strategy<Value = RealServer> {
    (
        v4(),
        any::<u16>(),
        option::of(0..=i32::MAX),
        any::<bool>(),
        notify(),
        notify(),
        option::of(any::<u32>()),
        vec(checker(), 0..3),
    )
        .prop_map(
            |(addr, port, weight, inhibit_on_failure, notify_up, notify_down, uth, checkers)| {
                RealServer {
                    weight,
                    inhibit_on_failure,
                    notify_up,
                    notify_down,
                    uthreshold: uth,
                    lthreshold: uth.map(|u| u / 2),
                    checkers,
                    ..RealServer::new(addr, port, Span::default())
                }
            },
        )
}

fn algo() -> impl Strategy<Value = LbAlgo> {
    prop_oneof![
        Just(LbAlgo::Rr),
        Just(LbAlgo::Wlc),
        Just(LbAlgo::Sh),
        Just(LbAlgo::Nq),
        Just(LbAlgo::Other("fo".into())),
    ]
}

fn virtual_server() -> impl Strategy<Value = VirtualServer> {
    (
        prop_oneof![
            (v4(), any::<u16>()).prop_map(|(addr, port)| VirtualServerKey::Addr { addr, port }),
            (1..=u32::MAX).prop_map(VirtualServerKey::Fwmark),
            Just(VirtualServerKey::Group("G".into())),
        ],
        (secs(1), option::of(algo()), any::<[bool; 7]>()),
        (
            option::of(prop_oneof![
                Just(LbKind::Nat),
                Just(LbKind::Dr),
                Just(LbKind::Tun)
            ]),
            option::of(word()),
            secs(1),
            option::of(prop_oneof![Just(Protocol::Tcp), Just(Protocol::Udp)]),
        ),
        (
            option::of(word()),
            option::of(1..=u32::MAX),
            notify(),
            notify(),
        ),
        option::of(any::<u32>()),
        option::of((v4(), any::<u16>(), any::<bool>())),
        vec(real_server(), 0..3),
    )
        .prop_map(
            |(key, (delay_loop, lb_algo, f), (lb_kind, pe, pto, protocol), q, hyst, sorry, rs)| {
                let sh = lb_algo == Some(LbAlgo::Sh);
                let (virtualhost, quorum, quorum_up, quorum_down) = q;
                VirtualServer {
                    ip_family: (!matches!(key, VirtualServerKey::Addr { .. }) && f[0])
                        .then_some(IpFamily::Inet),
                    delay_loop,
                    lb_algo,
                    hashed: f[1],
                    ops: f[2],
                    flag_1: f[3],
                    sh_port: sh && f[4],
                    sh_fallback: sh && f[5],
                    lb_kind,
                    persistence_engine: pe,
                    persistence_timeout: pto,
                    protocol,
                    ha_suspend: f[6],
                    virtualhost,
                    alpha: f[1] && f[2],
                    omega: f[3] && f[4],
                    quorum,
                    quorum_up,
                    quorum_down,
                    hysteresis: hyst,
                    sorry_server: sorry.map(|(addr, port, inhibit)| SorryServer {
                        addr,
                        port,
                        inhibit,
                        span: Span::default(),
                    }),
                    real_servers: rs,
                    ..VirtualServer::new(key, Span::default())
                }
            },
        )
}

fn config() -> impl Strategy<Value = Config> {
    (
        vec(virtual_server(), 0..4),
        vec((v4(), any::<u16>(), 0u8..10), 1..4),
        option::of((option::of(0..1000u64), option::of(1..1000u64))),
        option::of((
            word(),
            word(),
            option::of(any::<u8>()),
            option::of(1..=255u8),
        )),
        option::of((option::of(text()), option::of(word()))),
        option::of(-20..=19i32),
    )
        .prop_map(|(virtual_servers, group, timeouts, syncd, ssl, prio)| {
            // Group entries: addresses and ranges (end above the start), all IPv4.
            let entries = group
                .into_iter()
                .map(|(addr, port, span_len)| {
                    let IpAddr::V4(a) = addr else { unreachable!() };
                    let mut o = a.octets();
                    o[3] = o[3].min(200);
                    let first = IpAddr::V4(Ipv4Addr::from(o));
                    if span_len == 0 {
                        VsgEntry::Addr {
                            addr: first,
                            port,
                            span: Span::default(),
                        }
                    } else {
                        o[3] += span_len;
                        VsgEntry::Range {
                            first,
                            last: IpAddr::V4(Ipv4Addr::from(o)),
                            port,
                            span: Span::default(),
                        }
                    }
                })
                .collect();
            Config {
                global_defs: GlobalDefs {
                    lvs_timeouts: timeouts
                        .map(|(tcp, udp)| LvsTimeouts {
                            tcp: tcp.map(Duration::from_secs),
                            tcpfin: None,
                            udp: udp.map(Duration::from_secs),
                            span: Span::default(),
                        })
                        .filter(|t| t.tcp.is_some() || t.udp.is_some()),
                    lvs_sync_daemon: syncd.map(|(interface, vrrp_instance, syncid, ttl)| {
                        LvsSyncDaemon {
                            interface,
                            vrrp_instance,
                            syncid,
                            maxlen: None,
                            port: None,
                            ttl,
                            group: None,
                            span: Span::default(),
                        }
                    }),
                    checker_priority: prio,
                    lvs_flush: prio.is_some_and(|p| p > 0),
                    ..Default::default()
                },
                virtual_server_groups: vec![VirtualServerGroup {
                    name: "G".into(),
                    span: Span::default(),
                    entries,
                }],
                virtual_servers,
                ssl: ssl.map(|(password, ca)| SslConfig {
                    password,
                    ca,
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lvs_render_then_parse_gives_the_same_ast(cfg in config()) {
        let text = cfg.render();
        let l = load_str("rendered.conf", &text, &LoadOptions::default());
        prop_assert_eq!(l.error_count(), 0, "{}\n{}", text, l.render_diagnostics());
        prop_assert_eq!(l.config.clone().without_spans(), cfg.clone().without_spans(), "{}", text);
        prop_assert_eq!(l.config.render(), text);
    }
}
