//! VMAC interfaces (`use_vmac`) at run time: created (or reused) at start and reload, removed
//! at stop, with the interface settings of keepalived 1.3.5 (`vrrp_vmac.c`
//! `netlink_link_add_vmac` / `netlink_link_del_vmac`, `vrrp_if_config.c`):
//!
//! 1. an incompatible interface of the same name is deleted, then the macvlan (private mode,
//!    virtual MAC) is created on the instance's interface;
//! 2. IPv4: on the VMAC `arp_ignore=1`, `accept_local=1`, `rp_filter=0`,
//!    `promote_secondaries=1`; on the base interface `arp_ignore=1` and `arp_filter=1` (the
//!    original values kept and written back when its last VMAC goes); IPv6 off on the VMAC
//!    (`disable_ipv6=1`) unless the instance has IPv6 excluded VIPs;
//! 3. IPv6 (or IPv6 excluded VIPs): address generation off; IPv6: the link-local source
//!    address added to the VMAC;
//! 4. the VMAC set up.
//!
//! Failures are logged with 1.3.5's lines and never stop the daemon (the instance then has no
//! usable interface and stays in FAULT, as its interface is missing).

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use vrrp_engine::Family;
use vrrp_netlink::{AddressSpec, Netlink};

use crate::convert::{Interfaces, VmacSpec};
use crate::logging;

/// Reads and writes `/proc/sys/net/{ipv4,ipv6}/conf/IF/KEY` (a trait so the bookkeeping is
/// tested without /proc).
pub trait ConfSysctl {
    /// The value, `None` when it cannot be read.
    fn get(&self, ipv6: bool, interface: &str, key: &str) -> Option<u32>;
    /// Sets the value.
    fn set(&self, ipv6: bool, interface: &str, key: &str, value: u32) -> std::io::Result<()>;
}

/// The real per-interface sysctls.
pub struct ProcConf;

impl ProcConf {
    fn path(ipv6: bool, interface: &str, key: &str) -> std::path::PathBuf {
        // The interface name as is (the dot of `vrrp.51` included): /proc does not translate.
        std::path::Path::new(if ipv6 {
            "/proc/sys/net/ipv6/conf"
        } else {
            "/proc/sys/net/ipv4/conf"
        })
        .join(interface)
        .join(key)
    }
}

impl ConfSysctl for ProcConf {
    fn get(&self, ipv6: bool, interface: &str, key: &str) -> Option<u32> {
        std::fs::read_to_string(Self::path(ipv6, interface, key))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn set(&self, ipv6: bool, interface: &str, key: &str, value: u32) -> std::io::Result<()> {
        std::fs::write(Self::path(ipv6, interface, key), format!("{value}\n"))
    }
}

/// A VMAC the daemon runs on.
#[derive(Debug, Clone)]
struct Active {
    spec: VmacSpec,
    index: u32,
}

/// A base interface's ARP settings before its first VMAC, and how many VMACs use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Saved {
    arp_ignore: Option<u32>,
    arp_filter: Option<u32>,
    users: usize,
}

/// The VMACs of the running configuration and the base-interface settings to restore.
#[derive(Debug, Default)]
pub struct Vmacs {
    active: Vec<Active>,
    saved: BTreeMap<String, Saved>,
    /// VMACs the kernel deleted under us (with their base interface, or alone): created again
    /// once their base interface is there.
    lost: Vec<VmacSpec>,
}

impl Vmacs {
    /// The base interface of a running VMAC. A VMAC's link state is its base interface's,
    /// as 1.3.5 reflects the base's flags on it (`if_vmac_reflect_flags`): the VMAC's own
    /// events (its creation first down, then up) would flap the instance.
    pub fn base_of(&self, name: &str) -> Option<&str> {
        self.active
            .iter()
            .find(|a| a.spec.name == name)
            .map(|a| a.spec.base.as_str())
    }

    /// The running VMACs on a base interface.
    pub fn on_base(&self, base: &str) -> Vec<String> {
        self.active
            .iter()
            .filter(|a| a.spec.base == base)
            .map(|a| a.spec.name.clone())
            .collect()
    }

