//! Typed events; `Display` gives keepalived 1.3.5's log line for each.

use std::fmt;
use std::net::IpAddr;

/// Log level of an event (syslog priority 1.3.5 uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// LOG_ERR.
    Error,
    /// LOG_WARNING.
    Warning,
    /// LOG_INFO.
    Info,
}

/// Which notify script an [`crate::Action::Script`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptReason {
    /// A real server's `notify_up`.
    RealServerUp,
    /// A real server's `notify_down`.
    RealServerDown,
    /// A virtual server's `quorum_up`.
    QuorumUp,
    /// A virtual server's `quorum_down`.
    QuorumDown,
}

/// Which checker succeeded, for the wording of [`CheckEvent::CheckSucceeded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuccessWording {
    /// TCP_CHECK: `TCP connection to [ip]:port success.`
    Tcp,
    /// HTTP_GET / SSL_GET: `Remote Web server [ip]:port succeed on service.`
    Web,
    /// SMTP_CHECK: `Remote SMTP server [ip]:port succeed on service.`
    Smtp,
    /// MISC_CHECK: `Misc check to [ip] for [path] success.`
    Misc,
}

/// A (address, port) pair formatted as 1.3.5's `inet_sockaddrtopair`: `[10.0.0.2]:80`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]:{}", self.addr, self.port)
    }
}

/// Something the engine did or saw, worded as 1.3.5 logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckEvent {
    /// `Activating healthchecker for service VS` (start-up, or ha_suspend address back).
    Activating {
        /// Virtual server name.
        vs: String,
    },
    /// `Deactivating healthchecker for service VS` (start-up under ha_suspend).
    Deactivating {
        /// Virtual server name.
        vs: String,
    },
    /// `Suspending healthchecker for service VS` (ha_suspend address gone).
    Suspending {
        /// Virtual server name.
        vs: String,
    },
    /// `VS [VS] has no configured RS! Skipping RS activation.` (warning).
    NoRealServers {
        /// Virtual server name.
        vs: String,
    },
    /// A failed probe while the checker was up; the prober's own wording
    /// (e.g. `TCP connection to [10.0.0.2]:80 failed.`).
    ProbeFailed {
        /// The checker.
        checker: crate::CheckerId,
        /// The line, as the prober worded it.
        detail: String,
    },
    /// A checker came back up (`TCP connection to [10.0.0.2]:80 success.`, ...).
    CheckSucceeded {
        /// The checker.
        checker: crate::CheckerId,
        /// Which wording.
        wording: SuccessWording,
        /// The real server.
        rs: Endpoint,
        /// MISC_CHECK's `misc_path` (empty for the others).
        path: String,
    },
    /// `Check on service [10.0.0.2]:80 failed after 3 retry.` (TCP/HTTP/SSL with retries).
    CheckFailedAfterRetries {
        /// The checker.
        checker: crate::CheckerId,
        /// The real server.
        rs: Endpoint,
        /// The configured number of retries.
        retries: u32,
    },
    /// `Removing service RS from VS VS` / `Disabling ...` (inhibit_on_failure).
    RealServerDown {
        /// The real server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
        /// inhibit_on_failure (wording `Disabling`).
        inhibit: bool,
    },
    /// `Adding service RS to VS VS` / `Enabling ...` (inhibit_on_failure).
    RealServerUp {
        /// The real server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
        /// inhibit_on_failure (wording `Enabling`).
        inhibit: bool,
    },
    /// `Executing [SCRIPT] for service RS in VS VS`.
    ExecutingRealServerScript {
        /// The command line.
        script: String,
        /// The real server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
    },
    /// `Executing [SCRIPT] for VS VS`.
    ExecutingVsScript {
        /// The command line.
        script: String,
        /// Virtual server name.
        vs: String,
    },
    /// `Gained quorum Q+H=T <= W for VS VS`.
    QuorumGained {
        /// `quorum`.
        quorum: u32,
        /// `hysteresis`.
        hysteresis: u32,
        /// quorum + hysteresis.
        threshold: i64,
        /// Sum of the weights of the alive real servers.
        weight: i64,
        /// Virtual server name.
        vs: String,
    },
    /// `Lost quorum Q-H=T > W for VS VS`.
    QuorumLost {
        /// `quorum`.
        quorum: u32,
        /// `hysteresis`.
        hysteresis: u32,
        /// quorum - hysteresis.
        threshold: i64,
        /// Sum of the weights of the alive real servers.
        weight: i64,
        /// Virtual server name.
        vs: String,
    },
    /// `Adding sorry server RS to VS VS` / `Enabling ...` (sorry_server_inhibit).
    SorryServerAdded {
        /// The sorry server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
        /// sorry_server_inhibit.
        inhibit: bool,
    },
    /// `Removing sorry server RS from VS VS` / `Disabling ...`.
    SorryServerRemoved {
        /// The sorry server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
        /// sorry_server_inhibit.
        inhibit: bool,
    },
    /// `Adding alive servers to the pool for VS VS` / `Removing alive servers from ...`.
    AlivePool {
        /// Adding (quorum gained) or removing (sorry server in).
        add: bool,
        /// Virtual server name.
        vs: String,
    },
    /// `Changing weight from A to B for active|inactive service RS of VS VS`.
    WeightChanged {
        /// Old weight.
        from: u32,
        /// New weight.
        to: u32,
        /// Whether the real server is alive.
        active: bool,
        /// The real server.
        rs: Endpoint,
        /// Virtual server name.
        vs: String,
    },
    /// `service RS no longer exist` (reload removed a real server).
    RealServerGone {
        /// The real server.
        rs: Endpoint,
    },
    /// `Removing Virtual Server VS` (reload removed a virtual server).
    VirtualServerGone {
        /// Virtual server name.
        vs: String,
    },
}

