//! Typed syntax tree of a keepalived.conf, as keepalived 1.3.5 would run it.
//!
//! Values that the file did not set are `None` (or empty/false) so that the consumer can apply the
//! global default in force (e.g. `garp_master_delay` falls back to `vrrp_garp_master_delay`).
//! Helper methods give the 1.3.5 effective defaults where they do not depend on other blocks.
//! Every node carries a [`Span`]. `==` compares spans too; [`SpanInsensitive`] compares content
//! only (render→reparse round trips, golden tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A source position: file, 1-based line and 1-based column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The file the token came from (the included file for included lines).
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

thread_local! {
    /// The file of a default span, shared: every AST node built with `..Default::default()`
    /// would otherwise allocate one (16k instances each did, only to overwrite it).
    static NO_FILE: Arc<Path> = Arc::from(Path::new(""));
}

impl Default for Span {
    fn default() -> Self {
        Span {
            file: NO_FILE.with(Arc::clone),
            line: 0,
            col: 0,
        }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// `global_defs { … }` (all blocks merged, later values win as in keepalived).
    pub global_defs: GlobalDefs,
    /// `vrrp_instance NAME { … }` in file order (duplicates by name are dropped).
    pub instances: Vec<VrrpInstance>,
    /// `vrrp_script NAME { … }` in file order.
    pub scripts: Vec<VrrpScript>,
    /// `vrrp_sync_group NAME { … }` in file order.
    pub sync_groups: Vec<SyncGroup>,
    /// `static_ipaddress { … }` entries.
    pub static_ipaddress: Vec<VirtualAddress>,
    /// `static_routes { … }` lines, kept as words (`ip route` syntax).
    pub static_routes: Vec<Words>,
    /// `static_rules { … }` lines, kept as words (`ip rule` syntax).
    pub static_rules: Vec<Words>,
    /// `garp_group { … }` blocks.
    pub garp_groups: Vec<GarpGroup>,
    /// Root `net_namespace NAME`.
    pub net_namespace: Option<String>,
    /// Root `instance NAME`.
    pub instance: Option<String>,
    /// Root `use_pid_dir`.
    pub use_pid_dir: bool,
    /// Root `linkbeat_use_polling`.
    pub linkbeat_use_polling: bool,
    /// Root `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
    /// `virtual_server … { … }` in file order (those 1.3.5 would drop are left out).
    pub virtual_servers: Vec<VirtualServer>,
    /// `virtual_server_group NAME { … }` in file order.
    pub virtual_server_groups: Vec<VirtualServerGroup>,
    /// Root `SSL { … }` (a later block replaces an earlier one, as in 1.3.5).
    pub ssl: Option<SslConfig>,
    /// Blocks and keywords we parse generically but do not implement (2.x-only blocks);
    /// nothing of the file is lost.
    pub unsupported: Vec<GenericBlock>,
}

/// A line (and optional nested block) kept verbatim as words.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GenericBlock {
    /// The words of the line, keyword first (quotes removed).
    pub words: Vec<String>,
    /// The nested `{ … }` lines, if the line opened a block.
    pub block: Option<Vec<GenericBlock>>,
    /// Position of the first word.
    pub span: Span,
}

/// A list-block line kept as words (routes, rules).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Words {
    /// The words of the line, quotes removed.
    pub words: Vec<String>,
    /// Position of the first word.
    pub span: Span,
}

/// A name reference (sync group member, notification email, interface, …) with its position.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Name {
    /// The name as written.
    pub name: String,
    /// Position of the name.
    pub span: Span,
}

/// An address with its position (`unicast_peer` entries).
#[derive(Debug, Clone, PartialEq)]
pub struct Addr {
    /// The address.
    pub addr: IpAddr,
    /// Position of the address token.
    pub span: Span,
}

/// `USER [GROUP]` (script_user, vrrp_script user).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserGroup {
    /// User name.
    pub user: String,
    /// Optional group name.
    pub group: Option<String>,
}

