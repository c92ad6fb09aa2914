//! Every probe against real servers inside a network namespace this test creates (servers on
//! the namespace's 127.0.0.1; the host's interfaces are never touched). Under `CI=true` a
//! namespace that cannot be created fails the test.
//!
//! Timeouts are 1 s; elapsed-time bounds are [timeout, timeout + 1 s) for the probe itself,
//! honest on a loaded 2-core machine.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use check_probes::{
    run, ConnectSpec, HttpSpec, MiscSpec, ProbeResult, ProbeSpec, SmtpSpec, TcpSpec, TlsConfig,
    TlsError, TlsFiles, TlsSpec, UrlSpec, DEFAULT_HELO_NAME,
};
use md5::{Digest, Md5};
use netns_support::{is_root, unavailable};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

mod common;
use common::{with_ns, SLACK, T};

fn conn(dst: SocketAddr) -> ConnectSpec {
    ConnectSpec {
        dst,
        bind: None,
        timeout: T,
        fwmark: None,
    }
}

/// A fictional real server address: log lines must name it, not the connect address.
fn rs() -> SocketAddr {
    "10.0.0.1:80".parse().unwrap()
}

fn down(detail: &str) -> ProbeResult {
    ProbeResult::Down {
        detail: detail.to_string(),
    }
}

const UP: ProbeResult = ProbeResult::Up { weight: None };

async fn timed(spec: &ProbeSpec) -> (ProbeResult, Duration) {
    let start = Instant::now();
    let r = run(spec).await;
    let took = start.elapsed();
    assert!(
        took <= spec.deadline() + SLACK,
        "{took:?} past the deadline {:?}",
        spec.deadline()
    );
    (r, took)
}

fn assert_timed_out(took: Duration) {
    assert!(took >= T, "gave up before the timeout: {took:?}");
    assert!(took < T + SLACK, "took {took:?} for a {T:?} timeout");
}

// ---------------------------------------------------------------- TCP_CHECK

fn tcp(dst: SocketAddr) -> ProbeSpec {
    ProbeSpec::Tcp(TcpSpec {
        real_server: rs(),
        conn: conn(dst),
    })
}

#[test]
fn tcp_up_refused_timeout_and_no_route() {
    with_ns(
        "tcp",
        |ns| {
            // 192.0.2.0/24 on a veth whose neighbour 192.0.2.2 has a MAC nobody owns: SYNs
            // leave and vanish, so the connect times out (no ARP failure to cut it short).
            netns_support::ok(netns_support::veth(ns.name(), "v0", "v1", None));
            netns_support::ok(ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "v0"]));
            netns_support::ok(ns.ip(&["link", "set", "v0", "up"]));
            netns_support::ok(ns.ip(&["link", "set", "v1", "up"]));
            netns_support::ok(ns.ip(&[
                "neigh",
                "add",
                "192.0.2.2",
                "lladdr",
                "02:00:00:00:00:99",
                "dev",
                "v0",
                "nud",
                "permanent",
            ]));
        },
        || async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = l.local_addr().unwrap().port();
            let accepted = tokio::spawn(async move { l.accept().await.is_ok() });
            let (r, _) = timed(&tcp(SocketAddr::from(([127, 0, 0, 1], port)))).await;
            assert_eq!(r, UP);
            assert!(accepted.await.unwrap(), "the check connected for real");

            // Nothing listens on the port now.
            let (r, took) = timed(&tcp(SocketAddr::from(([127, 0, 0, 1], port)))).await;
            assert_eq!(r, down("TCP connection to [10.0.0.1]:80 failed."));
            assert!(took < SLACK);

            let (r, took) = timed(&tcp("192.0.2.2:80".parse().unwrap())).await;
            assert_eq!(r, down("TCP connection to [10.0.0.1]:80 timeout."));
            assert_timed_out(took);

            // No route: connect() fails at once; 1.3.5 reschedules without a verdict.
            let (r, took) = timed(&tcp("198.51.100.1:80".parse().unwrap())).await;
            assert_eq!(
                r,
                ProbeResult::Inconclusive {
                    detail: "TCP socket bind failed. Rescheduling.".into()
                }
            );
            assert!(took < SLACK);
        },
    );
}

