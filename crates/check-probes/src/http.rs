//! `HTTP_GET` and `SSL_GET` (1.3.5 `keepalived/check/check_http.c`, `check_ssl.c`, `lib/html.c`),
//! and [`fetch`], the single GET that `genhash` shares.
//!
//! 1.3.5's exchange, per url: connect (for SSL_GET with the handshake, both within one
//! `connect_timeout`), send `GET <path> HTTP/1.0` with `User-Agent: KeepAliveClient` and a
//! `Host` header, then read until the server closes, each read within `connect_timeout`. The
//! header ends at the first CRLFCRLF within the first 4096 bytes (1.3.5's buffer); the status
//! code is the token after the first space; the MD5 covers everything after the header.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use md5::{Digest, Md5};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout_at, Instant};

use crate::conn::{connect, Connect};
use crate::{fmt_pair, ConnectSpec, HttpSpec, ProbeResult, TlsSpec, UrlSpec};

/// 1.3.5's response buffer (`MAX_BUFFER_LENGTH`): the header must end within it.
const MAX_HEADER: usize = 4096;

/// One GET: where, what, and how.
#[derive(Clone, Copy, Debug)]
pub struct FetchRequest<'a> {
    /// Where and how to connect.
    pub conn: &'a ConnectSpec,
    /// The request target (the url's `path`).
    pub path: &'a str,
    /// The `Host` header value; `None`: the connect address and port (see [`host_header`]).
    pub virtualhost: Option<&'a str>,
    /// TLS (SSL_GET, `genhash -S`).
    pub tls: Option<&'a TlsSpec>,
    /// Keep the body in [`HttpResponse::body`] (genhash's verbose dump); the checker only needs
    /// the digest.
    pub keep_body: bool,
}

/// What the server answered.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HttpResponse {
    /// Status code as 1.3.5 extracts it (0 when the status line has no number).
    pub status: u16,
    /// The header bytes, up to and including the blank line.
    pub header: Vec<u8>,
    /// The body, when [`FetchRequest::keep_body`] was set (else empty).
    pub body: Vec<u8>,
    /// MD5 of the body.
    pub digest: [u8; 16],
}

