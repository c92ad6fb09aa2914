#!/usr/bin/env bash
# Daemon benchmark in network namespaces: our keepalived and keepalived 2.2.7, same run, same lab.
#
#   sudo crates/keepalived/bench/netns-bench.sh
#
# For each implementation (both nodes run the same one) it prints:
#   - failover: A's last advert (capture on the bridge) -> VIP on B, after cutting A's link
#     (RFC 3768 master_down_interval for B = 3 + 166/256 = 3.648 s);
#   - graceful handover: A's priority-0 advert (SIGTERM on A) -> VIP on B (skew 166/256 = 0.648 s);
#   - idle RSS and PSS (kB, summed over the daemon's process group) and process count, one instance;
#   - CPU seconds (sum of /proc/PID/task/*/schedstat over the process group) of INSTANCES
#     instances over CPU_WINDOW seconds, node A as MASTER of all, node B as BACKUP of all;
#   - scale (issue 9): SCALE_IFACES (4) interfaces per node, each its own bridge, × SCALE_VRIDS
#     (250) VRIDs = 1,000 instances, A MASTER (priority 100) of all, B BACKUP (90) of all:
#     start -> all VIPs on A, VIP counts on A and B, CPU (utime+stime of every process of the
#     daemon) over SCALE_WINDOW (20 s) on A and B, RSS and PSS on A and B, then all of A's bridge
#     ports cut at once and, per instance, A's last advert -> VIP on B minus master_down
#     (3 + 166/256 s), as min / median / max. Printed as its own markdown table with the ratios
#     ours / keepalived and issue 9's targets.
#
# Environment: OURS (default target/release/keepalived, built if missing), KEEPALIVED (default
# /usr/sbin/keepalived), INSTANCES (200), CPU_WINDOW (30 s), RUNS (latency repetitions, 1),
# PARTS (which parts to run, default "latency cpu scale"; e.g. PARTS=scale for issue 9 alone;
# "floor" adds the protocol's floor: bench/floor.c's C sender and reader in the scale lab;
# "same" measures the floor's reader, ours and keepalived as BACKUP of floor.c's sender),
# SCALE_IFACES (4), SCALE_VRIDS (250, at most 255), SCALE_WINDOW (20 s).
# Daemon logs and the scale part's raw data (ip monitor files, per-instance times) are left in
# /tmp/netns-bench-*.
# Needs root, iproute2, tcpdump, tshark. Everything lives in namespaces named krbench<pid>-*.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
ours="${OURS:-$root/target/release/keepalived}"
real="${KEEPALIVED:-/usr/sbin/keepalived}"
instances="${INSTANCES:-200}"
window="${CPU_WINDOW:-30}"
runs="${RUNS:-1}"
parts=" ${PARTS:-latency cpu scale} "
s_ifaces="${SCALE_IFACES:-4}"
s_vrids="${SCALE_VRIDS:-250}"
s_window="${SCALE_WINDOW:-20}"
vip=192.168.1.210
seed="$root/examples/seed"

[[ $(id -u) -eq 0 ]] || { echo "netns-bench.sh: run as root" >&2; exit 1; }
for t in ip tcpdump tshark pgrep flock; do
    command -v "$t" >/dev/null || { echo "netns-bench.sh: $t is required" >&2; exit 1; }
done
[[ -x $real ]] || { echo "netns-bench.sh: $real not found (apt-get install keepalived)" >&2; exit 1; }
if [[ ! -x $ours ]]; then
    echo "building $ours (cargo build --release -p keepalived)" >&2
    cargo build --release -p keepalived --manifest-path "$root/Cargo.toml" --target-dir "$root/target" >&2
fi

# Same lock as the netns integration tests: timing runs must not overlap.
exec 9>"${TMPDIR:-/tmp}/keepalived-rs-netns-lab.lock"
flock 9

work="$(mktemp -d /tmp/keepalived-bench.XXXXXX)"
# shellcheck source=examples/seed/lab.sh
source "$root/examples/seed/lab.sh"

p="krbench$$"
lan="$p-lan" nsa="$p-a" nsb="$p-b"
pids=()   # every process we started (daemons lead their own process group)

cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "$nsa" "$nsb" "$lan"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up() { seed_lab_up "$lan" "$nsa" "$nsb"; }

