//! Per-instance counters, named as keepalived's `/tmp/keepalived.stats` fields.

use super::validate::RejectReason;

/// Counters of one instance (keepalived's `vrrp_stats`), plus a few of our own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceStats {
    /// Packets addressed to this instance (its VRID on its interface), valid or not.
    pub advert_rcvd: u64,
    /// Adverts sent (each unicast copy counts).
    pub advert_sent: u64,
    /// Times the instance entered MASTER.
    pub become_master: u64,
    /// Times the instance left MASTER.
    pub release_master: u64,
    /// Length errors (too short, IP total length, expected length).
    pub packet_len_err: u64,
    /// v2 advertisement interval mismatches.
    pub advert_interval_err: u64,
    /// TTL / hop limit not 255.
    pub ip_ttl_err: u64,
    /// VRRP type not 1.
    pub invalid_type_rcvd: u64,
    /// Address count or address list mismatch.
    pub addr_list_err: u64,
    /// Unknown auth type.
    pub invalid_authtype: u64,
    /// Auth type differs from ours.
    pub authtype_mismatch: u64,
    /// Wrong password; AH SPI, ICV or sequence number.
    pub auth_failure: u64,
    /// Priority-0 adverts received.
    pub pri_zero_rcvd: u64,
    /// Priority-0 adverts sent.
    pub pri_zero_sent: u64,
    /// Wrong VRRP version (keepalived has no counter for it).
    pub version_err: u64,
    /// Bad checksum (keepalived has no counter for it).
    pub checksum_err: u64,
    /// `vrrp_check_unicast_src` rejections.
    pub unicast_src_err: u64,
    /// v3 adverts whose checksum verified with the RFC 5798 pseudo-header.
    pub v3_checksum_pseudo: u64,
    /// v3 adverts whose checksum verified only in the plain ("v2-style") form.
    pub v3_checksum_plain: u64,
}

impl InstanceStats {
    /// All counters zero.
    pub const ZERO: InstanceStats = InstanceStats {
        advert_rcvd: 0,
        advert_sent: 0,
        become_master: 0,
        release_master: 0,
        packet_len_err: 0,
        advert_interval_err: 0,
        ip_ttl_err: 0,
        invalid_type_rcvd: 0,
        addr_list_err: 0,
        invalid_authtype: 0,
        authtype_mismatch: 0,
        auth_failure: 0,
        pri_zero_rcvd: 0,
        pri_zero_sent: 0,
        version_err: 0,
        checksum_err: 0,
        unicast_src_err: 0,
        v3_checksum_pseudo: 0,
        v3_checksum_plain: 0,
    };

    /// Counts one rejection under keepalived's counter for it.
    pub(crate) fn count_reject(&mut self, r: &RejectReason) {
        use RejectReason::*;
        let c = match r {
            HeaderTooShort { .. } | IpTotalLen { .. } | Length { .. } => &mut self.packet_len_err,
            Ttl { .. } => &mut self.ip_ttl_err,
            Version { .. } => &mut self.version_err,
            Type { .. } => &mut self.invalid_type_rcvd,
            AuthTypeInvalid { .. } => &mut self.invalid_authtype,
            AuthTypeMismatch { .. } => &mut self.authtype_mismatch,
            AuthFailure | AhFailure | AhSpi { .. } | AhSequence { .. } => &mut self.auth_failure,
            AddrCount { .. } | VipMissing { .. } => &mut self.addr_list_err,
            AdvertInterval { .. } => &mut self.advert_interval_err,
            Checksum { .. } => &mut self.checksum_err,
            UnicastSource { .. } => &mut self.unicast_src_err,
        };
        *c += 1;
    }
}
