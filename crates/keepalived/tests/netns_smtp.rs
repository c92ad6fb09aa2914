//! `smtp_alert` (issue 10 §5) in the namespace lab: our daemon on node A mails a small SMTP
//! server the test runs inside A's namespace (on that namespace's 127.0.0.1, never the host's).
//!
//! Checked: the envelope (HELO, MAIL FROM, one RCPT TO per `notification_email` address, in
//! order), keepalived 1.3.5's headers and bodies for an instance and a sync group entering
//! BACKUP and MASTER, and that a refusing, a silent and an unreachable server are logged in
//! 1.3.5's words while the protocol carries on unchanged.
//! Needs root: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::thread::JoinHandle;
use std::time::Duration;

use lab::{now, sleep, Impl, Lab, NodeId, ADDR_A};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Scheduling margin on a loaded 2-core machine (seconds).
const MARGIN: f64 = 0.5;

/// One SMTP conversation the test server had.
#[derive(Debug, Clone, Default)]
struct Session {
    /// Command lines, without CRLF.
    commands: Vec<String>,
    /// The DATA text up to (not including) the final dot line.
    data: String,
}

impl Session {
    /// The header lines and the body of the DATA text.
    fn headers_and_body(&self) -> (Vec<&str>, &str) {
        let (head, body) = self
            .data
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no header/body separator in {:?}", self.data));
        (head.split("\r\n").collect(), body)
    }

    fn header(&self, name: &str) -> String {
        let (h, _) = self.headers_and_body();
        h.iter()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.data))
            .to_string()
    }
}

/// An SMTP server on 127.0.0.1:`port` inside a namespace, on its own thread and runtime.
struct SmtpServer {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    sessions: Receiver<Session>,
}

impl SmtpServer {
    /// Starts the server; `silent`: accept connections and never say anything.
    fn start(ns: &str, port: u16, silent: bool) -> SmtpServer {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = channel::<Result<(), String>>();
        let (sess_tx, sessions) = channel::<Session>();
        let thread = netns_support::in_netns(ns, move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("test runtime");
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => {
                        let _ = ready_tx.send(Ok(()));
                        l
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let mut stop_rx = stop_rx;
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        Ok((sock, _)) = listener.accept() => {
                            let tx = sess_tx.clone();
                            tokio::spawn(async move {
                                if silent {
                                    // Hold the connection open, say nothing.
                                    let _keep = sock;
                                    tokio::time::sleep(Duration::from_secs(120)).await;
                                } else if let Some(s) = converse(sock).await {
                                    let _ = tx.send(s);
                                }
                            });
                        }
                    }
                }
            });
        });
        match ready_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("test SMTP server cannot listen on 127.0.0.1:{port}: {e}"),
            Err(e) => panic!("test SMTP server did not start: {e}"),
        }
        SmtpServer {
            stop: Some(stop_tx),
            thread: Some(thread),
            sessions,
        }
    }

    /// The sessions completed within `secs`, waiting until `n` arrived.
    fn wait_sessions(&self, n: usize, secs: f64) -> Vec<Session> {
        let deadline = now() + secs;
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline - now();
            if left <= 0.0 {
                break;
            }
            match self.sessions.recv_timeout(Duration::from_secs_f64(left)) {
                Ok(s) => got.push(s),
                Err(_) => break,
            }
        }
        got
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The server side of one session: a plain, accepting SMTP server.
async fn converse(sock: tokio::net::TcpStream) -> Option<Session> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    let mut s = Session::default();
    w.write_all(b"220-test.lab ESMTP\r\n220 ready\r\n")
        .await
        .ok()?;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return Some(s);
        }
        let cmd = line.trim_end_matches("\r\n").to_string();
        let verb = cmd.split([' ', ':']).next().unwrap_or("").to_string();
        s.commands.push(cmd);
        let reply: &[u8] = match verb.as_str() {
            "HELO" => b"250 test.lab\r\n",
            "MAIL" | "RCPT" => b"250 2.1.0 Ok\r\n",
            "DATA" => {
                w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .ok()?;
                loop {
                    let mut l = String::new();
                    if r.read_line(&mut l).await.ok()? == 0 {
                        return Some(s);
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    s.data.push_str(&l);
                }
                b"250 2.0.0 Ok: queued\r\n"
            }
            "QUIT" => {
                let _ = w.write_all(b"221 2.0.0 Bye\r\n").await;
                return Some(s);
            }
            _ => b"502 5.5.2 Error: command not recognized\r\n",
        };
        w.write_all(reply).await.ok()?;
    }
}

