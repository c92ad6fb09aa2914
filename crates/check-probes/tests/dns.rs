//! `DNS_CHECK` against a tiny UDP responder inside a network namespace this test creates
//! (everything on the namespace's loopback; the host's interfaces are never touched). Under
//! `CI=true` a namespace that cannot be created fails the test.
//!
//! Timeouts are 1 s; elapsed-time bounds are [timeout, timeout + 1 s) for the probe itself,
//! honest on a loaded 2-core machine.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use check_probes::{run, ConnectSpec, DnsSpec, ProbeResult, ProbeSpec};
use tokio::net::UdpSocket;

mod common;
use common::{with_ns, SLACK, T};

/// A fictional real server: lines must name it, not the connect address.
fn rs() -> SocketAddr {
    "10.0.0.1:53".parse().unwrap()
}

fn dns(dst: SocketAddr, qtype: u16, name: &str) -> ProbeSpec {
    ProbeSpec::Dns(DnsSpec {
        real_server: rs(),
        conn: ConnectSpec {
            dst,
            bind: None,
            timeout: T,
            fwmark: None,
        },
        qtype,
        name: name.to_string(),
    })
}

fn down(what: &str) -> ProbeResult {
    ProbeResult::Down {
        detail: format!("DNS_CHECK ([10.0.0.1]:53) {what}"),
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

/// What the responder sends back for each query, in order.
#[derive(Clone, Copy)]
enum Answer {
    /// The query's id, QR set, this RCODE.
    Reply(u8),
    /// A reply with another id.
    OtherId,
    /// The query itself echoed (same id, QR clear).
    Echo,
    /// Five bytes starting with the query's id: shorter than a DNS header.
    Short,
}

type Seen = Arc<Mutex<Vec<(SocketAddr, Vec<u8>)>>>;

/// A UDP responder on `addr` (port 0: any) answering every query with `script`; returns
/// its address and what it received (with the sender).
async fn responder(addr: &str, script: Vec<Answer>) -> (SocketAddr, Seen) {
    let sock = UdpSocket::bind(addr).await.unwrap();
    let at = sock.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = sock.recv_from(&mut buf).await {
            let q = buf[..n].to_vec();
            seen2.lock().unwrap().push((from, q.clone()));
            for s in &script {
                let mut r = q.clone();
                match s {
                    Answer::Reply(rcode) => {
                        r[2] |= 0x80;
                        r[3] = (r[3] & 0xf0) | rcode;
                    }
                    Answer::OtherId => {
                        r[0] ^= 0x5a;
                        r[2] |= 0x80;
                    }
                    Answer::Echo => {}
                    Answer::Short => {
                        r.truncate(5);
                        r[2] |= 0x80;
                    }
                }
                let _ = sock.send_to(&r, from).await;
            }
        }
    });
    (at, seen)
}

