//! vrrp-netlink against a real kernel, inside a throwaway network namespace holding a veth
//! pair. Needs root: with CI=true a missing capability fails the tests, elsewhere they skip.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use netns_support::{ip as run_ip, unavailable, veth, Netns};
use vrrp_netlink::{
    watch_links, AddressSpec, LinkEvent, Metric, Netlink, NextHopSpec, RouteSpec, RuleActionSpec,
    RuleSpec,
};

/// A namespace `ns` with veth ends `a` and `b`, both up; deleted on drop (also on panic).
struct Lab {
    ns: Netns,
    a: String,
    b: String,
}

impl Lab {
    fn ip(&self, args: &[&str]) -> Result<String, String> {
        self.ns.ip(args)
    }

    /// One line of `ip -o addr show` per address on `dev`.
    fn addr_lines(&self, dev: &str) -> Vec<String> {
        self.ip(&["-o", "addr", "show", "dev", dev])
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The `ip -o addr` line holding `needle` (e.g. "10.88.0.100/24"), if any.
    fn addr_line(&self, dev: &str, needle: &str) -> Option<String> {
        let needle = format!(" {needle} ");
        self.addr_lines(dev)
            .into_iter()
            .find(|l| l.contains(&needle))
    }

    /// Runs an async body inside the namespace on its own thread and current-thread runtime.
    fn run<F, Fut>(&self, body: F)
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        self.ns
            .spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(body())
            })
            .join()
            .expect("test body panicked");
    }
}

/// Creates the lab, or None (skip) when namespaces are unavailable outside CI.
fn lab(tag: &str) -> Option<Lab> {
    let id = format!("vnl{}{tag}", std::process::id());
    let (a, b) = (format!("{id}a"), format!("{id}b"));
    let setup = || -> Result<Lab, String> {
        let ns = Netns::add(&id)?;
        veth(ns.name(), &a, &b, None)?;
        ns.ip(&["link", "set", &a, "up"])?;
        ns.ip(&["link", "set", &b, "up"])?;
        Ok(Lab {
            ns,
            a: a.clone(),
            b: b.clone(),
        })
    };
    match setup() {
        Ok(lab) => Some(lab),
        Err(e) => unavailable(&format!("cannot build the namespaces: {e}")),
    }
}

async fn connect() -> Netlink {
    let (nl, conn) = Netlink::connect().unwrap();
    tokio::spawn(conn);
    nl
}

async fn ifindex(nl: &Netlink, name: &str) -> u32 {
    nl.link_by_name(name)
        .await
        .unwrap()
        .expect("link exists")
        .index
}

fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

#[test]
fn vip_without_brd_has_no_broadcast() {
    let Some(lab) = lab("n") else { return };
    let a = lab.a.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let idx = ifindex(&nl, &a).await;
        let spec = AddressSpec {
            ifindex: idx,
            addr: v4(10, 88, 0, 100),
            prefix_len: 24,
            broadcast: None,
            scope: 0,
            label: None,
        };
        assert!(nl.add_address(&spec).await.unwrap());
        let listed = nl.addresses(Some(idx)).await.unwrap();
        assert!(
            listed.contains(&(idx, v4(10, 88, 0, 100), 24)),
            "{listed:?}"
        );
    });
    let line = lab
        .addr_line(&lab.a, "10.88.0.100/24")
        .expect("address shown");
    assert!(!line.contains(" brd "), "unexpected brd: {line}");
    assert!(line.contains("scope global"), "{line}");
}

#[test]
fn vip_with_brd_and_label_shows_both() {
    let Some(lab) = lab("l") else { return };
    let a = lab.a.clone();
    let label = format!("{}:v", lab.a);
    let l2 = label.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let spec = AddressSpec {
            ifindex: ifindex(&nl, &a).await,
            addr: v4(10, 88, 1, 100),
            prefix_len: 24,
            broadcast: Some(v4(10, 88, 1, 255)),
            scope: 253,
            label: Some(l2),
        };
        assert!(nl.add_address(&spec).await.unwrap());
    });
    let line = lab
        .addr_line(&lab.a, "10.88.1.100/24")
        .expect("address shown");
    assert!(line.contains(" brd 10.88.1.255 "), "{line}");
    assert!(line.contains("scope link"), "{line}");
    assert!(line.contains(&label), "{line}");
}

