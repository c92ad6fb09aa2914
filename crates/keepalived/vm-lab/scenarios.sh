#!/bin/bash
# LVS director scenarios; runs inside the lab VM as PID 1's child (see run.sh, docs/lvs-lab.md).
#
# The daemon under test ($LVS_DAEMON) is the director in the VM's root namespace; real servers
# are network namespaces behind the bridge br0 (10.10.0.0/24, director 10.10.0.1), each with
# busybox httpd :80, a TCP listener :9000, an SMTP responder :25 and an echo service :7000. A
# client namespace reaches the virtual addresses (10.30.0.100-.110 on the director) over cl0.
# `ipvsadm -Ln` is the truth. The dns scenario adds /lab/dnsd (UDP :53) in the real servers it uses. Each scenario prints "SCENARIO name: PASS|FAIL (details)".
#
# Env: LVS_DAEMON (path), LVS_SCENARIOS (space/comma list, default all), LVS_BENCH=1 (benchmark
# instead of the scenarios), LVS_MARGIN (seconds added to protocol bounds, default 4).
set -u
export PATH=/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
D=${LVS_DAEMON:?LVS_DAEMON unset}
ALL="nat_http dr_tcp misc smtp failover inhibit quorum_sorry reload sigterm keep syncd dns"
SCEN=${LVS_SCENARIOS:-all}
[[ $SCEN == all ]] && SCEN=$ALL
SCEN=${SCEN//,/ }
# Checker timers used by every scenario (1.3.5 syntax: integers) and the TCG margin.
DL=1 CT=1 RETRY=1 DBR=1
MARGIN=${LVS_MARGIN:-4}
REMOVE_BOUND=$((DL + RETRY * DBR + CT + MARGIN))
RETURN_BOUND=$((DL + CT + MARGIN))
WWW=/srv/www
fail=0
summary=()

# --- time and polling --------------------------------------------------------------------
now_us() { echo "${EPOCHREALTIME/./}"; }
ms_since() { echo $((($(now_us) - $1) / 1000)); }
fmt_ms() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }

# wait_until SECONDS CMD...: poll CMD every 0.1 s; sets $waited (ms); status of the last CMD.
waited=0
wait_until() {
    local limit=$(($1 * 1000)) t0
    t0=$(now_us)
    shift
    while :; do
        if "$@"; then
            waited=$(ms_since "$t0")
            return 0
        fi
        waited=$(ms_since "$t0")
        ((waited > limit)) && return 1
        sleep 0.1
    done
}
not() { ! "$@"; }

# --- ipvsadm helpers ----------------------------------------------------------------------
table() { ipvsadm -Ln | tr -s ' '; }
# has ERE: a line of `ipvsadm -Ln` (spaces squeezed) matches.
has() { table | grep -Eq -- "$1"; }
# dest VIP:PORT RIP:PORT: the squeezed "-> RIP:PORT Fwd Weight Active InAct" line of that service.
dest() {
    table | awk -v vs="$1" -v rs="$2" '
        /^(TCP|UDP|FWM) / { in_vs = ($2 == vs) }
        in_vs && $1 == "->" && $2 == rs { print; exit }'
}
rs_re() { echo "^ -> ${1//./\\.} "; }

# --- per-scenario assertions ---------------------------------------------------------------
errs=()
notes=()
last_ok=1
check() { # check DESC CMD...: record DESC as an error when CMD fails; returns CMD's status.
    local desc=$1
    shift
    if "$@"; then
        last_ok=1
    else
        last_ok=0
        errs+=("$desc")
    fi
    return $((!last_ok))
}
# note TEXT: a measurement for the scenario line, kept only when the check before it passed.
note() { ((last_ok)) && notes+=("$*"); }
finish() { # finish NAME: print the scenario line, dump the daemon log on failure.
    local name=$1 detail
    detail=$(
        IFS=';'
        echo "${notes[*]}"
    )
    if ((${#errs[@]} == 0)); then
        echo "SCENARIO $name: PASS ($detail)"
        summary+=("SCENARIO $name: PASS ($detail)")
    else
        local e
        e=$(
            IFS=';'
            echo "${errs[*]}"
        )
        echo "SCENARIO $name: FAIL ($e; $detail)"
        summary+=("SCENARIO $name: FAIL ($e; $detail)")
        fail=1
        echo "--- ipvsadm -Ln"
        ipvsadm -Ln
        echo "--- ipvsadm -Ln --daemon"
        ipvsadm -Ln --daemon
        echo "--- daemon log ($kd_log, last 60 lines)"
        tail -n 60 "$kd_log" 2>/dev/null
    fi
    errs=()
    notes=()
    last_ok=1
}

# --- real servers --------------------------------------------------------------------------
mkns() { # mkns NAME ADDR: namespace behind br0 with a default route via the director.
    ip netns add "$1"
    ip link add "v-$1" type veth peer name eth0 netns "$1"
    ip link set "v-$1" master br0 up
    ip -n "$1" addr add "$2/24" dev eth0
    ip -n "$1" link set lo up
    ip -n "$1" link set eth0 up
    ip -n "$1" route add default via 10.10.0.1
}
port_of() { case $1 in http) echo 80 ;; tcp) echo 9000 ;; smtp) echo 25 ;; echo) echo 7000 ;; esac }
listening() { # listening NS PORT: a LISTEN socket on PORT in NS.
    local hex
    hex=$(printf ':%04X ' "$2")
    # busybox httpd and nc listen on the IPv6 wildcard (tcp6) when the kernel has IPv6.
    ip netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 |
        awk -v p="$hex" 'index($2 " ", p) && $4 == "0A" {f=1} END {exit !f}'
}
svc_start() { # svc_start NS SVC
    local pidf=/tmp/pid.$1.$2
    [[ -e $pidf ]] && return 0
    case $2 in
    http) ip netns exec "$1" busybox httpd -f -p 80 -h "$WWW" & ;;
    tcp) ip netns exec "$1" busybox nc -ll -p 9000 -e /bin/true & ;;
    smtp) ip netns exec "$1" busybox nc -ll -p 25 -e /lab/smtp.sh & ;;
    echo) ip netns exec "$1" busybox nc -ll -p 7000 -e /bin/cat & ;;
    esac
    echo $! >"$pidf"
    wait_until 10 listening "$1" "$(port_of "$2")" || echo "lab: $2 on $1 not listening"
}
svc_stop() { # svc_stop NS SVC: stop the listener (connections it already handed over live on).
    local pidf=/tmp/pid.$1.$2 pid
    [[ -e $pidf ]] || return 0
    pid=$(cat "$pidf")
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$pidf"
    wait_until 10 not listening "$1" "$(port_of "$2")" || echo "lab: $2 on $1 still listening"
}
all_up() {
    local ns s
    for ns in rs1 rs2 rs3 rs4 sorry; do
        for s in http tcp smtp echo; do svc_start "$ns" "$s"; done
    done
}

