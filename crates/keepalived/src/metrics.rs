//! `--metrics-listen=ADDR:PORT`: Prometheus metrics served by the daemon itself (issue 12 §2).
//!
//! Names and labels are keepalived-exporter's, so its dashboards and alerts work unchanged,
//! plus three of our own: the effective priority, the seconds in the current state, and the
//! adverts heard from another MASTER while MASTER (split-brain evidence).
//!
//! Isolation from the protocol: the HTTP server runs on its own OS thread with its own
//! current-thread tokio runtime, so neither a slow scraper nor rendering thousands of
//! series ever runs on the thread that sends adverts. The main loop hands over state through
//! [`Shared`] (a mutex held only to copy a few fields): after each input it refreshes the
//! instances the engine says the input touched ([`vrrp_engine::Engine::touched`]), so the
//! per-input cost is O(touched instances); a scrape clones the snapshot (cheap: labels are
//! shared) and renders outside the lock. Connections are bounded ([`MAX_CONNECTIONS`]: one
//! over the limit is closed at once) and timed ([`HEADER_TIMEOUT`], [`CONNECTION_LIFETIME`]).
//!
//! HTTP is hyper 1.x's HTTP/1 server and the text format prometheus-client's encoder: both
//! well-kept, fuzzed and used widely, where a hand-written request parser facing the network
//! would be new attack surface for a daemon running as root.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use vrrp_engine::{Engine, InstanceId, InstanceStats, Observed, State};

use crate::logging;
use crate::scripts::{self, RunState};

/// Most scrape connections served at once; more are closed as soon as they are accepted.
pub const MAX_CONNECTIONS: usize = 16;
/// A client must have sent a request's headers within this time.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection (keep-alive included) is closed after this time whatever it does.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);

/// What does not change between reloads: the instance's labels (and the configuration
/// the SNMP subagent shows).
#[derive(Debug)]
pub(crate) struct Labels {
    iname: String,
    pub(crate) intf: String,
    vrid: String,
    /// VRID, virtual addresses, advert interval, `nopreempt`, auth type (1.3.5's
    /// `vrrpOperAuthType`: 1 none, 2 PASS, 3 AH) and primary address, for SNMP.
    pub(crate) vrid_num: u8,
    pub(crate) vip_addrs: Vec<std::net::IpAddr>,
    pub(crate) advert_int: Duration,
    pub(crate) nopreempt: bool,
    pub(crate) auth_type: i32,
    pub(crate) src_addr: std::net::IpAddr,
    /// VRRP version 2 (RFC 2787 covers only those).
    pub(crate) v2: bool,
    /// `(ADDR/PREFIX, dev)` of each VIP, as keepalived's data dump writes them (what
    /// keepalived-exporter puts in `ip_address` and `intf`).
    vips: Vec<(String, String)>,
    excluded: Vec<(String, String)>,
    /// The whole instance configuration (KEEPALIVED-MIB's instance, tracking and address
    /// tables show most of it).
    pub(crate) cfg: vrrp_engine::InstanceConfig,
}

impl Labels {
    fn of(engine: &Engine, id: InstanceId) -> Option<Labels> {
        let c = engine.instance_config(id)?;
        let pairs = |v: &[vrrp_engine::Vip]| -> Vec<(String, String)> {
            v.iter()
                .map(|v| (format!("{}/{}", v.addr, v.prefix_len), v.dev.clone()))
                .collect()
        };
        Some(Labels {
            iname: c.name.clone(),
            intf: c.interface.clone(),
            vrid: c.vrid.to_string(),
            vrid_num: c.vrid,
            vip_addrs: c.vips.iter().map(|v| v.addr).collect(),
            advert_int: c.advert_int,
            nopreempt: c.nopreempt,
            auth_type: match c.auth {
                vrrp_engine::Auth::None => 1,
                vrrp_engine::Auth::Pass(_) => 2,
                vrrp_engine::Auth::Ah(_) => 3,
            },
            src_addr: c.src_addr,
            v2: c.version == vrrp_engine::Version::V2,
            vips: pairs(&c.vips),
            excluded: pairs(&c.excluded_vips),
            cfg: c.clone(),
        })
    }
}