#[test]
fn duplicate_add_and_missing_delete_are_not_errors() {
    let Some(lab) = lab("d") else { return };
    let a = lab.a.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let spec = AddressSpec {
            ifindex: ifindex(&nl, &a).await,
            addr: v4(10, 88, 2, 100),
            prefix_len: 32,
            broadcast: None,
            scope: 0,
            label: None,
        };
        assert!(nl.add_address(&spec).await.unwrap(), "first add");
        assert!(!nl.add_address(&spec).await.unwrap(), "duplicate add");
        assert!(nl.del_address(&spec).await.unwrap(), "delete");
        assert!(!nl.del_address(&spec).await.unwrap(), "delete missing");
        let left = nl.addresses(Some(spec.ifindex)).await.unwrap();
        assert!(!left.iter().any(|(_, ip, _)| *ip == spec.addr), "{left:?}");
    });
    assert!(lab.addr_line(&lab.a, "10.88.2.100/32").is_none());
}

#[test]
fn bad_interface_is_an_error() {
    let Some(lab) = lab("e") else { return };
    lab.run(|| async {
        let nl = connect().await;
        let spec = AddressSpec {
            ifindex: 999_999,
            addr: v4(10, 88, 3, 100),
            prefix_len: 24,
            broadcast: None,
            scope: 0,
            label: None,
        };
        let err = nl.add_address(&spec).await.unwrap_err();
        assert_eq!(err.errno(), Some(libc::ENODEV), "{err}");
        assert!(nl.link_by_name("nosuchif0").await.unwrap().is_none());
    });
}

#[test]
fn ipv6_vip_is_added_without_dad() {
    let Some(lab) = lab("6") else { return };
    let a = lab.a.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let spec = AddressSpec {
            ifindex: ifindex(&nl, &a).await,
            addr: IpAddr::V6(Ipv6Addr::new(0xfd00, 0x88, 0, 0, 0, 0, 0, 0x100)),
            prefix_len: 64,
            broadcast: None,
            scope: 0,
            label: None,
        };
        assert!(nl.add_address(&spec).await.unwrap());
        assert!(!nl.add_address(&spec).await.unwrap());
        let mut other = spec.clone();
        other.addr = IpAddr::V6(Ipv6Addr::new(0xfd00, 0x88, 0, 0, 0, 0, 0, 0x200));
        assert!(nl.add_address(&other).await.unwrap());
        assert!(nl.del_address(&other).await.unwrap());
        assert!(
            !nl.del_address(&other).await.unwrap(),
            "delete missing IPv6"
        );
    });
    assert!(lab.addr_line(&lab.a, "fd00:88::200/64").is_none());
    let line = lab
        .addr_line(&lab.a, "fd00:88::100/64")
        .expect("address shown");
    assert!(!line.contains("tentative"), "{line}");
}

#[test]
fn primary_ipv4_and_link_info() {
    let Some(lab) = lab("p") else { return };
    lab.ip(&["addr", "add", "10.88.4.1/24", "dev", &lab.a])
        .unwrap();
    let a = lab.a.clone();
    let b = lab.b.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let link = nl.link_by_name(&a).await.unwrap().unwrap();
        assert_eq!(link.name, a);
        assert!(link.up, "veth with an up peer is IFF_UP|IFF_RUNNING");
        assert!(link.mac.is_some());
        let spec = AddressSpec {
            ifindex: link.index,
            addr: v4(10, 88, 4, 100),
            prefix_len: 24,
            broadcast: None,
            scope: 0,
            label: None,
        };
        // The VIP in the same subnet becomes secondary; the primary stays.
        assert!(nl.add_address(&spec).await.unwrap());
        assert_eq!(
            nl.primary_ipv4(link.index).await.unwrap(),
            Some(Ipv4Addr::new(10, 88, 4, 1))
        );
        let peer = nl.link_by_name(&b).await.unwrap().unwrap();
        assert_eq!(nl.primary_ipv4(peer.index).await.unwrap(), None);
        let all = nl.links().await.unwrap();
        assert!(all.iter().any(|l| l.name == "lo"));
        assert!(all.iter().any(|l| l.index == peer.index));
    });
}

#[test]
fn link_down_up_gives_one_event_each() {
    let Some(lab) = lab("w") else { return };
    let (a, ns) = (lab.a.clone(), lab.ns.name().to_string());
    lab.run(move || async move {
        let nl = connect().await;
        let idx = ifindex(&nl, &a).await;
        let (watch, mut rx) = watch_links().unwrap();
        tokio::spawn(watch);
        // Let the watcher finish its initial dump so the flaps below are changes to it.
        tokio::time::sleep(Duration::from_millis(300)).await;
        run_ip(&["-n", &ns, "link", "set", &a, "down"]).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        run_ip(&["-n", &ns, "link", "set", &a, "up"]).unwrap();
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if let LinkEvent::Changed { index, .. } = &ev {
                if *index == idx {
                    seen.push(ev);
                }
            }
        }
        let expected = vec![
            LinkEvent::Changed {
                index: idx,
                name: a.clone(),
                up: false,
            },
            LinkEvent::Changed {
                index: idx,
                name: a.clone(),
                up: true,
            },
        ];
        assert_eq!(seen, expected);
    });
}

