//! The checker (LVS) side: every keyword group lands in the typed AST with keepalived 1.3.5's
//! defaults; bad values are reported at file:line:col and skipped, or their server dropped, as
//! 1.3.5 does; everything round-trips through `render`.

use keepalived_conf::*;
use std::net::IpAddr;
use std::time::Duration;

fn parse(text: &str) -> Loaded {
    load_str("t.conf", text, &LoadOptions::default())
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `line:col: message` of every error.
fn errs(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}:{}: {}", d.span.line, d.span.col, d.message))
        .collect()
}

/// `line:col: message` of every warning except the one "not applied yet" warning.
fn warns(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning && !d.message.contains("not applied"))
        .map(|d| format!("{}:{}: {}", d.span.line, d.span.col, d.message))
        .collect()
}

/// A config with one virtual server `10.0.0.1 80` whose body is `body`.
fn vs(body: &str) -> (VirtualServer, Loaded) {
    let l = parse(&format!("virtual_server 10.0.0.1 80 {{\n{body}\n}}\n"));
    let v = l.config.virtual_servers[0].clone();
    (v, l)
}

/// A config with one real server `10.0.0.2 80` whose body is `body` (line 3 onwards).
fn rs(body: &str) -> (RealServer, Loaded) {
    let l = parse(&format!(
        "virtual_server 10.0.0.1 80 {{\nreal_server 10.0.0.2 80 {{\n{body}\n}}\n}}\n"
    ));
    let r = l.config.virtual_servers[0].real_servers[0].clone();
    (r, l)
}

#[test]
fn virtual_server_keywords() {
    let (v, l) = vs(
        "delay_loop 6\nlb_algo sh\nsh-port\nsh-fallback\nhashed\nops\nflag-1\nflag-2\nflag-3\n\
         lb_kind DR\npersistence_engine sip\npersistence_timeout 900\nprotocol UDP\nha_suspend\n\
         virtualhost www.example.com\nalpha\nomega\nquorum 3\nquorum_up \"/bin/up arg\" nobody\n\
         quorum_down /bin/down\nhysteresis 2\nsorry_server 10.0.0.9 8080\nsorry_server_inhibit\n\
         ip_family inet",
    );
    assert_eq!(l.diagnostics.len(), 0, "{}", l.render_diagnostics());
    assert_eq!(
        v.key,
        VirtualServerKey::Addr {
            addr: ip("10.0.0.1"),
            port: 80
        }
    );
    assert_eq!(v.delay_loop(), secs(6));
    assert_eq!(v.lb_algo, Some(LbAlgo::Sh));
    assert!(v.sh_port && v.sh_fallback && v.hashed && v.ops && v.flag_1 && v.flag_2 && v.flag_3);
    assert_eq!(v.lb_kind(), LbKind::Dr);
    assert_eq!(v.persistence_engine.as_deref(), Some("sip"));
    assert_eq!(v.persistence_timeout(), Some(secs(900)));
    assert_eq!(v.protocol, Some(Protocol::Udp));
    assert!(v.ha_suspend && v.alpha && v.omega);
    assert_eq!(v.virtualhost.as_deref(), Some("www.example.com"));
    assert_eq!(v.quorum(), 3);
    let up = v.quorum_up.as_ref().unwrap();
    assert_eq!(
        (up.script.as_str(), up.user.as_deref()),
        ("/bin/up arg", Some("nobody"))
    );
    assert_eq!(v.quorum_down.as_ref().unwrap().script, "/bin/down");
    assert_eq!(v.hysteresis(), 2);
    let s = v.sorry_server.as_ref().unwrap();
    assert_eq!((s.addr, s.port, s.inhibit), (ip("10.0.0.9"), 8080, true));
    assert_eq!(v.ip_family, Some(IpFamily::Inet));
    // lvs_sched and lvs_method are the other spellings.
    let (v, _) = vs("lvs_sched wlc\nlvs_method TUN");
    assert_eq!(
        (v.lb_algo, v.lb_kind),
        (Some(LbAlgo::Wlc), Some(LbKind::Tun))
    );
}

