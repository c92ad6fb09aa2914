//! The keyword table (`keepalived_conf::keywords`) against the parser, keepalived 1.3.5's
//! keyword list and docs/compatibility.md: every keyword the parser accepts is classified,
//! warned about exactly when it is not applied, and documented.

use keepalived_conf::keywords::{lookup, markdown_table, Block, Effect, Origin, KEYWORDS};
use keepalived_conf::{load_str, LoadOptions, Severity};

/// Every keyword keepalived 1.3.5 installs (`vrrp_parser.c`, `global_parser.c`, `check_parser.c`
/// and the checkers' `check_*.c`).
const KEEPALIVED_135: &[&str] = &[
    "DNS_CHECK",
    "HTTP_GET",
    "MISC_CHECK",
    "SMTP_CHECK",
    "SSL",
    "SSL_GET",
    "TCP_CHECK",
    "accept",
    "advert_int",
    "alpha",
    "auth_pass",
    "auth_type",
    "authentication",
    "bind_port",
    "bindto",
    "ca",
    "certificate",
    "checker_no_swap",
    "checker_priority",
    "connect_ip",
    "connect_port",
    "connect_timeout",
    "debug",
    "default_interface",
    "delay_before_retry",
    "delay_loop",
    "digest",
    "dont_track_primary",
    "enable_dbus",
    "enable_script_security",
    "enable_snmp_checker",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "fall",
    "flag-1",
    "flag-2",
    "flag-3",
    "fwmark",
    "garp_group",
    "garp_interval",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_master_repeat",
    "global_defs",
    "global_tracking",
    "gna_interval",
    "group",
    "ha_suspend",
    "hashed",
    "helo_name",
    "higher_prio_send_advert",
    "host",
    "hysteresis",
    "inhibit_on_failure",
    "init_fail",
    "instance",
    "interface",
    "interfaces",
    "interval",
    "ip_family",
    "key",
    "lb_algo",
    "lb_kind",
    "linkbeat_use_polling",
    "lower_prio_no_advert",
    "lthreshold",
    "lvs_flush",
    "lvs_method",
    "lvs_sched",
    "lvs_sync_daemon",
    "lvs_sync_daemon_interface",
    "lvs_timeouts",
    "mcast_src_ip",
    "misc_dynamic",
    "misc_path",
    "misc_timeout",
    "name",
    "namespace_with_ipsets",
    "native_ipv6",
    "nb_get_retry",
    "net_namespace",
    "no_accept",
    "nopreempt",
    "notification_email",
    "notification_email_from",
    "notify",
    "notify_backup",
    "notify_down",
    "notify_fault",
    "notify_master",
    "notify_stop",
    "notify_up",
    "omega",
    "ops",
    "password",
    "path",
    "persistence_engine",
    "persistence_granularity",
    "persistence_timeout",
    "preempt",
    "preempt_delay",
    "priority",
    "promote_secondaries",
    "protocol",
    "quorum",
    "quorum_down",
    "quorum_up",
    "real_server",
    "retry",
    "rise",
    "router_id",
    "script",
    "script_user",
    "sh-fallback",
    "sh-port",
    "skip_check_adv_addr",
    "smtp_alert",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "smtp_server",
    "snmp_socket",
    "sorry_server",
    "sorry_server_inhibit",
    "state",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "status_code",
    "strict_mode",
    "timeout",
    "track_interface",
    "track_script",
    "type",
    "unicast_peer",
    "unicast_src_ip",
    "url",
    "use_pid_dir",
    "use_vmac",
    "user",
    "uthreshold",
    "version",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "virtual_router_id",
    "virtual_routes",
    "virtual_rules",
    "virtual_server",
    "virtual_server_group",
    "virtualhost",
    "vmac_xmit_base",
    "vrrp_check_unicast_src",
    "vrrp_garp_interval",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_master_repeat",
    "vrrp_gna_interval",
    "vrrp_higher_prio_send_advert",
    "vrrp_instance",
    "vrrp_ipsets",
    "vrrp_iptables",
    "vrrp_lower_prio_no_advert",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_no_swap",
    "vrrp_priority",
    "vrrp_script",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
    "vrrp_sync_group",
    "vrrp_version",
    "warmup",
    "weight",
];

/// A file using `name` once in `block` (with a placeholder argument).
fn snippet(block: Block, name: &str) -> String {
    match block {
        Block::Root => format!("{name} 1\n"),
        Block::GlobalDefs => format!("global_defs {{\n{name} 1\n}}\n"),
        Block::VrrpInstance => format!("vrrp_instance VI {{\n{name} 1\n}}\n"),
        Block::Authentication => {
            format!("vrrp_instance VI {{\nauthentication {{\n{name} 1\n}}\n}}\n")
        }
        Block::VrrpScript => format!("vrrp_script S {{\n{name} 1\n}}\n"),
        Block::VrrpSyncGroup => format!("vrrp_sync_group G {{\n{name} 1\n}}\n"),
        Block::GarpGroup => format!("garp_group {{\n{name} 1\n}}\n"),
        Block::Ssl => format!("SSL {{\n{name} 1\n}}\n"),
        Block::VirtualServer => format!("virtual_server 10.0.0.1 80 {{\n{name} 1\n}}\n"),
        Block::RealServer => rs(&format!("{name} 1\n")),
        Block::HttpGet => rs(&format!("HTTP_GET {{\n{name} 1\n}}\n")),
        Block::Url => rs(&format!("HTTP_GET {{\nurl {{\n{name} 1\n}}\n}}\n")),
        Block::TcpCheck => rs(&format!("TCP_CHECK {{\n{name} 1\n}}\n")),
        Block::SmtpCheck => rs(&format!("SMTP_CHECK {{\n{name} 1\n}}\n")),
        Block::SmtpHost => rs(&format!("SMTP_CHECK {{\nhost {{\n{name} 1\n}}\n}}\n")),
        Block::MiscCheck => rs(&format!("MISC_CHECK {{\n{name} 1\n}}\n")),
        Block::DnsCheck => rs(&format!("DNS_CHECK {{\n{name} 1\n}}\n")),
    }
}

