//! The request connection: link/address dumps and VIP add/delete.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};

use futures::TryStreamExt;
use netlink_packet_route::address::{AddressAttribute, AddressHeaderFlags, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};

use crate::{AddressSpec, NetlinkError, RouteSpec, RuleSpec};

/// One network interface as the daemon needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkInfo {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub name: String,
    /// IFF_UP && IFF_RUNNING: administratively up and carrier present.
    pub up: bool,
    /// Hardware address when the link has a 6-byte (Ethernet) one.
    pub mac: Option<[u8; 6]>,
    /// For a macvlan in private mode (what keepalived creates for `use_vmac`): the index of
    /// the interface it sits on.
    pub vmac_base: Option<u32>,
}

impl LinkInfo {
    /// Reads a kernel link message; None when it carries no name.
    pub(crate) fn from_message(m: &LinkMessage) -> Option<LinkInfo> {
        let mut name = None;
        let mut mac = None;
        let mut lower = None;
        for attr in &m.attributes {
            match attr {
                LinkAttribute::IfName(n) => name = Some(n.clone()),
                LinkAttribute::Address(a) => mac = <[u8; 6]>::try_from(a.as_slice()).ok(),
                LinkAttribute::Link(i) => lower = Some(*i),
                _ => {}
            }
        }
        Some(LinkInfo {
            index: m.header.index,
            name: name?,
            up: link_is_up(m.header.flags),
            mac,
            vmac_base: lower.filter(|_| crate::vmac::is_private_macvlan(m)),
        })
    }
}

/// keepalived's notion of "interface up": IFF_UP and IFF_RUNNING.
pub(crate) fn link_is_up(flags: LinkFlags) -> bool {
    flags.contains(LinkFlags::Up) && flags.contains(LinkFlags::Running)
}

/// Request handle on one rtnetlink connection (cheap clone).
#[derive(Clone)]
pub struct Netlink {
    pub(crate) handle: rtnetlink::Handle,
}

impl Netlink {
    /// Opens the request connection; the returned future must be spawned (tokio::spawn / spawn_local).
    pub fn connect() -> Result<(Netlink, impl Future<Output = ()> + Send + 'static), NetlinkError> {
        // Plain connection: no NETLINK_GET_STRICT_CHK / EXT_ACK, which kernel 3.10 lacks.
        let (conn, handle, _unsolicited) = rtnetlink::new_connection()?;
        Ok((Netlink { handle }, conn))
    }

    /// All links of the namespace.
    pub async fn links(&self) -> Result<Vec<LinkInfo>, NetlinkError> {
        let mut stream = self.handle.link().get().execute();
        let mut out = Vec::new();
        while let Some(m) = stream.try_next().await? {
            if let Some(info) = LinkInfo::from_message(&m) {
                out.push(info);
            }
        }
        Ok(out)
    }

    /// The link with this name, if it exists.
    pub async fn link_by_name(&self, name: &str) -> Result<Option<LinkInfo>, NetlinkError> {
        // A full dump filtered here: a by-name RTM_GETLINK answers a missing name with an
        // error whose errno differs between kernels.
        Ok(self.links().await?.into_iter().find(|l| l.name == name))
    }

    /// Addresses as (ifindex, address, prefix length), of one interface or of all.
    pub async fn addresses(
        &self,
        ifindex: Option<u32>,
    ) -> Result<Vec<(u32, IpAddr, u8)>, NetlinkError> {
        Ok(self
            .address_messages(ifindex)
            .await?
            .iter()
            .filter_map(|m| address_of(m).map(|a| (m.header.index, a, m.header.prefix_len)))
            .collect())
    }

    /// Primary (first non-secondary) IPv4 address of the interface.
    pub async fn primary_ipv4(&self, ifindex: u32) -> Result<Option<Ipv4Addr>, NetlinkError> {
        Ok(self
            .address_messages(Some(ifindex))
            .await?
            .iter()
            .filter(|m| !m.header.flags.contains(AddressHeaderFlags::Secondary))
            .find_map(|m| match address_of(m) {
                Some(IpAddr::V4(a)) => Some(a),
                _ => None,
            }))
    }

    /// Add; an already-present address is Ok(false), added = Ok(true).
    pub async fn add_address(&self, a: &AddressSpec) -> Result<bool, NetlinkError> {
        let msg = a.add_message()?;
        let mut req = self.handle.address().add(a.ifindex, a.addr, a.prefix_len);
        *req.message_mut() = msg;
        match req.execute().await.map_err(NetlinkError::from) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Delete; a missing address is Ok(false), deleted = Ok(true).
    pub async fn del_address(&self, a: &AddressSpec) -> Result<bool, NetlinkError> {
        let msg = a.del_message()?;
        match self
            .handle
            .address()
            .del(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
        {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(EADDRNOTAVAIL) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Add a route; one already there (same kernel key) is Ok(false), added = Ok(true).
    pub async fn add_route(&self, r: &RouteSpec) -> Result<bool, NetlinkError> {
        let msg = r.add_message()?;
        match self
            .handle
            .route()
            .add(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
        {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Delete a route; a missing one is Ok(false), deleted = Ok(true).
    pub async fn del_route(&self, r: &RouteSpec) -> Result<bool, NetlinkError> {
        let msg = r.del_message()?;
        match self
            .handle
            .route()
            .del(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
        {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(ESRCH) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Add a rule; EEXIST (kernels that check duplicates) is Ok(false), added = Ok(true).
    /// Kernels before 4.13 ignore NLM_F_EXCL for rules and add a duplicate instead.
    pub async fn add_rule(&self, r: &RuleSpec) -> Result<bool, NetlinkError> {
        let msg = r.message()?;
        let mut req = self.handle.rule().add();
        *req.message_mut() = msg;
        match req.execute().await.map_err(NetlinkError::from) {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(EEXIST) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Delete one rule matching `r`; none left is Ok(false), deleted = Ok(true).
    pub async fn del_rule(&self, r: &RuleSpec) -> Result<bool, NetlinkError> {
        let msg = r.message()?;
        match self
            .handle
            .rule()
            .del(msg)
            .execute()
            .await
            .map_err(NetlinkError::from)
        {
            Ok(()) => Ok(true),
            Err(e) if e.errno() == Some(ENOENT) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn address_messages(
        &self,
        ifindex: Option<u32>,
    ) -> Result<Vec<AddressMessage>, NetlinkError> {
        let mut req = self.handle.address().get();
        if let Some(i) = ifindex {
            req = req.set_link_index_filter(i);
        }
        let mut stream = req.execute();
        let mut out = Vec::new();
        while let Some(m) = stream.try_next().await? {
            out.push(m);
        }
        Ok(out)
    }
}

/// Linux errno values the kernel uses for "already there" / "not there".
const ENOENT: i32 = 2;
const ESRCH: i32 = 3;
const EEXIST: i32 = 17;
const EADDRNOTAVAIL: i32 = 99;

/// The interface's own address of a message: IFA_LOCAL when present (point-to-point
/// links put the peer in IFA_ADDRESS), else IFA_ADDRESS.
fn address_of(m: &AddressMessage) -> Option<IpAddr> {
    let local = m.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(ip) => Some(*ip),
        _ => None,
    });
    local.or_else(|| {
        m.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(ip) => Some(*ip),
            _ => None,
        })
    })
}
