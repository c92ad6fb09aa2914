#!/usr/bin/env bash
# Hostile-traffic benchmark in network namespaces (issue 8 §2): the seed pair (node A MASTER
# 100, node B BACKUP 90, VRID 51) while a third host on the LAN floods VRID 51 with bad adverts
# (wrong password, bad checksum, truncated, wrong address count, all priority 254; generator:
# crates/keepalived/examples/vrrp_flood.rs). Ours on both nodes, then keepalived 2.2.7 on both.
#
#   sudo crates/keepalived/bench/flood-bench.sh
#
# Prints per implementation:
#   - VIP moves during the flood and until 3 s after it (ip -ts monitor on both nodes);
#   - A's advert intervals during the flood (capture on the bridge): count, min, max, and the
#     largest deviation from advert_int (1 s);
#   - RSS (kB, process group) of A and B before the flood and the largest seen during it;
#   - CPU seconds of A and B during the flood;
#   - log lines per daemon from the flood's start to 3 s after its end (-l -D output);
#   - SIGUSR2 stats counters of A after the flood;
#   - then a SIGTERM of A: its priority-0 advert -> VIP on B (skew 166/256 = 0.648 s).
#
# Environment: OURS (default target/release/keepalived), FLOOD (target/release/examples/
# vrrp_flood), both built if missing; KEEPALIVED (/usr/sbin/keepalived); RATE (100000/s);
# SECONDS_FLOOD (10). Needs root, iproute2, tcpdump, tshark. Namespaces: krflood<pid>-*.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
ours="${OURS:-$root/target/release/keepalived}"
flood="${FLOOD:-$root/target/release/examples/vrrp_flood}"
real="${KEEPALIVED:-/usr/sbin/keepalived}"
rate="${RATE:-100000}"
dur="${SECONDS_FLOOD:-10}"
vip=192.168.1.210
seed="$root/examples/seed"

[[ $(id -u) -eq 0 ]] || { echo "flood-bench.sh: run as root" >&2; exit 1; }
for t in ip tcpdump tshark pgrep flock; do
    command -v "$t" >/dev/null || { echo "flood-bench.sh: $t is required" >&2; exit 1; }
done
[[ -x $real ]] || { echo "flood-bench.sh: $real not found (apt-get install keepalived)" >&2; exit 1; }
if [[ ! -x $ours || ! -x $flood ]]; then
    echo "building $ours and $flood" >&2
    cargo build --release -p keepalived --bin keepalived --example vrrp_flood \
        --manifest-path "$root/Cargo.toml" --target-dir "$root/target" >&2
fi

# Same lock as the netns integration tests: timing runs must not overlap.
exec 9>"${TMPDIR:-/tmp}/keepalived-rs-netns-lab.lock"
flock 9

work="$(mktemp -d /tmp/keepalived-flood.XXXXXX)"
# shellcheck source=examples/seed/lab.sh
source "$root/examples/seed/lab.sh"

p="krflood$$"
lan="$p-lan" nsa="$p-a" nsb="$p-b" nsx="$p-x"
pids=() # every process we started (daemons lead their own process group)

cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for ns in "$nsa" "$nsb" "$nsx" "$lan"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_up() {
    seed_lab_up "$lan" "$nsa" "$nsb"
    # The hostile host: a third port on the bridge, 192.168.1.250.
    ip netns add "$nsx"
    ip netns exec "$nsx" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$nsx" link set lo up
    ip -n "$lan" link add vethx type veth peer name enp11s0f0 netns "$nsx"
    ip -n "$lan" link set vethx master br0 up
    ip -n "$nsx" addr add 192.168.1.250/24 dev enp11s0f0
    ip -n "$nsx" link set enp11s0f0 up
}

lab_down() {
    stop_all
    local ns
    for ns in "$nsa" "$nsb" "$nsx" "$lan"; do ip netns del "$ns" 2>/dev/null || true; done
}

