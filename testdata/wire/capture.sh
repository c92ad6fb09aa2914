#!/bin/sh
# Regenerates the keepalived captures in this directory (needs root, iproute2, tcpdump
# and a real keepalived; run from anywhere). Each capture runs keepalived as MASTER for a
# few seconds in a throw-away network namespace on a veth pair and records what it sends.
#   keepalived-ah.pcap     auth_type AH, v2/IPv4 (4 adverts incl. the priority-0 one)
#   keepalived-v3v4.pcap   vrrp_version 3, IPv4 multicast, two VIPs
#   keepalived-v3v6.pcap   vrrp_version 3, IPv6 multicast, plus the unsolicited NAs
set -eu
KEEPALIVED=${KEEPALIVED:-/usr/sbin/keepalived}
OUT=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
NS=wirecap$$
trap 'ip netns del $NS 2>/dev/null || true; rm -rf "$WORK"' EXIT

run() { # name filter config-body
    name=$1 filter=$2
    printf '%s\n' "$3" > "$WORK/$name.conf"
    ip netns add $NS
    ip netns exec $NS sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n $NS link add va address 82:60:86:90:f1:7f type veth peer name vb
    ip -n $NS addr add 192.168.1.198/24 dev va
    ip -n $NS link set lo up
    ip -n $NS link set vb up
    ip -n $NS link set va up
    ip netns exec $NS tcpdump -i va -w "$OUT/keepalived-$name.pcap" -U "$filter" 2>/dev/null &
    tp=$!
    sleep 1
    ip netns exec $NS setsid "$KEEPALIVED" -n -G -l -P -f "$WORK/$name.conf" \
        -p "$WORK/k.pid" -r "$WORK/v.pid" -c "$WORK/c.pid" >"$WORK/$name.log" 2>&1 &
    kp=$!
    sleep 6
    kill $kp; sleep 1.5
    kill $tp; sleep 0.5
    ip netns del $NS
}

run ah 'ip proto 51' 'vrrp_instance VI_1 {
    state MASTER
    interface va
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type AH
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.1.210/24
    }
}'

run v3v4 'ip proto 112' 'global_defs {
    vrrp_version 3
}
vrrp_instance VI_1 {
    state MASTER
    interface va
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.1.210/24
        10.0.0.1/8
    }
}'

run v3v6 'ip6 proto 112 or (icmp6 and ip6[40] == 136)' 'global_defs {
    vrrp_version 3
}
vrrp_instance VI_6 {
    state MASTER
    interface va
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        2001:db8::210/64
    }
}'