#[test]
fn tcp_bindto_and_fwmark_apply() {
    with_ns(
        "tcpmark",
        |ns| {
            // Marked packets may not even reach local addresses: move the local table's rule
            // behind a `fwmark 7 prohibit` rule (inside this namespace only).
            netns_support::ok(ns.ip(&["rule", "add", "pref", "10", "fwmark", "7", "prohibit"]));
            netns_support::ok(ns.ip(&["rule", "add", "pref", "100", "table", "local"]));
            netns_support::ok(ns.ip(&["rule", "del", "pref", "0"]));
            netns_support::ok(ns.ip(&["addr", "add", "127.0.0.2/8", "dev", "lo"]));
        },
        || async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let dst = l.local_addr().unwrap();
            let peer = tokio::spawn(async move { l.accept().await.map(|(_, a)| a) });
            let mut spec = TcpSpec {
                real_server: rs(),
                conn: conn(dst),
            };
            spec.conn.bind = Some("127.0.0.2:0".parse().unwrap());
            assert_eq!(run(&ProbeSpec::Tcp(spec.clone())).await, UP);
            let from = peer.await.unwrap().unwrap();
            assert_eq!(from.ip().to_string(), "127.0.0.2", "bindto is the source");

            spec.conn.fwmark = Some(7);
            let r = run(&ProbeSpec::Tcp(spec)).await;
            assert!(
                matches!(r, ProbeResult::Inconclusive { .. }),
                "the mark must route the SYN into the prohibit rule: {r:?}"
            );
        },
    );
}

// ---------------------------------------------------------------- HTTP_GET

/// What the test web server does with one request.
#[derive(Clone)]
enum Reply {
    /// Status line + body, then close.
    Page(u16, Vec<u8>),
    /// Read the request, answer nothing, keep the connection.
    Silent,
    /// Send a header, then stall.
    Stall,
    /// Close without a byte.
    Close,
}

type Seen = Arc<Mutex<Vec<String>>>;
/// Per TLS connection: the SNI received and whether a client certificate came.
type TlsSeen = Arc<Mutex<Vec<(Option<String>, bool)>>>;

async fn read_request<S: AsyncRead + Unpin>(s: &mut S) -> Vec<u8> {
    let mut req = Vec::new();
    let mut b = [0u8; 512];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut b).await {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&b[..n]),
        }
    }
    req
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    routes: &HashMap<String, Reply>,
    seen: &Seen,
) {
    let req = String::from_utf8_lossy(&read_request(&mut s).await).into_owned();
    let path = req.split(' ').nth(1).unwrap_or("").to_string();
    seen.lock().unwrap().push(req);
    match routes
        .get(&path)
        .cloned()
        .unwrap_or(Reply::Page(404, b"nope".to_vec()))
    {
        Reply::Page(code, body) => {
            let mut out =
                format!("HTTP/1.0 {code} X\r\nContent-Type: text/plain\r\n\r\n").into_bytes();
            out.extend_from_slice(&body);
            let _ = s.write_all(&out).await;
            let _ = s.shutdown().await;
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
        Reply::Stall => {
            let _ = s.write_all(b"HTTP/1.0 200 OK\r\n\r\npartial").await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Reply::Close => {}
    }
}

/// Serve `routes` over plain HTTP on 127.0.0.1; returns the address and the requests seen.
async fn http_server(routes: Vec<(&str, Reply)>) -> (SocketAddr, Seen) {
    let routes: Arc<HashMap<String, Reply>> = Arc::new(
        routes
            .into_iter()
            .map(|(p, r)| (p.to_string(), r))
            .collect(),
    );
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let (routes, seen) = (routes.clone(), seen2.clone());
            tokio::spawn(async move { answer(s, &routes, &seen).await });
        }
    });
    (addr, seen)
}

