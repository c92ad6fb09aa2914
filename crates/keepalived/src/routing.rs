//! The daemon's side of `virtual_routes`/`virtual_rules` and `static_*` (issue 11): what is
//! configured ([`Routing`]), what we installed, and the netlink calls that move one to the
//! other.
//!
//! - An instance's routes and rules go in when the engine says `SetRoutes(true)` (on becoming
//!   MASTER, after its VIPs, so `src VIP` works) and out on `SetRoutes(false)` (rules first,
//!   then routes, then the engine removes the VIPs: 1.3.5's order).
//! - Static addresses, routes and rules go in at start whatever the VRRP state and out at stop.
//! - A reload removes what the new configuration no longer has and adds what is new.
//! - When an interface comes back up, the wanted routes are added again: the kernel deletes
//!   the routes of an interface that goes down (and of a deleted one), not its rules, and
//!   refuses a route through an interface that is down.
//!
//! Interfaces are kept by name and looked up when a route is installed, so a route follows an
//! interface that was deleted and re-created.

use std::collections::{HashMap, HashSet};

use vrrp_engine::Vip;
use vrrp_netlink::{AddressSpec, Netlink, NetlinkError, RouteSpec};

use crate::convert::{Interfaces, RouteConf, Routing, RuleConf};
use crate::logging;

/// Most copies of one leftover rule removed at start (kernels before 4.13 let a crashed
/// predecessor add the same rule more than once).
const MAX_LEFTOVER_COPIES: usize = 16;

/// What is installed for one owner (an instance, or the static entries): the routes it wants
/// (added, or waiting for their interface) and the rules that were added.
#[derive(Debug, Default)]
struct Installed {
    routes: Vec<RouteConf>,
    rules: Vec<RuleConf>,
}

impl Installed {
    /// Takes out (and returns) what the configuration no longer wants.
    fn split_gone(&mut self, routes: &[RouteConf], rules: &[RuleConf]) -> Installed {
        let (keep, gone_routes) = std::mem::take(&mut self.routes)
            .into_iter()
            .partition(|r| routes.contains(r));
        self.routes = keep;
        let (keep, gone_rules) = std::mem::take(&mut self.rules)
            .into_iter()
            .partition(|r| rules.contains(r));
        self.rules = keep;
        Installed {
            routes: gone_routes,
            rules: gone_rules,
        }
    }
}

/// Configured and installed routes, rules and static addresses.
#[derive(Debug, Default)]
pub struct RouteManager {
    cfg: Routing,
    /// Instance name → what we added for it.
    instances: HashMap<String, Installed>,
    statics: Installed,
    static_addrs: Vec<Vip>,
}

/// Whose route or rule a log line is about: an instance's, or a static one (`None`).
fn owner(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("VRRP_Instance({n})"),
        None => "Static routing:".to_string(),
    }
}

impl RouteManager {
    /// A manager for `cfg` with nothing installed.
    pub fn new(cfg: Routing) -> RouteManager {
        RouteManager {
            cfg,
            ..RouteManager::default()
        }
    }

    /// The routing configuration in effect.
    pub fn config(&self) -> &Routing {
        &self.cfg
    }

    /// Start: removes leftovers of a predecessor (the instances' rules and routes, the
    /// static rules, which the kernel would otherwise hold twice), then adds the static
    /// addresses, routes and rules.
    pub async fn start(&mut self, nl: &Netlink, ifs: &Interfaces) {
        let mut leftover_rules: Vec<&RuleConf> = self.cfg.static_rules.iter().collect();
        let mut leftover_routes = Vec::new();
        for r in self.cfg.instances.values() {
            leftover_rules.extend(&r.rules);
            leftover_routes.extend(&r.routes);
        }
        for rule in leftover_rules {
            for _ in 0..MAX_LEFTOVER_COPIES {
                match nl.del_rule(&rule.spec).await {
                    Ok(true) => logging::detail(&format!("Removed leftover rule {}", rule.text)),
                    Ok(false) | Err(_) => break,
                }
            }
        }
        for route in leftover_routes {
            if let Some(spec) = resolve_quiet(route, ifs) {
                if let Ok(true) = nl.del_route(&spec).await {
                    logging::detail(&format!("Removed leftover route {}", route.text));
                }
            }
        }
        let addrs = self.cfg.static_addresses.clone();
        for a in &addrs {
            if add_address(nl, ifs, a).await {
                self.static_addrs.push(a.clone());
            }
        }
        let (routes, rules) = (
            self.cfg.static_routes.clone(),
            self.cfg.static_rules.clone(),
        );
        add_all(nl, ifs, None, &routes, &rules, &mut self.statics).await;
    }