/// One instance as the last input left it.
#[derive(Debug, Clone)]
pub(crate) struct InstanceView {
    pub(crate) labels: Arc<Labels>,
    pub(crate) state: State,
    pub(crate) base_priority: u8,
    pub(crate) effective_priority: u8,
    /// `garp_master_delay` in seconds (keepalived-exporter's `gratuitous_arp_delay`).
    garp_delay_secs: u64,
    pub(crate) stats: InstanceStats,
    pub(crate) observed: Observed,
    /// The MASTER heard while BACKUP (for SNMP's `vrrpOperMasterIpAddr`).
    pub(crate) master: Option<std::net::IpAddr>,
    /// Whether the instance holds its VIPs (KEEPALIVED-MIB's `vrrpInstanceVipsStatus`).
    pub(crate) vips_set: bool,
    /// Kind of the cause of the last transition (RFC 6527's master reason).
    pub(crate) last_cause: Option<&'static str>,
}

impl InstanceView {
    fn of(engine: &Engine, id: InstanceId) -> Option<InstanceView> {
        let labels = Arc::new(Labels::of(engine, id)?);
        let mut v = InstanceView {
            labels,
            state: State::Init,
            base_priority: 0,
            effective_priority: 0,
            garp_delay_secs: 0,
            stats: InstanceStats::ZERO,
            observed: Observed::default(),
            master: None,
            vips_set: false,
            last_cause: None,
        };
        v.refresh(engine, id);
        Some(v)
    }

    /// Copies what an input can change (not the labels: only a reload changes those).
    fn refresh(&mut self, engine: &Engine, id: InstanceId) {
        self.state = engine.state(id);
        self.effective_priority = engine.effective_priority(id);
        if let Some(c) = engine.instance_config(id) {
            self.base_priority = c.priority;
            self.garp_delay_secs = c.garp.master_delay.as_secs();
        }
        self.stats.clone_from(engine.stats(id));
        self.observed = engine.observed(id);
        self.master = engine.master_address(id);
        self.vips_set = engine.holds_vips(id);
        self.last_cause = engine.last_transition(id).map(|t| t.cause.kind());
    }
}

/// Everything a scrape shows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The engine's time zero (its clock is the time since then).
    pub(crate) epoch: Instant,
    pub(crate) instances: Vec<InstanceView>,
    /// `vrrp_script` name and result (`None`: not yet decided).
    pub(crate) scripts: Vec<(String, Option<bool>)>,
}

/// What the main loop must refresh after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The instances the engine says the input touched.
    Touched,
    /// Those and the script results (a script finished).
    Scripts,
    /// Everything, labels included (start, reload).
    All,
}

/// The snapshot shared between the main loop (writer) and the metrics thread (reader).
#[derive(Debug, Clone)]
pub struct Shared(Arc<Mutex<Snapshot>>);

