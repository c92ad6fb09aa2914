//! VRRP authentication (`authentication { auth_type PASS|AH auth_pass … }`).

use keepalived_conf as conf;
use vrrp_engine::{Auth, LogLine, Version};

use super::info;

/// The authentication instance `name` uses: none for VRRPv3 or an empty password (logged),
/// else the first 8 bytes of the password.
pub(super) fn convert_auth(
    name: &str,
    auth: Option<&conf::Authentication>,
    version: Version,
    msgs: &mut Vec<LogLine>,
) -> Auth {
    let auth = match auth {
        None => Auth::None,
        Some(conf::Authentication::Pass(p)) => Auth::Pass(pad8(name, p, msgs)),
        Some(conf::Authentication::Ah(p)) => Auth::Ah(pad8(name, p, msgs)),
    };
    if version == Version::V3 && auth != Auth::None {
        info(
            msgs,
            format!("({name}): VRRP version 3 does not support authentication. Ignoring."),
        );
        return Auth::None;
    }
    if matches!(auth, Auth::Pass(k) | Auth::Ah(k) if k[0] == 0) {
        info(
            msgs,
            format!("({name}): Authentication specified but no password given. Ignoring"),
        );
        return Auth::None;
    }
    auth
}

/// PASS/AH key: first 8 bytes, zero-padded (keepalived truncates with a log line).
fn pad8(name: &str, pass: &str, msgs: &mut Vec<LogLine>) -> [u8; 8] {
    let b = pass.as_bytes();
    if b.len() > 8 {
        info(
            msgs,
            format!("({name}): Truncating auth_pass to 8 characters"),
        );
    }
    let mut k = [0u8; 8];
    let n = b.len().min(8);
    k[..n].copy_from_slice(&b[..n]);
    k
}