fn md5_hex(body: &[u8]) -> String {
    Md5::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn url(path: &str, digest: Option<String>, status_code: Option<u16>) -> UrlSpec {
    UrlSpec {
        path: path.to_string(),
        digest,
        status_code,
    }
}

fn http(dst: SocketAddr, urls: Vec<UrlSpec>) -> HttpSpec {
    HttpSpec {
        real_server: rs(),
        conn: conn(dst),
        virtualhost: None,
        urls,
        tls: None,
    }
}

#[test]
fn http_status_digest_and_request_bytes() {
    with_ns(
        "http",
        |_| {},
        || async {
            let body = b"<html>hello</html>\n".to_vec();
            let (addr, seen) = http_server(vec![
                ("/ok", Reply::Page(200, body.clone())),
                ("/503", Reply::Page(503, b"busy".to_vec())),
            ])
            .await;
            let p = addr.port();

            // status_code 200 matches; the request is 1.3.5's, byte for byte.
            let spec = ProbeSpec::Http(http(addr, vec![url("/ok", None, Some(200))]));
            assert_eq!(run(&spec).await, UP);
            assert_eq!(
            seen.lock().unwrap()[0],
            format!("GET /ok HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{p}\r\n\r\n")
        );

            let spec = ProbeSpec::Http(http(addr, vec![url("/503", None, Some(200))]));
            assert_eq!(
                run(&spec).await,
                down("HTTP status code error to server [10.0.0.1]:80.")
            );
            // An expected non-200 status passes.
            let spec = ProbeSpec::Http(http(addr, vec![url("/503", None, Some(503))]));
            assert_eq!(run(&spec).await, UP);
            // No status_code, no digest: 2xx passes, anything else is no verdict (1.3.5).
            let spec = ProbeSpec::Http(http(addr, vec![url("/ok", None, None)]));
            assert_eq!(run(&spec).await, UP);
            let spec = ProbeSpec::Http(http(addr, vec![url("/503", None, None)]));
            assert!(matches!(run(&spec).await, ProbeResult::Inconclusive { .. }));

            // Digest of the body only (not the header).
            let spec = ProbeSpec::Http(http(addr, vec![url("/ok", Some(md5_hex(&body)), None)]));
            assert_eq!(run(&spec).await, UP);
            let spec = ProbeSpec::Http(http(addr, vec![url("/ok", Some(md5_hex(b"other")), None)]));
            assert_eq!(
                run(&spec).await,
                down("MD5 digest error to server [10.0.0.1]:80.")
            );
            // Both configured: status checked first.
            let spec = ProbeSpec::Http(http(
                addr,
                vec![url("/503", Some(md5_hex(b"busy")), Some(200))],
            ));
            assert_eq!(
                run(&spec).await,
                down("HTTP status code error to server [10.0.0.1]:80.")
            );
        },
    );
}

#[test]
fn http_multiple_urls_all_must_pass_in_order() {
    with_ns(
        "httpurls",
        |_| {},
        || async {
            let (addr, seen) = http_server(vec![
                ("/a", Reply::Page(200, b"A".to_vec())),
                ("/b", Reply::Page(200, b"B".to_vec())),
            ])
            .await;
            let good = vec![
                url("/a", Some(md5_hex(b"A")), None),
                url("/b", None, Some(200)),
            ];
            let spec = ProbeSpec::Http(http(addr, good));
            assert_eq!(run(&spec).await, UP);
            let paths: Vec<String> = seen
                .lock()
                .unwrap()
                .iter()
                .map(|r| r.split(' ').nth(1).unwrap().to_string())
                .collect();
            assert_eq!(paths, ["/a", "/b"], "one connection per url, in order");
            assert_eq!(
                spec.success_lines(),
                [
                    "MD5 digest success to [10.0.0.1]:80 url(1).",
                    "HTTP status code success to [10.0.0.1]:80 url(2).",
                    "Remote Web server [10.0.0.1]:80 succeed on service."
                ]
            );

            let bad = vec![
                url("/a", None, Some(200)),
                url("/b", Some(md5_hex(b"X")), None),
            ];
            assert_eq!(
                run(&ProbeSpec::Http(http(addr, bad))).await,
                down("MD5 digest error to server [10.0.0.1]:80.")
            );
            // No url: 1.3.5 declares the server up without connecting.
            assert_eq!(run(&ProbeSpec::Http(http(addr, vec![]))).await, UP);
        },
    );
}

#[test]
fn http_virtualhost_is_the_host_header() {
    with_ns(
        "httpvh",
        |_| {},
        || async {
            let (addr, seen) = http_server(vec![("/", Reply::Page(200, b"x".to_vec()))]).await;
            let mut spec = http(addr, vec![url("/", None, None)]);
            spec.virtualhost = Some("www.example.com".into());
            assert_eq!(run(&ProbeSpec::Http(spec)).await, UP);
            let req = seen.lock().unwrap()[0].clone();
            assert!(req.contains("\r\nHost: www.example.com\r\n"), "{req:?}");
        },
    );
}

/// IPv6: the Host header carries the address in brackets (RFC 2732), as 1.3.5's template.
#[test]
fn http_ipv6_host_header() {
    with_ns(
        "http6",
        |_| {},
        || async {
            let l = TcpListener::bind("[::1]:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let server = tokio::spawn(async move {
                let (mut s, _) = l.accept().await.unwrap();
                let req = read_request(&mut s).await;
                s.write_all(b"HTTP/1.0 200 OK\r\n\r\nv6").await.unwrap();
                String::from_utf8(req).unwrap()
            });
            let mut spec = http(addr, vec![url("/", Some(md5_hex(b"v6")), None)]);
            spec.real_server = "[2001:db8::1]:80".parse().unwrap();
            let spec = ProbeSpec::Http(spec);
            assert_eq!(run(&spec).await, UP);
            let req = server.await.unwrap();
            assert!(
                req.contains(&format!("\r\nHost: [::1]:{}\r\n", addr.port())),
                "{req:?}"
            );
            assert_eq!(
                spec.success_lines()[1],
                "Remote Web server [2001:db8::1]:80 succeed on service."
            );
        },
    );
}

