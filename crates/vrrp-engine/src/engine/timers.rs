//! VRRP timer arithmetic (RFC 3768 §6.1, RFC 5798 §6.1) with keepalived 1.3.5's rounding.

use std::time::Duration;

use crate::config::Version;

/// Skew_Time. keepalived 1.3.5 computes it from the *base* priority; in v2 it ignores
/// `advert_int` (always `(256 − prio)/256` s), in v3 it scales with the configured
/// interval: `(256 − prio) × (adver_int/10 ms) × 625/16` µs.
pub fn skew_time(version: Version, base_priority: u8, advert_int: Duration) -> Duration {
    let p = 256 - u64::from(base_priority);
    match version {
        Version::V2 => Duration::from_micros(p * 1_000_000 / 256),
        Version::V3 => {
            let centis = advert_int.as_micros() as u64 / 10_000;
            Duration::from_micros(p * centis * 625 / 16)
        }
    }
}

/// Master_Down_Interval = 3 × advert interval + skew.
pub fn master_down_interval(
    version: Version,
    base_priority: u8,
    advert_int: Duration,
    master_advert_int: Duration,
) -> Duration {
    master_advert_int * 3 + skew_time(version, base_priority, advert_int)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_skew_ignores_interval() {
        // RFC 3768 §6.1 Skew_Time = (256 − Priority)/256 s.
        let a = skew_time(Version::V2, 100, Duration::from_secs(1));
        let b = skew_time(Version::V2, 100, Duration::from_secs(5));
        assert_eq!(a, Duration::from_micros(609_375));
        assert_eq!(a, b);
    }

    #[test]
    fn v3_skew_scales() {
        // RFC 5798 §6.1: ((256 − Priority) × Master_Adver_Interval)/256.
        let s = skew_time(Version::V3, 100, Duration::from_secs(1));
        assert_eq!(s, Duration::from_micros(609_375));
        let s = skew_time(Version::V3, 100, Duration::from_millis(500));
        assert_eq!(s, Duration::from_micros(304_687));
    }

    #[test]
    fn master_down() {
        let d = master_down_interval(
            Version::V2,
            90,
            Duration::from_secs(1),
            Duration::from_secs(1),
        );
        assert_eq!(d, Duration::from_micros(3_648_437));
    }
}
