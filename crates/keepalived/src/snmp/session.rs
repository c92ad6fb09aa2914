//! The AgentX session: connects to the master agent, opens a session, registers the
//! VRRP-MIB subtree, answers requests from the latest snapshot, sends `vrrpTrapNewMaster`,
//! and starts over (every [`RETRY`]) whenever the master is absent or goes away — so a
//! snmpd started or restarted after the daemon gets the registration.
//!
//! It runs on its own OS thread with blocking sockets: nothing it waits for (the master,
//! the network) can delay the thread that sends adverts. It reads the engine's state only
//! through [`crate::metrics::Shared`], the snapshot the main loop refreshes per input.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::mib::{Mib, TRAP_NEW_MASTER, VRRP_MIB};
use super::pdu::{self, error, PduType, Request, Value, Writer, HEADER_LEN};
use super::view::Views;
use super::Target;
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

/// What the session needs to know.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the master listens.
    pub target: Target,
    /// `enable_traps`.
    pub traps: bool,
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
pub fn run(settings: Settings, shared: Shared) {
    let mut views = Views::default();
    let mut logged_absent = false;
    loop {
        match connect(&settings.target) {
            Ok(s) => {
                logged_absent = false;
                let mut sess = Session {
                    s,
                    traps: settings.traps,
                    cache: None,
                    id: 0,
                    packet: 0,
                    buf: Vec::new(),
                };
                match sess.serve(&settings, &shared, &mut views) {
                    Ok(()) => logging::info("SNMP: AgentX master closed the session"),
                    Err(e) => logging::info(&format!("SNMP: AgentX session ended: {e}")),
                }
            }
            Err(e) => {
                if !logged_absent {
                    logging::info(&format!(
                        "SNMP: cannot reach the AgentX master at {}: {e} - retrying every {}s",
                        settings.target,
                        RETRY.as_secs()
                    ));
                    logged_absent = true;
                }
            }
        }
        std::thread::sleep(RETRY);
    }
}

struct Session {
    s: Box<dyn Stream>,
    traps: bool,
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
        let p = self.next_packet();
        let mut w = Writer::new(PduType::Register, 0, self.id, 0, p);
        // timeout 0, priority 127 (the default), no range.
        w.bytes(&[0, 127, 0, 0]).oid(&VRRP_MIB, false);
        let (_, err) = self.call(w, p)?;
        if err != error::NONE {
            return Err(invalid(format!(
                "registration of 1.3.6.1.2.1.68 refused (error {err})"
            )));
        }
        Ok(())
    }

    fn serve(&mut self, st: &Settings, shared: &Shared, views: &mut Views) -> io::Result<()> {
        self.open_and_register()?;
        logging::info(&format!(
            "SNMP: AgentX session {} open at {}, VRRP-MIB registered",
            self.id, st.target
        ));
        // Transitions before this session are not notified again.
        views.refresh(shared);
        views.take_new_masters();
        let mut last_heard = Instant::now();
        let mut pinged = false;
        let mut last_trap_check = Instant::now();
        loop {
            match self.read_pdu()? {
                Some((h, payload)) => {
                    last_heard = Instant::now();
                    pinged = false;
                    self.answer(&h, &payload, shared, views)?;
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
            if st.traps && last_trap_check.elapsed() >= TICK {
                last_trap_check = Instant::now();
                views.refresh(shared);
                for (master, uptime) in views.take_new_masters() {
                    self.notify_new_master(&master, uptime)?;
                }
            }
        }
    }

    fn notify_new_master(&mut self, master: &(Vec<u32>, Value), uptime: u32) -> io::Result<()> {
        let p = self.next_packet();
        let mut w = Writer::new(PduType::Notify, 0, self.id, 0, p);
        w.varbind(&SYS_UP_TIME, &Value::TimeTicks(uptime))
            .varbind(&SNMP_TRAP_OID, &Value::Oid(TRAP_NEW_MASTER.to_vec()))
            .varbind(&master.0, &master.1);
        // The Response comes back through the serve loop (and is ignored there).
        self.s.write_all(&w.finish())
    }

    fn answer(
        &mut self,
        h: &pdu::Header,
        payload: &[u8],
        shared: &Shared,
        views: &mut Views,
    ) -> io::Result<()> {
        let req = match pdu::decode_request(h, payload) {
            Ok(r) => r,
            Err(e) => {
                logging::error(&format!("SNMP: bad AgentX PDU: {e}"));
                return self.respond(h, error::PROCESSING, &[]);
            }
        };
        let traps = self.traps;
        let cache = &mut self.cache;
        // A walk is hundreds of requests: the objects are rebuilt at most every MIB_CACHE,
        // not per request (O(instances) each), so a walk of 1,000 instances stays linear.
        let mut build = |views: &mut Views| -> Rc<Mib> {
            match cache {
                Some((at, m)) if at.elapsed() < MIB_CACHE => m.clone(),
                _ => {
                    views.refresh(shared);
                    let m = Rc::new(views.mib(traps));
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
            (Some(PduType::Close), _) => Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "master sent Close",
            )),
            _ => Ok(()),
        }
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
