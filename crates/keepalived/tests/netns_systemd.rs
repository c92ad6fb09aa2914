//! systemd and least privilege (issue 12 §4): the seed failover with both daemons holding only
//! CAP_NET_ADMIN and CAP_NET_RAW (as under packaging/keepalived-hardened.conf), and the
//! sd_notify messages (READY=1, RELOADING=1 … READY=1, STOPPING=1) on a NOTIFY_SOCKET.
//!
//! Needs root and network namespaces: skipped with a message elsewhere, a failure under CI=true.

mod lab;

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use lab::{Impl, Lab, NodeId};

/// CAP_NET_ADMIN (12) and CAP_NET_RAW (13).
const NET_CAPS: u64 = (1 << 12) | (1 << 13);

/// A capability set line (`CapEff:` …) of /proc/PID/status.
fn cap_set(pid: i32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let hex = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
        .trim();
    u64::from_str_radix(hex, 16).expect("hex capability set")
}

#[test]
fn seed_failover_with_only_net_admin_and_net_raw() {
    if !netns_support::have("setpriv") {
        let _: Option<()> = netns_support::unavailable("`setpriv` (util-linux) is not installed");
        return;
    }
    let Some(mut lab) = Lab::new("lp", Impl::Ours, Impl::Ours) else {
        return;
    };
    let wrapper: Vec<String> = [
        "setpriv",
        "--inh-caps=-all",
        "--ambient-caps=-all",
        "--bounding-set=-all,+net_admin,+net_raw",
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lab.a.wrapper = wrapper.clone();
    lab.b.wrapper = wrapper;

    let t0 = lab.start(NodeId::A);
    lab.start(NodeId::B);
    let took = lab.a.monitor.wait_vip(true, t0, 10.0);
    assert!(
        took.is_some(),
        "A never took the VIP with only the two capabilities"
    );
    for id in [NodeId::A, NodeId::B] {
        let pid = lab.node(id).daemon().pid;
        for field in ["CapEff:", "CapPrm:", "CapBnd:"] {
            assert_eq!(
                cap_set(pid, field),
                NET_CAPS,
                "{id:?} {field} should be exactly CAP_NET_ADMIN+CAP_NET_RAW"
            );
        }
        assert_eq!(cap_set(pid, "CapInh:"), 0, "{id:?} CapInh");
    }
    assert!(lab.b.wait_vrrp_socket(5.0), "B has no VRRP socket");
    assert!(!lab.b.has_vip(), "B holds the VIP while A is MASTER");

    // A stops: it sends priority 0, B takes over after its skew time (0.65 s).
    let t_stop = lab.a.daemon().terminate();
    assert!(lab.a.daemon().wait_exit(10.0).is_some(), "A did not stop");
    let b_took = lab.b.monitor.wait_vip(true, t_stop, 10.0);
    let b_took = b_took.expect("B never took the VIP after A stopped");
    assert!(
        b_took - t_stop < lab::SKEW_B + 2.5,
        "B took over {:.2} s after A stopped",
        b_took - t_stop
    );
    assert!(!lab.a.has_vip(), "A kept the VIP after stopping");

    // A comes back with the higher priority and takes the VIP back; B releases it.
    let t_back = lab.start(NodeId::A);
    let a_back = lab.a.monitor.wait_vip(true, t_back, 10.0);
    assert!(a_back.is_some(), "A did not take the VIP back");
    let b_released = lab.b.monitor.wait_vip(false, t_back, 10.0);
    assert!(b_released.is_some(), "B did not release the VIP");

    // Nothing was refused for want of a capability.
    for id in [NodeId::A, NodeId::B] {
        for d in &lab.node(id).daemons {
            let log = d.log_text();
            for bad in ["Operation not permitted", "EPERM", "Permission denied"] {
                assert!(!log.contains(bad), "{id:?} log has {bad:?}:\n{log}");
            }
        }
    }
}

/// Next datagram on `rx` as text (panics after `secs`).
fn next_message(rx: &UnixDatagram, secs: f64) -> String {
    rx.set_read_timeout(Some(Duration::from_secs_f64(secs)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    let n = rx.recv(&mut buf).expect("an sd_notify message in time");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn sd_notify_ready_reloading_stopping() {
    let Some(mut lab) = Lab::new("sd", Impl::Ours, Impl::Ours) else {
        return;
    };
    let sock = lab.dir.join("notify.sock");
    let rx = UnixDatagram::bind(&sock).expect("bind notify socket");
    let sock_s = sock.to_string_lossy().into_owned();
    let conf = NodeId::A.conf();
    let t0 = lab.start_conf_env(NodeId::A, &conf, &[("NOTIFY_SOCKET", &sock_s)]);

    let ready = next_message(&rx, 10.0);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");
    // Sent once the instances run: a VRRP socket is open by then.
    assert!(
        lab.a.wait_vrrp_socket(0.5),
        "READY=1 before the VRRP socket"
    );
    assert!(
        lab.a.monitor.wait_vip(true, t0, 10.0).is_some(),
        "A never became MASTER"
    );

    lab.a.daemon().signal(libc::SIGHUP);
    let reloading = next_message(&rx, 10.0);
    let mut lines = reloading.lines();
    assert_eq!(lines.next(), Some("RELOADING=1"), "{reloading:?}");
    let usec = lines
        .next()
        .and_then(|l| l.strip_prefix("MONOTONIC_USEC="))
        .and_then(|v| v.parse::<u64>().ok());
    assert!(usec.is_some_and(|u| u > 0), "{reloading:?}");
    let ready = next_message(&rx, 10.0);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready:?}");

    lab.a.daemon().terminate();
    let stopping = next_message(&rx, 10.0);
    assert_eq!(stopping, "STOPPING=1");
    assert!(lab.a.daemon().wait_exit(10.0).is_some(), "A did not stop");
    // STOPPING=1 came as the stop began; the stop then completes as usual.
    assert!(!lab.a.has_vip(), "A kept the VIP after stopping");
    let _ = std::fs::remove_file(&sock);
}
