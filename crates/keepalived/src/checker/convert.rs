//! The parsed checker configuration (AST) → the check engine's configuration, with each
//! checker's probe resolved to what `check-probes` runs (addresses, timeouts, TLS files loaded).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use check_engine as ce;
use check_probes as cp;
use keepalived_conf as conf;

use crate::accounts::Accounts;
use crate::scripts::RunAs;

/// What the engine carries for each checker: the probe to run.
pub type Probe = Arc<cp::ProbeSpec>;

/// A converted configuration.
pub struct Converted {
    /// For the engine.
    pub config: ce::CheckConfig<Probe>,
    /// Who runs each notify/quorum script (keyed by its command line, as the engine names
    /// it); `None`: its user does not resolve, so it is not run.
    pub script_users: HashMap<String, Option<RunAs>>,
    /// Lines to log: what was not applied and why.
    pub lines: Vec<String>,
}

/// Converts `cfg`'s virtual servers. Never fails: what cannot be run is left out with a line
/// saying so (the daemon runs what it can, as 1.3.5 does).
pub fn convert(cfg: &conf::Config, accounts: &dyn Accounts) -> Converted {
    let mut out = Converted {
        config: ce::CheckConfig {
            virtual_servers: Vec::new(),
        },
        script_users: HashMap::new(),
        lines: Vec::new(),
    };
    // Only when some SSL_GET needs it: building a TLS client touches the TLS code and keys.
    let any_ssl = cfg.virtual_servers.iter().any(|vs| {
        vs.real_servers.iter().any(|rs| {
            rs.checkers
                .iter()
                .any(|c| matches!(c, conf::Checker::SslGet(_)))
        })
    });
    // Loaded once for every SSL_GET (1.3.5 builds one SSL context too).
    let tls = cfg.ssl.as_ref().filter(|_| any_ssl).map(|s| {
        cp::TlsConfig::load(&cp::TlsFiles {
            // 1.3.5 reads `ca` but never verifies a real server's certificate: a file that
            // ran there must not start failing checks here (docs/compatibility.md).
            ca: None,
            certificate: s.certificate.as_ref().map(Into::into),
            key: s.key.as_ref().map(Into::into),
            password: s.password.clone(),
        })
    });
    let tls = match tls {
        None => Ok(None),
        Some(Ok(t)) => Ok(Some(t)),
        Some(Err(e)) => Err(e.to_string()),
    };
    let default_tls = match &tls {
        _ if !any_ssl => Err("no SSL_GET".to_string()),
        Ok(None) => cp::TlsConfig::load(&cp::TlsFiles::default()).map_err(|e| e.to_string()),
        Ok(Some(t)) => Ok(t.clone()),
        Err(e) => Err(e.clone()),
    };
    for vs in &cfg.virtual_servers {
        let cx = Ctx {
            vs,
            tls: &default_tls,
            accounts,
            script_user: cfg.global_defs.script_user.as_ref(),
        };
        match convert_vs(&cx, cfg, &mut out) {
            Ok(v) => out.config.virtual_servers.push(v),
            Err(why) => out.lines.push(format!(
                "Virtual server {} ({}): {why} - not applied",
                vs_name(vs),
                vs.span
            )),
        }
    }
    out
}

struct Ctx<'a> {
    vs: &'a conf::VirtualServer,
    tls: &'a Result<cp::TlsConfig, String>,
    accounts: &'a dyn Accounts,
    script_user: Option<&'a conf::UserGroup>,
}

/// The virtual server's name as 1.3.5 logs it (`format_vs`).
pub fn vs_name(vs: &conf::VirtualServer) -> String {
    match &vs.key {
        conf::VirtualServerKey::Addr { addr, port } => format!("[{addr}]:{port}"),
        conf::VirtualServerKey::Fwmark(m) => format!("FWM {m}"),
        // 1.3.5 prints the group name with the (unset) address's port.
        conf::VirtualServerKey::Group(g) => format!("[{g}]:0"),
    }
}

