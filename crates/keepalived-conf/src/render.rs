//! Rendering a [`Config`] back to keepalived.conf text that keepalived 1.3.5 (and this parser)
//! reads back to the same AST. `Display` on [`Config`] is the entry point.
//!
//! Limitation inherited from the 1.3.5 syntax: a value containing a double quote cannot be
//! written (there is no escape), so such values do not round-trip.

mod lvs;

pub use lvs::vsg_entry;

use crate::ast::*;
use std::fmt::{self, Display, Formatter, Write};

/// Quote a word if the 1.3.5 tokenizer would otherwise split, comment or brace it.
pub fn quote(w: &str) -> String {
    let needs = w.is_empty()
        || w == "{"
        || w == "}"
        || w.starts_with('@')
        || w.chars()
            .any(|c| c.is_ascii_whitespace() || c == '#' || c == '!' || c == '"' || c == '\u{0b}');
    if needs {
        format!("\"{w}\"")
    } else {
        w.to_string()
    }
}

fn join(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

struct Out {
    s: String,
}

impl Out {
    fn line(&mut self, depth: usize, text: &str) {
        for _ in 0..depth {
            self.s.push_str("    ");
        }
        self.s.push_str(text);
        self.s.push('\n');
    }
    fn opt<T: Display>(&mut self, depth: usize, kw: &str, v: &Option<T>) {
        if let Some(v) = v {
            self.line(depth, &format!("{kw} {}", quote(&v.to_string())));
        }
    }
    fn flag(&mut self, depth: usize, kw: &str, v: bool) {
        if v {
            self.line(depth, kw);
        }
    }
    fn boolean(&mut self, depth: usize, kw: &str, v: Option<bool>) {
        if let Some(b) = v {
            self.line(depth, &format!("{kw} {}", if b { "true" } else { "false" }));
        }
    }
    fn list(&mut self, depth: usize, kw: &str, items: &[String]) {
        self.line(depth, &format!("{kw} {{"));
        for i in items {
            self.line(depth + 1, i);
        }
        self.line(depth, "}");
    }
    fn notify(&mut self, depth: usize, kw: &str, n: &Option<Notify>) {
        if let Some(n) = n {
            let mut t = format!("{kw} \"{}\"", n.script);
            if let Some(u) = &n.user {
                let _ = write!(t, " {}", quote(u));
                if let Some(g) = &n.group {
                    let _ = write!(t, " {}", quote(g));
                }
            }
            self.line(depth, &t);
        }
    }
    fn generic(&mut self, depth: usize, g: &GenericBlock) {
        match &g.block {
            None => self.line(depth, &join(&g.words)),
            Some(b) => {
                self.line(depth, &format!("{} {{", join(&g.words)));
                for c in b {
                    self.generic(depth + 1, c);
                }
                self.line(depth, "}");
            }
        }
    }
}

/// One address line in `virtual_ipaddress` syntax.
pub fn vip(a: &VirtualAddress) -> String {
    let mut t = a.addr.to_string();
    if let Some(p) = a.prefix_len {
        let _ = write!(t, "/{p}");
    }
    if let Some(b) = &a.brd {
        let _ = write!(t, " brd {b}");
    }
    if let Some(d) = &a.dev {
        let _ = write!(t, " dev {}", quote(d));
    }
    if let Some(s) = &a.scope {
        let _ = write!(t, " scope {}", quote(s));
    }
    if let Some(l) = &a.label {
        let _ = write!(t, " label {}", quote(l));
    }
    t
}

fn global(o: &mut Out, g: &GlobalDefs) {
    o.line(0, "global_defs {");
    let d = 1;
    o.opt(d, "router_id", &g.router_id);
    if !g.notification_email.is_empty() {
        let items: Vec<String> = g.notification_email.iter().map(|e| quote(e)).collect();
        o.list(d, "notification_email", &items);
    }
    o.opt(d, "notification_email_from", &g.notification_email_from);
    if let Some(s) = &g.smtp_server {
        match s.port {
            Some(p) => o.line(d, &format!("smtp_server {} {p}", quote(&s.host))),
            None => o.line(d, &format!("smtp_server {}", quote(&s.host))),
        }
    }
    o.opt(d, "smtp_helo_name", &g.smtp_helo_name);
    o.opt(d, "smtp_connect_timeout", &g.smtp_connect_timeout);
    o.opt(d, "default_interface", &g.default_interface);
    o.opt(d, "vrrp_mcast_group4", &g.vrrp_mcast_group4);
    o.opt(d, "vrrp_mcast_group6", &g.vrrp_mcast_group6);
    o.opt(d, "vrrp_garp_master_delay", &g.vrrp_garp_master_delay);
    o.opt(d, "vrrp_garp_master_repeat", &g.vrrp_garp_master_repeat);
    o.opt(d, "vrrp_garp_master_refresh", &g.vrrp_garp_master_refresh);
    o.opt(
        d,
        "vrrp_garp_master_refresh_repeat",
        &g.vrrp_garp_master_refresh_repeat,
    );
    o.opt(
        d,
        "vrrp_garp_lower_prio_delay",
        &g.vrrp_garp_lower_prio_delay,
    );
    o.opt(
        d,
        "vrrp_garp_lower_prio_repeat",
        &g.vrrp_garp_lower_prio_repeat,
    );
    o.opt(d, "vrrp_garp_interval", &g.vrrp_garp_interval);
    o.opt(d, "vrrp_gna_interval", &g.vrrp_gna_interval);
    o.boolean(d, "vrrp_lower_prio_no_advert", g.vrrp_lower_prio_no_advert);
    o.boolean(
        d,
        "vrrp_higher_prio_send_advert",
        g.vrrp_higher_prio_send_advert,
    );
    o.opt(d, "vrrp_version", &g.vrrp_version);
    if let Some(v) = &g.vrrp_iptables {
        o.line(d, format!("vrrp_iptables {}", join(v)).trim_end());
    }
    if let Some(v) = &g.vrrp_ipsets {
        o.line(d, format!("vrrp_ipsets {}", join(v)).trim_end());
    }
    o.flag(d, "vrrp_check_unicast_src", g.vrrp_check_unicast_src);
    o.flag(d, "vrrp_skip_check_adv_addr", g.vrrp_skip_check_adv_addr);
    o.flag(d, "vrrp_strict", g.vrrp_strict);
    o.opt(d, "vrrp_priority", &g.vrrp_priority);
    o.flag(d, "vrrp_no_swap", g.vrrp_no_swap);
    if let Some(u) = &g.script_user {
        match &u.group {
            Some(gr) => o.line(d, &format!("script_user {} {}", quote(&u.user), quote(gr))),
            None => o.line(d, &format!("script_user {}", quote(&u.user))),
        }
    }
    o.flag(d, "enable_script_security", g.enable_script_security);
    lvs::global(o, g, d);
    for x in &g.other {
        o.generic(d, x);
    }
    o.line(0, "}");
}

fn instance(o: &mut Out, i: &VrrpInstance) {
    o.line(0, &format!("vrrp_instance {} {{", quote(&i.name)));
    let d = 1;
    o.line(
        d,
        match i.state {
            State::Master => "state MASTER",
            State::Backup => "state BACKUP",
        },
    );
    o.opt(d, "interface", &i.interface);
    o.opt(d, "virtual_router_id", &i.virtual_router_id);
    o.opt(d, "priority", &i.priority);
    o.opt(d, "advert_int", &i.advert_int);
    o.opt(d, "version", &i.version);
    if let Some(a) = &i.authentication {
        let (t, p) = match a {
            Authentication::Pass(p) => ("PASS", p),
            Authentication::Ah(p) => ("AH", p),
        };
        o.line(d, "authentication {");
        o.line(d + 1, &format!("auth_type {t}"));
        o.line(d + 1, &format!("auth_pass {}", quote(p)));
        o.line(d, "}");
    }
    if !i.virtual_ipaddress.is_empty() {
        let v: Vec<String> = i.virtual_ipaddress.iter().map(vip).collect();
        o.list(d, "virtual_ipaddress", &v);
    }
    if !i.virtual_ipaddress_excluded.is_empty() {
        let v: Vec<String> = i.virtual_ipaddress_excluded.iter().map(vip).collect();
        o.list(d, "virtual_ipaddress_excluded", &v);
    }
    if !i.virtual_routes.is_empty() {
        let v: Vec<String> = i.virtual_routes.iter().map(|w| join(&w.words)).collect();
        o.list(d, "virtual_routes", &v);
    }
    if !i.virtual_rules.is_empty() {
        let v: Vec<String> = i.virtual_rules.iter().map(|w| join(&w.words)).collect();
        o.list(d, "virtual_rules", &v);
    }
    o.opt(d, "unicast_src_ip", &i.unicast_src_ip);
    o.opt(d, "mcast_src_ip", &i.mcast_src_ip);
    if !i.unicast_peer.is_empty() {
        let v: Vec<String> = i.unicast_peer.iter().map(|a| a.addr.to_string()).collect();
        o.list(d, "unicast_peer", &v);
    }
    o.flag(d, "nopreempt", i.nopreempt);
    o.opt(d, "preempt_delay", &i.preempt_delay);
    match i.accept {
        Some(true) => o.line(d, "accept"),
        Some(false) => o.line(d, "no_accept"),
        None => {}
    }
    o.flag(d, "dont_track_primary", i.dont_track_primary);
    if !i.track_interface.is_empty() {
        let v: Vec<String> = i
            .track_interface
            .iter()
            .map(|t| format!("{} weight {}", quote(&t.name), t.weight))
            .collect();
        o.list(d, "track_interface", &v);
    }
    if !i.track_script.is_empty() {
        let v: Vec<String> = i
            .track_script
            .iter()
            .map(|t| match t.weight {
                Some(w) => format!("{} weight {w}", quote(&t.name)),
                None => quote(&t.name),
            })
            .collect();
        o.list(d, "track_script", &v);
    }
    o.notify(d, "notify_master", &i.notify_master);
    o.notify(d, "notify_backup", &i.notify_backup);
    o.notify(d, "notify_fault", &i.notify_fault);
    o.notify(d, "notify_stop", &i.notify_stop);
    o.notify(d, "notify", &i.notify);
    o.flag(d, "smtp_alert", i.smtp_alert);
    o.opt(d, "garp_master_delay", &i.garp_master_delay);
    o.opt(d, "garp_master_repeat", &i.garp_master_repeat);
    o.opt(d, "garp_master_refresh", &i.garp_master_refresh);
    o.opt(
        d,
        "garp_master_refresh_repeat",
        &i.garp_master_refresh_repeat,
    );
    o.opt(d, "garp_lower_prio_delay", &i.garp_lower_prio_delay);
    o.opt(d, "garp_lower_prio_repeat", &i.garp_lower_prio_repeat);
    o.boolean(d, "lower_prio_no_advert", i.lower_prio_no_advert);
    o.boolean(d, "higher_prio_send_advert", i.higher_prio_send_advert);
    o.boolean(d, "skip_check_adv_addr", i.skip_check_adv_addr);
    o.boolean(d, "strict_mode", i.strict_mode);
    if i.use_vmac {
        match &i.vmac_name {
            Some(n) => o.line(d, &format!("use_vmac {}", quote(n))),
            None => o.line(d, "use_vmac"),
        }
    }
    o.flag(d, "vmac_xmit_base", i.vmac_xmit_base);
    o.flag(d, "native_ipv6", i.native_ipv6);
    o.flag(d, "promote_secondaries", i.promote_secondaries);
    o.opt(d, "debug", &i.debug);
    o.opt(d, "lvs_sync_daemon_interface", &i.lvs_sync_daemon_interface);
    o.opt(d, "unicast_ttl", &i.unicast_ttl);
    o.boolean(d, "check_unicast_src", i.check_unicast_src);
    o.boolean(d, "notify_priority_changes", i.notify_priority_changes);
    o.line(0, "}");
}

fn script(o: &mut Out, s: &VrrpScript) {
    o.line(0, &format!("vrrp_script {} {{", quote(&s.name)));
    if let Some(c) = &s.script {
        o.line(1, &format!("script \"{c}\""));
    }
    o.opt(1, "interval", &s.interval);
    o.opt(1, "timeout", &s.timeout);
    o.opt(1, "weight", &s.weight);
    o.opt(1, "rise", &s.rise);
    o.opt(1, "fall", &s.fall);
    if let Some(u) = &s.user {
        match &u.group {
            Some(g) => o.line(1, &format!("user {} {}", quote(&u.user), quote(g))),
            None => o.line(1, &format!("user {}", quote(&u.user))),
        }
    }
    o.flag(1, "init_fail", s.init_fail);
    o.line(0, "}");
}

fn sync_group(o: &mut Out, g: &SyncGroup) {
    o.line(0, &format!("vrrp_sync_group {} {{", quote(&g.name)));
    let v: Vec<String> = g.group.iter().map(|n| quote(&n.name)).collect();
    o.list(1, "group", &v);
    o.notify(1, "notify_master", &g.notify_master);
    o.notify(1, "notify_backup", &g.notify_backup);
    o.notify(1, "notify_fault", &g.notify_fault);
    o.notify(1, "notify", &g.notify);
    o.flag(1, "smtp_alert", g.smtp_alert);
    o.flag(1, "global_tracking", g.global_tracking);
    o.line(0, "}");
}

impl Display for Config {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut o = Out { s: String::new() };
        o.opt(0, "net_namespace", &self.net_namespace);
        o.opt(0, "instance", &self.instance);
        o.flag(0, "use_pid_dir", self.use_pid_dir);
        o.flag(0, "linkbeat_use_polling", self.linkbeat_use_polling);
        o.flag(0, "namespace_with_ipsets", self.namespace_with_ipsets);
        if !self.global_defs.eq_ignoring_spans(&GlobalDefs::default()) {
            global(&mut o, &self.global_defs);
        }
        if !self.static_ipaddress.is_empty() {
            let v: Vec<String> = self.static_ipaddress.iter().map(vip).collect();
            o.list(0, "static_ipaddress", &v);
        }
        if !self.static_routes.is_empty() {
            let v: Vec<String> = self.static_routes.iter().map(|w| join(&w.words)).collect();
            o.list(0, "static_routes", &v);
        }
        if !self.static_rules.is_empty() {
            let v: Vec<String> = self.static_rules.iter().map(|w| join(&w.words)).collect();
            o.list(0, "static_rules", &v);
        }
        for g in &self.garp_groups {
            o.line(0, "garp_group {");
            o.opt(1, "garp_interval", &g.garp_interval);
            o.opt(1, "gna_interval", &g.gna_interval);
            if !g.interfaces.is_empty() {
                let v: Vec<String> = g.interfaces.iter().map(|n| quote(&n.name)).collect();
                o.list(1, "interfaces", &v);
            }
            o.line(0, "}");
        }
        for s in &self.scripts {
            script(&mut o, s);
        }
        for i in &self.instances {
            instance(&mut o, i);
        }
        for g in &self.sync_groups {
            sync_group(&mut o, g);
        }
        lvs::root(&mut o, self);
        for u in &self.unsupported {
            o.generic(0, u);
        }
        f.write_str(&o.s)
    }
}

impl Config {
    /// The configuration as keepalived.conf text (same as `to_string()`).
    pub fn render(&self) -> String {
        self.to_string()
    }
}