/// Node A's configuration: `global` in `global_defs`, then the instances and groups in `rest`.
fn write_conf(lab: &Lab, file: &str, global: &str, rest: &str) -> PathBuf {
    let text = format!("global_defs {{\n    router_id NodeA\n{global}\n}}\n{rest}");
    let path = lab.dir.join(file);
    std::fs::write(&path, text).expect("write config");
    path
}

/// One instance block.
fn instance(name: &str, state: &str, vrid: u8, vip: &str, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{
    state {state}
    interface enp11s0f0
    virtual_router_id {vrid}
    priority 100
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass 1111
    }}
{extra}
    virtual_ipaddress {{
        {vip}/24
    }}
}}
"
    )
}

/// Is `d` keepalived's RFC 822 date (`Tue, 01 Dec 2026 02:10:00 +0000`)?
fn is_rfc822(d: &str) -> bool {
    let b = d.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    b.len() == 31
        && b[3] == b','
        && digits(5..7)
        && digits(12..16)
        && digits(17..19)
        && b[19] == b':'
        && digits(23..25)
        && (b[26] == b'+' || b[26] == b'-')
        && digits(27..31)
}

/// An instance and its sync group, both with `smtp_alert`, start BACKUP and become MASTER
/// at master-down: four mails, each with 1.3.5's envelope, headers and body.
#[test]
fn mails_on_backup_and_master() {
    let Some(mut lab) = Lab::new("sm1", Impl::Ours, Impl::Ours) else {
        return;
    };
    let server = SmtpServer::start(&lab.a.ns, 2525, false);
    let global = "    notification_email {
        ops@example.com
        noc@example.com
    }
    notification_email_from keepalived@nodea.example.com
    smtp_server 127.0.0.1 2525
    smtp_helo_name nodea.example.com
    smtp_connect_timeout 5";
    let rest = format!(
        "vrrp_sync_group G1 {{\n    group {{\n        VI_1\n        VI_2\n    }}\n    smtp_alert\n}}\n{}{}",
        instance("VI_1", "BACKUP", 51, "192.168.1.210", "    smtp_alert"),
        instance("VI_2", "BACKUP", 52, "192.168.1.220", ""),
    );
    let conf = write_conf(&lab, "smtp.conf", global, &rest);
    let t = lab.start_conf(NodeId::A, &conf);
    let backups = server.wait_sessions(2, 10.0);
    let t_vip = lab
        .a
        .monitor
        .wait_vip(true, t, 15.0)
        .expect("A never took the VIP");
    let masters = server.wait_sessions(2, 10.0);
    let t_mail = now();
    assert_eq!(backups.len(), 2, "BACKUP mails: {backups:?}");
    assert_eq!(masters.len(), 2, "MASTER mails: {masters:?}");
    println!(
        "VIP at +{:.3} s, MASTER mails in by +{:.3} s",
        t_vip - t,
        t_mail - t
    );

    for s in backups.iter().chain(&masters) {
        assert_eq!(
            s.commands,
            vec![
                "HELO nodea.example.com",
                "MAIL FROM:<keepalived@nodea.example.com>",
                "RCPT TO:<ops@example.com>",
                "RCPT TO:<noc@example.com>",
                "DATA",
                "QUIT",
            ],
            "envelope"
        );
        let (headers, _) = s.headers_and_body();
        let names: Vec<&str> = headers
            .iter()
            .map(|h| h.split(": ").next().unwrap_or(""))
            .collect();
        assert_eq!(
            names,
            vec!["Date", "From", "Subject", "X-Mailer", "To"],
            "{:?}",
            s.data
        );
        assert!(is_rfc822(&s.header("Date")), "Date: {:?}", s.header("Date"));
        assert_eq!(s.header("From"), "keepalived@nodea.example.com");
        assert_eq!(s.header("X-Mailer"), "Keepalived");
        assert_eq!(s.header("To"), "ops@example.com, noc@example.com");
    }
    let mut got: Vec<(String, String)> = backups
        .iter()
        .chain(&masters)
        .map(|s| (s.header("Subject"), s.headers_and_body().1.to_string()))
        .collect();
    got[..2].sort();
    got[2..].sort();
    let want = [
        (
            "[NodeA] VRRP Group G1 - Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=\r\n\r\n",
        ),
        (
            "[NodeA] VRRP Instance VI_1 - Entering BACKUP state",
            "=> VRRP Instance is nolonger owning VRRP VIPs <=\r\n\r\n",
        ),
        (
            "[NodeA] VRRP Group G1 - Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=\r\n\r\n",
        ),
        (
            "[NodeA] VRRP Instance VI_1 - Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    // VI_2 has no smtp_alert of its own: no mail names it.
    assert!(!got.iter().any(|(s, _)| s.contains("VI_2")));
    let log = lab.a.daemon().log_text();
    assert_eq!(
        log.matches("SMTP alert successfully sent.").count(),
        4,
        "{log}"
    );
    assert!(log.contains("Remote SMTP server [127.0.0.1]:2525 connected."));
}

/// Adverts from A, with priority > 0, captured in [from, to].
fn adverts(lab: &Lab, from: f64, to: f64) -> Vec<f64> {
    lab.capture
        .packets()
        .iter()
        .filter(|p| p.is_advert_from(ADDR_A) && p.prio.unwrap_or(0) > 0 && p.t >= from && p.t <= to)
        .map(|p| p.t)
        .collect()
}

/// Starts A as MASTER with `smtp_server SERVER` and timeout `timeout`, waits for the VIP,
/// for `log_line` in its log, and checks the protocol went on meanwhile: VIP kept, adverts
/// every second.
fn failing_server(lab: &mut Lab, file: &str, server: &str, timeout: u32, log_line: &str) {
    let global = format!(
        "    notification_email {{\n        ops@example.com\n    }}\n    smtp_server {server}\n    smtp_connect_timeout {timeout}"
    );
    let rest = instance("VI_1", "MASTER", 51, "192.168.1.210", "    smtp_alert");
    let conf = write_conf(lab, file, &global, &rest);
    let t = lab.start_conf(NodeId::A, &conf);
    let t_vip = lab
        .a
        .monitor
        .wait_vip(true, t, 10.0)
        .expect("A never took the VIP");
    let waited = f64::from(timeout) + 2.0 + MARGIN;
    assert!(
        lab.a.daemon().wait_log(log_line, waited),
        "no {log_line:?} in the log:\n{}",
        lab.a.daemon().log_text()
    );
    let t_log = now();
    // Through the whole failed session and after it: still MASTER, adverts at the interval
    // (a window of at least two intervals after the VIP add).
    sleep((t_log + 0.5).max(t_vip + 2.6) - now());
    assert!(lab.a.has_vip(), "VIP lost while the mail failed");
    let ads = adverts(lab, t_vip - 0.1, now());
    let gaps: Vec<f64> = ads.windows(2).map(|w| w[1] - w[0]).collect();
    println!(
        "{file}: logged after {:.3} s; advert gaps {gaps:.3?}",
        t_log - t_vip
    );
    assert!(ads.len() >= 3, "adverts: {ads:?}");
    assert!(
        gaps.iter().all(|g| *g <= 1.0 + MARGIN),
        "advert gap while mailing: {gaps:?}"
    );
    assert!(!lab
        .a
        .daemon()
        .log_text()
        .contains("SMTP alert successfully sent."));
    lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(10.0).is_some(), "A did not stop");
}

/// A refusing server (nothing listens), a silent one (accepts, never answers) and an
/// unreachable one (no host answers ARP for it) are each logged in 1.3.5's words; the VIP,
/// the adverts and the daemon are unaffected.
#[test]
fn failing_servers_change_nothing() {
    let Some(mut lab) = Lab::new("sm2", Impl::Ours, Impl::Ours) else {
        return;
    };
    failing_server(
        &mut lab,
        "refused.conf",
        "127.0.0.1 2526",
        3,
        "SMTP connection ERROR to [127.0.0.1]:2526.",
    );
    let silent = SmtpServer::start(&lab.a.ns, 2527, true);
    failing_server(
        &mut lab,
        "silent.conf",
        "127.0.0.1 2527",
        3,
        "Timeout reading data to remote SMTP server [127.0.0.1]:2527.",
    );
    let log = lab.a.daemon().log_text();
    assert!(log.contains("Remote SMTP server [127.0.0.1]:2527 connected."));
    drop(silent);
    // 192.168.1.250 is on the lab LAN but nobody has it: the SYN never leaves.
    failing_server(
        &mut lab,
        "unreachable.conf",
        "192.168.1.250",
        1,
        "Timeout connecting SMTP server [192.168.1.250]:25.",
    );
}