/// A file with `inner` inside a real_server of a virtual_server.
fn rs(inner: &str) -> String {
    format!("virtual_server 10.0.0.1 80 {{\nreal_server 10.0.0.2 80 {{\n{inner}}}\n}}\n")
}

/// Line of the keyword in [`snippet`]'s file.
fn snippet_line(block: Block) -> u32 {
    match block {
        Block::Root => 1,
        Block::Authentication | Block::RealServer => 3,
        Block::HttpGet
        | Block::TcpCheck
        | Block::SmtpCheck
        | Block::MiscCheck
        | Block::DnsCheck => 4,
        Block::Url | Block::SmtpHost => 5,
        _ => 2,
    }
}

#[test]
fn parser_accepts_every_table_keyword_and_warns_as_classified() {
    for k in KEYWORDS {
        let text = snippet(k.block, k.name);
        let l = load_str("t.conf", &text, &LoadOptions::default());
        let unknown = format!("unknown keyword '{}'", k.name);
        assert!(
            !l.diagnostics
                .iter()
                .any(|d| d.message.starts_with(&unknown)),
            "{k:?} is in the table but the parser does not know it:\n{}",
            l.render_diagnostics()
        );
        let ours: Vec<_> = l
            .diagnostics
            .iter()
            .filter(|d| k.effect.warning(k.name).as_deref() == Some(d.message.as_str()))
            .collect();
        match k.effect {
            Effect::Applied => {
                let prefix = format!("'{}' ", k.name);
                assert!(
                    !l.diagnostics.iter().any(|d| d.message.starts_with(&prefix)
                        && (d.message.contains("by this implementation")
                            || d.message.contains("in this implementation"))),
                    "{k:?} is applied but warned:\n{}",
                    l.render_diagnostics()
                );
            }
            Effect::Partial(_) | Effect::NotApplied(_) => {
                assert_eq!(ours.len(), 1, "{k:?}:\n{}", l.render_diagnostics());
                assert_eq!(ours[0].severity, Severity::Warning);
                assert_eq!(ours[0].span.line, snippet_line(k.block));
            }
            // One warning per reason and file, at the first keyword with that reason (the
            // enclosing virtual_server for keywords inside one).
            Effect::Pending(why) => {
                let pending: Vec<_> = l
                    .diagnostics
                    .iter()
                    .filter(|d| d.message.ends_with(why))
                    .collect();
                assert_eq!(pending.len(), 1, "{k:?}:\n{}", l.render_diagnostics());
                assert_eq!(pending[0].severity, Severity::Warning);
                let first_line = match k.block {
                    Block::GlobalDefs | Block::VrrpInstance => 2,
                    _ => 1,
                };
                assert_eq!(pending[0].span.line, first_line, "{k:?}");
            }
        }
    }
}

#[test]
fn words_outside_the_table_are_unknown() {
    // The parser consults the table first: a keyword valid in one block is unknown in another.
    for (block, name) in [
        (Block::VrrpScript, "priority"),
        (Block::GlobalDefs, "state"),
        (Block::GarpGroup, "group"),
    ] {
        assert_eq!(lookup(block, name), None);
        let l = load_str("t.conf", &snippet(block, name), &LoadOptions::default());
        assert!(
            l.diagnostics
                .iter()
                .any(|d| d.message == format!("unknown keyword '{name}' - ignored")),
            "{name} in {block:?}:\n{}",
            l.render_diagnostics()
        );
    }
}

#[test]
fn not_applied_keywords_warn_once_per_file() {
    let text = "vrrp_instance A {\ntrack_file\n}\nvrrp_instance B {\ntrack_file\n}\n";
    let l = load_str("t.conf", text, &LoadOptions::default());
    let n = l
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("'track_file' has no effect"))
        .count();
    assert_eq!(n, 1, "{}", l.render_diagnostics());
}

#[test]
fn every_keepalived_135_keyword_is_classified() {
    for name in KEEPALIVED_135 {
        assert!(
            KEYWORDS
                .iter()
                .any(|k| k.name == *name && k.origin == Origin::V135),
            "keepalived 1.3.5 keyword '{name}' is missing from the keyword table"
        );
    }
    for k in KEYWORDS.iter().filter(|k| k.origin == Origin::V135) {
        assert!(
            KEEPALIVED_135.contains(&k.name),
            "{k:?} is marked as a 1.3.5 keyword but 1.3.5 does not have it"
        );
    }
}

const BEGIN: &str = "<!-- keyword-table:begin (generated by keepalived_conf::keywords::markdown_table; \
                     KEEPALIVED_RS_BLESS=1 cargo test -p keepalived-conf --test keyword_table rewrites it) -->\n";
const END: &str = "<!-- keyword-table:end -->";

#[test]
fn compatibility_doc_has_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/compatibility.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/compatibility.md has no keyword table markers:\n{BEGIN}{END}");
    };
    let current = &doc[b + BEGIN.len()..e];
    let want = markdown_table();
    if current != want {
        if std::env::var_os("KEEPALIVED_RS_BLESS").is_some() {
            let new = format!("{}{BEGIN}{want}{}", &doc[..b], &doc[e..]);
            std::fs::write(&path, new).unwrap();
            return;
        }
        panic!(
            "docs/compatibility.md's keyword table is out of date; rerun with KEEPALIVED_RS_BLESS=1"
        );
    }
}
