# shellcheck shell=bash
# The seed lab, sourced by examples/seed/demo.sh and the bench scripts in
# crates/keepalived/bench/ (netns-bench.sh, flood-bench.sh):
# namespace LAN with bridge br0, node namespaces A (192.168.1.198/24) and B (192.168.1.199/24),
# each with `enp11s0f0` created as the peer of a veth whose other end is a br0 port, so nothing
# appears in the root namespace. IPv6 is off to keep ND/MLD noise out of captures.

# seed_lab_up LAN NODE_A NODE_B
seed_lab_up() {
    local lan=$1 ns n node
    for ns in "$1" "$2" "$3"; do
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip -n "$lan" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    # If br_netfilter is loaded, keep bridged frames out of the host's firewall.
    ip netns exec "$lan" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
        net.bridge.bridge-nf-call-arptables=0 net.bridge.bridge-nf-call-ip6tables=0 2>/dev/null || true
    for n in a b; do
        if [[ $n == a ]]; then node=$2; else node=$3; fi
        ip -n "$lan" link add "veth$n" type veth peer name enp11s0f0 netns "$node"
        ip -n "$lan" link set "veth$n" master br0 up
        ip -n "$node" addr add "192.168.1.$([[ $n == a ]] && echo 198 || echo 199)/24" dev enp11s0f0
        ip -n "$node" link set enp11s0f0 up
    done
    ip -n "$lan" link set br0 up
}

# ---- Helpers shared by the bench scripts --------------------------------------------------
# They use the caller's globals: `pids` (array of every process started, each leading its own
# process group), `p` (namespace prefix: node namespaces are "$p-a" and "$p-b"), `work` (scratch
# directory) and `vip` (the VIP that has_vip looks for on enp11s0f0).

log() { echo "# $*" >&2; }

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

stop_all() { # SIGTERM every started process, then SIGKILL stragglers' groups
    local pid i alive
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 60; i++)); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
}

has_vip() { ip -n "$1" -4 -o addr show dev enp11s0f0 | grep -q " $vip/"; }
no_vip() { ! has_vip "$1"; }
wait_until() { # seconds command...
    local n=$(($1 * 20)) i
    shift
    for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.05; done
    return 1
}

pgrp_pids() { pgrep -g "$1" || true; }
cpu_ns() { # sum of on-CPU ns of every thread of process group $1
    local sum=0 pid f v
    for pid in $(pgrp_pids "$1"); do
        for f in /proc/"$pid"/task/*/schedstat; do
            read -r v _ <"$f" 2>/dev/null || continue
            sum=$((sum + v))
        done
    done
    echo "$sum"
}
mem_kb() { # "RSS PSS NPROC" (kB) summed over process group $1
    local rss=0 pss=0 n=0 pid r s
    for pid in $(pgrp_pids "$1"); do
        r=$(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
        s=$(awk '/^Pss:/ {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)
        rss=$((rss + ${r:-0})) pss=$((pss + ${s:-0})) n=$((n + 1))
    done
    echo "$rss $pss $n"
}
