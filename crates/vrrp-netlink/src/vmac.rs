//! keepalived's VMAC interfaces (`use_vmac`): a macvlan in private mode carrying the VRRP
//! virtual MAC 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID), created, configured and
//! deleted over rtnetlink in the order of keepalived 1.3.5 (`vrrp_vmac.c`): create, (IPv6)
//! address generation off, up. The sysctls in between are the daemon's business.

use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, InfoData, InfoKind, InfoMacVlan, LinkAttribute,
    LinkInfo as NlLinkInfo, LinkMessage, MacVlanMode,
};
use rtnetlink::{LinkMacVlan, LinkMessageBuilder, LinkUnspec};

use crate::{Netlink, NetlinkError};

/// The VRRP virtual MAC of a VRID: 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6
/// (RFC 3768 §7.3, RFC 5798 §7.3).
pub fn vmac_mac(vrid: u8, ipv6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if ipv6 { 0x02 } else { 0x01 }, vrid]
}

/// Whether the link message describes a macvlan in private mode (keepalived's test for "this
/// interface is a VMAC").
pub(crate) fn is_private_macvlan(m: &LinkMessage) -> bool {
    let Some(infos) = m.attributes.iter().find_map(|a| match a {
        LinkAttribute::LinkInfo(i) => Some(i),
        _ => None,
    }) else {
        return false;
    };
    let macvlan = infos
        .iter()
        .any(|i| matches!(i, NlLinkInfo::Kind(InfoKind::MacVlan)));
    let private = infos.iter().any(|i| match i {
        NlLinkInfo::Data(InfoData::MacVlan(d)) => d
            .iter()
            .any(|x| matches!(x, InfoMacVlan::Mode(MacVlanMode::Private))),
        _ => false,
    });
    macvlan && private
}

impl Netlink {
    /// Creates the macvlan `name` (private mode) on interface `base` with hardware address
    /// `mac`, down; returns its index. An existing name is an error (NLM_F_EXCL), as in
    /// keepalived.
    pub async fn create_vmac(
        &self,
        name: &str,
        base: u32,
        mac: [u8; 6],
    ) -> Result<u32, NetlinkError> {
        let msg = LinkMessageBuilder::<LinkMacVlan>::new(name)
            .link(base)
            .mode(MacVlanMode::Private)
            .address(mac.to_vec())
            .build();
        self.handle
            .link()
            .add(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)?;
        match self.link_by_name(name).await? {
            Some(l) => Ok(l.index),
            None => Err(NetlinkError::Request(format!(
                "{name} was created but is not listed"
            ))),
        }
    }

    /// Turns IPv6 address generation off on a link (no link-local address from its MAC, RFC
    /// 5798 §7.4). A message of its own: in the create message the kernel refuses it.
    pub async fn set_addr_gen_none(&self, index: u32) -> Result<(), NetlinkError> {
        let msg = LinkMessageBuilder::<LinkUnspec>::new()
            .index(index)
            .append_extra_attribute(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
                vec![AfSpecInet6::AddrGenMode(In6AddrGenMode::None)],
            )]))
            .build();
        self.handle
            .link()
            .set(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
    }

    /// Sets a link administratively up.
    pub async fn set_link_up(&self, index: u32) -> Result<(), NetlinkError> {
        let msg = LinkMessageBuilder::<LinkUnspec>::new()
            .index(index)
            .up()
            .build();
        self.handle
            .link()
            .set(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
    }

    /// Deletes a link; one already gone is Ok(false), deleted = Ok(true).
    pub async fn delete_link(&self, index: u32) -> Result<bool, NetlinkError> {
        match self
            .handle
            .link()
            .del(index)
            .execute()
            .await
            .map_err(NetlinkError::from)
        {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(ENODEV) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// "No such device": the link to delete is already gone.
const ENODEV: i32 = 19;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_mac_per_family() {
        assert_eq!(vmac_mac(51, false), [0, 0, 0x5e, 0, 1, 0x33]);
        assert_eq!(vmac_mac(255, true), [0, 0, 0x5e, 0, 2, 0xff]);
    }

    #[test]
    fn private_macvlan_is_recognised() {
        let private = LinkMessageBuilder::<LinkMacVlan>::new("vrrp.51")
            .link(2)
            .mode(MacVlanMode::Private)
            .build();
        assert!(is_private_macvlan(&private));
        let bridge = LinkMessageBuilder::<LinkMacVlan>::new("mv0")
            .link(2)
            .mode(MacVlanMode::Bridge)
            .build();
        assert!(!is_private_macvlan(&bridge));
        let plain = LinkMessageBuilder::<LinkUnspec>::new().index(3).build();
        assert!(!is_private_macvlan(&plain));
        let info = crate::LinkInfo::from_message(&private).unwrap();
        assert_eq!(info.vmac_base, Some(2));
    }
}
