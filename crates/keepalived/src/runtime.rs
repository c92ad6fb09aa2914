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
use vrrp_engine::{Action, Engine, Family, Input, NotifyState, Output, RxPacket, Vip};
use vrrp_netlink::{AddressSpec, LinkEvent, Netlink};

use crate::cli::Options;
use crate::convert::{self, Converted, IfInfo, Interfaces, NotifyTable};
use crate::daemonize::ReadyNotifier;
use crate::dump;
use crate::logging;
use crate::net::packet_socket::PacketSocket;
use crate::net::vrrp_socket::VrrpSocket;
use crate::rx_queue::{self, RxMsg, RxQueue};
use crate::scripts::{self, ScriptResult};

/// Receive buffer: larger than any VRRP packet on an Ethernet MTU.
const RX_BUF: usize = 9000;

/// Packets handled per turn of the main loop before it yields to the other tasks (socket
/// readers, signals, netlink). Due timers are checked before every packet regardless.
const PACKET_BATCH: usize = 32;

/// Minimum time between two "receive queue full" lines.
const DROP_LOG_INTERVAL: Duration = Duration::from_secs(1);

struct SocketEntry {
    socket: Rc<VrrpSocket>,
    task: JoinHandle<()>,
}

/// Runs the daemon until SIGTERM/SIGINT; returns the process exit code.
pub fn run(opts: &Options, loaded: conf::Loaded, ready: ReadyNotifier) -> i32 {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            logging::error(&format!("cannot start the runtime: {e}"));
            return 1;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        match Daemon::start(opts.clone(), loaded).await {
            Ok(mut d) => {
                ready.ready();
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
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
        })
    }
}