impl Shared {
    /// An empty snapshot for an engine whose clock started at `epoch`.
    pub fn new(epoch: Instant) -> Shared {
        Shared(Arc::new(Mutex::new(Snapshot {
            epoch,
            instances: Vec::new(),
            scripts: Vec::new(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        // A panic elsewhere cannot leave a half-written snapshot that matters: keep serving.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings the snapshot up to date after an input.
    pub fn update(&self, engine: &Engine, what: Refresh) {
        let mut s = self.lock();
        if what == Refresh::All || s.instances.len() != engine.instance_count() {
            s.instances = (0..engine.instance_count())
                .filter_map(|i| InstanceView::of(engine, InstanceId(i)))
                .collect();
        } else {
            for id in engine.touched() {
                if let Some(v) = s.instances.get_mut(id.0) {
                    v.refresh(engine, id);
                }
            }
        }
        if what != Refresh::Touched {
            s.scripts = engine
                .script_results()
                .map(|(n, r)| (n.to_string(), r))
                .collect();
            s.scripts.sort();
        }
    }

    /// A copy of the current snapshot (taken under the lock, used outside it).
    pub(crate) fn copy(&self) -> Snapshot {
        self.lock().clone()
    }
}

/// Prometheus's state numbers (keepalived's `vrrp->state`, as keepalived-exporter exports).
fn state_number(s: State) -> i64 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// keepalived 2.x's script states, as keepalived-exporter numbers them.
fn run_state_number(s: RunState) -> i64 {
    match s {
        RunState::Idle => 0,
        RunState::Running => 1,
        RunState::RequestedTermination => 2,
        RunState::ForcingTermination => 3,
    }
}

/// A snapshot at one instant, as prometheus-client encodes it.
#[derive(Debug)]
struct Scrape {
    snap: Snapshot,
    now: Instant,
    run_states: Vec<(String, RunState)>,
}

type CounterField = fn(&InstanceStats) -> u64;

/// keepalived-exporter's per-instance counters (names without the `_total` the encoder
/// adds) and their help.
const COUNTERS: &[(&str, &str, CounterField)] = &[
    (
        "keepalived_advertisements_received",
        "Advertisements received",
        |s| s.advert_rcvd,
    ),
    (
        "keepalived_advertisements_sent",
        "Advertisements sent",
        |s| s.advert_sent,
    ),
    ("keepalived_become_master", "Became master", |s| {
        s.become_master
    }),
    ("keepalived_release_master", "Released master", |s| {
        s.release_master
    }),
    (
        "keepalived_packet_length_errors",
        "Packet length errors",
        |s| s.packet_len_err,
    ),
    (
        "keepalived_advertisements_interval_errors",
        "Advertisement interval errors",
        |s| s.advert_interval_err,
    ),
    ("keepalived_ip_ttl_errors", "TTL errors", |s| s.ip_ttl_err),
    (
        "keepalived_invalid_type_received",
        "Invalid type errors",
        |s| s.invalid_type_rcvd,
    ),
    (
        "keepalived_address_list_errors",
        "Address list errors",
        |s| s.addr_list_err,
    ),
    (
        "keepalived_authentication_invalid",
        "Authentication invalid",
        |s| s.invalid_authtype,
    ),
    (
        "keepalived_authentication_mismatch",
        "Authentication mismatch",
        |s| s.authtype_mismatch,
    ),
    (
        "keepalived_authentication_failure",
        "Authentication failure",
        |s| s.auth_failure,
    ),
    (
        "keepalived_priority_zero_received",
        "Priority zero received",
        |s| s.pri_zero_rcvd,
    ),
    ("keepalived_priority_zero_sent", "Priority zero sent", |s| {
        s.pri_zero_sent
    }),
];

impl Scrape {
    fn common(l: &Labels) -> [(&'static str, &str); 3] {
        [
            ("iname", l.iname.as_str()),
            ("intf", l.intf.as_str()),
            ("vrid", l.vrid.as_str()),
        ]
    }

    /// `keepalived_vrrp_state` / `keepalived_vrrp_excluded_state`: one series per address;
    /// an instance without VIPs gets one `keepalived_vrrp_state` with `ip_address=""` on its
    /// own interface, as keepalived-exporter does.
    fn encode_states(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        excluded: bool,
    ) -> Result<(), std::fmt::Error> {
        let mut m = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
        for v in &self.snap.instances {
            let l = &v.labels;
            let value = ConstGauge::new(state_number(v.state));
            let list = if excluded { &l.excluded } else { &l.vips };
            for (addr, dev) in list {
                let set = [
                    ("iname", l.iname.as_str()),
                    ("intf", dev.as_str()),
                    ("vrid", l.vrid.as_str()),
                    ("ip_address", addr.as_str()),
                ];
                value.encode(m.encode_family(&set)?)?;
            }
            if !excluded && list.is_empty() {
                let set = [
                    ("iname", l.iname.as_str()),
                    ("intf", l.intf.as_str()),
                    ("vrid", l.vrid.as_str()),
                    ("ip_address", ""),
                ];
                value.encode(m.encode_family(&set)?)?;
            }
        }
        Ok(())
    }

    fn encode_per_instance<M: EncodeMetric>(
        &self,
        encoder: &mut DescriptorEncoder,
        name: &str,
        help: &str,
        kind: MetricType,
        value: impl Fn(&InstanceView) -> Option<M>,
    ) -> Result<(), std::fmt::Error> {
        let mut m = encoder.encode_descriptor(name, help, None, kind)?;
        for v in &self.snap.instances {
            if let Some(metric) = value(v) {
                metric.encode(m.encode_family(&Self::common(&v.labels))?)?;
            }
        }
        Ok(())
    }
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let up = ConstGauge::new(1i64);
        up.encode(encoder.encode_descriptor("keepalived_up", "Status", None, up.metric_type())?)?;
        self.encode_states(
            &mut encoder,
            "keepalived_vrrp_state",
            "State of vrrp (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT)",
            false,
        )?;
        self.encode_states(
            &mut encoder,
            "keepalived_vrrp_excluded_state",
            "State of vrrp with excluded VIP",
            true,
        )?;
        for (name, help, field) in COUNTERS {
            self.encode_per_instance(&mut encoder, name, help, MetricType::Counter, |v| {
                Some(ConstCounter::new(field(&v.stats)))
            })?;
        }
        self.encode_per_instance(
            &mut encoder,
            "keepalived_gratuitous_arp_delay",
            "Gratuitous ARP delay",
            MetricType::Counter,
            |v| Some(ConstCounter::new(v.garp_delay_secs)),
        )?;
        // Ours: what none of the exporters has.
        self.encode_per_instance(
            &mut encoder,
            "keepalived_vrrp_priority",
            "Configured (base) priority",
            MetricType::Gauge,
            |v| Some(ConstGauge::new(i64::from(v.base_priority))),
        )?;
        self.encode_per_instance(
            &mut encoder,
            "keepalived_vrrp_effective_priority",
            "Effective priority (base priority adjusted by tracked scripts and interfaces)",
            MetricType::Gauge,
            |v| Some(ConstGauge::new(i64::from(v.effective_priority))),
        )?;
        self.encode_per_instance(
            &mut encoder,
            "keepalived_vrrp_state_duration_seconds",
            "Seconds since the instance entered its current state",
            MetricType::Gauge,
            |v| {
                let since = self.snap.epoch + v.observed.last_change?;
                Some(ConstGauge::new(
                    self.now.saturating_duration_since(since).as_secs_f64(),
                ))
            },
        )?;
        self.encode_per_instance(
            &mut encoder,
            "keepalived_vrrp_other_master_heard",
            "Adverts of another MASTER heard while MASTER (split brain)",
            MetricType::Counter,
            |v| Some(ConstCounter::new(v.observed.other_master_heard)),
        )?;
        {
            let mut m = encoder.encode_descriptor(
                "keepalived_script_status",
                "Tracker Script Status (0 BAD, 1 GOOD)",
                None,
                MetricType::Gauge,
            )?;
            for (name, ok) in &self.snap.scripts {
                let g = ConstGauge::new(i64::from(*ok == Some(true)));
                g.encode(m.encode_family(&[("name", name.as_str())])?)?;
            }
        }
        let mut m = encoder.encode_descriptor(
            "keepalived_script_state",
            "Tracker Script State (0 idle, 1 running, 2 requested termination, 3 forcing termination)",
            None,
            MetricType::Gauge,
        )?;
        for (name, _) in &self.snap.scripts {
            let state = self
                .run_states
                .iter()
                .find(|(n, _)| n == name)
                .map_or(RunState::Idle, |(_, s)| *s);
            let g = ConstGauge::new(run_state_number(state));
            g.encode(m.encode_family(&[("name", name.as_str())])?)?;
        }
        Ok(())
    }
}

/// The `/metrics` body for `snap` at `now`.
fn render(snap: Snapshot, now: Instant, run_states: Vec<(String, RunState)>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape {
        snap,
        now,
        run_states,
    }));
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut body, &registry) {
        // Writing to a String cannot fail; say so if it ever does rather than serve half.
        logging::error(&format!("metrics: cannot encode: {e}"));
        body.clear();
    }
    body
}

fn reply(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// One request: `GET /metrics` (or `HEAD`), nothing else.
fn respond(req: &Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    if req.uri().path() != "/metrics" {
        return reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into());
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET only\n".into(),
        );
        r.headers_mut().insert(
            hyper::header::ALLOW,
            hyper::header::HeaderValue::from_static("GET, HEAD"),
        );
        return r;
    }
    let body = render(shared.copy(), Instant::now(), scripts::run_states());
    reply(
        StatusCode::OK,
        prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        body,
    )
}

/// Binds `addr` now (so a busy port is reported at start) and serves it from its own thread.
pub fn spawn(addr: SocketAddr, shared: Shared) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    logging::error(&format!("metrics: cannot start its runtime: {e}"));
                    return;
                }
            };
            rt.block_on(serve(listener, shared));
        })?;
    Ok(())
}

