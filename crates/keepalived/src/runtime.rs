//! The running daemon: one tokio current-thread runtime driving the engine.
//!
//! Inputs (packets from one task per VRRP socket through a bounded queue, netlink link events,
//! script results, signals, the engine's own deadline) are funnelled into one loop that calls
//! [`Engine::handle`] and carries out the returned actions in order; timers go before packets.
//! Nothing here panics on kernel or network data: a failed send or netlink call is logged and
//! the daemon carries on.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use keepalived_conf as conf;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use vrrp_engine::{Action, Engine, Family, Input, InstanceId, NotifyState, Output, RxPacket, Vip};
use vrrp_netlink::{AddressSpec, LinkEvent, Netlink};

use crate::cli::Options;
use crate::control;
use crate::convert::{self, Converted, IfInfo, Interfaces, NotifyTable};
use crate::daemonize::ReadyNotifier;
use crate::dump;
use crate::engine_timer::EngineTimer;
use crate::firewall::Firewall;
use crate::logging;
use crate::lvs_syncd::LvsSyncd;
use crate::metrics;
use crate::net::packet_socket::PacketSocket;
use crate::net::vrrp_socket::{RecvMeta, VrrpSocket};
use crate::routing::RouteManager;
use crate::rx_queue::{self, RxMsg, RxQueue};
use crate::script_security;
use crate::scripts::{self, ScriptResult};
use crate::sd_notify;
use crate::smtp;
use crate::snmp;
use crate::sysconf::{self, ProcSysctl, PromoteSecondaries};
use crate::vmac::{ProcConf, Vmacs};

/// Receive buffer: larger than any VRRP packet on an Ethernet MTU.
const RX_BUF: usize = 9000;

/// Packets handled per turn of the main loop before it yields to the other tasks (socket
/// readers, signals, netlink). Due timers are checked before every packet regardless.
const PACKET_BATCH: usize = 32;

/// Most packets a reader takes from its socket per wakeup (the rest wait in the kernel's
/// buffer): a flood cannot keep the reader, and so the protocol timers, from running.
const RX_PER_LOOK: usize = 256;

/// Capacity of the reused engine output buffer kept between inputs.
const KEPT_OUTPUTS: usize = 256;

/// Minimum time between two "receive queue full" lines.
const DROP_LOG_INTERVAL: Duration = Duration::from_secs(1);

struct SocketEntry {
    socket: Rc<VrrpSocket>,
    task: JoinHandle<()>,
    /// The interface index the socket is bound and joined to.
    ifindex: u32,
}

/// First delay before a broken interface's sockets are reopened; doubled after each failed
/// try, up to [`SOCKET_RETRY_MAX`].
const SOCKET_RETRY_FIRST: Duration = Duration::from_secs(1);
/// Longest delay between two reopen tries.
const SOCKET_RETRY_MAX: Duration = Duration::from_secs(16);

/// Send errors that mean the socket's interface is gone or unusable (not a passing
/// shortage like ENOBUFS): the interface is held down for the engine until a fresh socket
/// opens, so an instance that cannot advertise does not keep the VIP.
fn send_error_is_fatal(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ENODEV) | Some(libc::ENXIO) | Some(libc::ENETDOWN)
    )
}

/// Wait before the next reopen after `tries` failures: 1 s, 2 s, 4 s, … up to 16 s.
fn retry_delay(tries: u32) -> Duration {
    let doublings = tries.saturating_sub(1).min(8);
    SOCKET_RETRY_FIRST
        .saturating_mul(1u32 << doublings)
        .min(SOCKET_RETRY_MAX)
}

/// Waits for the engine's deadline: on the timerfd when there is one, else (it could not be
/// created or armed) on the runtime's timer, `after` from now; forever without a deadline.
async fn wait_deadline(timer: Option<&mut EngineTimer>, after: Option<Duration>) {
    match (timer, after) {
        (Some(t), _) => {
            if let Err(e) = t.expired().await {
                logging::error(&format!("protocol timer: {e}"));
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        (None, Some(after)) => tokio::time::sleep(after).await,
        (None, None) => std::future::pending().await,
    }
}

/// Hands the heap's free pages back to the kernel. Start-up and reload parse and convert the
/// whole configuration (megabytes at 1,000 instances) and free it again, but glibc keeps freed
/// memory below the top of its heap resident; this runs only then, never per packet.
pub(crate) fn return_free_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns memory that glibc's allocator holds free; it touches no
    // live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A request to look at one interface's sockets again (from a failed send or a retry timer).
struct SocketRecheck {
    interface: String,
    /// true: reopen the sockets now; false: only tell the engine the interface is unusable.
    reopen: bool,
}

/// The configuration file read again for a reload (VRRP and checker processes alike); `None`
/// (with the reason logged) keeps the running configuration.
pub(crate) fn load_for_reload(opts: &Options) -> Option<conf::Loaded> {
    match conf::load(
        &opts.config_file,
        &conf::LoadOptions {
            config_id: opts.config_id.clone(),
        },
    ) {
        Ok(l) => Some(l),
        Err(e) => {
            logging::error(&format!("{e} - keeping the running configuration"));
            None
        }
    }
}

/// A single-threaded tokio runtime (every process of the daemon runs one); `None` (logged)
/// when it cannot be built.
pub(crate) fn current_thread_runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            logging::error(&format!("cannot start the runtime: {e}"));
            None
        }
    }
}

/// Runs the daemon until SIGTERM/SIGINT; returns the process exit code.
pub fn run(opts: &Options, loaded: conf::Loaded, ready: ReadyNotifier) -> i32 {
    let Some(rt) = current_thread_runtime() else {
        return 1;
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        match Daemon::start(opts.clone(), loaded).await {
            Ok(mut d) => {
                return_free_memory();
                ready.ready();
                sd_notify::tell("READY=1\nSTATUS=VRRP instances started");
                d.main_loop().await
            }
            Err(code) => code,
        }
    })
}

struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
    usr1: Signal,
    usr2: Signal,
    /// keepalived 2.x's JSON dump signal (SIGRTMIN + 2).
    json: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
            json: signal(SignalKind::from_raw(control::json_signal()))?,
        })
    }
}

struct Daemon {
    opts: Options,
    engine: Engine,
    /// The engine's output buffer, reused for every input (no allocation per packet).
    outs: Vec<Output>,
    epoch: Instant,
    nl: Netlink,
    ifs: Interfaces,
    /// Interfaces the engine cares about (instance + tracked interfaces).
    watched: HashSet<String>,
    sockets: HashMap<(String, Family), SocketEntry>,
    /// The bounded packet queue: socket reader tasks push, the main loop pops.
    pkt_tx: RxQueue,
    /// Queue drops already logged, and when the last such line was logged.
    drops_logged: (u64, Option<Instant>),
    /// (interface, family) → (multicast group, any multicast instance, any AH instance) of
    /// the configuration.
    wanted: HashMap<(String, Family), SocketSpec>,
    /// Interfaces whose VRRP sockets failed (open error, ENODEV on send): down for the
    /// engine until a reopen works.
    broken: HashSet<String>,
    /// Socket failures per interface since its last successful send (sets the retry delay).
    socket_tries: HashMap<String, u32>,
    /// Pending reopen timer per broken interface.
    retry_tasks: HashMap<String, JoinHandle<()>>,
    recheck_tx: UnboundedSender<SocketRecheck>,
    recheck_rx: UnboundedReceiver<SocketRecheck>,
    link_rx: Option<UnboundedReceiver<LinkEvent>>,
    script_tx: UnboundedSender<ScriptResult>,
    script_rx: UnboundedReceiver<ScriptResult>,
    script_tasks: Vec<JoinHandle<()>>,
    garp: Option<PacketSocket>,
    notify: NotifyTable,
    /// `smtp_alert` mails of the running configuration.
    smtp: smtp::Alerts,
    signals: Signals,
    /// The engine's next deadline (None: no timerfd, the runtime's timer is used).
    timer: Option<EngineTimer>,
    stop_notified: bool,
    /// Interfaces whose `promote_secondaries` sysctl we turned on.
    promote: PromoteSecondaries,
    /// iptables/ipset filters of the VIPs of MASTERs without accept mode.
    firewall: Firewall,
    /// virtual_routes/virtual_rules and static_* (issue 11).
    routes: RouteManager,
    /// VMAC interfaces (`use_vmac`) we run on, removed at stop.
    vmacs: Vmacs,
    /// What `--metrics-listen` serves, refreshed after every input (None: not asked for).
    metrics: Option<metrics::Shared>,
    /// The SNMP subagent, once a configuration enabled it.
    snmp: Option<snmp::Agent>,
    /// The `--status` control socket (None: it could not be set up), and its requests.
    control: Option<control::Server>,
    control_rx: tokio::sync::mpsc::Receiver<control::Request>,
    /// The IPVS sync daemon that follows `lvs_sync_daemon`'s instance.
    syncd: LvsSyncd,
}

