//! The parser's keyword table: every keyword accepted in every block, where it comes from
//! (keepalived 1.3.5 or 2.x) and what keepalived-rs does with it.
//!
//! The parser looks a keyword up here before handling it: a keyword missing from [`KEYWORDS`]
//! is reported as unknown, so nothing is accepted without a classification. A keyword that is
//! not (or only partly) applied gets one warning, at its first use in the file, carrying the
//! reason; `-t` prints it and the daemon logs it at start and reload. The keyword table of
//! `docs/compatibility.md` is [`markdown_table`]'s output (a test compares them).

use std::fmt::Write as _;
use std::sync::OnceLock;

use crate::fxhash::FxHashMap;

/// The block a keyword is valid in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Block {
    /// Top level of the file.
    Root,
    /// `global_defs { … }`.
    GlobalDefs,
    /// `vrrp_instance NAME { … }`.
    VrrpInstance,
    /// `authentication { … }` inside an instance.
    Authentication,
    /// `vrrp_script NAME { … }`.
    VrrpScript,
    /// `vrrp_sync_group NAME { … }`.
    VrrpSyncGroup,
    /// `garp_group { … }`.
    GarpGroup,
    /// Root `SSL { … }`.
    Ssl,
    /// `virtual_server … { … }`.
    VirtualServer,
    /// `real_server IP PORT { … }` inside a virtual_server.
    RealServer,
    /// `HTTP_GET { … }` / `SSL_GET { … }` inside a real_server.
    HttpGet,
    /// `url { … }` inside HTTP_GET / SSL_GET.
    Url,
    /// `TCP_CHECK { … }` inside a real_server.
    TcpCheck,
    /// `SMTP_CHECK { … }` inside a real_server.
    SmtpCheck,
    /// `host { … }` inside SMTP_CHECK.
    SmtpHost,
    /// `MISC_CHECK { … }` inside a real_server.
    MiscCheck,
    /// `DNS_CHECK { … }` inside a real_server.
    DnsCheck,
}

impl Block {
    /// The block's keyword as written in the file (`top level` for [`Block::Root`]).
    pub fn name(self) -> &'static str {
        match self {
            Block::Root => "top level",
            Block::GlobalDefs => "global_defs",
            Block::VrrpInstance => "vrrp_instance",
            Block::Authentication => "authentication",
            Block::VrrpScript => "vrrp_script",
            Block::VrrpSyncGroup => "vrrp_sync_group",
            Block::GarpGroup => "garp_group",
            Block::Ssl => "SSL",
            Block::VirtualServer => "virtual_server",
            Block::RealServer => "real_server",
            Block::HttpGet => "HTTP_GET/SSL_GET",
            Block::Url => "url",
            Block::TcpCheck => "TCP_CHECK",
            Block::SmtpCheck => "SMTP_CHECK",
            Block::SmtpHost => "host",
            Block::MiscCheck => "MISC_CHECK",
            Block::DnsCheck => "DNS_CHECK",
        }
    }
}

/// Which keepalived reads the keyword in that block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// keepalived 1.3.5 (the version our users run).
    V135,
    /// Only later keepalived (1.3.5 reports it as unknown).
    V2,
}

