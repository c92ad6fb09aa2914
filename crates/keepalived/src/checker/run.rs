//! The checker process's loop: the check engine fed by timers, probe results, address changes
//! and signals; its actions applied to IPVS, to scripts and to the log.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use check_engine as ce;
use check_probes as cp;
use keepalived_conf as conf;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use super::convert::{self, Probe};
use super::ipvs::{Ipvs, OpName};
use crate::accounts::SystemAccounts;
use crate::cli::Options;
use crate::logging;
use crate::scripts::{self, NotifyCommand, RunAs};

/// Slack on top of a probe's own bound before the watchdog gives up on it.
const PROBE_SLACK: Duration = Duration::from_secs(2);
/// How often running probes are checked against their bound.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// How often the host's addresses are re-read for `ha_suspend`.
const ADDRESS_POLL: Duration = Duration::from_secs(1);

/// Runs the checkers of `cfg` until SIGTERM; returns the exit code.
pub fn run(opts: &Options, cfg: conf::Config) -> i32 {
    let Some(rt) = crate::runtime::current_thread_runtime() else {
        return 1;
    };
    let opts = opts.clone();
    // The loop runs as a task, not as block_on's own future: a task woken from the runtime's
    // thread (a probe's result, a timer) is queued locally, while waking block_on's future
    // costs an eventfd write and an extra epoll round (two per check, measured).
    rt.block_on(async move {
        let main = tokio::spawn(async move {
            match Checkers::start(&opts, cfg) {
                Ok(mut c) => c.main_loop().await,
                Err(code) => code,
            }
        });
        main.await.unwrap_or_else(|e| {
            logging::error(&format!("checker loop ended abnormally: {e}"));
            1
        })
    })
}

/// What a signal asks of the loop.
enum Request {
    Stop,
    Reload,
}

/// Forwards SIGTERM/SIGINT/SIGHUP into one channel from a task of their own, so the loop polls
/// one receiver instead of three signal streams on every probe result.
fn watch_signals() -> std::io::Result<mpsc::UnboundedReceiver<Request>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let what = tokio::select! {
                _ = term.recv() => Request::Stop,
                _ = int.recv() => Request::Stop,
                _ = hup.recv() => Request::Reload,
            };
            if tx.send(what).is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

/// A running probe.
struct InFlight {
    /// Its launch number: a result is taken only from the launch still expected.
    seq: u64,
    overdue_at: Instant,
    real_server: std::net::SocketAddr,
    task: tokio::task::AbortHandle,
}

struct Checkers {
    opts: Options,
    engine: ce::CheckEngine<Probe>,
    epoch: Instant,
    /// `None` when the kernel has no IPVS: the checks still run and log.
    ipvs: Option<Ipvs>,
    script_users: HashMap<String, Option<RunAs>>,
    done_tx: mpsc::UnboundedSender<(ce::CheckerId, u64, cp::ProbeResult)>,
    done_rx: mpsc::UnboundedReceiver<(ce::CheckerId, u64, cp::ProbeResult)>,
    /// Probes running, by checker (at most one each), with their launch number.
    inflight: HashMap<ce::CheckerId, InFlight>,
    launches: u64,
    signals: mpsc::UnboundedReceiver<Request>,
    /// Whether some virtual server uses `ha_suspend` (then addresses are watched).
    ha_suspend: bool,
    addresses: HashSet<IpAddr>,
}