    /// `SetRoutes(on)` of instance `name`.
    pub async fn set_instance(&mut self, nl: &Netlink, ifs: &Interfaces, name: &str, on: bool) {
        if on {
            let Some(r) = self.cfg.instances.get(name) else {
                return;
            };
            let (routes, rules) = (r.routes.clone(), r.rules.clone());
            detail_lines(name, "setting", !routes.is_empty(), !rules.is_empty());
            let inst = self.instances.entry(name.to_string()).or_default();
            add_all(nl, ifs, Some(name), &routes, &rules, inst).await;
        } else if let Some(mut inst) = self.instances.remove(name) {
            detail_lines(
                name,
                "removing",
                !inst.routes.is_empty(),
                !inst.rules.is_empty(),
            );
            remove_all(nl, ifs, Some(name), &mut inst).await;
        }
    }

    /// Reload: takes `cfg`; routes and rules of instances that are no longer MASTER (or no
    /// longer exist) go, and what each side has that the other lacks is removed or added.
    pub async fn reload(
        &mut self,
        nl: &Netlink,
        ifs: &Interfaces,
        cfg: Routing,
        masters: &HashSet<String>,
    ) {
        self.cfg = cfg;
        let names: Vec<String> = self.instances.keys().cloned().collect();
        for name in names {
            let Some(mut inst) = self.instances.remove(&name) else {
                continue;
            };
            match self.cfg.instances.get(&name) {
                Some(want) if masters.contains(&name) => {
                    let mut gone = inst.split_gone(&want.routes, &want.rules);
                    remove_all(nl, ifs, Some(&name), &mut gone).await;
                    self.instances.insert(name, inst);
                }
                _ => {
                    detail_lines(
                        &name,
                        "removing",
                        !inst.routes.is_empty(),
                        !inst.rules.is_empty(),
                    );
                    remove_all(nl, ifs, Some(&name), &mut inst).await;
                }
            }
        }
        for name in masters {
            let Some(want) = self.cfg.instances.get(name) else {
                continue;
            };
            let (routes, rules) = (want.routes.clone(), want.rules.clone());
            let inst = self.instances.entry(name.clone()).or_default();
            add_all(nl, ifs, Some(name), &routes, &rules, inst).await;
        }
        // Static addresses, routes and rules: gone ones out, new ones in.
        let mut gone = self
            .statics
            .split_gone(&self.cfg.static_routes, &self.cfg.static_rules);
        remove_all(nl, ifs, None, &mut gone).await;
        let want_addrs = &self.cfg.static_addresses;
        let (keep, drop): (Vec<Vip>, Vec<Vip>) = std::mem::take(&mut self.static_addrs)
            .into_iter()
            .partition(|a| want_addrs.contains(a));
        for a in &drop {
            del_address(nl, ifs, a).await;
        }
        self.static_addrs = keep;
        for a in self.cfg.static_addresses.clone() {
            if !self.static_addrs.contains(&a) && add_address(nl, ifs, &a).await {
                self.static_addrs.push(a);
            }
        }
        let (routes, rules) = (
            self.cfg.static_routes.clone(),
            self.cfg.static_rules.clone(),
        );
        add_all(nl, ifs, None, &routes, &rules, &mut self.statics).await;
    }

    /// Interface `dev` is up again: the static addresses on it and every wanted route are
    /// added again (the kernel removed those of a downed or re-created interface, and refused
    /// those whose interface was down; the rest answer "exists", which is fine).
    pub async fn link_up(&mut self, nl: &Netlink, ifs: &Interfaces, dev: &str) {
        for a in self.static_addrs.iter().filter(|a| a.dev == dev) {
            if let Some(spec) = address_spec(a, ifs) {
                let _ = nl.add_address(&spec).await;
            }
        }
        let owners = self
            .instances
            .iter()
            .map(|(n, i)| (Some(n.as_str()), i))
            .chain(std::iter::once((None, &self.statics)));
        for (name, inst) in owners {
            for route in &inst.routes {
                // Quietly: a route whose interface is still missing was reported when added.
                let Some(spec) = resolve_quiet(route, ifs) else {
                    continue;
                };
                match nl.add_route(&spec).await {
                    Ok(true) => logging::info(&format!(
                        "{} route {} restored after {dev} came up",
                        owner(name),
                        route.text
                    )),
                    Ok(false) => {}
                    // Often the gateway is not reachable (yet) through the interface that
                    // came up; the route comes back with the next interface that does.
                    Err(e) => logging::detail(&format!(
                        "{} cannot restore route {} after {dev} came up: {e}",
                        owner(name),
                        route.text
                    )),
                }
            }
        }
    }

    /// Stop: removes the static rules, routes and addresses, and (unless `keep_virtual`,
    /// `-V`) whatever instance routes are still installed.
    pub async fn shutdown(&mut self, nl: &Netlink, ifs: &Interfaces, keep_virtual: bool) {
        if !keep_virtual {
            for (name, mut inst) in std::mem::take(&mut self.instances) {
                remove_all(nl, ifs, Some(&name), &mut inst).await;
            }
        }
        let mut statics = std::mem::take(&mut self.statics);
        remove_all(nl, ifs, None, &mut statics).await;
        for a in std::mem::take(&mut self.static_addrs) {
            del_address(nl, ifs, &a).await;
        }
    }
}

