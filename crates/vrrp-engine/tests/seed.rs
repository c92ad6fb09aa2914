//! The seed scenario (examples/seed/nodeA.conf + nodeB.conf) end to end on the simulated
//! LAN: start, adverts, master-down, preemption, shutdown priority 0, link down → FAULT.

mod sim;

use std::time::Duration;

use sim::*;
use vrrp_engine::{Action, InstanceId, NotifyState, State};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

const MD_B: Duration = Duration::from_micros(3_648_437); // 3 + (256-90)/256 s
const SKEW_B: Duration = Duration::from_micros(648_437);

#[test]
fn startup_master_transitions_and_enters_after_one_interval() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 1);
    s.start_all();
    assert_eq!(s.logs(1), vec!["VRRP_Instance(VI_1) Entering BACKUP STATE"]);
    assert!(s.logs(0).is_empty(), "state MASTER logs nothing at start");
    s.run_until(secs(2.5));
    assert_eq!(
        s.log_time(0, "VRRP_Instance(VI_1) Transition to MASTER STATE"),
        Some(secs(1.0))
    );
    // 1.3.5 waits one more interval before "Entering MASTER STATE"; we enter at once
    // (docs/compatibility.md, State machine).
    assert_eq!(
        s.log_time(0, "VRRP_Instance(VI_1) Entering MASTER STATE"),
        Some(secs(1.0))
    );
    assert_eq!(s.state(0), State::Master);
    assert_eq!(s.state(1), State::Backup);
    assert!(s.nodes[0].held.contains(&"192.168.1.210".parse().unwrap()));
    assert!(s.nodes[1].held.is_empty());
    // GARP burst of garp_master_repeat (5) when VIPs are set, notify_master.
    let acts = s.actions_since(0, secs(1.0));
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::SendGarp { count: 5, vips } if vips.len() == 1)));
    assert!(acts.iter().any(|a| matches!(
        a,
        Action::Notify {
            state: NotifyState::Master,
            priority: 100,
            ..
        }
    )));
    // Second burst garp_master_delay (5 s) later.
    s.run_until(secs(6.5));
    let garps: Vec<_> = s
        .trace
        .iter()
        .filter(|e| e.node == 0 && matches!(e.out.action, Action::SendGarp { .. }))
        .map(|e| e.at)
        .collect();
    assert_eq!(garps, vec![secs(1.0), secs(6.0)]);
    // The master advertises every second with IP IDs 1, 2, 3...
    let ids: Vec<u16> = s
        .trace
        .iter()
        .filter(|e| e.node == 0)
        .filter_map(|e| match &e.out.action {
            Action::SendAdvert { packet, .. } => Some(u16::from_be_bytes([packet[4], packet[5]])),
            _ => None,
        })
        .collect();
    assert_eq!(&ids[..4], &[1, 2, 3, 4]);
    assert_eq!(
        s.nodes[1].engine.stats(InstanceId(0)).advert_rcvd,
        ids.len() as u64
    );
}

#[test]
fn shutdown_sends_priority_zero_and_backup_takes_over_after_skew() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 1);
    s.start_all();
    s.run_until(secs(10.5));
    s.shutdown(0);
    assert!(s
        .logs(0)
        .contains(&"VRRP_Instance(VI_1) sent 0 priority".to_string()));
    assert!(s.nodes[0].held.is_empty(), "VIPs removed at stop");
    let prio0 = s
        .trace
        .iter()
        .filter(|e| e.node == 0)
        .filter_map(|e| match &e.out.action {
            Action::SendAdvert { packet, .. } => Some(packet[22]),
            _ => None,
        })
        .next_back();
    assert_eq!(prio0, Some(0));
    assert!(s.trace.iter().any(|e| e.node == 0
        && matches!(
            e.out.action,
            Action::Notify {
                state: NotifyState::Stop,
                ..
            }
        )));
    s.run_until(secs(14.0));
    assert_eq!(
        s.log_time(1, "VRRP_Instance(VI_1) Transition to MASTER STATE"),
        Some(secs(10.5) + SKEW_B)
    );
    assert_eq!(s.nodes[1].engine.stats(InstanceId(0)).pri_zero_rcvd, 1);
    assert_eq!(s.nodes[0].engine.stats(InstanceId(0)).pri_zero_sent, 1);
    assert_eq!(s.state(1), State::Master);
}

#[test]
fn restart_preempts_and_backup_logs_higher_priority() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 1);
    s.start_all();
    s.run_until(secs(5.0));
    s.crash(0);
    s.run_until(secs(12.0));
    // Last advert at t=5 (delivered at once): failover exactly master_down later.
    assert_eq!(
        s.log_time(1, "VRRP_Instance(VI_1) Transition to MASTER STATE"),
        Some(secs(5.0) + MD_B)
    );
    assert_eq!(s.state(1), State::Master);
    s.restart(0);
    s.run_until(secs(14.0));
    assert!(s.logs(1).contains(
        &"VRRP_Instance(VI_1) Received advert with higher priority 100, ours 90".to_string()
    ));
    assert_eq!(s.state(1), State::Backup);
    assert_eq!(s.state(0), State::Master);
    assert!(s.nodes[1].held.is_empty());
}

#[test]
fn link_down_goes_fault_and_back() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 1);
    s.start_all();
    s.run_until(secs(5.2));
    s.set_link(0, false);
    let logs = s.logs(0);
    assert!(logs.contains(&"Kernel is reporting: interface enp11s0f0 DOWN".to_string()));
    assert!(logs.contains(&"VRRP_Instance(VI_1) Entering FAULT STATE".to_string()));
    assert_eq!(s.state(0), State::Fault);
    assert!(s.nodes[0].held.is_empty());
    s.run_until(secs(10.0));
    assert_eq!(
        s.log_time(1, "VRRP_Instance(VI_1) Transition to MASTER STATE"),
        Some(secs(5.0) + MD_B)
    );
    s.set_link(0, true);
    assert!(s
        .logs(0)
        .contains(&"VRRP_Instance(VI_1): Transition to MASTER STATE".to_string()));
    s.run_until(secs(12.0));
    assert_eq!(s.state(0), State::Master);
    assert_eq!(s.state(1), State::Backup);
    assert_eq!(s.nodes[0].engine.effective_priority(InstanceId(0)), 100);
}

/// Routes follow the VIPs as in 1.3.5: added after them on becoming MASTER (`src VIP` needs
/// the address), removed before them when MASTER is left (`vrrp_restore_interface`).
#[test]
fn routes_are_set_after_the_vips_and_released_before_them() {
    let (a, b) = seed_pair();
    let mut s = Sim::new(vec![a, b], 1);
    s.start_all();
    s.run_until(secs(2.5));
    s.shutdown(0);
    let order: Vec<&str> = s
        .trace
        .iter()
        .filter(|e| e.node == 0)
        .filter_map(|e| match &e.out.action {
            Action::AddAddresses(_) => Some("add vips"),
            Action::SetRoutes(true) => Some("set routes"),
            Action::SetRoutes(false) => Some("release routes"),
            Action::RemoveAddresses(_) => Some("remove vips"),
            _ => None,
        })
        .collect();
    assert_eq!(
        order,
        ["add vips", "set routes", "release routes", "remove vips"]
    );
}
