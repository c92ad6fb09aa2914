//! Packet dispatch: (interface, family, VRID) → instances, built once per configuration.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::config::{Auth, Family};

use super::instance::Instance;
use super::validate::demux_vrid;
use super::RxPacket;

/// Key of the index: interned interface, family, whether the instance expects an AH header
/// in front of the VRRP header (the VRID sits further in), VRID.
type Key = (u32, Family, bool, u8);

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
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The prebuilt index. Interface names are interned to small integers when the index is
/// built, so a packet costs one lookup of its interface name and at most two of a small
/// integer key, whatever the number of instances.
#[derive(Debug, Default)]
pub(crate) struct Dispatch {
    interfaces: FnvMap<Box<str>, u32>,
    /// Instance indices per key, in instance order (normally one).
    by_key: FnvMap<Key, Vec<usize>>,
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
            let ah = matches!(inst.cfg.auth, Auth::Ah(_));
            d.by_key
                .entry((ifid, inst.cfg.family, ah, inst.cfg.vrid))
                .or_default()
                .push(i);
        }
        d
    }

    /// Instances a received packet is addressed to: those reading the VRID right behind the
    /// IP header, and those reading it behind an AH header (each list in instance order).
    pub(crate) fn lookup(&self, rx: &RxPacket<'_>) -> (&[usize], &[usize]) {
        let Some(&ifid) = self.interfaces.get(rx.interface) else {
            return (&[], &[]);
        };
        let find = |ah: bool| {
            demux_vrid(rx, ah)
                .and_then(|vrid| self.by_key.get(&(ifid, rx.family, ah, vrid)))
                .map_or(&[][..], Vec::as_slice)
        };
        (find(false), find(true))
    }
}