    /// Creates (or reuses) and configures every VMAC of `specs` not already running; `ifs`
    /// is the interface snapshot the specs were resolved against.
    pub async fn setup(
        &mut self,
        nl: &Netlink,
        sys: &dyn ConfSysctl,
        specs: &[VmacSpec],
        ifs: &Interfaces,
    ) {
        for spec in specs {
            let running = self.active.iter().any(|a| {
                a.spec.name == spec.name && a.spec.base == spec.base && a.spec.mac == spec.mac
            });
            if running {
                continue;
            }
            if let Some(index) = self.create(nl, spec, ifs).await {
                self.configure(nl, sys, spec, index).await;
                self.active.push(Active {
                    spec: spec.clone(),
                    index,
                });
            }
        }
    }

    /// A link was deleted: if it was one of our VMACs (same index), it is lost until
    /// [`Vmacs::recreate`]; returns whether it was.
    pub fn link_removed(&mut self, sys: &dyn ConfSysctl, name: &str, index: u32) -> bool {
        let Some(pos) = self
            .active
            .iter()
            .position(|a| a.spec.name == name && a.index == index)
        else {
            return false;
        };
        let a = self.active.remove(pos);
        logging::info(&format!(
            "vmac: VMAC interface {name} of vrrp_instance {} was deleted - it is created again when {} is there",
            a.spec.instance, a.spec.base
        ));
        if a.spec.family == Family::V4 {
            self.reset_interface_parameters(sys, &a.spec.base);
        }
        self.lost.push(VmacSpec {
            exists: false,
            replace: false,
            ..a.spec
        });
        true
    }

    /// Creates again the lost VMACs whose base interface is in `ifs`; returns their names.
    pub async fn recreate(
        &mut self,
        nl: &Netlink,
        sys: &dyn ConfSysctl,
        ifs: &Interfaces,
    ) -> Vec<String> {
        let (ready, waiting): (Vec<VmacSpec>, Vec<VmacSpec>) = std::mem::take(&mut self.lost)
            .into_iter()
            .partition(|s| ifs.contains_key(&s.base));
        self.lost = waiting;
        let mut names = Vec::new();
        for spec in ready {
            match self.create(nl, &spec, ifs).await {
                Some(index) => {
                    self.configure(nl, sys, &spec, index).await;
                    names.push(spec.name.clone());
                    self.active.push(Active { spec, index });
                }
                // The base went again meanwhile (its removal not seen yet): its next link
                // event retries.
                None => self.lost.push(spec),
            }
        }
        names
    }

    /// Whether a lost VMAC waits for `base`.
    pub fn waits_for(&self, base: &str) -> bool {
        self.lost.iter().any(|s| s.base == base)
    }

    /// Step 1: the macvlan exists afterwards (its index), or `None` (logged).
    async fn create(&self, nl: &Netlink, spec: &VmacSpec, ifs: &Interfaces) -> Option<u32> {
        let (name, iname) = (&spec.name, &spec.instance);
        if spec.exists {
            if let Some(i) = ifs.get(name) {
                return Some(i.index);
            }
        }
        if spec.replace {
            if let Some(old) = ifs.get(name) {
                logging::info(&format!(
                    "vmac: Removing old VMAC interface {name} due to conflicting interface or MAC for vrrp_instance {iname}!!!"
                ));
                if let Err(e) = nl.delete_link(old.index).await {
                    logging::info(&format!(
                        "vmac: Error removing VMAC interface {name} for vrrp_instance {iname}!!! ({e})"
                    ));
                    return None;
                }
            }
        }
        let Some(base) = ifs.get(&spec.base) else {
            logging::info(&format!(
                "vmac: Error creating VMAC interface {name} for vrrp_instance {iname}!!! (no interface {})",
                spec.base
            ));
            return None;
        };
        match nl.create_vmac(name, base.index, spec.mac).await {
            Ok(index) => {
                logging::info(&format!(
                    "vmac: Success creating VMAC interface {name} for vrrp_instance {iname}"
                ));
                Some(index)
            }
            Err(e) => {
                logging::info(&format!(
                    "vmac: Error creating VMAC interface {name} for vrrp_instance {iname}!!! ({e})"
                ));
                None
            }
        }
    }