impl Daemon {
    async fn start(opts: Options, loaded: conf::Loaded) -> Result<Daemon, i32> {
        // Signals first: a SIGTERM during startup must not kill us with the VIPs half set up.
        let signals = Signals::new().map_err(|e| {
            logging::error(&format!("cannot install signal handlers: {e}"));
            1
        })?;
        let link_rx = match vrrp_netlink::watch_links() {
            Ok((fut, rx)) => {
                tokio::task::spawn_local(fut);
                logging::info("Registering Kernel netlink reflector");
                Some(rx)
            }
            Err(e) => {
                logging::error(&format!(
                    "Cannot open the netlink link monitor: {e} - interface changes will not be seen"
                ));
                None
            }
        };
        let nl = match Netlink::connect() {
            Ok((nl, conn)) => {
                tokio::task::spawn_local(conn);
                logging::info("Registering Kernel netlink command channel");
                nl
            }
            Err(e) => {
                logging::error(&format!("Cannot open the netlink command channel: {e}"));
                return Err(1);
            }
        };
        let garp = match PacketSocket::open() {
            Ok(s) => {
                logging::info("Registering gratuitous ARP shared channel");
                Some(s)
            }
            Err(e) => {
                logging::error(&format!(
                    "Cannot open the gratuitous ARP channel: {e} - no gratuitous ARP will be sent"
                ));
                None
            }
        };
        let ifs = snapshot(&nl).await;
        let mut conv = convert::convert(
            &loaded.config,
            &ifs,
            convert::ConvertOptions {
                release_vips: opts.release_vips,
            },
        );
        let checked =
            script_security::apply(&loaded.config, &mut conv, &script_security::Env::system());
        conv.messages.extend(checked);
        for m in &conv.messages {
            logging::log_line(m);
        }
        if opts.dump_conf {
            dump_config(&conv);
        }
        if conv.engine.instances.is_empty() {
            logging::warn(
                "No usable vrrp_instance in the configuration - nothing to do until a reload",
            );
        }
        sysconf::apply_process_settings(&loaded.config.global_defs);
        let promote_ifs = sysconf::promote_interfaces(
            &loaded.config,
            conv.engine.instances.iter().map(|i| i.name.as_str()),
        );
        let has_link_watch = link_rx.is_some();
        let routing = routing_config(&loaded.config, &ifs);
        let wanted = wanted_sockets(&conv);
        let watched = watched_interfaces(&conv);
        // Leftover VIPs of our instances (a crashed predecessor) go first, as in keepalived.
        let leftovers: Vec<(String, Vec<Vip>)> = conv
            .engine
            .instances
            .iter()
            .map(|inst| {
                let all = inst.vips.iter().chain(&inst.excluded_vips).cloned();
                (inst.name.clone(), all.collect())
            })
            .collect();
        let pkt_tx = RxQueue::new(rx_queue::capacity_for(conv.engine.instances.len()));
        let (script_tx, script_rx) = unbounded_channel();
        let (recheck_tx, recheck_rx) = unbounded_channel();
        let (control_tx, control_rx) = tokio::sync::mpsc::channel(4);
        // The daemon's own view: in a namespace, its /var/run/keepalived is the host's
        // /var/run/keepalived/NAME.
        let id = crate::netns::started().cloned().unwrap_or_default();
        let control = match control::serve(&opts.control_socket_path(&id), control_tx) {
            Ok(s) => Some(s),
            Err(e) => {
                logging::error(&format!(
                    "Cannot open the control socket: {e} - keepalived --status will not answer"
                ));
                None
            }
        };
        let mut d = Daemon {
            // The engine takes the instances' configuration: one owner, no copy.
            engine: Engine::new(std::mem::take(&mut conv.engine)),
            outs: Vec::new(),
            opts,
            epoch: Instant::now(),
            nl,
            ifs,
            watched: HashSet::new(),
            sockets: HashMap::new(),
            wanted,
            broken: HashSet::new(),
            socket_tries: HashMap::new(),
            retry_tasks: HashMap::new(),
            recheck_tx,
            recheck_rx,
            pkt_tx,
            drops_logged: (0, None),
            link_rx,
            script_tx,
            script_rx,
            script_tasks: Vec::new(),
            garp,
            notify: std::mem::take(&mut conv.notify),
            smtp: smtp::Alerts::new(&loaded.config),
            signals,
            timer: match EngineTimer::new() {
                Ok(t) => Some(t),
                Err(e) => {
                    logging::error(&format!(
                        "cannot create the protocol timer: {e} - using the runtime's timer"
                    ));
                    None
                }
            },
            stop_notified: false,
            promote: PromoteSecondaries::default(),
            firewall: Firewall::new(&loaded.config.global_defs),
            routes: RouteManager::new(routing),
            vmacs: Vmacs::default(),
            metrics: None,
            snmp: None,
            control,
            control_rx,
            syncd: LvsSyncd::new(),
        };
        d.watched = watched;
        d.start_metrics();
        d.start_snmp(&loaded.config);
        d.setup_vmacs(&conv.vmacs).await;
        d.open_sockets(None);
        for (name, all) in leftovers {
            logging::detail(&format!("VRRP_Instance({name}) removing protocol VIPs."));
            d.remove_addresses(None, &all).await;
        }
        d.promote.apply(&ProcSysctl, &promote_ifs);
        d.firewall.start(&d.engine).await;
        // Static entries whatever the VRRP state, as 1.3.5 (`vrrp_daemon.c`).
        d.routes.start(&d.nl, &d.ifs).await;
        if has_link_watch {
            logging::info("Using LinkWatch kernel netlink reflector...");
        }
        // The engine learns every relevant link state before it starts.
        d.feed_link_states().await;
        d.syncd.configure(&loaded.config, &d.engine);
        d.feed(Input::Start).await;
        d.script_tasks = scripts::spawn_checks(&conv.scripts, &d.script_tx);
        Ok(d)
    }

    /// `--metrics-listen`: binds and starts the metrics thread. A failure is logged and the
    /// daemon runs on without metrics (monitoring never stops VRRP).
    fn start_metrics(&mut self) {
        let Some(addr) = self.opts.metrics_listen else {
            return;
        };
        let shared = metrics::Shared::new(self.epoch);
        match metrics::spawn(addr, shared.clone()) {
            Ok(()) => {
                logging::info(&format!("Serving metrics on http://{addr}/metrics"));
                self.metrics = Some(shared);
            }
            Err(e) => logging::error(&format!(
                "Cannot serve metrics on {addr}: {e} - running without metrics"
            )),
        }
    }

