//! Per-keyword unit tests: each keyword's value lands in the AST with 1.3.5's defaults and
//! diagnostics.

use keepalived_conf::*;
use std::net::IpAddr;

fn parse(text: &str) -> Loaded {
    load_str("t.conf", text, &LoadOptions::default())
}

/// Parse one instance body (interface and VRID supplied unless given).
fn inst(body: &str) -> (VrrpInstance, Loaded) {
    let mut text = String::from("vrrp_instance VI {\n");
    if !body.lines().any(|l| l.starts_with("interface ")) {
        text.push_str("interface eth0\n");
    }
    if !body.contains("virtual_router_id") {
        text.push_str("virtual_router_id 7\n");
    }
    text.push_str(body);
    text.push_str("\n}\n");
    let l = parse(&text);
    (l.config.instances[0].clone(), l)
}

fn msgs(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{:?}:{}",
                d.span.line, d.span.col, d.severity, d.message
            )
        })
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn state_and_priority_defaults() {
    let (i, l) = inst("state MASTER");
    assert_eq!(l.error_count(), 0);
    assert_eq!(i.state, State::Master);
    assert_eq!(i.priority, None);
    assert_eq!(i.effective_priority(), 255);
    let (i, _) = inst("state BACKUP");
    assert_eq!(i.effective_priority(), 100);
    let (i, _) = inst("");
    assert_eq!(i.state, State::Backup);
    let (i, l) = inst("state master");
    assert_eq!(i.state, State::Backup, "values are case-sensitive in 1.3.5");
    assert_eq!(l.error_count(), 1);
    let (i, _) = inst("state MASTER\npriority 150");
    assert_eq!(i.effective_priority(), 150);
}

#[test]
fn priority_range() {
    for (v, ok) in [
        ("1", true),
        ("255", true),
        ("0", false),
        ("256", false),
        ("10x", false),
    ] {
        let (i, l) = inst(&format!("priority {v}"));
        assert_eq!(l.error_count() == 0, ok, "{v}");
        if !ok {
            assert_eq!(i.effective_priority(), 100);
        }
    }
}

#[test]
fn vrid_range() {
    for (v, ok) in [
        ("1", true),
        ("255", true),
        ("0", false),
        ("256", false),
        ("abc", false),
    ] {
        let (i, l) = inst(&format!("virtual_router_id {v}"));
        assert_eq!(l.error_count() == 0, ok, "{v}");
        assert_eq!(i.virtual_router_id.is_some(), ok);
    }
}

#[test]
fn advert_int_fractional_and_rounding() {
    let (i, l) = inst("advert_int 3");
    assert_eq!(l.error_count(), 0);
    assert_eq!(i.advert_interval(), std::time::Duration::from_secs(3));
    let (i, l) = inst("version 3\nadvert_int 0.5\nvirtual_ipaddress {\n10.0.0.1\n}");
    assert_eq!(l.error_count(), 0);
    assert_eq!(i.advert_int, Some(0.5));
    // VRRPv2: rounded, as 1.3.5 does, with a warning.
    let (i, l) = inst("advert_int 1.6");
    assert_eq!(i.advert_int, Some(2.0));
    assert_eq!(l.warning_count(), 1);
    let (i, _) = inst("");
    assert_eq!(i.advert_interval(), std::time::Duration::from_secs(1));
}