#[test]
fn link_removal_is_reported() {
    let Some(lab) = lab("r") else { return };
    let (a, b, ns) = (lab.a.clone(), lab.b.clone(), lab.ns.name().to_string());
    lab.run(move || async move {
        let nl = connect().await;
        let ia = ifindex(&nl, &a).await;
        let (watch, mut rx) = watch_links().unwrap();
        tokio::spawn(watch);
        tokio::time::sleep(Duration::from_millis(300)).await;
        run_ip(&["-n", &ns, "link", "del", &a]).unwrap();
        let mut removed = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if let LinkEvent::Removed { .. } = ev {
                removed.push(ev);
            }
        }
        removed.sort_by_key(|e| match e {
            LinkEvent::Removed { index, .. } | LinkEvent::Changed { index, .. } => *index,
        });
        assert!(
            removed.contains(&LinkEvent::Removed {
                index: ia,
                name: a.clone()
            }),
            "{removed:?}"
        );
        // Deleting one veth end takes its peer with it.
        assert!(
            removed
                .iter()
                .any(|e| matches!(e, LinkEvent::Removed { name, .. } if *name == b)),
            "{removed:?}"
        );
    });
}

impl Lab {
    /// `ip -o ROUTE_OR_RULE…` output lines (e.g. `["-4", "route", "show", "table", "all"]`).
    fn lines(&self, args: &[&str]) -> Vec<String> {
        self.ip(args).unwrap().lines().map(str::to_string).collect()
    }
}

#[test]
fn routes_of_each_common_form_are_added_and_deleted() {
    let Some(lab) = lab("t") else { return };
    lab.ip(&["addr", "add", "10.88.5.1/24", "dev", &lab.a])
        .unwrap();
    lab.ip(&["addr", "add", "10.88.5.100/32", "dev", &lab.a])
        .unwrap();
    lab.ip(&["addr", "add", "fd00:85::1/64", "dev", &lab.a, "nodad"])
        .unwrap();
    let a = lab.a.clone();
    let ns = lab.ns.name().to_string();
    lab.run(move || async move {
        let nl = connect().await;
        let idx = ifindex(&nl, &a).await;
        // src VIP via GW dev IF metric N
        let mut via = RouteSpec::new(v4(10, 99, 0, 0), 16);
        via.gateway = Some(v4(10, 88, 5, 254));
        via.oif = Some(idx);
        via.pref_src = Some(v4(10, 88, 5, 100));
        via.metric = Some(7);
        // blackhole in a numbered table
        let mut bh = RouteSpec::new(v4(10, 98, 0, 0), 16);
        bh.kind = Some(6);
        bh.table = 100;
        // dev route with a locked mtu in a table beyond 255
        let mut dev = RouteSpec::new(v4(10, 97, 1, 0), 24);
        dev.oif = Some(idx);
        dev.scope = Some(253);
        dev.table = 1000;
        dev.metrics = vec![Metric::Mtu(1400)];
        dev.lock = 1 << Metric::Mtu(0).rtax();
        // IPv6 via, and an IPv6 multipath default
        let mut v6 = RouteSpec::new(IpAddr::V6("fd00:99::".parse().unwrap()), 64);
        v6.gateway = Some(IpAddr::V6("fd00:85::fe".parse().unwrap()));
        v6.oif = Some(idx);
        let mut mp = RouteSpec::new(v4(10, 96, 0, 0), 16);
        mp.nexthops = vec![
            NextHopSpec {
                gateway: Some(v4(10, 88, 5, 251)),
                ifindex: Some(idx),
                weight: Some(2),
                ..Default::default()
            },
            NextHopSpec {
                gateway: Some(v4(10, 88, 5, 252)),
                ifindex: Some(idx),
                ..Default::default()
            },
        ];
        for r in [&via, &bh, &dev, &v6, &mp] {
            assert!(nl.add_route(r).await.unwrap(), "add {r:?}");
            assert!(!nl.add_route(r).await.unwrap(), "duplicate add {r:?}");
        }
        let show = |args: &[&str]| {
            let mut full = vec!["-n", ns.as_str()];
            full.extend_from_slice(args);
            run_ip(&full).unwrap()
        };
        let main = show(&["-4", "route", "show"]);
        assert!(
            main.contains(&format!(
                "10.99.0.0/16 via 10.88.5.254 dev {a} src 10.88.5.100 metric 7"
            )),
            "{main}"
        );
        assert!(main.contains("10.96.0.0/16 \n"), "{main}");
        assert!(main.contains("weight 2"), "{main}");
        let t100 = show(&["-4", "route", "show", "table", "100"]);
        assert!(t100.contains("blackhole 10.98.0.0/16"), "{t100}");
        let t1000 = show(&["-4", "route", "show", "table", "1000"]);
        assert!(
            t1000.contains(&format!("10.97.1.0/24 dev {a} scope link mtu lock 1400")),
            "{t1000}"
        );
        let six = show(&["-6", "route", "show"]);
        assert!(
            six.contains(&format!("fd00:99::/64 via fd00:85::fe dev {a} metric 1024")),
            "{six}"
        );
        for r in [&via, &bh, &dev, &v6, &mp] {
            assert!(nl.del_route(r).await.unwrap(), "delete {r:?}");
            assert!(!nl.del_route(r).await.unwrap(), "delete missing {r:?}");
        }
    });
    // `ip` leaves `proto boot` (ours) out of its listing; none of our prefixes is left.
    let all: Vec<String> = lab
        .lines(&["route", "show", "table", "all"])
        .into_iter()
        .chain(lab.lines(&["-6", "route", "show", "table", "all"]))
        .filter(|l| {
            ["10.99.", "10.98.", "10.97.", "10.96.", "fd00:99:"]
                .iter()
                .any(|p| l.contains(p))
        })
        .collect();
    assert!(all.is_empty(), "left behind: {all:?}");
}

