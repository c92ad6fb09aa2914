//! Link up/down watching over a multicast (RTNLGRP_LINK) netlink connection.

use std::collections::HashMap;
use std::future::Future;

use futures::{StreamExt, TryStreamExt};
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::MulticastGroup;
use tokio::sync::mpsc;

use crate::handle::LinkInfo;
use crate::NetlinkError;

/// Link up/down events from one multicast netlink connection, de-duplicated on (up) changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The link appeared or its up state (IFF_UP && IFF_RUNNING) changed.
    Changed {
        /// Interface index.
        index: u32,
        /// Interface name.
        name: String,
        /// New state.
        up: bool,
    },
    /// The link was deleted.
    Removed {
        /// Interface index.
        index: u32,
        /// Last known name.
        name: String,
    },
}

/// Opens the monitor connection. The returned future first dumps the current links (so only
/// real changes are reported), then forwards de-duplicated events until the receiver is
/// dropped or the connection ends; spawn it.
pub fn watch_links() -> Result<
    (
        impl Future<Output = ()> + Send + 'static,
        mpsc::UnboundedReceiver<LinkEvent>,
    ),
    NetlinkError,
> {
    // Binding the group mask works on every kernel (no NETLINK_LISTEN_ALL_NSID etc.).
    let (conn, handle, mut messages) =
        rtnetlink::new_multicast_connection(&[MulticastGroup::Link])?;
    let (tx, rx) = mpsc::unbounded_channel();
    let work = async move {
        let mut tracker = LinkTracker::default();
        // Subscribed before the dump, so no change between dump and first event is lost.
        match dump_links(&handle).await {
            Ok(links) => links.iter().for_each(|m| tracker.seed(m)),
            Err(e) => log::warn!("initial link dump failed: {e}"),
        }
        while let Some((NetlinkMessage { payload, .. }, _)) = messages.next().await {
            let events = match payload {
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(m)) => {
                    tracker.new_link(&m)
                }
                NetlinkPayload::InnerMessage(RouteNetlinkMessage::DelLink(m)) => {
                    tracker.del_link(&m).into_iter().collect()
                }
                // The socket buffer overflowed and events were lost: compare a fresh dump
                // with what we knew and report the differences.
                NetlinkPayload::Overrun(_) => {
                    log::warn!("netlink link events lost (buffer overrun), resynchronising");
                    match dump_links(&handle).await {
                        Ok(links) => tracker.resync(&links),
                        Err(e) => {
                            log::warn!("link resync dump failed: {e}");
                            Vec::new()
                        }
                    }
                }
                _ => Vec::new(),
            };
            for ev in events {
                if tx.send(ev).is_err() {
                    return; // nobody listens any more
                }
            }
        }
    };
    let fut = async move {
        futures::pin_mut!(conn);
        futures::pin_mut!(work);
        futures::future::select(conn, work).await;
    };
    Ok((fut, rx))
}

async fn dump_links(handle: &rtnetlink::Handle) -> Result<Vec<LinkMessage>, NetlinkError> {
    Ok(handle.link().get().execute().try_collect().await?)
}

/// Last known (name, up) per link index; turns raw RTM_NEWLINK/DELLINK into events.
#[derive(Debug, Default)]
pub(crate) struct LinkTracker {
    links: HashMap<u32, (String, bool)>,
}

impl LinkTracker {
    /// Records a link from the initial dump without reporting it.
    pub(crate) fn seed(&mut self, m: &LinkMessage) {
        if let Some(info) = Self::info(m) {
            self.links.insert(info.index, (info.name, info.up));
        }
    }

    /// Events for an RTM_NEWLINK: `Changed` if the up state changed or the link is new; a
    /// rename is reported as the old name `Removed` and the new one `Changed`, so whoever
    /// watches by name sees the interface go and come.
    pub(crate) fn new_link(&mut self, m: &LinkMessage) -> Vec<LinkEvent> {
        let Some(info) = Self::info(m) else {
            return Vec::new();
        };
        let mut events = Vec::new();
        let changed = match self.links.get(&info.index) {
            Some((name, _)) if *name != info.name => {
                events.push(LinkEvent::Removed {
                    index: info.index,
                    name: name.clone(),
                });
                true
            }
            Some((_, up)) => *up != info.up,
            None => true,
        };
        self.links.insert(info.index, (info.name.clone(), info.up));
        if changed {
            events.push(LinkEvent::Changed {
                index: info.index,
                name: info.name,
                up: info.up,
            });
        }
        events
    }

    /// Events that turn the known state into a full dump's state (after lost messages).
    pub(crate) fn resync(&mut self, dump: &[LinkMessage]) -> Vec<LinkEvent> {
        let mut events = Vec::new();
        let mut present = std::collections::HashSet::new();
        for m in dump {
            if let Some(info) = Self::info(m) {
                present.insert(info.index);
                events.extend(self.new_link(m));
            }
        }
        let mut gone: Vec<u32> = self
            .links
            .keys()
            .copied()
            .filter(|i| !present.contains(i))
            .collect();
        gone.sort_unstable();
        for index in gone {
            if let Some((name, _)) = self.links.remove(&index) {
                events.push(LinkEvent::Removed { index, name });
            }
        }
        events
    }