#[test]
fn authentication_pass_ah_and_errors() {
    let (i, _) = inst("authentication {\nauth_type PASS\nauth_pass secret\n}");
    assert_eq!(
        i.authentication,
        Some(Authentication::Pass("secret".into()))
    );
    let (i, _) = inst("authentication {\nauth_type AH\nauth_pass k\n}");
    assert_eq!(i.authentication, Some(Authentication::Ah("k".into())));
    let (i, l) = inst("authentication {\nauth_type PASS\n}");
    assert_eq!(i.authentication, None);
    assert_eq!(l.error_count(), 1);
    let (i, l) = inst("authentication {\nauth_type MD5\nauth_pass x\n}");
    assert_eq!(i.authentication, None);
    assert_eq!(l.error_count(), 1);
    // Longer than 8: kept whole, warned (the wire uses 8 bytes).
    let (i, l) = inst("authentication {\nauth_type PASS\nauth_pass 123456789\n}");
    assert_eq!(
        i.authentication,
        Some(Authentication::Pass("123456789".into()))
    );
    assert_eq!(l.warning_count(), 1);
    // `#` inside an unquoted password starts a comment (1.3.5).
    let (i, _) = inst("authentication {\nauth_type PASS\nauth_pass ab#cd\n}");
    assert_eq!(i.authentication, Some(Authentication::Pass("ab".into())));
    // VRRPv3: ignored with a warning.
    let (i, l) = inst("version 3\nauthentication {\nauth_type PASS\nauth_pass x\n}\nvirtual_ipaddress {\n10.0.0.1\n}");
    assert_eq!(i.authentication, None);
    assert_eq!(l.error_count(), 0);
    assert_eq!(l.warning_count(), 1);
}