impl Checkers {
    fn start(opts: &Options, cfg: conf::Config) -> Result<Checkers, i32> {
        let signals = watch_signals().map_err(|e| {
            logging::error(&format!("cannot install signal handlers: {e}"));
            1
        })?;
        // Handlers listen: signals that arrived during start-up are delivered now.
        super::set_handled_signals_blocked(false);
        let conv = prepare(&cfg);
        let mut ipvs = match Ipvs::open() {
            Ok(i) => Some(i),
            Err(e) => {
                // 1.3.5 stops its checker process here; we keep checking and logging so the
                // operator sees the servers' health, and say loudly that nothing is balanced.
                logging::error(&format!(
                    "IPVS: Can't initialize ipvs: {e} - health checks run, nothing is programmed"
                ));
                None
            }
        };
        if let Some(i) = ipvs.as_mut() {
            apply_ipvs_globals(i, &cfg.global_defs);
        }
        let ha_suspend = uses_ha_suspend(&conv.config);
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let epoch = Instant::now();
        let mut c = Checkers {
            opts: opts.clone(),
            engine: ce::CheckEngine::new(conv.config, Duration::ZERO),
            epoch,
            ipvs,
            script_users: conv.script_users,
            done_tx,
            done_rx,
            inflight: HashMap::new(),
            launches: 0,
            signals,
            ha_suspend,
            addresses: HashSet::new(),
        };
        c.poll_addresses();
        c.drain();
        // The AST and the conversion's temporaries are freed: give their pages back.
        crate::runtime::return_free_memory();
        Ok(c)
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    async fn main_loop(&mut self) -> i32 {
        let mut addr_tick = tokio::time::interval(ADDRESS_POLL);
        addr_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sweep_tick = tokio::time::interval(SWEEP_EVERY);
        sweep_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // One timer, moved only when the engine's deadline changes (re-arming a fresh timer
        // after every probe result showed in profiles).
        let sleep = tokio::time::sleep(Duration::from_secs(3600));
        tokio::pin!(sleep);
        let mut armed: Option<Duration> = None;
        loop {
            let deadline = self.engine.poll_timeout();
            if deadline != armed {
                if let Some(d) = deadline {
                    sleep.as_mut().reset((self.epoch + d).into());
                }
                armed = deadline;
            }
            tokio::select! {
                biased;
                Some(sig) = self.signals.recv() => match sig {
                    Request::Stop => return self.shutdown(),
                    Request::Reload => self.reload(),
                },
                _ = &mut sleep, if armed.is_some() => {
                    // Fired: re-armed from the engine's next deadline on the next turn.
                    armed = None;
                    let now = self.now();
                    self.engine.handle(ce::Input::Timer, now);
                }
                Some(first) = self.done_rx.recv() => {
                    // Every result already waiting, before the next deadline is computed.
                    let now = self.now();
                    let mut next = Some(first);
                    while let Some((id, seq, r)) = next {
                        next = self.done_rx.try_recv().ok();
                        if self.inflight.get(&id).is_none_or(|f| f.seq != seq) {
                            continue; // given up on by the sweep, or from before a reload
                        }
                        self.inflight.remove(&id);
                        if let cp::ProbeResult::Inconclusive { detail } = &r {
                            // 1.3.5 logs these where it has words for them (empty otherwise).
                            if !detail.is_empty() {
                                logging::info(detail);
                            }
                        }
                        self.engine.handle(ce::Input::ProbeDone { checker: id, outcome: outcome(r) }, now);
                    }
                }
                _ = addr_tick.tick(), if self.ha_suspend => self.poll_addresses(),
                _ = sweep_tick.tick() => self.sweep_overdue(),
            }
            self.drain();
        }
    }

    /// Carries out every queued action.
    fn drain(&mut self) {
        while let Some(a) = self.engine.poll_action() {
            match a {
                ce::Action::Probe { checker, probe } => self.spawn_probe(checker, probe),
                ce::Action::Ipvs(op) => self.apply(&op),
                ce::Action::Script { path, reason: _ } => self.run_script(path),
                ce::Action::Event(ev) => log_event(&ev),
            }
        }
    }

    fn spawn_probe(&mut self, id: ce::CheckerId, probe: Probe) {
        let tx = self.done_tx.clone();
        self.launches += 1;
        let seq = self.launches;
        let overdue_at = Instant::now() + probe.deadline() + PROBE_SLACK;
        let real_server = probe.real_server();
        let task = tokio::spawn(async move {
            let r = cp::run(&probe).await;
            let _ = tx.send((id, seq, r));
        });
        self.inflight.insert(
            id,
            InFlight {
                seq,
                overdue_at,
                real_server,
                task: task.abort_handle(),
            },
        );
    }

    /// The probes bound themselves; this catches a bug, never a slow server: a probe still
    /// running long after its own bound is aborted and counted as a failure, so its checker
    /// does not stall. (A sweep a second instead of a timer per probe: timers cost a driver
    /// wake-up each.)
    fn sweep_overdue(&mut self) {
        let now = Instant::now();
        let overdue: Vec<ce::CheckerId> = self
            .inflight
            .iter()
            .filter(|(_, f)| f.overdue_at <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in overdue {
            if let Some(f) = self.inflight.remove(&id) {
                f.task.abort();
                let detail = format!(
                    "Check on service [{}]:{} did not finish in time.",
                    f.real_server.ip(),
                    f.real_server.port()
                );
                logging::error(&detail);
                let t = self.now();
                self.engine.handle(
                    ce::Input::ProbeDone {
                        checker: id,
                        outcome: ce::ProbeOutcome::Down { detail },
                    },
                    t,
                );
            }
        }
    }

    fn apply(&mut self, op: &ce::IpvsOp) {
        let Some(ipvs) = self.ipvs.as_mut() else {
            return;
        };
        if let Err(e) = ipvs.apply(op) {
            logging::error(&format!("IPVS: cannot {}: {e}", OpName(op)));
        }
    }

    fn run_script(&self, line: String) {
        let run_as = match self.script_users.get(&line) {
            Some(Some(r)) => *r,
            // Its user did not resolve: said once at conversion.
            Some(None) => return,
            None => RunAs { uid: 0, gid: 0 },
        };
        let check = line.split_whitespace().next().unwrap_or("").to_string();
        scripts::spawn_notify(NotifyCommand {
            line,
            run_as,
            check,
        });
    }

    /// Reports the host's addresses that changed since the last look (`ha_suspend`).
    fn poll_addresses(&mut self) {
        if !self.ha_suspend {
            return;
        }
        let now_set = host_addresses();
        let now = self.now();
        for a in now_set.difference(&self.addresses) {
            self.engine.handle(
                ce::Input::AddressPresence {
                    addr: *a,
                    present: true,
                },
                now,
            );
        }
        for a in self.addresses.difference(&now_set) {
            self.engine.handle(
                ce::Input::AddressPresence {
                    addr: *a,
                    present: false,
                },
                now,
            );
        }
        self.addresses = now_set;
    }

    fn reload(&mut self) {
        logging::info("Got SIGHUP, reloading checker configuration");
        let Some(loaded) = crate::runtime::load_for_reload(&self.opts) else {
            return;
        };
        let conv = prepare(&loaded.config);
        self.ha_suspend = uses_ha_suspend(&conv.config);
        self.script_users = conv.script_users;
        let now = self.now();
        self.engine.reconfigure(conv.config, now);
        crate::runtime::return_free_memory();
        if self.ha_suspend {
            // A new ha_suspend virtual server learns the present addresses at once.
            self.addresses.clear();
            self.poll_addresses();
        }
    }

    fn shutdown(&mut self) -> i32 {
        if self.opts.dont_release_ipvs {
            logging::info("-I/--dont-release-ipvs: leaving the IPVS services in place");
        } else {
            self.engine.shutdown();
        }
        // Only the IPVS removals, scripts (omega) and log lines of the stop; no new probes.
        while let Some(a) = self.engine.poll_action() {
            match a {
                ce::Action::Probe { .. } => {}
                ce::Action::Ipvs(op) => self.apply(&op),
                ce::Action::Script { path, .. } => self.run_script(path),
                ce::Action::Event(ev) => log_event(&ev),
            }
        }
        0
    }
}

fn outcome(r: cp::ProbeResult) -> ce::ProbeOutcome {
    match r {
        cp::ProbeResult::Up { weight } => ce::ProbeOutcome::Up { weight },
        cp::ProbeResult::Down { detail } => ce::ProbeOutcome::Down { detail },
        cp::ProbeResult::Inconclusive { detail } => ce::ProbeOutcome::Inconclusive { detail },
    }
}

fn log_event(ev: &ce::CheckEvent) {
    let text = ev.to_string();
    match ev.level() {
        ce::Level::Error => logging::error(&text),
        ce::Level::Warning => logging::warn(&text),
        ce::Level::Info => logging::info(&text),
    }
}

/// What start and reload both do with a configuration: apply the process settings, then
/// convert it, logging what is left out.
fn prepare(cfg: &conf::Config) -> convert::Converted {
    apply_process_settings(&cfg.global_defs);
    let conv = convert::convert(cfg, &SystemAccounts);
    for line in &conv.lines {
        logging::warn(line);
    }
    conv
}

/// Whether some virtual server suspends its checkers while its address is absent (then the
/// host's addresses are watched).
fn uses_ha_suspend(cfg: &ce::CheckConfig<Probe>) -> bool {
    cfg.virtual_servers.iter().any(|v| v.ha_suspend)
}

/// `checker_priority` (nice) and `checker_no_swap` (mlockall), as 1.3.5 applies them to its
/// checker process.
fn apply_process_settings(g: &conf::GlobalDefs) {
    if let Some(p) = g.checker_priority {
        // SAFETY: setpriority on our own process; no memory involved.
        let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, p) };
        if r != 0 {
            logging::info(&format!(
                "Unable to set priority of checker process to {p}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    if g.checker_no_swap {
        // SAFETY: mlockall takes flags only.
        let r = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
        if r != 0 {
            logging::info(&format!(
                "Unable to lock checker process in memory: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
}

/// `lvs_flush` and `lvs_timeouts`, at start (1.3.5 applies them once).
fn apply_ipvs_globals(ipvs: &mut Ipvs, g: &conf::GlobalDefs) {
    if g.lvs_flush {
        if let Err(e) = ipvs.flush() {
            logging::error(&format!("IPVS: cannot flush the table: {e}"));
        }
    }
    if let Some(t) = &g.lvs_timeouts {
        let secs = |d: Option<Duration>| d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(0));
        if let Err(e) = ipvs.set_timeouts(secs(t.tcp), secs(t.tcpfin), secs(t.udp)) {
            logging::error(&format!("IPVS: cannot set the timeouts: {e}"));
        }
    }
}

/// Every address configured on the host (`getifaddrs`).
fn host_addresses() -> HashSet<IpAddr> {
    let mut set = HashSet::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut head) } != 0 {
        return set;
    }
    let mut cur = head;
    while !cur.is_null() {
        // SAFETY: `cur` is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*cur };
        if !ifa.ifa_addr.is_null() {
            // SAFETY: ifa_addr points to a sockaddr whose family says its real type.
            let family = i32::from(unsafe { (*ifa.ifa_addr).sa_family });
            if family == libc::AF_INET {
                // SAFETY: AF_INET: the sockaddr is a sockaddr_in.
                let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                set.insert(IpAddr::from(
                    u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
                ));
            } else if family == libc::AF_INET6 {
                // SAFETY: AF_INET6: the sockaddr is a sockaddr_in6.
                let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                set.insert(IpAddr::from(sin6.sin6_addr.s6_addr));
            }
        }
        cur = ifa.ifa_next;
    }
    // SAFETY: `head` came from getifaddrs and is freed once.
    unsafe { libc::freeifaddrs(head) };
    set
}
