//! The AgentX session: connects to the master agent, opens a session, registers the
//! subtrees of the enabled MIBs, answers requests from the latest snapshot, sends the
//! traps, and starts over (every [`RETRY`]) whenever the master is absent or goes away — so
//! a snmpd started or restarted after the daemon gets the registration. A reload that
//! changes the SNMP settings closes the session and opens one with the new settings
//! (another socket, other subtrees) or, when SNMP is now off, none.
//!
//! It runs on its own OS thread with blocking sockets: nothing it waits for (the master,
//! the network) can delay the thread that sends adverts. It reads the engine's state only
//! through [`crate::metrics::Shared`], the snapshot the main loop refreshes per input.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, PoisonError};

use vrrp_engine::State;

use super::mib::{Mib, VRRP_MIB};
use super::pdu::{self, error, PduType, Request, Value, Writer, HEADER_LEN};
use super::tables::{self, Host};
use super::view::{Trap, Views};
use super::{Config, Target};
use crate::logging;
use crate::metrics::Shared;

/// Delay between connection attempts.
pub const RETRY: Duration = Duration::from_secs(2);
/// How often the session looks for state changes to notify (and the read timeout).
const TICK: Duration = Duration::from_millis(500);
/// A master silent this long gets a Ping; twice that without any PDU: reconnect.
const IDLE_PING: Duration = Duration::from_secs(15);
/// How long built objects answer requests (bounds staleness; see `answer`).
const MIB_CACHE: Duration = Duration::from_millis(200);
/// Most bindings in one GetBulk answer.
const BULK_LIMIT: usize = 1000;
/// `snmpTrapOID.0`.
const SNMP_TRAP_OID: [u32; 11] = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/// `sysUpTime.0`.
const SYS_UP_TIME: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 3, 0];

/// The settings the main loop hands over: a generation number (bumped on each change) and
/// the configuration (`None`: SNMP off).
pub type Control = Arc<Mutex<(u64, Option<Config>)>>;

/// A notify the main loop forwards (KEEPALIVED-MIB's state-change traps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An instance entered a state.
    Instance(String, State),
    /// A sync group entered a state.
    Group(String, State),
}

fn current(c: &Control) -> (u64, Option<Config>) {
    c.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

fn connect(t: &Target) -> io::Result<Box<dyn Stream>> {
    Ok(match t {
        Target::Tcp(host, port) => {
            let s = TcpStream::connect((host.as_str(), *port))?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(TICK))?;
            s.set_write_timeout(Some(Duration::from_secs(5)))?;
            Box::new(s)
        }
        Target::Unix(p) => {
            let s = UnixStream::connect(p)?;
            s.set_read_timeout(Some(TICK))?;
            s.set_write_timeout(Some(Duration::from_secs(5)))?;
            Box::new(s)
        }
    })
}

/// Runs sessions forever (the thread's body).
pub fn run(ctrl: Control, events: Receiver<Event>, shared: Shared) {
    let mut views = Views::default();
    let mut logged_absent = None;
    loop {
        let (gen, cfg) = current(&ctrl);
        let Some(cfg) = cfg else {
            // SNMP off (a reload disabled it): wait for a reload enabling it again.
            while events.try_recv().is_ok() {}
            std::thread::sleep(TICK);
            continue;
        };
        match connect(&cfg.target) {
            Ok(s) => {
                logged_absent = None;
                let mut sess = Session {
                    s,
                    cfg: cfg.clone(),
                    host: host_names(&cfg),
                    cache: None,
                    id: 0,
                    packet: 0,
                    buf: Vec::new(),
                };
                match sess.serve(&ctrl, gen, &events, &shared, &mut views) {
                    Ok(End::Reconfigured) => {
                        let _ = sess.close();
                        logging::info("SNMP: settings changed - AgentX session closed");
                        continue;
                    }
                    Ok(End::Closed) => logging::info("SNMP: AgentX master closed the session"),
                    Err(e) => logging::info(&format!("SNMP: AgentX session ended: {e}")),
                }
            }
            Err(e) => {
                if logged_absent.as_ref() != Some(&cfg.target) {
                    logging::info(&format!(
                        "SNMP: cannot reach the AgentX master at {}: {e} - retrying every {}s",
                        cfg.target,
                        RETRY.as_secs()
                    ));
                    logged_absent = Some(cfg.target.clone());
                }
            }
        }
        // Wait RETRY, unless the settings change meanwhile; notifies while no session is
        // open are dropped (as net-snmp drops them).
        let end = Instant::now() + RETRY;
        while Instant::now() < end && current(&ctrl).0 == gen {
            while events.try_recv().is_ok() {}
            std::thread::sleep(TICK.min(end.saturating_duration_since(Instant::now())));
        }
    }
}

