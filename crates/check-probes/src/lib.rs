//! The I/O half of keepalived 1.3.5's health checkers (`keepalived/check/check_*.c`): one
//! [`run`] per probe attempt, as an async tokio function.
//!
//! - Every probe resolves within [`ProbeSpec::deadline`], whatever the real server does (a
//!   server that accepts and never answers, trickles bytes, or a script that never exits), so a
//!   caller can run many concurrently and one slow real server never delays another.
//! - A probe is ONE attempt. Retries (`nb_get_retry`, `retry`, `delay_before_retry`), the
//!   `delay_loop` schedule, `warmup` and the up/down state belong to the caller (check-engine).
//! - [`ProbeResult::Down::detail`](ProbeResult::Down) is the log line 1.3.5 writes for that
//!   failure, worded as 1.3.5 words it; [`ProbeSpec::success_lines`] are the lines it writes when
//!   a real server that was down passes.
//!
//! This crate imports neither the configuration parser nor the VRRP engine: the daemon converts
//! its AST into these specs (applying 1.3.5's defaults, see each field).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

mod conn;
pub mod dns;
pub mod http;
mod misc;
mod smtp;
mod tcp;
pub mod tls;

pub use dns::DnsNameError;
pub use http::{fetch, FetchError, HttpResponse};
pub use tls::{TlsConfig, TlsError, TlsFiles};

/// 1.3.5's `connect_timeout` default (`queue_checker`: 5 s).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// 1.3.5's `helo_name` default (`SMTP_DEFAULT_HELO`).
pub const DEFAULT_HELO_NAME: &str = "smtpchecker.keepalived.org";

/// How a probe connects (1.3.5's `conn_opts_t`: `connect_ip`, `connect_port`, `bindto`,
/// `bind_port`, `connect_timeout`, `fwmark`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConnectSpec {
    /// Destination: the real server's address and port, overridden by `connect_ip` (which keeps
    /// the port) and `connect_port`.
    pub dst: SocketAddr,
    /// Source address from `bindto` (+ `bind_port`, else port 0). In 1.3.5 `bind_port` without
    /// `bindto` has no effect (the bind address stays unset), so the converter passes `None`.
    pub bind: Option<SocketAddr>,
    /// `connect_timeout` (default [`DEFAULT_CONNECT_TIMEOUT`]; 1.3.5 turns 0 into 1 s). It
    /// bounds each step: connect (with the TLS handshake), each write, each read.
    pub timeout: Duration,
    /// `fwmark`: SO_MARK on the probe socket (1.3.5 built `_WITH_SO_MARK_`).
    pub fwmark: Option<u32>,
}

impl ConnectSpec {
    /// Connect to `dst` with 1.3.5's defaults (no bind, 5 s, no mark).
    pub fn new(dst: SocketAddr) -> ConnectSpec {
        ConnectSpec {
            dst,
            bind: None,
            timeout: DEFAULT_CONNECT_TIMEOUT,
            fwmark: None,
        }
    }
}

/// `TCP_CHECK`: success when a TCP connection is established (then closed with RST, as 1.3.5
/// sets `SO_LINGER` 0).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TcpSpec {
    /// The real server (`real_server IP PORT`): names the server in log lines.
    pub real_server: SocketAddr,
    /// Where and how to connect.
    pub conn: ConnectSpec,
}

/// One `url { }` block of `HTTP_GET`/`SSL_GET`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UrlSpec {
    /// `path`: sent verbatim as the request target.
    pub path: String,
    /// `digest`: MD5 of the body as 32 lowercase hex digits. Compared byte for byte as 1.3.5
    /// does (`strcmp`), so an uppercase digest never matches.
    pub digest: Option<String>,
    /// `status_code`: when set, the status must equal it. When unset 1.3.5 has no default: a
    /// 2xx status is a success, and any other status (without `digest`) is neither success nor
    /// failure ([`ProbeResult::Inconclusive`]).
    pub status_code: Option<u16>,
}

/// `HTTP_GET` (`tls: None`) and `SSL_GET` (`tls: Some`). One probe fetches every url in turn,
/// one connection each (`HTTP/1.0`, read to EOF), and passes when every url passes; it stops at
/// the first url that fails or is inconclusive.
///
/// 1.3.5 walks the list across cycles instead: while the server is down it checks one url per
/// `delay_loop` and declares it up after the last one passed; while it is up it re-checks only
/// the first url (its url counter is reset after each pass). A caller that wants that exactly
/// passes `urls[..1]` for a server that is up; checking every url is the stricter default.
#[derive(Clone, PartialEq, Debug)]
pub struct HttpSpec {
    /// The real server: names the server in log lines.
    pub real_server: SocketAddr,
    /// Where and how to connect.
    pub conn: ConnectSpec,
    /// `virtualhost` (the checker's, else the virtual server's): the `Host:` header. Without it
    /// 1.3.5 sends the connect address and port (`Host: 10.0.0.1:80`, `Host: [2001:db8::1]:80`).
    pub virtualhost: Option<String>,
    /// The `url` blocks, in order. Empty: 1.3.5 declares the server up without connecting.
    pub urls: Vec<UrlSpec>,
    /// `SSL_GET`: the TLS client set-up (from the global `SSL` block).
    pub tls: Option<TlsSpec>,
}