    /// Event for an RTM_DELLINK of a known link.
    pub(crate) fn del_link(&mut self, m: &LinkMessage) -> Option<LinkEvent> {
        if m.header.interface_family != AddressFamily::Unspec {
            return None;
        }
        let (name, _) = self.links.remove(&m.header.index)?;
        Some(LinkEvent::Removed {
            index: m.header.index,
            name,
        })
    }

    /// Only AF_UNSPEC messages describe the device itself; AF_BRIDGE ones are bridge-port
    /// notifications (a DELLINK there means "left the bridge", not "deleted").
    fn info(m: &LinkMessage) -> Option<LinkInfo> {
        if m.header.interface_family != AddressFamily::Unspec {
            return None;
        }
        LinkInfo::from_message(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_route::link::{LinkAttribute, LinkFlags};

    fn msg(index: u32, name: &str, flags: LinkFlags) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.header.flags = flags;
        m.attributes.push(LinkAttribute::IfName(name.into()));
        m
    }

    #[test]
    fn dedups_on_up_running() {
        let mut t = LinkTracker::default();
        let up = LinkFlags::Up | LinkFlags::Running;
        t.seed(&msg(3, "eth0", up));
        assert_eq!(t.new_link(&msg(3, "eth0", up)), vec![]);
        let down = t.new_link(&msg(3, "eth0", LinkFlags::empty()));
        assert_eq!(
            down,
            vec![LinkEvent::Changed {
                index: 3,
                name: "eth0".into(),
                up: false
            }]
        );
        // admin up without carrier is still "down" for keepalived
        assert_eq!(t.new_link(&msg(3, "eth0", LinkFlags::Up)), vec![]);
        assert_eq!(
            t.new_link(&msg(3, "eth0", up)),
            vec![LinkEvent::Changed {
                index: 3,
                name: "eth0".into(),
                up: true
            }]
        );
        assert_eq!(t.new_link(&msg(3, "eth0", up)), vec![]);
    }

    #[test]
    fn new_and_removed_links() {
        let mut t = LinkTracker::default();
        assert_eq!(
            t.new_link(&msg(9, "veth9", LinkFlags::empty())),
            vec![LinkEvent::Changed {
                index: 9,
                name: "veth9".into(),
                up: false
            }]
        );
        assert_eq!(
            t.del_link(&msg(9, "veth9", LinkFlags::empty())),
            Some(LinkEvent::Removed {
                index: 9,
                name: "veth9".into()
            })
        );
        assert_eq!(t.del_link(&msg(9, "veth9", LinkFlags::empty())), None);
    }

    #[test]
    fn resync_reports_only_differences() {
        let mut t = LinkTracker::default();
        let up = LinkFlags::Up | LinkFlags::Running;
        t.seed(&msg(1, "lo", up));
        t.seed(&msg(2, "eth0", up));
        t.seed(&msg(3, "eth1", up));
        let dump = [
            msg(1, "lo", up),
            msg(2, "eth0", LinkFlags::Up),
            msg(5, "eth5", up),
        ];
        assert_eq!(
            t.resync(&dump),
            vec![
                LinkEvent::Changed {
                    index: 2,
                    name: "eth0".into(),
                    up: false
                },
                LinkEvent::Changed {
                    index: 5,
                    name: "eth5".into(),
                    up: true
                },
                LinkEvent::Removed {
                    index: 3,
                    name: "eth1".into()
                },
            ]
        );
        assert_eq!(t.resync(&dump), vec![]);
    }

    #[test]
    fn ignores_bridge_family_messages() {
        let mut t = LinkTracker::default();
        t.seed(&msg(4, "eth1", LinkFlags::Up | LinkFlags::Running));
        let mut m = msg(4, "eth1", LinkFlags::empty());
        m.header.interface_family = AddressFamily::Bridge;
        assert_eq!(t.new_link(&m), vec![]);
        assert_eq!(t.del_link(&m), None);
    }

    #[test]
    fn rename_is_removal_and_appearance() {
        let mut t = LinkTracker::default();
        t.seed(&msg(7, "eth7", LinkFlags::empty()));
        assert_eq!(
            t.new_link(&msg(7, "enp11s0f0", LinkFlags::empty())),
            vec![
                LinkEvent::Removed {
                    index: 7,
                    name: "eth7".into()
                },
                LinkEvent::Changed {
                    index: 7,
                    name: "enp11s0f0".into(),
                    up: false
                },
            ]
        );
        assert_eq!(t.new_link(&msg(7, "enp11s0f0", LinkFlags::empty())), vec![]);
    }
}