lab_down() {
    stop_all
    local ns
    for ns in "$nsa" "$nsb" "$lan"; do ip netns del "$ns" 2>/dev/null || true; done
}

vip_count() { ip -n "$1" -4 -o addr show dev enp11s0f0 | grep -c " inet 10\.10\." || true; }

# Time of the last `ip -ts monitor` add event of the VIP in file $1, as Unix seconds.
last_vip_add() {
    local stamp
    stamp=$(grep -v Deleted "$1" | grep " inet $vip/" | tail -1 | sed 's/^\[\([^]]*\)\].*/\1/')
    [[ -n $stamp ]] && date -u -d "${stamp/T/ }" +%s.%N
}

# Capture times of adverts from A matching a tshark display filter.
advert_times() { tshark -r "$work/cap.pcap" -Y "vrrp && ip.src==192.168.1.198 && $1" \
    -T fields -e frame.time_epoch 2>/dev/null; }

fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a - b }'; }

declare -A R   # results: R[impl,metric]

bench_latency() { # impl-name bin run
    local name=$1 bin=$2 run=$3 pid_a pid_b t_add t_last t_p0
    log "$name: latency run $run"
    lab_up
    : >"$work/b.mon"
    start_bg ip netns exec "$lan" tcpdump --immediate-mode -U -n -i br0 -w "$work/cap.pcap" 'ip proto 112 or arp' 2>"$work/tcpdump.log"
    wait_until 10 grep -q "listening on" "$work/tcpdump.log"
    start_bg env TZ=UTC ip -n "$nsb" -ts monitor address >"$work/b.mon"
    sleep 0.2
    start_daemon "$bin" a "$seed/nodeA.conf"
    pid_a=$started
    start_daemon "$bin" b "$seed/nodeB.conf"
    pid_b=$started
    wait_until 10 has_vip "$nsa" || { log "$name: VIP never came up on A"; lab_down; return 1; }
    sleep 5
    if [[ $run == 1 ]]; then
        read -r R[$name,rss_a] R[$name,pss_a] R[$name,nproc_a] <<<"$(mem_kb "$pid_a")"
        read -r R[$name,rss_b] R[$name,pss_b] R[$name,nproc_b] <<<"$(mem_kb "$pid_b")"
    fi
    # Failover: cut A's link on the bridge side.
    ip -n "$lan" link set vetha down
    wait_until 6 has_vip "$nsb" || { log "$name: no failover"; lab_down; return 1; }
    sleep 0.1
    t_add=$(last_vip_add "$work/b.mon")
    t_last=$(advert_times "vrrp.prio > 0" | tail -1)
    R[$name,failover]+="$(fsub "$t_add" "$t_last") "
    # Restore, let A take the VIP back, then stop A gracefully.
    ip -n "$lan" link set vetha up
    wait_until 10 no_vip "$nsb" || { log "$name: A did not take the VIP back"; lab_down; return 1; }
    sleep 1.5
    kill -TERM "$pid_a"
    wait_until 4 has_vip "$nsb" || { log "$name: no graceful handover"; lab_down; return 1; }
    sleep 0.1
    t_add=$(last_vip_add "$work/b.mon")
    t_p0=$(advert_times "vrrp.prio == 0" | tail -1)
    R[$name,graceful]+="$(fsub "$t_add" "$t_p0") "
    lab_down
    rm -f "$work/cap.pcap"
}

gen_conf() { # state prio -> config with $instances instances on enp11s0f0
    local i
    # One keyword per line: keepalived 1.3.5 ignores text after '{' on the same line.
    printf 'global_defs {\n    router_id bench\n}\n'
    for ((i = 1; i <= instances; i++)); do
        cat <<EOF
vrrp_instance VI_$i {
    state $1
    interface enp11s0f0
    virtual_router_id $i
    priority $2
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        10.10.$((i / 250)).$((i % 250 + 1))/32
    }
}
EOF
    done
}