/// `smtp_server ADDR|NAME [PORT]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SmtpServer {
    /// Host name or address, as written.
    pub host: String,
    /// Port; `None` means the default 25.
    pub port: Option<u16>,
}

/// `global_defs { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<String>,
    /// `notification_email { … }` addresses.
    pub notification_email: Vec<String>,
    /// `notification_email_from`.
    pub notification_email_from: Option<String>,
    /// `smtp_server`.
    pub smtp_server: Option<SmtpServer>,
    /// `smtp_helo_name`.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` seconds (default 30).
    pub smtp_connect_timeout: Option<u32>,
    /// `default_interface` (default `eth0`): the interface of `static_ipaddress` entries
    /// without `dev`.
    pub default_interface: Option<String>,
    /// `vrrp_mcast_group4` (default 224.0.0.18).
    pub vrrp_mcast_group4: Option<Ipv4Addr>,
    /// `vrrp_mcast_group6` (default ff02::12).
    pub vrrp_mcast_group6: Option<Ipv6Addr>,
    /// `vrrp_garp_master_delay` seconds (default 5; 0 = no second burst).
    pub vrrp_garp_master_delay: Option<u32>,
    /// `vrrp_garp_master_repeat` (default 5).
    pub vrrp_garp_master_repeat: Option<u32>,
    /// `vrrp_garp_master_refresh` seconds (default 0 = off).
    pub vrrp_garp_master_refresh: Option<u32>,
    /// `vrrp_garp_master_refresh_repeat` (default 1).
    pub vrrp_garp_master_refresh_repeat: Option<u32>,
    /// `vrrp_garp_lower_prio_delay` seconds (default: vrrp_garp_master_delay).
    pub vrrp_garp_lower_prio_delay: Option<u32>,
    /// `vrrp_garp_lower_prio_repeat` (default: vrrp_garp_master_repeat).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_garp_interval` seconds, fractional; `0` is valid (1.3.5).
    pub vrrp_garp_interval: Option<f64>,
    /// `vrrp_gna_interval` seconds, fractional.
    pub vrrp_gna_interval: Option<f64>,
    /// `vrrp_lower_prio_no_advert`.
    pub vrrp_lower_prio_no_advert: Option<bool>,
    /// `vrrp_higher_prio_send_advert`.
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// `vrrp_version` (default 2).
    pub vrrp_version: Option<u8>,
    /// `vrrp_iptables [IN [OUT]]`; `Some(vec![])` = bare keyword (do not add rules).
    pub vrrp_iptables: Option<Vec<String>>,
    /// `vrrp_ipsets [N4 [N6 [NIF6]]]`; `Some(vec![])` = bare keyword (no ipsets).
    pub vrrp_ipsets: Option<Vec<String>>,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `vrrp_priority` (nice value -20..19).
    pub vrrp_priority: Option<i32>,
    /// `vrrp_no_swap`.
    pub vrrp_no_swap: bool,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<UserGroup>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `lvs_timeouts …`.
    pub lvs_timeouts: Option<LvsTimeouts>,
    /// `lvs_flush`: flush the IPVS table at start.
    pub lvs_flush: bool,
    /// `lvs_sync_daemon …` (the first one wins, as in 1.3.5).
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// `checker_priority` (nice value -20..19 of the checker process).
    pub checker_priority: Option<i32>,
    /// `checker_no_swap`: lock the checker process in memory.
    pub checker_no_swap: bool,
    /// `enable_snmp_checker`.
    pub enable_snmp_checker: bool,
    /// Known keywords we accept but do not act on (LVS, SNMP, checker, …), kept verbatim.
    pub other: Vec<GenericBlock>,
    /// Position of the (first) `global_defs` keyword.
    pub span: Span,
}