#[test]
fn rules_are_added_and_deleted() {
    let Some(lab) = lab("u") else { return };
    let a = lab.a.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let mut from = RuleSpec::new(false, RuleActionSpec::Table(100));
        from.from = Some((v4(10, 88, 6, 100), 32));
        from.priority = Some(1000);
        let mut to6 = RuleSpec::new(true, RuleActionSpec::Table(2000));
        to6.to = Some((IpAddr::V6("fd00:66::".parse().unwrap()), 64));
        to6.priority = Some(1001);
        let mut mark = RuleSpec::new(false, RuleActionSpec::Blackhole);
        mark.fwmark = Some(0x10);
        mark.fwmask = Some(0xff);
        mark.iif = Some(a.clone());
        mark.priority = Some(1002);
        for r in [&from, &to6, &mark] {
            assert!(nl.add_rule(r).await.unwrap(), "add {r:?}");
        }
    });
    let rules4 = lab.lines(&["-4", "rule", "show"]);
    assert!(
        rules4
            .iter()
            .any(|l| l == "1000:\tfrom 10.88.6.100 lookup 100"),
        "{rules4:?}"
    );
    assert!(
        rules4
            .iter()
            .any(|l| l.starts_with("1002:\tfrom all fwmark 0x10/0xff iif ")
                && l.ends_with("blackhole")),
        "{rules4:?}"
    );
    let v6 = lab.lines(&["-6", "rule", "show"]);
    assert!(
        v6.iter()
            .any(|l| l == "1001:\tfrom all to fd00:66::/64 lookup 2000"),
        "{v6:?}"
    );
    let a = lab.a.clone();
    lab.run(move || async move {
        let nl = connect().await;
        let mut from = RuleSpec::new(false, RuleActionSpec::Table(100));
        from.from = Some((v4(10, 88, 6, 100), 32));
        // Deletion without the priority still matches (the kernel compares what is given).
        assert!(nl.del_rule(&from).await.unwrap());
        assert!(!nl.del_rule(&from).await.unwrap());
        let mut to6 = RuleSpec::new(true, RuleActionSpec::Table(2000));
        to6.to = Some((IpAddr::V6("fd00:66::".parse().unwrap()), 64));
        assert!(nl.del_rule(&to6).await.unwrap());
        let mut mark = RuleSpec::new(false, RuleActionSpec::Blackhole);
        mark.fwmark = Some(0x10);
        mark.fwmask = Some(0xff);
        mark.iif = Some(a);
        assert!(nl.del_rule(&mark).await.unwrap());
    });
    let left: Vec<String> = lab
        .lines(&["rule", "show"])
        .into_iter()
        .chain(lab.lines(&["-6", "rule", "show"]))
        .filter(|l| l.starts_with("100"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
