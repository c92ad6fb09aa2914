//! The IPVS connection-sync daemon driven by a VRRP instance (`lvs_sync_daemon` in
//! `global_defs`, or the deprecated `lvs_sync_daemon_interface` of a `vrrp_instance`).
//!
//! As in keepalived 1.3.5 it is the VRRP process that drives the kernel's sync daemon from the
//! named instance's state (`vrrp_scheduler.c` `vrrp_init_state`, `vrrp.c`
//! `vrrp_state_become_master`/`vrrp_state_leave_master`/`shutdown_vrrp_instances`,
//! `ipvswrapper.c` `ipvs_syncd_master`/`ipvs_syncd_backup`):
//! - BACKUP (and FAULT: 1.3.5 starts every instance through its BACKUP path, and a MASTER
//!   that leaves for FAULT goes through `ipvs_syncd_backup`) runs the *backup* daemon;
//! - MASTER stops the backup daemon and starts the *master* one; leaving MASTER the reverse;
//! - stop (SIGTERM) stops the daemon of the last state, except with `-V`, where 1.3.5 skips
//!   `shutdown_vrrp_instances` (and we feed no shutdown to the engine);
//! - reload stops the daemon, then starts it again from the new configuration and the
//!   instance's state (`reload_vrrp_thread`, then `vrrp_init_state`);
//! - at start, leftover daemons of a crashed predecessor are stopped silently (`start_vrrp`).
//!
//! The decision is pure ([`wanted`], [`plan`]); [`LvsSyncd`] does the I/O on the blocking
//! netlink client, which only happens on the named instance's transitions and at start,
//! reload and stop. IPVS being unavailable is logged once and never disturbs VRRP.

use std::net::IpAddr;

use ipvs_netlink as nl;
use keepalived_conf as conf;
use vrrp_engine::{Engine, InstanceId, State};

use crate::logging;

/// 1.3.5's command numbers in its `IPVS (cmd N, errno E)` lines (`IP_VS_SO_SET_STARTDAEMON`,
/// `IP_VS_SO_SET_STOPDAEMON` of `<linux/ip_vs.h>`).
const CMD_START: u32 = 1152 + 11;
const CMD_STOP: u32 = 1152 + 12;

/// `lvs_sync_daemon` resolved against the running instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncdConfig {
    /// The vrrp_instance whose state drives the daemon.
    pub instance: String,
    /// Interface the sync messages use.
    pub interface: String,
    /// Sync id (`id N`, else the instance's VRID).
    pub syncid: u8,
    /// `maxlen N`.
    pub maxlen: Option<u16>,
    /// `port N`.
    pub port: Option<u16>,
    /// `ttl N`.
    pub ttl: Option<u8>,
    /// `group ADDR`.
    pub group: Option<IpAddr>,
}

/// One request to the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `IPVS_CMD_DEL_DAEMON` for the daemon in that role.
    Stop(nl::SyncState),
    /// `IPVS_CMD_NEW_DAEMON`.
    Start(nl::SyncDaemon),
}