impl GlobalDefs {
    /// Effective VRRP version (default 2).
    pub fn vrrp_version(&self) -> u8 {
        self.vrrp_version.unwrap_or(2)
    }
    /// Effective IPv4 multicast group (default 224.0.0.18).
    pub fn mcast_group4(&self) -> Ipv4Addr {
        self.vrrp_mcast_group4
            .unwrap_or(Ipv4Addr::new(224, 0, 0, 18))
    }
    /// Effective IPv6 multicast group (default ff02::12).
    pub fn mcast_group6(&self) -> Ipv6Addr {
        self.vrrp_mcast_group6
            .unwrap_or(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
    }
    /// Effective `vrrp_garp_master_delay` (default 5 s).
    pub fn garp_master_delay(&self) -> u32 {
        self.vrrp_garp_master_delay.unwrap_or(5)
    }
    /// Effective `vrrp_garp_master_repeat` (default 5).
    pub fn garp_master_repeat(&self) -> u32 {
        self.vrrp_garp_master_repeat.unwrap_or(5)
    }
    /// Effective `vrrp_garp_master_refresh` (default 0 = off).
    pub fn garp_master_refresh(&self) -> u32 {
        self.vrrp_garp_master_refresh.unwrap_or(0)
    }
    /// Effective `vrrp_garp_master_refresh_repeat` (default 1).
    pub fn garp_master_refresh_repeat(&self) -> u32 {
        self.vrrp_garp_master_refresh_repeat.unwrap_or(1)
    }
    /// Effective `vrrp_garp_lower_prio_delay` (default: the master delay).
    pub fn garp_lower_prio_delay(&self) -> u32 {
        self.vrrp_garp_lower_prio_delay
            .unwrap_or_else(|| self.garp_master_delay())
    }
    /// Effective `vrrp_garp_lower_prio_repeat` (default: the master repeat).
    pub fn garp_lower_prio_repeat(&self) -> u32 {
        self.vrrp_garp_lower_prio_repeat
            .unwrap_or_else(|| self.garp_master_repeat())
    }
}

/// Initial state wanted by `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum State {
    /// `state MASTER`.
    Master,
    /// `state BACKUP` (also the default and what 1.3.5 uses for unknown values).
    #[default]
    Backup,
}

/// `authentication { auth_type …; auth_pass … }` (VRRPv2 only).
#[derive(Debug, Clone, PartialEq)]
pub enum Authentication {
    /// `auth_type PASS`: cleartext password (as written; the wire uses the first 8 bytes).
    Pass(String),
    /// `auth_type AH`: IPsec-AH-like HMAC-MD5-96 with this key.
    Ah(String),
}

/// One `virtual_ipaddress` / `virtual_ipaddress_excluded` / `static_ipaddress` line:
/// `ADDR[/PREFIX] [dev IF] [brd ADDR] [scope SCOPE] [label LABEL]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length if written (default /32 or /128).
    pub prefix_len: Option<u8>,
    /// `dev IF` (default: the instance interface).
    pub dev: Option<String>,
    /// `brd ADDR` / `broadcast ADDR`.
    pub brd: Option<IpAddr>,
    /// `scope SCOPE` as written (`global`, `host`, `link`, `site`, `nowhere` or a number).
    pub scope: Option<String>,
    /// `label LABEL`.
    pub label: Option<String>,
    /// Position of the address token.
    pub span: Span,
}

impl VirtualAddress {
    /// Effective prefix length: as written, else 32 (IPv4) or 128 (IPv6).
    pub fn prefix(&self) -> u8 {
        self.prefix_len.unwrap_or(match self.addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        })
    }
}

/// `track_interface` entry: `IF [weight N]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackInterface {
    /// Interface name.
    pub name: String,
    /// Weight -254..254; 0 (default) = FAULT when the interface is down.
    pub weight: i32,
    /// Position of the name.
    pub span: Span,
}

/// `track_script` entry: `NAME [weight N]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackScript {
    /// Name of a `vrrp_script`.
    pub name: String,
    /// Weight override; `None` = the vrrp_script's own weight.
    pub weight: Option<i32>,
    /// Position of the name.
    pub span: Span,
}

