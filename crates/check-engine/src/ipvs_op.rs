//! IPVS table changes the engine asks the daemon to apply.

use std::net::IpAddr;

use crate::config::{Dest, ServiceKey, ServiceSpec};

/// One IPVS change. The engine only emits operations on services it created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsOp {
    /// Create a service.
    AddService(ServiceSpec),
    /// Change an existing service's scheduler/persistence/flags.
    UpdateService(ServiceSpec),
    /// Delete a service (and with it its destinations).
    DelService(ServiceKey),
    /// Add a destination to a service.
    AddDest {
        /// The service.
        service: ServiceKey,
        /// The destination, with the weight to program.
        dest: Dest,
    },
    /// Change an existing destination (weight, e.g. 0 for `inhibit_on_failure`).
    UpdateDest {
        /// The service.
        service: ServiceKey,
        /// The destination, with the weight to program.
        dest: Dest,
    },
    /// Remove a destination from a service.
    DelDest {
        /// The service.
        service: ServiceKey,
        /// Destination address.
        addr: IpAddr,
        /// Destination port.
        port: u16,
    },
}