    /// Steps 2–4 on a created or reused VMAC.
    async fn configure(&mut self, nl: &Netlink, sys: &dyn ConfSysctl, spec: &VmacSpec, index: u32) {
        let name = &spec.name;
        if spec.family == Family::V4 {
            self.set_interface_parameters(sys, spec);
            if !spec.ipv6_evips {
                // Absent when the kernel has no IPv6: then there is nothing to turn off.
                let _ = sys.set(true, name, "disable_ipv6", 1);
            }
        }
        if (spec.family == Family::V6 || spec.ipv6_evips)
            && nl.set_addr_gen_none(index).await.is_err()
        {
            logging::info("vmac: Error setting ADDR_GEN_MODE to NONE");
        }
        if let (Family::V6, Some(ll)) = (spec.family, spec.link_local) {
            let a = AddressSpec {
                ifindex: index,
                addr: IpAddr::V6(ll),
                prefix_len: 64,
                broadcast: None,
                scope: 253,
                label: None,
            };
            if nl.add_address(&a).await.is_err() {
                logging::info("Adding link-local address to vmac failed");
            }
        }
        if let Err(e) = nl.set_link_up(index).await {
            logging::info(&format!("vmac: Error bringing {name} up ({e})"));
        }
    }

    /// 1.3.5's `set_interface_parameters`: the VMAC's own settings, then the base interface's
    /// (saved by its first VMAC).
    fn set_interface_parameters(&mut self, sys: &dyn ConfSysctl, spec: &VmacSpec) {
        let vmac = spec.name.as_str();
        let wanted = [
            ("arp_ignore", 1),
            ("accept_local", 1),
            ("rp_filter", 0),
            ("promote_secondaries", 1),
        ];
        let mut failed = false;
        for (key, value) in wanted {
            failed |= sys.set(false, vmac, key, value).is_err();
        }
        if failed {
            logging::info(&format!("Unable to set parameters for {vmac}"));
        }
        let base = spec.base.as_str();
        if let Some(s) = self.saved.get_mut(base) {
            s.users += 1;
            return;
        }
        let saved = Saved {
            arp_ignore: sys.get(false, base, "arp_ignore"),
            arp_filter: sys.get(false, base, "arp_filter"),
            users: 1,
        };
        for (key, old) in [
            ("arp_ignore", saved.arp_ignore),
            ("arp_filter", saved.arp_filter),
        ] {
            if old.is_some_and(|v| v != 1) && sys.set(false, base, key, 1).is_err() {
                logging::info(&format!("Unable to set parameters for {base}"));
            }
        }
        self.saved.insert(base.to_string(), saved);
    }

    /// 1.3.5's `reset_interface_parameters`: the base interface's values back once its last
    /// VMAC is gone.
    fn reset_interface_parameters(&mut self, sys: &dyn ConfSysctl, base: &str) {
        let Some(s) = self.saved.get_mut(base) else {
            return;
        };
        s.users = s.users.saturating_sub(1);
        if s.users > 0 {
            return;
        }
        let s = *s;
        self.saved.remove(base);
        for (key, old) in [("arp_ignore", s.arp_ignore), ("arp_filter", s.arp_filter)] {
            if let Some(v) = old.filter(|v| *v != 1) {
                if sys.set(false, base, key, v).is_err() {
                    logging::info(&format!("Unable to reset parameters for {base}"));
                }
            }
        }
    }

