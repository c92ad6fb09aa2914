//! SNMP: an AgentX (RFC 2741) subagent of net-snmp's snmpd serving, as keepalived 1.3.5
//! does (issue 12 §1), KEEPALIVED-MIB (`enable_snmp_keepalived`, [`tables`]), RFC 2787's
//! VRRP-MIB (`enable_snmp_rfcv2`, [`mib`]) and RFC 6527's VRRPV3-MIB (`enable_snmp_rfcv3`;
//! `enable_snmp_rfc` is both RFC MIBs, `-x/--snmp` all three), and sending their traps
//! (`enable_traps`). The settings follow reloads ([`Agent::reconfigure`]).
//!
//! The AgentX codec is ours ([`pdu`]): the one Rust AgentX crate, `agentx` (LINBIT, 0.1.1,
//! two releases on one day in September 2023, none since, a codec without session
//! handling), is not a well-kept dependency, and a read-only subagent needs only a
//! handful of PDU types.

pub mod mib;
pub mod pdu;
pub mod routes;
pub mod session;
pub mod tables;
pub mod view;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use crate::metrics::Shared;

/// net-snmp's default AgentX socket.
pub const DEFAULT_SOCKET: &str = "/var/agentx/master";

/// Where the AgentX master listens (net-snmp's transport syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `tcp:HOST:PORT` (also `tcp:PORT`, host 127.0.0.1; `udp:` is not AgentX).
    Tcp(String, u16),
    /// `unix:PATH` or a bare path.
    Unix(PathBuf),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Tcp(h, p) => write!(f, "tcp:{h}:{p}"),
            Target::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

impl Target {
    /// Parses `snmp_socket`'s value; `None` when it is not a transport we can use.
    pub fn parse(s: &str) -> Option<Target> {
        if let Some(rest) = s.strip_prefix("tcp:") {
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) => (h.trim_start_matches('[').trim_end_matches(']'), p),
                None => ("127.0.0.1", rest),
            };
            let port = port.parse().ok()?;
            return Some(Target::Tcp(
                if host.is_empty() { "127.0.0.1" } else { host }.to_string(),
                port,
            ));
        }
        let path = s.strip_prefix("unix:").unwrap_or(s);
        if path.is_empty() || path.contains(':') && !path.starts_with('/') {
            return None;
        }
        Some(Target::Unix(PathBuf::from(path)))
    }
}

/// What the configuration and command line ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// KEEPALIVED-MIB (`enable_snmp_keepalived`): its global part and its VRRP part.
    pub keepalived: bool,
    /// RFC 2787 VRRP-MIB (`enable_snmp_rfcv2`, `enable_snmp_rfc`).
    pub rfcv2: bool,
    /// RFC 6527 VRRPV3-MIB (`enable_snmp_rfcv3`, `enable_snmp_rfc`).
    pub rfcv3: bool,
    /// `enable_traps`.
    pub traps: bool,
    /// `snmp_socket` (the default when absent).
    pub target: Target,
    /// What KEEPALIVED-MIB shows of the configuration besides the engine's instances.
    pub globals: Arc<Globals>,
}