/// 1.3.5's `-D` lines (`vrrp_handle_iproutes`/`_iprules`): rules first when removing.
fn detail_lines(name: &str, verb: &str, routes: bool, rules: bool) {
    let line = |what: &str| {
        logging::detail(&format!(
            "VRRP_Instance({name}) {verb} protocol Virtual {what}"
        ))
    };
    let order = if verb == "removing" {
        [("Rules", rules), ("Routes", routes)]
    } else {
        [("Routes", routes), ("Rules", rules)]
    };
    for (what, any) in order {
        if any {
            line(what);
        }
    }
}

/// The route with its interfaces' current indexes; None (logged) when one is missing.
fn resolve(route: &RouteConf, ifs: &Interfaces) -> Option<RouteSpec> {
    let spec = resolve_quiet(route, ifs);
    if spec.is_none() {
        logging::error(&format!(
            "Cannot install route {}: its interface is not present",
            route.text
        ));
    }
    spec
}

/// The route with its interfaces' current indexes; None when one is missing.
fn resolve_quiet(route: &RouteConf, ifs: &Interfaces) -> Option<RouteSpec> {
    let index = |dev: &str| ifs.get(dev).map(|i| i.index);
    let mut spec = route.spec.clone();
    if let Some(dev) = &route.dev {
        spec.oif = Some(index(dev)?);
    }
    for (nh, dev) in spec.nexthops.iter_mut().zip(&route.nexthop_devs) {
        if let Some(dev) = dev {
            nh.ifindex = Some(index(dev)?);
        }
    }
    Some(spec)
}

/// Adds the routes then the rules not yet in `inst`, recording those now present.
async fn add_all(
    nl: &Netlink,
    ifs: &Interfaces,
    name: Option<&str>,
    routes: &[RouteConf],
    rules: &[RuleConf],
    inst: &mut Installed,
) {
    for route in routes {
        if inst.routes.contains(route) {
            continue;
        }
        // Wanted from now on even if it fails: the kernel refuses a route whose interface is
        // down or missing, and [`RouteManager::link_up`] tries again when it comes up. One
        // already there (a crashed predecessor's, most likely) is ours from now on.
        inst.routes.push(route.clone());
        let Some(spec) = resolve(route, ifs) else {
            continue;
        };
        if let Err(e) = nl.add_route(&spec).await {
            report(name, "add route", &route.text, &e);
        }
    }
    for rule in rules {
        if inst.rules.contains(rule) {
            continue;
        }
        match nl.add_rule(&rule.spec).await {
            Ok(_) => inst.rules.push(rule.clone()),
            Err(e) => report(name, "add rule", &rule.text, &e),
        }
    }
}

/// Removes the rules then the routes of `inst`, leaving it empty.
async fn remove_all(nl: &Netlink, ifs: &Interfaces, name: Option<&str>, inst: &mut Installed) {
    for rule in inst.rules.drain(..) {
        if let Err(e) = nl.del_rule(&rule.spec).await {
            report(name, "remove rule", &rule.text, &e);
        }
    }
    for route in inst.routes.drain(..) {
        // A route of a vanished interface went with it.
        let Some(spec) = resolve_quiet(&route, ifs) else {
            continue;
        };
        // Missing is fine: the kernel drops routes whose source address or interface went.
        if let Err(e) = nl.del_route(&spec).await {
            report(name, "remove route", &route.text, &e);
        }
    }
}

fn report(name: Option<&str>, what: &str, text: &str, e: &NetlinkError) {
    logging::error(&format!("{} cannot {what} {text}: {e}", owner(name)));
}

fn address_spec(a: &Vip, ifs: &Interfaces) -> Option<AddressSpec> {
    Some(AddressSpec {
        ifindex: ifs.get(&a.dev)?.index,
        addr: a.addr,
        prefix_len: a.prefix_len,
        broadcast: a.broadcast,
        scope: a.scope.unwrap_or(0),
        label: a.label.clone(),
    })
}

/// Adds a static address; true when it is present afterwards.
async fn add_address(nl: &Netlink, ifs: &Interfaces, a: &Vip) -> bool {
    let Some(spec) = address_spec(a, ifs) else {
        logging::error(&format!(
            "Cannot add static address {}/{}: interface {} not found",
            a.addr, a.prefix_len, a.dev
        ));
        return false;
    };
    match nl.add_address(&spec).await {
        Ok(_) => true,
        Err(e) => {
            logging::error(&format!(
                "cannot add static address {}/{} dev {}: {e}",
                a.addr, a.prefix_len, a.dev
            ));
            false
        }
    }
}

async fn del_address(nl: &Netlink, ifs: &Interfaces, a: &Vip) {
    let Some(spec) = address_spec(a, ifs) else {
        return;
    };
    if let Err(e) = nl.del_address(&spec).await {
        logging::error(&format!(
            "cannot remove static address {}/{} dev {}: {e}",
            a.addr, a.prefix_len, a.dev
        ));
    }
}
