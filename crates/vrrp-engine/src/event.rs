//! Typed events: what the engine reports, for logging and for any other consumer (notify,
//! SMTP, SNMP, metrics). `Display` gives keepalived 1.3.5's exact log wording; the text is
//! only built when someone formats the event (the daemon checks the level first).

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crate::engine::RejectReason;
use crate::log::LogLevel;

/// The state a sync group's members are being moved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupTarget {
    /// MASTER.
    Master,
    /// BACKUP.
    Backup,
    /// FAULT.
    Fault,
}

/// How an AH sequence counter was re-synchronised (see [`Event::AhSeqSync`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AhSync {
    /// To the peer's number + 1 (MASTER hearing a lower priority).
    Increment,
    /// To the peer's number − 1 (MASTER hearing a higher priority).
    Decrement,
    /// To the peer's number + 1 (on the way to MASTER).
    OnTransition,
}

/// Something the engine reports. Instance events carry the instance name (shared, not
/// copied) and the values of the line; nothing is formatted until displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `VRRP_Instance(X) Entering MASTER STATE`.
    EnteringMaster {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Entering BACKUP STATE` (`X):` when leaving FAULT).
    EnteringBackup {
        /// Instance name.
        name: Arc<str>,
        /// keepalived's colon variant (leaving FAULT).
        colon: bool,
    },
    /// `VRRP_Instance(X) Entering FAULT STATE`.
    EnteringFault {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Now in FAULT state` (a BACKUP going to FAULT).
    NowInFault {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Transition to MASTER STATE` (`X):` when leaving FAULT).
    TransitionToMaster {
        /// Instance name.
        name: Arc<str>,
        /// keepalived's colon variant (leaving FAULT).
        colon: bool,
    },
    /// `VRRP_Instance(X) sent 0 priority`.
    SentZeroPriority {
        /// Instance name.
        name: Arc<str>,
    },
    /// Detail: `VRRP_Instance(X) setting protocol VIPs.`
    SettingVips {
        /// Instance name.
        name: Arc<str>,
    },
    /// Detail: `VRRP_Instance(X) setting protocol E-VIPs.`
    SettingEvips {
        /// Instance name.
        name: Arc<str>,
    },
    /// Detail: `VRRP_Instance(X) removing protocol VIPs.`
    RemovingVips {
        /// Instance name.
        name: Arc<str>,
    },
    /// Detail: `VRRP_Instance(X) Sending/queueing gratuitous ARPs on DEV for ADDR` (IPv6:
    /// `Unsolicited Neighbour Adverts`).
    GarpQueued {
        /// Instance name.
        name: Arc<str>,
        /// Interface the address is on.
        dev: String,
        /// The address.
        addr: IpAddr,
    },
    /// `VRRP_Instance(X) Changing effective priority from A to B`.
    PriorityChanged {
        /// Instance name.
        name: Arc<str>,
        /// Previous effective priority.
        from: u8,
        /// New effective priority.
        to: u8,
    },
    /// A received packet failed keepalived's checks: the check's own line.
    Rejected {
        /// Instance name.
        name: Arc<str>,
        /// Why.
        reason: RejectReason,
    },
    /// The same line during a flood, with the number of lines not logged since the last.
    RejectedRepeat {
        /// Instance name.
        name: Arc<str>,
        /// Why.
        reason: RejectReason,
        /// Similar lines not logged.
        suppressed: u64,
    },
    /// `bogus VRRP packet received on IFACE !!!` (after a KO rejection).
    BogusPacket {
        /// Receiving interface.
        interface: Arc<str>,
    },
    /// `Sync instance needed on IFACE !!!` (after a DROP rejection).
    SyncInstanceNeeded {
        /// Receiving interface.
        interface: Arc<str>,
    },
    /// `VRRP_Instance(X) N adverts dropped in S s: …` (end of a flood of rejections).
    RejectSummary {
        /// Instance name.
        name: Arc<str>,
        /// The summary, as the rate limiter words it.
        summary: String,
    },
    /// `VRRP_Instance(X) ignoring received advertisment...` (BACKUP, bogus packet).
    IgnoringAdvert {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Dropping received VRRP packet...`.
    DroppingPacket {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) advertisement interval updated to N milli-sec` (v3 BACKUP).
    AdvertIntervalUpdated {
        /// Instance name.
        name: Arc<str>,
        /// The master's interval in milliseconds.
        millis: u128,
    },
    /// `VRRP_Instance(X) reset preempt delay`.
    PreemptDelayReset {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) start preempt delay(S)`.
    PreemptDelayStarted {
        /// Instance name.
        name: Arc<str>,
        /// The delay in whole seconds.
        secs: u64,
    },
    /// `VRRP_Instance(X) forcing a new MASTER election` (BACKUP heard a lower priority).
    ForcingElection {
        /// Instance name.
        name: Arc<str>,
    },
    /// Two address owners: the local priority is lowered to 254.
    OwnerConflict {
        /// Instance name.
        name: Arc<str>,
    },
    /// An advert with our priority and our own address.
    EqualPriorityOwnAddress {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Received advert with lower priority P, ours Q, forcing new election`.
    LowerPriorityHeard {
        /// Instance name.
        name: Arc<str>,
        /// Received priority.
        priority: u8,
        /// Ours.
        ours: u8,
    },
    /// AH sequence counter re-synchronised from a peer's advert:
    /// `VRRP_Instance(X) IPSEC-AH : Syncing seq_num - Increment seq` (a MASTER hearing a lower
    /// priority), `… - Decrement seq` (hearing a higher one), `VRRP_Instance(X) IPSEC-AH :
    /// seq_num sync` (an advert heard on the way to MASTER).
    AhSeqSync {
        /// Instance name.
        name: Arc<str>,
        /// Which of the three lines.
        how: AhSync,
    },
    /// `VRRP_Instance(X) in FAULT state jump to AH sync`: with AH, leaving FAULT goes to
    /// BACKUP (to learn the master's sequence number) rather than straight to MASTER.
    AhFaultSync {
        /// Instance name.
        name: Arc<str>,
    },
    /// `VRRP_Instance(X) Received advert with higher priority P, ours Q`.
    HigherPriorityHeard {
        /// Instance name.
        name: Arc<str>,
        /// Received priority.
        priority: u8,
        /// Ours.
        ours: u8,
    },
    /// Reload removed an address: `ip address A/P dev D, no longer exist`.
    AddressRemoved {
        /// The address.
        addr: IpAddr,
        /// Prefix length.
        prefix_len: u8,
        /// Interface.
        dev: String,
    },
    /// `Kernel is reporting: interface IFACE UP|DOWN` (for each instance tracking it).
    LinkChanged {
        /// Interface name.
        interface: String,
        /// Usable now.
        up: bool,
    },
    /// `VRRP_Script(S) succeeded`.
    ScriptSucceeded {
        /// Script name.
        script: String,
    },
    /// `VRRP_Script(S) failed`.
    ScriptFailed {
        /// Script name.
        script: String,
    },
    /// `VRRP_Script(S) considered successful on reload`.
    ScriptKeptOnReload {
        /// Script name.
        script: String,
    },
    /// `VRRP_Group(G) Syncing instances to MASTER|BACKUP|FAULT state`.
    GroupSyncing {
        /// Group name.
        group: String,
        /// Target state.
        to: GroupTarget,
    },
}