lab_setup() {
    ip link set lo up
    echo 1 >/proc/sys/net/ipv4/ip_forward
    ip link add br0 type bridge
    ip addr add 10.10.0.1/24 dev br0
    ip link set br0 up
    local i
    for i in 1 2 3 4; do mkns "rs$i" "10.10.0.1$i"; done
    mkns sorry 10.10.0.19
    # Client side: the virtual addresses are local on the director (IPVS intercepts LOCAL_IN).
    ip netns add cl
    ip link add cl0 type veth peer name eth0 netns cl
    ip addr add 10.30.0.1/24 dev cl0
    for i in $(seq 100 110); do ip addr add "10.30.0.$i/32" dev cl0; done
    ip link set cl0 up
    ip -n cl addr add 10.30.0.2/24 dev eth0
    ip -n cl link set lo up
    ip -n cl link set eth0 up
    mkdir -p "$WWW"
    echo "keepalived-rs LVS lab page" >"$WWW/index.html"
    DIGEST=$(md5sum "$WWW/index.html" | cut -d' ' -f1)
    printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/bin/false\n' >/etc/passwd
    printf 'root:x:0:\nnogroup:x:65534:\n' >/etc/group
    all_up
}

# --- daemon --------------------------------------------------------------------------------
kd_pid=
kd_log=/dev/null
kd_start() { # kd_start NAME CONF [ARGS...]: the director, logging to the console (captured).
    local name=$1 conf=$2
    shift 2
    kd_log=/tmp/kd-$name.log
    "$D" -n -l -D -f "$conf" "$@" >"$kd_log" 2>&1 &
    kd_pid=$!
}
kd_alive() { kill -0 "$kd_pid" 2>/dev/null; }
kd_stop() { # kd_stop [SIG]: signal and wait (15 s, then SIGKILL); sets $stop_ms.
    local t0
    [[ -n $kd_pid ]] || return 0
    t0=$(now_us)
    kill "-${1:-TERM}" "$kd_pid" 2>/dev/null
    if ! wait_until 15 not kd_alive; then
        echo "lab: daemon $kd_pid ignored SIG${1:-TERM} for 15 s, killing"
        kill -KILL "$kd_pid" 2>/dev/null
    fi
    wait "$kd_pid" 2>/dev/null
    stop_ms=$(ms_since "$t0")
    kd_pid=
}
reset() { # between scenarios: no daemon, empty table, every service running.
    kd_stop
    ipvsadm -C
    ipvsadm --stop-daemon master 2>/dev/null
    ipvsadm --stop-daemon backup 2>/dev/null
    rm -f /tmp/q-up /tmp/q-down
    all_up
}

header() { cat <<EOF
global_defs {
    router_id lvslab
}
EOF
}
http_check() { # http_check PATH DIGEST
    cat <<EOF
        HTTP_GET {
            url {
                path $1
                digest $2
                status_code 200
            }
            connect_timeout $CT
            nb_get_retry $RETRY
            delay_before_retry $DBR
        }
EOF
}
tcp_check() { # tcp_check [PORT]
    cat <<EOF
        TCP_CHECK {
            connect_timeout $CT
            ${1:+connect_port $1}
            retry $RETRY
            delay_before_retry $DBR
        }
EOF
}

# ========================= scenarios =========================================================