now() { date +%s.%N; }
# Unix time of an `ip -ts monitor` line.
stamp_of() { date -u -d "$(sed 's/^\[\([^]]*\)\].*/\1/; s/T/ /' <<<"$1")" +%s.%N; }
# VIP add/delete events in monitor file $1 between Unix times $2 and $3.
vip_events() {
    local line t n=0
    while IFS= read -r line; do
        t=$(stamp_of "$line")
        awk -v t="$t" -v a="$2" -v b="$3" 'BEGIN { exit !(t >= a && t <= b) }' && n=$((n + 1))
    done < <(grep " inet $vip/" "$1" || true)
    echo "$n"
}
last_vip_add() {
    local line
    line=$(grep -v Deleted "$1" | grep " inet $vip/" | tail -1)
    [[ -n $line ]] && stamp_of "$line"
}
advert_times() { # tshark display filter -> capture times of A's adverts
    tshark -r "$work/cap.pcap" -Y "vrrp && ip.src==192.168.1.198 && $1" \
        -T fields -e frame.time_epoch 2>/dev/null
}
rss_kb() { local r; read -r r _ < <(mem_kb "$1"); echo "$r"; }
lines() { wc -l <"$1" | tr -d ' '; }
fsub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }

declare -A R # results: R[impl,metric]

# The stats file of the VRRP process of node $2 (impl $1), condensed to one line.
grab_stats() {
    local vpid
    vpid=$(cat "$work/$2-vrrp.pid" 2>/dev/null || true)
    [[ -n $vpid ]] || { echo "n/a"; return; }
    rm -f /tmp/keepalived.stats
    kill -USR2 "$vpid" 2>/dev/null || true
    wait_until 3 test -s /tmp/keepalived.stats || { echo "n/a"; return; }
    sleep 0.3
    cp /tmp/keepalived.stats "$work/$1-$2.stats"
    cp /tmp/keepalived.stats "/tmp/flood-bench-$1-$2.stats"
    # "Received: N", auth "Failure: N", "Length: N", "Address List: N", queue drops.
    awk '
        /^ *Advertisements:/ { sec = "adv" } /^ *Packet Errors:/ { sec = "pkt" }
        /^ *Authentication Errors:/ { sec = "auth" } /^ *Priority Zero:/ { sec = "p0" }
        /^VRRP receive queue:/ { sec = "q" }
        sec == "adv" && /Received:/ { printf "received %s, ", $2 }
        sec == "pkt" && /Length:/ { printf "length %s, ", $2 }
        sec == "pkt" && /Address List:/ { printf "address list %s, ", $3 }
        sec == "auth" && /Failure:/ { printf "auth failure %s, ", $2 }
        sec == "q" && /queue full/ { printf "queue drops %s, ", $NF }
        sec == "q" && /by the kernel/ { printf "kernel drops %s, ", $NF }
    ' "$work/$1-$2.stats" | sed 's/, $//'
}