#[test]
fn http_timeouts_and_broken_servers() {
    with_ns(
        "httpslow",
        |_| {},
        || async {
            let (addr, _) = http_server(vec![
                ("/silent", Reply::Silent),
                ("/stall", Reply::Stall),
                ("/close", Reply::Close),
            ])
            .await;
            let spec = ProbeSpec::Http(http(addr, vec![url("/silent", None, None)]));
            let (r, took) = timed(&spec).await;
            assert_eq!(r, down("Timeout WEB read server [10.0.0.1]:80."));
            assert_timed_out(took);

            let spec = ProbeSpec::Http(http(addr, vec![url("/stall", None, None)]));
            let (r, took) = timed(&spec).await;
            assert_eq!(r, down("Timeout HTTP read server [10.0.0.1]:80."));
            assert_timed_out(took);

            let spec = ProbeSpec::Http(http(addr, vec![url("/close", None, None)]));
            assert_eq!(
                run(&spec).await,
                down("Read, no data received from  server [10.0.0.1]:80.")
            );

            let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let dead = closed.local_addr().unwrap();
            drop(closed);
            let spec = ProbeSpec::Http(http(dead, vec![url("/", None, None)]));
            assert_eq!(
                run(&spec).await,
                down("Error connecting server [10.0.0.1]:80.")
            );
        },
    );
}

/// Slow servers never delay the probes of others (run concurrently, each is bounded alone).
#[test]
fn http_a_slow_server_does_not_delay_another() {
    with_ns(
        "httpconc",
        |_| {},
        || async {
            let (addr, _) = http_server(vec![
                ("/silent", Reply::Silent),
                ("/ok", Reply::Page(200, b"ok".to_vec())),
            ])
            .await;
            let slow = ProbeSpec::Http(http(addr, vec![url("/silent", None, None)]));
            let fast = ProbeSpec::Http(http(addr, vec![url("/ok", None, None)]));
            let start = Instant::now();
            let slow_task = tokio::spawn(async move { run(&slow).await });
            let r = run(&fast).await;
            let fast_took = start.elapsed();
            assert_eq!(r, UP);
            assert!(fast_took < T / 2, "fast probe took {fast_took:?}");
            assert!(matches!(slow_task.await.unwrap(), ProbeResult::Down { .. }));
        },
    );
}