    /// Removes every running VMAC whose name is not in `keep` (all of them at stop), the base
    /// interface's settings first, as 1.3.5.
    pub async fn teardown(&mut self, nl: &Netlink, sys: &dyn ConfSysctl, keep: &HashSet<&str>) {
        self.lost.retain(|s| keep.contains(s.name.as_str()));
        let (gone, kept): (Vec<Active>, Vec<Active>) = std::mem::take(&mut self.active)
            .into_iter()
            .partition(|a| !keep.contains(a.spec.name.as_str()));
        self.active = kept;
        for a in gone {
            let (name, iname) = (&a.spec.name, &a.spec.instance);
            if a.spec.family == Family::V4 {
                self.reset_interface_parameters(sys, &a.spec.base);
            }
            match nl.delete_link(a.index).await {
                Ok(_) => logging::info(&format!(
                    "vmac: Success removing VMAC interface {name} for vrrp_instance {iname}"
                )),
                Err(e) => logging::info(&format!(
                    "vmac: Error removing VMAC interface {name} for vrrp_instance {iname}!!! ({e})"
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// In-memory sysctls keyed by (ipv6, interface, key); a missing key fails to write.
    #[derive(Default)]
    struct Fake(RefCell<BTreeMap<(bool, String, String), u32>>);

    impl Fake {
        fn with(&self, iface: &str, key: &str, v: u32) {
            self.0
                .borrow_mut()
                .insert((false, iface.into(), key.into()), v);
        }
        fn val(&self, iface: &str, key: &str) -> Option<u32> {
            self.get(false, iface, key)
        }
    }

    impl ConfSysctl for Fake {
        fn get(&self, ipv6: bool, i: &str, k: &str) -> Option<u32> {
            self.0
                .borrow()
                .get(&(ipv6, i.to_string(), k.to_string()))
                .copied()
        }
        fn set(&self, ipv6: bool, i: &str, k: &str, v: u32) -> std::io::Result<()> {
            match self
                .0
                .borrow_mut()
                .get_mut(&(ipv6, i.to_string(), k.to_string()))
            {
                Some(x) => {
                    *x = v;
                    Ok(())
                }
                None => Err(std::io::Error::from(std::io::ErrorKind::NotFound)),
            }
        }
    }

    fn spec(name: &str, base: &str) -> VmacSpec {
        VmacSpec {
            instance: "VI_1".into(),
            name: name.into(),
            base: base.into(),
            mac: [0, 0, 0x5e, 0, 1, 51],
            family: Family::V4,
            ipv6_evips: false,
            xmit_base: false,
            link_local: None,
            exists: false,
            replace: false,
        }
    }

    #[test]
    fn vmac_and_base_settings_then_base_restored_after_its_last_vmac() {
        let sys = Fake::default();
        for key in [
            "arp_ignore",
            "accept_local",
            "rp_filter",
            "promote_secondaries",
        ] {
            sys.with("vrrp.51", key, 7);
            sys.with("vrrp.52", key, 7);
        }
        sys.with("eth0", "arp_ignore", 0);
        sys.with("eth0", "arp_filter", 2);
        let mut v = Vmacs::default();
        v.set_interface_parameters(&sys, &spec("vrrp.51", "eth0"));
        assert_eq!(
            [
                sys.val("vrrp.51", "arp_ignore"),
                sys.val("vrrp.51", "accept_local"),
                sys.val("vrrp.51", "rp_filter"),
                sys.val("vrrp.51", "promote_secondaries")
            ],
            [Some(1), Some(1), Some(0), Some(1)]
        );
        assert_eq!(sys.val("eth0", "arp_ignore"), Some(1));
        assert_eq!(sys.val("eth0", "arp_filter"), Some(1));
        // A second VMAC on eth0 must not save the values the first one set.
        v.set_interface_parameters(&sys, &spec("vrrp.52", "eth0"));
        v.reset_interface_parameters(&sys, "eth0");
        assert_eq!(
            sys.val("eth0", "arp_ignore"),
            Some(1),
            "one VMAC still there"
        );
        v.reset_interface_parameters(&sys, "eth0");
        assert_eq!(sys.val("eth0", "arp_ignore"), Some(0));
        assert_eq!(sys.val("eth0", "arp_filter"), Some(2));
        assert!(v.saved.is_empty());
    }
}
