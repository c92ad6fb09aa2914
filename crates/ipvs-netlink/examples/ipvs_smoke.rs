//! IPVS smoke test for the VM lab (`vm-lab/run.sh`): programs the kernel through
//! `ipvs-netlink` and prints what the kernel reports back, one line per object.
//!
//! `ipvs_smoke add|edit|delete|list`: `add` creates a TCP service with two NAT real servers,
//! a persistent UDP service, a fwmark service with DR and tunnel real servers, a persistent
//! IPv6 service, and sets connection timeouts; `edit` changes a weight, the scheduler,
//! thresholds and one timeout; `delete` removes one real server and then
//! every service. Each phase re-reads the kernel's table and exits 1 if it differs from what
//! was requested; the lab script then compares `ipvsadm -Ln` too. `daemon` starts a master
//! and a backup sync daemon on `lo`, `daemon-stop` stops them, `flush` adds a service and
//! flushes the table.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::ExitCode;

use ipvs_netlink::{
    Destination, FwdMethod, IpvsClient, IpvsError, Service, ServiceKey, SyncDaemon, SyncState,
    Timeouts, PROTO_TCP, PROTO_UDP, SVC_F_HASHED, SVC_F_PERSISTENT,
};

fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

fn web() -> ServiceKey {
    ServiceKey::Addr {
        protocol: PROTO_TCP,
        addr: ip(10, 0, 0, 100),
        port: 80,
    }
}

fn dns() -> ServiceKey {
    ServiceKey::Addr {
        protocol: PROTO_UDP,
        addr: ip(10, 0, 0, 100),
        port: 53,
    }
}

fn ip6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last))
}

fn web6() -> ServiceKey {
    ServiceKey::Addr {
        protocol: PROTO_TCP,
        addr: ip6(0x100),
        port: 443,
    }
}

fn mark() -> ServiceKey {
    ServiceKey::Fwmark {
        ipv6: false,
        mark: 7,
    }
}

/// The connection timeouts each phase must leave behind (`edit` sends 0 for TCP and UDP,
/// which the kernel leaves unchanged).
fn expected_timeouts(phase: &str) -> Timeouts {
    let mut t = Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    };
    if phase != "add" {
        t.tcp_fin = 60;
    }
    t
}

/// The table each phase must leave behind: services and their destinations.
fn expected(phase: &str) -> Vec<(Service, Vec<Destination>)> {
    let mut web_svc = Service::new(web(), "rr");
    let mut dns_svc = Service::new(dns(), "sh");
    dns_svc.flags = SVC_F_PERSISTENT;
    dns_svc.timeout = 300;
    dns_svc.netmask = 0xffff_ff00;
    let fw_svc = Service::new(mark(), "wlc");
    let mut web6_svc = Service::new(web6(), "rr");
    web6_svc.flags = SVC_F_PERSISTENT;
    web6_svc.timeout = 60;
    web6_svc.netmask = 64;
    let rs6 = Destination::new(ip6(1), 443, FwdMethod::Masq, 1);
    let rs1 = Destination::new(ip(10, 0, 1, 1), 80, FwdMethod::Masq, 1);
    let mut rs2 = Destination::new(ip(10, 0, 1, 2), 80, FwdMethod::Masq, 2);
    let dns1 = Destination::new(ip(10, 0, 1, 1), 53, FwdMethod::Masq, 1);
    let dr = Destination::new(ip(10, 0, 2, 1), 0, FwdMethod::Droute, 1);
    let tun = Destination::new(ip(10, 0, 2, 2), 0, FwdMethod::Tunnel, 1);
    match phase {
        "add" => vec![
            (web_svc, vec![rs1, rs2]),
            (dns_svc, vec![dns1]),
            (fw_svc, vec![dr, tun]),
            (web6_svc, vec![rs6]),
        ],
        "edit" => {
            web_svc.scheduler = "wrr".into();
            rs2.weight = 5;
            rs2.u_threshold = 100;
            rs2.l_threshold = 10;
            vec![
                (web_svc, vec![rs1, rs2]),
                (dns_svc, vec![dns1]),
                (fw_svc, vec![dr, tun]),
                (web6_svc, vec![rs6]),
            ]
        }
        _ => Vec::new(),
    }
}

fn print_table(c: &mut IpvsClient) -> Result<Vec<(Service, Vec<Destination>)>, IpvsError> {
    let mut out = Vec::new();
    for svc in c.services()? {
        let id = match svc.key {
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            } => format!("proto={protocol} {addr}:{port}"),
            ServiceKey::Fwmark { mark, .. } => format!("fwmark={mark}"),
        };
        println!(
            "SERVICE {id} sched={} flags={:#x} timeout={} netmask={:#x}",
            svc.scheduler, svc.flags, svc.timeout, svc.netmask
        );
        let mut dests = c.dests(&svc.key)?;
        dests.sort_by_key(|d| (d.addr, d.port));
        for d in &dests {
            println!(
                "  DEST {}:{} fwd={:?} weight={} uthresh={} lthresh={}",
                d.addr, d.port, d.fwd, d.weight, d.u_threshold, d.l_threshold
            );
        }
        out.push((svc, dests));
    }
    Ok(out)
}

