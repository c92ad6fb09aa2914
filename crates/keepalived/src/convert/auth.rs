//! VRRP authentication (`authentication { auth_type PASS|AH auth_pass … }`).

use keepalived_conf as conf;
use vrrp_engine::{Auth, Family, LogLine, Version};

use super::info;

/// The authentication instance `name` uses: none for VRRPv3, an empty password or AH over
/// IPv6 (logged), else the first 8 bytes of the password.
pub(super) fn convert_auth(
    name: &str,
    auth: Option<&conf::Authentication>,
    version: Version,
    family: Family,
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
    // keepalived's AH is IPv4 only (its header sits between the IPv4 header and VRRP).
    if matches!(auth, Auth::Ah(_)) && family == Family::V6 {
        info(
            msgs,
            format!("({name}): Cannot use AH authentication with VRRPv2 and IPv6 - ignoring"),
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
            convert_auth("VI_1", None, Version::V2, Family::V4, &mut msgs),
            Auth::None
        );
        assert_eq!(
            convert_auth(
                "VI_1",
                Some(&pass("1111")),
                Version::V2,
                Family::V4,
                &mut msgs
            ),
            Auth::Pass(*b"1111\0\0\0\0")
        );
        let ah = conf::Authentication::Ah("secret".into());
        assert_eq!(
            convert_auth("VI_1", Some(&ah), Version::V2, Family::V4, &mut msgs),
            Auth::Ah(*b"secret\0\0")
        );
        assert!(msgs.is_empty());
        assert_eq!(
            convert_auth(
                "VI_1",
                Some(&pass("0123456789")),
                Version::V2,
                Family::V4,
                &mut msgs
            ),
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
        let auth = convert_auth(
            "VI_1",
            Some(&pass("0123456789")),
            Version::V3,
            Family::V4,
            &mut msgs,
        );
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
    fn ah_over_ipv6_is_ignored_as_in_135() {
        let mut msgs = Vec::new();
        let ah = conf::Authentication::Ah("secret".into());
        assert_eq!(
            convert_auth("VI_6", Some(&ah), Version::V2, Family::V6, &mut msgs),
            Auth::None
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_6): Cannot use AH authentication with VRRPv2 and IPv6 - ignoring"]
        );
        // PASS over IPv6 stays (VRRPv2/IPv6 carries no auth data, as in keepalived).
        let mut msgs = Vec::new();
        assert_eq!(
            convert_auth(
                "VI_6",
                Some(&pass("1111")),
                Version::V2,
                Family::V6,
                &mut msgs
            ),
            Auth::Pass(*b"1111\0\0\0\0")
        );
        assert!(msgs.is_empty());
    }

    #[test]
    fn an_empty_password_means_no_authentication() {
        let mut msgs = Vec::new();
        assert_eq!(
            convert_auth("VI_1", Some(&pass("")), Version::V2, Family::V4, &mut msgs),
            Auth::None
        );
        assert_eq!(
            texts(&msgs),
            ["(VI_1): Authentication specified but no password given. Ignoring"]
        );
    }
}
