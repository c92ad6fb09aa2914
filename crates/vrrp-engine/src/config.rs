//! Engine-level configuration: already validated and resolved by the daemon from the
//! keepalived.conf AST (defaults applied, interface source address looked up).

use std::net::IpAddr;
use std::time::Duration;

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// RFC 3768.
    V2,
    /// RFC 5798.
    V3,
}

/// Address family of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

/// The `state` keyword: the state an instance wants at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitialState {
    /// `state MASTER`.
    Master,
    /// `state BACKUP` (keepalived's default).
    Backup,
}

/// VRRPv2 authentication (`authentication { auth_type …; auth_pass … }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (auth type 0, eight zero bytes of auth data in v2).
    None,
    /// `auth_type PASS`: the password truncated / zero-padded to 8 bytes.
    Pass([u8; 8]),
    /// `auth_type AH`: keepalived's IPsec-AH style HMAC-MD5-96, keyed by the password.
    Ah([u8; 8]),
}

/// A virtual address (`virtual_ipaddress` / `virtual_ipaddress_excluded` line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vip {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (default /32 or /128).
    pub prefix_len: u8,
    /// Interface the address goes on (`dev`, defaulting to the instance's interface).
    pub dev: String,
    /// `brd` / `broadcast`, only when configured.
    pub broadcast: Option<IpAddr>,
    /// `scope`, as the rtnetlink scope number (`global` 0, `site` 200, `link` 253, `host`
    /// 254, `nowhere` 255, or the number written); resolved when the configuration is
    /// converted, `None` when not configured (the kernel's default, global).
    pub scope: Option<u8>,
    /// `label`.
    pub label: Option<String>,
}

/// `track_interface` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackInterface {
    /// Interface name.
    pub name: String,
    /// 0 ⇒ FAULT while down; >0 added while up; <0 subtracted while down.
    pub weight: i32,
}

/// `track_script` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackScript {
    /// Name of a `vrrp_script`.
    pub name: String,
    /// Effective weight (the track_script override, else the script's own weight).
    pub weight: i32,
}

/// Gratuitous ARP / unsolicited NA schedule of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GarpConfig {
    /// Delay of the second burst after becoming MASTER (0 = no second burst). Default 5 s.
    pub master_delay: Duration,
    /// GARPs per VIP per burst. Default 5.
    pub master_repeat: u32,
    /// Periodic refresh while MASTER (0 = off). Default 0.
    pub master_refresh: Duration,
    /// GARPs per VIP per refresh. Default 1.
    pub master_refresh_repeat: u32,
    /// Delay of the second burst after a MASTER hears a lower priority. Default = master_delay.
    pub lower_prio_delay: Duration,
    /// GARPs per VIP when a MASTER hears a lower priority. Default = master_repeat.
    pub lower_prio_repeat: u32,
}

impl Default for GarpConfig {
    fn default() -> Self {
        GarpConfig {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
        }
    }
}

/// One `vrrp_instance`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceConfig {
    /// Instance name (`vrrp_instance NAME`), used in log lines.
    pub name: String,
    /// `interface`.
    pub interface: String,
    /// `virtual_router_id` 1..=255.
    pub vrid: u8,
    /// Protocol version.
    pub version: Version,
    /// Address family.
    pub family: Family,
    /// `state`.
    pub initial_state: InitialState,
    /// Base priority 1..=255 (255 = address owner).
    pub priority: u8,
    /// `advert_int` (v2: whole seconds; v3: centisecond resolution).
    pub advert_int: Duration,
    /// Authentication (v2 only).
    pub auth: Auth,
    /// `virtual_ipaddress`, in config order (this order goes into adverts).
    pub vips: Vec<Vip>,
    /// `virtual_ipaddress_excluded`: added/removed with state, never advertised.
    pub excluded_vips: Vec<Vip>,
    /// Source address written into adverts: `unicast_src_ip`/`mcast_src_ip`, else the
    /// interface's primary address (looked up by the daemon).
    pub src_addr: IpAddr,
    /// `src_addr` is the interface's address (no `mcast_src_ip`/`unicast_src_ip`), so it
    /// follows [`crate::Input::SourceAddress`].
    pub src_from_interface: bool,
    /// Multicast destination (224.0.0.18 / ff02::12 unless overridden).
    pub mcast_group: IpAddr,
    /// `unicast_peer` list; empty = multicast.
    pub unicast_peers: Vec<IpAddr>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
    /// Accept mode (`accept` / default unless strict).
    pub accept: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackInterface>,
    /// `track_script`.
    pub track_scripts: Vec<TrackScript>,
    /// GARP schedule.
    pub garp: GarpConfig,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `vrrp_check_unicast_src`.
    pub check_unicast_src: bool,
}

/// A `vrrp_script` as the engine sees it (the daemon runs the command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptConfig {
    /// Script name.
    pub name: String,
    /// Default weight for instances tracking it.
    pub weight: i32,
    /// Successes needed to become OK.
    pub rise: u32,
    /// Failures needed to become KO.
    pub fall: u32,
    /// Start in the failed state.
    pub init_fail: bool,
    /// Not run (its file was not found, is not executable or is insecure): OK from the start
    /// and for ever, as keepalived 1.3.5 sets such a script's result to `rise`.
    pub disabled: bool,
}

/// A `vrrp_sync_group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroupConfig {
    /// Group name.
    pub name: String,
    /// Member instance names (already checked to exist, ≥ 2).
    pub members: Vec<String>,
    /// `global_tracking`: keep member track weights.
    pub global_tracking: bool,
}

/// Minimum spacing of gratuitous ARPs and of unsolicited NAs on one interface (keepalived's
/// per-interface `garp_delay`). `None` = that kind is not paced on the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GarpIntervals {
    /// `garp_interval` / `vrrp_garp_interval`: between two gratuitous ARPs.
    pub garp: Option<Duration>,
    /// `gna_interval` / `vrrp_gna_interval`: between two unsolicited neighbour adverts.
    pub gna: Option<Duration>,
}

/// GARP/NA pacing: `garp_group` blocks and the global `vrrp_garp_interval` /
/// `vrrp_gna_interval`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GarpPacing {
    /// Interfaces named by a `garp_group` (`interface` / `interfaces`): their group's
    /// intervals. An interface listed here never takes [`GarpPacing::default`], even when its
    /// group leaves a kind unset (as in keepalived).
    pub interfaces: Vec<(String, GarpIntervals)>,
    /// The global intervals, for every interface not named by a `garp_group`; `None` when
    /// neither global keyword is set to a non-zero value.
    pub default: Option<GarpIntervals>,
}

impl GarpPacing {
    /// Whether any GARP or NA is paced at all.
    pub fn is_active(&self) -> bool {
        let any = |i: &GarpIntervals| i.garp.is_some() || i.gna.is_some();
        self.default.as_ref().is_some_and(any) || self.interfaces.iter().any(|(_, i)| any(i))
    }
}

/// Global options that affect the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GlobalVrrpConfig {
    /// `-X/--release-vips`.
    pub release_vips: bool,
    /// GARP/NA pacing per interface.
    pub garp_pacing: GarpPacing,
}

/// Everything the engine runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineConfig {
    /// Global protocol options.
    pub global: GlobalVrrpConfig,
    /// Instances, in config order.
    pub instances: Vec<InstanceConfig>,
    /// Sync groups.
    pub sync_groups: Vec<SyncGroupConfig>,
    /// Tracking scripts.
    pub scripts: Vec<ScriptConfig>,
}
