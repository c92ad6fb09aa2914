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
#     instances over CPU_WINDOW seconds, node A as MASTER of all, node B as BACKUP of all.
#
# Environment: OURS (default target/release/keepalived, built if missing), KEEPALIVED (default
# /usr/sbin/keepalived), INSTANCES (200), CPU_WINDOW (30 s), RUNS (latency repetitions, 1).
# Needs root, iproute2, tcpdump, tshark. Everything lives in namespaces named krbench<pid>-*.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
ours="${OURS:-$root/target/release/keepalived}"
real="${KEEPALIVED:-/usr/sbin/keepalived}"
instances="${INSTANCES:-200}"
window="${CPU_WINDOW:-30}"
runs="${RUNS:-1}"
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

log() { echo "# $*" >&2; }

lab_up() { seed_lab_up "$lan" "$nsa" "$nsb"; }

stop_all() { # SIGTERM every started process, then SIGKILL stragglers' groups
    local pid i
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 60; i++)); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}

lab_down() {
    stop_all
    local ns
    for ns in "$nsa" "$nsb" "$lan"; do ip netns del "$ns" 2>/dev/null || true; done
}

start_daemon() { # bin node conf -> sets $started
    setsid ip netns exec "$p-$2" "$1" -n -l -D -G -P -f "$3" \
        -p "$work/$2.pid" -r "$work/$2-vrrp.pid" -c "$work/$2-checkers.pid" \
        >>"$work/$2.log" 2>&1 &
    started=$!
    pids+=("$started")
}

start_bg() { # command... (in its own process group, tracked for cleanup)
    setsid "$@" &
    pids+=("$!")
}

vip_count() { ip -n "$1" -4 -o addr show dev enp11s0f0 | grep -c " inet 10\.10\." || true; }
has_vip() { ip -n "$1" -4 -o addr show dev enp11s0f0 | grep -q " $vip/"; }
wait_until() { # seconds command...
    local n=$(($1 * 20)) i
    shift
    for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
    return 1
}
no_vip() { ! has_vip "$1"; }

# Time of the last `ip -ts monitor` add event of the VIP in file $1, as Unix seconds.
last_vip_add() {
    local stamp
    stamp=$(grep -v Deleted "$1" | grep " inet $vip/" | tail -1 | sed 's/^\[\([^]]*\)\].*/\1/')
    [[ -n $stamp ]] && date -u -d "${stamp/T/ }" +%s.%N
}

# Capture times of adverts from A matching a tshark display filter.
advert_times() { tshark -r "$work/cap.pcap" -Y "vrrp && ip.src==192.168.1.198 && $1" \
    -T fields -e frame.time_epoch 2>/dev/null; }

pgrp_pids() { pgrep -g "$1" || true; }
cpu_ns() { # sum of on-CPU ns of every thread of the process group
    local sum=0 pid f v
    for pid in $(pgrp_pids "$1"); do
        for f in /proc/"$pid"/task/*/schedstat; do
            read -r v _ <"$f" 2>/dev/null || continue
            sum=$((sum + v))
        done
    done
    echo "$sum"
}
mem_kb() { # "RSS PSS NPROC" summed over the process group
    local rss=0 pss=0 n=0 pid r s
    for pid in $(pgrp_pids "$1"); do
        r=$(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
        s=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
        rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0})) n=$((n + 1))
    done
    echo "$rss $pss $n"
}
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

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

names=(ours keepalived-2.2.7)
bins=("$ours" "$real")
for k in 0 1; do
    for ((r = 1; r <= runs; r++)); do
        bench_latency "${names[k]}" "${bins[k]}" "$r" || true
    done
    bench_cpu "${names[k]}" "${bins[k]}" || true
    # Keep each daemon's log for a look after the run.
    cp "$work/a.log" "/tmp/netns-bench-${names[k]}-a.log" 2>/dev/null || true
    rm -f "$work"/*.log
done

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
echo "netns-bench: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPUs; ours: $ours; keepalived: $($real -v 2>&1 | head -1)"
echo
echo "| metric | ours | keepalived 2.2.7 |"
echo "|---|---|---|"
rowm "failover: A's last advert -> VIP on B, s (expected 3.648)" failover
rowm "graceful: A's priority-0 advert -> VIP on B, s (expected 0.648)" graceful
row "idle, 1 instance, node A (MASTER): RSS kB" rss_a
row "idle, 1 instance, node A (MASTER): PSS kB" pss_a
row "idle, 1 instance, node A: processes" nproc_a
row "idle, 1 instance, node B (BACKUP): RSS kB" rss_b
row "idle, 1 instance, node B (BACKUP): PSS kB" pss_b
row "$instances instances: VIPs on A (expected $instances)" cpu_vips_a
row "$instances instances: VIPs on B (expected 0)" cpu_vips_b
row "$instances instances: CPU s over ${window} s, node A (MASTER)" cpu_a
row "$instances instances: CPU s over ${window} s, node B (BACKUP)" cpu_b
row "$instances instances: RSS kB, node A" many_rss_a
row "$instances instances: PSS kB, node A" many_pss_a
