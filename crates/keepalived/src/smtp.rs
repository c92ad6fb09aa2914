//! `smtp_alert`: the e-mail keepalived 1.3.5 sends on a state change (`core/smtp.c`,
//! `vrrp_scheduler.c` `vrrp_smtp_notifier`, `vrrp_sync.c` `vrrp_sync_smtp_notifier`).
//!
//! When an instance (or sync group) with `smtp_alert` enters MASTER or BACKUP — the moments
//! its `notify_master` / `notify_backup` run — one mail goes to every `notification_email`
//! address (one `RCPT TO` each) through `smtp_server`, with 1.3.5's subject, body and headers.
//! FAULT and stop send nothing, as in 1.3.5. Nothing is sent without `smtp_server` or without
//! `notification_email`.
//!
//! Each mail is its own task on the daemon's runtime with `smtp_connect_timeout` (default
//! 30 s) on the connection and on every reply and write, so a slow, refusing or silent server
//! never delays the protocol; it is logged in 1.3.5's words and nothing else changes.
//!
//! The session is keepalived's: greeting 220, `HELO`, `MAIL FROM`, `RCPT TO` per address,
//! `DATA` (354), headers + body + `.` (250), `QUIT`. On any unexpected code the connection is
//! closed without `QUIT`, as 1.3.5 does.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use keepalived_conf as conf;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use vrrp_engine::{NotifyState, NotifyTarget};

use crate::logging;

/// keepalived's `DEFAULT_SMTP_CONNECTION_TIMEOUT`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// keepalived's default SMTP port.
const DEFAULT_PORT: u16 = 25;
/// keepalived's reply buffer (`SMTP_BUFFER_MAX`): a longer unterminated reply is an error.
const REPLY_MAX: usize = 1024;

/// The global_defs that make up a mail (resolved defaults are filled when a mail is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Settings {
    host: String,
    port: u16,
    helo_name: Option<String>,
    from: Option<String>,
    router_id: Option<String>,
    emails: Vec<String>,
    timeout: Duration,
}

/// Who gets mail on which state change, from the running configuration.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    /// `None` when no mail can be sent (no `smtp_server` or no `notification_email`).
    settings: Option<Rc<Settings>>,
    instances: HashSet<String>,
    groups: HashSet<String>,
}

impl Alerts {
    /// The alert settings of `cfg`.
    pub fn new(cfg: &conf::Config) -> Alerts {
        let g = &cfg.global_defs;
        let settings = match &g.smtp_server {
            Some(server) if !g.notification_email.is_empty() => Some(Rc::new(Settings {
                host: server.host.clone(),
                port: server.port.unwrap_or(DEFAULT_PORT),
                helo_name: g.smtp_helo_name.clone(),
                from: g.notification_email_from.clone(),
                router_id: g.router_id.clone(),
                emails: g.notification_email.clone(),
                // 1.3.5: an unset or zero timeout is the default.
                timeout: match g.smtp_connect_timeout {
                    Some(s) if s > 0 => Duration::from_secs(u64::from(s)),
                    _ => DEFAULT_TIMEOUT,
                },
            })),
            _ => None,
        };
        Alerts {
            settings,
            instances: cfg
                .instances
                .iter()
                .filter(|i| i.smtp_alert)
                .map(|i| i.name.clone())
                .collect(),
            groups: cfg
                .sync_groups
                .iter()
                .filter(|g| g.smtp_alert)
                .map(|g| g.name.clone())
                .collect(),
        }
    }

    /// A notify point of the engine: sends the mail if `target` has `smtp_alert` and the
    /// state is one 1.3.5 mails about. Returns at once; the mail goes out on its own task.
    pub fn on_notify(&self, target: &NotifyTarget, state: NotifyState) {
        let Some(settings) = &self.settings else {
            return;
        };
        let wanted = match target {
            NotifyTarget::Instance(n) => self.instances.contains(n),
            NotifyTarget::Group(n) => self.groups.contains(n),
        };
        let Some(text) = wanted.then(|| alert_text(target, state)).flatten() else {
            return;
        };
        let settings = settings.clone();
        let target = target.clone();
        tokio::task::spawn_local(async move {
            send_alert(&settings, &target, text).await;
        });
    }
}

