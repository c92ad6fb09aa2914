//! What the daemon feeds the engine ([`Input`]) and what it gets back ([`Action`]).

use std::net::IpAddr;

use crate::config::CheckerId;
use crate::event::{CheckEvent, ScriptReason};
use crate::ipvs_op::IpvsOp;

/// Result of one probe run by the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The check passed.
    Up {
        /// MISC_CHECK with `misc_dynamic`: exit status 2..=255 gives weight `status - 2`
        /// (1.3.5); `None` leaves the weight alone.
        weight: Option<u32>,
    },
    /// Neither: the probe could not be set up (e.g. the source address cannot be bound) or
    /// an HTTP url answered a status that no `status_code`/`digest` judges (1.3.5 then keeps
    /// the state and tries again after `delay_loop`, counting no retry).
    Inconclusive {
        /// What happened, logged at detail level (1.3.5 logs some of these, not all).
        detail: String,
    },
    /// The check failed.
    Down {
        /// The already-worded log line, logged only while the checker is up, as 1.3.5
        /// does (e.g. `TCP connection to [10.0.0.2]:80 timeout.`).
        detail: String,
    },
}

/// An input to [`crate::CheckEngine::handle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The deadline from [`crate::CheckEngine::poll_timeout`] has passed.
    Timer,
    /// A probe asked for with [`Action::Probe`] finished.
    ProbeDone {
        /// The checker.
        checker: CheckerId,
        /// What it found.
        outcome: ProbeOutcome,
    },
    /// An address appeared on / disappeared from the host (for `ha_suspend`). The daemon
    /// reports every address present at start-up with `present: true`.
    AddressPresence {
        /// The address.
        addr: IpAddr,
        /// Whether it is now configured on some interface.
        present: bool,
    },
}

/// Something the daemon must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action<P> {
    /// Run this probe now and report [`Input::ProbeDone`] (with a timeout: the checker
    /// waits for the result).
    Probe {
        /// The checker.
        checker: CheckerId,
        /// The checker's probe description.
        probe: P,
    },
    /// Apply an IPVS change.
    Ipvs(IpvsOp),
    /// Run a notify script (command line as configured).
    Script {
        /// The command line.
        path: String,
        /// Why.
        reason: ScriptReason,
    },
    /// Log an event.
    Event(CheckEvent),
}