bench() { # impl-name bin
    local name=$1 bin=$2 pid_a pid_b t0 t1 a0 b0 a1 b1 la0 lb0 t_add t_p0
    log "$name: flood ${dur}s at ${rate}/s"
    lab_up
    : >"$work/a.mon"
    : >"$work/b.mon"
    start_bg ip netns exec "$lan" tcpdump --immediate-mode -U -n -i br0 -w "$work/cap.pcap" \
        'ip proto 112 and (src host 192.168.1.198 or src host 192.168.1.199)' 2>"$work/tcpdump.log"
    wait_until 10 grep -q "listening on" "$work/tcpdump.log"
    start_bg env TZ=UTC ip -n "$nsa" -ts monitor address >"$work/a.mon"
    start_bg env TZ=UTC ip -n "$nsb" -ts monitor address >"$work/b.mon"
    sleep 0.2
    start_daemon "$bin" a "$seed/nodeA.conf"
    pid_a=$started
    start_daemon "$bin" b "$seed/nodeB.conf"
    pid_b=$started
    wait_until 10 has_vip "$nsa" || { log "$name: VIP never came up on A"; lab_down; return 1; }
    sleep 6 # past the second GARP burst
    R[$name,rss_a0]=$(rss_kb "$pid_a") R[$name,rss_b0]=$(rss_kb "$pid_b")
    # RSS sampler: the largest value seen during the flood and the 3 s after it.
    (
        ma=0 mb=0
        while [[ ! -e $work/sampler.stop ]]; do
            a=$(rss_kb "$pid_a") b=$(rss_kb "$pid_b")
            ((a > ma)) && ma=$a
            ((b > mb)) && mb=$b
            echo "$ma $mb" >"$work/rss.max"
            sleep 0.2
        done
    ) &
    local sampler=$!
    la0=$(lines "$work/a.log") lb0=$(lines "$work/b.log")
    a0=$(cpu_ns "$pid_a") b0=$(cpu_ns "$pid_b")
    t0=$(now)
    R[$name,flood]=$(ip netns exec "$nsx" "$flood" enp11s0f0 "$rate" "$dur" 2>&1 | tail -1)
    t1=$(now)
    a1=$(cpu_ns "$pid_a") b1=$(cpu_ns "$pid_b")
    sleep 3 # the summary lines come 2 s after the last bad packet
    touch "$work/sampler.stop"
    wait "$sampler" 2>/dev/null || true
    rm -f "$work/sampler.stop"
    read -r R[$name,rss_a1] R[$name,rss_b1] <"$work/rss.max"
    R[$name,cpu_a]=$(awk -v a="$a0" -v b="$a1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    R[$name,cpu_b]=$(awk -v a="$b0" -v b="$b1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    R[$name,log_a]=$(($(lines "$work/a.log") - la0))
    R[$name,log_b]=$(($(lines "$work/b.log") - lb0))
    local tend
    tend=$(now)
    R[$name,moves_a]=$(vip_events "$work/a.mon" "$t0" "$tend")
    R[$name,moves_b]=$(vip_events "$work/b.mon" "$t0" "$tend")
    R[$name,holder]="$(has_vip "$nsa" && echo A)$(has_vip "$nsb" && echo B)"
    # A's adverts (priority > 0) sent during the flood: intervals and worst deviation.
    R[$name,intervals]=$(advert_times "vrrp.prio > 0" |
        awk -v a="$t0" -v b="$t1" '$1 >= a && $1 <= b' |
        awk 'NR > 1 { d = $1 - prev; n++; if (n == 1 || d < mn) mn = d; if (d > mx) mx = d
                      j = d - 1; if (j < 0) j = -j; if (j > jm) jm = j }
             { prev = $1 }
             END { if (n) printf "%d intervals, %.3f-%.3f s, max jitter %.0f ms", n, mn, mx, jm * 1000
                   else printf "no adverts" }')
    R[$name,stats_a]=$(grab_stats "$name" a)
    R[$name,stats_b]=$(grab_stats "$name" b)
    # Graceful handover after the flood: let A hold the VIP alone, then SIGTERM it.
    if wait_until 10 has_vip "$nsa" && wait_until 10 no_vip "$nsb"; then
        sleep 1.5
        kill -TERM "$pid_a"
        if wait_until 4 has_vip "$nsb"; then
            sleep 0.3
            t_add=$(last_vip_add "$work/b.mon")
            t_p0=$(advert_times "vrrp.prio == 0" | tail -1)
            R[$name,graceful]=$(fsub "$t_add" "$t_p0")
        else
            R[$name,graceful]="no handover"
        fi
    else
        R[$name,graceful]="A did not hold the VIP alone"
    fi
    cp "$work/a.log" "/tmp/flood-bench-$name-a.log"
    cp "$work/b.log" "/tmp/flood-bench-$name-b.log"
    lab_down
    rm -f "$work"/*.log "$work/cap.pcap"
}

names=(ours keepalived-2.2.7)
bins=("$ours" "$real")
for k in 0 1; do
    bench "${names[k]}" "${bins[k]}" || true
done

row() { printf '| %s | %s | %s |\n' "$1" "${R[ours,$2]:-n/a}" "${R[keepalived-2.2.7,$2]:-n/a}"; }
echo
echo "flood-bench: $(date -u +%FT%TZ), $(uname -r), $(nproc) CPUs; ours: $ours; keepalived: $($real -v 2>&1 | head -1)"
echo
echo "| metric | ours | keepalived 2.2.7 |"
echo "|---|---|---|"
row "flood sent (generator's count)" flood
row "VIP add/delete events on A, flood start to 3 s after (expected 0)" moves_a
row "VIP add/delete events on B, flood start to 3 s after (expected 0)" moves_b
row "VIP holder 3 s after the flood (expected A)" holder
row "A's adverts during the flood" intervals
row "RSS kB node A (MASTER) before the flood" rss_a0
row "RSS kB node A, largest during the flood (+3 s)" rss_a1
row "RSS kB node B (BACKUP) before the flood" rss_b0
row "RSS kB node B, largest during the flood (+3 s)" rss_b1
row "CPU s during the flood, node A" cpu_a
row "CPU s during the flood, node B" cpu_b
row "log lines (-l -D), node A, flood start to 3 s after" log_a
row "log lines (-l -D), node B, flood start to 3 s after" log_b
row "SIGUSR2 stats, node A" stats_a
row "SIGUSR2 stats, node B" stats_b
row "after the flood, SIGTERM A: priority-0 advert -> VIP on B, s (expected 0.648)" graceful
