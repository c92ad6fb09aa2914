//! Raw sockets of the daemon: VRRP advertisement sockets and the AF_PACKET socket used for
//! gratuitous ARP / unsolicited neighbour advertisements.

pub mod packet_socket;
mod sockopt;
pub mod vrrp_socket;

#[cfg(test)]
mod tests;
