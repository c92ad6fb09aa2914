//! VRRP authentication (`auth_type PASS|AH`).

use vrrp_engine::LogLine;

use super::info;

/// PASS/AH key: first 8 bytes, zero-padded (keepalived truncates with a log line).
pub(super) fn pad8(name: &str, pass: &str, msgs: &mut Vec<LogLine>) -> [u8; 8] {
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