    /// SNMP (`enable_snmp_*`, `-x`): the AgentX subagent thread, reading the same per-input
    /// snapshot as the metrics (created here when metrics are off). On a reload the running
    /// subagent takes the new settings (SNMP on, off, other MIBs or socket), or one starts.
    fn start_snmp(&mut self, cfg: &conf::Config) {
        let in_namespace = crate::netns::started().is_some_and(|i| i.namespace.is_some());
        let c = snmp::Config::from(
            cfg,
            self.opts.snmp,
            self.opts.snmp_socket.as_deref(),
            in_namespace,
        )
        .map(|c| c.with_routing(self.routes.config()));
        if let Some(agent) = &self.snmp {
            agent.reconfigure(c);
            return;
        }
        let Some(c) = c else {
            return;
        };
        let shared = self
            .metrics
            .get_or_insert_with(|| metrics::Shared::new(self.epoch))
            .clone();
        // Enabled by a reload: the snapshot starts from the running engine at once.
        shared.update(&self.engine, metrics::Refresh::All);
        match snmp::Agent::spawn(c, shared, self.epoch) {
            Ok(a) => self.snmp = Some(a),
            Err(e) => logging::error(&format!("Cannot start the SNMP subagent: {e}")),
        }
    }

    /// Creates the configuration's VMAC interfaces (before any socket or address uses them)
    /// and learns their indexes and MACs.
    async fn setup_vmacs(&mut self, specs: &[convert::VmacSpec]) {
        if specs.is_empty() {
            return;
        }
        self.vmacs
            .setup(&self.nl, &ProcConf, specs, &self.ifs)
            .await;
        self.ifs = snapshot(&self.nl).await;
    }

    /// Creates again the VMACs the kernel deleted whose base interface is back, and opens their
    /// sockets.
    async fn recreate_vmacs(&mut self) {
        let names = self.vmacs.recreate(&self.nl, &ProcConf, &self.ifs).await;
        if names.is_empty() {
            return;
        }
        self.ifs = snapshot(&self.nl).await;
        for name in names {
            self.open_sockets(Some(&name));
            self.tell_link(&name).await;
        }
    }

    /// Tells the engine the current state of every watched interface.
    async fn feed_link_states(&mut self) {
        let mut names: Vec<String> = self.watched.iter().cloned().collect();
        names.sort();
        for name in names {
            self.tell_link(&name).await;
        }
    }

    /// Whether the engine may use the interface: the kernel says up and running, and its VRRP
    /// sockets (if it needs any) are open and not known to fail.
    fn link_usable(&self, name: &str) -> bool {
        // A VMAC must exist and is as up as its base interface.
        let state_of = self.vmacs.base_of(name).unwrap_or(name);
        self.ifs.contains_key(name)
            && self.ifs.get(state_of).is_some_and(|i| i.up)
            && !self.broken.contains(name)
    }