// ---------------------------------------------------------------- SSL_GET

struct Pki {
    /// Holds the files below; removed with the Pki.
    dir: TempDir,
    ca_pem: PathBuf,
    other_ca_pem: PathBuf,
    server_chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    server_key: rustls_pki_types::PrivateKeyDer<'static>,
    client_cert_pem: PathBuf,
    client_key_pem: PathBuf,
}

/// A scratch directory, removed when dropped (also when the test panics).
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(tag: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!(
        "check-probes-{tag}-{}-{}",
        std::process::id(),
        common::next_seq()
    ));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

fn ca(name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(rcgen::DnType::CommonName, name.to_string());
    (p.self_signed(&key).unwrap(), key)
}

/// A CA, a server certificate it signed (for a name, not the address we connect to), an
/// unrelated CA, and a client certificate signed by the CA.
fn pki() -> Pki {
    let dir = tempdir("pki");
    let (ca_cert, ca_key) = ca("probe test CA");
    let (other, _) = ca("unrelated CA");
    let skey = rcgen::KeyPair::generate().unwrap();
    let scert = rcgen::CertificateParams::new(vec!["www.example.com".to_string()])
        .unwrap()
        .signed_by(&skey, &ca_cert, &ca_key)
        .unwrap();
    let ckey = rcgen::KeyPair::generate().unwrap();
    let ccert = rcgen::CertificateParams::new(vec!["client".to_string()])
        .unwrap()
        .signed_by(&ckey, &ca_cert, &ca_key)
        .unwrap();
    let w = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    Pki {
        ca_pem: w("ca.pem", ca_cert.pem()),
        other_ca_pem: w("other.pem", other.pem()),
        server_chain: vec![scert.der().clone()],
        server_key: rustls_pki_types::PrivateKeyDer::Pkcs8(skey.serialize_der().into()),
        client_cert_pem: w("client.pem", ccert.pem()),
        client_key_pem: w("client.key", ckey.serialize_pem()),
        dir,
    }
}

fn ring() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// An HTTPS server answering `body` to everything; records the SNI of each connection and
/// whether the client presented a certificate.
async fn https_server(
    pki: &Pki,
    require_client_ca: Option<&Path>,
    body: &'static [u8],
) -> (SocketAddr, TlsSeen) {
    let builder = rustls::ServerConfig::builder_with_provider(ring())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match require_client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            use rustls_pki_types::pem::PemObject;
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(rustls_pki_types::CertificateDer::from_pem_file(ca).unwrap())
                .unwrap();
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                ring(),
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(v)
        }
    };
    let cfg = builder
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen: TlsSeen = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let (acceptor, seen) = (acceptor.clone(), seen2.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let conn = tls.get_ref().1;
                seen.lock().unwrap().push((
                    conn.server_name().map(str::to_string),
                    conn.peer_certificates().is_some(),
                ));
                read_request(&mut tls).await;
                let mut out = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
                out.extend_from_slice(body);
                let _ = tls.write_all(&out).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, seen)
}

fn ssl(dst: SocketAddr, files: &TlsFiles, sni: Option<&str>, digest: &[u8]) -> ProbeSpec {
    let mut spec = http(dst, vec![url("/", Some(md5_hex(digest)), Some(200))]);
    spec.tls = Some(TlsSpec {
        sni: sni.map(str::to_string),
        config: TlsConfig::load(files).unwrap(),
    });
    ProbeSpec::Http(spec)
}

