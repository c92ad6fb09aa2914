//! `DNS_CHECK` (1.3.5 `keepalived/check/check_dns.c`): one query over a connected UDP socket,
//! one reply. The whole exchange (send, then waiting for the reply) is bounded by one
//! `connect_timeout`, as 1.3.5 carries the remaining time from step to step.
//!
//! Lines are 1.3.5's `dns_log_message` lines: `DNS_CHECK ([ip]:port) <what>.`, naming the real
//! server (not the connect address).

use std::io;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use thiserror::Error;
use tokio::net::UdpSocket;
use tokio::time::{timeout_at, Instant};

use crate::{fmt_pair, ConnectSpec, DnsSpec, ProbeResult};

/// 1.3.5's `DNS_BUFFER_SIZE`: a longer reply is truncated, its header still read.
const BUFFER_SIZE: usize = 768;
/// The fixed DNS header (RFC 1035 4.1.1).
const HEADER_LEN: usize = 12;
/// Flags of the query: only RD (recursion desired), as 1.3.5 sends.
const FLAG_RD: u16 = 0x0100;
/// The QR bit of a reply.
const FLAG_QR: u16 = 0x8000;
/// QCLASS IN.
const CLASS_IN: u16 = 1;

/// Why a `DNS_CHECK` `name` cannot be put on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsNameError {
    /// Two dots in a row (or a leading dot) make an empty label inside the name.
    #[error("'{0}' has an empty label")]
    EmptyLabel(String),
    /// A label is longer than 63 bytes (RFC 1035 2.3.4).
    #[error("'{0}' has a label longer than 63 bytes")]
    LongLabel(String),
    /// The encoded name is longer than 255 bytes (RFC 1035 2.3.4).
    #[error("'{0}' is longer than 255 bytes")]
    LongName(String),
}

/// `name` as a QNAME: length-prefixed labels ending with the root's zero byte. `.` (1.3.5's
/// default) and the empty name are the root alone; one trailing dot is allowed.
///
/// 1.3.5 writes a name with a trailing dot (`example.com.`) without the final zero byte, and
/// empty or over-long labels as they come: queries no server parses. Such names are refused
/// here instead (the daemon says so at start).
pub fn encode_name(name: &str) -> Result<Vec<u8>, DnsNameError> {
    let mut out = Vec::with_capacity(name.len() + 2);
    let relative = name.strip_suffix('.').unwrap_or(name);
    if !relative.is_empty() {
        for label in relative.split('.') {
            if label.is_empty() {
                return Err(DnsNameError::EmptyLabel(name.to_string()));
            }
            let len = u8::try_from(label.len())
                .ok()
                .filter(|l| *l <= 63)
                .ok_or_else(|| DnsNameError::LongLabel(name.to_string()))?;
            out.push(len);
            out.extend_from_slice(label.as_bytes());
        }
    }
    out.push(0);
    if out.len() > 255 {
        return Err(DnsNameError::LongName(name.to_string()));
    }
    Ok(out)
}

/// The query datagram: header (`id`, RD, one question), QNAME, `qtype`, class IN.
pub fn encode_query(id: u16, qtype: u16, name: &str) -> Result<Vec<u8>, DnsNameError> {
    let qname = encode_name(name)?;
    let mut q = Vec::with_capacity(HEADER_LEN + qname.len() + 4);
    for field in [id, FLAG_RD, 1, 0, 0, 0] {
        q.extend_from_slice(&field.to_be_bytes());
    }
    q.extend_from_slice(&qname);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(q)
}

/// A query id nobody on the path can guess (1.3.5 uses `random()`).
fn query_id() -> u16 {
    let mut b = [0u8; 2];
    // The raw system call, not glibc's getrandom(): the RPM's binary must link against glibc
    // 2.17 (CentOS 7), which predates that wrapper; EL7's 3.10 kernel answers ENOSYS and the
    // fallback below is used.
    // SAFETY: SYS_getrandom writes at most `b.len()` bytes into `b`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_getrandom,
            b.as_mut_ptr(),
            b.len(),
            libc::GRND_NONBLOCK,
        )
    };
    if n == 2 {
        return u16::from_ne_bytes(b);
    }
    // No getrandom, or no entropy yet (early boot): std's per-process random hash keys will do.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u16
}

/// The C library's text for an error, as 1.3.5 prints it with `strerror`.
fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Why the socket could not be set up; 1.3.5 words the two cases apart.
enum Setup {
    Socket,
    Bind,
}