sc_nat_http() {
    local c=/tmp/nat_http.conf page t0
    {
        header
        echo "virtual_server 10.30.0.100 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        for i in 1 2; do
            echo "    real_server 10.10.0.1$i 80 {"
            echo "        weight 1"
            http_check /index.html "$DIGEST"
            echo "    }"
        done
        echo "    real_server 10.10.0.13 80 {"
        echo "        weight 1"
        http_check /index.html 00000000000000000000000000000000
        echo "    }"
        echo "    real_server 10.10.0.14 80 {"
        echo "        weight 1"
        http_check /missing.html "$DIGEST"
        echo "    }"
        echo "}"
    } >"$c"
    kd_start nat_http "$c"
    check "service 10.30.0.100:80 rr not created" wait_until 15 has '^TCP 10\.30\.0\.100:80 rr'
    t0=$(now_us)
    check "rs3 (wrong digest) not removed" wait_until $((REMOVE_BOUND + 5)) not has "$(rs_re 10.10.0.13:80)"
    check "rs4 (404) not removed" wait_until 5 not has "$(rs_re 10.10.0.14:80)"
    note "bad digest and 404 real servers gone $(fmt_ms "$(ms_since "$t0")") after the service appeared"
    check "rs1 missing (Masq 1)" has "$(rs_re 10.10.0.11:80)Masq 1 "
    check "rs2 missing (Masq 1)" has "$(rs_re 10.10.0.12:80)Masq 1 "
    # The lab's own sanity: a request through the VIP reaches a real server.
    # (busybox nc, not wget: the static busybox's wget crashes in the VM's name lookup.)
    page=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | ip netns exec cl busybox nc -w 5 10.30.0.100 80 2>&1)
    check "GET via VIP failed: ${page:0:200}" grep -q "LVS lab page" <<<"$page"
    note "rs1 rs2 Masq 1; GET via VIP ok"
}

sc_dr_tcp() {
    local c=/tmp/dr_tcp.conf
    {
        header
        echo "virtual_server 10.30.0.101 9000 {"
        echo "    delay_loop $DL"
        echo "    lb_algo wlc"
        echo "    lb_kind DR"
        echo "    protocol TCP"
        for i in 1 2; do
            echo "    real_server 10.10.0.1$i 9000 {"
            echo "        weight 2"
            tcp_check
            echo "    }"
        done
        # Nothing listens on 9001: refused.
        echo "    real_server 10.10.0.13 9000 {"
        echo "        weight 2"
        tcp_check 9001
        echo "    }"
        echo "}"
    } >"$c"
    kd_start dr_tcp "$c"
    check "service 10.30.0.101:9000 wlc not created" wait_until 15 has '^TCP 10\.30\.0\.101:9000 wlc'
    check "rs3 (refused) not removed" wait_until $((REMOVE_BOUND + 5)) not has "$(rs_re 10.10.0.13:9000)"
    note "refused rs gone after $(fmt_ms "$waited")"
    check "rs1 missing (Route 2)" has "$(rs_re 10.10.0.11:9000)Route 2 "
    check "rs2 missing (Route 2)" has "$(rs_re 10.10.0.12:9000)Route 2 "
    note "rs1 rs2 Route 2"
}

sc_misc() {
    local c=/tmp/misc.conf
    echo 0 >/tmp/misc.rs1
    echo 7 >/tmp/misc.rs2
    rm -f /tmp/misc.rs3
    {
        header
        echo "virtual_server 10.30.0.102 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo wrr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        for i in 1 2 3; do
            echo "    real_server 10.10.0.1$i 80 {"
            echo "        weight 1"
            echo "        MISC_CHECK {"
            echo "            misc_path \"/lab/misc.sh /tmp/misc.rs$i\""
            echo "            misc_timeout 3"
            [[ $i == 2 ]] && echo "            misc_dynamic"
            echo "        }"
            echo "    }"
        done
        echo "}"
    } >"$c"
    kd_start misc "$c"
    check "service 10.30.0.102:80 wrr not created" wait_until 15 has '^TCP 10\.30\.0\.102:80 wrr'
    check "rs3 (exit 1) not removed" wait_until $((REMOVE_BOUND + 5)) not has "$(rs_re 10.10.0.13:80)"
    check "rs1 (exit 0) missing" has "$(rs_re 10.10.0.11:80)Masq 1 "
    check "rs2 misc_dynamic exit 7 -> weight 5 not seen" wait_until 10 has "$(rs_re 10.10.0.12:80)Masq 5 "
    echo 12 >/tmp/misc.rs2
    check "rs2 misc_dynamic exit 12 -> weight 10 not seen" wait_until $((DL + MARGIN)) has "$(rs_re 10.10.0.12:80)Masq 10 "
    note "misc_dynamic 7->w5, 12->w10 in $(fmt_ms "$waited")"
    rm -f /tmp/misc.rs1
    check "rs1 not removed when its script fails" wait_until "$REMOVE_BOUND" not has "$(rs_re 10.10.0.11:80)"
    note "rs1 removed $(fmt_ms "$waited") after flag cleared"
    echo 0 >/tmp/misc.rs1
    check "rs1 not back when its script succeeds" wait_until "$RETURN_BOUND" has "$(rs_re 10.10.0.11:80)Masq 1 "
    note "back in $(fmt_ms "$waited")"
}