#[test]
fn ssl_get_with_and_without_ca() {
    let pki = Arc::new(pki());
    let p = pki.clone();
    with_ns(
        "ssl",
        |_| {},
        move || async move {
            let (addr, seen) = https_server(&p, None, b"secure body").await;
            // No CA: any certificate (1.3.5 never verifies); no SNI unless asked.
            let spec = ssl(addr, &TlsFiles::default(), None, b"secure body");
            assert_eq!(run(&spec).await, UP);
            assert_eq!(seen.lock().unwrap().last().unwrap().0, None);

            let spec = ssl(
                addr,
                &TlsFiles::default(),
                Some("www.example.com"),
                b"secure body",
            );
            assert_eq!(run(&spec).await, UP);
            assert_eq!(
                seen.lock().unwrap().last().unwrap().0.as_deref(),
                Some("www.example.com")
            );

            let spec = ssl(addr, &TlsFiles::default(), None, b"other body");
            assert_eq!(
                run(&spec).await,
                down("MD5 digest error to server [10.0.0.1]:80.")
            );

            // The signing CA verifies (the name is not checked: we connect to an address).
            let with_ca = TlsFiles {
                ca: Some(p.ca_pem.clone()),
                ..TlsFiles::default()
            };
            assert_eq!(run(&ssl(addr, &with_ca, None, b"secure body")).await, UP);
            // An unrelated CA does not.
            let wrong_ca = TlsFiles {
                ca: Some(p.other_ca_pem.clone()),
                ..TlsFiles::default()
            };
            assert_eq!(
                run(&ssl(addr, &wrong_ca, None, b"secure body")).await,
                down("SSL handshake/communication error connecting to server [10.0.0.1]:80.")
            );

            // A server that talks first, and not TLS: the handshake fails at once.
            let (banner, _) = smtp_server(Smtp::BadBanner).await;
            let (r, took) = timed(&ssl(banner, &TlsFiles::default(), None, b"x")).await;
            assert_eq!(
                r,
                down("SSL handshake/communication error connecting to server [10.0.0.1]:80.")
            );
            assert!(took < SLACK);
            // A plain HTTP server waits for a request that never comes: the handshake times
            // out within the connect timeout (1.3.5: "Timeout connecting").
            let (plain, _) = http_server(vec![("/", Reply::Page(200, b"x".to_vec()))]).await;
            let (r, took) = timed(&ssl(plain, &TlsFiles::default(), None, b"x")).await;
            assert_eq!(r, down("Timeout connecting server [10.0.0.1]:80."));
            assert_timed_out(took);
        },
    );
}

#[test]
fn ssl_get_presents_the_client_certificate() {
    let pki = Arc::new(pki());
    let p = pki.clone();
    with_ns(
        "sslcli",
        |_| {},
        move || async move {
            let (addr, seen) = https_server(&p, Some(&p.ca_pem), b"mtls").await;
            let files = TlsFiles {
                certificate: Some(p.client_cert_pem.clone()),
                key: Some(p.client_key_pem.clone()),
                ..TlsFiles::default()
            };
            assert_eq!(run(&ssl(addr, &files, None, b"mtls")).await, UP);
            assert!(
                seen.lock().unwrap().last().unwrap().1,
                "client certificate seen"
            );
            // Without it the server refuses (TLS 1.3 reports it after the handshake: a read
            // error, or the handshake itself in TLS 1.2): down either way.
            let r = run(&ssl(addr, &TlsFiles::default(), None, b"mtls")).await;
            assert!(matches!(r, ProbeResult::Down { .. }), "{r:?}");
        },
    );
}