struct Daemon {
    opts: Options,
    engine: Engine,
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
    link_rx: Option<UnboundedReceiver<LinkEvent>>,
    script_tx: UnboundedSender<ScriptResult>,
    script_rx: UnboundedReceiver<ScriptResult>,
    script_tasks: Vec<JoinHandle<()>>,
    garp: Option<PacketSocket>,
    notify: NotifyTable,
    signals: Signals,
    stop_notified: bool,
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
        let conv = convert::convert(
            &loaded.config,
            &ifs,
            convert::ConvertOptions {
                release_vips: opts.release_vips,
            },
        );
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
        let has_link_watch = link_rx.is_some();
        let pkt_tx = RxQueue::new();
        let (script_tx, script_rx) = unbounded_channel();
        let mut d = Daemon {
            engine: Engine::new(conv.engine.clone()),
            opts,
            epoch: Instant::now(),
            nl,
            ifs,
            watched: HashSet::new(),
            sockets: HashMap::new(),
            pkt_tx,
            drops_logged: (0, None),
            link_rx,
            script_tx,
            script_rx,
            script_tasks: Vec::new(),
            garp,
            notify: conv.notify.clone(),
            signals,
            stop_notified: false,
        };
        d.watched = watched_interfaces(&conv);
        d.open_sockets(&conv);
        // Leftover VIPs of our instances (a crashed predecessor) go first, as in keepalived.
        for inst in &conv.engine.instances {
            logging::detail(&format!(
                "VRRP_Instance({}) removing protocol VIPs.",
                inst.name
            ));
            let all: Vec<Vip> = inst
                .vips
                .iter()
                .chain(inst.excluded_vips.iter())
                .cloned()
                .collect();
            d.remove_addresses(None, &all).await;
        }
        if has_link_watch {
            logging::info("Using LinkWatch kernel netlink reflector...");
        }
        // The engine learns every relevant link state before it starts.
        d.feed_link_states().await;
        let outs = d.engine.handle(Input::Start, d.now());
        d.apply(outs).await;
        d.script_tasks = scripts::spawn_checks(&conv.scripts, &d.script_tx);
        Ok(d)
    }

    /// Tells the engine the current state of every watched interface.
    async fn feed_link_states(&mut self) {
        let mut names: Vec<String> = self.watched.iter().cloned().collect();
        names.sort();
        for name in names {
            let up = self.ifs.get(&name).is_some_and(|i| i.up);
            let outs = self.engine.handle(
                Input::Link {
                    interface: &name,
                    up,
                },
                self.now(),
            );
            self.apply(outs).await;
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    async fn main_loop(&mut self) -> i32 {
        // A deadline that stays in the past after a Timer would spin the loop; delay such a
        // repeat by a millisecond instead of burning a CPU (defence against an engine bug).
        let mut last_fired: Option<Duration> = None;
        loop {
            let deadline = self.engine.next_deadline();
            let sleep = match deadline {
                Some(d) if Some(d) == last_fired => tokio::time::sleep(Duration::from_millis(1)),
                Some(d) => match self.epoch.checked_add(d) {
                    Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)),
                    None => tokio::time::sleep(Duration::from_secs(3600)),
                },
                None => tokio::time::sleep(Duration::from_secs(3600)),
            };
            let has_deadline = deadline.is_some();
            self.log_queue_drops();
            // Protocol timers first, then signals and events, packets last: a flood of
            // packets must never delay an advert or a master-down (issue 8, hostile traffic).
            tokio::select! {
                biased;
                _ = sleep => {
                    if has_deadline {
                        last_fired = deadline;
                        let outs = self.engine.handle(Input::Timer, self.now());
                        self.apply(outs).await;
                    }
                }
                _ = self.signals.term.recv() => return self.shutdown().await,
                _ = self.signals.int.recv() => return self.shutdown().await,
                _ = self.signals.hup.recv() => self.reload().await,
                _ = self.signals.usr1.recv() => self.write_data(),
                _ = self.signals.usr2.recv() => self.write_stats(),
                Some(ev) = recv_opt(&mut self.link_rx) => self.on_link(ev).await,
                Some(r) = self.script_rx.recv() => {
                    let outs = self.engine.handle(
                        Input::ScriptResult { script: &r.name, success: r.success },
                        self.now(),
                    );
                    self.apply(outs).await;
                }
                _ = self.pkt_tx.readable() => self.on_packets().await,
            }
        }
    }

    /// Handles up to [`PACKET_BATCH`] queued packets, delivering a due timer before any
    /// packet (the tokio timer only fires once the loop yields), then yields.
    async fn on_packets(&mut self) {
        let mut deadline = self.engine.next_deadline();
        for _ in 0..PACKET_BATCH {
            if deadline.is_some_and(|d| d <= self.now()) {
                let outs = self.engine.handle(Input::Timer, self.now());
                self.apply(outs).await;
                deadline = self.engine.next_deadline();
            }
            let Some(m) = self.pkt_tx.pop() else {
                break;
            };
            self.on_packet(&m).await;
            self.pkt_tx.recycle(m.data);
        }
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
            rx_queue::CAPACITY,
            total - logged
        ));
        self.drops_logged = (total, Some(Instant::now()));
    }

    async fn on_packet(&mut self, m: &RxMsg) {
        let outs = self.engine.handle(
            Input::Packet(RxPacket {
                interface: &m.interface,
                family: m.family,
                bytes: &m.data,
                src: m.src,
                hop_limit: m.hop_limit,
            }),
            self.now(),
        );
        self.apply(outs).await;
    }

    async fn on_link(&mut self, ev: LinkEvent) {
        let (name, up) = match ev {
            LinkEvent::Changed { index, name, up } => {
                let e = self.ifs.entry(name.clone()).or_insert_with(|| IfInfo {
                    index,
                    ..IfInfo::default()
                });
                e.index = index;
                e.up = up;
                (name, up)
            }
            LinkEvent::Removed { name, .. } => {
                if let Some(e) = self.ifs.get_mut(&name) {
                    e.up = false;
                }
                (name, false)
            }
        };
        if !self.watched.contains(&name) {
            return;
        }
        let outs = self.engine.handle(
            Input::Link {
                interface: &name,
                up,
            },
            self.now(),
        );
        self.apply(outs).await;
    }

    /// Closes the sockets no instance of `conv` uses (after the old instances said goodbye).
    fn close_unused_sockets(&mut self, conv: &Converted) {
        let wanted = wanted_sockets(conv);
        self.sockets.retain(|k, s| {
            let keep = wanted.contains_key(k);
            if !keep {
                s.task.abort();
            }
            keep
        });
    }

    /// Opens a socket for every (interface, family) in use that has none yet.
    fn open_sockets(&mut self, conv: &Converted) {
        for ((ifname, family), (group, multicast)) in wanted_sockets(conv) {
            if self.sockets.contains_key(&(ifname.clone(), family)) {
                continue;
            }
            let Some(ifindex) = self.ifs.get(&ifname).map(|i| i.index) else {
                continue;
            };
            match VrrpSocket::open(&ifname, ifindex, family, group, multicast) {
                Ok(sock) => {
                    logging::detail(&format!(
                        "VRRP sockpool: [ifindex({ifindex}), proto(112), unicast({}), family({})]",
                        u8::from(!multicast),
                        if family == Family::V4 { "IPv4" } else { "IPv6" }
                    ));
                    let socket = Rc::new(sock);
                    let task = spawn_reader(
                        socket.clone(),
                        Rc::from(ifname.as_str()),
                        family,
                        self.pkt_tx.clone(),
                    );
                    self.sockets
                        .insert((ifname, family), SocketEntry { socket, task });
                }
                Err(e) => logging::error(&format!(
                    "Cannot open VRRP socket on {ifname}: {e} - instances on it cannot work"
                )),
            }
        }
    }

    /// Carries out the engine's actions in order.
    async fn apply(&mut self, outs: Vec<Output>) {
        for out in outs {
            let iname = out
                .instance
                .filter(|i| i.0 < self.engine.instance_count())
                .map(|i| self.engine.instance_config(i).name.clone());
            match out.action {
                Action::SendAdvert {
                    interface,
                    dst,
                    packet,
                } => {
                    self.send_advert(iname.as_deref(), &interface, dst, &packet);
                }
                Action::AddAddresses(vips) => self.add_addresses(iname.as_deref(), &vips).await,
                Action::RemoveAddresses(vips) => {
                    self.remove_addresses(iname.as_deref(), &vips).await
                }
                Action::SendGarp { vips, count } => self.send_garps(&vips, count).await,
                // virtual_routes / virtual_rules are not implemented yet (docs/compatibility.md).
                Action::SetRoutes(_) => {}
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
                }
                Action::Log(line) => logging::log_line(&line),
                // Counters live in the engine (Engine::stats).
                Action::StateChanged { .. } => {}
            }
        }
    }

    fn send_advert(&mut self, iname: Option<&str>, interface: &str, dst: IpAddr, packet: &[u8]) {
        let family = if dst.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        let Some(entry) = self.sockets.get(&(interface.to_string(), family)) else {
            logging::error(&format!(
                "VRRP_Instance({}) Cant send advert to {dst} (no socket on {interface})",
                iname.unwrap_or("?")
            ));
            return;
        };
        match entry.socket.send(packet, dst) {
            Ok(()) => {}
            Err(e) => logging::error(&format!(
                "VRRP_Instance({}) Cant send advert to {dst} ({e})",
                iname.unwrap_or("?")
            )),
        }
    }

    fn spec(&self, v: &Vip) -> Option<AddressSpec> {
        let ifindex = self.ifs.get(&v.dev)?.index;
        let scope = match &v.scope {
            Some(s) => vrrp_netlink::parse_scope(s).unwrap_or(0),
            None => 0,
        };
        Some(AddressSpec {
            ifindex,
            addr: v.addr,
            prefix_len: v.prefix_len,
            broadcast: v.broadcast,
            scope,
            label: v.label.clone(),
        })
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
        for _ in 0..count {
            for (ifindex, frame, line) in &frames {
                logging::detail(line);
                if let Err(e) = sock.send_frame(*ifindex, frame) {
                    logging::error(&format!("{line} failed: {e}"));
                }
            }
        }
    }

    async fn shutdown(&mut self) -> i32 {
        logging::info("Stopping");
        for t in self.script_tasks.drain(..) {
            t.abort();
        }
        if self.opts.dont_release_vrrp {
            // -V: leave the VIPs and say nothing to the peers, so a quick restart does not
            // move the addresses; only notify_stop runs.
            logging::info("-V/--dont-release-vrrp: leaving VIPs in place, no priority-0 advert");
        } else {
            let outs = self.engine.handle(Input::Shutdown, self.now());
            self.apply(outs).await;
        }
        if !self.stop_notified {
            for line in self.notify.stop_commands() {
                scripts::spawn_notify(line);
            }
        }
        for (_, s) in self.sockets.drain() {
            s.task.abort();
        }
        logging::info("Stopped");
        0
    }

    async fn reload(&mut self) {
        logging::info(&format!(
            "Reloading: opening file '{}'.",
            self.opts.config_file.display()
        ));
        let loaded = match conf::load(
            &self.opts.config_file,
            &conf::LoadOptions {
                config_id: self.opts.config_id.clone(),
            },
        ) {
            Ok(l) => l,
            Err(e) => {
                logging::error(&format!("{e} - keeping the running configuration"));
                return;
            }
        };
        log_diagnostics(&loaded);
        if loaded.error_count() > 0 {
            logging::error(&format!(
                "Configuration file has {} error(s) - keeping the running configuration",
                loaded.error_count()
            ));
            return;
        }
        self.ifs = snapshot(&self.nl).await;
        let conv = convert::convert(
            &loaded.config,
            &self.ifs,
            convert::ConvertOptions {
                release_vips: self.opts.release_vips,
            },
        );
        for m in &conv.messages {
            logging::log_line(m);
        }
        if self.opts.dump_conf {
            dump_config(&conv);
        }
        for t in self.script_tasks.drain(..) {
            t.abort();
        }
        self.notify = conv.notify.clone();
        self.watched = watched_interfaces(&conv);
        // New sockets before the reload (new masters advertise at once), old ones closed after
        // it (removed masters still send their priority-0 advert).
        self.open_sockets(&conv);
        let outs = self
            .engine
            .handle(Input::Reload(Box::new(conv.engine.clone())), self.now());
        self.apply(outs).await;
        self.close_unused_sockets(&conv);
        // Interfaces new to the configuration: the engine ignores states it already knows.
        self.feed_link_states().await;
        self.script_tasks = scripts::spawn_checks(&conv.scripts, &self.script_tx);
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
        loop {
            match socket.recv(&mut buf).await {
                Ok(meta) => {
                    errors = 0;
                    let len = meta.len.min(buf.len());
                    queue.push(&interface, family, &buf[..len], meta.src, meta.hop_limit);
                }
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
            },
        );
    }
    ifs
}

/// (interface, family) → (multicast group, any multicast instance) for the sockets `conv` needs.
fn wanted_sockets(conv: &Converted) -> HashMap<(String, Family), (IpAddr, bool)> {
    let mut wanted: HashMap<(String, Family), (IpAddr, bool)> = HashMap::new();
    for i in &conv.engine.instances {
        let e = wanted
            .entry((i.interface.clone(), i.family))
            .or_insert((i.mcast_group, false));
        e.1 |= i.unicast_peers.is_empty();
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
