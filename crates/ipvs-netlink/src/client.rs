//! Blocking generic netlink client for the `IPVS` family.
//!
//! One request at a time on one socket, answered before the next: IPVS changes are rare
//! (checker transitions, reloads), so a blocking socket keeps this adapter small; an async
//! caller runs it on a blocking thread.

use std::io;
use std::net::IpAddr;

use netlink_packet_core::{
    DefaultNla, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;
use netlink_sys::protocols::NETLINK_GENERIC;
use netlink_sys::{Socket, SocketAddr};

use crate::codec::{self, cmd, IpvsMessage};
use crate::{
    Destination, IpvsError, IpvsInfo, Service, ServiceKey, SyncDaemon, SyncState, Timeouts,
};

/// A connection to the kernel's IPVS generic netlink family.
pub struct IpvsClient {
    socket: Socket,
    family_id: u16,
    seq: u32,
}

impl IpvsClient {
    /// Opens a generic netlink socket and resolves the `IPVS` family id.
    ///
    /// Fails with [`IpvsError::FamilyNotFound`] when the kernel has no IPVS (module not loaded).
    pub fn connect() -> Result<Self, IpvsError> {
        let mut socket = Socket::new(NETLINK_GENERIC)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        let mut client = IpvsClient {
            socket,
            family_id: 0,
            seq: 0,
        };
        client.family_id = client.resolve_family()?;
        Ok(client)
    }

    /// [`IpvsClient::connect`], and when the kernel has no IPVS family yet, loads `ip_vs` with
    /// `/sbin/modprobe -s` (as keepalived's `ipvs_start` does; its messages go to syslog) and
    /// tries once more. The checker process and the VRRP process's sync daemon both start so.
    pub fn connect_loading_module() -> Result<Self, IpvsError> {
        match IpvsClient::connect() {
            Err(IpvsError::FamilyNotFound) => {
                let _ = std::process::Command::new("/sbin/modprobe")
                    .args(["-s", "--", "ip_vs"])
                    .stdin(std::process::Stdio::null())
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .status();
                IpvsClient::connect()
            }
            r => r,
        }
    }

    /// The resolved generic netlink family id of `IPVS`.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    fn resolve_family(&mut self) -> Result<u16, IpvsError> {
        let mut genl = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(codec::IPVS_GENL_NAME.to_owned())],
        });
        genl.finalize();
        let mut msg = NetlinkMessage::from(genl);
        msg.header.flags = NLM_F_REQUEST;
        msg.header.sequence_number = self.next_seq();
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.socket.send(&buf, 0)?;
        let (rx, _) = self.socket.recv_from_full()?;
        let reply = NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(&rx)
            .map_err(|e| IpvsError::Malformed(e.to_string()))?;
        match reply.payload {
            NetlinkPayload::InnerMessage(m) => m
                .payload
                .nlas
                .iter()
                .find_map(|a| match a {
                    GenlCtrlAttrs::FamilyId(id) => Some(*id),
                    _ => None,
                })
                .ok_or_else(|| IpvsError::Malformed("family reply without id".into())),
            NetlinkPayload::Error(e) if e.code.is_some() => Err(IpvsError::FamilyNotFound),
            _ => Err(IpvsError::Malformed(
                "unexpected reply to CTRL_CMD_GETFAMILY".into(),
            )),
        }
    }

    fn send(&mut self, cmd: u8, attrs: Vec<DefaultNla>, flags: u16) -> Result<u32, IpvsError> {
        let mut genl = GenlMessage::from_payload(IpvsMessage { cmd, attrs });
        genl.set_resolved_family_id(self.family_id);
        genl.finalize();
        let mut msg = NetlinkMessage::from(genl);
        let seq = self.next_seq();
        msg.header.flags = flags;
        msg.header.sequence_number = seq;
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.socket.send(&buf, 0)?;
        Ok(seq)
    }

    /// Receives until the ACK/error (`dump == false`) or `NLMSG_DONE` (`dump == true`) of
    /// `seq`, returning the IPVS messages seen on the way.
    fn collect(
        &mut self,
        seq: u32,
        dump: bool,
        what: &'static str,
    ) -> Result<Vec<IpvsMessage>, IpvsError> {
        let mut out = Vec::new();
        loop {
            let (rx, _) = self.socket.recv_from_full()?;
            let mut off = 0;
            while off < rx.len() {
                let bytes = &rx[off..];
                let msg = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(bytes)
                    .map_err(|e| IpvsError::Malformed(e.to_string()))?;
                let len = msg.header.length as usize;
                if len == 0 {
                    return Err(IpvsError::Malformed("zero-length netlink message".into()));
                }
                // Messages are 4-byte aligned in a datagram.
                off += (len + 3) & !3;
                if msg.header.sequence_number != seq {
                    continue; // a late answer to an earlier request
                }
                match msg.payload {
                    NetlinkPayload::InnerMessage(g) => {
                        out.push(g.payload);
                        if !dump {
                            // A reply (GET_INFO) without NLM_F_ACK ends the exchange.
                            return Ok(out);
                        }
                    }
                    NetlinkPayload::Error(e) => match e.code {
                        Some(code) => {
                            return Err(IpvsError::Kernel {
                                what,
                                source: io::Error::from_raw_os_error(-code.get()),
                            })
                        }
                        None => return Ok(out),
                    },
                    NetlinkPayload::Done(_) => return Ok(out),
                    _ => {}
                }
            }
        }
    }

    fn request(
        &mut self,
        cmd: u8,
        attrs: Vec<DefaultNla>,
        what: &'static str,
    ) -> Result<(), IpvsError> {
        let seq = self.send(cmd, attrs, NLM_F_REQUEST | NLM_F_ACK)?;
        self.collect(seq, false, what).map(|_| ())
    }

    fn dump(
        &mut self,
        cmd: u8,
        attrs: Vec<DefaultNla>,
        what: &'static str,
    ) -> Result<Vec<IpvsMessage>, IpvsError> {
        let seq = self.send(cmd, attrs, NLM_F_REQUEST | NLM_F_DUMP)?;
        self.collect(seq, true, what)
    }

    /// IPVS version and connection table size (`IPVS_CMD_GET_INFO`).
    pub fn info(&mut self) -> Result<IpvsInfo, IpvsError> {
        let seq = self.send(cmd::GET_INFO, Vec::new(), NLM_F_REQUEST)?;
        let replies = self.collect(seq, false, "GET_INFO")?;
        let reply = replies
            .first()
            .ok_or_else(|| IpvsError::Malformed("no GET_INFO reply".into()))?;
        codec::decode_info(reply)
    }

    /// Connection timeouts (`IPVS_CMD_GET_CONFIG`).
    pub fn timeouts(&mut self) -> Result<Timeouts, IpvsError> {
        let seq = self.send(cmd::GET_CONFIG, Vec::new(), NLM_F_REQUEST)?;
        let replies = self.collect(seq, false, "GET_CONFIG")?;
        let reply = replies
            .first()
            .ok_or_else(|| IpvsError::Malformed("no GET_CONFIG reply".into()))?;
        codec::decode_timeouts(reply)
    }

    /// Sets connection timeouts (`IPVS_CMD_SET_CONFIG`); a 0 field is left unchanged.
    pub fn set_timeouts(&mut self, t: &Timeouts) -> Result<(), IpvsError> {
        self.request(cmd::SET_CONFIG, codec::encode_timeouts(t), "SET_CONFIG")
    }

    /// Starts a sync daemon (`IPVS_CMD_NEW_DAEMON`); EEXIST if one in that role runs.
    pub fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), IpvsError> {
        self.request(cmd::NEW_DAEMON, vec![codec::encode_daemon(d)], "NEW_DAEMON")
    }

    /// Stops the sync daemon in `state` (`IPVS_CMD_DEL_DAEMON`).
    pub fn stop_daemon(&mut self, state: SyncState) -> Result<(), IpvsError> {
        self.request(
            cmd::DEL_DAEMON,
            vec![codec::encode_daemon_state(state)],
            "DEL_DAEMON",
        )
    }

    /// Lists running sync daemons (`IPVS_CMD_GET_DAEMON` dump).
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, IpvsError> {
        self.dump(cmd::GET_DAEMON, Vec::new(), "GET_DAEMON")?
            .iter()
            .map(codec::decode_daemon)
            .collect()
    }

    /// Deletes every service and destination, ours or not (`IPVS_CMD_FLUSH`): only for
    /// keepalived's global `lvs_flush`.
    pub fn flush(&mut self) -> Result<(), IpvsError> {
        self.request(cmd::FLUSH, Vec::new(), "FLUSH")
    }

    /// Adds a virtual service (`IPVS_CMD_NEW_SERVICE`); EEXIST if it exists.
    pub fn add_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.request(
            cmd::NEW_SERVICE,
            vec![codec::encode_service(svc)],
            "NEW_SERVICE",
        )
    }

    /// Changes scheduler, flags, timeout and netmask of a service (`IPVS_CMD_SET_SERVICE`).
    pub fn update_service(&mut self, svc: &Service) -> Result<(), IpvsError> {
        self.request(
            cmd::SET_SERVICE,
            vec![codec::encode_service(svc)],
            "SET_SERVICE",
        )
    }

    /// Deletes a service and its destinations (`IPVS_CMD_DEL_SERVICE`).
    pub fn delete_service(&mut self, key: &ServiceKey) -> Result<(), IpvsError> {
        self.request(
            cmd::DEL_SERVICE,
            vec![codec::encode_service_key(key)],
            "DEL_SERVICE",
        )
    }

    /// Lists all services (`IPVS_CMD_GET_SERVICE` dump).
    pub fn services(&mut self) -> Result<Vec<Service>, IpvsError> {
        self.dump(cmd::GET_SERVICE, Vec::new(), "GET_SERVICE")?
            .iter()
            .map(codec::decode_service)
            .collect()
    }

    /// Adds a destination to a service (`IPVS_CMD_NEW_DEST`).
    pub fn add_dest(&mut self, key: &ServiceKey, dest: &Destination) -> Result<(), IpvsError> {
        let attrs = vec![codec::encode_service_key(key), codec::encode_dest(dest)];
        self.request(cmd::NEW_DEST, attrs, "NEW_DEST")
    }

    /// Changes weight, forwarding method and thresholds of a destination (`IPVS_CMD_SET_DEST`).
    pub fn update_dest(&mut self, key: &ServiceKey, dest: &Destination) -> Result<(), IpvsError> {
        let attrs = vec![codec::encode_service_key(key), codec::encode_dest(dest)];
        self.request(cmd::SET_DEST, attrs, "SET_DEST")
    }

    /// Removes a destination from a service (`IPVS_CMD_DEL_DEST`).
    pub fn delete_dest(
        &mut self,
        key: &ServiceKey,
        addr: IpAddr,
        port: u16,
    ) -> Result<(), IpvsError> {
        let attrs = vec![
            codec::encode_service_key(key),
            codec::encode_dest_key(addr, port),
        ];
        self.request(cmd::DEL_DEST, attrs, "DEL_DEST")
    }

    /// Lists the destinations of a service (`IPVS_CMD_GET_DEST` dump).
    ///
    /// For a service that does not exist the kernel ends the dump without an error, so this
    /// returns an empty list (seen in the VM lab); [`IpvsClient::services`] tells them apart.
    pub fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Destination>, IpvsError> {
        let af = key.af();
        self.dump(
            cmd::GET_DEST,
            vec![codec::encode_service_key(key)],
            "GET_DEST",
        )?
        .iter()
        .map(|m| codec::decode_dest(m, af))
        .collect()
    }
}
