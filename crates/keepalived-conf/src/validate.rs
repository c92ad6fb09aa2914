//! Cross-block checks done after parsing (what 1.3.5 checks in `vrrp_complete_init` and the
//! sync-group/track-script resolution). Where 1.3.5 drops an item, the item is dropped from the
//! config too, so `config` stays "what 1.3.5 would run".

mod lvs;

use crate::ast::{Config, Span, State, VrrpInstance};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};

struct V<'d> {
    diags: &'d mut Vec<Diagnostic>,
}

impl V<'_> {
    fn error(&mut self, span: Span, message: String) {
        self.diags.push(Diagnostic {
            severity: Severity::Error,
            message,
            span,
        });
    }
    fn warn(&mut self, span: Span, message: String) {
        self.diags.push(Diagnostic {
            severity: Severity::Warning,
            message,
            span,
        });
    }
}

/// Effective VRRP version of an instance (configured, else IPv6 ⇒ 3, else the global default).
pub(crate) fn effective_version(cfg_version: u8, i: &VrrpInstance) -> u8 {
    match i.version {
        Some(v) => v,
        None if i.is_ipv6() => 3,
        None => cfg_version,
    }
}

pub(crate) fn validate(cfg: &mut Config, diags: &mut Vec<Diagnostic>) {
    let mut v = V { diags };
    let scripts: HashSet<String> = cfg.scripts.iter().map(|s| s.name.clone()).collect();
    let global_version = cfg.global_defs.vrrp_version();
    let global_strict = cfg.global_defs.vrrp_strict;
    for inst in &mut cfg.instances {
        instance(&mut v, inst, &scripts, global_version, global_strict);
    }
    // A bare `vrrp_iptables` turns the accept-mode firewall off: the VIPs answer then.
    let firewall = cfg
        .global_defs
        .vrrp_iptables
        .as_ref()
        .is_none_or(|chains| !chains.is_empty());
    if firewall {
        for inst in &cfg.instances {
            strict_unreachable(&mut v, inst, global_version, global_strict);
        }
    }
    // Duplicate VRID on one interface and address family (fatal in 1.3.5).
    let mut seen_vrid: HashMap<(&str, bool, u8), &str> =
        HashMap::with_capacity_and_hasher(cfg.instances.len(), Default::default());
    for inst in &cfg.instances {
        let (Some(ifname), Some(vrid)) = (&inst.interface, inst.virtual_router_id) else {
            continue;
        };
        let key = (ifname.as_str(), inst.is_ipv6(), vrid);
        if let Some(other) = seen_vrid.get(&key) {
            let span = inst
                .spans
                .virtual_router_id
                .clone()
                .unwrap_or(inst.span.clone());
            v.error(
                span,
                format!(
                    "VRID {vrid} is duplicated on interface {ifname} (also used by vrrp_instance {other}); \
                     keepalived 1.3.5 refuses to start"
                ),
            );
        } else {
            seen_vrid.insert(key, inst.name.as_str());
        }
    }
    sync_groups(&mut v, cfg);
    lvs::check(&mut v, cfg);
}