impl HttpResponse {
    /// The digest as 1.3.5 prints and compares it: 32 lowercase hex digits.
    pub fn digest_hex(&self) -> String {
        hex(&self.digest)
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a GET did not produce a response; [`FetchError::message`] words it as 1.3.5's checker.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The socket could not be set up (bind, fwmark, immediate connect error).
    #[error("socket set-up failed: {0}")]
    Setup(#[source] io::Error),
    /// No connection (or no TLS handshake) within the timeout.
    #[error("connect timeout")]
    ConnectTimeout,
    /// The connection attempt failed.
    #[error("connect failed: {0}")]
    Connect(#[source] io::Error),
    /// The TLS handshake failed.
    #[error("TLS handshake failed: {0}")]
    Handshake(#[source] io::Error),
    /// The request could not be written within the timeout.
    #[error("write timeout")]
    WriteTimeout,
    /// Writing the request failed.
    #[error("send failed: {0}")]
    Send(#[source] io::Error),
    /// Nothing came back within the timeout.
    #[error("response timeout")]
    ResponseTimeout,
    /// The response stalled (or took longer than two timeouts in all).
    #[error("read timeout")]
    ReadTimeout,
    /// A read failed.
    #[error("read failed: {0}")]
    Read(#[source] io::Error),
    /// The TLS session was closed (close_notify) before a complete header arrived.
    #[error("TLS closed before the header")]
    TlsClosed,
    /// The stream ended without a complete header (within 4096 bytes).
    #[error("no data received")]
    NoData,
}

impl FetchError {
    /// 1.3.5's words: the failure line is `"{message} server [ip]:port."`, except for
    /// [`FetchError::Setup`], which 1.3.5 logs alone and does not count as a failure.
    pub fn message(&self, tls: bool) -> &'static str {
        match self {
            FetchError::Setup(_) => "WEB socket bind failed. Rescheduling",
            FetchError::ConnectTimeout => "Timeout connecting",
            FetchError::Connect(_) => "Error connecting",
            FetchError::Handshake(_) => "SSL handshake/communication error connecting to",
            FetchError::WriteTimeout => "Timeout WEB write",
            FetchError::Send(_) => "Cannot send get request to",
            FetchError::ResponseTimeout => "Timeout WEB read",
            FetchError::ReadTimeout if tls => "Timeout SSL read",
            FetchError::ReadTimeout => "Timeout HTTP read",
            FetchError::Read(_) => "Read error with",
            FetchError::TlsClosed => "SSL read error from",
            // 1.3.5's text ends with a space before "server": the double space is theirs.
            FetchError::NoData => "Read, no data received from ",
        }
    }
}

/// The `Host` header 1.3.5 sends: the virtualhost as is, else the connect address with its
/// port (IPv6 in brackets, RFC 2732).
pub fn host_header(dst: &SocketAddr, virtualhost: Option<&str>) -> String {
    match (virtualhost, dst) {
        (Some(v), _) => v.to_string(),
        (None, SocketAddr::V4(a)) => format!("{}:{}", a.ip(), a.port()),
        (None, SocketAddr::V6(a)) => format!("[{}]:{}", a.ip(), a.port()),
    }
}

/// The request bytes 1.3.5 sends (`REQUEST_TEMPLATE`).
pub fn request_text(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: {host}\r\n\r\n")
}

/// 1.3.5's `extract_status_code`: the digits of the token after the first space (`atoi`).
fn status_code(header: &[u8]) -> u16 {
    let Some(sp) = header.iter().position(|&b| b == b' ') else {
        return 0;
    };
    let mut code: u32 = 0;
    for &b in header[sp + 1..].iter().take_while(|b| b.is_ascii_digit()) {
        code = code.saturating_mul(10).saturating_add(u32::from(b - b'0'));
    }
    u16::try_from(code).unwrap_or(0)
}

/// Position just past the first CRLFCRLF (1.3.5's `extract_html`).
fn header_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// The per-url bound: connect + handshake, write, and the response (two timeouts).
pub(crate) fn url_deadline(conn: &ConnectSpec) -> Duration {
    conn.timeout * 4
}

/// One GET (1.3.5's request/response threads for one url). Resolves within four
/// `connect_timeout`s.
pub async fn fetch(req: &FetchRequest<'_>) -> Result<HttpResponse, FetchError> {
    let t = req.conn.timeout;
    let start = Instant::now();
    let stream = match connect(req.conn).await {
        Connect::Connected(s) => s,
        Connect::Setup(e) => return Err(FetchError::Setup(e)),
        Connect::Timeout => return Err(FetchError::ConnectTimeout),
        Connect::Failed(e) => return Err(FetchError::Connect(e)),
    };
    let host = host_header(&req.conn.dst, req.virtualhost);
    let request = request_text(req.path, &host);
    match req.tls {
        None => exchange(stream, &request, t, false, req.keep_body).await,
        Some(tls) => {
            // The handshake shares the connect step's timeout, as in 1.3.5.
            let tls_stream = match timeout_at(
                start + t,
                tls.config.connect(tls.sni.as_deref(), req.conn.dst, stream),
            )
            .await
            {
                Err(_) => return Err(FetchError::ConnectTimeout),
                Ok(Err(e)) => return Err(FetchError::Handshake(e)),
                Ok(Ok(s)) => s,
            };
            exchange(tls_stream, &request, t, true, req.keep_body).await
        }
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    request: &str,
    t: Duration,
    tls: bool,
    keep_body: bool,
) -> Result<HttpResponse, FetchError> {
    match tokio::time::timeout(t, async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => return Err(FetchError::WriteTimeout),
        Ok(Err(e)) => return Err(FetchError::Send(e)),
        Ok(Ok(())) => {}
    }
    // The whole response gets two timeouts, each read one.
    let response_deadline = Instant::now() + t * 2;
    let mut head: Vec<u8> = Vec::with_capacity(1024);
    let mut header: Option<Vec<u8>> = None;
    let mut body = Vec::new();
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; MAX_HEADER];
    let mut first = true;
    loop {
        let step = (Instant::now() + t).min(response_deadline);
        let r = match timeout_at(step, stream.read(&mut buf)).await {
            Err(_) if first => return Err(FetchError::ResponseTimeout),
            Err(_) => return Err(FetchError::ReadTimeout),
            Ok(r) => r,
        };
        first = false;
        let n = match r {
            Ok(0) if tls && header.is_none() => return Err(FetchError::TlsClosed),
            Ok(0) => break,
            Ok(n) => n,
            // A TLS stream cut without close_notify ends the response for 1.3.5 (it then
            // judges what it has); a plain read error is a failure.
            Err(_) if tls => break,
            Err(e) => return Err(FetchError::Read(e)),
        };
        let data = &buf[..n];
        if header.is_some() {
            md5.update(data);
            if keep_body {
                body.extend_from_slice(data);
            }
            continue;
        }
        head.extend_from_slice(data);
        if let Some(end) = header_end(&head) {
            let rest = head.split_off(end);
            md5.update(&rest);
            if keep_body {
                body.extend_from_slice(&rest);
            }
            header = Some(std::mem::take(&mut head));
        } else if head.len() >= MAX_HEADER {
            // 1.3.5's buffer is full without a header end: its next read returns 0 (EOF).
            return Err(FetchError::NoData);
        }
    }
    let Some(header) = header else {
        return Err(FetchError::NoData);
    };
    Ok(HttpResponse {
        status: status_code(&header),
        header,
        body,
        digest: md5.finalize().into(),
    })
}

/// The verdict on one url's response (1.3.5's `http_handle_response`).
enum UrlVerdict {
    Pass,
    Fail(&'static str),
    Neither(u16),
}

fn judge(url: &UrlSpec, resp: &HttpResponse) -> UrlVerdict {
    let mut pass = false;
    if let Some(code) = url.status_code {
        if resp.status != code {
            return UrlVerdict::Fail("HTTP status code error to");
        }
        pass = true;
    } else if (200..=299).contains(&resp.status) {
        pass = true;
    }
    if let Some(digest) = &url.digest {
        if *digest != resp.digest_hex() {
            return UrlVerdict::Fail("MD5 digest error to");
        }
        pass = true;
    }
    if pass {
        UrlVerdict::Pass
    } else {
        UrlVerdict::Neither(resp.status)
    }
}

pub(crate) async fn run(spec: &HttpSpec) -> ProbeResult {
    let rs = fmt_pair(&spec.real_server);
    let tls = spec.tls.is_some();
    for (i, url) in spec.urls.iter().enumerate() {
        let req = FetchRequest {
            conn: &spec.conn,
            path: &url.path,
            virtualhost: spec.virtualhost.as_deref(),
            tls: spec.tls.as_ref(),
            keep_body: false,
        };
        // fetch bounds itself; this is a backstop for the documented deadline.
        let resp = match tokio::time::timeout(url_deadline(&spec.conn), fetch(&req)).await {
            Err(_) => Err(FetchError::ReadTimeout),
            Ok(r) => r,
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e @ FetchError::Setup(_)) => {
                return ProbeResult::Inconclusive {
                    detail: e.message(tls).to_string(),
                }
            }
            Err(e) => {
                return ProbeResult::Down {
                    detail: format!("{} server {rs}.", e.message(tls)),
                }
            }
        };
        match judge(url, &resp) {
            UrlVerdict::Pass => {}
            UrlVerdict::Fail(msg) => {
                return ProbeResult::Down {
                    detail: format!("{msg} server {rs}."),
                }
            }
            UrlVerdict::Neither(status) => {
                return ProbeResult::Inconclusive {
                    detail: format!(
                        "HTTP status code {status} from {rs} url({}): neither success nor \
                         failure without status_code or digest",
                        i + 1
                    ),
                }
            }
        }
    }
    ProbeResult::Up { weight: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_1_3_5s() {
        let dst: SocketAddr = "10.0.0.1:8080".parse().unwrap();
        assert_eq!(
            request_text("/x", &host_header(&dst, None)),
            "GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.1:8080\r\n\r\n"
        );
        let dst6: SocketAddr = "[2001:db8::1]:80".parse().unwrap();
        assert_eq!(host_header(&dst6, None), "[2001:db8::1]:80");
        assert_eq!(
            host_header(&dst6, Some("www.example.com")),
            "www.example.com"
        );
    }

    #[test]
    fn status_code_as_atoi() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\n\r\n"), 200);
        assert_eq!(status_code(b"HTTP/1.0 404\r\n\r\n"), 404);
        assert_eq!(status_code(b"garbage\r\n\r\n"), 0);
        assert_eq!(status_code(b"HTTP/1.0 abc\r\n\r\n"), 0);
    }

    #[test]
    fn header_end_is_first_crlfcrlf() {
        assert_eq!(header_end(b"A\r\n\r\nB\r\n\r\n"), Some(5));
        assert_eq!(header_end(b"A\r\n\r"), None);
    }

    fn resp(status: u16, body: &[u8]) -> HttpResponse {
        HttpResponse {
            status,
            header: Vec::new(),
            body: Vec::new(),
            digest: Md5::digest(body).into(),
        }
    }

    #[test]
    fn verdicts_follow_1_3_5() {
        let url = |digest: Option<&str>, code| UrlSpec {
            path: "/".into(),
            digest: digest.map(str::to_string),
            status_code: code,
        };
        let md5_abc = "900150983cd24fb0d6963f7d28e17f72";
        assert!(matches!(
            judge(&url(None, None), &resp(204, b"")),
            UrlVerdict::Pass
        ));
        assert!(matches!(
            judge(&url(None, None), &resp(503, b"")),
            UrlVerdict::Neither(503)
        ));
        assert!(matches!(
            judge(&url(None, Some(503)), &resp(503, b"")),
            UrlVerdict::Pass
        ));
        assert!(matches!(
            judge(&url(None, Some(200)), &resp(503, b"")),
            UrlVerdict::Fail("HTTP status code error to")
        ));
        // A matching digest passes whatever the status when status_code is unset.
        assert!(matches!(
            judge(&url(Some(md5_abc), None), &resp(500, b"abc")),
            UrlVerdict::Pass
        ));
        assert!(matches!(
            judge(&url(Some(md5_abc), None), &resp(200, b"abd")),
            UrlVerdict::Fail("MD5 digest error to")
        ));
        // strcmp: an uppercase digest never matches.
        assert!(matches!(
            judge(
                &url(Some(&md5_abc.to_uppercase()), None),
                &resp(200, b"abc")
            ),
            UrlVerdict::Fail(_)
        ));
    }
}
