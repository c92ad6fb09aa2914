//! Virtual address specification and the RTM_NEWADDR / RTM_DELADDR messages built from it.

use std::net::IpAddr;

use netlink_packet_route::address::{
    AddressAttribute, AddressHeaderFlags, AddressMessage, AddressScope,
};
use netlink_packet_route::AddressFamily;

use crate::NetlinkError;

/// An address with keepalived's semantics: IFA_BROADCAST only when configured, label, scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    /// Interface index the address lives on.
    pub ifindex: u32,
    /// The address itself.
    pub addr: IpAddr,
    /// Prefix length (keepalived's default is /32 or /128 when none is given).
    pub prefix_len: u8,
    /// Broadcast address; only IPv4, only sent when configured (`brd`).
    pub broadcast: Option<IpAddr>,
    /// RT_SCOPE_*: 0 universe, 200 site, 253 link, 254 host.
    pub scope: u8,
    /// IFA_LABEL (`label eth0:1`); IPv4 only, the kernel requires it to start with the ifname.
    pub label: Option<String>,
}

impl AddressSpec {
    /// The RTM_NEWADDR message keepalived would send for this address.
    pub(crate) fn add_message(&self) -> Result<AddressMessage, NetlinkError> {
        let mut msg = self.base_message()?;
        if let Some(brd) = self.broadcast {
            match brd {
                IpAddr::V4(b) if self.addr.is_ipv4() => {
                    msg.attributes.push(AddressAttribute::Broadcast(b))
                }
                _ => {
                    return Err(NetlinkError::InvalidSpec(format!(
                        "broadcast {brd} is not valid for address {}",
                        self.addr
                    )))
                }
            }
        }
        if let Some(label) = &self.label {
            // IFA_LABEL exists only for IPv4; keepalived ignores it for IPv6 too.
            if self.addr.is_ipv4() {
                msg.attributes.push(AddressAttribute::Label(label.clone()));
            }
        }
        if self.addr.is_ipv6() {
            // VIPs must be usable at once (no DAD); the header flag, not IFA_FLAGS, because
            // kernel 3.10 does not know IFA_FLAGS.
            msg.header.flags = AddressHeaderFlags::Nodad;
        }
        Ok(msg)
    }

    /// The RTM_DELADDR message for this address (address, prefix, scope; no brd/label).
    pub(crate) fn del_message(&self) -> Result<AddressMessage, NetlinkError> {
        self.base_message()
    }

    fn base_message(&self) -> Result<AddressMessage, NetlinkError> {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix_len > max {
            return Err(NetlinkError::InvalidSpec(format!(
                "prefix length {} too long for {}",
                self.prefix_len, self.addr
            )));
        }
        let mut msg = AddressMessage::default();
        msg.header.family = match self.addr {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        };
        msg.header.prefix_len = self.prefix_len;
        msg.header.index = self.ifindex;
        msg.header.scope = AddressScope::from(self.scope);
        msg.attributes.push(AddressAttribute::Local(self.addr));
        msg.attributes.push(AddressAttribute::Address(self.addr));
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v4(brd: Option<IpAddr>, label: Option<&str>) -> AddressSpec {
        AddressSpec {
            ifindex: 7,
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 100)),
            prefix_len: 24,
            broadcast: brd,
            scope: 253,
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn no_broadcast_unless_configured() {
        let m = v4(None, None).add_message().unwrap();
        assert!(!m
            .attributes
            .iter()
            .any(|a| matches!(a, AddressAttribute::Broadcast(_))));
        assert_eq!(m.header.index, 7);
        assert_eq!(m.header.prefix_len, 24);
        assert_eq!(m.header.scope, AddressScope::Link);
        assert_eq!(m.header.family, AddressFamily::Inet);
    }

    #[test]
    fn broadcast_and_label_when_configured() {
        let brd = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 255));
        let m = v4(Some(brd), Some("eth0:1")).add_message().unwrap();
        assert!(m
            .attributes
            .contains(&AddressAttribute::Broadcast(Ipv4Addr::new(10, 0, 0, 255))));
        assert!(m
            .attributes
            .contains(&AddressAttribute::Label("eth0:1".into())));
        // deletion does not carry them
        let d = v4(Some(brd), Some("eth0:1")).del_message().unwrap();
        assert_eq!(d.attributes.len(), 2);
    }

    #[test]
    fn ipv6_is_nodad_and_rejects_v4_broadcast_mix() {
        let mut s = v4(None, Some("eth0:1"));
        s.addr = IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1));
        s.prefix_len = 64;
        let m = s.add_message().unwrap();
        assert_eq!(m.header.flags, AddressHeaderFlags::Nodad);
        assert_eq!(m.header.family, AddressFamily::Inet6);
        assert!(!m
            .attributes
            .iter()
            .any(|a| matches!(a, AddressAttribute::Label(_))));
        s.broadcast = Some(IpAddr::V4(Ipv4Addr::BROADCAST));
        assert!(matches!(s.add_message(), Err(NetlinkError::InvalidSpec(_))));
    }

    #[test]
    fn rejects_long_prefix() {
        let mut s = v4(None, None);
        s.prefix_len = 33;
        assert!(s.add_message().is_err());
        assert!(s.del_message().is_err());
    }
}