/// A `notify*` script: `"COMMAND" [USER [GROUP]]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notify {
    /// The command string (run by `/bin/sh -c` in 1.3.5).
    pub script: String,
    /// Optional user to run as.
    pub user: Option<String>,
    /// Optional group to run as.
    pub group: Option<String>,
    /// Position of the keyword.
    pub span: Span,
}

/// `vrrp_instance NAME { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VrrpInstance {
    /// Instance name.
    pub name: String,
    /// Position of the `vrrp_instance` keyword.
    pub span: Span,
    /// `state` (default BACKUP).
    pub state: State,
    /// `interface` (required).
    pub interface: Option<String>,
    /// `virtual_router_id` 1..255 (required).
    pub virtual_router_id: Option<u8>,
    /// `priority` 1..255 as configured; see [`VrrpInstance::effective_priority`].
    pub priority: Option<u8>,
    /// `advert_int` seconds as configured (fractional allowed); see [`VrrpInstance::advert_interval`].
    pub advert_int: Option<f64>,
    /// `version 2|3` (default: global vrrp_version).
    pub version: Option<u8>,
    /// `authentication` (None = no authentication).
    pub authentication: Option<Authentication>,
    /// `virtual_ipaddress { … }`.
    pub virtual_ipaddress: Vec<VirtualAddress>,
    /// `virtual_ipaddress_excluded { … }`.
    pub virtual_ipaddress_excluded: Vec<VirtualAddress>,
    /// `virtual_routes { … }` lines as words.
    pub virtual_routes: Vec<Words>,
    /// `virtual_rules { … }` lines as words.
    pub virtual_rules: Vec<Words>,
    /// `unicast_src_ip` (in 1.3.5 the same setting as `mcast_src_ip`).
    pub unicast_src_ip: Option<IpAddr>,
    /// `mcast_src_ip` (in 1.3.5 the same setting as `unicast_src_ip`).
    pub mcast_src_ip: Option<IpAddr>,
    /// `unicast_peer { … }`.
    pub unicast_peer: Vec<Addr>,
    /// `nopreempt` (cleared by a later `preempt`).
    pub nopreempt: bool,
    /// `preempt_delay` seconds (0..1000).
    pub preempt_delay: Option<u32>,
    /// `accept` (`Some(true)`) / `no_accept` (`Some(false)`); default: accept unless strict.
    pub accept: Option<bool>,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_interface { … }`.
    pub track_interface: Vec<TrackInterface>,
    /// `track_script { … }`.
    pub track_script: Vec<TrackScript>,
    /// `notify_master`.
    pub notify_master: Option<Notify>,
    /// `notify_backup`.
    pub notify_backup: Option<Notify>,
    /// `notify_fault`.
    pub notify_fault: Option<Notify>,
    /// `notify_stop`.
    pub notify_stop: Option<Notify>,
    /// `notify` (generic).
    pub notify: Option<Notify>,
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// `garp_master_delay` (default: global).
    pub garp_master_delay: Option<u32>,
    /// `garp_master_repeat` (default: global).
    pub garp_master_repeat: Option<u32>,
    /// `garp_master_refresh` (default: global).
    pub garp_master_refresh: Option<u32>,
    /// `garp_master_refresh_repeat` (default: global).
    pub garp_master_refresh_repeat: Option<u32>,
    /// `garp_lower_prio_delay` (default: global).
    pub garp_lower_prio_delay: Option<u32>,
    /// `garp_lower_prio_repeat` (default: global).
    pub garp_lower_prio_repeat: Option<u32>,
    /// `lower_prio_no_advert` (default: global).
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert` (default: global).
    pub higher_prio_send_advert: Option<bool>,
    /// `skip_check_adv_addr` (default: global).
    pub skip_check_adv_addr: Option<bool>,
    /// `strict_mode` (default: global vrrp_strict).
    pub strict_mode: Option<bool>,
    /// `use_vmac [IFNAME]` given.
    pub use_vmac: bool,
    /// The IFNAME of `use_vmac IFNAME` (default `vrrp.VRID`).
    pub vmac_name: Option<String>,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: bool,
    /// `native_ipv6`.
    pub native_ipv6: bool,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `debug N` (accepted, no effect).
    pub debug: Option<u8>,
    /// `lvs_sync_daemon_interface` (deprecated; LVS only).
    pub lvs_sync_daemon_interface: Option<String>,
    /// 2.x: `unicast_ttl N`.
    pub unicast_ttl: Option<u8>,
    /// 2.x: `check_unicast_src`.
    pub check_unicast_src: Option<bool>,
    /// 2.x: `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
    /// Positions of the keywords that cross-block validation points at.
    pub spans: InstanceSpans,
}