fn convert_vs(
    cx: &Ctx<'_>,
    cfg: &conf::Config,
    out: &mut Converted,
) -> Result<ce::VirtualServer<Probe>, String> {
    let vs = cx.vs;
    let services = services(vs, cfg)?;
    let forwarding = forwarding(vs.lb_kind());
    let mut real_servers = Vec::with_capacity(vs.real_servers.len());
    for rs in &vs.real_servers {
        let mut checkers = Vec::with_capacity(rs.checkers.len());
        for c in &rs.checkers {
            match checker(cx, rs, c) {
                Ok(ch) => checkers.push(ch),
                Err(why) => {
                    return Err(format!(
                        "real server [{}]:{} {} ({}): {why}",
                        rs.addr,
                        rs.port,
                        c.keyword(),
                        c.span()
                    ))
                }
            }
        }
        let notify_up = rs.notify_up.as_ref().map(|n| script(cx, n, out));
        let notify_down = rs.notify_down.as_ref().map(|n| script(cx, n, out));
        real_servers.push(ce::RealServer {
            dest: ce::Dest {
                addr: rs.addr,
                port: rs.port,
                weight: u32::try_from(rs.weight()).unwrap_or(0),
                forwarding,
                upper_threshold: rs.uthreshold.unwrap_or(0),
                lower_threshold: rs.lthreshold.unwrap_or(0),
            },
            inhibit_on_failure: rs.inhibit_on_failure,
            notify_up,
            notify_down,
            checkers,
        });
    }
    let quorum_up = vs.quorum_up.as_ref().map(|n| script(cx, n, out));
    let quorum_down = vs.quorum_down.as_ref().map(|n| script(cx, n, out));
    Ok(ce::VirtualServer {
        name: vs_name(vs),
        services,
        delay_loop: vs.delay_loop(),
        alpha: vs.alpha,
        omega: vs.omega,
        quorum: vs.quorum(),
        hysteresis: vs.hysteresis(),
        quorum_up,
        quorum_down,
        sorry_server: vs.sorry_server.as_ref().map(|s| ce::Dest {
            addr: s.addr,
            port: s.port,
            // 1.3.5's sorry server has weight 1 and the service's forwarding method.
            weight: 1,
            forwarding,
            upper_threshold: 0,
            lower_threshold: 0,
        }),
        sorry_server_inhibit: vs.sorry_server.as_ref().is_some_and(|s| s.inhibit),
        ha_suspend: vs.ha_suspend,
        real_servers,
    })
}

fn forwarding(k: conf::LbKind) -> ce::Forwarding {
    match k {
        conf::LbKind::Nat => ce::Forwarding::Nat,
        conf::LbKind::Dr => ce::Forwarding::DirectRoute,
        conf::LbKind::Tun => ce::Forwarding::Tunnel,
    }
}

