//! Packet capture on the lab bridge (`tcpdump -w`), decoded by tshark.
//!
//! tcpdump hands each frame over at once (`--immediate-mode`) and writes packet-buffered (`-U`),
//! so the file can be decoded while the capture runs;
//! tshark is the independent decoder that judges our adverts (checksum, version, auth).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::{now, sleep};

/// Fields asked from tshark, in this order.
const FIELDS: &[&str] = &[
    "frame.time_epoch",
    "eth.src",
    "eth.dst",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "vrrp.version",
    "vrrp.type",
    "vrrp.virt_rtr_id",
    "vrrp.prio",
    "vrrp.checksum.status",
    "vrrp.auth_type",
    "vrrp.auth_string",
    "vrrp.adver_int",
    "vrrp.ip_addr",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
];

/// One captured frame, as tshark decoded it (empty strings for absent fields).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Packet {
    /// Capture time (Unix seconds).
    pub t: f64,
    /// Ethernet source.
    pub eth_src: String,
    /// Ethernet destination.
    pub eth_dst: String,
    /// IPv4 source (VRRP frames).
    pub ip_src: String,
    /// IPv4 destination.
    pub ip_dst: String,
    /// IPv4 TTL.
    pub ttl: String,
    /// VRRP version ("2").
    pub vrrp_version: String,
    /// VRRP type ("1" = advertisement).
    pub vrrp_type: String,
    /// Virtual router id.
    pub vrid: String,
    /// Advertised priority (None for non-VRRP frames).
    pub prio: Option<u8>,
    /// tshark's checksum status ("1" = Good).
    pub checksum_status: String,
    /// Auth type ("1" = simple text).
    pub auth_type: String,
    /// Auth string.
    pub auth_string: String,
    /// Advert interval.
    pub adver_int: String,
    /// Virtual addresses carried.
    pub vips: String,
    /// ARP opcode ("1" = request).
    pub arp_opcode: String,
    /// ARP sender MAC.
    pub arp_sha: String,
    /// ARP sender IP.
    pub arp_spa: String,
    /// ARP target MAC.
    pub arp_tha: String,
    /// ARP target IP.
    pub arp_tpa: String,
}

impl Packet {
    /// Is this a VRRP frame?
    pub fn is_vrrp(&self) -> bool {
        !self.vrrp_version.is_empty()
    }
    /// Is this an ARP frame?
    pub fn is_arp(&self) -> bool {
        !self.arp_opcode.is_empty()
    }
    /// Is this a gratuitous ARP request for `vip` from `mac`, in keepalived's form?
    pub fn is_garp(&self, vip: &str, mac: &str) -> bool {
        self.is_arp()
            && self.arp_opcode == "1"
            && self.arp_spa == vip
            && self.arp_tpa == vip
            && self.eth_src == mac
            && self.arp_sha == mac
            && self.eth_dst == "ff:ff:ff:ff:ff:ff"
    }
    /// Is this a VRRP advert from `src` (any priority)?
    pub fn is_advert_from(&self, src: &str) -> bool {
        self.is_vrrp() && self.ip_src == src
    }

    /// One-line description for failure dumps.
    pub fn summary(&self) -> String {
        if self.is_vrrp() {
            format!(
                "{:.6} VRRPv{} {} -> {} ttl {} vrid {} prio {:?} cksum-status {} auth {}/{:?} int {} vips {}",
                self.t,
                self.vrrp_version,
                self.ip_src,
                self.ip_dst,
                self.ttl,
                self.vrid,
                self.prio,
                self.checksum_status,
                self.auth_type,
                self.auth_string,
                self.adver_int,
                self.vips
            )
        } else {
            format!(
                "{:.6} ARP op {} {} -> {} who-has {} tell {} ({})",
                self.t,
                self.arp_opcode,
                self.eth_src,
                self.eth_dst,
                self.arp_tpa,
                self.arp_spa,
                self.arp_sha
            )
        }
    }

