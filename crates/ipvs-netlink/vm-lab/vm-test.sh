#!/bin/bash
# Runs inside the lab VM (see run.sh): ipvs_smoke's phases, each checked against ipvsadm -Ln.
set -u
# IPVS refuses a real server whose address is not unicast in the local FIB, and the local
# table exists only once an interface has an address: bring up lo.
ip link set lo up
# The sync daemons run on lo: it needs the multicast flag, and the master a non-host-scope
# source address.
ip link set lo multicast on || echo "cannot set multicast on lo"
ip addr add 192.168.254.1/32 dev lo
IPVSADM=${IPVSADM:-ipvsadm}
fail=0

table() { "$IPVSADM" -Ln "$@" | tr -s ' '; }

# expect PATTERN...: every extended regex must match a line of `ipvsadm -Ln` (spaces squeezed).
expect() {
    local out=$1
    shift
    for re in "$@"; do
        if ! grep -Eq -- "$re" <<<"$out"; then
            echo "ipvsadm MISSING: $re"
            fail=1
        fi
    done
}

# refuse PATTERN...: none may match.
refuse() {
    local out=$1
    shift
    for re in "$@"; do
        if grep -Eq -- "$re" <<<"$out"; then
            echo "ipvsadm UNEXPECTED: $re"
            fail=1
        fi
    done
}

phase() {
    echo "=== phase $1"
    if ! /lab/ipvs_smoke "$1"; then
        echo "ipvs_smoke $1 FAILED"
        fail=1
    fi
    echo "--- ipvsadm -Ln after $1"
    "$IPVSADM" -Ln
}

phase add
out=$(table)
expect "$out" \
    '^TCP 10\.0\.0\.100:80 rr ?$' \
    '^ -> 10\.0\.1\.1:80 Masq 1 0 0' \
    '^ -> 10\.0\.1\.2:80 Masq 2 0 0' \
    '^UDP 10\.0\.0\.100:53 sh persistent 300 mask 255\.255\.255\.0' \
    '^ -> 10\.0\.1\.1:53 Masq 1 0 0' \
    '^FWM 7 wlc' \
    '^ -> 10\.0\.2\.1:0 Route 1 0 0' \
    '^ -> 10\.0\.2\.2:0 Tunnel 1 0 0' \
    '^TCP \[2001:db8::100\]:443 rr persistent 60 mask 64' \
    '^ -> \[2001:db8::1\]:443 Masq 1 0 0'
expect "$(table --timeout)" '^Timeout \(tcp tcpfin udp\): 900 120 300'

phase edit
out=$(table)
expect "$out" \
    '^TCP 10\.0\.0\.100:80 wrr ?$' \
    '^ -> 10\.0\.1\.1:80 Masq 1 0 0' \
    '^ -> 10\.0\.1\.2:80 Masq 5 0 0'
refuse "$out" '^TCP 10\.0\.0\.100:80 rr'
expect "$(table --timeout)" '^Timeout \(tcp tcpfin udp\): 900 60 300'
echo "--- ipvsadm -Ln --thresholds after edit"
"$IPVSADM" -Ln --thresholds
expect "$(table --thresholds)" '^ -> 10\.0\.1\.2:80 100 10 ' '^ -> 10\.0\.1\.1:80 0 0 '

phase delete
out=$(table)
refuse "$out" '^(TCP|UDP|FWM) ' '->.*[0-9]:[0-9]'

phase daemon
echo "--- ipvsadm -Ln --daemon"
"$IPVSADM" -Ln --daemon
out=$("$IPVSADM" -Ln --daemon)
expect "$out" '^master sync daemon \(mcast=lo, syncid=5' '^backup sync daemon \(mcast=lo, syncid=6, maxlen=1400, group=239\.1\.1\.81, port=8900, ttl=2\)'
phase daemon-stop
refuse "$("$IPVSADM" -Ln --daemon)" 'sync daemon'
phase flush
refuse "$(table)" '^(TCP|UDP|FWM) '

if [ "$fail" = 0 ]; then
    echo "IPVS-LAB RESULT: PASS"
else
    echo "IPVS-LAB RESULT: FAIL"
fi
exit "$fail"