    /// Tells the engine the usable state of one watched interface (it ignores repeats).
    async fn tell_link(&mut self, name: &str) {
        if !self.watched.contains(name) {
            return;
        }
        let up = self.link_usable(name);
        self.feed(Input::Link {
            interface: name,
            up,
        })
        .await;
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    async fn main_loop(&mut self) -> i32 {
        // A deadline that stays in the past after a Timer would spin the loop; delay such a
        // repeat by a millisecond instead of burning a CPU (defence against an engine bug).
        let mut last_fired: Option<Duration> = None;
        loop {
            self.log_queue_drops();
            let deadline = self.engine.next_deadline();
            let (key, after) = match deadline {
                Some(d) if Some(d) == last_fired => (deadline, Duration::from_millis(1)),
                Some(d) => (deadline, d.saturating_sub(self.now())),
                None => (None, Duration::ZERO),
            };
            let timer = match self.timer.as_mut().map(|t| t.arm(key, after)) {
                Some(Ok(())) => self.timer.as_mut(),
                Some(Err(e)) => {
                    logging::error(&format!(
                        "cannot arm the protocol timer: {e} - using the runtime's timer"
                    ));
                    self.timer = None;
                    None
                }
                None => None,
            };
            let wait = wait_deadline(timer, key.map(|_| after));
            let has_deadline = deadline.is_some();
            // Protocol timers first, then signals and events, packets last: a flood of
            // packets must never delay an advert or a master-down (issue 8, hostile traffic).
            tokio::select! {
                biased;
                _ = wait => {
                    if has_deadline {
                        last_fired = deadline;
                        self.feed(Input::Timer).await;
                    }
                }
                _ = self.signals.term.recv() => return self.shutdown().await,
                _ = self.signals.int.recv() => return self.shutdown().await,
                _ = self.signals.hup.recv() => {
                    sd_notify::tell(&sd_notify::reloading_message());
                    self.reload().await;
                    sd_notify::tell("READY=1\nSTATUS=configuration reloaded");
                }
                _ = self.signals.usr1.recv() => self.write_data(),
                _ = self.signals.usr2.recv() => self.write_stats(),
                _ = self.signals.json.recv() => self.write_json(),
                Some(r) = self.control_rx.recv() => {
                    let _ = r.reply.send(self.status_document());
                }
                Some(ev) = recv_opt(&mut self.link_rx) => self.on_link(ev).await,
                Some(r) = self.recheck_rx.recv() => self.on_recheck(r).await,
                Some(r) = self.script_rx.recv() => {
                    self.feed(Input::ScriptResult { script: &r.name, success: r.success }).await;
                }
                _ = self.pkt_tx.readable() => self.on_packets().await,
            }
        }
    }

    /// Handles up to [`PACKET_BATCH`] queued packets, delivering a due timer before any
    /// packet (the timerfd only fires once the loop yields); yields after a full batch.
    async fn on_packets(&mut self) {
        // One clock read per batch: judging a packet that changes nothing (a BACKUP hearing
        // its master) takes well under a microsecond, so the batch's packets share the time
        // it started; after a packet or timer that made the daemon act (netlink, scripts,
        // sends), the clock is read again.
        let mut now = self.now();
        let mut deadline = self.engine.next_deadline();
        for _ in 0..PACKET_BATCH {
            if deadline.is_some_and(|d| d <= now) {
                self.feed(Input::Timer).await;
                deadline = self.engine.next_deadline();
                now = self.now();
            }
            let Some(m) = self.pkt_tx.pop() else {
                // Queue empty: back to the main loop without a yield (one select less per
                // wakeup, which at 1,000 adverts a second is most of a BACKUP's own work).
                return;
            };
            if self.on_packet(&m, now).await {
                now = self.now();
                deadline = self.engine.next_deadline();
            }
            self.pkt_tx.recycle(m.data);
        }
        // A full batch: let the readers, signals and netlink run before the next one.
        tokio::task::yield_now().await;
    }

    /// Logs packets dropped on a full queue: at once, then at most once a second.
    fn log_queue_drops(&mut self) {
        let total = self.pkt_tx.dropped();
        let (logged, last) = self.drops_logged;
        if total == logged || last.is_some_and(|t| t.elapsed() < DROP_LOG_INTERVAL) {
            return;
        }
        logging::warn(&format!(
            "VRRP receive queue full ({} packets): {} packets dropped unread ({total} since start)",
            self.pkt_tx.capacity(),
            total - logged
        ));
        self.drops_logged = (total, Some(Instant::now()));
    }

    /// Feeds one packet at `now`; true when it made the daemon act.
    async fn on_packet(&mut self, m: &RxMsg, now: Duration) -> bool {
        let packet = Input::Packet(RxPacket {
            interface: &m.interface,
            family: m.family,
            bytes: &m.data,
            src: m.src,
            hop_limit: m.hop_limit,
        });
        self.feed_at(packet, now).await
    }

    async fn on_link(&mut self, ev: LinkEvent) {
        let name = match ev {
            LinkEvent::Changed { index, name, up } => {
                let was_up = self
                    .ifs
                    .get(&name)
                    .is_some_and(|i| i.index == index && i.up);
                let known = self.ifs.get(&name).map(|i| i.index);
                if known != Some(index) && !self.watched.contains(&name) {
                    // Not ours to watch (a VIP may still use it): its MAC is looked up when a
                    // gratuitous ARP needs it, so no kernel dump for every new link on a busy host.
                    self.ifs.insert(
                        name.clone(),
                        IfInfo {
                            index,
                            up,
                            ..IfInfo::default()
                        },
                    );
                } else if known != Some(index) {
                    // A new link, or the same name under a new index: the interface was
                    // deleted and re-created (or its RTM_DELLINK was lost). Sockets bound to
                    // the old index send nowhere; learn the new MAC and addresses and open
                    // fresh sockets (joined to the group on the new index).
                    if known.is_some() && self.close_interface_sockets(&name) {
                        logging::info(&format!(
                            "Interface {name} re-created (ifindex {index}): VRRP sockets on the old ifindex closed"
                        ));
                    }
                    let info = self.interface_info(&name, index, up).await;
                    self.ifs.insert(name.clone(), info);
                    self.forget_failures(&name);
                    self.open_sockets(Some(&name));
                } else if up && self.broken.contains(&name) {
                    // Back up after its sockets failed: try fresh ones now rather than at the
                    // next retry (which may be many seconds away after a flapping link).
                    self.reopen_sockets(&name).await;
                } else if up && self.watched.contains(&name) {
                    // Addresses may have changed while it was down.
                    let info = self.interface_info(&name, index, up).await;
                    self.ifs.insert(name.clone(), info);
                } else if let Some(e) = self.ifs.get_mut(&name) {
                    e.up = up;
                }
                if up && self.watched.contains(&name) {
                    self.follow_source_address(&name).await;
                }
                if up && !was_up {
                    self.routes.link_up(&self.nl, &self.ifs, &name).await;
                }
                name
            }
            LinkEvent::Removed { index, name } => {
                // A late removal of an index already replaced by a new link changes nothing.
                if self.ifs.get(&name).map(|i| i.index) != Some(index) {
                    return;
                }
                self.ifs.remove(&name);
                self.forget_failures(&name);
                let vmac_lost = self.vmacs.link_removed(&ProcConf, &name, index);
                if self.close_interface_sockets(&name) {
                    logging::info(&format!(
                        "Interface {name} (ifindex {index}) removed: its VRRP sockets are closed until it comes back"
                    ));
                }
                if vmac_lost {
                    // Deleted alone (its base is still there): back at once.
                    self.tell_link(&name).await;
                    self.recreate_vmacs().await;
                    return;
                }
                name
            }
        };
        if self.vmacs.waits_for(&name) {
            self.recreate_vmacs().await;
        }
        self.tell_link(&name).await;
        for vmac in self.vmacs.on_base(&name) {
            self.tell_link(&vmac).await;
        }
    }

    /// What the kernel says about one link now (MAC, primary IPv4, link-local IPv6).
    async fn interface_info(&self, name: &str, index: u32, up: bool) -> IfInfo {
        let (mac, vmac_base) = match self.nl.link_by_name(name).await {
            Ok(Some(l)) if l.index == index => (l.mac, l.vmac_base),
            Ok(_) => (None, None),
            Err(e) => {
                logging::error(&format!("cannot look up interface {name}: {e}"));
                (None, None)
            }
        };
        let primary_v4 = self.nl.primary_ipv4(index).await.unwrap_or_else(|e| {
            logging::error(&format!("cannot list addresses of {name}: {e}"));
            None
        });
        let link_local_v6 = match self.nl.addresses(Some(index)).await {
            Ok(addrs) => addrs.iter().find_map(|(_, a, _)| match a {
                IpAddr::V6(v6) if (v6.segments()[0] & 0xffc0) == 0xfe80 => Some(*v6),
                _ => None,
            }),
            Err(_) => None,
        };
        IfInfo {
            index,
            up,
            mac,
            primary_v4,
            link_local_v6,
            vmac_base,
        }
    }

    /// Instances on `name` that advertise from the interface's own address (no
    /// `mcast_src_ip`/`unicast_src_ip`) follow it when the interface came back with another
    /// one; an explicit source never changes.
    async fn follow_source_address(&mut self, name: &str) {
        let Some(info) = self.ifs.get(name) else {
            return;
        };
        let now = [
            (Family::V4, info.primary_v4.map(IpAddr::V4)),
            (Family::V6, info.link_local_v6.map(IpAddr::V6)),
        ];
        for (family, addr) in now {
            let Some(addr) = addr else { continue };
            let changed = (0..self.engine.instance_count())
                .filter_map(|i| self.engine.instance_config(vrrp_engine::InstanceId(i)))
                .any(|c| {
                    c.interface == name
                        && c.family == family
                        && c.src_from_interface
                        && c.src_addr != addr
                });
            if changed {
                logging::info(&format!(
                    "Interface {name} has another address now: adverts leave from {addr}"
                ));
                self.feed(Input::SourceAddress {
                    interface: name,
                    family,
                    addr,
                })
                .await;
            }
        }
    }

    /// The main loop's side of a socket problem found by [`Daemon::socket_failed`] or a retry
    /// timer.
    async fn on_recheck(&mut self, r: SocketRecheck) {
        let name = r.interface;
        if !self.broken.contains(&name) {
            // Repaired meanwhile (re-created, removed or reloaded).
            return;
        }
        if !r.reopen {
            // Down for the engine: a MASTER that cannot advertise releases its VIPs.
            self.tell_link(&name).await;
            self.schedule_reopen(&name);
            return;
        }
        self.reopen_sockets(&name).await;
        self.tell_link(&name).await;
    }

    /// Re-reads a broken interface from the kernel and opens fresh sockets on it; it stays
    /// broken (with a retry scheduled) if that fails. The caller tells the engine.
    async fn reopen_sockets(&mut self, name: &str) {
        let name = name.to_string();
        // A fresh look: the interface may have been re-created with a new index.
        match self.nl.link_by_name(&name).await {
            Ok(Some(l)) => {
                let info = self.interface_info(&name, l.index, l.up).await;
                self.ifs.insert(name.clone(), info);
            }
            Ok(None) => {
                // Gone: the link event of its return opens the sockets.
                self.ifs.remove(&name);
                self.forget_failures(&name);
                return;
            }
            Err(e) => {
                logging::error(&format!("cannot look up interface {name}: {e}"));
                self.schedule_reopen(&name);
                return;
            }
        }
        self.close_interface_sockets(&name);
        self.broken.remove(&name);
        if let Some(t) = self.retry_tasks.remove(&name) {
            t.abort();
        }
        if self.open_sockets(Some(&name)) {
            logging::info(&format!("VRRP sockets on {name} reopened"));
        }
    }

    /// Tries to reopen a broken interface's sockets later, waiting longer after each failure.
    fn schedule_reopen(&mut self, name: &str) {
        let delay = retry_delay(self.socket_tries.get(name).copied().unwrap_or(1));
        let tx = self.recheck_tx.clone();
        let interface = name.to_string();
        let task = tokio::task::spawn_local(async move {
            tokio::time::sleep(delay).await;
            let _ = tx.send(SocketRecheck {
                interface,
                reopen: true,
            });
        });
        if let Some(old) = self.retry_tasks.insert(name.to_string(), task) {
            old.abort();
        }
    }

    /// A new or vanished interface starts with a clean slate: no failure, no retry pending.
    fn forget_failures(&mut self, name: &str) {
        self.broken.remove(name);
        self.socket_tries.remove(name);
        if let Some(t) = self.retry_tasks.remove(name) {
            t.abort();
        }
    }

    /// Closes the sockets whose interface is gone or has another index now (re-created while
    /// its link events were missed); `open_sockets` then opens fresh ones.
    fn close_stale_sockets(&mut self) {
        let ifs = &self.ifs;
        self.sockets.retain(|(ifname, _), s| {
            let keep = ifs.get(ifname).is_some_and(|i| i.index == s.ifindex);
            if !keep {
                logging::info(&format!(
                    "Interface {ifname} changed (was ifindex {}): its VRRP socket is reopened",
                    s.ifindex
                ));
                s.task.abort();
            }
            keep
        });
    }

    /// Closes (and stops reading) every VRRP socket on `name`; whether there was any.
    fn close_interface_sockets(&mut self, name: &str) -> bool {
        let before = self.sockets.len();
        self.sockets.retain(|(ifname, _), s| {
            let keep = ifname != name;
            if !keep {
                s.task.abort();
            }
            keep
        });
        self.sockets.len() != before
    }

    /// Closes the sockets the configuration no longer uses (after the old instances said
    /// goodbye).
    fn close_unused_sockets(&mut self) {
        let wanted = &self.wanted;
        self.sockets.retain(|k, s| {
            let keep = wanted.contains_key(k);
            if !keep {
                s.task.abort();
            }
            keep
        });
        let unused: Vec<String> = self
            .broken
            .iter()
            .filter(|name| !wanted.keys().any(|(i, _)| i == *name))
            .cloned()
            .collect();
        for name in unused {
            self.forget_failures(&name);
        }
    }

    /// Opens a socket for every wanted (interface, family) — of `only`, or of all — that has
    /// none yet. An interface whose socket cannot be opened is held down for the engine and
    /// retried later; returns whether every socket opened.
    fn open_sockets(&mut self, only: Option<&str>) -> bool {
        let mut todo: Vec<((String, Family), SocketSpec)> = self
            .wanted
            .iter()
            .filter(|((ifname, _), _)| only.is_none_or(|o| o == ifname))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        todo.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
        let mut all_ok = true;
        for ((ifname, family), (group, multicast, ah)) in todo {
            let key = (ifname.clone(), family);
            match self.sockets.get(&key) {
                // AH instances added or gone (reload): reopen with(out) the protocol-51 socket.
                Some(s) if s.socket.receives_ah() != ah => {
                    if let Some(old) = self.sockets.remove(&key) {
                        old.task.abort();
                    }
                }
                Some(_) => continue,
                None => {}
            }
            let Some(ifindex) = self.ifs.get(&ifname).map(|i| i.index) else {
                // Not there (yet): its link event opens the socket.
                continue;
            };
            match VrrpSocket::open(&ifname, ifindex, family, group, multicast, ah) {
                Ok(sock) => {
                    let protos: &[u8] = if sock.receives_ah() {
                        &[112, 51]
                    } else {
                        &[112]
                    };
                    for proto in protos {
                        logging::detail(&format!(
                            "VRRP sockpool: [ifindex({ifindex}), proto({proto}), unicast({}), family({})]",
                            u8::from(!multicast),
                            if family == Family::V4 { "IPv4" } else { "IPv6" }
                        ));
                    }
                    let socket = Rc::new(sock);
                    let task = spawn_reader(
                        socket.clone(),
                        Rc::from(ifname.as_str()),
                        family,
                        self.pkt_tx.clone(),
                    );
                    self.sockets.insert(
                        (ifname, family),
                        SocketEntry {
                            socket,
                            task,
                            ifindex,
                        },
                    );
                }
                Err(e) => {
                    all_ok = false;
                    logging::error(&format!(
                        "Cannot open VRRP socket on {ifname}: {e} - instances on it stay in FAULT until it opens"
                    ));
                    self.broken.insert(ifname.clone());
                    *self.socket_tries.entry(ifname.clone()).or_insert(0) += 1;
                    self.schedule_reopen(&ifname);
                }
            }
        }
        all_ok
    }

    /// Feeds one input to the engine at the current time and carries out what it says.
    async fn feed(&mut self, input: Input<'_>) {
        let now = self.now();
        self.feed_at(input, now).await;
    }

    /// [`Daemon::feed`] at a given time; true when the engine asked for any action.
    async fn feed_at(&mut self, input: Input<'_>, now: Duration) -> bool {
        // Taken out of `self` while applying (applying needs `&mut self`); a nested feed
        // would just start from an empty buffer.
        let mut outs = std::mem::take(&mut self.outs);
        let refresh = match &input {
            Input::Start | Input::Reload(_) => metrics::Refresh::All,
            Input::ScriptResult { .. } => metrics::Refresh::Scripts,
            _ => metrics::Refresh::Touched,
        };
        self.engine.handle_into(input, now, &mut outs);
        let acted = !outs.is_empty();
        if let Some(m) = &self.metrics {
            // The instances this input touched only: O(touched), a copy of a few fields each.
            m.update(&self.engine, refresh);
        }
        self.apply(&mut outs).await;
        // A start or a mass failover of N instances fills the buffer with ~8 N outputs once;
        // don't keep that peak resident for the daemon's whole life (1.5 MB at 1,000
        // instances). Steady state (a few outputs per input) never exceeds the kept size.
        if outs.capacity() > KEPT_OUTPUTS {
            outs.shrink_to(KEPT_OUTPUTS);
        }
        self.outs = outs;
        acted
    }

    /// Carries out the engine's actions in order, leaving `outs` empty.
    async fn apply(&mut self, outs: &mut Vec<Output>) {
        self.add_addresses_first(outs).await;
        for out in outs.drain(..) {
            let iname = out.instance.and_then(|i| self.engine.instance_name(i));
            match out.action {
                Action::SendAdvert {
                    interface,
                    dst,
                    src,
                    packet,
                } => {
                    self.send_advert(iname.as_deref(), &interface, dst, src, &packet);
                }
                Action::AddAddresses(vips) => {
                    // Empty when `add_addresses_first` already added them.
                    if !vips.is_empty() {
                        self.add_vips(out.instance, iname.as_deref(), &vips).await;
                    }
                }
                Action::RemoveAddresses(vips) => {
                    self.remove_addresses(iname.as_deref(), &vips).await;
                    self.firewall.after_remove(iname.as_deref(), &vips);
                }
                Action::SendGarp { vips, count } => self.send_garps(&vips, count).await,
                Action::SetRoutes(on) => {
                    // Engine-wide (a removed instance on reload): the reload reconciles.
                    if let Some(name) = iname.as_deref() {
                        self.routes
                            .set_instance(&self.nl, &self.ifs, name, on)
                            .await;
                    }
                }
                Action::Notify {
                    target,
                    state,
                    priority,
                } => {
                    if state == NotifyState::Stop {
                        self.stop_notified = true;
                    }
                    for line in self.notify.commands(&target, state, priority) {
                        scripts::spawn_notify(line);
                    }
                    if let Some(a) = &self.snmp {
                        a.notify(&target, state);
                    }
                    self.smtp.on_notify(&target, state);
                }
                Action::Log(event) => logging::log_event(&event),
                // Counters live in the engine (Engine::stats); the sync daemon follows.
                Action::StateChanged { to, .. } => {
                    if let Some(name) = iname.as_deref() {
                        self.syncd.on_state(name, to);
                    }
                }
            }
        }
    }

    fn send_advert(
        &mut self,
        iname: Option<&str>,
        interface: &str,
        dst: IpAddr,
        src: IpAddr,
        packet: &[u8],
    ) {
        let family = if dst.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        let Some(entry) = self.sockets.get(&(interface, family) as &dyn SocketKey) else {
            logging::error(&format!(
                "VRRP_Instance({}) Cant send advert to {dst} (no socket on {interface})",
                iname.unwrap_or("?")
            ));
            return;
        };
        match entry.socket.send(packet, dst, src) {
            Ok(()) => {
                // The socket works: the next failure starts the retry delays afresh.
                if !self.socket_tries.is_empty() {
                    self.socket_tries.remove(interface);
                }
            }
            Err(e) => {
                logging::error(&format!(
                    "VRRP_Instance({}) Cant send advert to {dst} ({e})",
                    iname.unwrap_or("?")
                ));
                // While the kernel already reports the link down, failing is expected and
                // the engine knows; otherwise the link events lag behind (or were lost).
                if send_error_is_fatal(&e) && self.link_usable(interface) {
                    self.socket_failed(interface);
                }
            }
        }
    }

    /// A send showed the interface's sockets are dead: close them and, from the main loop
    /// (the engine is busy now), put the interface down for the engine and retry later.
    fn socket_failed(&mut self, interface: &str) {
        logging::error(&format!(
            "VRRP sockets on {interface} cannot send - treating {interface} as down until they can be reopened"
        ));
        self.close_interface_sockets(interface);
        self.broken.insert(interface.to_string());
        *self.socket_tries.entry(interface.to_string()).or_insert(0) += 1;
        let _ = self.recheck_tx.send(SocketRecheck {
            interface: interface.to_string(),
            reopen: false,
        });
    }

    fn spec(&self, v: &Vip) -> Option<AddressSpec> {
        let ifindex = self.ifs.get(&v.dev)?.index;
        let scope = v.scope.unwrap_or(0);
        Some(AddressSpec {
            ifindex,
            addr: v.addr,
            prefix_len: v.prefix_len,
            broadcast: v.broadcast,
            scope,
            label: v.label.clone(),
        })
    }

    /// Several instances taking over in one input (their master-down timers expired together)
    /// put all their VIPs into the kernel before the input's log lines, GARPs and adverts, so
    /// the last instance's VIP does not wait behind the others' side work (~100 µs each under
    /// load). Only the adds before the input's first removal move: an address removed and
    /// added again within one input keeps that order. The moved adds are left empty.
    async fn add_addresses_first(&mut self, outs: &mut [Output]) {
        let end = outs
            .iter()
            .position(|o| matches!(o.action, Action::RemoveAddresses(_)))
            .unwrap_or(outs.len());
        let adds = outs[..end]
            .iter()
            .filter(|o| matches!(o.action, Action::AddAddresses(_)))
            .count();
        if adds < 2 {
            return;
        }
        for o in &mut outs[..end] {
            if let Action::AddAddresses(vips) = &mut o.action {
                let vips = std::mem::take(vips);
                let iname = o.instance.and_then(|i| self.engine.instance_name(i));
                self.add_vips(o.instance, iname.as_deref(), &vips).await;
            }
        }
    }

    /// An instance's VIPs into the kernel, behind its accept-mode filter (the filter first,
    /// as 1.3.5's vrrp_state_become_master).
    async fn add_vips(&mut self, id: Option<InstanceId>, iname: Option<&str>, vips: &[Vip]) {
        if let Some(cfg) = id.and_then(|i| self.engine.instance_config(i)) {
            self.firewall.before_add(cfg, vips);
        }
        self.add_addresses(iname, vips).await;
    }

    async fn add_addresses(&mut self, iname: Option<&str>, vips: &[Vip]) {
        for v in vips {
            let Some(spec) = self.spec(v) else {
                logging::error(&format!(
                    "Cannot add {}/{}: interface {} not found",
                    v.addr, v.prefix_len, v.dev
                ));
                continue;
            };
            if let Err(e) = self.nl.add_address(&spec).await {
                logging::error(&format!(
                    "VRRP_Instance({}) cannot add address {}/{} dev {}: {e}",
                    iname.unwrap_or("?"),
                    v.addr,
                    v.prefix_len,
                    v.dev
                ));
            }
        }
    }

    async fn remove_addresses(&mut self, iname: Option<&str>, vips: &[Vip]) {
        for v in vips {
            let Some(spec) = self.spec(v) else {
                continue;
            };
            if let Err(e) = self.nl.del_address(&spec).await {
                logging::error(&format!(
                    "VRRP_Instance({}) cannot remove address {}/{} dev {}: {e}",
                    iname.unwrap_or("?"),
                    v.addr,
                    v.prefix_len,
                    v.dev
                ));
            }
        }
    }

    /// Index and MAC of an interface, asking the kernel when the snapshot lacks it.
    async fn link_l2(&mut self, dev: &str) -> Option<(u32, [u8; 6])> {
        if let Some(i) = self.ifs.get(dev) {
            if let Some(mac) = i.mac {
                return Some((i.index, mac));
            }
        }
        match self.nl.link_by_name(dev).await {
            Ok(Some(l)) => {
                let e = self.ifs.entry(dev.to_string()).or_default();
                e.index = l.index;
                e.mac = l.mac;
                l.mac.map(|m| (l.index, m))
            }
            Ok(None) => None,
            Err(e) => {
                logging::error(&format!("cannot look up interface {dev}: {e}"));
                None
            }
        }
    }

    async fn send_garps(&mut self, vips: &[Vip], count: u32) {
        if self.garp.is_none() {
            return;
        }
        let mut frames: Vec<(u32, Vec<u8>, String)> = Vec::new();
        for v in vips {
            let Some((ifindex, mac)) = self.link_l2(&v.dev).await else {
                logging::error(&format!(
                    "Cannot send gratuitous ARP for {} on {}: no hardware address",
                    v.addr, v.dev
                ));
                continue;
            };
            let (frame, line) = match v.addr {
                IpAddr::V4(a) => (
                    vrrp_engine::wire::arp::gratuitous_arp(mac, a).to_vec(),
                    format!("Sending gratuitous ARP on {} for {}", v.dev, a),
                ),
                IpAddr::V6(a) => (
                    vrrp_engine::wire::ndisc::unsolicited_na(mac, a, ipv6_forwarding(&v.dev)),
                    format!(
                        "Sending unsolicited Neighbour Advert on {} for {}",
                        v.dev, a
                    ),
                ),
            };
            frames.push((ifindex, frame, line));
        }
        let Some(sock) = &self.garp else {
            return;
        };
        let mut stale = Vec::new();
        for _ in 0..count {
            for (ifindex, frame, line) in &frames {
                logging::detail(line);
                if let Err(e) = sock.send_frame(*ifindex, frame) {
                    logging::error(&format!("{line} failed: {e}"));
                    if matches!(e.raw_os_error(), Some(libc::ENODEV) | Some(libc::ENXIO)) {
                        stale.push(*ifindex);
                    }
                }
            }
        }
        // The interface was re-created under us: look its index and MAC up again next time.
        for i in self.ifs.values_mut() {
            if stale.contains(&i.index) {
                i.mac = None;
            }
        }
    }

    async fn shutdown(&mut self) -> i32 {
        sd_notify::tell("STOPPING=1");
        logging::info("Stopping");
        for t in self.script_tasks.drain(..) {
            t.abort();
        }
        if self.opts.dont_release_vrrp {
            // -V: leave the VIPs and say nothing to the peers, so a quick restart does not
            // move the addresses; only notify_stop runs.
            logging::info("-V/--dont-release-vrrp: leaving VIPs in place, no priority-0 advert");
        } else {
            self.feed(Input::Shutdown).await;
        }
        self.routes
            .shutdown(&self.nl, &self.ifs, self.opts.dont_release_vrrp)
            .await;
        if !self.stop_notified {
            for line in self.notify.stop_commands() {
                scripts::spawn_notify(line);
            }
        }
        for (_, s) in self.sockets.drain() {
            s.task.abort();
        }
        // -V leaves the VIPs, so their VMACs too.
        if !self.opts.dont_release_vrrp {
            self.vmacs
                .teardown(&self.nl, &ProcConf, &HashSet::new())
                .await;
        }
        self.promote.reset_all(&ProcSysctl);
        self.firewall.stop().await;
        // The checker child removes its IPVS services (unless -I) before we report stopped.
        crate::checker::stop();
        // Removes the socket file: `--status` says no daemon answers from now on.
        self.control = None;
        logging::info("Stopped");
        0
    }

    async fn reload(&mut self) {
        logging::info(&format!(
            "Reloading: opening file '{}'.",
            self.opts.config_file.display()
        ));
        let Some(loaded) = load_for_reload(&self.opts) else {
            return;
        };
        // As tolerant as a fresh start (issue 10 §7): every diagnostic is one line above, and
        // what the file still describes (`Loaded::config`, 1.3.5's reading) is run.
        log_diagnostics(&loaded);
        // The namespace and the instance stay those of the start (1.3.5).
        for line in crate::netns::reload_lines(&loaded.config) {
            logging::info(&line);
        }
        if loaded.error_count() > 0 {
            logging::warn(&format!(
                "Configuration file has {} error(s) - applying what it still describes (each skipped item is logged above)",
                loaded.error_count()
            ));
        }
        // The file's text and diagnostics are freed here (with the temporary), the AST once
        // applied.
        let config = { loaded }.config;
        crate::checker::on_reload(&config, &self.opts);
        self.apply_config(config).await;
        return_free_memory();
    }

    /// Runs `config` against the interfaces as the kernel has them now (SIGHUP); keeps the
    /// running configuration when `config` leaves no usable instance.
    async fn apply_config(&mut self, config: conf::Config) {
        self.ifs = snapshot(&self.nl).await;
        self.close_stale_sockets();
        let mut conv = convert::convert(
            &config,
            &self.ifs,
            convert::ConvertOptions {
                release_vips: self.opts.release_vips,
            },
        );
        let checked = script_security::apply(&config, &mut conv, &script_security::Env::system());
        conv.messages.extend(checked);
        for m in &conv.messages {
            logging::log_line(m);
        }
        if conv.engine.instances.is_empty() {
            logging::error(
                "No usable vrrp_instance in the new configuration - keeping the running configuration",
            );
            return;
        }
        sysconf::apply_process_settings(&config.global_defs);
        let promote_ifs = sysconf::promote_interfaces(
            &config,
            conv.engine.instances.iter().map(|i| i.name.as_str()),
        );
        self.promote.apply(&ProcSysctl, &promote_ifs);
        if self.opts.dump_conf {
            dump_config(&conv);
        }
        for t in self.script_tasks.drain(..) {
            t.abort();
        }
        self.notify = std::mem::take(&mut conv.notify);
        self.smtp = smtp::Alerts::new(&config);
        self.watched = watched_interfaces(&conv);
        self.pkt_tx
            .set_capacity(rx_queue::capacity_for(conv.engine.instances.len()));
        // New sockets before the reload (new masters advertise at once), old ones closed after
        // it (removed masters still send their priority-0 advert).
        let wanted = wanted_sockets(&conv);
        self.wanted.extend(wanted.clone());
        self.setup_vmacs(&conv.vmacs).await;
        self.open_sockets(None);
        self.firewall
            .reload(&config.global_defs, &conv.engine.instances);
        // 1.3.5 stops the sync daemon before the new configuration and starts it after.
        self.syncd.stop_for_reload();
        // The engine takes the new configuration (moved, not copied).
        self.feed(Input::Reload(Box::new(std::mem::take(&mut conv.engine))))
            .await;
        self.syncd.configure(&config, &self.engine);
        self.syncd.settle(&self.engine);
        self.firewall.reconcile(&self.engine);
        self.wanted = wanted;
        self.close_unused_sockets();
        let routing = routing_config(&config, &self.ifs);
        let masters: HashSet<String> = (0..self.engine.instance_count())
            .map(vrrp_engine::InstanceId)
            .filter(|id| self.engine.state(*id) == vrrp_engine::State::Master)
            .filter_map(|id| self.engine.instance_name(id).map(|n| n.to_string()))
            .collect();
        self.routes
            .reload(&self.nl, &self.ifs, routing, &masters)
            .await;
        let keep: HashSet<&str> = conv.vmacs.iter().map(|v| v.name.as_str()).collect();
        self.vmacs.teardown(&self.nl, &ProcConf, &keep).await;
        // Interfaces new to the configuration: the engine ignores states it already knows.
        self.feed_link_states().await;
        self.script_tasks = scripts::spawn_checks(&conv.scripts, &self.script_tx);
        self.start_snmp(&config);
    }

    fn write_data(&self) {
        logging::info(&format!(
            "Printing VRRP data for process({}) on signal",
            std::process::id()
        ));
        let text = dump::data(&self.engine);
        if let Err(e) = std::fs::write(dump::DATA_FILE, text) {
            logging::error(&format!("cannot write {}: {e}", dump::DATA_FILE));
        }
    }

    /// The `--status` answer; a down interface says what the daemon knows of it.
    fn status_document(&self) -> String {
        let why = |name: &str| {
            let state_of = self.vmacs.base_of(name).unwrap_or(name);
            if !self.ifs.contains_key(name) {
                Some("not present")
            } else if self.broken.contains(name) {
                Some("its VRRP socket failed")
            } else if self.ifs.get(state_of).is_some_and(|i| !i.up) {
                Some("link down")
            } else {
                None
            }
        };
        let now = self.now();
        control::status(&self.engine, now, std::time::SystemTime::now(), why).to_string()
    }

    /// keepalived 2.x's JSON signal: `/tmp/keepalived.json`.
    fn write_json(&self) {
        logging::info(&format!(
            "Printing VRRP as json for process({}) on signal",
            std::process::id()
        ));
        let text = control::json_dump(&self.engine, self.now(), std::time::SystemTime::now());
        if let Err(e) = control::write_dump(std::path::Path::new(control::JSON_FILE), &text) {
            logging::error(&format!("cannot write {}: {e}", control::JSON_FILE));
        }
    }

    fn write_stats(&self) {
        logging::info(&format!(
            "Printing VRRP stats for process({}) on signal",
            std::process::id()
        ));
        let drops = dump::RxDrops {
            queue: self.pkt_tx.dropped(),
            kernel: dump::kernel_rx_drops(),
        };
        let text = dump::stats(&self.engine, drops);
        if let Err(e) = std::fs::write(dump::STATS_FILE, text) {
            logging::error(&format!("cannot write {}: {e}", dump::STATS_FILE));
        }
    }
}

/// An (interface, family) socket-map key, owned or borrowed: the map is keyed by
/// `(String, Family)` but searched for every advert sent, which must not allocate a String.
trait SocketKey {
    fn parts(&self) -> (&str, Family);
}

impl SocketKey for (String, Family) {
    fn parts(&self) -> (&str, Family) {
        (&self.0, self.1)
    }
}

impl SocketKey for (&str, Family) {
    fn parts(&self) -> (&str, Family) {
        (self.0, self.1)
    }
}

impl<'a> std::borrow::Borrow<dyn SocketKey + 'a> for (String, Family) {
    fn borrow(&self) -> &(dyn SocketKey + 'a) {
        self
    }
}

impl PartialEq for dyn SocketKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn SocketKey + '_ {}

// Hashes exactly as `(String, Family)` does (a String hashes as its str), as `Borrow` requires.
impl std::hash::Hash for dyn SocketKey + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

async fn recv_opt(rx: &mut Option<UnboundedReceiver<LinkEvent>>) -> Option<LinkEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn spawn_reader(
    socket: Rc<VrrpSocket>,
    interface: Rc<str>,
    family: Family,
    queue: RxQueue,
) -> JoinHandle<()> {
    tokio::task::spawn_local(async move {
        let mut buf = vec![0u8; RX_BUF];
        let mut errors = 0u32;
        let push = |meta: RecvMeta, buf: &[u8]| {
            let len = meta.len.min(buf.len());
            queue.push(&interface, family, &buf[..len], meta.src, meta.hop_limit);
        };
        // Takes what the kernel holds now (at most RX_PER_LOOK packets).
        let drain = |buf: &mut [u8]| -> Result<(), String> {
            for _ in 0..RX_PER_LOOK {
                match socket.try_recv(buf) {
                    Ok(Some(meta)) => push(meta, buf),
                    Ok(None) => break,
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(())
        };
        loop {
            // Wait for a packet, then take what else the kernel holds before waiting again.
            // (Letting a burst gather with a short sleep was tried: the socket's edge-triggered
            // epoll registration wakes the thread for every packet anyway.)
            let looked = match socket.recv(&mut buf).await {
                Ok(meta) => {
                    push(meta, &buf);
                    drain(&mut buf)
                }
                Err(e) => Err(e.to_string()),
            };
            match looked {
                Ok(()) => errors = 0,
                Err(e) => {
                    errors += 1;
                    // Log the first few, then keep trying quietly and slowly.
                    if errors <= 3 {
                        logging::error(&format!("VRRP socket on {interface}: receive error: {e}"));
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    })
}

/// Interface names, indexes, MACs and source addresses, as the kernel has them now.
async fn snapshot(nl: &Netlink) -> Interfaces {
    let mut ifs = Interfaces::new();
    let links = match nl.links().await {
        Ok(l) => l,
        Err(e) => {
            logging::error(&format!("cannot list interfaces: {e}"));
            return ifs;
        }
    };
    let addrs = nl.addresses(None).await.unwrap_or_else(|e| {
        logging::error(&format!("cannot list addresses: {e}"));
        Vec::new()
    });
    for l in links {
        let primary_v4 = nl.primary_ipv4(l.index).await.unwrap_or(None);
        let link_local_v6 = addrs.iter().find_map(|(idx, a, _)| match a {
            IpAddr::V6(v6) if *idx == l.index && (v6.segments()[0] & 0xffc0) == 0xfe80 => Some(*v6),
            _ => None,
        });
        ifs.insert(
            l.name.clone(),
            IfInfo {
                index: l.index,
                up: l.up,
                mac: l.mac,
                primary_v4,
                link_local_v6,
                vmac_base: l.vmac_base,
            },
        );
    }
    ifs
}

/// What the sockets of one (interface, family) serve: (multicast group, any multicast
/// instance, any AH instance).
type SocketSpec = (IpAddr, bool, bool);

/// (interface, family) → [`SocketSpec`] for the sockets `conv` needs.
fn wanted_sockets(conv: &Converted) -> HashMap<(String, Family), SocketSpec> {
    let mut wanted: HashMap<(String, Family), SocketSpec> = HashMap::new();
    for i in &conv.engine.instances {
        let e =
            wanted
                .entry((i.interface.clone(), i.family))
                .or_insert((i.mcast_group, false, false));
        e.1 |= i.unicast_peers.is_empty();
        e.2 |= vrrp_engine::engine::validate::expects_ah(i);
    }
    wanted
}

fn watched_interfaces(conv: &Converted) -> HashSet<String> {
    conv.engine
        .instances
        .iter()
        .flat_map(|i| {
            std::iter::once(i.interface.clone())
                .chain(i.track_interfaces.iter().map(|t| t.name.clone()))
        })
        .collect()
}

/// The routing part of `config` (issue 11), its log lines logged.
fn routing_config(config: &conf::Config, ifs: &Interfaces) -> convert::Routing {
    let mut r = convert::convert_routing(config, ifs, &convert::RtNames::system());
    for m in r.messages.drain(..) {
        logging::log_line(&m);
    }
    r
}

/// Unsolicited NAs carry the router flag when the interface forwards IPv6.
fn ipv6_forwarding(dev: &str) -> bool {
    std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{dev}/forwarding"))
        .map(|s| s.trim() == "1")
        .unwrap_or(false)
}

/// `-d`: the resolved configuration, one log line per line.
fn dump_config(conv: &Converted) {
    let text = format!("{:#?}", conv.engine);
    logging::info("------< VRRP configuration (resolved) >------");
    for line in text.lines() {
        logging::info(line);
    }
}

/// Logs every diagnostic as one line (`file:line:col: severity: message`).
pub fn log_diagnostics(loaded: &conf::Loaded) {
    for d in &loaded.diagnostics {
        let line = format!(
            "{}: {}: {}",
            d.span,
            match d.severity {
                conf::Severity::Error => "error",
                conf::Severity::Warning => "warning",
            },
            d.message
        );
        match d.severity {
            conf::Severity::Error => logging::error(&line),
            conf::Severity::Warning => logging::warn(&line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_map_is_searched_by_borrowed_name() {
        let mut m: HashMap<(String, Family), u32> = HashMap::new();
        m.insert(("eth0".to_string(), Family::V4), 4);
        m.insert(("eth0".to_string(), Family::V6), 6);
        m.insert(("eth1".to_string(), Family::V4), 14);
        let get = |name: &str, f: Family| m.get(&(name, f) as &dyn SocketKey).copied();
        assert_eq!(get("eth0", Family::V4), Some(4));
        assert_eq!(get("eth0", Family::V6), Some(6));
        assert_eq!(get("eth1", Family::V4), Some(14));
        assert_eq!(get("eth1", Family::V6), None);
        assert_eq!(get("eth", Family::V4), None);
    }

    #[test]
    fn socket_retry_backs_off_to_a_cap() {
        let secs: Vec<u64> = [0, 1, 2, 3, 4, 5, 6, 40]
            .iter()
            .map(|t| retry_delay(*t).as_secs())
            .collect();
        assert_eq!(secs, vec![1, 1, 2, 4, 8, 16, 16, 16]);
    }

    #[test]
    fn only_vanished_device_errors_are_fatal() {
        for errno in [libc::ENODEV, libc::ENXIO, libc::ENETDOWN] {
            assert!(send_error_is_fatal(&std::io::Error::from_raw_os_error(
                errno
            )));
        }
        for errno in [libc::ENOBUFS, libc::EAGAIN, libc::EPERM, libc::EMSGSIZE] {
            assert!(!send_error_is_fatal(&std::io::Error::from_raw_os_error(
                errno
            )));
        }
    }
}