/// Positions of individual `vrrp_instance` settings (value token), when given.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceSpans {
    /// The instance name token.
    pub name: Option<Span>,
    /// The `interface` value.
    pub interface: Option<Span>,
    /// The `virtual_router_id` value.
    pub virtual_router_id: Option<Span>,
    /// The `priority` value.
    pub priority: Option<Span>,
    /// The `advert_int` value.
    pub advert_int: Option<Span>,
    /// The `authentication` keyword.
    pub authentication: Option<Span>,
    /// The `nopreempt` keyword.
    pub nopreempt: Option<Span>,
    /// The `preempt_delay` value.
    pub preempt_delay: Option<Span>,
}

impl VrrpInstance {
    /// Priority in effect: the configured one, else 255 for `state MASTER`, else 100.
    pub fn effective_priority(&self) -> u8 {
        match (self.priority, self.state) {
            (Some(p), _) => p,
            (None, State::Master) => 255,
            (None, State::Backup) => 100,
        }
    }
    /// Advertisement interval in effect (default 1 s).
    pub fn advert_interval(&self) -> Duration {
        Duration::from_secs_f64(self.advert_int.unwrap_or(1.0))
    }
    /// Source address of adverts if configured (`unicast_src_ip` or `mcast_src_ip`, last wins in 1.3.5).
    pub fn src_ip(&self) -> Option<IpAddr> {
        self.unicast_src_ip.or(self.mcast_src_ip)
    }
    /// Whether the instance is IPv6 (first VIP is IPv6, or `native_ipv6`).
    pub fn is_ipv6(&self) -> bool {
        self.native_ipv6
            || self
                .virtual_ipaddress
                .first()
                .is_some_and(|a| a.addr.is_ipv6())
    }
}

/// `vrrp_script NAME { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VrrpScript {
    /// Script name (referenced by `track_script`).
    pub name: String,
    /// Position of the `vrrp_script` keyword.
    pub span: Span,
    /// `script` command (run by `/bin/sh -c` in 1.3.5).
    pub script: Option<String>,
    /// `interval` seconds (default 1).
    pub interval: Option<u32>,
    /// `timeout` seconds (default 0 = interval).
    pub timeout: Option<u32>,
    /// `weight` -254..254 (default 0).
    pub weight: Option<i32>,
    /// `rise` (default 1).
    pub rise: Option<u32>,
    /// `fall` (default 1).
    pub fall: Option<u32>,
    /// `user USER [GROUP]`.
    pub user: Option<UserGroup>,
    /// `init_fail`.
    pub init_fail: bool,
}

impl VrrpScript {
    /// Effective interval (default 1 s).
    pub fn interval_secs(&self) -> u32 {
        self.interval.unwrap_or(1).max(1)
    }
    /// Effective timeout (0 or unset ⇒ the interval).
    pub fn timeout_secs(&self) -> u32 {
        match self.timeout {
            Some(t) if t > 0 => t,
            _ => self.interval_secs(),
        }
    }
    /// Effective weight (default 0).
    pub fn weight(&self) -> i32 {
        self.weight.unwrap_or(0)
    }
    /// Effective rise (default 1).
    pub fn rise(&self) -> u32 {
        self.rise.unwrap_or(1).max(1)
    }
    /// Effective fall (default 1).
    pub fn fall(&self) -> u32 {
        self.fall.unwrap_or(1).max(1)
    }
}

