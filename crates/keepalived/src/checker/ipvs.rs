//! The check engine's IPVS operations applied through `ipvs-netlink`.

use std::fmt;

use check_engine as ce;
use ipvs_netlink as nl;

/// The kernel's IPVS table, as the checker process programs it.
pub struct Ipvs {
    client: nl::IpvsClient,
}

impl Ipvs {
    /// Connects to the kernel's IPVS family, loading `ip_vs` first when it is missing (1.3.5
    /// runs modprobe too).
    pub fn open() -> Result<Ipvs, nl::IpvsError> {
        nl::IpvsClient::connect_loading_module().map(|client| Ipvs { client })
    }

    /// `lvs_flush`: empties the whole table (services we did not create too).
    pub fn flush(&mut self) -> Result<(), nl::IpvsError> {
        self.client.flush()
    }

    /// `lvs_timeouts` (0 keeps the kernel's value).
    pub fn set_timeouts(&mut self, tcp: u32, tcp_fin: u32, udp: u32) -> Result<(), nl::IpvsError> {
        self.client
            .set_timeouts(&nl::Timeouts { tcp, tcp_fin, udp })
    }

    /// Applies one operation. A service or destination that already exists when we add it
    /// (left by `-I`, or a restart) is taken over and updated to the configuration.
    pub fn apply(&mut self, op: &ce::IpvsOp) -> Result<(), nl::IpvsError> {
        const EEXIST: i32 = libc::EEXIST;
        match op {
            ce::IpvsOp::AddService(s) => {
                let svc = service(s);
                match self.client.add_service(&svc) {
                    Err(e) if e.errno() == Some(EEXIST) => self.client.update_service(&svc),
                    r => r,
                }
            }
            ce::IpvsOp::UpdateService(s) => self.client.update_service(&service(s)),
            ce::IpvsOp::DelService(k) => self.client.delete_service(&key(k)),
            ce::IpvsOp::AddDest { service, dest: d } => {
                let k = key(service);
                let d = dest(d);
                match self.client.add_dest(&k, &d) {
                    Err(e) if e.errno() == Some(EEXIST) => self.client.update_dest(&k, &d),
                    r => r,
                }
            }
            ce::IpvsOp::UpdateDest { service, dest: d } => {
                self.client.update_dest(&key(service), &dest(d))
            }
            ce::IpvsOp::DelDest {
                service,
                addr,
                port,
            } => self.client.delete_dest(&key(service), *addr, *port),
        }
    }
}

/// An operation as a log line names it.
pub struct OpName<'a>(pub &'a ce::IpvsOp);

impl fmt::Display for OpName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ce::IpvsOp::AddService(s) => write!(f, "add service {}", KeyName(&s.key)),
            ce::IpvsOp::UpdateService(s) => write!(f, "update service {}", KeyName(&s.key)),
            ce::IpvsOp::DelService(k) => write!(f, "delete service {}", KeyName(k)),
            ce::IpvsOp::AddDest { service, dest } => write!(
                f,
                "add dest [{}]:{} to {}",
                dest.addr,
                dest.port,
                KeyName(service)
            ),
            ce::IpvsOp::UpdateDest { service, dest } => write!(
                f,
                "update dest [{}]:{} of {}",
                dest.addr,
                dest.port,
                KeyName(service)
            ),
            ce::IpvsOp::DelDest {
                service,
                addr,
                port,
            } => write!(f, "delete dest [{addr}]:{port} from {}", KeyName(service)),
        }
    }
}

struct KeyName<'a>(&'a ce::ServiceKey);

impl fmt::Display for KeyName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ce::ServiceKey::Inet { proto, addr, port } => {
                let p = match proto {
                    ce::Protocol::Tcp => "TCP",
                    ce::Protocol::Udp => "UDP",
                };
                write!(f, "{p} [{addr}]:{port}")
            }
            ce::ServiceKey::Fwmark { mark, .. } => write!(f, "FWM {mark}"),
        }
    }
}

fn key(k: &ce::ServiceKey) -> nl::ServiceKey {
    match *k {
        ce::ServiceKey::Inet { proto, addr, port } => nl::ServiceKey::Addr {
            protocol: match proto {
                ce::Protocol::Tcp => nl::PROTO_TCP,
                ce::Protocol::Udp => nl::PROTO_UDP,
            },
            addr,
            port,
        },
        ce::ServiceKey::Fwmark { family, mark } => nl::ServiceKey::Fwmark {
            ipv6: family == ce::Family::V6,
            mark,
        },
    }
}

fn service(s: &ce::ServiceSpec) -> nl::Service {
    let mut svc = nl::Service::new(key(&s.key), &s.scheduler);
    if let Some(t) = s.persistence_timeout {
        svc.flags |= nl::SVC_F_PERSISTENT;
        svc.timeout = t;
    }
    if let Some(m) = s.persistence_netmask {
        svc.netmask = m;
    }
    if s.one_packet {
        svc.flags |= nl::SVC_F_ONEPACKET;
    }
    if s.hashed {
        svc.flags |= nl::SVC_F_HASHED;
    }
    svc.flags |= s.sched_flags;
    svc.pe_name = s.persistence_engine.clone();
    svc
}

fn dest(d: &ce::Dest) -> nl::Destination {
    let fwd = match d.forwarding {
        ce::Forwarding::Nat => nl::FwdMethod::Masq,
        ce::Forwarding::DirectRoute => nl::FwdMethod::Droute,
        ce::Forwarding::Tunnel => nl::FwdMethod::Tunnel,
    };
    let mut dst = nl::Destination::new(d.addr, d.port, fwd, d.weight);
    dst.u_threshold = d.upper_threshold;
    dst.l_threshold = d.lower_threshold;
    dst
}