#[test]
fn tls_files_are_checked_at_load() {
    let pki = pki();
    let enc = pki.dir.join("enc.key");
    std::fs::write(
        &enc,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    let files = TlsFiles {
        certificate: Some(pki.client_cert_pem.clone()),
        key: Some(enc.clone()),
        password: Some("secret".into()),
        ..TlsFiles::default()
    };
    let e = TlsConfig::load(&files).unwrap_err();
    assert!(
        matches!(e, TlsError::EncryptedKey(ref p) if *p == enc),
        "{e}"
    );
    assert!(e.to_string().contains("not supported"));

    let missing = TlsFiles {
        ca: Some(pki.dir.join("absent.pem")),
        ..TlsFiles::default()
    };
    assert!(matches!(
        TlsConfig::load(&missing),
        Err(TlsError::File { what: "ca", .. })
    ));
    let half = TlsFiles {
        certificate: Some(pki.client_cert_pem.clone()),
        ..TlsFiles::default()
    };
    assert!(matches!(
        TlsConfig::load(&half),
        Err(TlsError::CertWithoutKey)
    ));
    // Same files, same configuration (a reload keeps the checkers).
    let a = TlsConfig::load(&TlsFiles::default()).unwrap();
    let b = TlsConfig::load(&TlsFiles::default()).unwrap();
    assert_eq!(a, b);
}

// ---------------------------------------------------------------- SMTP_CHECK

#[derive(Clone, Copy)]
enum Smtp {
    Good,
    BadBanner,
    Mute,
}

/// A scripted SMTP server; records the lines the client sent.
async fn smtp_server(kind: Smtp) -> (SocketAddr, Seen) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let seen = seen2.clone();
            tokio::spawn(async move {
                match kind {
                    Smtp::Mute => {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    Smtp::BadBanner => {
                        let _ = s.write_all(b"554 go away\r\n").await;
                        read_request(&mut s).await;
                        return;
                    }
                    Smtp::Good => {}
                }
                let _ = s.write_all(b"220-mail.test ESMTP\r\n220 ready\r\n").await;
                let mut rd = tokio::io::BufReader::new(s);
                for reply in ["250 mail.test\r\n", "221 bye\r\n"] {
                    let mut line = String::new();
                    use tokio::io::AsyncBufReadExt;
                    if rd.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    seen.lock().unwrap().push(line);
                    let _ = rd.get_mut().write_all(reply.as_bytes()).await;
                }
            });
        }
    });
    (addr, seen)
}

fn smtp(hosts: Vec<SocketAddr>) -> ProbeSpec {
    ProbeSpec::Smtp(SmtpSpec {
        real_server: "10.0.0.1:25".parse().unwrap(),
        hosts: hosts.into_iter().map(conn).collect(),
        helo_name: DEFAULT_HELO_NAME.to_string(),
    })
}

#[test]
fn smtp_ok_bad_banner_timeout_and_every_host() {
    with_ns(
        "smtp",
        |_| {},
        || async {
            let (good, seen) = smtp_server(Smtp::Good).await;
            assert_eq!(run(&smtp(vec![good])).await, UP);
            assert_eq!(
                *seen.lock().unwrap(),
                ["HELO smtpchecker.keepalived.org\r\n", "QUIT\r\n"]
            );

            let (bad, _) = smtp_server(Smtp::BadBanner).await;
            assert_eq!(
                run(&smtp(vec![bad])).await,
                down(&format!(
                    "SMTP_CHECK Bad greeting banner from server [127.0.0.1]:{}",
                    bad.port()
                ))
            );

            let (mute, _) = smtp_server(Smtp::Mute).await;
            let (r, took) = timed(&smtp(vec![mute])).await;
            assert_eq!(
                r,
                down(&format!(
                    "SMTP_CHECK Read timeout from server [127.0.0.1]:{}",
                    mute.port()
                ))
            );
            assert_timed_out(took);

            // Every host must pass; the failure names the failing host.
            let r = run(&smtp(vec![good, bad])).await;
            assert_eq!(
                r,
                down(&format!(
                    "SMTP_CHECK Bad greeting banner from server [127.0.0.1]:{}",
                    bad.port()
                ))
            );
            assert_eq!(run(&smtp(vec![good, good])).await, UP);
            assert_eq!(
                smtp(vec![good]).success_lines(),
                ["Remote SMTP server [10.0.0.1]:25 succeed on service."]
            );
        },
    );
}

// ---------------------------------------------------------------- MISC_CHECK

