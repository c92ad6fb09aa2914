//! Builders shared by the daemon's unit tests that need a running engine of the seed
//! configuration (`examples/seed/nodeA.conf` / `nodeB.conf`) and adverts to feed it.

use std::net::Ipv4Addr;
use std::time::Duration;

use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use vrrp_engine::wire::vrrp::VrrpRepr;
use vrrp_engine::{Engine, Family, Input, RxPacket};

use crate::convert::{convert, ConvertOptions, IfInfo, Interfaces};

/// Node A (`'a'`, 192.168.1.198) or B (`'b'`, .199) of the seed, its file text passed through
/// `edit`, converted by the daemon's own conversion; not started.
pub fn seed_engine(node: char, edit: impl FnOnce(String) -> String) -> Engine {
    let (file, last) = match node {
        'a' => ("nodeA.conf", 198),
        _ => ("nodeB.conf", 199),
    };
    let path = format!("{}/../../examples/seed/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = edit(std::fs::read_to_string(path).unwrap());
    let cfg = keepalived_conf::load_str(file, &text, &Default::default()).config;
    let mut ifs = Interfaces::new();
    ifs.insert(
        "enp11s0f0".into(),
        IfInfo {
            index: 2,
            up: true,
            mac: Some([2, 0, 0, 0, 0, last - 197]),
            primary_v4: Some(Ipv4Addr::new(192, 168, 1, last)),
            link_local_v6: None,
            vmac_base: None,
        },
    );
    Engine::new(convert(&cfg, &ifs, ConvertOptions::default()).engine)
}

/// The seed's advert (VRID 51, VIP 192.168.1.210, PASS) from `src` with `prio` and the 8-byte
/// `password` field, as a complete IPv4 packet.
pub fn seed_advert(src: Ipv4Addr, prio: u8, password: &[u8; 8]) -> Vec<u8> {
    let repr = VrrpRepr {
        version: vrrp_engine::Version::V2,
        vrid: 51,
        priority: prio,
        advert_int: Duration::from_secs(1),
        auth_type: 1,
        addresses: vec!["192.168.1.210".parse().unwrap()],
        auth_data: *password,
    };
    let group = Ipv4Addr::new(224, 0, 0, 18);
    let msg = repr.emit(Family::V4, src.into(), group.into());
    Ipv4Header::emit_keepalived(src, group, PROTO_VRRP, 1, &msg)
}

/// Delivers `bytes` on the seed interface at `now`.
pub fn feed(e: &mut Engine, bytes: &[u8], now: Duration) {
    e.handle(
        Input::Packet(RxPacket {
            interface: "enp11s0f0",
            family: Family::V4,
            bytes,
            src: None,
            hop_limit: None,
        }),
        now,
    );
}