/// TLS for `SSL_GET`.
#[derive(Clone, PartialEq, Debug)]
pub struct TlsSpec {
    /// Server name sent in the TLS ClientHello (SNI). 1.3.5 sends none; the converter may pass
    /// the `virtualhost`. Ignored when it is not a valid DNS name.
    pub sni: Option<String>,
    /// Certificates and keys, loaded once at conversion time ([`TlsConfig::load`]).
    pub config: TlsConfig,
}

/// `SMTP_CHECK`: for each host in turn, connect, read a `220` banner, send `HELO`, expect `250`,
/// send `QUIT`, read a line. The probe passes when every host passes (1.3.5 walks the host list
/// and declares the server up after the last one).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SmtpSpec {
    /// The real server: names the server in the success line.
    pub real_server: SocketAddr,
    /// The `host { }` blocks; without any, 1.3.5 checks one host made of the checker's own
    /// connection options (the real server's address and port unless overridden).
    pub hosts: Vec<ConnectSpec>,
    /// `helo_name` (default [`DEFAULT_HELO_NAME`]).
    pub helo_name: String,
}

/// `MISC_CHECK`: run `misc_path` with `/bin/sh -c` in its own process group.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MiscSpec {
    /// The real server: its address names it in log lines (`[10.0.0.1]`, no port).
    pub real_server: SocketAddr,
    /// `misc_path`: the shell command line.
    pub path: String,
    /// `misc_timeout`, or the virtual server's `delay_loop` when unset or 0 (1.3.5). On expiry
    /// the process group gets SIGTERM, then SIGKILL 2 s later.
    pub timeout: Duration,
    /// `misc_dynamic`: exit codes 2..=255 mean up with weight `code - 2`.
    pub dynamic: bool,
    /// `user`'s uid (1.3.5 skips `setuid` for 0 and so do we).
    pub uid: Option<u32>,
    /// `user`'s gid, also the only supplementary group (1.3.5 skips 0).
    pub gid: Option<u32>,
}

/// `DNS_CHECK`: one query (random id, RD set, one question of class IN) over UDP; success when
/// a reply with the same id and RCODE 0 arrives within `connect_timeout`. Replies with another
/// id and queries are skipped, as 1.3.5 skips them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DnsSpec {
    /// The real server (`real_server IP PORT`): names the server in log lines.
    pub real_server: SocketAddr,
    /// Where and how to send: the real server's address and port unless `connect_ip` /
    /// `connect_port` (1.3.5 has no port 53 default). `timeout` bounds the whole exchange.
    pub conn: ConnectSpec,
    /// QTYPE (`type`: A 1, NS 2, CNAME 5, SOA 6 (the default), MX 15, TXT 16, AAAA 28).
    pub qtype: u16,
    /// QNAME (`name`, default `.`), see [`dns::encode_name`].
    pub name: String,
}

/// One health check of one real server.
#[derive(Clone, PartialEq, Debug)]
pub enum ProbeSpec {
    /// `TCP_CHECK`.
    Tcp(TcpSpec),
    /// `HTTP_GET` and `SSL_GET`.
    Http(HttpSpec),
    /// `SMTP_CHECK`.
    Smtp(SmtpSpec),
    /// `MISC_CHECK`.
    Misc(MiscSpec),
    /// `DNS_CHECK`.
    Dns(DnsSpec),
}

/// The outcome of one probe attempt.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ProbeResult {
    /// The check passed. `weight` is `Some` only for a `misc_dynamic` exit code 2..=255
    /// (1.3.5 sets the real server's weight to `code - 2`).
    Up {
        /// New weight for the real server, when the check dictates one.
        weight: Option<u32>,
    },
    /// The check failed: counts towards the retries, then takes the server down.
    Down {
        /// The line 1.3.5 logs for this failure (logged while the server is up).
        detail: String,
    },
    /// 1.3.5 neither passes nor fails the check: the server keeps its state and the next
    /// attempt comes after `delay_loop` (no retry counted). Happens when the probe socket cannot
    /// be set up (bind/fwmark failure, immediate connect error such as no route:
    /// "... socket bind failed. Rescheduling.") and for an HTTP url answering a non-2xx status
    /// without `status_code` or `digest` configured (1.3.5 logs nothing then).
    Inconclusive {
        /// What happened, in 1.3.5's words where it logs something.
        detail: String,
    },
}

/// `[addr]:port`, 1.3.5's `inet_sockaddrtopair` (`FMT_RS`), for IPv4 and IPv6 alike.
pub fn fmt_pair(addr: &SocketAddr) -> String {
    format!("[{}]:{}", addr.ip(), addr.port())
}

