//! SNMP: an AgentX (RFC 2741) subagent of net-snmp's snmpd serving RFC 2787's VRRP-MIB
//! (`enable_snmp_rfc`/`enable_snmp_rfcv2`, or `-x/--snmp`) and sending `vrrpTrapNewMaster`
//! (`enable_traps`), as keepalived 1.3.5 does (issue 12 §1).
//!
//! The AgentX codec is ours ([`pdu`]): the one Rust AgentX crate, `agentx` (LINBIT, 0.1.1,
//! two releases on one day in September 2023, none since, a codec without session
//! handling), is not a well-kept dependency, and a read-only subagent needs only a
//! handful of PDU types.

pub mod mib;
pub mod pdu;
pub mod session;
pub mod view;

use std::fmt;
use std::path::PathBuf;

use keepalived_conf::ast::GlobalDefs;

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
    /// Serve the RFC 2787 MIB.
    pub rfc: bool,
    /// `enable_traps`.
    pub traps: bool,
    /// `snmp_socket` (the default when absent).
    pub target: Target,
}

impl Config {
    /// Reads `global_defs` (the SNMP keywords are kept verbatim in `other`), `-x` and `-A`
    /// (which `snmp_socket` overrides, as in 1.3.5). `None` when SNMP is off. A bad socket
    /// is logged and the default used.
    pub fn from(g: &GlobalDefs, cli_snmp: bool, cli_socket: Option<&str>) -> Option<Config> {
        let mut rfc = cli_snmp;
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
                Some("enable_snmp_rfc" | "enable_snmp_rfcv2") => rfc = true,
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
        rfc.then(|| Config {
            rfc,
            traps,
            target: target.unwrap_or_else(|| Target::Unix(PathBuf::from(DEFAULT_SOCKET))),
        })
    }
}

/// Starts the subagent thread, reading from `shared`.
pub fn spawn(c: &Config, shared: Shared, epoch: std::time::Instant) -> std::io::Result<()> {
    view::set_epoch(epoch);
    let settings = session::Settings {
        target: c.target.clone(),
        traps: c.traps,
    };
    std::thread::Builder::new()
        .name("snmp".into())
        .spawn(move || session::run(settings, shared))
        .map(|_| ())
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

    fn defs(lines: &[&[&str]]) -> GlobalDefs {
        GlobalDefs {
            other: lines
                .iter()
                .map(|w| keepalived_conf::ast::GenericBlock {
                    words: w.iter().map(|s| s.to_string()).collect(),
                    block: None,
                    span: Default::default(),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn config_from_keywords_and_command_line() {
        assert_eq!(Config::from(&defs(&[]), false, None), None);
        // snmp_socket alone, traps alone, KEEPALIVED-MIB alone: no RFC MIB to serve.
        let off = defs(&[&["snmp_socket", "tcp:1.2.3.4:705"], &["enable_traps"]]);
        assert_eq!(Config::from(&off, false, None), None);
        let c = Config::from(&defs(&[&["enable_snmp_rfcv2"]]), false, None).unwrap();
        assert_eq!(c.target, Target::Unix(DEFAULT_SOCKET.into()));
        assert!(!c.traps);
        let c = Config::from(&off, true, Some("tcp:705")).unwrap();
        // snmp_socket overrides -A.
        assert_eq!(c.target, Target::Tcp("1.2.3.4".into(), 705));
        assert!(c.traps);
        let c = Config::from(&defs(&[&["enable_snmp_rfc"]]), false, Some("unix:/x")).unwrap();
        assert_eq!(c.target, Target::Unix("/x".into()));
    }
}