/// A `vrrp_sync_group` as KEEPALIVED-MIB's `vrrpSyncGroupTable` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// Name.
    pub name: String,
    /// Member instance names, in configuration order.
    pub members: Vec<String>,
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify` commands.
    pub scripts: [Option<String>; 4],
}

/// The parts of a `vrrp_instance` the engine does not keep.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceExtra {
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// `notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify` commands.
    pub scripts: [Option<String>; 5],
    /// The sync group it belongs to.
    pub sync_group: Option<String>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
}

/// A `vrrp_script` as KEEPALIVED-MIB's `vrrpScriptTable` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Name.
    pub name: String,
    /// `script` command.
    pub command: String,
    /// `interval` in seconds.
    pub interval: u32,
    /// `weight`.
    pub weight: i32,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
}

/// A `static_ipaddress` entry (row 0 of `vrrpAddressTable`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// Device (`dev`, else `default_interface`, else eth0, as 1.3.5).
    pub dev: String,
    /// `brd`.
    pub broadcast: Option<IpAddr>,
    /// `scope` as the kernel's number.
    pub scope: Option<u8>,
    /// `label`.
    pub label: Option<String>,
}

/// KEEPALIVED-MIB's global part and the configuration of its VRRP tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Globals {
    /// `router_id` (default: the host name, resolved by the subagent).
    pub router_id: Option<String>,
    /// `smtp_server` when it is an address (1.3.5 shows 0.0.0.0 otherwise).
    pub smtp_server: Option<IpAddr>,
    /// `smtp_connect_timeout` in seconds (default 30 with an `smtp_server`, else 0).
    pub smtp_timeout: u32,
    /// Whether `smtp_server` is set (then 1.3.5 defaults the sender to `user@host`).
    pub has_smtp_server: bool,
    /// `notification_email_from`.
    pub email_from: Option<String>,
    /// `notification_email` addresses.
    pub emails: Vec<String>,
    /// `linkbeat_use_polling`.
    pub linkbeat_polling: bool,
    /// `net_namespace`.
    pub net_namespace: Option<String>,
    /// Sync groups in configuration order.
    pub groups: Vec<Group>,
    /// Per instance name.
    pub instances: HashMap<String, InstanceExtra>,
    /// `vrrp_script`s in configuration order.
    pub scripts: Vec<Script>,
    /// `static_ipaddress` entries.
    pub statics: Vec<StaticAddress>,
    /// Routes and rules (`vrrpRouteTable`, `vrrpRuleTable`, `vrrpRouteNextHopTable`), set by
    /// [`Config::with_routing`].
    pub routing: routes::RoutingTables,
}

fn command(n: &Option<keepalived_conf::ast::Notify>) -> Option<String> {
    n.as_ref().map(|n| n.script.clone())
}

impl Globals {
    /// Reads what KEEPALIVED-MIB shows from the configuration.
    pub fn of(cfg: &keepalived_conf::ast::Config) -> Globals {
        let g = &cfg.global_defs;
        let mut instances: HashMap<String, InstanceExtra> = cfg
            .instances
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    InstanceExtra {
                        smtp_alert: i.smtp_alert,
                        scripts: [
                            command(&i.notify_master),
                            command(&i.notify_backup),
                            command(&i.notify_fault),
                            command(&i.notify_stop),
                            command(&i.notify),
                        ],
                        sync_group: None,
                        promote_secondaries: i.promote_secondaries,
                    },
                )
            })
            .collect();
        let groups = cfg
            .sync_groups
            .iter()
            .map(|sg| {
                let members: Vec<String> = sg.group.iter().map(|n| n.name.clone()).collect();
                for m in &members {
                    if let Some(e) = instances.get_mut(m) {
                        e.sync_group = Some(sg.name.clone());
                    }
                }
                Group {
                    name: sg.name.clone(),
                    members,
                    smtp_alert: sg.smtp_alert,
                    scripts: [
                        command(&sg.notify_master),
                        command(&sg.notify_backup),
                        command(&sg.notify_fault),
                        command(&sg.notify),
                    ],
                }
            })
            .collect();
        Globals {
            router_id: g.router_id.clone(),
            smtp_server: g.smtp_server.as_ref().and_then(|s| s.host.parse().ok()),
            // 1.3.5 fills in the timeout's default (30 s) only with an smtp_server.
            smtp_timeout: match (g.smtp_connect_timeout, &g.smtp_server) {
                (Some(t), _) if t > 0 => t,
                (_, Some(_)) => 30,
                _ => 0,
            },
            has_smtp_server: g.smtp_server.is_some(),
            email_from: g.notification_email_from.clone(),
            emails: g.notification_email.clone(),
            linkbeat_polling: cfg.linkbeat_use_polling,
            net_namespace: cfg.net_namespace.clone(),
            groups,
            instances,
            scripts: cfg
                .scripts
                .iter()
                .map(|sc| Script {
                    name: sc.name.clone(),
                    command: sc.script.clone().unwrap_or_default(),
                    interval: sc.interval_secs(),
                    weight: sc.weight(),
                    rise: sc.rise(),
                    fall: sc.fall(),
                    init_fail: sc.init_fail,
                })
                .collect(),
            statics: {
                let dflt = g.default_interface.as_deref().unwrap_or("eth0");
                cfg.static_ipaddress
                    .iter()
                    .map(|a| StaticAddress {
                        addr: a.addr,
                        prefix_len: a.prefix(),
                        dev: a.dev.clone().unwrap_or_else(|| dflt.to_string()),
                        broadcast: a.brd,
                        scope: a.scope.as_deref().and_then(|s| match s {
                            "universe" => Some(0),
                            _ => vrrp_netlink::parse_scope(s),
                        }),
                        label: a.label.clone(),
                    })
                    .collect()
            },
            routing: routes::RoutingTables::default(),
        }
    }
}

impl Config {
    /// The same, with the daemon's converted routes and rules (interfaces checked) for
    /// `vrrpRouteTable`, `vrrpRuleTable` and `vrrpRouteNextHopTable`.
    pub fn with_routing(mut self, r: &crate::convert::Routing) -> Config {
        Arc::make_mut(&mut self.globals).routing = routes::RoutingTables::of(r);
        self
    }

    /// Reads `global_defs` (the SNMP keywords are kept verbatim in `other`), `-x` and `-A`
    /// (which `snmp_socket` overrides, as in 1.3.5). As 1.3.5: `-x` enables all three
    /// MIBs, `enable_snmp_rfc` both RFC MIBs; `None` when no MIB is enabled (then
    /// `enable_traps` alone does nothing: 1.3.5 starts no subagent). A bad socket is logged
    /// and the default used; `in_namespace`: the daemon runs in a namespace (`-s` or
    /// `net_namespace`), which changes the default.
    pub fn from(
        cfg: &keepalived_conf::ast::Config,
        cli_snmp: bool,
        cli_socket: Option<&str>,
        in_namespace: bool,
    ) -> Option<Config> {
        let g = &cfg.global_defs;
        let (mut keepalived, mut rfcv2, mut rfcv3) = (cli_snmp, cli_snmp, cli_snmp);
        let mut traps = false;
        let mut target = cli_socket.and_then(|w| {
            let t = Target::parse(w);
            if t.is_none() {
                crate::logging::error(&format!(
                    "--snmp-agent-socket {w}: not a tcp:HOST:PORT, unix:PATH or path"
                ));
            }
            t
        });
        for o in &g.other {
            match o.words.first().map(String::as_str) {
                Some("enable_snmp_keepalived") => keepalived = true,
                Some("enable_snmp_rfc") => (rfcv2, rfcv3) = (true, true),
                Some("enable_snmp_rfcv2") => rfcv2 = true,
                Some("enable_snmp_rfcv3") => rfcv3 = true,
                Some("enable_traps") => traps = true,
                Some("snmp_socket") => match o.words.get(1).map(|w| (w, Target::parse(w))) {
                    Some((_, Some(t))) => target = Some(t),
                    Some((w, None)) => crate::logging::error(&format!(
                        "snmp_socket {w}: not a tcp:HOST:PORT, unix:PATH or path - using {DEFAULT_SOCKET}"
                    )),
                    None => {}
                },
                _ => {}
            }
        }
        // In a namespace 1.3.5 defaults to `udp:localhost:705`, the namespace's own snmpd
        // (several daemons cannot register the same MIBs with one snmpd): we do the same
        // over TCP, AgentX here being stream-only.
        let default = if in_namespace {
            Target::Tcp("127.0.0.1".into(), 705)
        } else {
            Target::Unix(PathBuf::from(DEFAULT_SOCKET))
        };
        (keepalived || rfcv2 || rfcv3).then(|| Config {
            keepalived,
            rfcv2,
            rfcv3,
            traps,
            target: target.unwrap_or(default),
            globals: Arc::new(Globals::of(cfg)),
        })
    }
}

/// The subagent as the main loop holds it: its settings and the notifies it forwards.
#[derive(Debug)]
pub struct Agent {
    ctrl: session::Control,
    events: std::sync::mpsc::Sender<session::Event>,
}

impl Agent {
    /// Starts the subagent thread with `c`, reading from `shared`.
    pub fn spawn(c: Config, shared: Shared, epoch: std::time::Instant) -> std::io::Result<Agent> {
        view::set_epoch(epoch);
        let ctrl: session::Control = Arc::new(std::sync::Mutex::new((0, Some(c))));
        let (events, rx) = std::sync::mpsc::channel();
        let thread_ctrl = ctrl.clone();
        std::thread::Builder::new()
            .name("snmp".into())
            .spawn(move || session::run(thread_ctrl, rx, shared))?;
        Ok(Agent { ctrl, events })
    }

    /// A reload's settings (`None`: SNMP now off): when they differ, the thread closes its
    /// session and opens one as they say (other subtrees, another socket).
    pub fn reconfigure(&self, c: Option<Config>) {
        let mut g = self
            .ctrl
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // What the session registers and where: a change needs a new session; the rest
        // (traps, the configuration shown) is taken by the running one.
        let session = |c: &Option<Config>| {
            c.as_ref()
                .map(|c| (c.keepalived, c.rfcv2, c.rfcv3, c.target.clone()))
        };
        match (&g.1, &c) {
            (Some(_), None) => crate::logging::info("SNMP: disabled by the new configuration"),
            (None, Some(_)) => crate::logging::info("SNMP: enabled by the new configuration"),
            _ => {}
        }
        let gen = if session(&g.1) != session(&c) {
            g.0 + 1
        } else {
            g.0
        };
        *g = (gen, c);
    }

    /// Forwards an instance's or a sync group's notify (KEEPALIVED-MIB's state-change
    /// traps); `notify_stop` makes none.
    pub fn notify(&self, target: &vrrp_engine::NotifyTarget, state: vrrp_engine::NotifyState) {
        use vrrp_engine::{NotifyState as N, NotifyTarget as T, State};
        let st = match state {
            N::Master => State::Master,
            N::Backup => State::Backup,
            N::Fault => State::Fault,
            N::Stop => return,
        };
        let ev = match target {
            T::Instance(n) => session::Event::Instance(n.clone(), st),
            T::Group(n) => session::Event::Group(n.clone(), st),
        };
        // The thread lives as long as the process: a send cannot fail.
        let _ = self.events.send(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_syntax() {
        assert_eq!(
            Target::parse("tcp:127.0.0.1:705"),
            Some(Target::Tcp("127.0.0.1".into(), 705))
        );
        assert_eq!(
            Target::parse("tcp:705"),
            Some(Target::Tcp("127.0.0.1".into(), 705))
        );
        assert_eq!(
            Target::parse("tcp:[::1]:705"),
            Some(Target::Tcp("::1".into(), 705))
        );
        assert_eq!(
            Target::parse("unix:/run/agentx"),
            Some(Target::Unix("/run/agentx".into()))
        );
        assert_eq!(
            Target::parse("/var/agentx/master"),
            Some(Target::Unix("/var/agentx/master".into()))
        );
        assert_eq!(Target::parse("tcp:host:x"), None);
        assert_eq!(Target::parse("udp:1.2.3.4:161"), None);
    }

    fn defs(lines: &[&[&str]]) -> keepalived_conf::ast::Config {
        keepalived_conf::ast::Config {
            global_defs: keepalived_conf::ast::GlobalDefs {
                other: lines
                    .iter()
                    .map(|w| keepalived_conf::ast::GenericBlock {
                        words: w.iter().map(|s| s.to_string()).collect(),
                        block: None,
                        span: Default::default(),
                    })
                    .collect(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn mibs(c: &Config) -> (bool, bool, bool) {
        (c.keepalived, c.rfcv2, c.rfcv3)
    }

    /// 1.3.5's mapping: `enable_snmp_rfc` is v2 and v3, `-x` all three MIBs, traps and a
    /// socket alone start nothing.
    #[test]
    fn config_from_keywords_and_command_line() {
        assert_eq!(Config::from(&defs(&[]), false, None, false), None);
        // snmp_socket alone, traps alone: no MIB to serve (1.3.5 starts no subagent).
        let off = defs(&[&["snmp_socket", "tcp:1.2.3.4:705"], &["enable_traps"]]);
        assert_eq!(Config::from(&off, false, None, false), None);
        let c = Config::from(&defs(&[&["enable_snmp_rfcv2"]]), false, None, false).unwrap();
        assert_eq!(c.target, Target::Unix(DEFAULT_SOCKET.into()));
        assert_eq!(mibs(&c), (false, true, false));
        assert!(!c.traps);
        let c = Config::from(&off, true, Some("tcp:705"), false).unwrap();
        // snmp_socket overrides -A; -x enables all three.
        assert_eq!(c.target, Target::Tcp("1.2.3.4".into(), 705));
        assert_eq!(mibs(&c), (true, true, true));
        assert!(c.traps);
        let c = Config::from(
            &defs(&[&["enable_snmp_rfc"]]),
            false,
            Some("unix:/x"),
            false,
        )
        .unwrap();
        assert_eq!(c.target, Target::Unix("/x".into()));
        assert_eq!(mibs(&c), (false, true, true));
        let c = Config::from(&defs(&[&["enable_snmp_keepalived"]]), false, None, false).unwrap();
        assert_eq!(mibs(&c), (true, false, false));
        let c = Config::from(&defs(&[&["enable_snmp_rfcv3"]]), false, None, false).unwrap();
        assert_eq!(mibs(&c), (false, false, true));
        // In a namespace: the namespace's own master over TCP unless a socket is given.
        let ns = defs(&[&["enable_snmp_rfc"]]);
        let c = Config::from(&ns, false, None, true).unwrap();
        assert_eq!(c.target, Target::Tcp("127.0.0.1".into(), 705));
        let c = Config::from(&ns, false, Some("unix:/x"), true).unwrap();
        assert_eq!(c.target, Target::Unix("/x".into()));
    }

    #[test]
    fn globals_from_configuration() {
        let text = "global_defs {\n router_id r1\n smtp_server 10.0.0.5\n notification_email {\n a@b\n }\n}\n\
            vrrp_sync_group G {\n group {\n VI_1\n VI_2\n }\n notify_master /bin/m\n}\n\
            vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n smtp_alert\n notify_backup /bin/b\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n\
            vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {\n 10.0.0.2\n }\n}\n";
        let cfg = keepalived_conf::load_str("t.conf", text, &Default::default()).config;
        let g = Globals::of(&cfg);
        assert_eq!(g.router_id.as_deref(), Some("r1"));
        assert_eq!(g.smtp_server, Some("10.0.0.5".parse().unwrap()));
        assert_eq!(g.smtp_timeout, 30);
        assert_eq!(Globals::of(&Default::default()).smtp_timeout, 0);
        assert_eq!(g.emails, vec!["a@b".to_string()]);
        assert_eq!(g.groups.len(), 1);
        assert_eq!(g.groups[0].members, vec!["VI_1", "VI_2"]);
        assert_eq!(g.groups[0].scripts[0].as_deref(), Some("/bin/m"));
        let i = &g.instances["VI_1"];
        assert!(i.smtp_alert);
        assert_eq!(i.sync_group.as_deref(), Some("G"));
        assert_eq!(i.scripts[1].as_deref(), Some("/bin/b"));
    }
}