fn instance(
    v: &mut V<'_>,
    i: &mut VrrpInstance,
    scripts: &HashSet<String>,
    global_version: u8,
    global_strict: bool,
) {
    let name_span = i.spans.name.clone().unwrap_or(i.span.clone());
    if i.interface.is_none() {
        v.error(
            name_span.clone(),
            format!(
                "vrrp_instance {} has no interface; keepalived 1.3.5 refuses to start",
                i.name
            ),
        );
    }
    if i.virtual_router_id.is_none() {
        v.error(
            name_span.clone(),
            format!(
                "vrrp_instance {}: the virtual_router_id must be set; keepalived 1.3.5 refuses to start",
                i.name
            ),
        );
    }
    // Track scripts must name a vrrp_script (1.3.5 drops the entry: "not found, ignoring").
    let name = i.name.clone();
    i.track_script.retain(|t| {
        let ok = scripts.contains(&t.name);
        if !ok {
            v.error(
                t.span.clone(),
                format!(
                    "({name}): track_script '{}' does not name a vrrp_script - ignored",
                    t.name
                ),
            );
        }
        ok
    });
    // VIPs must be of the instance's family (the first VIP decides, unless native_ipv6).
    let v6 = i.is_ipv6();
    i.virtual_ipaddress.retain(|a| {
        let ok = a.addr.is_ipv6() == v6;
        if !ok {
            v.error(
                a.span.clone(),
                format!(
                    "({name}): address family of {} must match the VRRP instance ({}) - ignored",
                    a.addr,
                    if v6 { "IPv6" } else { "IPv4" }
                ),
            );
        }
        ok
    });
    let version = effective_version(global_version, i);
    if version == 3 && i.authentication.is_some() {
        let span = i.spans.authentication.clone().unwrap_or(i.span.clone());
        v.warn(
            span,
            format!("({name}): VRRP version 3 does not support authentication - ignored"),
        );
        i.authentication = None;
    }
    if v6 && i.version == Some(2) {
        v.error(
            name_span.clone(),
            format!("({name}): IPv6 needs VRRP version 3; vrrp_version conflicts - using 3"),
        );
        i.version = Some(3);
    }
    if let Some(adv) = i.advert_int {
        let span = i.spans.advert_int.clone().unwrap_or(i.span.clone());
        if version == 2 && adv.fract() != 0.0 {
            let r = adv.round().max(1.0);
            v.warn(
                span,
                format!("({name}): VRRPv2 advertisement interval {adv}s must be an integer - rounding to {r}"),
            );
            i.advert_int = Some(r);
        } else if version == 3 && adv > 40.95 {
            v.warn(
                span,
                format!("({name}): VRRPv3 advert_int {adv}s is above 40.95 - using 40.95"),
            );
            i.advert_int = Some(40.95);
        }
    }
    if i.nopreempt && i.state == State::Master {
        let span = i.spans.nopreempt.clone().unwrap_or(i.span.clone());
        v.warn(
            span,
            format!("({name}): nopreempt will not work with initial state MASTER"),
        );
    }
    if i.nopreempt && i.preempt_delay.is_some_and(|d| d > 0) {
        let span = i.spans.preempt_delay.clone().unwrap_or(i.span.clone());
        v.warn(
            span,
            format!("({name}): preempt_delay is incompatible with nopreempt - ignored"),
        );
        i.preempt_delay = None;
    }
    let strict = i.strict_mode.unwrap_or(global_strict);
    vmac(v, i, &name_span, strict);
    if strict && !i.unicast_peer.is_empty() {
        v.error(
            i.unicast_peer[0].span.clone(),
            format!("({name}): unicast_peer is not allowed in strict mode; keepalived 1.3.5 refuses to start"),
        );
    }
    if i.virtual_ipaddress.is_empty() && (strict || version == 3 || v6) {
        v.error(
            name_span,
            format!(
                "({name}): no virtual_ipaddress; required in strict mode, with VRRPv3 and IPv6 - keepalived 1.3.5 refuses to start"
            ),
        );
    }
}

/// keepalived's most reported surprise: under `vrrp_strict` accept mode is off (VRRPv2 even
/// resets `accept`), so a MASTER that is not the address owner drops everything sent to its
/// VIPs (iptables/ipset) and nothing on them answers, not even ping.
fn strict_unreachable(v: &mut V<'_>, i: &VrrpInstance, global_version: u8, global_strict: bool) {
    if !i.strict_mode.unwrap_or(global_strict) || i.effective_priority() == 255 {
        return;
    }
    let name = &i.name;
    let why = match (i.accept, effective_version(global_version, i)) {
        (Some(true), 3) | (Some(false), _) => return,
        (Some(true), _) => "vrrp_strict resets `accept` for VRRPv2",
        (None, _) => "vrrp_strict turns accept mode off",
    };
    v.warn(
        i.spans.name.clone().unwrap_or(i.span.clone()),
        format!(
            "({name}): {why}: as MASTER it drops all traffic to its VIPs (iptables/ipset), so nothing on them answers, not even ping; use `accept` with VRRPv3 to reach them"
        ),
    );
}

/// Longest interface name the kernel takes (IFNAMSIZ - 1).
const IFNAME_MAX: usize = 15;