fn misc(path: String, dynamic: bool, timeout: Duration) -> ProbeSpec {
    ProbeSpec::Misc(MiscSpec {
        real_server: rs(),
        path,
        timeout,
        dynamic,
        uid: None,
        gid: None,
    })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn misc_exit_codes() {
    rt().block_on(async {
        assert_eq!(run(&misc("exit 0".into(), false, T)).await, UP);
        assert_eq!(
            run(&misc("exit 1".into(), false, T)).await,
            down("Misc check to [10.0.0.1] for [exit 1] failed.")
        );
        assert_eq!(
            run(&misc("exit 7".into(), false, T)).await,
            down("Misc check to [10.0.0.1] for [exit 7] failed.")
        );
        assert_eq!(
            run(&misc("exit 7".into(), true, T)).await,
            ProbeResult::Up { weight: Some(5) }
        );
        assert_eq!(
            run(&misc("exit 2".into(), true, T)).await,
            ProbeResult::Up { weight: Some(0) }
        );
        assert_eq!(
            run(&misc("exit 1".into(), true, T)).await,
            down("Misc check to [10.0.0.1] for [exit 1] failed.")
        );
        // The shell dying of a signal: 1.3.5's intermediate child exits 0.
        assert_eq!(run(&misc("kill -9 $$".into(), false, T)).await, UP);
        assert_eq!(
            misc("/bin/true".into(), false, T).success_lines(),
            ["Misc check to [10.0.0.1] for [/bin/true] success."]
        );
    });
}

fn alive(pid: i32) -> bool {
    // Gone, or a zombie waiting for a parent that is not us (reparented grandchild).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(s) => s
            .rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
    }
}

fn read_pid(dir: &Path, f: &str) -> i32 {
    std::fs::read_to_string(dir.join(f))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Run `path` with a 1 s misc_timeout; it writes its shell's pid to sh.pid and a grandchild's
/// to gc.pid. Returns when the probe started, once both are gone (or after 6 s).
async fn run_until_killed(dir: &Path, path: String) -> Instant {
    let spec = misc(path.clone(), false, T);
    let start = Instant::now();
    let (r, took) = timed(&spec).await;
    assert_eq!(
        r,
        down(&format!("Misc check to [10.0.0.1] for [{path}] timed out"))
    );
    assert_timed_out(took);
    let (sh, gc) = (read_pid(dir, "sh.pid"), read_pid(dir, "gc.pid"));
    assert!(alive(gc), "still running right after the verdict");
    // The kill happens in the background: keep the runtime turning meanwhile.
    let deadline = Instant::now() + Duration::from_secs(6);
    while (alive(sh) || alive(gc)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!alive(sh), "shell {sh} still alive");
    assert!(!alive(gc), "grandchild {gc} still alive");
    start
}

#[test]
fn misc_timeout_kills_the_whole_group() {
    let dir = tempdir("misc");
    let d = dir.display().to_string();
    rt().block_on(async {
        // The group leader (the `sh -c`) ignores SIGTERM, and so does its background child:
        // only the SIGKILL 2 s after the SIGTERM ends them (1.3.5's grace).
        let path = format!(
            "trap '' TERM; echo $$ > {d}/sh.pid; sleep 60 & echo $! > {d}/gc.pid; wait; wait"
        );
        let start = run_until_killed(&dir, path).await;
        let since = start.elapsed();
        assert!(
            since >= T + Duration::from_secs(2),
            "SIGKILL before the grace: {since:?}"
        );

        // The leader dies of the SIGTERM but a script below it ignores it: 1.3.5 then sends
        // the group SIGKILL at once, and so do we.
        let script = dir.join("hang.sh");
        std::fs::write(
            &script,
            format!("trap '' TERM\necho $$ > {d}/sh.pid\nsleep 60 &\necho $! > {d}/gc.pid\nwait\nwait\n"),
        )
        .unwrap();
        let start = run_until_killed(&dir, format!("/bin/sh {}; true", script.display())).await;
        let since = start.elapsed();
        assert!(
            since < T + Duration::from_secs(2),
            "the group should be killed when its leader dies: {since:?}"
        );
    });
}

#[test]
fn misc_runs_as_the_user() {
    if !is_root() {
        let _: Option<()> = unavailable("setuid needs root");
        return;
    }
    let dir = tempdir("miscuser");
    std::fs::set_permissions(&*dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = dir.join("id");
    let spec = ProbeSpec::Misc(MiscSpec {
        real_server: rs(),
        path: format!("id -u > {o}; id -g >> {o}; id -G >> {o}", o = out.display()),
        timeout: Duration::from_secs(5),
        dynamic: false,
        uid: Some(65534),
        gid: Some(65533),
    });
    assert_eq!(rt().block_on(run(&spec)), UP);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "65534\n65533\n65533\n"
    );
}
