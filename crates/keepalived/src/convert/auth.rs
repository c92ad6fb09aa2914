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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::test_util::texts;

    fn pass(p: &str) -> conf::Authentication {
        conf::Authentication::Pass(p.into())
    }

    #[test]
    fn keys_are_zero_padded_or_truncated_to_8_bytes() {
        let mut msgs = Vec::new();
        assert_eq!(
            convert_auth("VI_1", None, Version::V2, &mut msgs),
            Auth::None
        );
        assert_eq!(
            convert_auth("VI_1", Some(&pass("1111")), Version::V2, &mut msgs),
            Auth::Pass(*b"1111\0\0\0\0")
        );
        let ah = conf::Authentication::Ah("secret".into());
        assert_eq!(
            convert_auth("VI_1", Some(&ah), Version::V2, &mut msgs),
            Auth::Ah(*b"secret\0\0")
        );
        assert!(msgs.is_empty());
        assert_eq!(
            convert_auth("VI_1", Some(&pass("0123456789")), Version::V2, &mut msgs),
            Auth::Pass(*b"01234567")
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Truncating auth_pass to 8 characters"]
        );
    }

    #[test]
    fn vrrp_v3_has_no_authentication() {
        let mut msgs = Vec::new();
        let auth = convert_auth("VI_1", Some(&pass("0123456789")), Version::V3, &mut msgs);
        assert_eq!(auth, Auth::None);
        assert_eq!(
            texts(&msgs),
            [
                "(VI_1): Truncating auth_pass to 8 characters",
                "(VI_1): VRRP version 3 does not support authentication. Ignoring."
            ]
        );
    }

    #[test]
    fn an_empty_password_means_no_authentication() {
        let mut msgs = Vec::new();
        assert_eq!(
            convert_auth("VI_1", Some(&pass("")), Version::V2, &mut msgs),
            Auth::None
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Authentication specified but no password given. Ignoring"]
        );
    }
}