/// How a session that did not fail ended.
enum End {
    /// The master closed it.
    Closed,
    /// The settings changed.
    Reconfigured,
}

/// The version, router id and sender KEEPALIVED-MIB shows (host name defaults as 1.3.5).
fn host_names(c: &Config) -> Host {
    let g = &c.globals;
    let default_from = g.email_from.is_none() && g.has_smtp_server;
    let host = if g.router_id.is_none() || default_from {
        crate::smtp::local_name().unwrap_or_else(|| "localhost".into())
    } else {
        String::new()
    };
    Host {
        // As the first line of `keepalived -v`.
        version: format!(
            "Keepalived v1.3.5 compatible: keepalived-rs v{}",
            env!("CARGO_PKG_VERSION")
        ),
        router_id: g.router_id.clone().unwrap_or_else(|| host.clone()),
        email_from: g
            .email_from
            .clone()
            .or_else(|| default_from.then(|| format!("{}@{host}", crate::smtp::user_name()))),
    }
}

struct Session {
    s: Box<dyn Stream>,
    cfg: Config,
    host: Host,
    /// The objects last built and when.
    cache: Option<(Instant, Rc<Mib>)>,
    id: u32,
    packet: u32,
    buf: Vec<u8>,
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

impl Session {
    fn next_packet(&mut self) -> u32 {
        self.packet = self.packet.wrapping_add(1);
        self.packet
    }

    /// Reads one PDU; `Ok(None)` on a read timeout with nothing pending.
    fn read_pdu(&mut self) -> io::Result<Option<(pdu::Header, Vec<u8>)>> {
        let mut tmp = [0u8; 4096];
        loop {
            if self.buf.len() >= HEADER_LEN {
                let h = pdu::decode_header(&self.buf).map_err(invalid)?;
                if self.buf.len() >= HEADER_LEN + h.payload_len {
                    let payload = self.buf[HEADER_LEN..HEADER_LEN + h.payload_len].to_vec();
                    self.buf.drain(..HEADER_LEN + h.payload_len);
                    return Ok(Some((h, payload)));
                }
            }
            match self.s.read(&mut tmp) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed")),
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return Ok(None)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a PDU and waits (a few seconds at most) for its Response.
    fn call(&mut self, w: Writer, packet: u32) -> io::Result<(pdu::Header, u16)> {
        self.s.write_all(&w.finish())?;
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Some((h, p)) = self.read_pdu()? {
                if h.ty == Some(PduType::Response) && h.packet_id == packet {
                    if let Request::Response(_, err, _) =
                        pdu::decode_request(&h, &p).map_err(invalid)?
                    {
                        return Ok((h, err));
                    }
                }
            }
        }
        Err(io::Error::new(io::ErrorKind::TimedOut, "no response"))
    }

    fn open_and_register(&mut self) -> io::Result<()> {
        let p = self.next_packet();
        let mut w = Writer::new(PduType::Open, 0, 0, 0, p);
        // timeout 0: the master's default; no sysObjectID.
        w.bytes(&[0, 0, 0, 0])
            .oid(&[], false)
            .octets(b"keepalived-rs VRRP subagent");
        let (h, err) = self.call(w, p)?;
        if err != error::NONE {
            return Err(invalid(format!("Open refused (error {err})")));
        }
        self.id = h.session_id;
        for sub in self.subtrees() {
            let p = self.next_packet();
            let mut w = Writer::new(PduType::Register, 0, self.id, 0, p);
            // timeout 0, priority 127 (the default), no range.
            w.bytes(&[0, 127, 0, 0]).oid(sub, false);
            let (_, err) = self.call(w, p)?;
            if err != error::NONE {
                return Err(invalid(format!(
                    "registration of {} refused (error {err})",
                    dotted(sub)
                )));
            }
        }
        Ok(())
    }

    /// The subtrees the enabled MIBs need (1.3.5 registers KEEPALIVED-MIB's global and
    /// VRRP parts separately).
    fn subtrees(&self) -> Vec<&'static [u32]> {
        let mut v: Vec<&'static [u32]> = Vec::new();
        if self.cfg.keepalived {
            v.push(&tables::GLOBAL);
            v.push(&tables::VRRP);
        }
        if self.cfg.rfcv2 {
            v.push(&VRRP_MIB);
        }
        if self.cfg.rfcv3 {
            v.push(&tables::VRRPV3_MIB);
        }
        v
    }