/// The address alone, 1.3.5's `inet_sockaddrtos` (used by MISC_CHECK's lines in brackets).
pub fn fmt_ip(ip: &IpAddr) -> String {
    ip.to_string()
}

impl ProbeSpec {
    /// The real server this probe checks.
    pub fn real_server(&self) -> SocketAddr {
        match self {
            ProbeSpec::Tcp(s) => s.real_server,
            ProbeSpec::Http(s) => s.real_server,
            ProbeSpec::Smtp(s) => s.real_server,
            ProbeSpec::Misc(s) => s.real_server,
            ProbeSpec::Dns(s) => s.real_server,
        }
    }

    /// An upper bound on how long [`run`] takes (the probe enforces it; a little scheduling
    /// slack aside). TCP: one `connect_timeout`. HTTP/SSL: per url, connect + handshake, write,
    /// and the whole response each get one `connect_timeout`, the response two (each read is
    /// also bounded by one). SMTP: per host, six steps of `connect_timeout` (connect, banner,
    /// HELO, its reply, QUIT, its reply). MISC: `timeout` (the kill happens in the background).
    /// DNS: one `connect_timeout` for the query and its reply together.
    pub fn deadline(&self) -> Duration {
        match self {
            ProbeSpec::Tcp(s) => s.conn.timeout,
            ProbeSpec::Http(s) => http::url_deadline(&s.conn) * (s.urls.len() as u32),
            ProbeSpec::Smtp(s) => s.hosts.iter().map(smtp::host_deadline).sum(),
            ProbeSpec::Misc(s) => s.timeout,
            ProbeSpec::Dns(s) => s.conn.timeout,
        }
    }

    /// The lines 1.3.5 logs when a real server that is down passes this check, in order (the
    /// last one announces the transition). 1.3.5 logs nothing on passes while the server is up.
    /// DNS_CHECK logs nothing on a pass at all (1.3.5's `dns_final` only mails
    /// `=> DNS_CHECK: succeed on service <=` through `smtp_alert`): no line.
    pub fn success_lines(&self) -> Vec<String> {
        match self {
            ProbeSpec::Tcp(s) => vec![format!(
                "TCP connection to {} success.",
                fmt_pair(&s.real_server)
            )],
            ProbeSpec::Http(s) => {
                let rs = fmt_pair(&s.real_server);
                let mut lines: Vec<String> = s
                    .urls
                    .iter()
                    .enumerate()
                    .map(|(i, u)| {
                        let what = if u.digest.is_some() {
                            "MD5 digest success"
                        } else if u.status_code.is_some() {
                            "HTTP status code success"
                        } else {
                            "HTTP success"
                        };
                        format!("{what} to {rs} url({}).", i + 1)
                    })
                    .collect();
                lines.push(format!("Remote Web server {rs} succeed on service."));
                lines
            }
            ProbeSpec::Smtp(s) => vec![format!(
                "Remote SMTP server {} succeed on service.",
                fmt_pair(&s.real_server)
            )],
            ProbeSpec::Misc(s) => vec![format!(
                "Misc check to [{}] for [{}] success.",
                fmt_ip(&s.real_server.ip()),
                s.path
            )],
            ProbeSpec::Dns(_) => Vec::new(),
        }
    }
}

impl fmt::Display for ProbeResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeResult::Up { weight: None } => f.write_str("up"),
            ProbeResult::Up { weight: Some(w) } => write!(f, "up (weight {w})"),
            ProbeResult::Down { detail } => write!(f, "down: {detail}"),
            ProbeResult::Inconclusive { detail } => write!(f, "inconclusive: {detail}"),
        }
    }
}

/// Run one attempt of `spec`. Resolves within [`ProbeSpec::deadline`]; never panics on
/// anything the network, the script or the files do.
pub async fn run(spec: &ProbeSpec) -> ProbeResult {
    match spec {
        ProbeSpec::Tcp(s) => tcp::run(s).await,
        ProbeSpec::Http(s) => http::run(s).await,
        ProbeSpec::Smtp(s) => smtp::run(s).await,
        ProbeSpec::Misc(s) => misc::run(s).await,
        ProbeSpec::Dns(s) => dns::run(s).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caller spawns probes on a multi-threaded runtime: the future must be `Send`.
    #[test]
    fn run_future_is_send() {
        fn is_send<T: Send>(_: &T) {}
        let spec = ProbeSpec::Tcp(TcpSpec {
            real_server: "127.0.0.1:1".parse().unwrap(),
            conn: ConnectSpec::new("127.0.0.1:1".parse().unwrap()),
        });
        let fut = run(&spec);
        is_send(&fut);
    }

    #[test]
    fn pairs_are_formatted_as_1_3_5() {
        assert_eq!(fmt_pair(&"10.0.0.1:80".parse().unwrap()), "[10.0.0.1]:80");
        assert_eq!(
            fmt_pair(&"[2001:db8::1]:443".parse().unwrap()),
            "[2001:db8::1]:443"
        );
    }
}