bench_cpu() { # impl-name bin
    local name=$1 bin=$2 pid_a pid_b a0 b0 a1 b1
    log "$name: $instances instances, CPU over ${window}s"
    gen_conf MASTER 100 >"$work/many-a.conf"
    gen_conf BACKUP 90 >"$work/many-b.conf"
    lab_up
    start_daemon "$bin" a "$work/many-a.conf"
    pid_a=$started
    start_daemon "$bin" b "$work/many-b.conf"
    pid_b=$started
    local i
    for ((i = 0; i < 300; i++)); do
        [[ $(vip_count "$nsa") -ge $instances ]] && break
        sleep 0.1
    done
    R[$name,cpu_vips_a]=$(vip_count "$nsa")
    R[$name,cpu_vips_b]=$(vip_count "$nsb")
    sleep 6 # past the second GARP burst
    a0=$(cpu_ns "$pid_a") b0=$(cpu_ns "$pid_b")
    sleep "$window"
    a1=$(cpu_ns "$pid_a") b1=$(cpu_ns "$pid_b")
    R[$name,cpu_a]=$(awk -v a="$a0" -v b="$a1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    R[$name,cpu_b]=$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
    read -r R[$name,many_rss_a] R[$name,many_pss_a] _ <<<"$(mem_kb "$pid_a")"
    lab_down
}

# ---- scale (issue 9): SCALE_IFACES interfaces × SCALE_VRIDS VRIDs per node ----
s_total=$((s_ifaces * s_vrids))
# B's master_down_interval, RFC 3768: 3 × advert_int + skew_time, priority 90.
master_down=$(awk 'BEGIN { printf "%.7f", 3 + (256 - 90) / 256 }')

# Interface k of a node is enp11s0f<k>, the peer of bridge port veth<node><k> (k = 0: the seed
# lab's veth<node>) on its own bridge br<k>: the same VRIDs repeat on every interface, so each
# interface needs its own broadcast domain. Node addresses 192.168.<k+1>.198 (A) / .199 (B).
scale_lab_up() {
    local k n node port
    seed_lab_up "$lan" "$nsa" "$nsb"
    for ((k = 1; k < s_ifaces; k++)); do
        ip -n "$lan" link add "br$k" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
        for n in a b; do
            if [[ $n == a ]]; then node=$nsa; else node=$nsb; fi
            ip -n "$lan" link add "veth$n$k" type veth peer name "enp11s0f$k" netns "$node"
            ip -n "$lan" link set "veth$n$k" master "br$k" up
            ip -n "$node" addr add "192.168.$((k + 1)).$([[ $n == a ]] && echo 198 || echo 199)/24" dev "enp11s0f$k"
            ip -n "$node" link set "enp11s0f$k" up
        done
        ip -n "$lan" link set "br$k" up
    done
}
port_a() { if (($1 == 0)); then echo vetha; else echo "vetha$1"; fi; }

# VIP of interface k, VRID v: 10.10.k.v/32 on enp11s0f<k>.
gen_scale_conf() { # state prio
    local k v
    # One keyword per line: keepalived 1.3.5 ignores text after '{' on the same line.
    printf 'global_defs {\n    router_id bench\n}\n'
    for ((k = 0; k < s_ifaces; k++)); do
        for ((v = 1; v <= s_vrids; v++)); do
            cat <<CONF
vrrp_instance VI_${k}_$v {
    state $1
    interface enp11s0f$k
    virtual_router_id $v
    priority $2
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        10.10.$k.$v/32
    }
}
CONF
        done
    done
}

