//! The non-blocking connect every socket checker shares (1.3.5's `socket_bind_connect` and
//! `socket_state`, `keepalived/core/layer4.c`).

use std::io;
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::ConnectSpec;

/// How a connect attempt ended; each checker words these its own way.
#[derive(Debug)]
pub(crate) enum Connect {
    /// Established.
    Connected(TcpStream),
    /// The socket could not be set up (socket, fwmark, bind) or `connect()` failed at once
    /// (e.g. no route): 1.3.5's `connect_error` from `socket_bind_connect`, which its checkers
    /// log as "... socket bind failed. Rescheduling." without counting a failure.
    Setup(io::Error),
    /// The connection attempt failed (SO_ERROR: refused, unreachable reported by ICMP...).
    Failed(io::Error),
    /// No answer within the timeout.
    Timeout,
}

fn setup(conn: &ConnectSpec) -> io::Result<Socket> {
    let sock = Socket::new(
        Domain::for_address(conn.dst),
        Type::STREAM.nonblocking().cloexec(),
        Some(Protocol::TCP),
    )?;
    // 1.3.5 closes probe sockets with an RST (SO_LINGER 0): no TIME_WAIT left per check.
    sock.set_linger(Some(Duration::ZERO))?;
    if let Some(mark) = conn.fwmark {
        sock.set_mark(mark)?;
    }
    if let Some(bind) = conn.bind {
        sock.bind(&SockAddr::from(bind))?;
    }
    match sock.connect(&SockAddr::from(conn.dst)) {
        Ok(()) => Ok(sock),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(sock),
        Err(e) => Err(e),
    }
}

/// Connect as 1.3.5 does, within `conn.timeout`.
pub(crate) async fn connect(conn: &ConnectSpec) -> Connect {
    let deadline = Instant::now() + conn.timeout;
    let sock = match setup(conn) {
        Ok(s) => s,
        Err(e) => return Connect::Setup(e),
    };
    let stream = match TcpStream::from_std(std::net::TcpStream::from(sock)) {
        Ok(s) => s,
        Err(e) => return Connect::Setup(e),
    };
    loop {
        match timeout_at(deadline, stream.writable()).await {
            Err(_) => return Connect::Timeout,
            Ok(Err(e)) => return Connect::Failed(e),
            Ok(Ok(())) => {}
        }
        // Writable means the connect finished (SO_ERROR says how) unless the wake-up was
        // spurious: then the socket is still not connected and we wait again.
        let outcome = stream.try_io(Interest::WRITABLE, || {
            if let Some(e) = stream.take_error()? {
                return Ok(Err(e));
            }
            match stream.peer_addr() {
                Ok(_) => Ok(Ok(())),
                Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
                    Err(io::ErrorKind::WouldBlock.into())
                }
                Err(e) => Ok(Err(e)),
            }
        });
        match outcome {
            Ok(Ok(())) => return Connect::Connected(stream),
            Ok(Err(e)) => return Connect::Failed(e),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Connect::Failed(e),
        }
    }
}