sc_smtp() {
    local c=/tmp/smtp.conf
    {
        header
        echo "virtual_server 10.30.0.103 25 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        # rs2's check goes to the TCP listener on 9000, which closes without a 220 greeting.
        for i in 1 2; do
            port=25
            [[ $i == 2 ]] && port=9000
            cat <<EOF
    real_server 10.10.0.1$i 25 {
        weight 1
        SMTP_CHECK {
            connect_timeout $CT
            retry $RETRY
            delay_before_retry $DBR
            helo_name lvslab.example
            connect_port $port
        }
    }
EOF
        done
        echo "}"
    } >"$c"
    kd_start smtp "$c"
    check "service 10.30.0.103:25 not created" wait_until 15 has '^TCP 10\.30\.0\.103:25 rr'
    check "rs2 (no SMTP greeting) not removed" wait_until $((REMOVE_BOUND + 5)) not has "$(rs_re 10.10.0.12:25)"
    check "rs1 (SMTP responder) missing" has "$(rs_re 10.10.0.11:25)Masq 1 "
    svc_stop rs1 smtp
    check "rs1 not removed after its SMTP service stopped" wait_until "$REMOVE_BOUND" not has "$(rs_re 10.10.0.11:25)"
    note "rs1 removed in $(fmt_ms "$waited")"
    svc_start rs1 smtp
    check "rs1 not back" wait_until "$RETURN_BOUND" has "$(rs_re 10.10.0.11:25)Masq 1 "
    note "back in $(fmt_ms "$waited")"
}

# measure_fail NS SVC VIP:PORT RIP:PORT: stop SVC, time the removal, start it, time the return.
measure_fail() {
    local re
    re=$(rs_re "$4")
    svc_stop "$1" "$2"
    local ok=1
    check "$4 not removed within ${REMOVE_BOUND} s" wait_until "$REMOVE_BOUND" not has "$re" || ok=0
    rm_ms=$waited
    svc_start "$1" "$2"
    check "$4 not back within ${RETURN_BOUND} s" wait_until "$RETURN_BOUND" has "$re" || ok=0
    back_ms=$waited
    last_ok=$ok
}

