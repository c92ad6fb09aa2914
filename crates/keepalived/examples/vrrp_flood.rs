//! Hostile-traffic generator for `crates/keepalived/bench/flood-bench.sh`: floods VRID 51 of
//! the seed lab with bad VRRPv2 adverts, all claiming priority 254, in turn:
//! wrong password, bad VRRP checksum, truncated (4 bytes of VRRP), wrong address count (2).
//!
//! ```sh
//! ip netns exec NS cargo run --release --example vrrp_flood -- IFNAME [RATE/s] [SECONDS] [SRC]
//! ```
//!
//! Frames go out of IFNAME through an AF_PACKET socket to 224.0.0.18 (01:00:5e:00:00:12), so
//! no route is needed; rate-controlled (default 100000/s for 10 s, source 192.168.1.250).
//! Prints what it sent. Run it only in a namespace attached to a lab bridge.

use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use vrrp_engine::wire::checksum::internet_checksum;
use vrrp_engine::wire::ipv4::{Ipv4Header, PROTO_VRRP};
use vrrp_engine::wire::vrrp::{VrrpRepr, MCAST_GROUP_V4};
use vrrp_engine::{Family, Version};

const KINDS: [&str; 4] = [
    "wrong password",
    "bad checksum",
    "truncated",
    "wrong address count",
];

fn advert(src: Ipv4Addr, edit: impl FnOnce(&mut VrrpRepr)) -> Vec<u8> {
    let mut pw = [0u8; 8];
    pw[..4].copy_from_slice(b"1111");
    let mut r = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 254,
        advert_int: Duration::from_secs(1),
        auth_type: 1,
        addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 168, 1, 210))],
        auth_data: pw,
    };
    edit(&mut r);
    let msg = r.emit(Family::V4, IpAddr::V4(src), IpAddr::V4(MCAST_GROUP_V4));
    Ipv4Header::emit_keepalived(src, MCAST_GROUP_V4, PROTO_VRRP, 1, &msg)
}

/// The four bad packets, in [`KINDS`] order (IP headers valid, so the kernel delivers them).
fn packets(src: Ipv4Addr) -> [Vec<u8>; 4] {
    let wrong_pw = advert(src, |r| r.auth_data = *b"evil\0\0\0\0");
    let mut bad_sum = advert(src, |_| {});
    bad_sum[26] ^= 0x5a; // VRRP checksum: IP header (20) + 6
    let mut truncated = advert(src, |_| {});
    truncated.truncate(24);
    truncated[2..4].copy_from_slice(&24u16.to_be_bytes());
    truncated[10..12].copy_from_slice(&[0, 0]);
    let sum = internet_checksum(&[&truncated[..20]]);
    truncated[10..12].copy_from_slice(&sum.to_be_bytes());
    let two = advert(src, |r| {
        r.addresses
            .push(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 211)))
    });
    [wrong_pw, bad_sum, truncated, two]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(ifname) = args.first() else {
        eprintln!("usage: vrrp_flood IFNAME [RATE/s] [SECONDS] [SRC]");
        return ExitCode::from(2);
    };
    let rate: f64 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000.0);
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let src: Ipv4Addr = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(Ipv4Addr::new(192, 168, 1, 250));
    let pkts = packets(src);
    match flood(ifname, rate, Duration::from_secs_f64(secs), &pkts) {
        Ok((sent, errors, took)) => {
            let total: u64 = sent.iter().sum();
            let by: Vec<String> = KINDS
                .iter()
                .zip(sent)
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            println!(
                "vrrp_flood: sent {total} packets in {:.2} s ({:.0}/s): {}; send errors {errors}",
                took.as_secs_f64(),
                total as f64 / took.as_secs_f64(),
                by.join(", ")
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vrrp_flood: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Sends the packets in turn at `rate`/s for `dur`; returns (sent per kind, errors, time).
fn flood(
    ifname: &str,
    rate: f64,
    dur: Duration,
    pkts: &[Vec<u8>; 4],
) -> std::io::Result<([u64; 4], u64, Duration)> {
    let name = std::ffi::CString::new(ifname)?;
    // SAFETY: a NUL-terminated string.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if ifindex == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let proto = (libc::ETH_P_IP as u16).to_be();
    // SAFETY: plain socket(2) call; the fd is closed below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM, i32::from(proto)) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: sockaddr_ll is plain data; all-zero is a valid starting value.
    let mut to: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    to.sll_family = libc::AF_PACKET as u16;
    to.sll_protocol = proto;
    to.sll_ifindex = ifindex as i32;
    to.sll_halen = 6;
    to.sll_addr[..6].copy_from_slice(&[0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]);
    let mut sent = [0u64; 4];
    let mut errors = 0u64;
    let mut n = 0u64;
    let start = Instant::now();
    loop {
        let elapsed = start.elapsed();
        if elapsed >= dur {
            break;
        }
        // Catch up with the schedule, then nap: bursts of ~rate/10000 packets.
        let due = (rate * elapsed.as_secs_f64()) as u64;
        while n < due {
            let k = (n % 4) as usize;
            let p = &pkts[k];
            // SAFETY: valid buffer and address for the lengths given.
            let r = unsafe {
                libc::sendto(
                    fd,
                    p.as_ptr().cast(),
                    p.len(),
                    0,
                    (&to as *const libc::sockaddr_ll).cast(),
                    std::mem::size_of::<libc::sockaddr_ll>() as u32,
                )
            };
            if r < 0 {
                errors += 1;
            } else {
                sent[k] += 1;
            }
            n += 1;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    let took = start.elapsed();
    // SAFETY: our fd, closed once.
    unsafe { libc::close(fd) };
    Ok((sent, errors, took))
}
