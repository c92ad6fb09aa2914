//! Cross-block checks of the checker (LVS) side, as 1.3.5's `link_vsg_to_vs` does them: a
//! virtual server naming a group that does not exist, or whose addresses are of the other
//! family, is ignored by 1.3.5, so it is dropped from the config too.

use super::V;
use crate::ast::{Config, VirtualServerKey, VsgEntry};
use crate::fxhash::FxHashMap as HashMap;

pub(super) fn check(v: &mut V<'_>, cfg: &mut Config) {
    // 1.3.5 looks groups up by name and takes the first: later namesakes are never used.
    let mut groups: HashMap<&str, Option<bool>> = HashMap::default();
    for g in &cfg.virtual_server_groups {
        if groups.contains_key(g.name.as_str()) {
            v.warn(
                g.span.clone(),
                format!(
                    "virtual_server_group {} is defined twice: keepalived 1.3.5 only uses the first",
                    g.name
                ),
            );
            continue;
        }
        // The group's family is that of its first address entry (fwmarks have none).
        let v6 = g.entries.iter().find_map(|e| match e {
            VsgEntry::Addr { addr, .. } | VsgEntry::Range { first: addr, .. } => {
                Some(addr.is_ipv6())
            }
            VsgEntry::Fwmark { .. } => None,
        });
        groups.insert(&g.name, v6);
    }
    let mut drop = Vec::new();
    for (i, vs) in cfg.virtual_servers.iter().enumerate() {
        let VirtualServerKey::Group(name) = &vs.key else {
            continue;
        };
        match groups.get(name.as_str()) {
            None => {
                v.error(
                    vs.span.clone(),
                    format!(
                        "virtual_server_group {name} is not defined - virtual server ignored (as by keepalived 1.3.5)"
                    ),
                );
                drop.push(i);
            }
            Some(Some(g6)) if *g6 != vs.is_ipv6() => {
                v.error(
                    vs.span.clone(),
                    format!(
                        "the address family of virtual_server_group {name} does not match the virtual \
                         server's - virtual server ignored (as by keepalived 1.3.5)"
                    ),
                );
                drop.push(i);
            }
            Some(_) => {}
        }
    }
    for i in drop.into_iter().rev() {
        cfg.virtual_servers.remove(i);
    }
}
