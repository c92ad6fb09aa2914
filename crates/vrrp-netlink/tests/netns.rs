//! vrrp-netlink against a real kernel, inside a throwaway network namespace holding a veth
//! pair. Needs root: with CI=true a missing capability fails the tests, elsewhere they skip.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use netns_support::{ip as run_ip, unavailable, veth, Netns};
use vrrp_netlink::{watch_links, AddressSpec, LinkEvent, Netlink};

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