/// `use_vmac` / `vmac_xmit_base` misuse that 1.3.5 corrects with a log line.
fn vmac(v: &mut V<'_>, i: &VrrpInstance, span: &Span, strict: bool) {
    let name = &i.name;
    if i.vmac_xmit_base && !i.use_vmac {
        v.warn(
            span.clone(),
            format!("({name}): vmac_xmit_base is only valid with a vmac - ignored"),
        );
    }
    if i.vmac_xmit_base && i.use_vmac && strict {
        v.warn(
            span.clone(),
            format!("({name}): vmac_xmit_base is incompatible with strict mode - ignored"),
        );
    }
    if let Some(n) = i.vmac_name.as_deref().filter(|n| n.len() > IFNAME_MAX) {
        v.warn(
            span.clone(),
            format!(
                "({name}): use_vmac name '{n}' is longer than {IFNAME_MAX} characters - keepalived 1.3.5 cuts it to '{}'",
                truncate_ifname(n)
            ),
        );
    }
}

/// An interface name cut to what the kernel takes, as 1.3.5 does (`strncpy` into IFNAMSIZ - 1
/// bytes), on a character boundary.
pub fn truncate_ifname(name: &str) -> &str {
    let mut end = name.len().min(IFNAME_MAX);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

fn sync_groups(v: &mut V<'_>, cfg: &mut Config) {
    if cfg.sync_groups.is_empty() {
        return;
    }
    let names: HashSet<String> = cfg.instances.iter().map(|i| i.name.clone()).collect();
    let mut member_of: HashMap<String, String> = HashMap::default();
    for g in &mut cfg.sync_groups {
        let gname = g.name.clone();
        g.group.retain(|m| {
            if !names.contains(&m.name) {
                v.error(
                    m.span.clone(),
                    format!(
                        "virtual router {} specified in sync group {gname} doesn't exist - ignoring",
                        m.name
                    ),
                );
                return false;
            }
            if let Some(other) = member_of.get(&m.name) {
                v.error(
                    m.span.clone(),
                    format!(
                        "virtual router {} cannot exist in more than one sync group (already in {other}); ignoring",
                        m.name
                    ),
                );
                return false;
            }
            member_of.insert(m.name.clone(), gname.clone());
            true
        });
    }
    cfg.sync_groups.retain(|g| {
        let keep = g.group.len() >= 2;
        if !keep {
            v.warn(
                g.span.clone(),
                format!(
                    "sync group {} has only {} virtual router(s) - removing",
                    g.name,
                    g.group.len()
                ),
            );
        }
        keep
    });
    // Weights of members are ignored unless global_tracking (1.3.5's vrrp_init_state; the
    // address owner is exempt, its priority never moves).
    let script_weight: HashMap<&str, i32> = cfg
        .scripts
        .iter()
        .map(|s| (s.name.as_str(), s.weight()))
        .collect();
    for g in &cfg.sync_groups {
        if g.global_tracking {
            continue;
        }
        for m in &g.group {
            let Some(inst) = cfg.instances.iter().find(|i| i.name == m.name) else {
                continue;
            };
            if inst.priority == Some(255) {
                continue;
            }
            for t in inst.track_interface.iter().filter(|t| t.weight != 0) {
                v.warn(
                    t.span.clone(),
                    format!(
                        "({}): ignoring weights of tracked interface due to SYNC group: weight {} of {} is \
                         ignored in sync group {} without global_tracking - {} going down means FAULT",
                        inst.name, t.weight, t.name, g.name, t.name
                    ),
                );
            }
            for t in &inst.track_script {
                let (weight, from) = match t.weight {
                    Some(w) => (w, "on this line"),
                    None => (
                        script_weight.get(t.name.as_str()).copied().unwrap_or(0),
                        "from its vrrp_script block",
                    ),
                };
                if weight == 0 {
                    continue;
                }
                v.warn(
                    t.span.clone(),
                    format!(
                        "({}): ignoring tracked script with weights due to SYNC group: {} (weight {weight} {from}) \
                         is ignored in sync group {} without global_tracking - it neither changes the priority nor causes FAULT",
                        inst.name, t.name, g.name
                    ),
                );
            }
        }
    }
}