/// The IPVS services of a virtual server: one, or one per member of its group.
fn services(vs: &conf::VirtualServer, cfg: &conf::Config) -> Result<Vec<ce::ServiceSpec>, String> {
    let proto = match vs.protocol {
        Some(conf::Protocol::Udp) => ce::Protocol::Udp,
        Some(conf::Protocol::Tcp) | None => ce::Protocol::Tcp,
        Some(conf::Protocol::Sctp) => return Err("protocol SCTP is not supported".into()),
    };
    let family = if vs.is_ipv6() {
        ce::Family::V6
    } else {
        ce::Family::V4
    };
    let keys: Vec<ce::ServiceKey> = match &vs.key {
        conf::VirtualServerKey::Addr { addr, port } => vec![ce::ServiceKey::Inet {
            proto,
            addr: *addr,
            port: *port,
        }],
        conf::VirtualServerKey::Fwmark(mark) => vec![ce::ServiceKey::Fwmark {
            family,
            mark: *mark,
        }],
        conf::VirtualServerKey::Group(name) => {
            let g = cfg
                .virtual_server_groups
                .iter()
                .find(|g| &g.name == name)
                .ok_or_else(|| format!("virtual_server_group {name} is not defined"))?;
            let mut keys = Vec::new();
            for e in &g.entries {
                match e {
                    conf::VsgEntry::Addr { addr, port, .. } => keys.push(ce::ServiceKey::Inet {
                        proto,
                        addr: *addr,
                        port: *port,
                    }),
                    conf::VsgEntry::Range {
                        first, last, port, ..
                    } => {
                        for addr in range(*first, *last) {
                            keys.push(ce::ServiceKey::Inet {
                                proto,
                                addr,
                                port: *port,
                            });
                        }
                    }
                    conf::VsgEntry::Fwmark { mark, .. } => keys.push(ce::ServiceKey::Fwmark {
                        family,
                        mark: *mark,
                    }),
                }
            }
            keys
        }
    };
    let persistence_timeout = vs
        .persistence_timeout()
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    let persistence_netmask = vs.persistence_granularity.as_ref().map(|g| match g {
        conf::PersistenceGranularity::Mask(m) => u32::from(*m),
        conf::PersistenceGranularity::Prefix(p) => *p,
    });
    // ipvsadm's default scheduler when lb_algo is missing (1.3.5 sends an empty name, which
    // the kernel refuses: the service would silently never exist).
    let scheduler = vs
        .lb_algo
        .as_ref()
        .map_or_else(|| "wlc".to_string(), |a| a.name().to_string());
    // IP_VS_SVC_F_SCHED1..3; sh-fallback and sh-port are sh's names for the first two.
    let sched_flags = [
        (vs.flag_1 || vs.sh_fallback, 0x08),
        (vs.flag_2 || vs.sh_port, 0x10),
        (vs.flag_3, 0x20),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .fold(0, |acc, (_, bit)| acc | bit);
    Ok(keys
        .into_iter()
        .map(|key| ce::ServiceSpec {
            key,
            scheduler: scheduler.clone(),
            persistence_timeout,
            persistence_netmask,
            persistence_engine: vs.persistence_engine.clone(),
            one_packet: vs.ops && proto == ce::Protocol::Udp,
            hashed: vs.hashed,
            sched_flags,
        })
        .collect())
}

/// The addresses of a group range (`first` to `last` inclusive; they differ only in the last
/// byte or 16-bit group, which the parser checked).
fn range(first: IpAddr, last: IpAddr) -> Vec<IpAddr> {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a)..=u32::from(b))
            .map(|n| IpAddr::V4(n.into()))
            .collect(),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a)..=u128::from(b))
            .take(65_536)
            .map(|n| IpAddr::V6(n.into()))
            .collect(),
        _ => vec![first],
    }
}

fn connect(rs: &conf::RealServer, c: &conf::ConnectOpts) -> cp::ConnectSpec {
    let dst = SocketAddr::new(
        c.connect_ip.unwrap_or(rs.addr),
        c.connect_port.unwrap_or(rs.port),
    );
    cp::ConnectSpec {
        dst,
        // 1.3.5 ignores bind_port without bindto.
        bind: c
            .bindto
            .map(|ip| SocketAddr::new(ip, c.bind_port.unwrap_or(0))),
        timeout: c.connect_timeout().max(std::time::Duration::from_secs(1)),
        fwmark: c.fwmark,
    }
}