/// Resolves the configuration against the instances that run (name, VRID), in 1.3.5's
/// order: the global `lvs_sync_daemon`, else the first instance with the deprecated
/// `lvs_sync_daemon_interface`. Returns the lines 1.3.5 logs for what it drops.
pub fn resolve(
    config: &conf::Config,
    running: &[(&str, u8)],
) -> (Option<SyncdConfig>, Vec<String>) {
    let mut lines = Vec::new();
    let vrid_of = |name: &str| running.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    if let Some(g) = &config.global_defs.lvs_sync_daemon {
        for i in config
            .instances
            .iter()
            .filter(|i| i.lvs_sync_daemon_interface.is_some())
        {
            lines.push(format!(
                "({}): lvs_sync_daemon_interface has already been specified as {} - ignoring",
                i.name, g.interface
            ));
        }
        let Some(vrid) = vrid_of(&g.vrrp_instance) else {
            lines.push(format!(
                "Unable to find vrrp instance {} for lvs_syncd - clearing lvs_syncd config",
                g.vrrp_instance
            ));
            return (None, lines);
        };
        let cfg = SyncdConfig {
            instance: g.vrrp_instance.clone(),
            interface: g.interface.clone(),
            syncid: g.syncid.unwrap_or(vrid),
            maxlen: g.maxlen,
            port: g.port,
            ttl: g.ttl,
            group: g.group,
        };
        return (Some(cfg), lines);
    }
    let mut found: Option<SyncdConfig> = None;
    for i in &config.instances {
        let Some(ifn) = &i.lvs_sync_daemon_interface else {
            continue;
        };
        if let Some(f) = &found {
            lines.push(format!(
                "({}): lvs_sync_daemon_interface has already been specified as {} - ignoring",
                i.name, f.interface
            ));
            continue;
        }
        // An instance left out of the running set (unusable) drives nothing.
        let Some(vrid) = vrid_of(&i.name) else {
            continue;
        };
        // 1.3.5 leaves the sync id unset here (UINT_MAX reaches the kernel, whose backup then
        // matches no message); the VRID is what 1.2 used and what `lvs_sync_daemon` defaults to.
        found = Some(SyncdConfig {
            instance: i.name.clone(),
            interface: ifn.clone(),
            syncid: vrid,
            maxlen: None,
            port: None,
            ttl: None,
            group: None,
        });
    }
    (found, lines)
}

/// The daemon the instance's `state` asks for: master in MASTER, backup in BACKUP and FAULT,
/// none before start and after stop.
pub fn wanted(cfg: Option<&SyncdConfig>, state: State) -> Option<nl::SyncDaemon> {
    let cfg = cfg?;
    let role = match state {
        State::Master => nl::SyncState::Master,
        State::Backup | State::Fault => nl::SyncState::Backup,
        State::Init => return None,
    };
    let mut d = nl::SyncDaemon::new(role, &cfg.interface, u32::from(cfg.syncid));
    d.sync_maxlen = cfg.maxlen;
    d.mcast_port = cfg.port;
    d.mcast_ttl = cfg.ttl;
    d.mcast_group = cfg.group;
    Some(d)
}

/// Calls that turn the `running` daemon into the `wanted` one: stop first, then start (1.3.5's
/// `ipvs_syncd_master`/`ipvs_syncd_backup` order), nothing when they are the same.
pub fn plan(running: Option<&nl::SyncDaemon>, wanted: Option<&nl::SyncDaemon>) -> Vec<Call> {
    if running == wanted {
        return Vec::new();
    }
    let mut calls = Vec::with_capacity(2);
    if let Some(r) = running {
        calls.push(Call::Stop(r.state));
    }
    if let Some(w) = wanted {
        calls.push(Call::Start(w.clone()));
    }
    calls
}

/// libipvs's wording of the kernel's refusals (`ipvs_strerror`), as 1.3.5 logs them.
fn ipvs_strerror(call: &Call, errno: i32) -> String {
    match (call, errno) {
        (Call::Start(_), libc::EEXIST) => "Daemon has already run".into(),
        (Call::Stop(_), libc::ESRCH) => "No daemon is running".into(),
        (_, libc::EPERM) => "Permission denied (you must be root)".into(),
        (_, libc::EINVAL) => {
            "Invalid operation.  Possibly wrong module version, address not unicast, ...".into()
        }
        (_, libc::ENOPROTOOPT) => "Protocol not available".into(),
        (_, libc::ENOMEM) => "Memory allocation problem".into(),
        _ => std::io::Error::from_raw_os_error(errno).to_string(),
    }
}

/// The sync daemon of the running configuration and the kernel connection it uses.
pub struct LvsSyncd {
    cfg: Option<SyncdConfig>,
    /// What we started and have not stopped.
    running: Option<nl::SyncDaemon>,
    /// `None` until first needed, or after it failed (retried at the next reload).
    client: Option<nl::IpvsClient>,
}