#[test]
fn virtual_ipaddress_options() {
    let (i, l) = inst(
        "virtual_ipaddress {\n 10.0.0.1/24 dev eth1 brd 10.0.0.255 scope link label eth1:1\n 10.0.0.2\n 10.0.0.3/32 broadcast 10.0.0.3 bogus\n}\nvirtual_ipaddress_excluded {\n fe80::1/64\n 10.0.1.1\n}",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    assert_eq!(l.warning_count(), 1, "unknown option 'bogus'");
    let a = &i.virtual_ipaddress[0];
    assert_eq!(a.addr, ip("10.0.0.1"));
    assert_eq!(a.prefix_len, Some(24));
    assert_eq!(a.dev.as_deref(), Some("eth1"));
    assert_eq!(a.brd, Some(ip("10.0.0.255")));
    assert_eq!(a.scope.as_deref(), Some("link"));
    assert_eq!(a.label.as_deref(), Some("eth1:1"));
    assert_eq!(i.virtual_ipaddress[1].prefix(), 32);
    assert_eq!(i.virtual_ipaddress[2].brd, Some(ip("10.0.0.3")));
    // Excluded addresses may mix families.
    assert_eq!(i.virtual_ipaddress_excluded.len(), 2);
    assert_eq!(i.virtual_ipaddress_excluded[0].prefix(), 64);
}

#[test]
fn virtual_ipaddress_family_must_match() {
    let (i, l) = inst("virtual_ipaddress {\n10.0.0.1\nfe80::1\n}");
    assert_eq!(i.virtual_ipaddress.len(), 1);
    assert_eq!(l.error_count(), 1);
    let (i, l) = inst("virtual_ipaddress {\n2001:db8::1/64\n}");
    assert!(i.is_ipv6());
    assert_eq!(l.error_count(), 0);
    let (i, l) = inst("virtual_ipaddress {\n10.0.0.1/33\n}");
    assert!(i.virtual_ipaddress.is_empty());
    assert_eq!(l.error_count(), 1);
}

#[test]
fn routes_rules_and_unicast() {
    let (i, l) = inst(
        "virtual_routes {\n src 10.0.0.1 to 10.1.0.0/16 via 10.0.0.254 dev eth0\n blackhole 10.2.0.0/16\n}\nvirtual_rules {\n from 10.0.0.0/8 table 100\n}\nunicast_src_ip 10.0.0.1\nunicast_peer {\n 10.0.0.2\n 10.0.0.3\n}\nmcast_src_ip 10.0.0.9",
    );
    assert_eq!(l.error_count(), 0);
    assert_eq!(i.virtual_routes.len(), 2);
    assert_eq!(i.virtual_routes[1].words, vec!["blackhole", "10.2.0.0/16"]);
    assert_eq!(
        i.virtual_rules[0].words,
        vec!["from", "10.0.0.0/8", "table", "100"]
    );
    assert_eq!(i.unicast_src_ip, Some(ip("10.0.0.1")));
    assert_eq!(i.mcast_src_ip, Some(ip("10.0.0.9")));
    assert_eq!(i.unicast_peer.len(), 2);
    assert_eq!(i.unicast_peer[1].addr, ip("10.0.0.3"));
}

#[test]
fn preemption_and_accept() {
    let (i, _) = inst("nopreempt");
    assert!(i.nopreempt);
    let (i, _) = inst("nopreempt\npreempt");
    assert!(!i.nopreempt);
    let (i, l) = inst("preempt_delay 30");
    assert_eq!(i.preempt_delay, Some(30));
    assert_eq!(l.error_count(), 0);
    let (_, l) = inst("preempt_delay 1001");
    assert_eq!(l.error_count(), 1);
    let (i, l) = inst("state MASTER\nnopreempt");
    assert!(i.nopreempt);
    assert_eq!(l.warning_count(), 1);
    let (i, l) = inst("nopreempt\npreempt_delay 10");
    assert_eq!(i.preempt_delay, None);
    assert_eq!(l.warning_count(), 1);
    assert_eq!(inst("accept").0.accept, Some(true));
    assert_eq!(inst("no_accept").0.accept, Some(false));
    assert_eq!(inst("").0.accept, None);
}

#[test]
fn tracking() {
    let text = "vrrp_script chk {\n script \"/bin/true arg\"\n weight 10\n}\nvrrp_instance VI {\ninterface eth0\nvirtual_router_id 1\ndont_track_primary\ntrack_interface {\n eth1\n eth2 weight -20\n}\ntrack_script {\n chk\n chk weight 5\n}\n}\n";
    let l = parse(text);
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let i = &l.config.instances[0];
    assert!(i.dont_track_primary);
    assert_eq!(i.track_interface[0].weight, 0);
    assert_eq!(i.track_interface[1].name, "eth2");
    assert_eq!(i.track_interface[1].weight, -20);
    assert_eq!(i.track_script[0].weight, None);
    assert_eq!(i.track_script[1].weight, Some(5));
    let (_, l) = inst("track_interface {\n eth1 weight 255\n}");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn notify_scripts() {
    let (i, l) = inst(
        "notify_master \"/bin/m.sh a b\" user1 grp\nnotify_backup /bin/b.sh\nnotify_fault /bin/f.sh\nnotify_stop /bin/s.sh root\nnotify /bin/n.sh\nsmtp_alert",
    );
    assert_eq!(l.error_count(), 0);
    let m = i.notify_master.unwrap();
    assert_eq!(m.script, "/bin/m.sh a b");
    assert_eq!(m.user.as_deref(), Some("user1"));
    assert_eq!(m.group.as_deref(), Some("grp"));
    assert_eq!(i.notify_backup.unwrap().script, "/bin/b.sh");
    assert_eq!(i.notify_fault.unwrap().script, "/bin/f.sh");
    assert_eq!(i.notify_stop.unwrap().user.as_deref(), Some("root"));
    assert_eq!(i.notify.unwrap().script, "/bin/n.sh");
    assert!(i.smtp_alert);
}

#[test]
fn garp_and_boolean_options() {
    let (i, l) = inst(
        "garp_master_delay 0\ngarp_master_repeat 3\ngarp_master_refresh 60\ngarp_master_refresh_repeat 2\ngarp_lower_prio_delay 4\ngarp_lower_prio_repeat 6\nlower_prio_no_advert\nhigher_prio_send_advert off\nskip_check_adv_addr yes\nstrict_mode false",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    // Per instance, garp_master_delay has a 1 s minimum in 1.3.5.
    assert_eq!(i.garp_master_delay, Some(1));
    assert_eq!(i.garp_master_repeat, Some(3));
    assert_eq!(i.garp_master_refresh, Some(60));
    assert_eq!(i.garp_master_refresh_repeat, Some(2));
    assert_eq!(i.garp_lower_prio_delay, Some(4));
    assert_eq!(i.garp_lower_prio_repeat, Some(6));
    assert_eq!(i.lower_prio_no_advert, Some(true));
    assert_eq!(i.higher_prio_send_advert, Some(false));
    assert_eq!(i.skip_check_adv_addr, Some(true));
    assert_eq!(i.strict_mode, Some(false));
    let (i, _) = inst("");
    assert_eq!(i.garp_master_delay, None);
    let (_, l) = inst("strict_mode maybe");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn garp_interval_inside_instance_is_unknown_in_1_3_5() {
    let (_, l) = inst("garp_interval 1");
    assert_eq!(l.error_count(), 0);
    assert_eq!(l.warning_count(), 1);
}

#[test]
fn vmac_and_misc_flags() {
    let (i, l) = inst(
        "use_vmac vrrp51\nvmac_xmit_base\nnative_ipv6\npromote_secondaries\ndebug 2\nversion 3\nvirtual_ipaddress {\nfe80::1\n}",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    assert!(i.use_vmac);
    assert_eq!(i.vmac_name.as_deref(), Some("vrrp51"));
    assert!(i.vmac_xmit_base && i.native_ipv6 && i.promote_secondaries);
    assert_eq!(i.debug, Some(2));
    assert_eq!(i.version, Some(3));
    let (i, _) = inst("use_vmac");
    assert!(i.use_vmac);
    assert_eq!(i.vmac_name, None);
    let (_, l) = inst("version 4");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn v3_and_ipv6_need_a_vip() {
    let (_, l) = inst("version 3");
    assert_eq!(l.error_count(), 1);
    let (_, l) = inst("native_ipv6");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn strict_mode_rejects_unicast_peer() {
    let (_, l) = inst("strict_mode\nvirtual_ipaddress {\n10.0.0.1\n}\nunicast_peer {\n10.0.0.2\n}");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn strict_without_accept_warns_that_the_vips_do_not_answer() {
    let vip = "virtual_ipaddress {\n10.0.0.1\n}\n";
    let unreachable = |l: &Loaded| {
        l.diagnostics
            .iter()
            .filter(|d| d.message.contains("nothing on them answers, not even ping"))
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    };
    // Strict mode's default, and VRRPv2's reset of `accept`: warned.
    let (_, l) = inst(&format!("strict_mode\n{vip}"));
    assert_eq!(
        unreachable(&l),
        ["(VI): vrrp_strict turns accept mode off: as MASTER it drops all traffic to its VIPs (iptables/ipset), so nothing on them answers, not even ping; use `accept` with VRRPv3 to reach them"]
    );
    let (_, l) = inst(&format!("strict_mode\naccept\n{vip}"));
    assert!(unreachable(&l)[0].contains("vrrp_strict resets `accept` for VRRPv2"));
    let l = parse(&format!(
        "global_defs {{\nvrrp_strict\n}}\nvrrp_instance VI {{\ninterface eth0\nvirtual_router_id 7\n{vip}}}\n"
    ));
    assert_eq!(unreachable(&l).len(), 1, "{}", l.render_diagnostics());
    // VRRPv3 with accept, the address owner, an explicit no_accept, no strict mode, or a bare
    // vrrp_iptables (no firewall): not warned.
    for body in [
        "strict_mode\nversion 3\naccept\n",
        "strict_mode\npriority 255\n",
        "strict_mode\nno_accept\n",
        "",
    ] {
        let (_, l) = inst(&format!("{body}{vip}"));
        assert!(unreachable(&l).is_empty(), "{body}: {:?}", unreachable(&l));
    }
    let l = parse(&format!(
        "global_defs {{\nvrrp_strict\nvrrp_iptables\n}}\nvrrp_instance VI {{\ninterface eth0\nvirtual_router_id 7\n{vip}}}\n"
    ));
    assert!(unreachable(&l).is_empty());
}

#[test]
fn lvs_sync_daemon_interface_is_deprecated() {
    let (i, l) = inst("lvs_sync_daemon_interface eth1");
    assert_eq!(i.lvs_sync_daemon_interface.as_deref(), Some("eth1"));
    // 1.3.5's deprecation line only: the keyword is applied (the sync daemon follows it).
    assert_eq!(l.warning_count(), 1);
}

#[test]
fn common_2x_additions() {
    let (i, l) = inst("unicast_ttl 10\ncheck_unicast_src\nnotify_priority_changes");
    assert_eq!(l.error_count(), 0);
    assert_eq!(i.unicast_ttl, Some(10));
    assert_eq!(i.check_unicast_src, Some(true));
    assert_eq!(i.notify_priority_changes, Some(true));
    // 2.x keywords we do not implement: warned, block kept generically.
    let (_, l) = inst("track_file {\n f weight 1\n}");
    assert_eq!(l.error_count(), 0);
    assert_eq!(l.warning_count(), 1);
    assert_eq!(l.config.unsupported.len(), 1);
}

#[test]
fn global_defs_keywords() {
    let l = parse(
        "global_defs {\n router_id R1\n notification_email {\n a@b.c\n d@e.f\n }\n notification_email_from k@x\n smtp_server 10.0.0.1 2525\n smtp_helo_name h\n smtp_connect_timeout 10\n default_interface eth9\n vrrp_mcast_group4 224.0.0.19\n vrrp_mcast_group6 ff02::13\n vrrp_garp_master_delay 0\n vrrp_garp_master_repeat 2\n vrrp_garp_master_refresh 30\n vrrp_garp_master_refresh_repeat 3\n vrrp_garp_lower_prio_delay 7\n vrrp_garp_lower_prio_repeat 8\n vrrp_garp_interval 0.001\n vrrp_gna_interval 0\n vrrp_lower_prio_no_advert true\n vrrp_higher_prio_send_advert\n vrrp_version 3\n vrrp_iptables IN OUT\n vrrp_ipsets\n vrrp_check_unicast_src\n vrrp_skip_check_adv_addr\n vrrp_strict\n vrrp_priority -5\n vrrp_no_swap\n script_user ka ka\n enable_script_security\n lvs_flush\n enable_traps\n}\n",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    // lvs_flush (checker process) and enable_traps (SNMP) are both applied: no warning.
    let warned: Vec<&str> = l
        .diagnostics
        .iter()
        .map(|d| d.message.split('\'').nth(1).unwrap_or(""))
        .collect();
    assert!(warned.is_empty(), "{}", l.render_diagnostics());
    let g = &l.config.global_defs;
    assert_eq!(g.router_id.as_deref(), Some("R1"));
    assert_eq!(g.notification_email, vec!["a@b.c", "d@e.f"]);
    assert_eq!(g.notification_email_from.as_deref(), Some("k@x"));
    let s = g.smtp_server.as_ref().unwrap();
    assert_eq!((s.host.as_str(), s.port), ("10.0.0.1", Some(2525)));
    assert_eq!(g.smtp_helo_name.as_deref(), Some("h"));
    assert_eq!(g.smtp_connect_timeout, Some(10));
    assert_eq!(g.default_interface.as_deref(), Some("eth9"));
    assert_eq!(g.mcast_group4().to_string(), "224.0.0.19");
    assert_eq!(g.mcast_group6().to_string(), "ff02::13");
    assert_eq!(g.garp_master_delay(), 0);
    assert_eq!(g.garp_master_repeat(), 2);
    assert_eq!(g.garp_master_refresh(), 30);
    assert_eq!(g.garp_master_refresh_repeat(), 3);
    assert_eq!(g.garp_lower_prio_delay(), 7);
    assert_eq!(g.garp_lower_prio_repeat(), 8);
    assert_eq!(g.vrrp_garp_interval, Some(0.001));
    assert_eq!(g.vrrp_gna_interval, Some(0.0));
    assert_eq!(g.vrrp_lower_prio_no_advert, Some(true));
    assert_eq!(g.vrrp_higher_prio_send_advert, Some(true));
    assert_eq!(g.vrrp_version(), 3);
    assert_eq!(
        g.vrrp_iptables,
        Some(vec!["IN".to_string(), "OUT".to_string()])
    );
    assert_eq!(g.vrrp_ipsets, Some(vec![]));
    assert!(
        g.vrrp_check_unicast_src && g.vrrp_skip_check_adv_addr && g.vrrp_strict && g.vrrp_no_swap
    );
    assert_eq!(g.vrrp_priority, Some(-5));
    let u = g.script_user.as_ref().unwrap();
    assert_eq!((u.user.as_str(), u.group.as_deref()), ("ka", Some("ka")));
    assert!(g.enable_script_security);
    // lvs_flush is typed; enable_traps stays verbatim for the SNMP agent.
    assert!(g.lvs_flush);
    assert_eq!(g.other.len(), 1);
}

#[test]
fn global_defaults() {
    let g = GlobalDefs::default();
    assert_eq!(g.vrrp_version(), 2);
    assert_eq!(g.mcast_group4().to_string(), "224.0.0.18");
    assert_eq!(g.mcast_group6().to_string(), "ff02::12");
    assert_eq!(g.garp_master_delay(), 5);
    assert_eq!(g.garp_master_repeat(), 5);
    assert_eq!(g.garp_master_refresh(), 0);
    assert_eq!(g.garp_master_refresh_repeat(), 1);
    assert_eq!(g.garp_lower_prio_delay(), 5);
    assert_eq!(g.garp_lower_prio_repeat(), 5);
    let l = parse("global_defs {\nvrrp_garp_interval 2\nvrrp_mcast_group4 10.0.0.1\n}\n");
    assert_eq!(l.warning_count(), 1, "very large garp interval");
    assert_eq!(l.error_count(), 1, "not multicast");
}

#[test]
fn vrrp_script_keywords_and_defaults() {
    let l = parse(
        "vrrp_script s {\n script \"/usr/bin/killall -0 haproxy\"\n interval 2\n timeout 3\n weight -30\n rise 2\n fall 4\n user nobody nogroup\n init_fail\n}\nvrrp_script d {\n script /bin/true\n}\n",
    );
    assert_eq!(l.error_count(), 0);
    let s = &l.config.scripts[0];
    assert_eq!(s.script.as_deref(), Some("/usr/bin/killall -0 haproxy"));
    assert_eq!(
        (
            s.interval_secs(),
            s.timeout_secs(),
            s.weight(),
            s.rise(),
            s.fall()
        ),
        (2, 3, -30, 2, 4)
    );
    assert_eq!(s.user.as_ref().unwrap().group.as_deref(), Some("nogroup"));
    assert!(s.init_fail);
    let d = &l.config.scripts[1];
    assert_eq!(
        (
            d.interval_secs(),
            d.timeout_secs(),
            d.weight(),
            d.rise(),
            d.fall()
        ),
        (1, 1, 0, 1, 1)
    );
    assert!(!d.init_fail);
    // Unquoted command with arguments: 1.3.5 only runs the first word.
    let l = parse("vrrp_script s {\n script /bin/check arg\n}\n");
    assert_eq!(l.config.scripts[0].script.as_deref(), Some("/bin/check"));
    assert_eq!(l.warning_count(), 1);
    let l = parse("vrrp_script s {\n weight 255\n}\n");
    assert_eq!(l.error_count(), 1);
}

#[test]
fn sync_group_keywords_and_checks() {
    let base = "vrrp_instance A {\ninterface eth0\nvirtual_router_id 1\n}\nvrrp_instance B {\ninterface eth0\nvirtual_router_id 2\n}\n";
    let l = parse(&format!(
        "{base}vrrp_sync_group G {{\n group {{\n A\n B\n }}\n notify_master \"/bin/x m\"\n notify_backup /b\n notify_fault /f\n notify /n\n smtp_alert\n global_tracking\n}}\n"
    ));
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let g = &l.config.sync_groups[0];
    let names: Vec<_> = g.group.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["A", "B"]);
    assert_eq!(g.notify_master.as_ref().unwrap().script, "/bin/x m");
    assert!(g.notify_backup.is_some() && g.notify_fault.is_some() && g.notify.is_some());
    assert!(g.smtp_alert && g.global_tracking);
    // One-line `group { A B }` works in 1.3.5 (read_value_block).
    let l = parse(&format!(
        "{base}vrrp_sync_group G {{\n group {{ A B }}\n}}\n"
    ));
    assert_eq!(l.config.sync_groups[0].group.len(), 2);
    // Unknown member: error, dropped; then only one member: group removed (warning).
    let l = parse(&format!(
        "{base}vrrp_sync_group G {{\n group {{\n A\n C\n }}\n}}\n"
    ));
    assert_eq!(l.error_count(), 1);
    assert!(l.config.sync_groups.is_empty());
}

#[test]
fn garp_group_and_static_blocks() {
    let l = parse(
        "garp_group {\n garp_interval 0.5\n gna_interval 1\n interface eth0\n interfaces {\n eth1\n eth2\n }\n}\nstatic_ipaddress {\n 192.168.1.1/24 dev eth0 scope global\n}\nstatic_routes {\n 10.0.0.0/8 via 192.168.1.254 dev eth0\n}\nstatic_rules {\n from 10.0.0.0/8 table 1\n}\n",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let g = &l.config.garp_groups[0];
    assert_eq!(g.garp_interval, Some(0.5));
    assert_eq!(g.gna_interval, Some(1.0));
    assert_eq!(g.interfaces.len(), 3);
    assert_eq!(
        l.config.static_ipaddress[0].scope.as_deref(),
        Some("global")
    );
    assert_eq!(l.config.static_routes[0].words[0], "10.0.0.0/8");
    assert_eq!(l.config.static_rules[0].words.len(), 4);
}

#[test]
fn root_keywords() {
    let l = parse("net_namespace ns1\ninstance i1\nuse_pid_dir\nlinkbeat_use_polling\nnamespace_with_ipsets\n");
    // Kept in the AST; only linkbeat_use_polling has no effect here (and says why).
    assert_eq!(l.error_count(), 0);
    assert_eq!(l.warning_count(), 1);
    assert!(l.diagnostics[0]
        .message
        .contains("has no effect in this implementation: "));
    let c = &l.config;
    assert_eq!(c.net_namespace.as_deref(), Some("ns1"));
    assert_eq!(c.instance.as_deref(), Some("i1"));
    assert!(c.use_pid_dir && c.linkbeat_use_polling && c.namespace_with_ipsets);
}

#[test]
fn first_namespace_and_instance_win_as_in_135() {
    let l = parse("net_namespace ns1\ninstance i1\nnet_namespace ns2\ninstance i2\n");
    assert_eq!(l.error_count(), 0);
    let msgs: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec![
            "Duplicate net_namespace definition ns2 - ignoring",
            "Duplicate instance definition i2 - ignoring"
        ]
    );
    assert_eq!(l.config.net_namespace.as_deref(), Some("ns1"));
    assert_eq!(l.config.instance.as_deref(), Some("i1"));
}

#[test]
fn unknown_keywords_warn_and_lvs_blocks_are_typed() {
    let l = parse("foo bar\nvirtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n weight 1\n }\n}\nSSL {\n password x\n}\n");
    assert_eq!(l.error_count(), 0);
    // The LVS side is typed and applied: no warning for it.
    assert_eq!(
        msgs(&l),
        vec!["1:1:Warning:unknown keyword 'foo' - ignored"]
    );
    assert!(l.config.unsupported.is_empty());
    let vs = &l.config.virtual_servers[0];
    assert_eq!(
        vs.key,
        keepalived_conf::VirtualServerKey::Addr {
            addr: "10.0.0.1".parse().unwrap(),
            port: 80
        }
    );
    assert_eq!(vs.real_servers[0].weight, Some(1));
    assert_eq!(
        l.config.ssl.as_ref().and_then(|s| s.password.as_deref()),
        Some("x")
    );
}

#[test]
fn unknown_block_inside_instance_truncates_it_like_1_3_5() {
    let l = parse("vrrp_instance VI {\ninterface eth0\nvirtual_router_id 1\ntrack_foo {\n eth1\n}\npriority 50\n}\n");
    // `track_foo {` is unknown; its `}` closes the instance; `priority 50` lands at top level and
    // the instance's own `}` is a stray brace.
    assert_eq!(l.config.instances[0].priority, None);
    assert_eq!(l.error_count(), 1);
    assert_eq!(l.diagnostics.last().unwrap().span.line, 8);
}

#[test]
fn lexical_tolerance() {
    // CRLF, tabs, trailing spaces, brace on the next line, comments after values, `!` comments.
    let l = parse("vrrp_instance VI\r\n{\r\n\tinterface eth0   \r\n\tvirtual_router_id 9 ! nine\r\n\tvirtual_ipaddress\r\n\t{\r\n\t\t10.0.0.1\r\n\t}\r\n}\r\n");
    assert_eq!(l.diagnostics, vec![]);
    let i = &l.config.instances[0];
    assert_eq!(i.virtual_router_id, Some(9));
    assert_eq!(i.virtual_ipaddress.len(), 1);
}

#[test]
fn brace_glued_to_name_is_not_a_brace() {
    // 1.3.5: `VI_1{` is the name; `{` missing (warning), block still read.
    let l = parse("vrrp_instance VI_1{\ninterface eth0\nvirtual_router_id 1\n}\n");
    assert_eq!(l.config.instances[0].name, "VI_1{");
    assert_eq!(l.error_count(), 0);
    assert_eq!(l.warning_count(), 1);
}

#[test]
fn duplicate_instance_names() {
    let l = parse("vrrp_instance A {\ninterface eth0\nvirtual_router_id 1\n}\nvrrp_instance A {\ninterface eth1\nvirtual_router_id 2\n}\n");
    assert_eq!(l.config.instances.len(), 1);
    assert_eq!(l.error_count(), 1);
}

#[test]
fn unmatched_quote() {
    let l = parse("vrrp_script s {\n script \"/bin/x\n}\n");
    assert_eq!(l.error_count(), 2, "{}", l.render_diagnostics());
}

#[test]
fn include_with_glob_relative_to_including_file() {
    let dir = std::env::temp_dir().join(format!("kaconf-inc-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("conf.d")).unwrap();
    std::fs::write(
        dir.join("main.conf"),
        "global_defs {\n router_id M\n}\ninclude conf.d/*.conf\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("conf.d/b.conf"),
        "vrrp_instance B {\ninterface eth0\nvirtual_router_id 2\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("conf.d/a.conf"),
        "vrrp_instance A {\ninterface eth0\nvirtual_router_id 1\ninclude ../vip.inc\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("vip.inc"), "virtual_ipaddress {\n10.0.0.1\n}\n").unwrap();
    let l = load(&dir.join("main.conf"), &LoadOptions::default()).unwrap();
    assert_eq!(l.diagnostics, vec![]);
    let names: Vec<_> = l.config.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, vec!["A", "B"], "glob order");
    let vip = &l.config.instances[0].virtual_ipaddress[0];
    assert!(vip.span.file.ends_with("vip.inc"));
    assert_eq!(vip.span.line, 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn vmac_misuse_warnings() {
    let (_, l) = inst("vmac_xmit_base");
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.message == "(VI): vmac_xmit_base is only valid with a vmac - ignored"),
        "{}",
        l.render_diagnostics()
    );
    let (_, l) = inst("use_vmac\nvmac_xmit_base\nstrict_mode");
    assert!(
        l.diagnostics.iter().any(|d| d
            .message
            .contains("vmac_xmit_base is incompatible with strict mode")),
        "{}",
        l.render_diagnostics()
    );
    let (i, l) = inst("use_vmac a-very-long-vmac-name");
    assert_eq!(i.vmac_name.as_deref(), Some("a-very-long-vmac-name"));
    assert!(
        l.diagnostics.iter().any(|d| d.message
            == "(VI): use_vmac name 'a-very-long-vmac-name' is longer than 15 characters - keepalived 1.3.5 cuts it to 'a-very-long-vma'"),
        "{}",
        l.render_diagnostics()
    );
    assert_eq!(keepalived_conf::truncate_ifname("vrrp.51"), "vrrp.51");
}