/// 1.3.5's `socket` + `socket_bind_connect` for a UDP socket (connect only fixes the peer).
fn setup(conn: &ConnectSpec) -> Result<UdpSocket, Setup> {
    let sock = Socket::new(
        Domain::for_address(conn.dst),
        Type::DGRAM.nonblocking().cloexec(),
        Some(Protocol::UDP),
    )
    .map_err(|_| Setup::Socket)?;
    bind_connect(&sock, conn).map_err(|_| Setup::Bind)?;
    UdpSocket::from_std(std::net::UdpSocket::from(sock)).map_err(|_| Setup::Socket)
}

fn bind_connect(sock: &Socket, conn: &ConnectSpec) -> io::Result<()> {
    if let Some(mark) = conn.fwmark {
        sock.set_mark(mark)?;
    }
    if let Some(bind) = conn.bind {
        sock.bind(&SockAddr::from(bind))?;
    }
    sock.connect(&SockAddr::from(conn.dst))
}

pub(crate) async fn run(spec: &DnsSpec) -> ProbeResult {
    let prefix = format!("DNS_CHECK ({})", fmt_pair(&spec.real_server));
    let down = |what: String| ProbeResult::Down {
        detail: format!("{prefix} {what}"),
    };
    let deadline = Instant::now() + spec.conn.timeout;
    let id = query_id();
    let query = match encode_query(id, spec.qtype, &spec.name) {
        Ok(q) => q,
        Err(e) => {
            return ProbeResult::Inconclusive {
                detail: format!("{prefix} name {e}."),
            }
        }
    };
    // A socket that cannot be set up (or no route: connect fails at once) is no verdict;
    // 1.3.5 logs this line and tries again a delay_loop later.
    let sock = match setup(&spec.conn) {
        Ok(s) => s,
        Err(why) => {
            let what = match why {
                Setup::Socket => "failed to create socket. Rescheduling.",
                Setup::Bind => "UDP socket bind failed. Rescheduling.",
            };
            return ProbeResult::Inconclusive {
                detail: format!("{prefix} {what}"),
            };
        }
    };
    match timeout_at(deadline, sock.send(&query)).await {
        Err(_) => return down("write timeout to socket.".into()),
        Ok(Err(_)) => return down("failed to write socket.".into()),
        Ok(Ok(n)) if n != query.len() => {
            return down("failed to write all of the datagram.".into())
        }
        Ok(Ok(_)) => {}
    }
    let mut buf = [0u8; BUFFER_SIZE];
    loop {
        let n = match timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return down("read timeout from socket.".into()),
            // E.g. ECONNREFUSED from an ICMP port unreachable: a failure, as in 1.3.5.
            Ok(Err(e)) => return down(format!("failed to read socket. {}.", strerror(&e))),
            Ok(Ok(n)) => n,
        };
        // Not a DNS message, another query's reply, or a query: keep waiting, as 1.3.5
        // does (it only needs 8 bytes; a reply shorter than the header is none).
        if n < HEADER_LEN || buf[..2] != query[..2] {
            continue;
        }
        let flags = u16::from_be_bytes([buf[2], buf[3]]);
        if flags & FLAG_QR == 0 {
            continue;
        }
        let rcode = flags & 0x000f;
        if rcode != 0 {
            // 1.3.5's spelling.
            return down(format!("error occurread. (rcode = {rcode})"));
        }
        return ProbeResult::Up { weight: None };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_length_prefixed_labels_ending_at_the_root() {
        assert_eq!(encode_name(".").unwrap(), [0]);
        assert_eq!(encode_name("").unwrap(), [0]);
        assert_eq!(
            encode_name("www.example.com").unwrap(),
            b"\x03www\x07example\x03com\x00"
        );
        assert_eq!(
            encode_name("example.com.").unwrap(),
            b"\x07example\x03com\x00"
        );
        assert!(matches!(
            encode_name("a..b"),
            Err(DnsNameError::EmptyLabel(_))
        ));
        assert!(matches!(
            encode_name(".a"),
            Err(DnsNameError::EmptyLabel(_))
        ));
        assert!(encode_name(&"a".repeat(63)).is_ok());
        assert!(matches!(
            encode_name(&"a".repeat(64)),
            Err(DnsNameError::LongLabel(_))
        ));
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(matches!(encode_name(&long), Err(DnsNameError::LongName(_))));
    }

    #[test]
    fn the_query_is_one_question_with_rd() {
        let q = encode_query(0xbeef, 6, ".").unwrap();
        assert_eq!(
            q,
            [0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1]
        );
    }

    #[test]
    fn query_ids_vary() {
        let ids: std::collections::HashSet<u16> = (0..64).map(|_| query_id()).collect();
        assert!(ids.len() > 32, "{ids:?}");
    }

    #[test]
    fn strerror_drops_the_os_error_suffix() {
        let e = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(strerror(&e), "Connection refused");
    }
}