/// `vrrp_sync_group NAME { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncGroup {
    /// Group name.
    pub name: String,
    /// Position of the `vrrp_sync_group` keyword.
    pub span: Span,
    /// `group { … }` member instance names.
    pub group: Vec<Name>,
    /// `notify_master`.
    pub notify_master: Option<Notify>,
    /// `notify_backup`.
    pub notify_backup: Option<Notify>,
    /// `notify_fault`.
    pub notify_fault: Option<Notify>,
    /// `notify` (generic).
    pub notify: Option<Notify>,
    /// `smtp_alert`.
    pub smtp_alert: bool,
    /// `global_tracking`.
    pub global_tracking: bool,
}

/// `garp_group { … }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GarpGroup {
    /// Position of the `garp_group` keyword.
    pub span: Span,
    /// `garp_interval` seconds.
    pub garp_interval: Option<f64>,
    /// `gna_interval` seconds.
    pub gna_interval: Option<f64>,
    /// `interface IF` / `interfaces { … }`.
    pub interfaces: Vec<Name>,
}

/// Comparison by content, positions aside: a rendered configuration reparses to the same content
/// at different positions, and golden ASTs are written without positions.
pub trait SpanInsensitive: Clone + PartialEq {
    /// Reset every span in `self` (nested nodes included) to [`Span::default()`].
    fn clear_spans(&mut self);
    /// `self` with every span reset (for `assert_eq!`, which then shows a content diff).
    fn without_spans(mut self) -> Self {
        self.clear_spans();
        self
    }
    /// Whether `self` and `other` have the same content once spans are ignored.
    fn eq_ignoring_spans(&self, other: &Self) -> bool {
        self.clone().without_spans() == other.clone().without_spans()
    }
}

impl SpanInsensitive for Span {
    fn clear_spans(&mut self) {
        *self = Span::default();
    }
}

impl<T: SpanInsensitive> SpanInsensitive for Option<T> {
    fn clear_spans(&mut self) {
        if let Some(t) = self {
            t.clear_spans();
        }
    }
}

impl<T: SpanInsensitive> SpanInsensitive for Vec<T> {
    fn clear_spans(&mut self) {
        self.iter_mut().for_each(T::clear_spans);
    }
}

impl SpanInsensitive for InstanceSpans {
    /// All `None`: which settings recorded a position is no more content than the positions.
    fn clear_spans(&mut self) {
        *self = InstanceSpans::default();
    }
}

/// `impl SpanInsensitive for T` clearing the listed fields (each a span or a node holding spans).
macro_rules! span_insensitive {
    ($($t:ty { $($field:ident),* })*) => {$(
        impl SpanInsensitive for $t {
            fn clear_spans(&mut self) {
                $(self.$field.clear_spans();)*
            }
        }
    )*};
}

span_insensitive! {
    Config { global_defs, instances, scripts, sync_groups, static_ipaddress, static_routes,
        static_rules, garp_groups, virtual_servers, virtual_server_groups, ssl, unsupported }
    GenericBlock { block, span }
    Words { span }
    Name { span }
    Addr { span }
    GlobalDefs { other, lvs_timeouts, lvs_sync_daemon, span }
    VirtualAddress { span }
    TrackInterface { span }
    TrackScript { span }
    Notify { span }
    VrrpInstance { span, virtual_ipaddress, virtual_ipaddress_excluded, virtual_routes,
        virtual_rules, unicast_peer, track_interface, track_script, notify_master, notify_backup,
        notify_fault, notify_stop, notify, spans }
    VrrpScript { span }
    SyncGroup { span, group, notify_master, notify_backup, notify_fault, notify }
    GarpGroup { span, interfaces }
}

pub mod lvs;
pub use lvs::*;
