# shellcheck shell=bash
# The seed lab, sourced by examples/seed/demo.sh and crates/keepalived/bench/netns-bench.sh:
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