fn apply(c: &mut IpvsClient, phase: &str) -> Result<(), IpvsError> {
    match phase {
        "add" => {
            for (svc, dests) in expected("add") {
                c.add_service(&svc)?;
                for d in &dests {
                    c.add_dest(&svc.key, d)?;
                }
            }
            c.set_timeouts(&expected_timeouts("add"))?;
            // Adding the same service twice must be refused with EEXIST (17).
            match c.add_service(&Service::new(web(), "rr")) {
                Err(e) if e.errno() == Some(17) => println!("duplicate add refused: {e}"),
                other => {
                    return Err(IpvsError::Malformed(format!(
                        "duplicate add not refused: {other:?}"
                    )))
                }
            }
        }
        "edit" => {
            let table = expected("edit");
            c.update_service(&table[0].0)?;
            c.update_dest(&web(), &table[0].1[1])?;
            c.set_timeouts(&Timeouts {
                tcp: 0,
                tcp_fin: 60,
                udp: 0,
            })?;
        }
        "delete" => {
            c.delete_dest(&web(), ip(10, 0, 1, 2), 80)?;
            let left = c.dests(&web())?;
            println!(
                "after DEL_DEST: {} destination(s) left in the web service",
                left.len()
            );
            if left.len() != 1 {
                return Err(IpvsError::Malformed("DEL_DEST did not remove".into()));
            }
            for key in [web(), dns(), mark(), web6()] {
                c.delete_service(&key)?;
            }
            // What the client reports for the real servers of a service that is gone.
            println!("GET_DEST of a deleted service: {:?}", c.dests(&web()));
            match c.delete_service(&web()) {
                Err(e) if e.errno() == Some(3) => println!("second delete refused: {e}"),
                other => {
                    return Err(IpvsError::Malformed(format!(
                        "second delete not refused with ESRCH: {other:?}"
                    )))
                }
            }
        }
        "list" => {}
        other => return Err(IpvsError::Malformed(format!("unknown phase {other}"))),
    }
    Ok(())
}

/// The sync daemons the `daemon` phase starts: a master with defaults and a backup with every
/// option set, both on `lo`.
fn daemons() -> Vec<SyncDaemon> {
    let master = SyncDaemon::new(SyncState::Master, "lo", 5);
    let mut backup = SyncDaemon::new(SyncState::Backup, "lo", 6);
    backup.sync_maxlen = Some(1400);
    backup.mcast_group = Some(ip(239, 1, 1, 81));
    backup.mcast_port = Some(8900);
    backup.mcast_ttl = Some(2);
    vec![master, backup]
}

/// `daemon`, `daemon-stop` and `flush` phases: they check their own results.
fn run_extra(c: &mut IpvsClient, phase: &str) -> Result<bool, IpvsError> {
    let mut ok = true;
    match phase {
        "daemon" => {
            for d in daemons() {
                c.start_daemon(&d)?;
            }
            match c.start_daemon(&daemons()[0]) {
                Err(e) if e.errno() == Some(17) => println!("second master refused: {e}"),
                other => {
                    println!("second master not refused with EEXIST: {other:?}");
                    ok = false;
                }
            }
            let mut got = c.daemons()?;
            got.sort_by_key(|d| d.state as u32);
            for d in &got {
                println!("DAEMON {d:?}");
            }
            // The kernel fills in its defaults for the master; compare what we set.
            let want = daemons();
            ok &= got.len() == 2
                && got[0].state == SyncState::Master
                && got[0].mcast_ifn == "lo"
                && got[0].sync_id == 5
                && got[0].mcast_group == Some(ip(224, 0, 0, 81))
                && got[0].mcast_port == Some(8848)
                && got[1] == want[1];
        }
        "daemon-stop" => {
            c.stop_daemon(SyncState::Master)?;
            c.stop_daemon(SyncState::Backup)?;
            let left = c.daemons()?;
            println!("daemons after DEL_DAEMON: {left:?}");
            ok &= left.is_empty();
        }
        "flush" => {
            c.add_service(&Service::new(web(), "rr"))?;
            c.add_dest(
                &web(),
                &Destination::new(ip(10, 0, 1, 1), 80, FwdMethod::Masq, 1),
            )?;
            println!("before FLUSH: {} service(s)", c.services()?.len());
            c.flush()?;
            let left = c.services()?;
            println!("after FLUSH: {} service(s)", left.len());
            ok &= left.is_empty();
        }
        _ => unreachable!("run_extra called with {phase}"),
    }
    println!("{}: phase {phase}", if ok { "OK" } else { "MISMATCH" });
    Ok(ok)
}

fn run(phase: &str) -> Result<bool, IpvsError> {
    let mut c = IpvsClient::connect()?;
    let info = c.info()?;
    println!(
        "IPVS family id {} version {} conn_tab_size {}",
        c.family_id(),
        info.version_string(),
        info.conn_tab_size
    );
    if matches!(phase, "daemon" | "daemon-stop" | "flush") {
        return run_extra(&mut c, phase);
    }
    apply(&mut c, phase)?;
    let mut got = print_table(&mut c)?;
    let t = c.timeouts()?;
    println!("TIMEOUTS tcp={} tcpfin={} udp={}", t.tcp, t.tcp_fin, t.udp);
    if phase == "list" {
        return Ok(true);
    }
    if t != expected_timeouts(phase) {
        println!("MISMATCH in phase {phase}: timeouts {t:?}");
        return Ok(false);
    }
    // The kernel adds HASHED to every service it holds; compare without it.
    for (svc, _) in &mut got {
        svc.flags &= !SVC_F_HASHED;
    }
    let mut want = expected(phase);
    let key = |s: &Service| format!("{:?}", s.key);
    got.sort_by_key(|(s, _)| key(s));
    want.sort_by_key(|(s, _)| key(s));
    if got == want {
        println!("OK: kernel table matches phase {phase}");
        Ok(true)
    } else {
        println!("MISMATCH in phase {phase}:\n want {want:?}\n got  {got:?}");
        Ok(false)
    }
}

fn main() -> ExitCode {
    let phase = std::env::args().nth(1).unwrap_or_else(|| "list".into());
    match run(&phase) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("ipvs_smoke {phase}: {e}");
            ExitCode::FAILURE
        }
    }
}
