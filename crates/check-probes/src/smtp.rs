//! `SMTP_CHECK` (1.3.5 `keepalived/check/check_smtp.c`): per host, connect, `220` banner,
//! `HELO name`, `250`, `QUIT`, one more line. Failure lines are `SMTP_CHECK ...` and name the
//! host (its connect address), not the real server.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::conn::{connect, Connect};
use crate::{fmt_pair, ConnectSpec, ProbeResult, SmtpSpec};

/// 1.3.5's line buffer (`SMTP_BUFF_MAX`): a reply line must end within it.
const BUFF_MAX: usize = 512;

/// Connect, banner, HELO write, HELO reply, QUIT write, QUIT reply.
pub(crate) fn host_deadline(host: &ConnectSpec) -> Duration {
    host.timeout * 6
}

/// How a host failed: a 1.3.5 message (without the "SMTP_CHECK " prefix and the host).
enum Fail {
    Down(&'static str),
    Setup,
}

/// Read one reply "line" as 1.3.5 does: fresh buffer, read until it holds a newline.
async fn get_line(s: &mut TcpStream, t: Duration) -> Result<Vec<u8>, Fail> {
    let mut buf = vec![0u8; BUFF_MAX];
    let mut len = 0;
    loop {
        let r = match tokio::time::timeout(t, s.read(&mut buf[len..])).await {
            Err(_) => return Err(Fail::Down("Read timeout from server")),
            Ok(r) => r,
        };
        match r {
            Ok(n) if n > 0 => len += n,
            _ => return Err(Fail::Down("Read failure from server")),
        }
        if buf[..len].contains(&b'\n') {
            buf.truncate(len);
            return Ok(buf);
        }
        if len == BUFF_MAX {
            // 1.3.5's next read asks for 0 bytes, gets 0 and calls it a read failure.
            return Err(Fail::Down("Read failure from server"));
        }
    }
}

async fn put_line(s: &mut TcpStream, t: Duration, line: &str) -> Result<(), Fail> {
    let mut bytes = line.as_bytes();
    // 1.3.5 truncates to its buffer (the terminating NUL takes one byte).
    if bytes.len() > BUFF_MAX - 1 {
        bytes = &bytes[..BUFF_MAX - 1];
    }
    match tokio::time::timeout(t, s.write_all(bytes)).await {
        Err(_) => Err(Fail::Down("Write timeout to server")),
        Ok(Err(_)) => Err(Fail::Down("Write failure to server")),
        Ok(Ok(())) => Ok(()),
    }
}

/// 1.3.5's `smtp_get_status`: three leading digits, else none.
fn status(line: &[u8]) -> Option<u16> {
    match line {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            Some(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => None,
    }
}

async fn check_host(host: &ConnectSpec, helo: &str) -> Result<(), Fail> {
    let t = host.timeout;
    let mut s = match connect(host).await {
        Connect::Connected(s) => s,
        Connect::Setup(_) => return Err(Fail::Setup),
        Connect::Timeout => return Err(Fail::Down("Connection timeout to server")),
        Connect::Failed(_) => return Err(Fail::Down("Error connecting to server")),
    };
    if status(&get_line(&mut s, t).await?) != Some(220) {
        return Err(Fail::Down("Bad greeting banner from server"));
    }
    put_line(&mut s, t, &format!("HELO {helo}\r\n")).await?;
    if status(&get_line(&mut s, t).await?) != Some(250) {
        return Err(Fail::Down("Bad HELO response from server"));
    }
    put_line(&mut s, t, "QUIT\r\n").await?;
    get_line(&mut s, t).await?;
    Ok(())
}

pub(crate) async fn run(spec: &SmtpSpec) -> ProbeResult {
    for host in &spec.hosts {
        let r = match tokio::time::timeout(host_deadline(host), check_host(host, &spec.helo_name))
            .await
        {
            Ok(r) => r,
            // Unreachable in practice (each step is bounded); kept as the deadline's backstop.
            Err(_) => Err(Fail::Down("Read timeout from server")),
        };
        match r {
            Ok(()) => {}
            Err(Fail::Setup) => {
                return ProbeResult::Inconclusive {
                    detail: "SMTP_CHECK socket bind failed. Rescheduling.".to_string(),
                }
            }
            Err(Fail::Down(msg)) => {
                return ProbeResult::Down {
                    detail: format!("SMTP_CHECK {msg} {}", fmt_pair(&host.dst)),
                }
            }
        }
    }
    ProbeResult::Up { weight: None }
}

#[cfg(test)]
mod tests {
    use super::status;

    #[test]
    fn status_needs_three_digits() {
        assert_eq!(status(b"220 mail ESMTP\r\n"), Some(220));
        assert_eq!(status(b"250-hello\r\n"), Some(250));
        assert_eq!(status(b"22 short\r\n"), None);
        assert_eq!(status(b"\r\n"), None);
    }
}