/// Subject suffix and body of the mail for `state`, as 1.3.5 words them (`None`: no mail).
fn alert_text(target: &NotifyTarget, state: NotifyState) -> Option<(&'static str, &'static str)> {
    let group = matches!(target, NotifyTarget::Group(_));
    match (state, group) {
        (NotifyState::Master, false) => Some((
            "Entering MASTER state",
            "=> VRRP Instance is now owning VRRP VIPs <=",
        )),
        (NotifyState::Backup, false) => Some((
            "Entering BACKUP state",
            "=> VRRP Instance is nolonger owning VRRP VIPs <=",
        )),
        (NotifyState::Master, true) => Some((
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        )),
        (NotifyState::Backup, true) => Some((
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        )),
        (NotifyState::Fault | NotifyState::Stop, _) => None,
    }
}

/// `[router_id] VRRP Instance NAME - TEXT` / `[router_id] VRRP Group NAME - TEXT`.
fn subject(router_id: &str, target: &NotifyTarget, text: &str) -> String {
    match target {
        NotifyTarget::Instance(n) => format!("[{router_id}] VRRP Instance {n} - {text}"),
        NotifyTarget::Group(n) => format!("[{router_id}] VRRP Group {n} - {text}"),
    }
}

/// One mail, ready for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mail {
    helo_name: String,
    from: String,
    rcpts: Vec<String>,
    subject: String,
    body: String,
    /// RFC 822 date (`%a, %d %b %Y %H:%M:%S %z`, local time).
    date: String,
}

impl Mail {
    /// What follows `DATA`: 1.3.5's headers, the body and the terminating dot.
    fn data(&self) -> String {
        format!(
            "Date: {}\r\nFrom: {}\r\nSubject: {}\r\nX-Mailer: Keepalived\r\nTo: {}\r\n\r\n{}\r\n\r\n.\r\n",
            self.date,
            self.from,
            self.subject,
            self.rcpts.join(", "),
            self.body
        )
    }
}

/// Resolves the defaults, connects and runs the session, logging as 1.3.5 does.
async fn send_alert(s: &Settings, target: &NotifyTarget, (text, body): (&str, &str)) {
    // 1.3.5 defaults router_id, the HELO name and the sender from the canonical host name
    // (a lookup that may ask DNS: off the runtime thread).
    let (local, user) = if s.router_id.is_none() || s.helo_name.is_none() || s.from.is_none() {
        tokio::task::spawn_blocking(|| (local_name(), user_name()))
            .await
            .unwrap_or((None, String::from("root")))
    } else {
        (None, String::new())
    };
    let id = identity(s, local.as_deref(), &user);
    let mail = Mail {
        helo_name: id.helo_name,
        from: id.from,
        rcpts: s.emails.clone(),
        subject: subject(&id.router_id, target, text),
        body: body.to_string(),
        date: rfc822_now(),
    };
    let Some(addr) = resolve(&s.host, s.port).await else {
        logging::info(&format!(
            "Cannot resolve SMTP server {} - SMTP alert not sent",
            s.host
        ));
        return;
    };
    let host = host_pair(addr);
    let stream = match tokio::time::timeout(s.timeout, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => {
            logging::info(&format!("Timeout connecting SMTP server {host}."));
            return;
        }
        Ok(Err(_)) => {
            logging::info(&format!("SMTP connection ERROR to {host}."));
            return;
        }
        Ok(Ok(stream)) => stream,
    };
    logging::info(&format!("Remote SMTP server {host} connected."));
    // Every outcome is already logged, and nothing else depends on it.
    let _ = session(stream, &mail, &host, s.timeout, &mut |l| logging::info(l)).await;
}

/// The names a mail carries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    helo_name: String,
    from: String,
    router_id: String,
}

/// The configured names, else 1.3.5's defaults from the local host name `local` (the HELO
/// name and router_id are the host name, the sender `user@host`), else `localhost`.
fn identity(s: &Settings, local: Option<&str>, user: &str) -> Identity {
    let host = local.unwrap_or("localhost");
    let or_host = |v: &Option<String>| v.clone().unwrap_or_else(|| host.to_string());
    Identity {
        helo_name: or_host(&s.helo_name),
        from: s.from.clone().unwrap_or_else(|| format!("{user}@{host}")),
        router_id: or_host(&s.router_id),
    }
}

/// keepalived's `inet_sockaddrtopair`: `[ADDR]:PORT`.
fn host_pair(addr: SocketAddr) -> String {
    format!("[{}]:{}", addr.ip(), addr.port())
}