sc_failover() {
    local c=/tmp/failover.conf
    {
        header
        echo "virtual_server 10.30.0.104 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        echo "    real_server 10.10.0.11 80 {"
        echo "        weight 1"
        http_check /index.html "$DIGEST"
        echo "    }"
        echo "    real_server 10.10.0.12 80 {"
        echo "        weight 1"
        tcp_check 9000
        echo "    }"
        echo "}"
    } >"$c"
    kd_start failover "$c"
    check "service not created with both real servers" wait_until 15 has "$(rs_re 10.10.0.12:80)"
    sleep 2 # past the first round of checks
    check "rs1 missing before the failure" has "$(rs_re 10.10.0.11:80)"
    measure_fail rs1 http 10.30.0.104:80 10.10.0.11:80
    note "HTTP_GET: removed $(fmt_ms "$rm_ms") after httpd stopped (bound ${REMOVE_BOUND} s), back $(fmt_ms "$back_ms") after restart (bound ${RETURN_BOUND} s)"
    check "rs2 removed while only rs1 failed" has "$(rs_re 10.10.0.12:80)"
    measure_fail rs2 tcp 10.30.0.104:80 10.10.0.12:80
    note "TCP_CHECK: removed $(fmt_ms "$rm_ms"), back $(fmt_ms "$back_ms")"
}

sc_inhibit() {
    local c=/tmp/inhibit.conf gone=0 t0
    {
        header
        echo "virtual_server 10.30.0.105 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo wrr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        echo "    real_server 10.10.0.11 80 {"
        echo "        weight 3"
        echo "        inhibit_on_failure"
        http_check /index.html "$DIGEST"
        echo "    }"
        echo "}"
    } >"$c"
    kd_start inhibit "$c"
    check "rs1 (weight 3) not created" wait_until 15 has "$(rs_re 10.10.0.11:80)Masq 3 "
    sleep 2
    svc_stop rs1 http
    # Poll by hand: the entry must go to weight 0 and never disappear.
    t0=$(now_us)
    while :; do
        has "$(rs_re 10.10.0.11:80)" || gone=1
        has "$(rs_re 10.10.0.11:80)Masq 0 " && break
        (($(ms_since "$t0") > REMOVE_BOUND * 1000)) && break
        sleep 0.1
    done
    check "rs1 not at weight 0 within ${REMOVE_BOUND} s" has "$(rs_re 10.10.0.11:80)Masq 0 "
    note "weight 0 after $(fmt_ms "$(ms_since "$t0")")"
    svc_start rs1 http
    t0=$(now_us)
    while :; do
        has "$(rs_re 10.10.0.11:80)" || gone=1
        has "$(rs_re 10.10.0.11:80)Masq 3 " && break
        (($(ms_since "$t0") > RETURN_BOUND * 1000)) && break
        sleep 0.1
    done
    check "rs1 not back to weight 3 within ${RETURN_BOUND} s" has "$(rs_re 10.10.0.11:80)Masq 3 "
    note "weight 3 again after $(fmt_ms "$(ms_since "$t0")")"
    check "rs1 entry disappeared (inhibit_on_failure must keep it)" test "$gone" = 0
}

sc_quorum_sorry() {
    local c=/tmp/quorum.conf
    {
        header
        cat <<EOF
virtual_server 10.30.0.106 9000 {
    delay_loop $DL
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    quorum_up "/bin/touch /tmp/q-up"
    quorum_down "/bin/touch /tmp/q-down"
    sorry_server 10.10.0.19 9000
EOF
        for i in 1 2; do
            echo "    real_server 10.10.0.1$i 9000 {"
            echo "        weight 1"
            tcp_check
            echo "    }"
        done
        echo "}"
    } >"$c"
    kd_start quorum_sorry "$c"
    check "real servers not created" wait_until 15 has "$(rs_re 10.10.0.12:9000)"
    sleep 2
    check "sorry server present while quorum is met" not has "$(rs_re 10.10.0.19:9000)"
    rm -f /tmp/q-up /tmp/q-down
    svc_stop rs1 tcp
    svc_stop rs2 tcp
    check "sorry server not added when all real servers are down" \
        wait_until $((REMOVE_BOUND + 2)) has "$(rs_re 10.10.0.19:9000)"
    note "sorry server in $(fmt_ms "$waited") after both stopped"
    check "rs1 still present without quorum" wait_until 3 not has "$(rs_re 10.10.0.11:9000)"
    check "rs2 still present without quorum" not has "$(rs_re 10.10.0.12:9000)"
    check "quorum_down script did not run" wait_until 3 test -e /tmp/q-down
    svc_start rs1 tcp
    svc_start rs2 tcp
    check "real servers not back" wait_until $((RETURN_BOUND + 2)) has "$(rs_re 10.10.0.11:9000)"
    check "rs2 not back" wait_until 3 has "$(rs_re 10.10.0.12:9000)"
    check "sorry server not removed when quorum returned" wait_until 3 not has "$(rs_re 10.10.0.19:9000)"
    note "sorry server gone $(fmt_ms "$waited") after rs back"
    check "quorum_up script did not run" wait_until 3 test -e /tmp/q-up
}

reload_conf() { # reload_conf FILE RS...: VS 10.30.0.107:7000 with TCP_CHECKed real servers.
    local f=$1 i
    shift
    {
        header
        echo "virtual_server 10.30.0.107 7000 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        for i in "$@"; do
            echo "    real_server 10.10.0.1$i 7000 {"
            echo "        weight 1"
            tcp_check
            echo "    }"
        done
        echo "}"
    } >"$f"
}

sc_reload() {
    local c=/tmp/reload.conf line gone=0 conns=() t0 cpid1 cpid2 applied=
    reload_conf "$c" 1 2
    kd_start reload "$c"
    check "rs1 rs2 not created" wait_until 15 has "$(rs_re 10.10.0.12:7000)"
    sleep 2
    # Two client connections (rr: one per real server) held open through fifos.
    rm -f /tmp/cl1.in /tmp/cl2.in
    mkfifo /tmp/cl1.in /tmp/cl2.in
    ip netns exec cl busybox nc 10.30.0.107 7000 </tmp/cl1.in >/tmp/cl1.out 2>&1 &
    cpid1=$!
    exec 7>/tmp/cl1.in
    ip netns exec cl busybox nc 10.30.0.107 7000 </tmp/cl2.in >/tmp/cl2.out 2>&1 &
    cpid2=$!
    exec 8>/tmp/cl2.in
    echo ping1 >&7
    echo ping1 >&8
    check "connection 1 does not echo" wait_until 5 grep -q ping1 /tmp/cl1.out
    check "connection 2 does not echo" wait_until 5 grep -q ping1 /tmp/cl2.out
    check "rs1 has no active connection before the reload" \
        wait_until 5 has "$(rs_re 10.10.0.11:7000)Masq 1 1 "
    # Reload: rs2 out, rs3 in, rs1 unchanged.
    reload_conf "$c" 1 3
    kill -HUP "$kd_pid"
    t0=$(now_us)
    while :; do
        line=$(dest 10.30.0.107:7000 10.10.0.11:7000)
        if [[ -z $line ]]; then
            gone=1
        else
            conns+=("$(awk '{print $5}' <<<"$line")")
        fi
        if [[ -z $applied ]] && has "$(rs_re 10.10.0.13:7000)" && not has "$(rs_re 10.10.0.12:7000)"; then
            applied=$(ms_since "$t0")
        fi
        # Watch for 3 s at least, whatever the daemon's speed.
        [[ -n $applied ]] && (($(ms_since "$t0") > 3000)) && break
        (($(ms_since "$t0") > 15000)) && break
        sleep 0.1
    done
    check "rs3 not added by the reload" has "$(rs_re 10.10.0.13:7000)"
    check "rs2 not removed by the reload" not has "$(rs_re 10.10.0.12:7000)"
    check "rs1 disappeared during the reload" test "$gone" = 0
    check "rs1 lost its active connection (re-created?): ActiveConn seen ${conns[*]}" \
        has "$(rs_re 10.10.0.11:7000)Masq 1 1 "
    check "rs1's ActiveConn changed during the reload: ${conns[*]}" \
        test -z "$(printf '%s\n' "${conns[@]}" | grep -vx 1)"
    # The connection on rs1 still carries data (which client landed there is rr's choice).
    echo ping2 >&7
    echo ping2 >&8
    check "no connection still echoes after the reload" \
        wait_until 5 bash -c 'grep -q ping2 /tmp/cl1.out || grep -q ping2 /tmp/cl2.out'
    note "rs2->rs3 applied $(fmt_ms "${applied:-0}") after SIGHUP; rs1 present with ActiveConn ${conns[*]:0:1}..${conns[*]: -1} in all ${#conns[@]} polls over $(fmt_ms "$(ms_since "$t0")")"
    exec 7>&- 8>&-
    kill "$cpid1" "$cpid2" 2>/dev/null
    wait "$cpid1" "$cpid2" 2>/dev/null
}

sigterm_conf() {
    {
        header
        echo "virtual_server 10.30.0.108 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        echo "    real_server 10.10.0.11 80 {"
        echo "        weight 1"
        http_check /index.html "$DIGEST"
        echo "    }"
        echo "}"
    } >"$1"
}

sc_sigterm() {
    local c=/tmp/sigterm.conf
    sigterm_conf "$c"
    # A service made by hand, before the daemon: never the daemon's to remove.
    ipvsadm -A -t 10.30.0.200:80 -s rr
    ipvsadm -a -t 10.30.0.200:80 -r 10.10.0.14:80 -m -w 4
    kd_start sigterm "$c"
    check "daemon's service not created" wait_until 15 has "$(rs_re 10.10.0.11:80)"
    sleep 2
    kd_stop TERM
    note "daemon exited $(fmt_ms "$stop_ms") after SIGTERM"
    check "daemon's service 10.30.0.108:80 left behind" not has '^TCP 10\.30\.0\.108:80 '
    check "hand-made service 10.30.0.200:80 touched" has '^TCP 10\.30\.0\.200:80 rr'
    check "hand-made real server touched" has "$(rs_re 10.10.0.14:80)Masq 4 "
}

sc_keep() {
    local c=/tmp/keep.conf
    sigterm_conf "$c"
    kd_start keep "$c" -I
    check "daemon's service not created" wait_until 15 has "$(rs_re 10.10.0.11:80)"
    sleep 2
    kd_stop TERM
    note "daemon exited $(fmt_ms "$stop_ms") after SIGTERM"
    check "-I: service 10.30.0.108:80 removed" has '^TCP 10\.30\.0\.108:80 rr'
    check "-I: real server removed" has "$(rs_re 10.10.0.11:80)Masq 1 "
}

# syncd: `lvs_sync_daemon` follows its VRRP instance (1.3.5 vrrp_scheduler.c vrrp_init_state,
# vrrp.c become/leave master, shutdown_vrrp_instances). The instance runs alone on br0 (the real
# servers speak no VRRP), so it goes BACKUP -> MASTER after its master-down interval (3 s + skew).
daemons() { ipvsadm -Ln --daemon; }
has_daemon() { daemons | grep -q "^$1 sync daemon (mcast=br0, syncid=$2[,)]"; }
syncd_conf() { # syncd_conf FILE [ID]: the sync id defaults to the instance's VRID (42).
    cat >"$1" <<EOF
global_defs {
    router_id lvslab
    lvs_sync_daemon br0 VI_SYNC${2:+ id $2}
}
vrrp_instance VI_SYNC {
    state BACKUP
    interface br0
    virtual_router_id 42
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.10.0.250/32 dev br0
    }
}
EOF
}
vip_on() { ip -4 addr show dev br0 | grep -q 'inet 10\.10\.0\.250/32'; }
sc_syncd() {
    local c=/tmp/syncd.conf t0 backup_seen=0 out
    syncd_conf "$c"
    t0=$(now_us)
    # -P: VRRP only (the sync daemon is the VRRP process's business in 1.3.5 and 2.x).
    kd_start syncd "$c" -P
    # BACKUP lasts the master-down interval (>= 3 s): the backup daemon is seen meanwhile.
    while (($(ms_since "$t0") < 20000)); do
        out=$(daemons)
        if grep -q "^backup sync daemon (mcast=br0, syncid=42[,)]" <<<"$out"; then
            backup_seen=1
        fi
        grep -q "^master sync daemon" <<<"$out" && break
        sleep 0.1
    done
    check "no backup sync daemon (syncid 42 = VRID) while BACKUP" test "$backup_seen" = 1
    note "backup daemon while BACKUP"
    check "no master sync daemon (br0, syncid 42) once MASTER" wait_until 15 has_daemon master 42
    note "master daemon $(fmt_ms "$(ms_since "$t0")") after start"
    check "instance not MASTER (VIP 10.10.0.250 missing)" wait_until 5 vip_on
    check "backup sync daemon still running once MASTER" wait_until 5 not has_daemon backup 42
    note "backup daemon gone"
    # Reload with another sync id: the master daemon carries it afterwards.
    syncd_conf "$c" 43
    t0=$(now_us)
    kill -HUP "$kd_pid"
    if check "reload: no master sync daemon with syncid 43" wait_until 10 has_daemon master 43; then
        note "reload: master daemon syncid 43 after $(fmt_ms "$waited")"
    else
        notes+=("after reload: $(daemons | tr '\n' ' ')")
    fi
    ((last_ok)) || notes+=("daemons: $(daemons | tr '\n' ' ')")
    check "reload: not exactly one sync daemon" test "$(daemons | grep -c 'sync daemon')" = 1
    kd_stop TERM
    note "daemon exited $(fmt_ms "$stop_ms") after SIGTERM"
    check "sync daemons left after SIGTERM" test -z "$(daemons)"
    note "no sync daemon after SIGTERM"
}

# udp_bound NS PORT: a UDP socket bound to PORT in NS.
udp_bound() {
    local hex
    hex=$(printf ':%04X ' "$2")
    ip netns exec "$1" cat /proc/net/udp /proc/net/udp6 2>/dev/null |
        awk -v p="$hex" 'index($2 " ", p) {f=1} END {exit !f}'
}
dnsd_start() { # dnsd_start NS RCODE: the lab's DNS responder on :53 of NS.
    ip netns exec "$1" /lab/dnsd 53 "$2" &
    echo $! >"/tmp/pid.$1.dnsd"
    wait_until 10 udp_bound "$1" 53 || echo "lab: dnsd on $1 not bound"
}
dnsd_stop() { # dnsd_stop NS
    local pidf=/tmp/pid.$1.dnsd pid
    [[ -e $pidf ]] || return 0
    pid=$(cat "$pidf")
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rm -f "$pidf"
    wait_until 10 not udp_bound "$1" 53 || echo "lab: dnsd on $1 still bound"
}

sc_dns() {
    local c=/tmp/dns.conf t0
    # rs1 answers NOERROR, rs2 SERVFAIL (rcode 2), rs3 has no DNS server (ICMP port
    # unreachable). dnsd answers FORMERR to a malformed question, so rs1 staying in also says
    # the query (A for lvslab.example, class IN) is well formed.
    dnsd_start rs1 0
    dnsd_start rs2 2
    {
        header
        echo "virtual_server 10.30.0.109 53 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol UDP"
        for i in 1 2 3; do
            cat <<EOF
    real_server 10.10.0.1$i 53 {
        weight 1
        DNS_CHECK {
            connect_timeout $CT
            retry $RETRY
            type A
            name lvslab.example
        }
    }
EOF
        done
        echo "}"
    } >"$c"
    kd_start dns "$c"
    check "service UDP 10.30.0.109:53 rr not created" wait_until 15 has '^UDP 10\.30\.0\.109:53 rr'
    t0=$(now_us)
    # DNS_CHECK retries a delay_loop apart (1.3.5; 2.2.7's delay_before_retry defaults to it).
    check "rs2 (SERVFAIL) not removed" wait_until $((REMOVE_BOUND + 5)) not has "$(rs_re 10.10.0.12:53)"
    check "rs3 (no server) not removed" wait_until 5 not has "$(rs_re 10.10.0.13:53)"
    note "SERVFAIL and no-server real servers gone $(fmt_ms "$(ms_since "$t0")") after the service appeared"
    check "rs1 (NOERROR) missing" has "$(rs_re 10.10.0.11:53)Masq 1 "
    dnsd_stop rs1
    check "rs1 not removed after its DNS server stopped" wait_until "$REMOVE_BOUND" not has "$(rs_re 10.10.0.11:53)"
    note "rs1 removed in $(fmt_ms "$waited")"
    dnsd_start rs1 0
    check "rs1 not back" wait_until "$RETURN_BOUND" has "$(rs_re 10.10.0.11:53)Masq 1 "
    note "back in $(fmt_ms "$waited")"
    check "rs2 came back while answering SERVFAIL" not has "$(rs_re 10.10.0.12:53)"
    grep -E 'DNS_CHECK' "$kd_log" | head -n 3 | sed 's/^/    log: /'
    dnsd_stop rs1
    dnsd_stop rs2
}

# ========================= benchmark =========================================================

# cpu_ticks PID: utime+stime of PID and its direct children (the checker child).
cpu_ticks() {
    local total=0 f s
    for f in /proc/[0-9]*/stat; do
        s=$(cat "$f" 2>/dev/null) || continue
        s=${s##*) } # fields from 3 (state) on; comm may hold spaces
        read -r -a a <<<"$s"
        # a[0]=state a[1]=ppid; utime/stime are fields 14/15 -> a[11]/a[12]
        if [[ ${f#/proc/} == "$1/stat" || ${a[1]} == "$1" ]]; then
            total=$((total + a[11] + a[12]))
        fi
    done
    echo "$total"
}

# bench_tcp N: N real servers (100 per virtual server) with TCP_CHECK, delay_loop 1 (1.3.5's
# integer timers: N checks a second when the daemon keeps up), on one address and N ports of the
# acceptor. Prints the achieved check rate (connections the acceptor counted) and the CPU of the
# daemon and its children over the window.
bench_tcp() {
    local n=$1 c=/tmp/bench-$1.conf per=100 nvs i j t0 ms c0 c1 k0 k1 p apid left removed
    local window=${LVS_BENCH_WINDOW:-30}
    ((n < per)) && per=$n
    nvs=$((n / per))
    ip netns exec bench /lab/acceptor 10000 "$n" /tmp/acc.count &
    apid=$!
    wait_until 10 listening bench $((10000 + n - 1)) || echo "lab: acceptor not listening"
    {
        header
        for ((i = 1; i <= nvs; i++)); do
            echo "virtual_server 10.30.1.$i 80 {"
            echo "    delay_loop 1"
            echo "    lb_algo rr"
            echo "    lb_kind NAT"
            echo "    protocol TCP"
            for ((j = 0; j < per; j++)); do
                echo "    real_server 10.10.0.50 $((10000 + (i - 1) * per + j)) {"
                echo "        weight 1"
                echo "        TCP_CHECK {"
                echo "            connect_timeout 2"
                echo "        }"
                echo "    }"
            done
            echo "}"
        done
    } >"$c"
    t0=$(now_us)
    kd_start "bench-$n" "$c"
    wait_until 120 bash -c "[ \$(ipvsadm -Ln | grep -c -- '-> [0-9]') -ge $n ]" ||
        echo "BENCH $n: only $(ipvsadm -Ln | grep -c -- '-> [0-9]') destinations after 120 s"
    echo "BENCH $n rs: all $n real servers in IPVS $(fmt_ms "$(ms_since "$t0")") after start"
    sleep 5
    c0=$(cat /tmp/acc.count)
    k0=$(cpu_ticks "$kd_pid")
    t0=$(now_us)
    sleep "$window"
    c1=$(cat /tmp/acc.count)
    k1=$(cpu_ticks "$kd_pid")
    ms=$(ms_since "$t0")
    left=$(ipvsadm -Ln | grep -c -- '-> [0-9]')
    removed=$(grep -c 'Removing service' "$kd_log")
    echo "BENCH $n rs: $((c1 - c0)) TCP checks in $(fmt_ms "$ms") = $(((c1 - c0) * 1000 / ms))/s" \
        "(target $n/s); $left of $n dests in IPVS at the end, $removed removals logged"
    # USER_HZ is 100 on x86: one tick = 10 ms of CPU.
    echo "BENCH $n rs: cpu $((k1 - k0)) ticks = $(((k1 - k0) * 1000 / ms)).$(((k1 - k0) * 10000 / ms % 10)) %" \
        "of one CPU (daemon + children, utime+stime) = $(((k1 - k0) * 10000 / (c1 - c0 + 1))) µs per check"
    for p in $kd_pid $(awk -v pp="$kd_pid" '$4 == pp {print $1}' /proc/[0-9]*/stat 2>/dev/null); do
        echo "BENCH $n rs: rss pid $p: $(awk '/VmRSS/ {print $2, $3}' /proc/"$p"/status 2>/dev/null)"
    done
    kd_stop
    kill "$apid" 2>/dev/null
    wait "$apid" 2>/dev/null
    ipvsadm -C
}

bench() {
    local i n
    mkns bench 10.10.0.50
    for n in ${LVS_BENCH_SIZES:-100 1000}; do bench_tcp "$n"; done

    # Failure -> removal, repeated (TCP_CHECK, refused connections).
    local rms=() bms=() n=${LVS_BENCH_FAILS:-5}
    sc_failover_setup_only
    for ((i = 0; i < n; i++)); do
        measure_fail rs2 tcp 10.30.0.104:80 10.10.0.12:80
        rms+=("$rm_ms")
        bms+=("$back_ms")
        sleep 1.$((RANDOM % 10))
    done
    echo "BENCH failure->removal ms (TCP_CHECK delay_loop $DL retry $RETRY delay_before_retry $DBR): $(tr ' ' '\n' <<<"${rms[*]}" | sort -n | tr '\n' ' ')"
    echo "BENCH restart->return ms: $(tr ' ' '\n' <<<"${bms[*]}" | sort -n | tr '\n' ' ')"
    ((${#errs[@]})) && echo "BENCH errors: ${errs[*]}"
    errs=()
    kd_stop
}
sc_failover_setup_only() {
    local c=/tmp/failover-b.conf
    {
        header
        echo "virtual_server 10.30.0.104 80 {"
        echo "    delay_loop $DL"
        echo "    lb_algo rr"
        echo "    lb_kind NAT"
        echo "    protocol TCP"
        echo "    real_server 10.10.0.12 80 {"
        echo "        weight 1"
        tcp_check 9000
        echo "    }"
        echo "}"
    } >"$c"
    kd_start failover-b "$c"
    wait_until 15 has "$(rs_re 10.10.0.12:80)" || echo "BENCH: failover service not created"
    sleep 2
}

# ========================= main ==============================================================
echo "LVS-LAB daemon: $D"
"$D" --version 2>&1 | head -n 1
lab_setup
if [[ ${LVS_BENCH:-0} == 1 ]]; then
    bench
    echo "LVS-LAB RESULT: BENCH-DONE"
    exit 0
fi
for s in $SCEN; do
    if ! declare -F "sc_$s" >/dev/null; then
        echo "SCENARIO $s: FAIL (unknown scenario; known: $ALL)"
        summary+=("SCENARIO $s: FAIL (unknown)")
        fail=1
        continue
    fi
    echo "=== scenario $s"
    reset
    t0=$(now_us)
    "sc_$s"
    echo "    ($s took $(fmt_ms "$(ms_since "$t0")"))"
    finish "$s"
    kd_stop
done
reset
echo "=== summary"
printf '%s\n' "${summary[@]}"
if ((fail == 0)); then
    echo "LVS-LAB RESULT: PASS"
else
    echo "LVS-LAB RESULT: FAIL"
fi
exit "$fail"
