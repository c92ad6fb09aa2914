//! `TCP_CHECK` (1.3.5 `keepalived/check/check_tcp.c`): connect, then close.

use crate::conn::{connect, Connect};
use crate::{fmt_pair, ProbeResult, TcpSpec};

pub(crate) async fn run(spec: &TcpSpec) -> ProbeResult {
    // Formatted only for a failure: this runs a thousand times a second.
    let rs = || fmt_pair(&spec.real_server);
    match connect(&spec.conn).await {
        // Dropping the stream closes it (with RST: SO_LINGER 0).
        Connect::Connected(_stream) => ProbeResult::Up { weight: None },
        Connect::Timeout => ProbeResult::Down {
            detail: format!("TCP connection to {} timeout.", rs()),
        },
        Connect::Failed(_) => ProbeResult::Down {
            detail: format!("TCP connection to {} failed.", rs()),
        },
        Connect::Setup(_) => ProbeResult::Inconclusive {
            detail: "TCP socket bind failed. Rescheduling.".to_string(),
        },
    }
}