vip_count_all() { ip -n "$1" -4 -o addr show 2>/dev/null | grep -c " inet 10\.10\." || true; }
cpu_ticks() { # utime+stime (clock ticks) summed over every process of the process group
    local sum=0 pid st
    local -a f
    for pid in $(pgrp_pids "$1"); do
        st=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
        st=${st##*) } # fields after "(comm) "; utime and stime are fields 14 and 15
        read -r -a f <<<"$st"
        sum=$((sum + f[11] + f[12]))
    done
    echo "$sum"
}
clk_tck=$(getconf CLK_TCK)

# `ip -ts monitor address` VIP events: "epoch k v" per line for VIP 10.10.k.v, only events in
# [since, until) (Unix times; TZ=UTC stamps, converted without gawk's mktime); adds by default,
# deletions with a fourth argument "del".
vip_adds() { # monitor-file since [until [del]]
    awk -v since="$2" -v until="${3:-1e12}" -v del="${4:-}" '
    function epoch(s,   y, m, d, mp, era, yoe, doe) {
        y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
        if (m <= 2) y--
        era = int(y / 400); yoe = y - era * 400; mp = (m + 9) % 12
        doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + int((153 * mp + 2) / 5) + d - 1
        return (era * 146097 + doe - 719468) * 86400 + substr(s, 12, 2) * 3600 \
            + substr(s, 15, 2) * 60 + substr(s, 18)
    }
    (del == "") == /Deleted/ { next }
    match($0, / inet 10\.10\.[0-9]+\.[0-9]+\//) {
        split(substr($0, RSTART + 6, RLENGTH - 7), o, ".")
        t = epoch(substr($0, 2, index($0, "]") - 2))
        if (t >= since && t < until) printf "%.6f %d %d\n", t, o[3], o[4]
    }' "$1"
}

bench_scale() { # impl-name bin
    local name=$1 bin=$2 pid_a pid_b t0 t_steady t_cut a0 b0 a1 b1 sa0 sb0 sa1 sb1 k i port
    local tag="$name,s"
    log "$name: scale, $s_ifaces interfaces × $s_vrids VRIDs = $s_total instances"
    gen_scale_conf MASTER 100 >"$work/scale-a.conf"
    gen_scale_conf BACKUP 90 >"$work/scale-b.conf"
    scale_lab_up
    start_bg env TZ=UTC ip -n "$nsa" -ts monitor address >"$work/a.mon" 2>"$work/a.mon.err"
    start_bg env TZ=UTC ip -n "$nsb" -ts monitor address >"$work/b.mon" 2>"$work/b.mon.err"
    sleep 0.3
    t0=$(date +%s.%N)
    start_daemon "$bin" a "$work/scale-a.conf"
    pid_a=$started
    start_daemon "$bin" b "$work/scale-b.conf"
    pid_b=$started
    for ((i = 0; i < 600; i++)); do
        [[ $(vip_count_all "$nsa") -ge $s_total ]] && break
        sleep 0.1
    done
    sleep 0.3
    # Start-up: daemon start -> the add event that completes the set of VIPs on A.
    R[$tag,startup]=$(vip_adds "$work/a.mon" "$t0" | awk -v t0="$t0" -v n="$s_total" '
        !seen[$2 " " $3]++ && ++c == n { printf "%.3f", $1 - t0; exit }')
    sleep 6 # past the second GARP burst (garp_master_delay 5 s)
    R[$tag,vips_a]=$(vip_count_all "$nsa")
    R[$tag,vips_b]=$(vip_count_all "$nsb")
    t_steady=$(date +%s.%N)
    R[$tag,b_adds_start]=$(vip_adds "$work/b.mon" 0 "$t_steady" | wc -l)
    a0=$(cpu_ticks "$pid_a") b0=$(cpu_ticks "$pid_b") sa0=$(cpu_ns "$pid_a") sb0=$(cpu_ns "$pid_b")
    sleep "$s_window"
    a1=$(cpu_ticks "$pid_a") b1=$(cpu_ticks "$pid_b") sa1=$(cpu_ns "$pid_a") sb1=$(cpu_ns "$pid_b")
    R[$tag,cpu_a]=$(awk -v d=$((a1 - a0)) -v h="$clk_tck" 'BEGIN { printf "%.2f", d / h }')
    R[$tag,cpu_b]=$(awk -v d=$((b1 - b0)) -v h="$clk_tck" 'BEGIN { printf "%.2f", d / h }')
    R[$tag,sched_a]=$(secs_from_ns $((sa1 - sa0)))
    R[$tag,sched_b]=$(secs_from_ns $((sb1 - sb0)))
    read -r R[$tag,rss_a] R[$tag,pss_a] R[$tag,nproc_a] <<<"$(mem_kb "$pid_a")"
    read -r R[$tag,rss_b] R[$tag,pss_b] R[$tag,nproc_b] <<<"$(mem_kb "$pid_b")"
    # Failover: capture every bridge, then take all of A's bridge ports down in one `ip -batch`.
    for ((k = 0; k < s_ifaces; k++)); do
        # 32 MB buffer, short snap: a loaded 2-core machine must not lose the last adverts.
        start_bg ip netns exec "$lan" tcpdump --immediate-mode -U -n -B 32768 -s 96 -i "br$k" \
            -w "$work/scale$k.pcap" 'ip proto 112' 2>"$work/tcpdump$k.log"
    done
    for ((k = 0; k < s_ifaces; k++)); do wait_until 10 grep -q "listening on" "$work/tcpdump$k.log"; done
    sleep 2.5 # every VRID has adverts in the capture
    for ((k = 0; k < s_ifaces; k++)); do echo "link set $(port_a $k) down"; done >"$work/cut.batch"
    t_cut=$(date +%s.%N)
    ip -n "$lan" -batch "$work/cut.batch"
    # Steady state (from 6 s after all-MASTER to the cut): A must keep and B must not take any VIP.
    R[$tag,b_adds_steady]=$(vip_adds "$work/b.mon" "$t_steady" "$t_cut" | wc -l)
    R[$tag,a_dels_steady]=$(vip_adds "$work/a.mon" "$t_steady" "$t_cut" del | wc -l)
    for ((i = 0; i < 200; i++)); do
        [[ $(vip_count_all "$nsb") -ge $s_total ]] && break
        sleep 0.1
    done
    sleep 0.5
    R[$tag,fo_vips_b]=$(vip_count_all "$nsb")
    R[$tag,fo_vips_a]=$(vip_count_all "$nsa")
    lab_down # also stops the captures (tcpdump flushes on SIGTERM)
    R[$tag,cap_drops]=$(cat "$work"/tcpdump*.log | awk '/dropped by kernel/ { n += $1 } END { print n + 0 }')
    if grep -q . "$work/a.mon.err" "$work/b.mon.err"; then
        log "$name: ip monitor reported errors (events may be missing): $(sort -u "$work"/?.mon.err | head -3)"
    fi
    # Keep the raw data of the last run for a look afterwards.
    cp "$work/a.mon" "/tmp/netns-bench-$name-scale-a.mon"
    cp "$work/b.mon" "/tmp/netns-bench-$name-scale-b.mon"
    # Per instance: A's last advert (priority > 0) on its bridge -> the VIP's add on B.
    for ((k = 0; k < s_ifaces; k++)); do
        tshark -r "$work/scale$k.pcap" -Y "vrrp && ip.src==192.168.$((k + 1)).198 && vrrp.prio > 0" \
            -T fields -e frame.time_epoch -e vrrp.virt_rtr_id 2>/dev/null | awk -v k="$k" '{ print "A", k, $2, $1 }'
    done >"$work/scale-fo.txt"
    vip_adds "$work/b.mon" "$t_cut" | awk '{ print "B", $2, $3, $1 }' >>"$work/scale-fo.txt"
    cp "$work/scale-fo.txt" "/tmp/netns-bench-$name-scale-fo.txt"
    # min / median / max of (VIP on B - A's last advert - master_down) in ms, how many within
    # ±20 ms, how many instances have both times, cut -> last VIP on B, and how many instances'
    # last captured advert is more than 1.1 advert_int before the cut (a capture gap or A late).
    read -r R[$tag,fo_min] R[$tag,fo_med] R[$tag,fo_max] R[$tag,fo_in20] R[$tag,fo_n] R[$tag,fo_all] R[$tag,fo_stale] <<<"$(
        awk -v md="$master_down" -v t_cut="$t_cut" '
        $1 == "A" { key = $2 " " $3; if (!(key in last) || $4 > last[key]) last[key] = $4 }
        $1 == "B" { key = $2 " " $3; if (!(key in vip)) vip[key] = $4; if ($4 > lastvip) lastvip = $4 }
        END {
            n = 0
            for (key in vip) if (key in last) d[++n] = (vip[key] - last[key] - md) * 1000
            for (i = 2; i <= n; i++) { v = d[i]; for (j = i - 1; j >= 1 && d[j] > v; j--) d[j + 1] = d[j]; d[j + 1] = v }
            in20 = 0
            for (i = 1; i <= n; i++) if (d[i] >= -20 && d[i] <= 20) in20++
            stale = 0
            for (key in last) if (last[key] < t_cut - 1.1) stale++
            if (n == 0) { print "n/a n/a n/a 0 0 n/a " stale; exit }
            printf "%.1f %.1f %.1f %d %d %.3f %d\n", d[1], d[int((n + 1) / 2)], d[n], in20, n, lastvip - t_cut, stale
        }' "$work/scale-fo.txt")"
    rm -f "$work"/scale*.pcap
}

build_floor() { [[ -x $work/floor ]] || cc -O2 -Wall -o "$work/floor" "$here/floor.c"; }
secs_from_ns() { awk -v d="$1" 'BEGIN { printf "%.3f", d / 1e9 }'; } # ns -> "s.mmm"

# The protocol's floor (bench/floor.c): a C MASTER that only sends the adverts and a C BACKUP that
# only reads them, in the scale lab, CPU over the same window. What the kernel charges for this
# traffic (raw sends, bridge forwarding and delivery run in the sender's system time) is paid by
# every implementation; floor / keepalived's CPU is the best ratio any daemon could reach.
bench_floor() { # slots
    local slots=$1 tag="floor,$1" pid_a pid_b a0 b0 a1 b1
    build_floor
    log "floor: $s_total adverts/s in $slots slot(s)"
    scale_lab_up
    start_bg ip netns exec "$nsb" "$work/floor" recv "$s_ifaces" 2>"$work/floor-b.log"
    pid_b=${pids[-1]}
    start_bg ip netns exec "$nsa" "$work/floor" send "$s_ifaces" "$s_vrids" "$slots" 2>/dev/null
    pid_a=${pids[-1]}
    sleep 3
    a0=$(cpu_ns "$pid_a") b0=$(cpu_ns "$pid_b")
    sleep "$s_window"
    a1=$(cpu_ns "$pid_a") b1=$(cpu_ns "$pid_b")
    R[$tag,sched_a]=$(secs_from_ns $((a1 - a0)))
    R[$tag,sched_b]=$(secs_from_ns $((b1 - b0)))
    lab_down
    # Adverts the reader checked over its whole run (about (window + 3) × adverts per second).
    R[$tag,read_b]=$(awk '{ print $3 }' "$work/floor-b.log")
}

# BACKUP cost on identical input: bench/floor.c's sender as the MASTER of all $s_total
# instances on A (the same packets for everyone), and on B in turn the floor's reader, our
# daemon and keepalived 2.2.7 as BACKUP of all. Separates what a BACKUP costs from how its own
# kind of MASTER paces its adverts (ours: 10 slots a second; keepalived: one burst).
bench_backup_same_input() { # slots
    local slots=$1 who pid_b b0 b1
    build_floor
    gen_scale_conf BACKUP 90 >"$work/scale-b.conf"
    for who in floor ours keepalived-2.2.7; do
        log "same input, $slots slot(s): $who as BACKUP"
        scale_lab_up
        start_bg ip netns exec "$nsa" "$work/floor" send "$s_ifaces" "$s_vrids" "$slots" 2>/dev/null
        case $who in
            floor)
                start_bg ip netns exec "$nsb" "$work/floor" recv "$s_ifaces" 2>/dev/null
                pid_b=${pids[-1]}
                ;;
            ours) start_daemon "$ours" b "$work/scale-b.conf" && pid_b=$started ;;
            *) start_daemon "$real" b "$work/scale-b.conf" && pid_b=$started ;;
        esac
        sleep 8
        b0=$(cpu_ns "$pid_b")
        sleep "$s_window"
        b1=$(cpu_ns "$pid_b")
        R[same,$slots,$who]=$(secs_from_ns $((b1 - b0)))
        # A BACKUP that took over would not be measuring what we mean to.
        R[same,$slots,$who,vips]=$(vip_count_all "$nsb")
        lab_down
        rm -f "$work"/*.log
    done
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
scale_row() { # label key [target-ratio]: ours, keepalived, ratio ours/keepalived, target, met
    local o=${R[ours,s,$2]:-n/a} k=${R[keepalived-2.2.7,s,$2]:-n/a} r met=""
    r=$(ratio "${o/n\/a/}" "${k/n\/a/}")
    if [[ -n ${3:-} && $r != n/a ]]; then
        met=$(awk -v r="$r" -v t="$3" 'BEGIN { print (r <= t) ? "met" : "**not met**" }')
    fi
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$o" "$k" "$r" "${3:+≤ $3${met:+ $met}}"
}
scale_row_plain() { # label key expected
    printf '| %s | %s | %s | | %s |\n' "$1" "${R[ours,s,$2]:-n/a}" "${R[keepalived-2.2.7,s,$2]:-n/a}" "$3"
}

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

has_part() { [[ $parts == *" $1 "* ]]; }

names=(ours keepalived-2.2.7)
bins=("$ours" "$real")
for k in 0 1; do
    if has_part latency; then
        for ((r = 1; r <= runs; r++)); do
            bench_latency "${names[k]}" "${bins[k]}" "$r" || true
        done
    fi
    if has_part cpu; then bench_cpu "${names[k]}" "${bins[k]}" || true; fi
    # Keep each daemon's log for a look after the run.
    cp "$work/a.log" "/tmp/netns-bench-${names[k]}-a.log" 2>/dev/null || true
    rm -f "$work"/*.log
    if has_part scale; then
        bench_scale "${names[k]}" "${bins[k]}" || true
        cp "$work/a.log" "/tmp/netns-bench-${names[k]}-scale-a.log" 2>/dev/null || true
        cp "$work/b.log" "/tmp/netns-bench-${names[k]}-scale-b.log" 2>/dev/null || true
        rm -f "$work"/*.log
    fi
done

if has_part floor; then
    bench_floor 1 || true
    bench_floor 10 || true
fi
if has_part same; then
    bench_backup_same_input 1 || true
    bench_backup_same_input 10 || true
fi

row() { # label key [unit-suffix]
    printf '| %s | %s | %s |\n' "$1" "${R[ours,$2]:-n/a}" "${R[keepalived-2.2.7,$2]:-n/a}"
}
rowm() { # label key: median of the runs (all runs in brackets when more than one)
    local o k
    o=$(median <<<"${R[ours,$2]:-}") k=$(median <<<"${R[keepalived-2.2.7,$2]:-}")
    if ((runs > 1)); then
        o="$o (${R[ours,$2]% })" k="$k (${R[keepalived-2.2.7,$2]% })"
    fi
    printf '| %s | %s | %s |\n' "$1" "$o" "$k"
}
echo
echo "netns-bench: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); ours: $ours; keepalived: $($real -v 2>&1 | head -1)"
if has_part latency || has_part cpu; then
    echo
    echo "| metric | ours | keepalived 2.2.7 |"
    echo "|---|---|---|"
fi
if has_part latency; then
    rowm "failover: A's last advert -> VIP on B, s (expected 3.648)" failover
    rowm "graceful: A's priority-0 advert -> VIP on B, s (expected 0.648)" graceful
    row "idle, 1 instance, node A (MASTER): RSS kB" rss_a
    row "idle, 1 instance, node A (MASTER): PSS kB" pss_a
    row "idle, 1 instance, node A: processes" nproc_a
    row "idle, 1 instance, node B (BACKUP): RSS kB" rss_b
    row "idle, 1 instance, node B (BACKUP): PSS kB" pss_b
fi
if has_part cpu; then
    row "$instances instances: VIPs on A (expected $instances)" cpu_vips_a
    row "$instances instances: VIPs on B (expected 0)" cpu_vips_b
    row "$instances instances: CPU s over ${window} s, node A (MASTER)" cpu_a
    row "$instances instances: CPU s over ${window} s, node B (BACKUP)" cpu_b
    row "$instances instances: RSS kB, node A" many_rss_a
    row "$instances instances: PSS kB, node A" many_pss_a
fi
if has_part scale; then
    fo() { # impl: "min / median / max" deviation
        local n=$1
        echo "${R[$n,s,fo_min]:-n/a} / ${R[$n,s,fo_med]:-n/a} / ${R[$n,s,fo_max]:-n/a}"
    }
    echo
    echo "$s_total instances ($s_ifaces interfaces × $s_vrids VRIDs, advert_int 1; A MASTER prio 100, B BACKUP prio 90):"
    echo
    echo "| metric | ours | keepalived 2.2.7 | ours / keepalived | target |"
    echo "|---|---|---|---|---|"
    scale_row "daemon start -> all $s_total VIPs on A, s" startup
    scale_row_plain "VIPs on A after start" vips_a "$s_total"
    scale_row_plain "VIPs on B after start" vips_b 0
    scale_row_plain "VIP add events on B, start to 6 s after all-MASTER" b_adds_start 0
    scale_row_plain "VIP add events on B, steady state (6 s after all-MASTER to the cut)" b_adds_steady 0
    scale_row_plain "VIP delete events on A, steady state" a_dels_steady 0
    scale_row "CPU s (utime+stime) over $s_window s, node A (MASTER)" cpu_a 0.25
    scale_row "CPU s (utime+stime) over $s_window s, node B (BACKUP)" cpu_b 0.5
    scale_row "CPU s (schedstat) over $s_window s, node A (MASTER)" sched_a 0.25
    scale_row "CPU s (schedstat) over $s_window s, node B (BACKUP)" sched_b 0.5
    scale_row "RSS kB, node A (MASTER)" rss_a 0.33
    scale_row "RSS kB, node B (BACKUP)" rss_b 0.33
    scale_row "PSS kB, node A (MASTER)" pss_a
    scale_row "PSS kB, node B (BACKUP)" pss_b
    scale_row_plain "processes, node A" nproc_a ""
    scale_row_plain "A's links cut: VIPs on B (MASTER)" fo_vips_b "$s_total"
    scale_row_plain "A's links cut: VIPs left on A" fo_vips_a 0
    scale_row_plain "A's links cut: instances measured (VIP added on B after the cut)" fo_n "$s_total"
    printf '| %s | %s | %s | | %s |\n' "A's last advert -> VIP on B minus master_down ($master_down s), ms: min / median / max" \
        "$(fo ours)" "$(fo keepalived-2.2.7)" "within ±20"
    scale_row_plain "instances within master_down ± 20 ms" fo_in20 "$s_total"
    scale_row_plain "A's links cut -> last VIP on B, s" fo_all ""
    scale_row_plain "capture: packets dropped by kernel ($s_ifaces bridges)" cap_drops 0
    scale_row_plain "instances whose last captured advert of A is > 1.1 s before the cut" fo_stale 0
fi
if has_part floor; then
    echo
    echo "The protocol's floor (bench/floor.c: raw sends and reads only, no daemon), $s_total adverts/s, CPU s (schedstat) over $s_window s:"
    echo
    echo "| traffic | node A (MASTER) | node B (BACKUP) | adverts B read (whole run) |"
    echo "|---|---|---|---|"
    for slots in 1 10; do
        printf '| floor, adverts in %s slot(s) a second | %s | %s | %s |\n' "$slots" \
            "${R[floor,$slots,sched_a]:-n/a}" "${R[floor,$slots,sched_b]:-n/a}" "${R[floor,$slots,read_b]:-n/a}"
    done
    if has_part scale; then
        printf '| keepalived 2.2.7 in this run × issue 9 target (¼ A, ½ B) | %s | %s | |\n' \
            "$(awk -v k="${R[keepalived-2.2.7,s,sched_a]:-0}" 'BEGIN { printf "%.3f", k / 4 }')" \
            "$(awk -v k="${R[keepalived-2.2.7,s,sched_b]:-0}" 'BEGIN { printf "%.3f", k / 2 }')"
    fi
fi
if has_part same; then
    echo
    echo "BACKUP of $s_total instances on identical input (bench/floor.c's sender as the MASTER), CPU s (schedstat) over $s_window s:"
    echo
    echo "| adverts a second | floor (reads only) | ours | keepalived 2.2.7 | ours / keepalived | floor / keepalived | VIPs on B (ours, keepalived) |"
    echo "|---|---|---|---|---|---|---|"
    for slots in 1 10; do
        printf '| %s in %s slot(s) | %s | %s | %s | %s | %s | %s, %s |\n' "$s_total" "$slots" \
            "${R[same,$slots,floor]:-n/a}" "${R[same,$slots,ours]:-n/a}" "${R[same,$slots,keepalived-2.2.7]:-n/a}" \
            "$(ratio "${R[same,$slots,ours]:-}" "${R[same,$slots,keepalived-2.2.7]:-}")" \
            "$(ratio "${R[same,$slots,floor]:-}" "${R[same,$slots,keepalived-2.2.7]:-}")" \
            "${R[same,$slots,ours,vips]:-n/a}" "${R[same,$slots,keepalived-2.2.7,vips]:-n/a}"
    done
fi