fn checker(
    cx: &Ctx<'_>,
    rs: &conf::RealServer,
    c: &conf::Checker,
) -> Result<ce::Checker<Probe>, String> {
    let real_server = SocketAddr::new(rs.addr, rs.port);
    // None: the engine applies 1.3.5's default (the delay_loop).
    let warmup = c.warmup_set();
    let (kind, probe, retries, delay_before_retry) = match c {
        conf::Checker::HttpGet(h) | conf::Checker::SslGet(h) => {
            let ssl = matches!(c, conf::Checker::SslGet(_));
            let tls = if ssl {
                Some(cp::TlsSpec {
                    // 1.3.5 sends no SNI (virtualhost is only the Host: header).
                    sni: None,
                    config: cx.tls.clone()?,
                })
            } else {
                None
            };
            let urls = h
                .urls
                .iter()
                .map(|u| cp::UrlSpec {
                    path: u.path.clone().unwrap_or_else(|| "/".to_string()),
                    digest: u.digest.clone(),
                    status_code: u.status_code.and_then(|s| u16::try_from(s).ok()),
                })
                .collect();
            let spec = cp::ProbeSpec::Http(cp::HttpSpec {
                real_server,
                conn: connect(rs, &h.connect),
                virtualhost: cx.vs.virtualhost.clone(),
                urls,
                tls,
            });
            let kind = if ssl {
                ce::CheckerKind::Ssl
            } else {
                ce::CheckerKind::Http
            };
            (kind, spec, h.nb_get_retry(), h.delay_before_retry())
        }
        conf::Checker::Tcp(t) => (
            ce::CheckerKind::Tcp,
            cp::ProbeSpec::Tcp(cp::TcpSpec {
                real_server,
                conn: connect(rs, &t.connect),
            }),
            t.retry(),
            t.delay_before_retry(),
        ),
        conf::Checker::Smtp(s) => (
            ce::CheckerKind::Smtp,
            cp::ProbeSpec::Smtp(cp::SmtpSpec {
                real_server,
                hosts: s.hosts().iter().map(|h| connect(rs, h)).collect(),
                helo_name: s.helo_name().to_string(),
            }),
            // 1.3.5's SMTP `retry` counts every attempt; the engine counts extra ones.
            s.retry().saturating_sub(1),
            s.delay_before_retry(),
        ),
        conf::Checker::Misc(m) => {
            let path = m
                .misc_path
                .clone()
                .ok_or_else(|| "MISC_CHECK without misc_path".to_string())?;
            let who = m.user.as_ref().or(cx.script_user);
            let (uid, gid) = match who {
                None => (None, None),
                Some(u) => {
                    let r = resolve(cx.accounts, &u.user, u.group.as_deref())?;
                    (Some(r.uid), Some(r.gid))
                }
            };
            (
                ce::CheckerKind::Misc { path: path.clone() },
                cp::ProbeSpec::Misc(cp::MiscSpec {
                    real_server,
                    path,
                    timeout: m.timeout(cx.vs),
                    dynamic: m.misc_dynamic,
                    uid,
                    gid,
                }),
                0,
                std::time::Duration::ZERO,
            )
        }
        conf::Checker::Dns(d) => {
            let name = d.name().to_string();
            // A name 1.3.5 would put on the wire malformed (check_probes::dns::encode_name).
            cp::dns::encode_name(&name).map_err(|e| format!("name {e}"))?;
            (
                ce::CheckerKind::Dns,
                cp::ProbeSpec::Dns(cp::DnsSpec {
                    real_server,
                    // The real server's port unless connect_port: 1.3.5 has no port 53 default.
                    conn: connect(rs, &d.connect),
                    qtype: dns_qtype(d.dns_type()),
                    name,
                }),
                d.retry(),
                // dns_final retries a delay_loop later; the engine knows.
                std::time::Duration::ZERO,
            )
        }
    };
    let dynamic_weight = matches!(c, conf::Checker::Misc(m) if m.misc_dynamic);
    Ok(ce::Checker {
        kind,
        probe: Arc::new(probe),
        retries,
        delay_before_retry,
        warmup,
        delay_loop: None,
        dynamic_weight,
    })
}

/// 1.3.5's `DNS_TYPE` table (RFC 1035 and 3596 numbers).
fn dns_qtype(t: conf::DnsType) -> u16 {
    match t {
        conf::DnsType::A => 1,
        conf::DnsType::Ns => 2,
        conf::DnsType::Cname => 5,
        conf::DnsType::Soa => 6,
        conf::DnsType::Mx => 15,
        conf::DnsType::Txt => 16,
        conf::DnsType::Aaaa => 28,
    }
}

fn resolve(accounts: &dyn Accounts, user: &str, group: Option<&str>) -> Result<RunAs, String> {
    let (uid, mut gid) = match accounts.user(user) {
        Ok(Some(ids)) => ids,
        Ok(None) => return Err(format!("user {user} does not exist")),
        Err(e) => return Err(format!("user {user}: {e}")),
    };
    if let Some(g) = group {
        gid = match accounts.group(g) {
            Ok(Some(gid)) => gid,
            Ok(None) => return Err(format!("group {g} does not exist")),
            Err(e) => return Err(format!("group {g}: {e}")),
        };
    }
    Ok(RunAs { uid, gid })
}

