#!/usr/bin/env bash
# LVS director scenario lab (issue 13), daemon-agnostic: boots Debian's cloud kernel (IPVS as
# modules) under QEMU/TCG with a busybox initramfs holding the daemon under test, ipvsadm, ip,
# bash and busybox, and runs scenarios.sh inside (real servers in namespaces behind a bridge,
# the daemon as director in the VM's root namespace, `ipvsadm -Ln` as the truth).
# docs/lvs-lab.md. Kernel cache, initramfs and boot: crates/ipvs-netlink/vm-lab/lib.sh.
#
# Env: LVS_DAEMON (default /usr/sbin/keepalived, Debian's 2.2.7: the reference),
#      LVS_SCENARIOS (space/comma list, default all), LVS_BENCH=1 (benchmark, not pass/fail),
#      LVS_MARGIN (seconds of TCG slack added to the protocol bounds, default 4),
#      LVS_LAB_TIMEOUT (seconds for the VM, default 600), IPVS_LAB_CACHE (see lib.sh),
#      CI=true: a VM that cannot boot is a failure (otherwise exit 77, skipped).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=../../ipvs-netlink/vm-lab/lib.sh
. "$repo/crates/ipvs-netlink/vm-lab/lib.sh"

daemon=${LVS_DAEMON:-/usr/sbin/keepalived}
[[ -x $daemon ]] || { echo "LVS_DAEMON $daemon is not an executable" >&2; exit 2; }
daemon=$(readlink -f "$daemon")
bench=${LVS_BENCH:-0}

vmlab_setup
trap vmlab_cleanup EXIT

ird=$vmlab_ird
vmlab_copy_bin "$daemon" "$(command -v bash)" "$(command -v ipvsadm)" "$(command -v ip)"
# Scripts name /bin/bash; daemons default their pid files to /var/run.
ln -sf "$(readlink -f "$(command -v bash)")" "$ird/bin/bash"
mkdir -p "$ird/var" "$ird/srv" "$ird/etc/keepalived"
ln -s ../run "$ird/var/run"
cp "$here/scenarios.sh" "$here/smtp.sh" "$here/misc.sh" "$ird/lab/"
chmod +x "$ird/lab/"*.sh
# The dns scenario's responder (busybox has no DNS server).
gcc -O2 -static -o "$ird/lab/dnsd" "$here/dnsd.c"
if [[ $bench == 1 ]]; then
    # A single epoll loop accepts the 1,000 real servers' checks (busybox would fork each).
    gcc -O2 -static -o "$ird/lab/acceptor" "$here/acceptor.c"
fi
vmlab_modules ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh veth bridge
vmlab_write_init "LVS_DAEMON=$daemon LVS_SCENARIOS='${LVS_SCENARIOS:-all}' LVS_BENCH=$bench \
LVS_MARGIN=${LVS_MARGIN:-4} LVS_BENCH_WINDOW=${LVS_BENCH_WINDOW:-30} /bin/bash /lab/scenarios.sh"

tag=$(basename "$daemon")
[[ $daemon == /usr/sbin/keepalived ]] && tag=keepalived-2.2.7
[[ $bench == 1 ]] && tag="$tag-bench"
log="$vmlab_cache/lvs-$tag.log"
rc=0
vmlab_boot "$log" "${LVS_LAB_TIMEOUT:-600}" || rc=$?
echo "---- LVS lab ($daemon)"
grep -E '^(BENCH|LVS-LAB RESULT)' "$log" || true
if ((rc == 3)); then
    if [[ ${CI:-} == true ]]; then
        echo "LVS VM lab: FAIL (the VM did not boot; see $log)" >&2
        exit 1
    fi
    echo "LVS VM lab: SKIPPED (the VM did not boot; see $log; CI=true makes this a failure)" >&2
    exit 77
fi
if [[ $bench == 1 ]]; then
    grep -q '^LVS-LAB RESULT: BENCH-DONE' "$log" && exit 0
    echo "LVS VM lab bench: did not finish (see $log)" >&2
    exit 1
fi
if ((rc == 0)) && grep -q '^LVS-LAB RESULT: PASS' "$log"; then
    echo "LVS VM lab ($daemon): PASS"
    exit 0
fi
echo "LVS VM lab ($daemon): FAIL (see $log)" >&2
exit 1
