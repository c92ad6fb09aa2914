#!/usr/bin/env bash
# IPVS VM lab for crates/ipvs-netlink (not part of `cargo test`).
#
# The host kernel has no IPVS, so this boots Debian's cloud kernel (IPVS as modules) under
# QEMU/TCG with a busybox initramfs holding the `ipvs_smoke` example, ipvsadm and bash, runs
# the example's add/edit/delete phases and checks `ipvsadm -Ln` after each one. Exits non-zero
# when the VM cannot run or the kernel's view differs. See docs/ipvs.md and
# /work/shared/reference/kernel-vm-lab.md. Kernel download, initramfs and boot: lib.sh.
#
# Env: IPVS_LAB_CACHE (default /var/tmp/keepalived-rs-ipvs-lab: kernel package, unpacked tree,
# last log), IPVS_LAB_TIMEOUT (seconds for the VM, default 300).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

vmlab_setup
trap vmlab_cleanup EXIT

# --- binary under test ------------------------------------------------------------------
(cd "$repo" && cargo build -q -p ipvs-netlink --example ipvs_smoke)
target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
smoke="$target_dir/debug/examples/ipvs_smoke"

# --- initramfs --------------------------------------------------------------------------
vmlab_copy_bin "$(command -v bash)" "$(command -v ipvsadm)" "$smoke"
cp "$smoke" "$vmlab_ird/lab/ipvs_smoke"
cp "$here/vm-test.sh" "$vmlab_ird/lab/vm-test.sh"
chmod +x "$vmlab_ird/lab/vm-test.sh"
vmlab_modules ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh
vmlab_write_init "IPVSADM=$(readlink -f "$(command -v ipvsadm)") $(readlink -f "$(command -v bash)") /lab/vm-test.sh"

# --- boot -------------------------------------------------------------------------------
log="$vmlab_cache/last-run.log"
rc=0
vmlab_boot "$log" "${IPVS_LAB_TIMEOUT:-300}" || rc=$?
if ((rc == 0)) && grep -q '^IPVS-LAB RESULT: PASS' "$log"; then
    echo "ipvs-netlink VM lab: PASS"
    exit 0
fi
echo "ipvs-netlink VM lab: FAIL (see $log)" >&2
exit 1