/// A notify/quorum script: its command line for the engine, its user recorded on the side.
fn script(cx: &Ctx<'_>, n: &conf::Notify, out: &mut Converted) -> String {
    let who = match (&n.user, cx.script_user) {
        (Some(u), _) => resolve(cx.accounts, u, n.group.as_deref()),
        (None, Some(u)) => resolve(cx.accounts, &u.user, u.group.as_deref()),
        (None, None) => Ok(RunAs { uid: 0, gid: 0 }),
    };
    match who {
        Ok(r) => {
            out.script_users.insert(n.script.clone(), Some(r));
        }
        Err(why) => {
            out.lines.push(format!(
                "{}: script '{}': {why} - it is disabled",
                n.span, n.script
            ));
            out.script_users.insert(n.script.clone(), None);
        }
    }
    n.script.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    struct Accts;
    impl Accounts for Accts {
        fn user(&self, name: &str) -> io::Result<Option<(u32, u32)>> {
            Ok((name == "web").then_some((1000, 1000)))
        }
        fn group(&self, name: &str) -> io::Result<Option<u32>> {
            Ok((name == "ops").then_some(2000))
        }
    }

    fn conv(text: &str) -> Converted {
        let l = conf::load_str("t.conf", text, &conf::LoadOptions::default());
        convert(&l.config, &Accts)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_group_expands_to_one_service_per_member_named_as_135_names_it() {
        let c = conv(
            "virtual_server_group G {\n 10.0.0.1-3 80\n 10.0.0.9 81\n fwmark 7\n}\n\
             virtual_server group G {\n lb_algo sh\n sh-port\n flag-3\n protocol UDP\n ops\n\
             real_server 10.1.0.1 80 {\n }\n}\n",
        );
        assert!(c.lines.is_empty(), "{:?}", c.lines);
        let vs = &c.config.virtual_servers[0];
        assert_eq!(vs.name, "[G]:0");
        let keys: Vec<_> = vs.services.iter().map(|s| s.key).collect();
        let inet = |a: &str, port| ce::ServiceKey::Inet {
            proto: ce::Protocol::Udp,
            addr: ip(a),
            port,
        };
        assert_eq!(
            keys,
            vec![
                inet("10.0.0.1", 80),
                inet("10.0.0.2", 80),
                inet("10.0.0.3", 80),
                inet("10.0.0.9", 81),
                ce::ServiceKey::Fwmark {
                    family: ce::Family::V4,
                    mark: 7
                },
            ]
        );
        let s = &vs.services[0];
        assert_eq!(s.scheduler, "sh");
        assert_eq!(s.sched_flags, 0x10 | 0x20);
        assert!(s.one_packet);
    }

    #[test]
    fn defaults_fill_what_135_would_send_empty() {
        let c = conv("virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 8080 {\n }\n}\n");
        let vs = &c.config.virtual_servers[0];
        assert_eq!(vs.name, "[10.0.0.1]:80");
        assert_eq!(vs.services[0].scheduler, "wlc");
        assert_eq!(
            vs.services[0].key,
            ce::ServiceKey::Inet {
                proto: ce::Protocol::Tcp,
                addr: ip("10.0.0.1"),
                port: 80
            }
        );
        assert_eq!(vs.delay_loop, std::time::Duration::from_secs(60));
        let d = vs.real_servers[0].dest;
        assert_eq!((d.weight, d.forwarding), (1, ce::Forwarding::Nat));
        assert!(vs.real_servers[0].checkers.is_empty());
    }

    #[test]
    fn checkers_carry_their_retries_and_probes() {
        let c = conv(
            "virtual_server 10.0.0.1 80 {\n delay_loop 5\n lb_kind DR\n virtualhost www.x\n\
             real_server 10.0.0.2 80 {\n weight 3\n\
             HTTP_GET {\n url {\n path /h\n digest 0123456789abcdef0123456789abcdef\n status_code 200\n }\n\
             connect_port 8080\n nb_get_retry 2\n delay_before_retry 4\n }\n\
             TCP_CHECK {\n connect_timeout 2\n bindto 10.0.0.1\n }\n\
             SMTP_CHECK {\n retry 3\n helo_name me\n }\n\
             MISC_CHECK {\n misc_path \"/bin/check x\"\n misc_dynamic\n user web ops\n }\n }\n}\n",
        );
        assert!(c.lines.is_empty(), "{:?}", c.lines);
        let rs = &c.config.virtual_servers[0].real_servers[0];
        assert_eq!(rs.dest.weight, 3);
        assert_eq!(rs.dest.forwarding, ce::Forwarding::DirectRoute);
        let [http, tcp, smtp, misc] = &rs.checkers[..] else {
            panic!("{:?}", rs.checkers.len())
        };
        assert_eq!(
            (http.kind.clone(), http.retries),
            (ce::CheckerKind::Http, 2)
        );
        assert_eq!(http.delay_before_retry, std::time::Duration::from_secs(4));
        let cp::ProbeSpec::Http(h) = &*http.probe else {
            panic!()
        };
        assert_eq!(h.conn.dst, "10.0.0.2:8080".parse().unwrap());
        assert_eq!(h.real_server, "10.0.0.2:80".parse().unwrap());
        assert_eq!(h.virtualhost.as_deref(), Some("www.x"));
        assert_eq!(h.urls[0].path, "/h");
        assert_eq!(h.urls[0].status_code, Some(200));
        let cp::ProbeSpec::Tcp(t) = &*tcp.probe else {
            panic!()
        };
        assert_eq!(t.conn.bind, Some("10.0.0.1:0".parse().unwrap()));
        assert_eq!(t.conn.timeout, std::time::Duration::from_secs(2));
        assert_eq!(tcp.retries, 1);
        // 1.3.5's SMTP retry counts every attempt.
        assert_eq!(smtp.retries, 2);
        let cp::ProbeSpec::Misc(m) = &*misc.probe else {
            panic!()
        };
        assert_eq!((m.uid, m.gid), (Some(1000), Some(2000)));
        assert_eq!(m.timeout, std::time::Duration::from_secs(5));
        assert!(m.dynamic && misc.dynamic_weight);
    }

    #[test]
    fn what_cannot_run_is_left_out_with_a_line() {
        let c = conv(
            "virtual_server 10.0.0.1 53 {\n real_server 10.0.0.2 53 {\n DNS_CHECK {\n name a..b\n }\n }\n}\n\
             virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n\
             notify_up \"/bin/up\" nobody-here\n MISC_CHECK {\n misc_path /bin/true\n }\n }\n}\n",
        );
        assert_eq!(c.config.virtual_servers.len(), 1, "{:?}", c.lines);
        assert_eq!(c.lines.len(), 2, "{:?}", c.lines);
        assert!(
            c.lines[0].contains("DNS_CHECK (t.conf:3:2): name 'a..b' has an empty label"),
            "{:?}",
            c.lines
        );
        assert!(c.lines[1].contains("user nobody-here does not exist - it is disabled"));
        assert_eq!(c.script_users.get("/bin/up"), Some(&None));
    }

    #[test]
    fn dns_check_is_applied_with_135s_defaults() {
        let c = conv(
            "virtual_server 10.0.0.1 53 {\n delay_loop 7\n protocol UDP\n\
             real_server 10.0.0.2 5353 {\n DNS_CHECK {\n }\n }\n\
             real_server 10.0.0.3 53 {\n DNS_CHECK {\n connect_port 54\n connect_timeout 2\n\
             retry 1\n type mx\n name example.com\n }\n }\n}\n",
        );
        assert!(c.lines.is_empty(), "{:?}", c.lines);
        let vs = &c.config.virtual_servers[0];
        let [a, b] = &vs.real_servers[..] else {
            panic!("{}", vs.real_servers.len())
        };
        let (a, b) = (&a.checkers[0], &b.checkers[0]);
        assert_eq!((a.kind.clone(), a.retries), (ce::CheckerKind::Dns, 3));
        let cp::ProbeSpec::Dns(d) = &*a.probe else {
            panic!()
        };
        // No port 53 default: the real server's port.
        assert_eq!(d.conn.dst, "10.0.0.2:5353".parse().unwrap());
        assert_eq!(d.conn.timeout, std::time::Duration::from_secs(5));
        assert_eq!((d.qtype, d.name.as_str()), (6, "."));
        assert_eq!(b.retries, 1);
        let cp::ProbeSpec::Dns(d) = &*b.probe else {
            panic!()
        };
        assert_eq!(d.conn.dst, "10.0.0.3:54".parse().unwrap());
        assert_eq!(d.real_server, "10.0.0.3:53".parse().unwrap());
        assert_eq!(d.conn.timeout, std::time::Duration::from_secs(2));
        assert_eq!((d.qtype, d.name.as_str()), (15, "example.com"));
    }
}