/// What keepalived-rs does with a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Applied as keepalived does (differences are in docs/compatibility.md).
    Applied,
    /// Partly applied; the reason says which part is missing.
    Partial(&'static str),
    /// Accepted, no effect; the reason says why.
    NotApplied(&'static str),
    /// Parsed into the typed AST and checked, but not applied by the daemon yet; the reason
    /// says what is missing. Warned once per file and reason (not once per keyword), at the
    /// first such keyword, so a whole LVS section gives one warning.
    Pending(&'static str),
}

impl Effect {
    /// The warning the parser gives at the keyword's first use, if it is not fully applied.
    pub fn warning(self, keyword: &str) -> Option<String> {
        match self {
            Effect::Applied => None,
            Effect::Partial(why) => Some(format!(
                "'{keyword}' is only partly applied by this implementation: {why}"
            )),
            Effect::NotApplied(why) => Some(format!(
                "'{keyword}' has no effect in this implementation: {why}"
            )),
            Effect::Pending(why) => Some(format!(
                "'{keyword}' is parsed and checked but not applied by this implementation yet: {why}"
            )),
        }
    }
}

/// One accepted keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyword {
    /// Where it is valid.
    pub block: Block,
    /// The keyword.
    pub name: &'static str,
    /// Which keepalived reads it.
    pub origin: Origin,
    /// What we do with it.
    pub effect: Effect,
}

const SNMP_CHECKER: &str = "the checker MIB belongs to the LVS/health-checker side (issue 13)";
/// The classification of the LVS/health-checker keywords the checker process applies
/// (`crates/keepalived/src/checker`); the exceptions below name what is missing.
pub const LVS: Effect = Applied;
const V2X: &str = "a keepalived 2.x keyword (1.3.5 rejects it) that is not implemented; \
                   its block, if any, is skipped";

use Block::*;
use Effect::*;
use Origin::*;

const fn kw(block: Block, name: &'static str, origin: Origin, effect: Effect) -> Keyword {
    Keyword {
        block,
        name,
        origin,
        effect,
    }
}

/// Every keyword the parser accepts, by block.
pub const KEYWORDS: &[Keyword] = &[
    // Top level.
    kw(Root, "global_defs", V135, Applied),
    kw(Root, "vrrp_instance", V135, Applied),
    kw(Root, "vrrp_script", V135, Applied),
    kw(Root, "vrrp_sync_group", V135, Applied),
    kw(Root, "garp_group", V135, Applied),
    kw(Root, "static_ipaddress", V135, Applied),
    kw(Root, "static_routes", V135, Applied),
    kw(Root, "static_rules", V135, Applied),
    kw(Root, "net_namespace", V135, Applied),
    kw(Root, "instance", V135, Applied),
    kw(Root, "use_pid_dir", V135, Applied),
    kw(
        Root,
        "linkbeat_use_polling",
        V135,
        NotApplied(
            "link state always comes from netlink link events (IFF_UP/IFF_RUNNING), which every \
             current driver reports; 1.3.5's MII/ethtool polling only helped drivers that never \
             signal carrier changes",
        ),
    ),
    kw(Root, "namespace_with_ipsets", V135, Applied),
    kw(Root, "virtual_server", V135, LVS),
    kw(Root, "virtual_server_group", V135, LVS),
    kw(Root, "SSL", V135, LVS),
    kw(Root, "bfd_instance", V2, NotApplied(V2X)),
    kw(Root, "track_file", V2, NotApplied(V2X)),
    kw(Root, "vrrp_track_file", V2, NotApplied(V2X)),
    kw(Root, "vrrp_track_process", V2, NotApplied(V2X)),
    kw(Root, "track_process", V2, NotApplied(V2X)),
    kw(Root, "track_group", V2, NotApplied(V2X)),
    kw(Root, "linkbeat_interfaces", V2, NotApplied(V2X)),
    kw(Root, "interface_up_down_delays", V2, NotApplied(V2X)),
    kw(Root, "net_namespace_ipvs", V2, NotApplied(V2X)),
    kw(Root, "child_wait_time", V2, NotApplied(V2X)),
    // global_defs.
    kw(GlobalDefs, "router_id", V135, Applied),
    kw(GlobalDefs, "notification_email", V135, Applied),
    kw(GlobalDefs, "notification_email_from", V135, Applied),
    kw(GlobalDefs, "smtp_server", V135, Applied),
    kw(GlobalDefs, "smtp_helo_name", V135, Applied),
    kw(GlobalDefs, "smtp_connect_timeout", V135, Applied),
    kw(GlobalDefs, "default_interface", V135, Applied),
    kw(GlobalDefs, "vrrp_mcast_group4", V135, Applied),
    kw(GlobalDefs, "vrrp_mcast_group6", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_master_delay", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_master_repeat", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_master_refresh", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_master_refresh_repeat", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_lower_prio_delay", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_lower_prio_repeat", V135, Applied),
    kw(GlobalDefs, "vrrp_garp_interval", V135, Applied),
    kw(GlobalDefs, "vrrp_gna_interval", V135, Applied),
    kw(GlobalDefs, "vrrp_lower_prio_no_advert", V135, Applied),
    kw(GlobalDefs, "vrrp_higher_prio_send_advert", V135, Applied),
    kw(GlobalDefs, "vrrp_version", V135, Applied),
    kw(GlobalDefs, "vrrp_iptables", V135, Applied),
    kw(GlobalDefs, "vrrp_ipsets", V135, Applied),
    kw(GlobalDefs, "vrrp_check_unicast_src", V135, Applied),
    kw(GlobalDefs, "vrrp_skip_check_adv_addr", V135, Applied),
    kw(GlobalDefs, "vrrp_strict", V135, Applied),
    kw(GlobalDefs, "vrrp_priority", V135, Applied),
    kw(GlobalDefs, "vrrp_no_swap", V135, Applied),
    kw(GlobalDefs, "script_user", V135, Applied),
    kw(GlobalDefs, "enable_script_security", V135, Applied),
    kw(GlobalDefs, "lvs_sync_daemon", V135, Applied),
    kw(GlobalDefs, "lvs_timeouts", V135, LVS),
    kw(GlobalDefs, "lvs_flush", V135, LVS),
    kw(GlobalDefs, "checker_priority", V135, LVS),
    kw(GlobalDefs, "checker_no_swap", V135, LVS),
    kw(GlobalDefs, "snmp_socket", V135, Applied),
    kw(GlobalDefs, "enable_traps", V135, Applied),
    kw(GlobalDefs, "enable_snmp_keepalived", V135, Applied),
    kw(
        GlobalDefs,
        "enable_snmp_checker",
        V135,
        NotApplied(SNMP_CHECKER),
    ),
    kw(GlobalDefs, "enable_snmp_rfc", V135, Applied),
    kw(GlobalDefs, "enable_snmp_rfcv2", V135, Applied),
    kw(GlobalDefs, "enable_snmp_rfcv3", V135, Applied),
    kw(
        GlobalDefs,
        "enable_dbus",
        V135,
        NotApplied("DBus is not implemented"),
    ),
    kw(GlobalDefs, "vrrp_notify_fifo", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vrrp_notify_fifo_script", V2, NotApplied(V2X)),
    kw(GlobalDefs, "notify_fifo", V2, NotApplied(V2X)),
    kw(GlobalDefs, "notify_fifo_script", V2, NotApplied(V2X)),
    kw(GlobalDefs, "lvs_notify_fifo", V2, NotApplied(V2X)),
    kw(GlobalDefs, "lvs_notify_fifo_script", V2, NotApplied(V2X)),
    kw(GlobalDefs, "dbus_service_name", V2, NotApplied(V2X)),
    kw(GlobalDefs, "dynamic_interfaces", V2, NotApplied(V2X)),
    kw(GlobalDefs, "smtp_alert", V2, NotApplied(V2X)),
    kw(GlobalDefs, "smtp_alert_vrrp", V2, NotApplied(V2X)),
    kw(GlobalDefs, "smtp_alert_checker", V2, NotApplied(V2X)),
    kw(GlobalDefs, "no_email_faults", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vrrp_rt_priority", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vrrp_rlimit_rtime", V2, NotApplied(V2X)),
    kw(GlobalDefs, "enable_snmp_vrrp", V2, NotApplied(V2X)),
    kw(GlobalDefs, "umask", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vrrp_min_garp", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vrrp_startup_delay", V2, NotApplied(V2X)),
    kw(GlobalDefs, "random_seed", V2, NotApplied(V2X)),
    kw(
        GlobalDefs,
        "vrrp_notify_priority_changes",
        V2,
        NotApplied(V2X),
    ),
    kw(GlobalDefs, "log_unknown_vrids", V2, NotApplied(V2X)),
    kw(GlobalDefs, "max_auto_priority", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vmac_prefix", V2, NotApplied(V2X)),
    kw(GlobalDefs, "vmac_addr_prefix", V2, NotApplied(V2X)),
    // vrrp_instance.
    kw(VrrpInstance, "state", V135, Applied),
    kw(VrrpInstance, "interface", V135, Applied),
    kw(VrrpInstance, "virtual_router_id", V135, Applied),
    kw(VrrpInstance, "priority", V135, Applied),
    kw(VrrpInstance, "advert_int", V135, Applied),
    kw(VrrpInstance, "version", V135, Applied),
    kw(VrrpInstance, "authentication", V135, Applied),
    kw(VrrpInstance, "virtual_ipaddress", V135, Applied),
    kw(VrrpInstance, "virtual_ipaddress_excluded", V135, Applied),
    kw(VrrpInstance, "virtual_routes", V135, Applied),
    kw(VrrpInstance, "virtual_rules", V135, Applied),
    kw(VrrpInstance, "unicast_src_ip", V135, Applied),
    kw(VrrpInstance, "mcast_src_ip", V135, Applied),
    kw(VrrpInstance, "unicast_peer", V135, Applied),
    kw(VrrpInstance, "nopreempt", V135, Applied),
    kw(VrrpInstance, "preempt", V135, Applied),
    kw(VrrpInstance, "preempt_delay", V135, Applied),
    kw(VrrpInstance, "accept", V135, Applied),
    kw(VrrpInstance, "no_accept", V135, Applied),
    kw(VrrpInstance, "dont_track_primary", V135, Applied),
    kw(VrrpInstance, "track_interface", V135, Applied),
    kw(VrrpInstance, "track_script", V135, Applied),
    kw(VrrpInstance, "notify_master", V135, Applied),
    kw(VrrpInstance, "notify_backup", V135, Applied),
    kw(VrrpInstance, "notify_fault", V135, Applied),
    kw(VrrpInstance, "notify_stop", V135, Applied),
    kw(VrrpInstance, "notify", V135, Applied),
    kw(VrrpInstance, "smtp_alert", V135, Applied),
    kw(VrrpInstance, "garp_master_delay", V135, Applied),
    kw(VrrpInstance, "garp_master_repeat", V135, Applied),
    kw(VrrpInstance, "garp_master_refresh", V135, Applied),
    kw(VrrpInstance, "garp_master_refresh_repeat", V135, Applied),
    kw(VrrpInstance, "garp_lower_prio_delay", V135, Applied),
    kw(VrrpInstance, "garp_lower_prio_repeat", V135, Applied),
    kw(VrrpInstance, "lower_prio_no_advert", V135, Applied),
    kw(VrrpInstance, "higher_prio_send_advert", V135, Applied),
    kw(VrrpInstance, "skip_check_adv_addr", V135, Applied),
    kw(VrrpInstance, "strict_mode", V135, Applied),
    kw(VrrpInstance, "use_vmac", V135, Applied),
    kw(VrrpInstance, "vmac_xmit_base", V135, Applied),
    kw(VrrpInstance, "native_ipv6", V135, Applied),
    kw(VrrpInstance, "promote_secondaries", V135, Applied),
    kw(
        VrrpInstance,
        "debug",
        V135,
        NotApplied("keepalived 1.3.5 stores it and never reads it either"),
    ),
    kw(VrrpInstance, "lvs_sync_daemon_interface", V135, Applied),
    kw(
        VrrpInstance,
        "garp_interval",
        V135,
        NotApplied(
            "keepalived 1.3.5 documents it here but only reads it in garp_group (or \
             vrrp_garp_interval in global_defs)",
        ),
    ),
    kw(
        VrrpInstance,
        "gna_interval",
        V135,
        NotApplied(
            "keepalived 1.3.5 documents it here but only reads it in garp_group (or \
             vrrp_gna_interval in global_defs)",
        ),
    ),
    kw(VrrpInstance, "check_unicast_src", V2, Applied),
    kw(
        VrrpInstance,
        "unicast_ttl",
        V2,
        NotApplied(
            "a keepalived 2.x keyword (1.3.5 rejects it): unicast adverts are sent with TTL 255, \
             as 1.3.5 sends them",
        ),
    ),
    kw(
        VrrpInstance,
        "notify_priority_changes",
        V2,
        NotApplied(
            "a keepalived 2.x keyword (1.3.5 rejects it): notify scripts run on state changes \
             only, as in 1.3.5",
        ),
    ),
    kw(VrrpInstance, "old_unicast_checksum", V2, NotApplied(V2X)),
    kw(VrrpInstance, "track_file", V2, NotApplied(V2X)),
    kw(VrrpInstance, "track_bfd", V2, NotApplied(V2X)),
    kw(VrrpInstance, "track_src_ip", V2, NotApplied(V2X)),
    kw(VrrpInstance, "linkbeat_use_polling", V2, NotApplied(V2X)),
    kw(VrrpInstance, "track_group", V2, NotApplied(V2X)),
    kw(VrrpInstance, "kernel_rx_buf_size", V2, NotApplied(V2X)),
    kw(
        VrrpInstance,
        "notify_master_rx_lower_pri",
        V2,
        NotApplied(V2X),
    ),
    kw(VrrpInstance, "track_process", V2, NotApplied(V2X)),
    kw(VrrpInstance, "use_ipvlan", V2, NotApplied(V2X)),
    kw(VrrpInstance, "notify_deleted", V2, NotApplied(V2X)),
    kw(VrrpInstance, "use_vmac_addr", V2, NotApplied(V2X)),
    kw(VrrpInstance, "vmac_garp_intvl", V2, NotApplied(V2X)),
    kw(VrrpInstance, "garp_extra_if", V2, NotApplied(V2X)),
    kw(VrrpInstance, "down_timer_adverts", V2, NotApplied(V2X)),
    kw(VrrpInstance, "mcast_dst_ip", V2, NotApplied(V2X)),
    kw(VrrpInstance, "no_virtual_ipaddress", V2, NotApplied(V2X)),
    kw(VrrpInstance, "unicast_fault_no_peer", V2, NotApplied(V2X)),
    kw(VrrpInstance, "timer_expired_backup", V2, NotApplied(V2X)),
    kw(VrrpInstance, "v3_checksum_as_v2", V2, NotApplied(V2X)),
    kw(VrrpInstance, "vrf", V2, NotApplied(V2X)),
    kw(VrrpInstance, "owner_ignore_adverts", V2, NotApplied(V2X)),
    kw(VrrpInstance, "thread_timer_expired", V2, NotApplied(V2X)),
    kw(VrrpInstance, "auth_hmac", V2, NotApplied(V2X)),
    // authentication.
    kw(Authentication, "auth_type", V135, Applied),
    kw(Authentication, "auth_pass", V135, Applied),
    // vrrp_script.
    kw(VrrpScript, "script", V135, Applied),
    kw(VrrpScript, "interval", V135, Applied),
    kw(VrrpScript, "timeout", V135, Applied),
    kw(VrrpScript, "weight", V135, Applied),
    kw(VrrpScript, "rise", V135, Applied),
    kw(VrrpScript, "fall", V135, Applied),
    kw(VrrpScript, "user", V135, Applied),
    kw(VrrpScript, "init_fail", V135, Applied),
    // vrrp_sync_group.
    kw(VrrpSyncGroup, "group", V135, Applied),
    kw(VrrpSyncGroup, "notify_master", V135, Applied),
    kw(VrrpSyncGroup, "notify_backup", V135, Applied),
    kw(VrrpSyncGroup, "notify_fault", V135, Applied),
    kw(VrrpSyncGroup, "notify", V135, Applied),
    kw(VrrpSyncGroup, "smtp_alert", V135, Applied),
    kw(VrrpSyncGroup, "global_tracking", V135, Applied),
    kw(VrrpSyncGroup, "track_interface", V2, NotApplied(V2X)),
    kw(VrrpSyncGroup, "track_script", V2, NotApplied(V2X)),
    kw(VrrpSyncGroup, "track_file", V2, NotApplied(V2X)),
    kw(VrrpSyncGroup, "track_process", V2, NotApplied(V2X)),
    kw(VrrpSyncGroup, "track_bfd", V2, NotApplied(V2X)),
    kw(VrrpSyncGroup, "notify_stop", V2, NotApplied(V2X)),
    kw(
        VrrpSyncGroup,
        "sync_group_tracking_weight",
        V2,
        NotApplied(V2X),
    ),
    kw(
        VrrpSyncGroup,
        "notify_priority_changes",
        V2,
        NotApplied(V2X),
    ),
    // garp_group.
    kw(GarpGroup, "garp_interval", V135, Applied),
    kw(GarpGroup, "gna_interval", V135, Applied),
    kw(GarpGroup, "interface", V135, Applied),
    kw(GarpGroup, "interfaces", V135, Applied),
    // SSL (the checker side; parsed and typed, see `LVS`).
    kw(Ssl, "password", V135, LVS),
    kw(Ssl, "ca", V135, LVS),
    kw(Ssl, "certificate", V135, LVS),
    kw(Ssl, "key", V135, LVS),
    // virtual_server.
    kw(VirtualServer, "ip_family", V135, LVS),
    kw(VirtualServer, "delay_loop", V135, LVS),
    kw(VirtualServer, "lb_algo", V135, LVS),
    kw(VirtualServer, "lvs_sched", V135, LVS),
    kw(VirtualServer, "hashed", V135, LVS),
    kw(VirtualServer, "ops", V135, LVS),
    kw(VirtualServer, "flag-1", V135, LVS),
    kw(VirtualServer, "flag-2", V135, LVS),
    kw(VirtualServer, "flag-3", V135, LVS),
    kw(VirtualServer, "sh-port", V135, LVS),
    kw(VirtualServer, "sh-fallback", V135, LVS),
    kw(VirtualServer, "lb_kind", V135, LVS),
    kw(VirtualServer, "lvs_method", V135, LVS),
    kw(VirtualServer, "persistence_engine", V135, LVS),
    kw(VirtualServer, "persistence_timeout", V135, LVS),
    kw(VirtualServer, "persistence_granularity", V135, LVS),
    kw(VirtualServer, "protocol", V135, LVS),
    kw(VirtualServer, "ha_suspend", V135, LVS),
    kw(VirtualServer, "virtualhost", V135, LVS),
    kw(VirtualServer, "alpha", V135, LVS),
    kw(VirtualServer, "omega", V135, LVS),
    kw(VirtualServer, "quorum_up", V135, LVS),
    kw(VirtualServer, "quorum_down", V135, LVS),
    kw(VirtualServer, "quorum", V135, LVS),
    kw(VirtualServer, "hysteresis", V135, LVS),
    kw(VirtualServer, "sorry_server", V135, LVS),
    kw(VirtualServer, "sorry_server_inhibit", V135, LVS),
    kw(VirtualServer, "real_server", V135, LVS),
    // real_server.
    kw(RealServer, "weight", V135, LVS),
    kw(RealServer, "uthreshold", V135, LVS),
    kw(RealServer, "lthreshold", V135, LVS),
    kw(RealServer, "inhibit_on_failure", V135, LVS),
    kw(RealServer, "notify_up", V135, LVS),
    kw(RealServer, "notify_down", V135, LVS),
    kw(RealServer, "HTTP_GET", V135, LVS),
    kw(RealServer, "SSL_GET", V135, LVS),
    kw(RealServer, "TCP_CHECK", V135, LVS),
    kw(RealServer, "SMTP_CHECK", V135, LVS),
    kw(RealServer, "MISC_CHECK", V135, LVS),
    kw(RealServer, "DNS_CHECK", V135, LVS),
    // HTTP_GET / SSL_GET.
    kw(HttpGet, "connect_ip", V135, LVS),
    kw(HttpGet, "connect_port", V135, LVS),
    kw(HttpGet, "bindto", V135, LVS),
    kw(HttpGet, "bind_port", V135, LVS),
    kw(HttpGet, "connect_timeout", V135, LVS),
    kw(HttpGet, "fwmark", V135, LVS),
    kw(HttpGet, "warmup", V135, LVS),
    kw(HttpGet, "nb_get_retry", V135, LVS),
    kw(HttpGet, "delay_before_retry", V135, LVS),
    kw(HttpGet, "url", V135, LVS),
    // url.
    kw(Url, "path", V135, LVS),
    kw(Url, "digest", V135, LVS),
    kw(Url, "status_code", V135, LVS),
    // TCP_CHECK.
    kw(TcpCheck, "connect_ip", V135, LVS),
    kw(TcpCheck, "connect_port", V135, LVS),
    kw(TcpCheck, "bindto", V135, LVS),
    kw(TcpCheck, "bind_port", V135, LVS),
    kw(TcpCheck, "connect_timeout", V135, LVS),
    kw(TcpCheck, "fwmark", V135, LVS),
    kw(TcpCheck, "warmup", V135, LVS),
    kw(TcpCheck, "retry", V135, LVS),
    kw(TcpCheck, "delay_before_retry", V135, LVS),
    // SMTP_CHECK.
    kw(SmtpCheck, "connect_ip", V135, LVS),
    kw(SmtpCheck, "connect_port", V135, LVS),
    kw(SmtpCheck, "bindto", V135, LVS),
    kw(SmtpCheck, "bind_port", V135, LVS),
    kw(SmtpCheck, "connect_timeout", V135, LVS),
    kw(SmtpCheck, "fwmark", V135, LVS),
    kw(SmtpCheck, "warmup", V135, LVS),
    kw(SmtpCheck, "helo_name", V135, LVS),
    kw(SmtpCheck, "retry", V135, LVS),
    kw(SmtpCheck, "delay_before_retry", V135, LVS),
    kw(SmtpCheck, "host", V135, LVS),
    // SMTP_CHECK host.
    kw(SmtpHost, "connect_ip", V135, LVS),
    kw(SmtpHost, "connect_port", V135, LVS),
    kw(SmtpHost, "bindto", V135, LVS),
    kw(SmtpHost, "bind_port", V135, LVS),
    kw(SmtpHost, "connect_timeout", V135, LVS),
    kw(SmtpHost, "fwmark", V135, LVS),
    // MISC_CHECK.
    kw(MiscCheck, "misc_path", V135, LVS),
    kw(MiscCheck, "misc_timeout", V135, LVS),
    kw(MiscCheck, "misc_dynamic", V135, LVS),
    kw(MiscCheck, "warmup", V135, LVS),
    kw(MiscCheck, "user", V135, LVS),
    // DNS_CHECK.
    kw(DnsCheck, "connect_ip", V135, LVS),
    kw(DnsCheck, "connect_port", V135, LVS),
    kw(DnsCheck, "bindto", V135, LVS),
    kw(DnsCheck, "bind_port", V135, LVS),
    kw(DnsCheck, "connect_timeout", V135, LVS),
    kw(DnsCheck, "fwmark", V135, LVS),
    kw(DnsCheck, "retry", V135, LVS),
    kw(DnsCheck, "type", V135, LVS),
    kw(DnsCheck, "name", V135, LVS),
];

/// Index into [`KEYWORDS`] of `name` in `block`, if the parser accepts it there.
pub fn lookup(block: Block, name: &str) -> Option<usize> {
    static INDEX: OnceLock<FxHashMap<(Block, &'static str), usize>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            KEYWORDS
                .iter()
                .enumerate()
                .map(|(i, k)| ((k.block, k.name), i))
                .collect()
        })
        .get(&(block, name))
        .copied()
}

/// The keyword table of `docs/compatibility.md`: one row per keyword, in table order.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| block | keyword | keepalived | keepalived-rs |\n|---|---|---|---|\n");
    for k in KEYWORDS {
        let origin = match k.origin {
            Origin::V135 => "1.3.5",
            Origin::V2 => "2.x only",
        };
        let effect = match k.effect {
            Effect::Applied => "applied".to_string(),
            Effect::Partial(why) => format!("partly: {why}"),
            Effect::NotApplied(why) => format!("no effect: {why}"),
            Effect::Pending(why) => format!("parsed, not applied yet: {why}"),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {origin} | {effect} |",
            k.block.name(),
            k.name
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_duplicates_and_every_reason_is_said() {
        for (i, k) in KEYWORDS.iter().enumerate() {
            assert_eq!(lookup(k.block, k.name), Some(i), "duplicate {k:?}");
            match k.effect {
                Effect::Applied => {}
                Effect::Partial(why) | Effect::NotApplied(why) | Effect::Pending(why) => {
                    assert!(why.len() > 10, "{k:?}: no reason given")
                }
            }
        }
    }
}
