//! `scope` keyword values of virtual_ipaddress entries.

/// Parses an address scope as keepalived / iproute2 accept it: a name from the
/// rt_scopes table (`global`, `site`, `link`, `host`, `nowhere`) or a number 0–255.
pub fn parse_scope(s: &str) -> Option<u8> {
    match s {
        "global" => Some(0),
        "site" => Some(200),
        "link" => Some(253),
        "host" => Some(254),
        "nowhere" => Some(255),
        _ => parse_number(s),
    }
}

/// Decimal or 0x-prefixed hexadecimal, as strtoul with base 0 reads it for iproute2 tables.
fn parse_number(s: &str) -> Option<u8> {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u8::from_str_radix(hex, 16).ok()
    } else {
        s.parse::<u8>().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::parse_scope;

    #[test]
    fn names() {
        assert_eq!(parse_scope("global"), Some(0));
        assert_eq!(parse_scope("site"), Some(200));
        assert_eq!(parse_scope("link"), Some(253));
        assert_eq!(parse_scope("host"), Some(254));
        assert_eq!(parse_scope("nowhere"), Some(255));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_scope("0"), Some(0));
        assert_eq!(parse_scope("253"), Some(253));
        assert_eq!(parse_scope("0xfe"), Some(254));
        assert_eq!(parse_scope("255"), Some(255));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_scope(""), None);
        assert_eq!(parse_scope("256"), None);
        assert_eq!(parse_scope("-1"), None);
        assert_eq!(parse_scope("Global"), None);
        assert_eq!(parse_scope("linkx"), None);
    }
}
