//! keepalived 1.3.5's health-checker logic (`keepalived/check/`) as a deterministic state
//! machine: no I/O, no threads, no clock reads.
//!
//! The daemon builds a [`CheckConfig`] (virtual servers, their IPVS services, real
//! servers and checkers; `P` is its own probe description), creates a [`CheckEngine`],
//! and then loops: drain [`CheckEngine::poll_action`] (run [`Action::Probe`]s, apply
//! [`IpvsOp`]s, run scripts, log [`CheckEvent`]s), wait until
//! [`CheckEngine::poll_timeout`] or a probe result, and feed [`Input`]s with the current
//! monotonic time as a [`Duration`](std::time::Duration) since any fixed epoch. The crate
//! knows nothing of keepalived.conf, VRRP or netlink; the daemon converts and applies.
//!
//! # Model (and where in 1.3.5 it comes from)
//!
//! * **Start-up** (`init_services`, `register_checkers_thread`): every service is created,
//!   then each real server is added and marked alive unless the virtual server has
//!   `alpha`, then quorum is evaluated (so `alpha` starts with `Lost quorum ... > 0` and the
//!   sorry server, as 1.3.5 does). Every checker logs `Activating healthchecker for
//!   service VS` (`Deactivating` under `ha_suspend`) and probes first at
//!   `now + 1 s + offset`, where the offset lies in `[0, warmup)` and `warmup` defaults to
//!   the delay_loop (`checker->warmup = vs->delay_loop`; 1.3.5 draws it with `rand()`, we
//!   derive it from the checker id so runs are reproducible).
//! * **Scheduling** (`tcp_epilog`, HTTP `epilog`/`timeout_epilog`, `smtp_final`,
//!   `misc_check_thread`, `dns_final`): one probe in flight per checker; the next is scheduled when its
//!   result arrives: `delay_loop` after a success or a final failure, `delay_before_retry`
//!   after a failure with retries left. A checker is declared down after `1 + retries`
//!   consecutive failures. TCP_CHECK and SMTP_CHECK keep retrying while down; HTTP_GET and
//!   SSL_GET do not ("do not retry if server is already known as dead"); MISC_CHECK has no
//!   retries and is rescheduled a delay_loop after its *launch*, as 1.3.5 arms its timer
//!   before forking (if the script outlives that, the next run starts when it ends, never
//!   two at once). DNS_CHECK retries (`retry`, default 3) only while up, like HTTP, but
//!   each retry comes a delay_loop later, not `delay_before_retry`. One success brings a
//!   down checker up at once. The prober's failure line
//!   ([`ProbeOutcome::Down`]) is logged only while the checker is up, as each 1.3.5
//!   checker does; `Check on service RS failed after N retry.` is logged by TCP and HTTP/SSL
//!   when N > 0. DNS_CHECK logs no line of its own when a server comes back or goes down
//!   after its retries (1.3.5 only mails `=> DNS_CHECK: ... <=` then).
//! * **Real server state** (`update_svr_checker_state`, `perform_svr_state`): a real
//!   server goes down when its first checker fails and up when its last failed checker
//!   recovers. Down: `Removing service RS from VS VS` and the dest is deleted from every
//!   service of the virtual server, or, with `inhibit_on_failure`, `Disabling ...` and its
//!   weight set to 0; up: `Adding`/`Enabling`, dest added or weight restored. While the
//!   sorry server stands in (quorum lost), real servers change state without IPVS
//!   operations. Then notify_up/notify_down runs and quorum is re-evaluated.
//! * **Quorum** (`update_quorum_state`): `W` = sum of the current weights of the alive
//!   real servers. Gained when `W >= quorum + hysteresis`: `Gained quorum Q+H=T <= W`, the
//!   sorry server leaves and the alive real servers are (re-)added, `quorum_up` runs. Lost
//!   when `W == 0 || W < quorum - hysteresis`: `Lost quorum Q-H=T > W`, `quorum_down` runs,
//!   the sorry server comes in (weight restored instead of added under
//!   `sorry_server_inhibit`) and the alive real servers are taken out. `omega` only matters
//!   when a virtual server or real server is torn down (shutdown/reload), where it runs the
//!   notifiers as 1.3.5's `clear_service_rs` does.
//! * **misc_dynamic** (`update_svr_wgt`): a success carrying a weight different from the
//!   current one logs `Changing weight from A to B for active service ...`, updates the
//!   dest if it is in the pool, and re-evaluates quorum.
//! * **ha_suspend** (`update_checker_activity`): while none of the virtual server's
//!   addresses is reported present ([`Input::AddressPresence`]), its checkers' timers keep
//!   running every delay_loop but launch nothing; a probe already in flight still counts.
//! * **Ownership**: only services the engine created (one `AddService` each; a key listed
//!   twice is created once) are ever updated or deleted.
//! * **Reload** ([`CheckEngine::reconfigure`], `clear_diff_services`): virtual servers are
//!   matched by name plus a common service, real servers by (address, port), checkers of a
//!   kept real server by equality of their whole [`Checker`]. Gone virtual servers are torn
//!   down first (`Removing Virtual Server VS`), gone real servers leave
//!   (`service RS no longer exist`, notifiers run as 1.3.5 forces omega), new ones start as
//!   at start-up; kept ones keep alive/weight/failed checkers, their IPVS entries are not
//!   touched, and a changed configured weight is applied with `update_svr_wgt`.
//!
//! # Deliberate differences from 1.3.5
//!
//! * Kept checkers keep their schedule across a reload; 1.3.5 re-creates all checkers
//!   (new warmup, a fresh `Activating` line each). Only new checkers log `Activating`.
//! * A changed service (scheduler, persistence, flags) is updated in place with
//!   [`IpvsOp::UpdateService`] on reload, and changed forwarding/thresholds of a kept real
//!   server with `UpdateDest`; real-server state and connections survive. 1.3.5's
//!   `VS_ISEQ` counts the scheduler, `lb_kind`, persistence and even the quorum script
//!   names as identity, so there any such change deletes the virtual server and creates
//!   it afresh (every real server re-added as at start-up). Virtual servers here are
//!   matched by name plus a common service key; quorum scripts, quorum, alpha etc. simply
//!   take their new values.
//! * A removed real server that sat at weight 0 (`inhibit_on_failure`) is deleted; 1.3.5
//!   leaves it in IPVS. Turning `inhibit_on_failure` off on a down real server deletes
//!   its weight-0 dest likewise.
//! * On reload, a real server kept down only by checkers that no longer exist comes back
//!   up; 1.3.5 copies the old failed-checker ids, which never match again, leaving it down.
//! * When a reload removes or replaces the sorry server while it stands in, the alive real
//!   servers return to the pool (1.3.5 leaves them out until quorum is regained with a
//!   sorry server in, which may never happen).
//! * A new real server added by a reload while the sorry server stands in is not put in
//!   the pool (1.3.5 adds it regardless); a service added to a group by a reload gets the
//!   dests exactly as the other services have them (1.3.5 adds every alive real server,
//!   even while the sorry server stands in, and not the sorry server).
//! * `retries: 0` on TCP_CHECK fails at the first failure; 1.3.5 computes
//!   `n_retry - 1` unsigned, so `retry 0` there retries forever and never fails.
//! * Teardown does not delete destinations before deleting the service (the kernel drops
//!   them with it); the 1.3.5 log lines and omega notifiers are still emitted.
//! * A virtual server group whose entries all change is a different virtual server (torn
//!   down and created afresh); 1.3.5 keeps real-server state through such a change.
//! * HTTP_GET's per-URL success lines (`HTTP status code success to RS url(N).`) and the
//!   SMTP host iteration belong to the prober; the engine sees one outcome per probe.
//! * `ha_suspend` presence is a boolean per address as reported by the daemon (1.3.5
//!   counts the same address on several interfaces, so the daemon reports an address
//!   absent only when it is gone from every interface).
//! * Delays shorter than 1 ms are raised to 1 ms so a zero delay_loop cannot spin.
//!
//! # Cost
//!
//! Deadlines live in a binary heap of (deadline, checker id) with lazy deletion, checker
//! state in a vector indexed by id; a steady-state probe cycle allocates nothing but the
//! queued actions (the probe's `P` is cloned into [`Action::Probe`]). Quorum is
//! re-evaluated over the virtual server's real servers only on state changes.

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
