//! The genhash binary against a web server inside a network namespace this test creates:
//! its digest line must be the md5sum of the served body (md5sum(1) is the independent oracle).
//! Under `CI=true` a namespace that cannot be created fails the test.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use netns_support::{is_root, lock_lab, unavailable, Netns};

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn lab() -> Option<(Netns, netns_support::LabLock)> {
    let lock = lock_lab();
    if !is_root() {
        return unavailable("namespaces need root");
    }
    let name = format!(
        "kp-genhash-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    );
    match Netns::add_with_lo(&name) {
        Ok(ns) => Some((ns, lock)),
        Err(e) => unavailable(&e),
    }
}

/// Serve `body` (status 200) to `conns` connections on the namespace's 127.0.0.1; returns the
/// port and a handle yielding the requests received.
fn serve(ns: &Netns, body: Vec<u8>, conns: usize) -> (u16, JoinHandle<Vec<String>>) {
    let (tx, rx) = mpsc::channel();
    let h = ns.spawn(move || {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        tx.send(l.local_addr().unwrap().port()).unwrap();
        let mut seen = Vec::new();
        for _ in 0..conns {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 512];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&b[..n]),
                }
            }
            seen.push(String::from_utf8_lossy(&req).into_owned());
            let mut out = b"HTTP/1.1 200 OK\r\nServer: test\r\nConnection: close\r\n\r\n".to_vec();
            out.extend_from_slice(&body);
            s.write_all(&out).unwrap();
        }
        seen
    });
    (rx.recv().unwrap(), h)
}

fn genhash(ns: &Netns, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns.name(), env!("CARGO_BIN_EXE_genhash")])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn md5sum(body: &[u8]) -> String {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..32].to_string()
}

fn body() -> Vec<u8> {
    // Binary and larger than 1.3.5's 4096-byte buffer, so the digest spans several reads.
    (0..10_000u32).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn genhash_prints_the_md5_of_the_body() {
    let Some((ns, _lock)) = lab() else { return };
    let body = body();
    let (port, server) = serve(&ns, body.clone(), 1);
    let p = port.to_string();
    let out = genhash(&ns, &["-s", "127.0.0.1", "-p", &p, "-u", "/index.html"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("MD5SUM = {}\n\n", md5sum(&body))
    );
    let seen = server.join().unwrap();
    assert_eq!(
        seen[0],
        format!("GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:{p}\r\n\r\n")
    );
}

#[test]
fn genhash_virtualhost_and_verbose() {
    let Some((ns, _lock)) = lab() else { return };
    let body = b"<html>vhost</html>\n".to_vec();
    let (port, server) = serve(&ns, body.clone(), 1);
    let p = port.to_string();
    let out = genhash(
        &ns,
        &["--server=127.0.0.1", "--port", &p, "-vV", "www.example.com"],
    );
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("MD5SUM = {}\n\n", md5sum(&body))),
        "{text}"
    );
    assert!(text.contains("[ HTTP Header Ascii Buffer ]"), "{text}");
    assert!(text.contains("HTTP/1.1 200 OK\r\nServer: test"), "{text}");
    assert!(text.contains("Global response time for [/] ="), "{text}");
    let seen = server.join().unwrap();
    assert!(
        seen[0].starts_with("GET / HTTP/1.0\r\n"),
        "default url is /"
    );
    assert!(
        seen[0].contains("\r\nHost: www.example.com\r\n"),
        "{}",
        seen[0]
    );
}

#[test]
fn genhash_prints_nothing_when_the_server_is_down() {
    let Some((ns, _lock)) = lab() else { return };
    // Port 9 on the namespace's loopback: nothing listens.
    let out = genhash(&ns, &["-s", "127.0.0.1", "-p", "9", "-u", "/"]);
    assert!(out.status.success(), "1.3.5 exits 0 here too: {out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn genhash_command_line_errors() {
    let bin = env!("CARGO_BIN_EXE_genhash");
    let run = |args: &[&str]| Command::new(bin).args(args).output().unwrap();
    let out = run(&["-s", "www.example.com", "-p", "80"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "server should be an IP, not www.example.com\n"
    );
    let out = run(&["-h"]);
    let help = String::from_utf8_lossy(&out.stderr);
    for opt in [
        "--use-ssl",
        "--server",
        "--port",
        "--url",
        "--use-virtualhost",
        "--hash",
        "--verbose",
        "--help",
        "--release",
        "--fwmark",
    ] {
        assert!(help.contains(opt), "{opt} missing from:\n{help}");
    }
    assert!(out.stdout.is_empty());
    let out = run(&["-r"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("genhash v1.0.0"));
    let out = run(&["-H", "sha1", "-s", "127.0.0.1"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "unknown hash algorithm: sha1\n"
    );
}