async fn serve(listener: std::net::TcpListener, shared: Shared) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            logging::error(&format!("metrics: cannot use the listening socket: {e}"));
            return;
        }
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // EMFILE and the like: pause instead of spinning.
                logging::error(&format!("metrics: accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Over the limit: closed at once (no queue of half-open scrapers holding descriptors).
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let r = respond(&req, &shared);
                async move { Ok::<_, std::convert::Infallible>(r) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            // Errors are the client's (reset, garbage, timeout): nothing to log per scraper.
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, conn).await;
            drop(permit);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use vrrp_engine::Input;

    use super::*;
    use crate::convert::{convert, ConvertOptions, IfInfo, Interfaces};
    use crate::test_support::{self, seed_advert, seed_engine};

    /// Node A of the seed (VI_1, VRID 51, priority 100, VIP 192.168.1.210) plus a
    /// `vrrp_script`, through the daemon's own conversion.
    fn seed_a_engine() -> Engine {
        seed_engine('a', |text| {
            format!(
                "vrrp_script chk_web {{\n script \"/bin/true\"\n}}\n{}",
                text.replace(
                    "virtual_ipaddress {",
                    "track_script {\n chk_web\n }\n virtual_ipaddress_excluded {\n 10.9.9.9/32\n }\n virtual_ipaddress {"
                )
            )
        })
    }

    fn advert_from_b(prio: u8) -> Vec<u8> {
        seed_advert(Ipv4Addr::new(192, 168, 1, 199), prio, b"1111\0\0\0\0")
    }

    fn packet(e: &mut Engine, bytes: &[u8], now: Duration) {
        test_support::feed(e, bytes, now);
    }

    /// The value of the one line that starts with `series` (name and labels).
    fn value(body: &str, series: &str) -> String {
        let hits: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix(series))
            .filter_map(|rest| rest.strip_prefix(' '))
            .collect();
        assert_eq!(hits.len(), 1, "{series} in\n{body}");
        hits[0].to_string()
    }

    const VI1: &str = r#"{iname="VI_1",intf="enp11s0f0",vrid="51"}"#;

    #[test]
    fn renders_keepalived_exporter_names_labels_and_values() {
        let epoch = Instant::now();
        let mut e = seed_a_engine();
        let shared = Shared::new(epoch);
        shared.update(&e, Refresh::All);
        e.handle(Input::Start, Duration::ZERO);
        shared.update(&e, Refresh::All);
        let body = render(shared.copy(), epoch, vec![]);
        assert!(body.contains("# TYPE keepalived_up gauge\nkeepalived_up 1\n"));
        // state MASTER: INIT until the first timer.
        assert_eq!(
            value(
                &body,
                r#"keepalived_vrrp_state{iname="VI_1",intf="enp11s0f0",vrid="51",ip_address="192.168.1.210/24"}"#
            ),
            "0"
        );
        // One interval later: MASTER, one advert sent, the VIP and excluded VIP held.
        let t = Duration::from_secs(1);
        e.handle(Input::Timer, t);
        shared.update(&e, Refresh::Touched);
        let body = render(shared.copy(), epoch + Duration::from_millis(3500), vec![]);
        assert_eq!(
            value(
                &body,
                r#"keepalived_vrrp_state{iname="VI_1",intf="enp11s0f0",vrid="51",ip_address="192.168.1.210/24"}"#
            ),
            "2"
        );
        assert_eq!(
            value(
                &body,
                r#"keepalived_vrrp_excluded_state{iname="VI_1",intf="enp11s0f0",vrid="51",ip_address="10.9.9.9/32"}"#
            ),
            "2"
        );
        assert!(body.contains("# TYPE keepalived_advertisements_sent_total counter\n"));
        assert_eq!(
            value(&body, &format!("keepalived_advertisements_sent_total{VI1}")),
            "1"
        );
        assert_eq!(
            value(&body, &format!("keepalived_become_master_total{VI1}")),
            "1"
        );
        assert_eq!(
            value(
                &body,
                &format!("keepalived_gratuitous_arp_delay_total{VI1}")
            ),
            "5"
        );
        assert_eq!(
            value(&body, &format!("keepalived_vrrp_effective_priority{VI1}")),
            "100"
        );
        // Entered MASTER at 1 s, scraped at 3.5 s.
        assert_eq!(
            value(
                &body,
                &format!("keepalived_vrrp_state_duration_seconds{VI1}")
            ),
            "2.5"
        );
        // Every exporter counter is there, with its three labels.
        for (name, _, _) in COUNTERS {
            value(&body, &format!("{name}_total{VI1}"));
        }
        // Another master heard: counted, and the counters move.
        packet(&mut e, &advert_from_b(90), Duration::from_secs(2));
        shared.update(&e, Refresh::Touched);
        let body = render(shared.copy(), epoch, vec![]);
        assert_eq!(
            value(
                &body,
                &format!("keepalived_vrrp_other_master_heard_total{VI1}")
            ),
            "1"
        );
        assert_eq!(
            value(
                &body,
                &format!("keepalived_advertisements_received_total{VI1}")
            ),
            "1"
        );
    }

    #[test]
    fn scripts_show_status_and_run_state() {
        let epoch = Instant::now();
        let mut e = seed_a_engine();
        let shared = Shared::new(epoch);
        e.handle(Input::Start, Duration::ZERO);
        shared.update(&e, Refresh::All);
        e.handle(
            Input::ScriptResult {
                script: "chk_web",
                success: false,
            },
            Duration::from_secs(1),
        );
        shared.update(&e, Refresh::Scripts);
        let body = render(
            shared.copy(),
            epoch,
            vec![("chk_web".into(), RunState::Running)],
        );
        assert_eq!(
            value(&body, r#"keepalived_script_status{name="chk_web"}"#),
            "0"
        );
        assert_eq!(
            value(&body, r#"keepalived_script_state{name="chk_web"}"#),
            "1"
        );
        for _ in 0..2 {
            e.handle(
                Input::ScriptResult {
                    script: "chk_web",
                    success: true,
                },
                Duration::from_secs(2),
            );
        }
        shared.update(&e, Refresh::Scripts);
        let body = render(shared.copy(), epoch, vec![]);
        assert_eq!(
            value(&body, r#"keepalived_script_status{name="chk_web"}"#),
            "1"
        );
        assert_eq!(
            value(&body, r#"keepalived_script_state{name="chk_web"}"#),
            "0"
        );
    }

    #[test]
    fn an_instance_without_vips_has_one_state_series() {
        let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 7\n priority 50\n}\n";
        let cfg = keepalived_conf::load_str("x.conf", text, &Default::default()).config;
        let mut ifs = Interfaces::new();
        ifs.insert(
            "eth0".into(),
            IfInfo {
                index: 2,
                up: true,
                mac: Some([2, 0, 0, 0, 0, 1]),
                primary_v4: Some(Ipv4Addr::new(10, 0, 0, 1)),
                link_local_v6: None,
                vmac_base: None,
            },
        );
        let e = Engine::new(convert(&cfg, &ifs, ConvertOptions::default()).engine);
        assert_eq!(e.instance_count(), 1);
        let shared = Shared::new(Instant::now());
        shared.update(&e, Refresh::All);
        let body = render(shared.copy(), Instant::now(), vec![]);
        assert_eq!(
            value(
                &body,
                r#"keepalived_vrrp_state{iname="V",intf="eth0",vrid="7",ip_address=""}"#
            ),
            "0"
        );
        assert!(!body.contains("keepalived_vrrp_excluded_state{"));
        // Never changed state: no duration yet.
        assert!(!body.contains("keepalived_vrrp_state_duration_seconds{"));
    }

    #[test]
    fn only_touched_instances_are_refreshed() {
        // Seed A's VI_1 (VRID 51) and a VI_2 (VRID 52) on the same interface.
        let mut e = seed_a_engine();
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/seed/nodeA.conf"
        ))
        .unwrap();
        let second = text
            .replace("VI_1", "VI_2")
            .replace("virtual_router_id 51", "virtual_router_id 52");
        let cfg = keepalived_conf::load_str(
            "two.conf",
            &format!("{text}\n{second}"),
            &Default::default(),
        )
        .config;
        let mut ifs = Interfaces::new();
        ifs.insert(
            "enp11s0f0".into(),
            IfInfo {
                index: 2,
                up: true,
                mac: Some([2, 0, 0, 0, 0, 1]),
                primary_v4: Some(Ipv4Addr::new(192, 168, 1, 198)),
                link_local_v6: None,
                vmac_base: None,
            },
        );
        e.handle(
            Input::Reload(Box::new(
                convert(&cfg, &ifs, ConvertOptions::default()).engine,
            )),
            Duration::ZERO,
        );
        assert_eq!(e.instance_count(), 2);
        let shared = Shared::new(Instant::now());
        e.handle(Input::Start, Duration::ZERO);
        shared.update(&e, Refresh::All);
        // Mark VI_2's view: an update that re-read it would overwrite the mark.
        shared.lock().instances[1].stats.advert_rcvd = 777;
        packet(&mut e, &advert_from_b(90), Duration::from_secs(1));
        shared.update(&e, Refresh::Touched);
        let snap = shared.copy();
        assert_eq!(snap.instances[0].stats.advert_rcvd, 1, "VI_1 refreshed");
        assert_eq!(snap.instances[1].stats.advert_rcvd, 777, "VI_2 not re-read");
        // A whole-engine input (a link change) refreshes both.
        e.handle(
            Input::Link {
                interface: "enp11s0f0",
                up: false,
            },
            Duration::from_secs(2),
        );
        shared.update(&e, Refresh::Touched);
        let snap = shared.copy();
        assert_eq!(snap.instances[1].stats.advert_rcvd, 0);
        assert_eq!(snap.instances[1].state, State::Fault);
    }
}