/// The first address of `host` (an address literal is used as is).
async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((host, port)).await.ok()?.next()
}

/// Why a session ended early (each already logged in 1.3.5's words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Timeout, read or write error, closed connection or oversized reply.
    Io,
    /// The server answered with an unexpected code.
    Code,
}

/// Runs the SMTP conversation on a connected stream. `log` receives 1.3.5's lines.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    mail: &Mail,
    host: &str,
    timeout: Duration,
    log: &mut dyn FnMut(&str),
) -> Result<(), Failure> {
    let mut conv = Conversation {
        stream: &mut stream,
        buf: Vec::new(),
        host,
        timeout,
        log,
    };
    let r = conv.run(mail).await;
    if let Err(Failure::Code) = r {
        (conv.log)(&format!(
            "Can not read data from remote SMTP server {host}."
        ));
    }
    r
}

struct Conversation<'a, S> {
    stream: &'a mut S,
    /// Received bytes not yet consumed as a reply.
    buf: Vec<u8>,
    host: &'a str,
    timeout: Duration,
    log: &'a mut dyn FnMut(&str),
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conversation<'_, S> {
    async fn run(&mut self, mail: &Mail) -> Result<(), Failure> {
        self.expect(220, "Error connecting SMTP server").await?;
        self.send(&format!("HELO {}\r\n", mail.helo_name)).await?;
        self.expect(250, "Error processing HELO cmd on SMTP server")
            .await?;
        self.send(&format!("MAIL FROM:<{}>\r\n", mail.from)).await?;
        self.expect(250, "Error processing MAIL cmd on SMTP server")
            .await?;
        for rcpt in &mail.rcpts {
            self.send(&format!("RCPT TO:<{rcpt}>\r\n")).await?;
            self.expect(250, "Error processing RCPT cmd on SMTP server")
                .await?;
        }
        self.send("DATA\r\n").await?;
        self.expect(354, "Error processing DATA cmd on SMTP server")
            .await?;
        self.send(&mail.data()).await?;
        self.expect(250, "Error processing DOT cmd on SMTP server")
            .await?;
        (self.log)("SMTP alert successfully sent.");
        // 1.3.5 sends QUIT and closes without reading the answer.
        let _ = self.send("QUIT\r\n").await;
        Ok(())
    }

    /// Writes one command (1.3.5: a failed send ends the session).
    async fn send(&mut self, text: &str) -> Result<(), Failure> {
        match tokio::time::timeout(self.timeout, self.stream.write_all(text.as_bytes())).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => {
                (self.log)(&format!(
                    "Can not send data to remote SMTP server {}.",
                    self.host
                ));
                Err(Failure::Io)
            }
            Err(_) => {
                (self.log)(&format!(
                    "Timeout sending data to remote SMTP server {}.",
                    self.host
                ));
                Err(Failure::Io)
            }
        }
    }

    /// Reads one reply and checks its code against `want`; `what` starts 1.3.5's error line.
    async fn expect(&mut self, want: u16, what: &str) -> Result<(), Failure> {
        let code = self.reply().await?;
        if code == want {
            return Ok(());
        }
        (self.log)(&format!("{what} {}. SMTP status code = {code}", self.host));
        Err(Failure::Code)
    }

    /// The code of the next complete reply (continuation lines `NNN-` are skipped).
    async fn reply(&mut self) -> Result<u16, Failure> {
        loop {
            if let Some((code, used)) = parse_reply(&self.buf) {
                self.buf.drain(..used);
                return Ok(code);
            }
            if self.buf.len() >= REPLY_MAX {
                (self.log)(&format!(
                    "Received buffer from remote SMTP server {} overflow our get read buffer length.",
                    self.host
                ));
                return Err(Failure::Io);
            }
            let mut chunk = [0u8; 512];
            match tokio::time::timeout(self.timeout, self.stream.read(&mut chunk)).await {
                Err(_) => {
                    (self.log)(&format!(
                        "Timeout reading data to remote SMTP server {}.",
                        self.host
                    ));
                    return Err(Failure::Io);
                }
                Ok(Err(_)) => {
                    (self.log)(&format!(
                        "Error reading data from remote SMTP server {}.",
                        self.host
                    ));
                    return Err(Failure::Io);
                }
                Ok(Ok(0)) => {
                    (self.log)(&format!(
                        "Remote SMTP server {} has closed the connection.",
                        self.host
                    ));
                    return Err(Failure::Io);
                }
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

/// The code of the first complete reply in `buf` and the bytes it takes, as 1.3.5 reads
/// replies: CRLF-terminated lines, a `-` after the code marks a continuation line, the last
/// line's code counts; a code that is not three digits reads as 0 (an unexpected code).
fn parse_reply(buf: &[u8]) -> Option<(u16, usize)> {
    let mut pos = 0;
    loop {
        let rest = buf.get(pos..)?;
        let end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = &rest[..end];
        pos += end + 2;
        if line.get(3) == Some(&b'-') {
            continue;
        }
        let code = match line.get(..3) {
            Some(d) if d.iter().all(u8::is_ascii_digit) => {
                d.iter().fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'))
            }
            _ => 0,
        };
        return Some((code, pos));
    }
}

/// `Tue, 01 Dec 2026 02:10:00 +0100` in local time (keepalived's RFC 822 date).
fn rfc822_now() -> String {
    // SAFETY: time/localtime_r/strftime with valid pointers and a bounded buffer.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return String::new();
        }
        let mut buf = [0u8; 80];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a, %d %b %Y %H:%M:%S %z".as_ptr(),
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

/// The canonical name of this host (keepalived's `get_local_name`: `getaddrinfo` of the
/// node name with `AI_CANONNAME`), else the node name. Blocking (it may ask DNS).
pub(crate) fn local_name() -> Option<String> {
    let node = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())?;
    Some(canonical_name(&node).unwrap_or(node))
}

/// `getaddrinfo(name, AI_CANONNAME)`'s canonical name.
fn canonical_name(name: &str) -> Option<String> {
    let c_name = std::ffi::CString::new(name).ok()?;
    // SAFETY: an all-zero addrinfo is a valid "no hints" value; we set only ai_flags.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = libc::AI_CANONNAME;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C string and hints; `res` receives a list we free below.
    let rc = unsafe { libc::getaddrinfo(c_name.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if rc != 0 || res.is_null() {
        return None;
    }
    // SAFETY: `res` is the non-null list getaddrinfo returned; ai_canonname, when set, is a
    // NUL-terminated string owned by that list, copied before the list is freed.
    let canon = unsafe {
        let p = (*res).ai_canonname;
        let s = (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned());
        libc::freeaddrinfo(res);
        s
    };
    canon.filter(|s| !s.is_empty())
}

/// The daemon's user name, for the default sender (`USER@host`).
pub(crate) fn user_name() -> String {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id: u32 = f.nth(1)?.parse().ok()?;
            (id == uid).then(|| name.to_string())
        })
        .unwrap_or_else(|| {
            if uid == 0 {
                "root".into()
            } else {
                uid.to_string()
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncBufReadExt, BufReader};

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn mail() -> Mail {
        Mail {
            helo_name: "nodea.example.com".into(),
            from: "keepalived@nodea.example.com".into(),
            rcpts: vec!["ops@example.com".into(), "noc@example.com".into()],
            subject: subject(
                "NodeA",
                &NotifyTarget::Instance("VI_1".into()),
                "Entering MASTER state",
            ),
            body: "=> VRRP Instance is now owning VRRP VIPs <=".into(),
            date: "Tue, 01 Dec 2026 02:10:00 +0000".into(),
        }
    }

    #[test]
    fn data_is_byte_for_byte_keepalived() {
        assert_eq!(
            mail().data(),
            "Date: Tue, 01 Dec 2026 02:10:00 +0000\r\n\
             From: keepalived@nodea.example.com\r\n\
             Subject: [NodeA] VRRP Instance VI_1 - Entering MASTER state\r\n\
             X-Mailer: Keepalived\r\n\
             To: ops@example.com, noc@example.com\r\n\
             \r\n\
             => VRRP Instance is now owning VRRP VIPs <=\r\n\
             \r\n.\r\n"
        );
    }

    #[test]
    fn subjects_and_bodies_as_1_3_5() {
        let i = NotifyTarget::Instance("VI_1".into());
        let g = NotifyTarget::Group("G1".into());
        let line = |t: &NotifyTarget, s| alert_text(t, s).map(|(x, b)| (subject("R", t, x), b));
        assert_eq!(
            line(&i, NotifyState::Backup),
            Some((
                "[R] VRRP Instance VI_1 - Entering BACKUP state".into(),
                "=> VRRP Instance is nolonger owning VRRP VIPs <="
            ))
        );
        assert_eq!(
            line(&g, NotifyState::Master),
            Some((
                "[R] VRRP Group G1 - Entering MASTER state".into(),
                "=> All VRRP group instances are now in MASTER state <="
            ))
        );
        assert_eq!(
            line(&g, NotifyState::Backup).map(|x| x.1),
            Some("=> All VRRP group instances are now in BACKUP state <=")
        );
        assert_eq!(line(&i, NotifyState::Fault), None);
        assert_eq!(line(&g, NotifyState::Stop), None);
    }

    #[test]
    fn names_default_to_the_host_name() {
        let mut s = Settings {
            host: "10.0.0.1".into(),
            port: 25,
            helo_name: None,
            from: None,
            router_id: None,
            emails: vec!["a@b".into()],
            timeout: DEFAULT_TIMEOUT,
        };
        assert_eq!(
            identity(&s, Some("lb1.example.com"), "root"),
            Identity {
                helo_name: "lb1.example.com".into(),
                from: "root@lb1.example.com".into(),
                router_id: "lb1.example.com".into(),
            }
        );
        assert_eq!(identity(&s, None, "root").from, "root@localhost");
        s.helo_name = Some("mx".into());
        s.from = Some("ka@x".into());
        s.router_id = Some("R1".into());
        assert_eq!(
            identity(&s, Some("ignored"), "root"),
            Identity {
                helo_name: "mx".into(),
                from: "ka@x".into(),
                router_id: "R1".into(),
            }
        );
    }

    #[test]
    fn replies_are_read_as_keepalived_reads_them() {
        assert_eq!(parse_reply(b"220 hi\r\n"), Some((220, 8)));
        assert_eq!(
            parse_reply(b"250-a\r\n250-b\r\n250 c\r\nrest"),
            Some((250, 21))
        );
        assert_eq!(parse_reply(b"250-a\r\n250 c"), None);
        assert_eq!(parse_reply(b"hello\r\n"), Some((0, 7)));
        assert_eq!(parse_reply(b""), None);
    }

    #[test]
    fn alerts_need_a_server_and_addresses() {
        let parse = |t: &str| conf::load_str("t.conf", t, &conf::LoadOptions::default()).config;
        let base = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n smtp_alert\n}\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n}\n";
        let a = Alerts::new(&parse(&format!(
            "global_defs {{\n notification_email {{\n a@b\n }}\n smtp_server 10.0.0.1\n}}\n{base}"
        )));
        let s = a.settings.as_deref().unwrap();
        assert_eq!((s.port, s.timeout), (25, DEFAULT_TIMEOUT));
        assert!(a.instances.contains("VI_1") && !a.instances.contains("VI_2"));
        let a = Alerts::new(&parse(&format!(
            "global_defs {{\n smtp_server 10.0.0.1 2525\n}}\n{base}"
        )));
        assert!(a.settings.is_none(), "no notification_email: no mail");
        let a = Alerts::new(&parse(&format!(
            "global_defs {{\n notification_email {{\n a@b\n }}\n smtp_connect_timeout 0\n}}\n{base}"
        )));
        assert!(a.settings.is_none(), "no smtp_server: no mail");
    }

    /// Plays a server over an in-memory pipe: `reply` answers each command line (`None`: hang
    /// up); returns the lines the client sent and the DATA text.
    async fn serve(
        server: tokio::io::DuplexStream,
        greeting: &str,
        reply: impl Fn(&str) -> Option<&'static str>,
    ) -> (Vec<String>, String) {
        let (r, mut w) = tokio::io::split(server);
        let mut r = BufReader::new(r);
        let mut lines = Vec::new();
        let mut data = String::new();
        w.write_all(greeting.as_bytes()).await.unwrap();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            lines.push(line.clone());
            let Some(answer) = reply(&line) else { break };
            if line.starts_with("DATA") && answer.starts_with("354") {
                w.write_all(answer.as_bytes()).await.unwrap();
                loop {
                    let mut l = String::new();
                    r.read_line(&mut l).await.unwrap();
                    data.push_str(&l);
                    if l == ".\r\n" {
                        break;
                    }
                }
                w.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                continue;
            }
            w.write_all(answer.as_bytes()).await.unwrap();
        }
        (lines, data)
    }

    fn ok_reply(line: &str) -> Option<&'static str> {
        Some(
            match line.trim_end().split([' ', ':']).next().unwrap_or("") {
                "HELO" => "250 hello\r\n",
                "MAIL" | "RCPT" => "250-ok\r\n250 ok\r\n",
                "DATA" => "354 go ahead\r\n",
                _ => return None,
            },
        )
    }

    #[test]
    fn a_whole_session() {
        rt().block_on(async {
            let (client, server) = tokio::io::duplex(4096);
            let srv = tokio::spawn(serve(server, "220-smtp\r\n220 ready\r\n", ok_reply));
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[127.0.0.1]:25",
                Duration::from_secs(5),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Ok(()));
            let (lines, data) = srv.await.unwrap();
            assert_eq!(
                lines,
                vec![
                    "HELO nodea.example.com\r\n",
                    "MAIL FROM:<keepalived@nodea.example.com>\r\n",
                    "RCPT TO:<ops@example.com>\r\n",
                    "RCPT TO:<noc@example.com>\r\n",
                    "DATA\r\n",
                    "QUIT\r\n",
                ]
            );
            assert_eq!(data, mail().data());
            assert_eq!(logs, vec!["SMTP alert successfully sent."]);
        });
    }

    #[test]
    fn a_refused_recipient_ends_the_session_without_quit() {
        rt().block_on(async {
            let (client, server) = tokio::io::duplex(4096);
            let srv = tokio::spawn(serve(server, "220 ready\r\n", |l| {
                if l.starts_with("RCPT TO:<noc") {
                    Some("550 no such user\r\n")
                } else {
                    ok_reply(l)
                }
            }));
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[127.0.0.1]:25",
                Duration::from_secs(5),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Err(Failure::Code));
            let (lines, _) = srv.await.unwrap();
            assert_eq!(lines.last().unwrap(), "RCPT TO:<noc@example.com>\r\n");
            assert_eq!(
                logs,
                vec![
                    "Error processing RCPT cmd on SMTP server [127.0.0.1]:25. SMTP status code = 550",
                    "Can not read data from remote SMTP server [127.0.0.1]:25.",
                ]
            );
        });
    }

    #[test]
    fn a_silent_or_closing_server_is_logged() {
        rt().block_on(async {
            // Silent: no greeting within the timeout.
            let (client, _server) = tokio::io::duplex(4096);
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[10.0.0.1]:25",
                Duration::from_millis(50),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Err(Failure::Io));
            assert_eq!(
                logs,
                vec!["Timeout reading data to remote SMTP server [10.0.0.1]:25."]
            );
            // Closing: the server hangs up at once.
            let (client, server) = tokio::io::duplex(4096);
            drop(server);
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[10.0.0.1]:25",
                Duration::from_secs(5),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Err(Failure::Io));
            assert_eq!(
                logs,
                vec!["Remote SMTP server [10.0.0.1]:25 has closed the connection."]
            );
            // A 554 greeting.
            let (client, server) = tokio::io::duplex(4096);
            let srv = tokio::spawn(serve(server, "554 go away\r\n", |_| None));
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[10.0.0.1]:25",
                Duration::from_secs(5),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Err(Failure::Code));
            drop(srv);
            assert_eq!(
                logs,
                vec![
                    "Error connecting SMTP server [10.0.0.1]:25. SMTP status code = 554",
                    "Can not read data from remote SMTP server [10.0.0.1]:25.",
                ]
            );
        });
    }

    #[test]
    fn an_endless_reply_overflows_as_in_1_3_5() {
        rt().block_on(async {
            let (client, mut server) = tokio::io::duplex(8192);
            server.write_all(&[b'x'; 2000]).await.unwrap();
            let mut logs = Vec::new();
            let r = session(
                client,
                &mail(),
                "[10.0.0.1]:25",
                Duration::from_secs(5),
                &mut |l| logs.push(l.to_string()),
            )
            .await;
            assert_eq!(r, Err(Failure::Io));
            assert_eq!(
                logs,
                vec!["Received buffer from remote SMTP server [10.0.0.1]:25 overflow our get read buffer length."]
            );
        });
    }
}