#[test]
fn dns_success_and_the_query_on_the_wire() {
    with_ns(
        "ok",
        |_| {},
        || async {
            let (addr, seen) = responder("127.0.0.1:0", vec![Answer::Reply(0)]).await;
            let spec = dns(addr, 28, "www.example.com");
            let (r, took) = timed(&spec).await;
            assert_eq!(r, UP);
            assert!(took < SLACK, "{took:?}");
            let q = seen.lock().unwrap()[0].1.clone();
            // Header: RD only, one question; QNAME as labels; QTYPE AAAA; QCLASS IN.
            assert_eq!(&q[2..12], [0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
            assert_eq!(&q[12..], b"\x03www\x07example\x03com\x00\x00\x1c\x00\x01");
            assert!(spec.success_lines().is_empty(), "1.3.5 logs no DNS success");

            // 1.3.5's defaults: SOA for the root, a fresh id per query.
            let spec = dns(addr, 6, ".");
            assert_eq!(run(&spec).await, UP);
            assert_eq!(run(&spec).await, UP);
            let seen = seen.lock().unwrap().clone();
            assert_eq!(&seen[1].1[12..], [0, 0, 6, 0, 1]);
            let ids: Vec<&[u8]> = seen.iter().map(|(_, q)| &q[..2]).collect();
            assert!(ids[0] != ids[1] || ids[1] != ids[2], "ids vary: {ids:?}");

            // IPv6 too.
            let (addr6, _) = responder("[::1]:0", vec![Answer::Reply(0)]).await;
            assert_eq!(run(&dns(addr6, 1, "x.test")).await, UP);
        },
    );
}

#[test]
fn dns_rcode_error_fails_at_once() {
    with_ns(
        "rcode",
        |_| {},
        || async {
            let (addr, _) = responder("127.0.0.1:0", vec![Answer::Reply(3)]).await;
            let (r, took) = timed(&dns(addr, 1, "nx.test")).await;
            assert_eq!(r, down("error occurread. (rcode = 3)"));
            assert!(took < SLACK, "{took:?}");
            let (addr, _) = responder("127.0.0.1:0", vec![Answer::Reply(2)]).await;
            assert_eq!(
                run(&dns(addr, 6, ".")).await,
                down("error occurread. (rcode = 2)")
            );
        },
    );
}

#[test]
fn dns_other_ids_queries_and_runts_are_skipped() {
    with_ns(
        "skip",
        |_| {},
        || async {
            // Skipped, then the real answer: a pass.
            let (addr, _) = responder(
                "127.0.0.1:0",
                vec![
                    Answer::OtherId,
                    Answer::Echo,
                    Answer::Short,
                    Answer::Reply(0),
                ],
            )
            .await;
            assert_eq!(run(&dns(addr, 6, ".")).await, UP);

            // Only skipped messages: the read times out after connect_timeout.
            let (addr, _) = responder(
                "127.0.0.1:0",
                vec![Answer::OtherId, Answer::Echo, Answer::Short],
            )
            .await;
            let (r, took) = timed(&dns(addr, 6, ".")).await;
            assert_eq!(r, down("read timeout from socket."));
            assert!(took >= T, "gave up before the timeout: {took:?}");
            assert!(took < T + SLACK, "took {took:?} for a {T:?} timeout");
        },
    );
}

#[test]
fn dns_no_server_is_a_read_error() {
    with_ns(
        "refused",
        |_| {},
        || async {
            // Nothing listens: the ICMP port unreachable comes back as ECONNREFUSED on the
            // connected socket, which 1.3.5 reports as a failed read.
            let closed = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let dead = closed.local_addr().unwrap();
            drop(closed);
            let (r, took) = timed(&dns(dead, 6, ".")).await;
            assert_eq!(r, down("failed to read socket. Connection refused."));
            assert!(took < SLACK, "{took:?}");
        },
    );
}

#[test]
fn dns_bindto_and_setup_failures() {
    with_ns(
        "bind",
        |ns| {
            netns_support::ok(ns.ip(&["addr", "add", "127.0.0.2/8", "dev", "lo"]));
        },
        || async {
            let (addr, seen) = responder("127.0.0.1:0", vec![Answer::Reply(0)]).await;
            let mut spec = DnsSpec {
                real_server: rs(),
                conn: ConnectSpec {
                    dst: addr,
                    bind: Some("127.0.0.2:5353".parse().unwrap()),
                    timeout: T,
                    fwmark: None,
                },
                qtype: 6,
                name: ".".into(),
            };
            assert_eq!(run(&ProbeSpec::Dns(spec.clone())).await, UP);
            assert_eq!(
                seen.lock().unwrap()[0].0,
                "127.0.0.2:5353".parse().unwrap(),
                "bindto and bind_port are the source"
            );

            // An address not on the host: no verdict, as 1.3.5's bind failure.
            spec.conn.bind = Some("192.0.2.7:0".parse().unwrap());
            let inconclusive = ProbeResult::Inconclusive {
                detail: "DNS_CHECK ([10.0.0.1]:53) UDP socket bind failed. Rescheduling.".into(),
            };
            assert_eq!(run(&ProbeSpec::Dns(spec.clone())).await, inconclusive);
            // No route: connect() fails at once; the same.
            spec.conn.bind = None;
            spec.conn.dst = "198.51.100.1:53".parse().unwrap();
            assert_eq!(run(&ProbeSpec::Dns(spec)).await, inconclusive);
        },
    );
}
