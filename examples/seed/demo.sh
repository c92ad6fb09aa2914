#!/usr/bin/env bash
# Seed failover demo: two nodes running our keepalived with examples/seed/nodeA.conf and
# nodeB.conf, joined by a bridge, all inside network namespaces (nothing touches the host's
# interfaces). Shows the VIP 192.168.1.210 on node A, stops A, shows the VIP move to node B.
#
#   sudo examples/seed/demo.sh
#
# Uses target/release/keepalived (brought up to date with `cargo build --release`); set
# KEEPALIVED=/path/to/binary to run another build (KEEPALIVED=/usr/sbin/keepalived runs the
# real keepalived 2.x for comparison). Needs root and iproute2.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${KEEPALIVED:-$root/target/release/keepalived}"
vip=192.168.1.210

if [[ $(id -u) -ne 0 ]]; then
    echo "demo.sh: run as root (it creates network namespaces): sudo $0" >&2
    exit 1
fi
command -v ip >/dev/null || { echo "demo.sh: iproute2 (ip) is required" >&2; exit 1; }
if [[ -z ${KEEPALIVED:-} ]]; then
    # Always ask cargo: a no-op when the build is current, and never a stale binary.
    echo "== building $bin (cargo build --release -p keepalived)"
    cargo build --release -p keepalived --manifest-path "$root/Cargo.toml" --target-dir "$root/target"
fi

# shellcheck source=examples/seed/lab.sh
source "$here/lab.sh"

p="krdemo$$"             # namespace prefix, unique per run
lan="$p-lan" nsa="$p-a" nsb="$p-b"
work="$(mktemp -d /tmp/keepalived-demo.XXXXXX)"
pid_a="" pid_b=""

cleanup() {
    set +e
    for pid in $pid_a $pid_b; do
        kill -KILL -- "-$pid" 2>/dev/null   # each daemon leads its own process group (setsid)
    done
    wait 2>/dev/null
    for ns in "$nsa" "$nsb" "$lan"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$work"
    echo "== cleaned up (namespaces $p-*, $work)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
show() {
    for ns in "$nsa" "$nsb"; do
        echo "-- node ${ns##*-}: ip -4 addr show dev enp11s0f0"
        ip -n "$ns" -4 addr show dev enp11s0f0 | sed 's/^/   /'
    done
}
has_vip() { ip -n "$1" -4 -o addr show dev enp11s0f0 | grep -q " $vip/"; }
wait_vip() { # ns seconds
    local i
    for ((i = 0; i < $2 * 20; i++)); do has_vip "$1" && return 0; sleep 0.05; done
    return 1
}

step "building the lab: namespace $lan (bridge br0) + nodes $nsa (192.168.1.198) and $nsb (192.168.1.199)"
seed_lab_up "$lan" "$nsa" "$nsb"

start() { # node conf
    local ns="$p-$1"
    setsid ip netns exec "$ns" "$bin" -n -l -D -G -P -f "$2" \
        -p "$work/$1.pid" -r "$work/$1-vrrp.pid" -c "$work/$1-checkers.pid" \
        >"$work/$1.log" 2>&1 &
    echo $!
}

step "starting $bin on both nodes with examples/seed/nodeA.conf and nodeB.conf"
pid_a=$(start a "$here/nodeA.conf")
pid_b=$(start b "$here/nodeB.conf")
if wait_vip "$nsa" 10; then echo "VIP $vip is on node A"; else echo "VIP did not come up on node A"; fi
sleep 1
show

step "stopping node A's daemon (SIGTERM)"
kill -TERM "$pid_a"
if wait_vip "$nsb" 6; then echo "VIP $vip moved to node B"; else echo "VIP did not move to node B"; fi
wait "$pid_a" 2>/dev/null || true
pid_a=""
show

step "node A's log"
sed 's/^/   /' "$work/a.log"
step "node B's log"
sed 's/^/   /' "$work/b.log"