    /// Closes the session (agentx-Close-PDU, reason shutdown(5)).
    fn close(&mut self) -> io::Result<()> {
        let p = self.next_packet();
        let mut w = Writer::new(PduType::Close, 0, self.id, 0, p);
        w.bytes(&[5, 0, 0, 0]);
        self.s.write_all(&w.finish())
    }

    fn serve(
        &mut self,
        ctrl: &Control,
        gen: u64,
        events: &Receiver<Event>,
        shared: &Shared,
        views: &mut Views,
    ) -> io::Result<End> {
        self.open_and_register()?;
        let names: Vec<String> = self.subtrees().iter().map(|o| dotted(o)).collect();
        logging::info(&format!(
            "SNMP: AgentX session {} open at {}, {} registered ({})",
            self.id,
            self.cfg.target,
            self.mib_names(),
            names.join(" ")
        ));
        // Transitions before this session are not notified again.
        views.refresh(shared);
        views.take_traps(&self.cfg);
        while events.try_recv().is_ok() {}
        let mut last_heard = Instant::now();
        let mut pinged = false;
        let mut last_trap_check = Instant::now();
        loop {
            match self.read_pdu()? {
                Some((h, payload)) => {
                    last_heard = Instant::now();
                    pinged = false;
                    if !self.answer(&h, &payload, shared, views)? {
                        return Ok(End::Closed);
                    }
                }
                None => {
                    let idle = last_heard.elapsed();
                    if idle > 2 * IDLE_PING {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "master silent"));
                    }
                    if idle > IDLE_PING && !pinged {
                        let p = self.next_packet();
                        let w = Writer::new(PduType::Ping, 0, self.id, 0, p);
                        self.s.write_all(&w.finish())?;
                        pinged = true;
                    }
                }
            }
            if last_trap_check.elapsed() >= TICK {
                last_trap_check = Instant::now();
                match current(ctrl) {
                    (g, _) if g != gen => return Ok(End::Reconfigured),
                    (_, Some(c)) if c != self.cfg => {
                        // Same subtrees and socket: new traps setting or configuration.
                        self.host = host_names(&c);
                        self.cfg = c;
                        self.cache = None;
                    }
                    _ => {}
                }
                views.refresh(shared);
                for t in views.take_traps(&self.cfg) {
                    self.notify(&t)?;
                }
                // KEEPALIVED-MIB's state-change traps: enable_traps and
                // enable_snmp_keepalived, as 1.3.5 gates them.
                let k_traps = self.cfg.traps && self.cfg.keepalived;
                while let Ok(ev) = events.try_recv() {
                    if !k_traps {
                        continue;
                    }
                    let trap = match ev {
                        Event::Instance(name, st) => {
                            views.instance_trap(&name, st, &self.host.router_id)
                        }
                        Event::Group(name, st) => {
                            Some(super::view::group_trap(&name, st, &self.host.router_id))
                        }
                    };
                    if let Some(t) = trap {
                        self.notify(&t)?;
                    }
                }
            }
        }
    }

    fn mib_names(&self) -> String {
        let mut v = Vec::new();
        if self.cfg.keepalived {
            v.push("KEEPALIVED-MIB");
        }
        if self.cfg.rfcv2 {
            v.push("VRRP-MIB");
        }
        if self.cfg.rfcv3 {
            v.push("VRRPV3-MIB");
        }
        v.join(", ")
    }

    fn notify(&mut self, (trap_oid, vbs): &Trap) -> io::Result<()> {
        let p = self.next_packet();
        let mut w = Writer::new(PduType::Notify, 0, self.id, 0, p);
        w.varbind(&SYS_UP_TIME, &Value::TimeTicks(super::view::sys_up_time()))
            .varbind(&SNMP_TRAP_OID, &Value::Oid(trap_oid.clone()));
        for (o, v) in vbs {
            w.varbind(o, v);
        }
        // The Response comes back through the serve loop (and is ignored there).
        self.s.write_all(&w.finish())
    }

    fn answer(
        &mut self,
        h: &pdu::Header,
        payload: &[u8],
        shared: &Shared,
        views: &mut Views,
    ) -> io::Result<bool> {
        let req = match pdu::decode_request(h, payload) {
            Ok(r) => r,
            Err(e) => {
                logging::error(&format!("SNMP: bad AgentX PDU: {e}"));
                return self.respond(h, error::PROCESSING, &[]).map(|()| true);
            }
        };
        let (cfg, host) = (&self.cfg, &self.host);
        let cache = &mut self.cache;
        // A walk is hundreds of requests: the objects are rebuilt at most every MIB_CACHE,
        // not per request (O(instances) each), so a walk of 1,000 instances stays linear.
        let mut build = |views: &mut Views| -> Rc<Mib> {
            match cache {
                Some((at, m)) if at.elapsed() < MIB_CACHE => m.clone(),
                _ => {
                    views.refresh(shared);
                    let m = Rc::new(views.mib(cfg, host));
                    *cache = Some((Instant::now(), m.clone()));
                    m
                }
            }
        };
        match (h.ty, req) {
            (_, Request::Get(ranges)) => {
                let mib = build(views);
                let vbs: Vec<_> = ranges
                    .into_iter()
                    .map(|r| {
                        let v = mib.get(&r.start);
                        (r.start, v)
                    })
                    .collect();
                self.respond(h, error::NONE, &vbs)
            }
            (_, Request::GetNext(ranges)) => {
                let mib = build(views);
                let vbs: Vec<_> = ranges.iter().map(|r| mib.next(r)).collect();
                self.respond(h, error::NONE, &vbs)
            }
            (
                _,
                Request::GetBulk {
                    non_repeaters,
                    max_repetitions,
                    ranges,
                },
            ) => {
                let mib = build(views);
                let vbs = mib.bulk(non_repeaters, max_repetitions, &ranges, BULK_LIMIT);
                self.respond(h, error::NONE, &vbs)
            }
            // Responses to our Ping/Notify.
            (_, Request::Response(..)) => Ok(()),
            (Some(PduType::TestSet), _) => self.respond(h, error::NOT_WRITABLE, &[]),
            (Some(PduType::CommitSet | PduType::UndoSet), _) => self.respond(h, error::NONE, &[]),
            (Some(PduType::CleanupSet), _) => Ok(()),
            (Some(PduType::Close), _) => return Ok(false),
            _ => Ok(()),
        }
        .map(|()| true)
    }

    fn respond(&mut self, h: &pdu::Header, err: u16, vbs: &[(Vec<u32>, Value)]) -> io::Result<()> {
        let mut w = Writer::new(
            PduType::Response,
            0,
            h.session_id,
            h.transaction_id,
            h.packet_id,
        );
        w.u32(super::view::sys_up_time()).u16(err).u16(0);
        for (o, v) in vbs {
            w.varbind(o, v);
        }
        self.s.write_all(&w.finish())
    }
}

/// `1.3.6.1…` text of an OID (for the log).
fn dotted(o: &[u32]) -> String {
    o.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}