impl LvsSyncd {
    /// Nothing configured, nothing running.
    pub fn new() -> Self {
        LvsSyncd {
            cfg: None,
            running: None,
            client: None,
        }
    }

    /// Takes `config` (start, or reload after [`LvsSyncd::stop_for_reload`]) against the
    /// instances of `engine`, connects to IPVS and stops leftover daemons. The daemon itself
    /// starts with the instance's next transition or [`LvsSyncd::settle`].
    pub fn configure(&mut self, config: &conf::Config, engine: &Engine) {
        let names: Vec<(std::sync::Arc<str>, u8)> = (0..engine.instance_count())
            .map(InstanceId)
            .filter_map(|id| Some((engine.instance_name(id)?, engine.instance_config(id)?.vrid)))
            .collect();
        let running: Vec<(&str, u8)> = names.iter().map(|(n, v)| (&**n, *v)).collect();
        let (cfg, lines) = resolve(config, &running);
        for l in lines {
            logging::info(&l);
        }
        self.cfg = cfg;
        if self.cfg.is_none() || self.connect().is_none() {
            return;
        }
        if let Some(t) = &config.global_defs.lvs_timeouts {
            // 1.3.5's VRRP process sets them too when it manages the sync daemon.
            let secs = |d: Option<std::time::Duration>| {
                d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
            };
            let t = nl::Timeouts {
                tcp: secs(t.tcp),
                tcp_fin: secs(t.tcpfin),
                udp: secs(t.udp),
            };
            if let Some(c) = self.client.as_mut() {
                if let Err(e) = c.set_timeouts(&t) {
                    logging::info(&format!("IPVS: cannot set the LVS timeouts: {e}"));
                }
            }
        }
        if self.running.is_none() {
            // A crashed predecessor's daemons: stopped without a word, as 1.3.5.
            if let Some(c) = self.client.as_mut() {
                let _ = c.stop_daemon(nl::SyncState::Master);
                let _ = c.stop_daemon(nl::SyncState::Backup);
            }
        }
    }

    /// An instance entered `to`: moves the daemon when it is the named instance.
    pub fn on_state(&mut self, instance: &str, to: State) {
        if self.cfg.as_ref().is_some_and(|c| c.instance == instance) {
            self.reach(to);
        }
    }

    /// Brings the daemon to what the named instance's current state asks for (after a
    /// reload, whose persisting instances make no transition).
    pub fn settle(&mut self, engine: &Engine) {
        let Some(cfg) = &self.cfg else {
            return;
        };
        let state = (0..engine.instance_count())
            .map(InstanceId)
            .find(|id| engine.instance_name(*id).as_deref() == Some(cfg.instance.as_str()))
            .map_or(State::Init, |id| engine.state(id));
        self.reach(state);
    }

    /// SIGHUP, before the new configuration: stops the running daemon (1.3.5 restarts it on
    /// every reload, so a changed interface or id takes effect and a daemon stopped by hand
    /// comes back).
    pub fn stop_for_reload(&mut self) {
        self.do_calls(plan(self.running.as_ref(), None));
        self.running = None;
        self.cfg = None;
    }

    fn reach(&mut self, state: State) {
        let w = wanted(self.cfg.as_ref(), state);
        let calls = plan(self.running.as_ref(), w.as_ref());
        if calls.is_empty() {
            return;
        }
        self.do_calls(calls);
        // What the kernel refused is not running either way; retried at the next transition.
        self.running = w;
    }

    fn do_calls(&mut self, calls: Vec<Call>) {
        if calls.is_empty() {
            return;
        }
        let Some(client) = self.connect() else {
            return;
        };
        for call in &calls {
            let (cmd, r) = match call {
                Call::Stop(role) => (CMD_STOP, client.stop_daemon(*role)),
                Call::Start(d) => (CMD_START, client.start_daemon(d)),
            };
            match r {
                Ok(()) => logging::detail(&describe(call)),
                Err(e) => match e.errno() {
                    Some(errno) => logging::info(&format!(
                        "IPVS (cmd {cmd}, errno {errno}): {}",
                        ipvs_strerror(call, errno)
                    )),
                    None => logging::info(&format!("IPVS: {}: {e}", describe(call))),
                },
            }
        }
    }