#[test]
fn virtual_server_defaults_are_1_3_5s() {
    let (v, l) = vs("");
    assert_eq!(l.error_count(), 0);
    assert_eq!(v.delay_loop(), secs(60));
    assert_eq!(v.lb_kind(), LbKind::Nat);
    assert_eq!(v.quorum(), 1);
    assert_eq!(v.hysteresis(), 0);
    assert_eq!(v.persistence_timeout(), None);
    assert_eq!((v.lb_algo.clone(), v.protocol), (None, None));
    assert!(!v.is_ipv6());
    // A bare persistence_timeout is IPVS's 360 s.
    let (v, _) = vs("persistence_timeout");
    assert_eq!(v.persistence_timeout(), Some(secs(360)));
}

#[test]
fn virtual_server_keys() {
    let l = parse(
        "virtual_server fwmark 7 {\nreal_server 10.0.0.2 {\n}\n}\n\
         virtual_server group G {\n}\nvirtual_server_group G {\n10.0.0.1 80\n}\n\
         virtual_server 2001:db8::1 443 {\nreal_server 2001:db8::2 443 {\n}\n}\n",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let v = &l.config.virtual_servers;
    assert_eq!(v[0].key, VirtualServerKey::Fwmark(7));
    // `real_server IP {` (the fwmark sample's form): port 0, as 1.3.5 reads it.
    assert_eq!(v[0].real_servers[0].port, 0);
    assert_eq!(v[1].key, VirtualServerKey::Group("G".into()));
    assert!(v[2].is_ipv6());
    assert_eq!(v[2].real_servers[0].addr, ip("2001:db8::2"));
}

#[test]
fn real_server_keywords() {
    let (r, l) = rs(
        "weight 0\ninhibit_on_failure\nnotify_up /bin/up\nnotify_down \"/bin/down x\" u g\nuthreshold 100\nlthreshold 10",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    assert_eq!((r.addr, r.port), (ip("10.0.0.2"), 80));
    assert_eq!(r.weight(), 0);
    assert!(r.inhibit_on_failure);
    assert_eq!(r.notify_up.as_ref().unwrap().script, "/bin/up");
    let d = r.notify_down.as_ref().unwrap();
    assert_eq!(
        (d.script.as_str(), d.user.as_deref(), d.group.as_deref()),
        ("/bin/down x", Some("u"), Some("g"))
    );
    assert_eq!((r.uthreshold, r.lthreshold), (Some(100), Some(10)));
    assert!(r.checkers.is_empty());
    let (r, _) = rs("");
    assert_eq!(r.weight(), 1);
}

#[test]
fn http_and_ssl_get() {
    let (r, l) = rs("HTTP_GET {\nurl {\npath /\ndigest 9b3a0c85a887a256d6939da88aabd8cd\nstatus_code 200\n}\n\
         url {\npath /health\n}\nconnect_ip 10.0.0.3\nconnect_port 8080\nbindto 10.0.0.1\nbind_port 4000\n\
         connect_timeout 3\nfwmark 5\nwarmup 10\nnb_get_retry 4\ndelay_before_retry 2\n}\n\
         SSL_GET {\nurl {\npath /\n}\n}");
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let Checker::HttpGet(h) = &r.checkers[0] else {
        panic!("{:?}", r.checkers[0])
    };
    assert_eq!(h.urls.len(), 2);
    assert_eq!(h.urls[0].path.as_deref(), Some("/"));
    assert_eq!(
        h.urls[0].digest.as_deref(),
        Some("9b3a0c85a887a256d6939da88aabd8cd")
    );
    assert_eq!(h.urls[0].status_code, Some(200));
    assert_eq!(h.urls[1].path.as_deref(), Some("/health"));
    let c = &h.connect;
    assert_eq!(c.connect_ip, Some(ip("10.0.0.3")));
    assert_eq!(c.connect_port, Some(8080));
    assert_eq!(c.bind(), Some((ip("10.0.0.1"), 4000)));
    assert_eq!(c.connect_timeout(), secs(3));
    assert_eq!(c.fwmark, Some(5));
    assert_eq!(h.warmup, Some(secs(10)));
    assert_eq!(h.nb_get_retry(), 4);
    assert_eq!(h.delay_before_retry(), secs(2));
    let Checker::SslGet(s) = &r.checkers[1] else {
        panic!("{:?}", r.checkers[1])
    };
    // 1.3.5's defaults: 1 retry, 3 s apart, 5 s connect timeout, warmup = delay_loop.
    assert_eq!(s.nb_get_retry(), 1);
    assert_eq!(s.delay_before_retry(), secs(3));
    assert_eq!(s.connect.connect_timeout(), secs(5));
    let v = &l.config.virtual_servers[0];
    assert_eq!(r.checkers[1].warmup(v), secs(60));
    assert_eq!(r.checkers[0].warmup(v), secs(10));
}

#[test]
fn tcp_check() {
    let (r, l) = rs("TCP_CHECK {\nconnect_port 22\nconnect_timeout 2\nretry 3\ndelay_before_retry 4\nwarmup 0\n}");
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let Checker::Tcp(t) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(t.connect.connect_port, Some(22));
    assert_eq!((t.retry(), t.delay_before_retry()), (3, secs(4)));
    assert_eq!(t.warmup, Some(secs(0)));
    let (r, _) = rs("TCP_CHECK {\n}");
    let Checker::Tcp(t) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!((t.retry(), t.delay_before_retry()), (1, secs(1)));
}

#[test]
fn smtp_check_hosts_inherit_the_checker_options() {
    let (r, l) = rs("SMTP_CHECK {\nconnect_timeout 9\nhelo_name mx.example\nretry 2\ndelay_before_retry 5\nwarmup 1\n\
         host {\nconnect_ip 10.0.0.5\nconnect_port 25\n}\nhost {\nconnect_ip 10.0.0.6\nconnect_timeout 3\n}\n}");
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let Checker::Smtp(s) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(s.helo_name(), "mx.example");
    assert_eq!((s.retry(), s.delay_before_retry()), (2, secs(5)));
    let hosts = s.hosts();
    assert_eq!(hosts.len(), 2);
    assert_eq!(hosts[0].connect_ip, Some(ip("10.0.0.5")));
    assert_eq!(hosts[0].connect_timeout(), secs(9));
    assert_eq!(hosts[1].connect_timeout(), secs(3));
    // Without host blocks the checker itself is the one host; 1.3.5's default HELO name.
    let (r, _) = rs("SMTP_CHECK {\nconnect_port 2525\n}");
    let Checker::Smtp(s) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(s.hosts().len(), 1);
    assert_eq!(s.hosts()[0].connect_port, Some(2525));
    assert_eq!(s.helo_name(), "smtpchecker.keepalived.org");
}

#[test]
fn smtp_connection_keyword_after_a_host_applies_to_that_host() {
    let (r, l) = rs("SMTP_CHECK {\nhost {\nconnect_ip 10.0.0.5\n}\nconnect_timeout 7\n}");
    let Checker::Smtp(s) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(s.connect.connect_timeout, None);
    assert_eq!(s.hosts[0].connect.connect_timeout, Some(secs(7)));
    assert_eq!(
        warns(&l),
        ["7:1: keepalived 1.3.5 applies this connect_timeout to the host block before it, not to \
          the checker: put checker-wide settings before the first host block"]
    );
}

#[test]
fn misc_and_dns_checks() {
    let (r, l) = rs("MISC_CHECK {\nmisc_path \"/usr/bin/check.sh arg\"\nmisc_timeout 4\nmisc_dynamic\nwarmup 2\nuser nobody nogroup\n}\n\
         DNS_CHECK {\nconnect_port 53\nretry 2\ntype A\nname example.com\n}\nDNS_CHECK {\n}");
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let v = &l.config.virtual_servers[0];
    let Checker::Misc(m) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(m.misc_path.as_deref(), Some("/usr/bin/check.sh arg"));
    assert_eq!(m.timeout(v), secs(4));
    assert!(m.misc_dynamic);
    let u = m.user.as_ref().unwrap();
    assert_eq!(
        (u.user.as_str(), u.group.as_deref()),
        ("nobody", Some("nogroup"))
    );
    let Checker::Dns(d) = &r.checkers[1] else {
        panic!()
    };
    assert_eq!(
        (d.retry(), d.dns_type(), d.name()),
        (2, DnsType::A, "example.com")
    );
    let Checker::Dns(d) = &r.checkers[2] else {
        panic!()
    };
    assert_eq!((d.retry(), d.dns_type(), d.name()), (3, DnsType::Soa, "."));
    // misc_timeout unset or 0: the delay_loop.
    let (r, _) = rs("MISC_CHECK {\nmisc_path /bin/true\nmisc_timeout 0\n}");
    let Checker::Misc(m) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(m.timeout(v), secs(60));
}

#[test]
fn virtual_server_group_entries() {
    let l = parse(
        "virtual_server_group G {\n10.0.0.1 80\n10.0.0.10-20 80\nfwmark 3\n}\n\
         virtual_server_group G6 {\n2001:db8::1-1f 443\n}\n",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let g = &l.config.virtual_server_groups[0];
    assert_eq!(g.name, "G");
    assert!(
        matches!(&g.entries[0], VsgEntry::Addr { addr, port: 80, .. } if *addr == ip("10.0.0.1"))
    );
    assert!(matches!(&g.entries[1],
        VsgEntry::Range { first, last, port: 80, .. } if *first == ip("10.0.0.10") && *last == ip("10.0.0.20")));
    assert!(matches!(&g.entries[2], VsgEntry::Fwmark { mark: 3, .. }));
    let g6 = &l.config.virtual_server_groups[1];
    // IPv6 range ends are hexadecimal, as in 1.3.5.
    assert!(matches!(&g6.entries[0],
        VsgEntry::Range { last, .. } if *last == ip("2001:db8::1f")));
}

#[test]
fn virtual_server_group_bad_entries_are_skipped() {
    let l = parse(
        "virtual_server_group G {\n10.0.0.20-10 80\n10.0.0.1-300 80\n2001:db8::1 80\nfwmark x\n10.0.0.1\n10.0.0.x 80\n10.0.0.5 80\n}\n",
    );
    assert_eq!(
        errs(&l),
        [
            "2:1: address range '10.0.0.20-10': the end is not greater than the start - entry skipped",
            "3:1: invalid end '300' of address range '10.0.0.1-300' (at most 255) - entry skipped",
            "5:8: invalid firewall mark 'x' (1..4294967295) - entry skipped",
            "6:9: virtual_server_group entry '10.0.0.1' has no port - entry skipped",
            "7:1: invalid virtual_server_group entry address '10.0.0.x' - virtual_server_group entry skipped",
            // The first entry kept (IPv6) sets the group's family, as in 1.3.5.
            "8:1: cannot mix IPv4 and IPv6 in virtual_server_group G - entry skipped",
        ]
    );
    let e = &l.config.virtual_server_groups[0].entries;
    assert!(matches!(&e[..], [VsgEntry::Addr { addr, .. }] if addr.is_ipv6()));
}

#[test]
fn ssl_block() {
    let l = parse(
        "SSL {\npassword secret\nca /etc/ca.pem\ncertificate /etc/c.pem\nkey /etc/k.pem\n}\n",
    );
    assert_eq!(l.error_count(), 0);
    let s = l.config.ssl.as_ref().unwrap();
    assert_eq!(s.password.as_deref(), Some("secret"));
    assert_eq!(s.ca.as_deref(), Some("/etc/ca.pem"));
    assert_eq!(s.certificate.as_deref(), Some("/etc/c.pem"));
    assert_eq!(s.key.as_deref(), Some("/etc/k.pem"));
    assert_eq!(s.span.line, 1);
}

#[test]
fn global_lvs_keywords() {
    let l = parse(
        "global_defs {\nlvs_timeouts tcp 900 tcpfin 120 udp 300\nlvs_flush\n\
         lvs_sync_daemon eth1 VI_1 id 5 maxlen 1400 port 8848 ttl 2 group 224.0.0.81\n\
         checker_priority -5\nchecker_no_swap\nenable_snmp_checker\nrouter_id R\n}\n",
    );
    assert_eq!(l.error_count(), 0, "{}", l.render_diagnostics());
    let g = &l.config.global_defs;
    let t = g.lvs_timeouts.as_ref().unwrap();
    assert_eq!(
        (t.tcp, t.tcpfin, t.udp),
        (Some(secs(900)), Some(secs(120)), Some(secs(300)))
    );
    assert!(g.lvs_flush && g.checker_no_swap && g.enable_snmp_checker);
    let s = g.lvs_sync_daemon.as_ref().unwrap();
    assert_eq!(
        (s.interface.as_str(), s.vrrp_instance.as_str()),
        ("eth1", "VI_1")
    );
    assert_eq!(
        (s.syncid, s.maxlen, s.port, s.ttl, s.group),
        (
            Some(5),
            Some(1400),
            Some(8848),
            Some(2),
            Some(ip("224.0.0.81"))
        )
    );
    assert_eq!(g.checker_priority, Some(-5));
    assert_eq!(g.router_id.as_deref(), Some("R"));
    // Nothing LVS is left verbatim.
    assert!(g.other.is_empty());
}

#[test]
fn global_lvs_bad_values() {
    let l = parse(
        "global_defs {\nlvs_timeouts tcp\nlvs_timeouts tcp x udp 0 tcpfin 5 foo\n\
         lvs_sync_daemon eth1\nlvs_sync_daemon eth1 VI_1 7 ttl 0 group 10.0.0.1 bogus\n\
         lvs_sync_daemon eth2 VI_2\nchecker_priority 20\n}\n",
    );
    assert_eq!(
        errs(&l),
        [
            "2:14: lvs_timeouts requires at least one option (tcp N, tcpfin N or udp N) - ignored",
            "3:18: invalid lvs_timeouts tcp 'x' (0..2678400 seconds) - ignored",
            "3:24: invalid lvs_timeouts udp '0' (1..2678400 seconds) - ignored",
            "3:35: unknown lvs_timeouts option 'foo' (tcp, tcpfin or udp) - ignored",
            "4:21: lvs_sync_daemon requires an interface and a VRRP instance - ignored",
            "5:33: invalid lvs_sync_daemon ttl '0' (1..255) - ignored",
            "5:41: lvs_sync_daemon group address 10.0.0.1 is not multicast - ignored",
            "5:50: unknown lvs_sync_daemon option 'bogus' - ignored",
            "6:1: lvs_sync_daemon has already been specified as eth1 VI_1 - ignored",
            "7:18: checker_priority 20 is out of range -20..19 - ignored",
        ]
    );
    assert_eq!(
        warns(&l),
        ["5:27: write 'id' before the lvs_sync_daemon sync id"]
    );
    let g = &l.config.global_defs;
    assert_eq!(g.lvs_timeouts.as_ref().unwrap().tcpfin, Some(secs(5)));
    let s = g.lvs_sync_daemon.as_ref().unwrap();
    assert_eq!((s.syncid, s.ttl, s.group), (Some(7), None, None));
    assert_eq!(g.checker_priority, None);
}

#[test]
fn virtual_server_bad_values_are_skipped_like_1_3_5() {
    let (v, l) = vs(
        "lb_kind FOO\nprotocol ICMP\nip_family inet6\nsh-port\npersistence_timeout 0\n\
         persistence_granularity 255.255.255.0\nsorry_server_inhibit\nquorum 0\ndelay_loop 0\n\
         delay_loop 2.5\nlb_algo abcdefghijklmnopq\nlb_algo mh\nweight 3",
    );
    assert_eq!(
        errs(&l),
        [
            "2:9: unknown routing method 'FOO' (NAT, DR or TUN) - ignored",
            "3:10: unknown protocol 'ICMP' (TCP, UDP or SCTP) - ignored",
            "4:11: ip_family inet6 conflicts with the virtual server's address family - ignored",
            "5:1: sh-port only applies to the sh scheduler (set lb_algo sh before it) - ignored",
            "6:21: invalid persistence_timeout '0' (1..4294967295 seconds) - ignored",
            "7:25: keepalived 1.3.5 rejects every valid IPv4 persistence_granularity (its address \
             check is inverted) and runs without it - ignored",
            "8:1: sorry_server_inhibit used before or without sorry_server - ignored",
            "9:8: quorum must be at least 1 (keepalived 1.3.5 uses 1)",
            "11:12: keepalived 1.3.5 reads whole seconds for delay_loop: '2.5' is read as 2",
            "12:9: scheduler name 'abcdefghijklmnopq' is longer than IPVS allows (15 bytes) - ignored",
        ]
    );
    assert_eq!(
        warns(&l),
        [
            "10:12: delay_loop 0 is raised to 1 second (keepalived 1.3.5's minimum)",
            "13:9: 'mh' is not an IPVS scheduler keepalived 1.3.5 documents (rr wrr lc wlc lblc \
             lblcr dh sh sed nq); the kernel decides whether it exists",
            "14:1: unknown keyword 'weight' - ignored",
        ]
    );
    assert_eq!(v.lb_kind, None);
    assert_eq!(v.protocol, None);
    assert_eq!(v.ip_family, None);
    assert!(!v.sh_port);
    assert_eq!(v.persistence_timeout(), None);
    assert_eq!(v.quorum(), 1);
    assert_eq!(v.delay_loop(), secs(2));
    assert_eq!(v.lb_algo, Some(LbAlgo::Other("mh".into())));
}

#[test]
fn servers_1_3_5_cannot_create_are_dropped() {
    let l = parse(
        "virtual_server 10.0.0.x 80 {\nreal_server 10.0.0.2 80 {\n}\n}\n\
         virtual_server 10.0.0.1 99999 {\n}\nvirtual_server fwmark 0 {\n}\n\
         virtual_server 10.0.0.1 80 {\nreal_server 2001:db8::2 80 {\nweight 5\n}\n\
         real_server 10.0.0.3 http {\n}\nsorry_server 2001:db8::9 80\nreal_server 10.0.0.4 80 {\n}\n}\n\
         virtual_server group NOPE {\nreal_server 10.0.0.5 80 {\n}\n}\n",
    );
    assert_eq!(
        errs(&l),
        [
            "1:16: invalid virtual server address '10.0.0.x' - virtual server skipped",
            "5:25: invalid virtual server port '99999' (0..65535) - virtual server skipped",
            "7:23: invalid firewall mark '0' (1..4294967295) - virtual server skipped",
            "10:13: the address families of the virtual server and real server 2001:db8::2 do not match - \
             real server skipped (keepalived 1.3.5 skips it and applies its block to the previous real server)",
            "13:22: invalid real server port 'http' (0..65535) - real server skipped",
            "15:14: the address families of the virtual server and sorry server 2001:db8::9 do not match - sorry server skipped",
            "19:1: virtual_server_group NOPE is not defined - virtual server ignored (as by keepalived 1.3.5)",
        ]
    );
    // Only the fourth virtual server survives, with its one valid real server.
    let v = &l.config.virtual_servers;
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].real_servers.len(), 1);
    assert_eq!(v[0].real_servers[0].addr, ip("10.0.0.4"));
    assert!(v[0].sorry_server.is_none());
}

#[test]
fn group_of_the_other_family_drops_the_virtual_server() {
    let l = parse(
        "virtual_server_group G {\n2001:db8::1 80\n}\nvirtual_server group G {\nreal_server 10.0.0.2 80 {\n}\n}\n",
    );
    assert_eq!(
        errs(&l),
        ["4:1: the address family of virtual_server_group G does not match the virtual server's - \
          virtual server ignored (as by keepalived 1.3.5)"]
    );
    assert!(l.config.virtual_servers.is_empty());
}

#[test]
fn checker_bad_values() {
    let (r, l) = rs("HTTP_GET {\nconnect_timeout 0\nconnect_port 70000\nconnect_ip nowhere\nurl {\nstatus_code 2xx\ndigest abc\n}\nwarmup -1\nvirtualhost x\n}\n\
         MISC_CHECK {\nmisc_timeout 3\n}\nDNS_CHECK {\ntype PTR\n}\nTCP_CHECK {\nbind_port 5\n}\nSSL_GET {\n}");
    assert_eq!(
        errs(&l),
        [
            "5:14: connect_port 70000 is out of range 0..65535 - ignored",
            "6:12: invalid IP address 'nowhere' - ignored",
            "7:1: url without path: keepalived 1.3.5 would request \"(null)\"",
            "8:13: invalid number '2xx' for status_code - ignored",
            "11:8: invalid value '-1' for warmup (whole seconds 0..4294967295) - ignored",
            "14:1: MISC_CHECK without misc_path: there is no script to run - checker skipped",
            "18:6: unknown DNS_CHECK type 'PTR' (A, NS, CNAME, SOA, MX, TXT or AAAA) - ignored",
        ]
    );
    assert_eq!(
        warns(&l),
        [
            "4:17: connect_timeout 0 is raised to 1 second (keepalived 1.3.5's minimum)",
            "9:8: digest 'abc' is not 32 hexadecimal digits (an MD5 sum): it can never match",
            "12:1: unknown keyword 'virtualhost' - ignored",
            "20:1: bind_port without bindto has no effect in keepalived 1.3.5",
            "23:1: SSL_GET has no url block: keepalived 1.3.5 marks the real server up without checking",
        ]
    );
    // HTTP_GET, DNS_CHECK, TCP_CHECK, SSL_GET: the MISC_CHECK without a script is dropped.
    let kinds: Vec<_> = r.checkers.iter().map(Checker::keyword).collect();
    assert_eq!(kinds, ["HTTP_GET", "DNS_CHECK", "TCP_CHECK", "SSL_GET"]);
    let Checker::HttpGet(h) = &r.checkers[0] else {
        panic!()
    };
    assert_eq!(h.connect.connect_timeout(), secs(1));
    assert_eq!(h.connect.connect_port, None);
    assert_eq!(h.urls[0].status_code, None);
    let Checker::Tcp(t) = &r.checkers[2] else {
        panic!()
    };
    assert_eq!(t.connect.bind(), None);
}

#[test]
fn later_delay_loop_keeps_the_warmup_1_3_5_gave_earlier_checkers() {
    let l = parse(
        "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nTCP_CHECK {\n}\n\
         TCP_CHECK {\nwarmup 4\n}\n}\ndelay_loop 10\nreal_server 10.0.0.3 80 {\nTCP_CHECK {\n}\n}\n}\n",
    );
    assert_eq!(l.error_count(), 0);
    assert_eq!(
        warns(&l),
        ["9:1: keepalived 1.3.5 gives the checkers read before this delay_loop a warmup of 60 s \
          (the delay_loop in effect then); put delay_loop before the real_server blocks"]
    );
    let v = &l.config.virtual_servers[0];
    let w: Vec<Duration> = v
        .real_servers
        .iter()
        .flat_map(|r| r.checkers.iter().map(|c| c.warmup(v)))
        .collect();
    assert_eq!(w, [secs(60), secs(4), secs(10)]);
}

#[test]
fn alpha_after_checkers_is_warned() {
    let (v, l) = vs("real_server 10.0.0.2 80 {\nTCP_CHECK {\n}\n}\nalpha");
    assert!(v.alpha);
    assert_eq!(
        warns(&l),
        [
            "6:1: keepalived 1.3.5 applies alpha only to the checkers read after it; this \
          implementation applies it to all: put it before the real_server blocks"
        ]
    );
}

#[test]
fn unknown_keyword_in_a_checker_is_warned_and_its_block_not_skipped() {
    // `retry` is a 2.x HTTP_GET keyword; `PING_CHECK {` is 2.x: as in 1.3.5 its `}` closes the
    // real_server, and the real_server's `}` then closes the virtual server.
    let l = parse(
        "virtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nHTTP_GET {\nretry 3\n}\nPING_CHECK {\n}\n}\n}\n",
    );
    assert_eq!(
        warns(&l),
        [
            "3:1: HTTP_GET has no url block: keepalived 1.3.5 marks the real server up without checking",
            "4:1: unknown keyword 'retry' - ignored",
            "6:1: unknown keyword 'PING_CHECK' - ignored",
            "6:12: keepalived 1.3.5 does not skip the block of an unknown keyword: its lines are read \
             as keywords of the enclosing block and its '}' closes the enclosing block",
        ]
    );
    assert_eq!(
        errs(&l),
        ["9:1: unexpected '}' at top level (no block is open)"]
    );
}

#[test]
fn applied_lvs_keywords_give_no_warning_dns_check_included() {
    let l = parse(
        "global_defs {\nlvs_flush\n}\nvirtual_server 10.0.0.1 80 {\nreal_server 10.0.0.2 80 {\nTCP_CHECK {\n}\n}\nreal_server 10.0.0.3 80 {\nDNS_CHECK {\nretry 1\ntype aaaa\nname example.com\n}\n}\n}\nSSL {\n}\n",
    );
    assert!(l.diagnostics.is_empty(), "{}", l.render_diagnostics());
    // 1.3.5 looks the type up with strcasecmp.
    let Checker::Dns(d) = &l.config.virtual_servers[0].real_servers[1].checkers[0] else {
        panic!()
    };
    assert_eq!(d.dns_type(), DnsType::Aaaa);
}

#[test]
fn diagnostics_name_the_included_file() {
    let dir = std::env::temp_dir().join(format!("kconf-lvs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("vs.conf"),
        "virtual_server 10.0.0.1 80 {\n    lb_kind XX\n}\n",
    )
    .unwrap();
    let main = dir.join("keepalived.conf");
    std::fs::write(&main, "include vs.conf\n").unwrap();
    let l = load(&main, &LoadOptions::default()).unwrap();
    let e: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(e.len(), 1);
    assert!(e[0].span.file.ends_with("vs.conf"));
    assert_eq!((e[0].span.line, e[0].span.col), (2, 13));
    assert!(l
        .render_diagnostics()
        .contains("vs.conf:2:13: error: unknown routing method 'XX' (NAT, DR or TUN) - ignored"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Everything the checker side has, once.
const FULL: &str = "global_defs {
    lvs_timeouts tcp 0 udp 30
    lvs_flush
    lvs_sync_daemon eth1 VI_1 id 3 group ff02::1
    checker_priority 5
    checker_no_swap
    enable_snmp_checker
}
SSL {
    password \"a b\"
    ca ca.pem
}
virtual_server_group G {
    10.0.0.1 80
    10.0.0.2-9 80
    fwmark 4
}
virtual_server_group G6 {
    fe80::1-ff0 80
}
virtual_server group G {
    delay_loop 3
    lb_algo sh
    sh-port
    lb_kind TUN
    persistence_timeout 60
    protocol SCTP
    alpha
    quorum 2
    quorum_up \"/bin/q up\" u g
    hysteresis 1
    sorry_server 10.0.0.99 0
    sorry_server_inhibit
    real_server 10.0.0.5 0 {
        weight 2
        notify_down /bin/down
        HTTP_GET {
            connect_port 81
            url {
                path \"/a b\"
                status_code 204
            }
        }
        SMTP_CHECK {
            bindto 10.0.0.1
            host {
                connect_ip 10.0.0.7
                bind_port 1025
            }
        }
        MISC_CHECK {
            misc_path /bin/true
            misc_dynamic
            user nobody
        }
        DNS_CHECK {
            type MX
        }
    }
}
virtual_server 2001:db8::1 53 {
    persistence_granularity 64
    ip_family inet6
    lb_algo foo
    real_server 2001:db8::2 53 {
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
";

#[test]
fn everything_round_trips_through_render() {
    let a = parse(FULL);
    assert_eq!(a.error_count(), 0, "{}", a.render_diagnostics());
    let v = &a.config.virtual_servers[1];
    assert_eq!(
        v.persistence_granularity,
        Some(PersistenceGranularity::Prefix(64))
    );
    let text = a.config.render();
    let b = parse(&text);
    assert_eq!(b.error_count(), 0, "{text}\n{}", b.render_diagnostics());
    // Rendering is stable.
    assert_eq!(text, b.config.render());
    assert_eq!(
        a.config.clone().without_spans(),
        b.config.without_spans(),
        "{text}"
    );
}

#[test]
fn el7_default_config_round_trips() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/samples/extra/etc_keepalived.conf.v1.3.5");
    let a = load(&path, &LoadOptions::default()).unwrap();
    assert_eq!(a.error_count(), 0, "{}", a.render_diagnostics());
    let vs = &a.config.virtual_servers;
    assert_eq!(vs.len(), 3);
    // The stock file's first service: 192.168.200.100 443, SSL_GET on one real server.
    assert_eq!(
        vs[0].key,
        VirtualServerKey::Addr {
            addr: ip("192.168.200.100"),
            port: 443
        }
    );
    assert_eq!(vs[0].real_servers[0].checkers[0].keyword(), "SSL_GET");
    let b = parse(&a.config.render());
    assert_eq!(a.config.without_spans(), b.config.without_spans());
}
