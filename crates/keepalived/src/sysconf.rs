//! Process and interface settings keepalived 1.3.5 makes from the configuration:
//! `vrrp_priority` (nice level), `vrrp_no_swap` (memory locked) and per-instance
//! `promote_secondaries` (the interface's `net.ipv4.conf.IF.promote_secondaries` sysctl).
//!
//! As 1.3.5 (`vrrp_daemon.c` `start_vrrp`, `vrrp_if_config.c`): the process settings are made at
//! start and again at each reload when the keyword is present (never undone); the sysctl is set
//! to 1 for the interface of every running instance with `promote_secondaries` unless it is
//! already 1, and set back to 0 at stop only on the interfaces where we set it.

use std::collections::{BTreeSet, HashSet};

use keepalived_conf as conf;

use crate::logging;

/// `vrrp_priority` and `vrrp_no_swap`: applied to the daemon process; failures are logged with
/// 1.3.5's lines and change nothing else.
pub fn apply_process_settings(g: &conf::GlobalDefs) {
    if let Some(prio) = g.vrrp_priority.filter(|p| *p != 0) {
        // SAFETY: setpriority only changes this process's (thread's) nice value.
        let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, prio) };
        if r == -1 {
            logging::info(&format!(
                "Unable to set process priority to {prio} - {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    if g.vrrp_no_swap {
        // 1.3.5 locks future mappings only (MCL_FUTURE); we lock the current ones too, so the
        // pages already in use (the engine, the sockets' buffers) cannot be swapped out either.
        // SAFETY: mlockall takes flags only and touches no Rust-visible memory.
        let r = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
        if r == -1 {
            logging::info(&format!(
                "Unable to lock process in memory - {}",
                std::io::Error::last_os_error()
            ));
        }
    }
}

/// Interfaces that need `promote_secondaries`: those of the running instances (by name) that
/// have the keyword.
pub fn promote_interfaces<'a>(
    config: &conf::Config,
    running: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let running: HashSet<&str> = running.into_iter().collect();
    config
        .instances
        .iter()
        // A VMAC gets it anyway, and its base interface does not need it (1.3.5 ignores it).
        .filter(|i| i.promote_secondaries && !i.use_vmac && running.contains(i.name.as_str()))
        .filter_map(|i| i.interface.clone())
        .collect()
}

/// Reads and writes one interface's `promote_secondaries` sysctl (a trait so the bookkeeping
/// is tested without /proc).
pub trait Sysctl {
    /// The current value, `None` when it cannot be read (no such interface).
    fn get(&self, interface: &str) -> Option<bool>;
    /// Sets the value.
    fn set(&self, interface: &str, on: bool) -> std::io::Result<()>;
}

/// The real sysctl under `/proc/sys/net/ipv4/conf/IF/promote_secondaries`.
pub struct ProcSysctl;

impl ProcSysctl {
    fn path(interface: &str) -> std::path::PathBuf {
        // The /proc path uses the interface name as is (a VLAN's dot included).
        std::path::Path::new("/proc/sys/net/ipv4/conf")
            .join(interface)
            .join("promote_secondaries")
    }
}

impl Sysctl for ProcSysctl {
    fn get(&self, interface: &str) -> Option<bool> {
        let text = std::fs::read_to_string(Self::path(interface)).ok()?;
        Some(text.trim() != "0")
    }

    fn set(&self, interface: &str, on: bool) -> std::io::Result<()> {
        std::fs::write(Self::path(interface), if on { "1\n" } else { "0\n" })
    }
}

/// The interfaces whose `promote_secondaries` we turned on (and so turn off again).
#[derive(Debug, Default)]
pub struct PromoteSecondaries {
    set_by_us: BTreeSet<String>,
}

impl PromoteSecondaries {
    /// Turns the setting on for every interface in `wanted` where it is off; an interface we
    /// set that is no longer wanted (after a reload) is set back to 0 (1.3.5 forgets it at
    /// reload and leaves it on).
    pub fn apply(&mut self, sys: &dyn Sysctl, wanted: &BTreeSet<String>) {
        let dropped: Vec<String> = self.set_by_us.difference(wanted).cloned().collect();
        for ifname in dropped {
            self.reset_one(sys, &ifname);
        }
        for ifname in wanted {
            if self.set_by_us.contains(ifname) {
                continue;
            }
            match sys.get(ifname) {
                // Already on (by the admin or another daemon): not ours to undo.
                Some(true) => {}
                Some(false) => match sys.set(ifname, true) {
                    Ok(()) => {
                        self.set_by_us.insert(ifname.clone());
                    }
                    Err(e) => logging::info(&format!(
                        "Unable to set promote_secondaries on {ifname} - {e}"
                    )),
                },
                None => logging::info(&format!(
                    "Unable to read promote_secondaries of {ifname} - not set"
                )),
            }
        }
    }

    /// Sets the setting back to 0 wherever we turned it on (at stop).
    pub fn reset_all(&mut self, sys: &dyn Sysctl) {
        let all = std::mem::take(&mut self.set_by_us);
        for ifname in all {
            self.reset_one(sys, &ifname);
        }
    }

    fn reset_one(&mut self, sys: &dyn Sysctl, ifname: &str) {
        self.set_by_us.remove(ifname);
        if let Err(e) = sys.set(ifname, false) {
            logging::info(&format!(
                "Unable to reset promote_secondaries on {ifname} - {e}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    /// In-memory sysctls; a missing interface reads as `None` and fails to write.
    struct Fake(RefCell<BTreeMap<String, bool>>);

    impl Sysctl for Fake {
        fn get(&self, i: &str) -> Option<bool> {
            self.0.borrow().get(i).copied()
        }
        fn set(&self, i: &str, on: bool) -> std::io::Result<()> {
            match self.0.borrow_mut().get_mut(i) {
                Some(v) => {
                    *v = on;
                    Ok(())
                }
                None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
            }
        }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sets_only_what_is_off_and_resets_only_what_it_set() {
        let sys = Fake(RefCell::new(
            [("eth0", false), ("eth1", true), ("eth2", false)]
                .map(|(k, v)| (k.to_string(), v))
                .into(),
        ));
        let mut p = PromoteSecondaries::default();
        p.apply(&sys, &set(&["eth0", "eth1", "missing"]));
        assert_eq!(sys.get("eth0"), Some(true));
        assert_eq!(sys.get("eth1"), Some(true));
        assert_eq!(sys.get("eth2"), Some(false));
        // Reload: eth0 no longer wanted (ours: back to 0), eth2 wanted now.
        p.apply(&sys, &set(&["eth1", "eth2"]));
        assert_eq!(sys.get("eth0"), Some(false));
        assert_eq!(sys.get("eth2"), Some(true));
        // Stop: eth2 back to 0; eth1 was on before us and stays on.
        p.reset_all(&sys);
        assert_eq!(sys.get("eth1"), Some(true));
        assert_eq!(sys.get("eth2"), Some(false));
    }

    #[test]
    fn only_running_instances_with_the_keyword_count() {
        let text = "vrrp_instance A {\ninterface eth0\nvirtual_router_id 1\npromote_secondaries\n}\n\
                    vrrp_instance B {\ninterface eth1\nvirtual_router_id 2\npromote_secondaries\n}\n\
                    vrrp_instance C {\ninterface eth2\nvirtual_router_id 3\n}\n";
        let l = conf::load_str("t.conf", text, &conf::LoadOptions::default());
        assert_eq!(
            promote_interfaces(&l.config, ["A", "C"]),
            set(&["eth0"]),
            "B is not running, C has no promote_secondaries"
        );
    }
}