impl CheckEvent {
    /// The syslog level 1.3.5 uses for this line.
    pub fn level(&self) -> Level {
        match self {
            CheckEvent::NoRealServers { .. } => Level::Warning,
            _ => Level::Info,
        }
    }
}

impl fmt::Display for CheckEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckEvent::Activating { vs } => write!(f, "Activating healthchecker for service {vs}"),
            CheckEvent::Deactivating { vs } => {
                write!(f, "Deactivating healthchecker for service {vs}")
            }
            CheckEvent::Suspending { vs } => write!(f, "Suspending healthchecker for service {vs}"),
            CheckEvent::NoRealServers { vs } => {
                write!(f, "VS [{vs}] has no configured RS! Skipping RS activation.")
            }
            CheckEvent::ProbeFailed { detail, .. } => f.write_str(detail),
            CheckEvent::CheckSucceeded {
                wording, rs, path, ..
            } => match wording {
                SuccessWording::Tcp => write!(f, "TCP connection to {rs} success."),
                SuccessWording::Web => write!(f, "Remote Web server {rs} succeed on service."),
                SuccessWording::Smtp => write!(f, "Remote SMTP server {rs} succeed on service."),
                SuccessWording::Misc => {
                    write!(f, "Misc check to [{}] for [{path}] success.", rs.addr)
                }
            },
            CheckEvent::CheckFailedAfterRetries { rs, retries, .. } => {
                write!(f, "Check on service {rs} failed after {retries} retry.")
            }
            CheckEvent::RealServerDown { rs, vs, inhibit } => {
                let verb = if *inhibit { "Disabling" } else { "Removing" };
                write!(f, "{verb} service {rs} from VS {vs}")
            }
            CheckEvent::RealServerUp { rs, vs, inhibit } => {
                let verb = if *inhibit { "Enabling" } else { "Adding" };
                write!(f, "{verb} service {rs} to VS {vs}")
            }
            CheckEvent::ExecutingRealServerScript { script, rs, vs } => {
                write!(f, "Executing [{script}] for service {rs} in VS {vs}")
            }
            CheckEvent::ExecutingVsScript { script, vs } => {
                write!(f, "Executing [{script}] for VS {vs}")
            }
            CheckEvent::QuorumGained {
                quorum,
                hysteresis,
                threshold,
                weight,
                vs,
            } => write!(
                f,
                "Gained quorum {quorum}+{hysteresis}={threshold} <= {weight} for VS {vs}"
            ),
            CheckEvent::QuorumLost {
                quorum,
                hysteresis,
                threshold,
                weight,
                vs,
            } => write!(
                f,
                "Lost quorum {quorum}-{hysteresis}={threshold} > {weight} for VS {vs}"
            ),
            CheckEvent::SorryServerAdded { rs, vs, inhibit } => {
                let verb = if *inhibit { "Enabling" } else { "Adding" };
                write!(f, "{verb} sorry server {rs} to VS {vs}")
            }
            CheckEvent::SorryServerRemoved { rs, vs, inhibit } => {
                let verb = if *inhibit { "Disabling" } else { "Removing" };
                write!(f, "{verb} sorry server {rs} from VS {vs}")
            }
            CheckEvent::AlivePool { add, vs } => {
                if *add {
                    write!(f, "Adding alive servers to the pool for VS {vs}")
                } else {
                    write!(f, "Removing alive servers from the pool for VS {vs}")
                }
            }
            CheckEvent::WeightChanged {
                from,
                to,
                active,
                rs,
                vs,
            } => {
                let state = if *active { "active" } else { "inactive" };
                write!(
                    f,
                    "Changing weight from {from} to {to} for {state} service {rs} of VS {vs}"
                )
            }
            CheckEvent::RealServerGone { rs } => write!(f, "service {rs} no longer exist"),
            CheckEvent::VirtualServerGone { vs } => write!(f, "Removing Virtual Server {vs}"),
        }
    }
}
