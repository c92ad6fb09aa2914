//! keepalived 1.3.5's health-checker logic (`keepalived/check/`) as a deterministic state
//! machine: no I/O, no threads, no clock reads.
//!
//! The daemon builds a [`CheckConfig`] (virtual servers, their IPVS services, real
//! servers and checkers; `P` is its own probe description), creates a [`CheckEngine`],
//! and then loops: drain [`CheckEngine::poll_action`] (run [`Action::Probe`]s, apply
//! [`IpvsOp`]s, run scripts, log [`CheckEvent`]s), wait until
//! [`CheckEngine::poll_timeout`] or a probe result, and feed [`Input`]s with the current
//! monotonic time as a [`Duration`](std::time::Duration) since any fixed epoch.
//!
//! (Design notes follow in the next commit.)

#![forbid(unsafe_code)]

pub mod config;
pub mod engine;
pub mod event;
pub mod io;
pub mod ipvs_op;

pub use config::{
    CheckConfig, Checker, CheckerId, CheckerKind, ConfigError, Dest, Family, Forwarding, Protocol,
    RealServer, ServiceKey, ServiceSpec, VirtualServer,
};
pub use engine::{CheckEngine, RsStatus, Status, VsStatus};
pub use event::{CheckEvent, Endpoint, Level, ScriptReason, SuccessWording};
pub use io::{Action, Input, ProbeOutcome};
pub use ipvs_op::IpvsOp;