impl Event {
    /// The level keepalived logs this line at.
    pub fn level(&self) -> LogLevel {
        match self {
            Event::SettingVips { .. }
            | Event::SettingEvips { .. }
            | Event::RemovingVips { .. }
            | Event::GarpQueued { .. } => LogLevel::Detail,
            _ => LogLevel::Info,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Event::*;
        let sep = |colon: bool| if colon { ":" } else { "" };
        match self {
            EnteringMaster { name } => write!(f, "VRRP_Instance({name}) Entering MASTER STATE"),
            EnteringBackup { name, colon } => write!(
                f,
                "VRRP_Instance({name}){} Entering BACKUP STATE",
                sep(*colon)
            ),
            EnteringFault { name } => write!(f, "VRRP_Instance({name}) Entering FAULT STATE"),
            NowInFault { name } => write!(f, "VRRP_Instance({name}) Now in FAULT state"),
            TransitionToMaster { name, colon } => write!(
                f,
                "VRRP_Instance({name}){} Transition to MASTER STATE",
                sep(*colon)
            ),
            SentZeroPriority { name } => write!(f, "VRRP_Instance({name}) sent 0 priority"),
            SettingVips { name } => write!(f, "VRRP_Instance({name}) setting protocol VIPs."),
            SettingEvips { name } => write!(f, "VRRP_Instance({name}) setting protocol E-VIPs."),
            RemovingVips { name } => write!(f, "VRRP_Instance({name}) removing protocol VIPs."),
            GarpQueued { name, dev, addr } => {
                let what = if addr.is_ipv4() {
                    "gratuitous ARPs"
                } else {
                    "Unsolicited Neighbour Adverts"
                };
                write!(
                    f,
                    "VRRP_Instance({name}) Sending/queueing {what} on {dev} for {addr}"
                )
            }
            PriorityChanged { name, from, to } => write!(
                f,
                "VRRP_Instance({name}) Changing effective priority from {from} to {to}"
            ),
            Rejected { name, reason } => f.write_str(&reason.log_text(name)),
            RejectedRepeat {
                name,
                reason,
                suppressed,
            } => write!(
                f,
                "{} ({suppressed} similar not logged)",
                reason.log_text(name)
            ),
            BogusPacket { interface } => {
                write!(f, "bogus VRRP packet received on {interface} !!!")
            }
            SyncInstanceNeeded { interface } => {
                write!(f, "Sync instance needed on {interface} !!!")
            }
            RejectSummary { name, summary } => write!(f, "VRRP_Instance({name}) {summary}"),
            IgnoringAdvert { name } => {
                write!(f, "VRRP_Instance({name}) ignoring received advertisment...")
            }
            DroppingPacket { name } => {
                write!(f, "VRRP_Instance({name}) Dropping received VRRP packet...")
            }
            AdvertIntervalUpdated { name, millis } => write!(
                f,
                "VRRP_Instance({name}) advertisement interval updated to {millis} milli-sec"
            ),
            PreemptDelayReset { name } => write!(f, "VRRP_Instance({name}) reset preempt delay"),
            PreemptDelayStarted { name, secs } => {
                write!(f, "VRRP_Instance({name}) start preempt delay({secs})")
            }
            ForcingElection { name } => {
                write!(f, "VRRP_Instance({name}) forcing a new MASTER election")
            }
            OwnerConflict { name } => write!(
                f,
                "({name}): CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority"
            ),
            EqualPriorityOwnAddress { name } => write!(
                f,
                "({name}): WARNING - equal priority advert received from remote host with our IP address."
            ),
            LowerPriorityHeard {
                name,
                priority,
                ours,
            } => write!(
                f,
                "VRRP_Instance({name}) Received advert with lower priority {priority}, ours {ours}, forcing new election"
            ),
            AhSeqSync { name, how } => match how {
                AhSync::Increment => write!(
                    f,
                    "VRRP_Instance({name}) IPSEC-AH : Syncing seq_num - Increment seq"
                ),
                AhSync::Decrement => write!(
                    f,
                    "VRRP_Instance({name}) IPSEC-AH : Syncing seq_num - Decrement seq"
                ),
                AhSync::OnTransition => write!(f, "VRRP_Instance({name}) IPSEC-AH : seq_num sync"),
            },
            AhFaultSync { name } => {
                write!(f, "VRRP_Instance({name}) in FAULT state jump to AH sync")
            }
            HigherPriorityHeard {
                name,
                priority,
                ours,
            } => write!(
                f,
                "VRRP_Instance({name}) Received advert with higher priority {priority}, ours {ours}"
            ),
            AddressRemoved {
                addr,
                prefix_len,
                dev,
            } => write!(f, "ip address {addr}/{prefix_len} dev {dev}, no longer exist"),
            LinkChanged { interface, up } => write!(
                f,
                "Kernel is reporting: interface {interface} {}",
                if *up { "UP" } else { "DOWN" }
            ),
            ScriptSucceeded { script } => write!(f, "VRRP_Script({script}) succeeded"),
            ScriptFailed { script } => write!(f, "VRRP_Script({script}) failed"),
            ScriptKeptOnReload { script } => {
                write!(f, "VRRP_Script({script}) considered successful on reload")
            }
            GroupSyncing { group, to } => {
                let s = match to {
                    GroupTarget::Master => "MASTER",
                    GroupTarget::Backup => "BACKUP",
                    GroupTarget::Fault => "FAULT",
                };
                write!(f, "VRRP_Group({group}) Syncing instances to {s} state")
            }
        }
    }
}