    /// The client, connecting (and loading `ip_vs`) on first use; a failure is logged once
    /// per configuration.
    fn connect(&mut self) -> Option<&mut nl::IpvsClient> {
        if self.client.is_none() {
            // 1.3.5's ipvs_start: modprobe, then try again.
            match nl::IpvsClient::connect_loading_module() {
                Ok(c) => self.client = Some(c),
                Err(e) => {
                    // 1.3.5's VRRP process exits here; VRRP must go on without the sync daemon.
                    logging::error(&format!(
                        "IPVS: Can't initialize ipvs: {e} - the LVS sync daemon is not started, VRRP runs on"
                    ));
                    self.cfg = None;
                    return None;
                }
            }
        }
        self.client.as_mut()
    }
}

/// A call as the `-D` log line names it (1.3.5 logs nothing when a call works).
fn describe(call: &Call) -> String {
    match call {
        Call::Stop(r) => format!("IPVS: stopping the {} sync daemon", role_name(*r)),
        Call::Start(d) => format!(
            "IPVS: starting the {} sync daemon on {} (syncid {})",
            role_name(d.state),
            d.mcast_ifn,
            d.sync_id
        ),
    }
}

fn role_name(r: nl::SyncState) -> &'static str {
    match r {
        nl::SyncState::Master => "master",
        nl::SyncState::Backup => "backup",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SyncdConfig {
        SyncdConfig {
            instance: "VI_1".into(),
            interface: "eth1".into(),
            syncid: 51,
            maxlen: None,
            port: None,
            ttl: None,
            group: None,
        }
    }

    /// Replays `states` of the named instance and returns every call made.
    fn replay(states: &[State]) -> Vec<Call> {
        let c = cfg();
        let mut running = None;
        let mut all = Vec::new();
        for s in states {
            let w = wanted(Some(&c), *s);
            all.extend(plan(running.as_ref(), w.as_ref()));
            running = w;
        }
        all
    }

    fn start(role: nl::SyncState) -> Call {
        Call::Start(nl::SyncDaemon::new(role, "eth1", 51))
    }

    use nl::SyncState::{Backup as B, Master as M};

    #[test]
    fn start_in_backup_runs_the_backup_daemon() {
        assert_eq!(replay(&[State::Backup]), vec![start(B)]);
    }

    #[test]
    fn becoming_master_swaps_backup_for_master_stop_first() {
        assert_eq!(
            replay(&[State::Backup, State::Master]),
            vec![start(B), Call::Stop(B), start(M)]
        );
    }

    #[test]
    fn leaving_master_for_backup_or_fault_swaps_back() {
        let calls = vec![start(B), Call::Stop(B), start(M), Call::Stop(M), start(B)];
        assert_eq!(
            replay(&[State::Backup, State::Master, State::Backup]),
            calls
        );
        assert_eq!(replay(&[State::Backup, State::Master, State::Fault]), calls);
    }

    #[test]
    fn backup_and_fault_share_the_backup_daemon() {
        // 1.3.5 starts every instance through BACKUP; FAULT changes nothing for the daemon.
        assert_eq!(
            replay(&[State::Fault, State::Backup, State::Fault]),
            vec![start(B)]
        );
    }

    #[test]
    fn owner_straight_to_master_starts_only_the_master() {
        assert_eq!(replay(&[State::Master]), vec![start(M)]);
    }

    #[test]
    fn stop_stops_the_daemon_of_the_last_state() {
        assert_eq!(
            replay(&[State::Backup, State::Master, State::Init]),
            vec![start(B), Call::Stop(B), start(M), Call::Stop(M)]
        );
        assert_eq!(
            replay(&[State::Backup, State::Init]),
            vec![start(B), Call::Stop(B)]
        );
    }

    #[test]
    fn options_reach_the_kernel_request() {
        let mut c = cfg();
        c.maxlen = Some(1400);
        c.port = Some(8850);
        c.ttl = Some(3);
        c.group = Some("239.1.1.81".parse().unwrap());
        let d = wanted(Some(&c), State::Master).unwrap();
        assert_eq!(d.state, M);
        assert_eq!(
            (
                d.mcast_ifn.as_str(),
                d.sync_id,
                d.sync_maxlen,
                d.mcast_port,
                d.mcast_ttl
            ),
            ("eth1", 51, Some(1400), Some(8850), Some(3))
        );
        assert_eq!(d.mcast_group, c.group);
        assert_eq!(wanted(None, State::Master), None);
        assert_eq!(wanted(Some(&c), State::Init), None);
    }

    #[test]
    fn changed_settings_restart_the_daemon() {
        let a = wanted(Some(&cfg()), State::Backup).unwrap();
        let mut other = cfg();
        other.interface = "eth2".into();
        let b = wanted(Some(&other), State::Backup).unwrap();
        assert_eq!(
            plan(Some(&a), Some(&b)),
            vec![Call::Stop(B), Call::Start(b)]
        );
        assert_eq!(plan(Some(&a), Some(&a.clone())), vec![]);
    }

    fn parse(text: &str) -> conf::Config {
        conf::load_str("test.conf", text, &conf::LoadOptions::default()).config
    }

    const INSTANCES: &str = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n}\n\
                             vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority 100\n lvs_sync_daemon_interface eth9\n}\n";

    #[test]
    fn syncid_defaults_to_the_instance_vrid() {
        let c = parse(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_1 maxlen 1400\n}}\n{INSTANCES}"
        ));
        let (r, lines) = resolve(&c, &[("VI_1", 51), ("VI_2", 52)]);
        let r = r.unwrap();
        assert_eq!(
            (r.instance.as_str(), r.interface.as_str(), r.syncid),
            ("VI_1", "eth1", 51)
        );
        assert_eq!(r.maxlen, Some(1400));
        // The deprecated keyword of VI_2 loses to global_defs.
        assert_eq!(
            lines,
            vec!["(VI_2): lvs_sync_daemon_interface has already been specified as eth1 - ignoring"]
        );
        let c = parse(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_2 id 7\n}}\n{INSTANCES}"
        ));
        assert_eq!(
            resolve(&c, &[("VI_1", 51), ("VI_2", 52)]).0.unwrap().syncid,
            7
        );
    }

    #[test]
    fn unknown_instance_clears_the_config_with_1_3_5_line() {
        let c = parse(&format!(
            "global_defs {{\n lvs_sync_daemon eth1 VI_9\n}}\n{INSTANCES}"
        ));
        let (r, lines) = resolve(&c, &[("VI_1", 51), ("VI_2", 52)]);
        assert_eq!(r, None);
        assert!(lines.contains(
            &"Unable to find vrrp instance VI_9 for lvs_syncd - clearing lvs_syncd config"
                .to_string()
        ));
    }

    #[test]
    fn deprecated_instance_keyword_drives_its_own_instance() {
        let c = parse(INSTANCES);
        let (r, lines) = resolve(&c, &[("VI_1", 51), ("VI_2", 52)]);
        let r = r.unwrap();
        assert_eq!(
            (r.instance.as_str(), r.interface.as_str(), r.syncid),
            ("VI_2", "eth9", 52)
        );
        assert!(lines.is_empty());
        // Not running (dropped as unusable): nothing to drive.
        assert_eq!(resolve(&c, &[("VI_1", 51)]).0, None);
    }

    #[test]
    fn kernel_refusals_use_libipvs_words() {
        assert_eq!(
            ipvs_strerror(&start(B), libc::EEXIST),
            "Daemon has already run"
        );
        assert_eq!(
            ipvs_strerror(&Call::Stop(M), libc::ESRCH),
            "No daemon is running"
        );
        assert_eq!(CMD_START, 1163);
        assert_eq!(CMD_STOP, 1164);
    }
}
