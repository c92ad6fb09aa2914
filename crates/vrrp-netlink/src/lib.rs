//! rtnetlink adapter for the keepalived-compatible daemon: the only code in the project that
//! talks rtnetlink.
//!
//! It adds and removes virtual addresses with keepalived's message shape (IFA_BROADCAST only
//! when `brd` is configured, IFA_LABEL, scope, IFA_F_NODAD for IPv6), routes and rules as
//! keepalived 1.3.5 sends them, lists links and addresses, watches link up/down events and
//! creates/deletes keepalived's VMAC interfaces (macvlan, private mode). Everything sticks to
//! netlink features that
//! kernel 3.10 (CentOS 7) understands: no strict checking, no extended ACKs, no IFA_FLAGS.

#![forbid(unsafe_code)]

mod address;
mod error;
mod handle;
mod route;
mod rule;
mod scope;
mod vmac;
mod watch;

pub use address::AddressSpec;
pub use error::NetlinkError;
pub use handle::{LinkInfo, Netlink};
pub use route::{Metric, NextHopSpec, RouteSpec};
pub use rule::{RuleActionSpec, RuleSpec};
pub use scope::parse_scope;
pub use vmac::vmac_mac;
pub use watch::{watch_links, LinkEvent};
