//! Packet dispatch: (interface, family, VRID) → instances, built once per configuration.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::config::Family;

use super::instance::Instance;
use super::validate::{demux_vrid, expects_ah, is_ah_packet};
use super::RxPacket;

/// Key of the index, packed into one word: interned interface, family, whether the instance
/// expects an AH header in front of the VRRP header (the VRID sits further in), VRID.
fn key(ifid: u32, family: Family, ah: bool, vrid: u8) -> u64 {
    let fam = match family {
        Family::V4 => 0,
        Family::V6 => 1,
    };
    (u64::from(ifid) << 10) | (fam << 9) | (u64::from(ah) << 8) | u64::from(vrid)
}

/// FNV-1a: the keys are a short interface name and a few bytes, chosen by our own
/// configuration (not by the network), so a fast non-keyed hash is enough here.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn write_u64(&mut self, v: u64) {
        // One multiply for a packed key (FxHash's step).
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The prebuilt index. Interface names are interned to small integers when the index is
/// built, so a packet costs one lookup of its interface name and at most two of a small
/// integer key, whatever the number of instances.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    interfaces: FnvMap<Box<str>, u32>,
    /// Instance indices per key, in instance order (normally one).
    by_key: FnvMap<u64, Vec<usize>>,
    /// Whether any instance uses AH (else packets need no second lookup).
    any_ah: bool,
}

impl Dispatch {
    /// Indexes `instances`.
    pub(crate) fn build(instances: &[Instance]) -> Self {
        let mut d = Dispatch::default();
        for (i, inst) in instances.iter().enumerate() {
            let next = u32::try_from(d.interfaces.len()).unwrap_or(u32::MAX);
            let ifid = *d
                .interfaces
                .entry(inst.cfg.interface.as_str().into())
                .or_insert(next);
            let ah = expects_ah(&inst.cfg);
            d.any_ah |= ah;
            d.by_key
                .entry(key(ifid, inst.cfg.family, ah, inst.cfg.vrid))
                .or_default()
                .push(i);
        }
        d
    }

    /// Instances a received packet is addressed to, in instance order: for an AH packet
    /// (protocol 51) the AH instances of its VRID (read behind the AH header), for any other
    /// the instances without AH. keepalived reads the two protocols on separate sockets
    /// whose packets reach only the instances of that protocol, so a plain advert for an
    /// AH instance (or the reverse) is ignored without a line, as there.
    pub(crate) fn lookup(&self, rx: &RxPacket<'_>) -> &[usize] {
        let Some(&ifid) = self.interfaces.get(rx.interface) else {
            return &[];
        };
        let ah = is_ah_packet(rx);
        if ah && !self.any_ah {
            return &[];
        }
        demux_vrid(rx, ah)
            .and_then(|vrid| self.by_key.get(&key(ifid, rx.family, ah, vrid)))
            .map_or(&[][..], Vec::as_slice)
    }
}