    fn parse(line: &str) -> Option<Packet> {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != FIELDS.len() {
            return None;
        }
        let s = |i: usize| f[i].to_string();
        Some(Packet {
            t: f[0].parse().ok()?,
            eth_src: s(1),
            eth_dst: s(2),
            ip_src: s(3),
            ip_dst: s(4),
            ttl: s(5),
            vrrp_version: s(6),
            vrrp_type: s(7),
            vrid: s(8),
            prio: f[9].parse().ok(),
            checksum_status: s(10),
            auth_type: s(11),
            auth_string: s(12),
            adver_int: s(13),
            vips: s(14),
            arp_opcode: s(15),
            arp_sha: s(16),
            arp_spa: s(17),
            arp_tha: s(18),
            arp_tpa: s(19),
        })
    }
}

/// A running capture of VRRP and ARP frames on one interface of a namespace.
pub struct Capture {
    child: Option<Child>,
    /// The pcap file.
    pub file: PathBuf,
    stderr: PathBuf,
}

impl Capture {
    /// Start `tcpdump` on `iface` in `ns`, writing `file`; returns once tcpdump is listening.
    pub fn start(ns: &str, iface: &str, file: &Path) -> Self {
        let stderr = file.with_extension("tcpdump.log");
        let err = std::fs::File::create(&stderr).expect("create tcpdump log");
        let child = Command::new("ip")
            // --immediate-mode: without it frames wait in the kernel's capture ring for up to
            // the 1 s buffer timeout, so a just-sent advert may be missing from the file.
            .args([
                "netns",
                "exec",
                ns,
                "tcpdump",
                "--immediate-mode",
                "-U",
                "-n",
            ])
            .args(["-i", iface, "-w"])
            .arg(file)
            .arg("ip proto 112 or ip proto 51 or arp")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .expect("spawn tcpdump");
        let mut cap = Capture {
            child: Some(child),
            file: file.to_path_buf(),
            stderr,
        };
        let deadline = now() + 10.0;
        loop {
            let text = std::fs::read_to_string(&cap.stderr).unwrap_or_default();
            if text.contains("listening on") {
                break;
            }
            if now() > deadline {
                cap.stop();
                panic!("tcpdump did not start: {text}");
            }
            sleep(0.02);
        }
        cap
    }

    /// Decode everything captured so far.
    ///
    /// tshark reads a file tcpdump is still appending to; if it fails (its stderr is printed)
    /// the read is retried, and the longest decode is returned.
    pub fn packets(&self) -> Vec<Packet> {
        let mut best = Vec::new();
        for attempt in 0..4 {
            let mut cmd = Command::new("tshark");
            cmd.arg("-r").arg(&self.file).args(["-T", "fields"]);
            for f in FIELDS {
                cmd.args(["-e", f]);
            }
            let out = cmd.stdin(Stdio::null()).output().expect("run tshark");
            let pkts: Vec<Packet> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(Packet::parse)
                .collect();
            let ok = out.status.success() && !pkts.is_empty();
            if !ok {
                println!(
                    "tshark -r {} (attempt {attempt}): {}, {} packets: {}",
                    self.file.display(),
                    out.status,
                    pkts.len(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            if pkts.len() > best.len() {
                best = pkts;
            }
            if ok {
                break;
            }
            sleep(0.2);
        }
        best
    }

    /// Poll (decoding the file) until a packet matching `pred` at or after `since` appears.
    pub fn wait_for(
        &self,
        since: f64,
        secs: f64,
        pred: impl Fn(&Packet) -> bool,
    ) -> Option<Packet> {
        let deadline = now() + secs;
        loop {
            if let Some(p) = self.packets().into_iter().find(|p| p.t >= since && pred(p)) {
                return Some(p);
            }
            if now() > deadline {
                return None;
            }
            sleep(0.1);
        }
    }

    /// Stop tcpdump (SIGINT, so it flushes) and reap it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: kill(2) on our own unreaped child.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            let deadline = now() + 3.0;
            while now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                sleep(0.02);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
