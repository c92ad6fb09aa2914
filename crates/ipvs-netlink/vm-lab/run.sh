#!/usr/bin/env bash
# IPVS VM lab for crates/ipvs-netlink (not part of `cargo test`).
#
# The host kernel has no IPVS, so this boots Debian's cloud kernel (IPVS as modules) under
# QEMU/TCG with a busybox initramfs holding the `ipvs_smoke` example, ipvsadm and bash, runs
# the example's add/edit/delete phases and checks `ipvsadm -Ln` after each one. Exits non-zero
# when the VM cannot run or the kernel's view differs. See docs/ipvs.md and
# /work/shared/reference/kernel-vm-lab.md.
#
# Env: IPVS_LAB_CACHE (default /var/tmp/keepalived-rs-ipvs-lab: kernel package, unpacked tree,
# last log), IPVS_LAB_TIMEOUT (seconds for the VM, default 300).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cache=${IPVS_LAB_CACHE:-/var/tmp/keepalived-rs-ipvs-lab}
vm_timeout=${IPVS_LAB_TIMEOUT:-300}
mkdir -p "$cache/deb"

# --- host tools -------------------------------------------------------------------------
missing=()
for t in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static depmod:kmod ipvsadm:ipvsadm cpio:cpio; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi
busybox_bin=$(command -v busybox)
# busybox-static is static; a dynamic busybox would need its libraries too.
if ldd "$busybox_bin" >/dev/null 2>&1; then
    echo "busybox at $busybox_bin is not static (install busybox-static)" >&2
    exit 2
fi

# --- kernel -----------------------------------------------------------------------------
kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $kpkg ]] || { echo "cannot resolve linux-image-cloud-amd64" >&2; exit 2; }
deb=$(ls "$cache"/deb/"${kpkg}"_*.deb 2>/dev/null | head -n1 || true)
if [[ -z $deb ]]; then
    (cd "$cache/deb" && apt-get download "$kpkg")
    deb=$(ls "$cache"/deb/"${kpkg}"_*.deb | head -n1)
fi
kroot="$cache/root-$kpkg"
if [[ ! -d $kroot/lib/modules ]]; then
    rm -rf "$kroot"
    dpkg-deb -x "$deb" "$kroot"
fi
kver=$(ls "$kroot/lib/modules" | head -n1)
depmod -b "$kroot" "$kver"
vmlinuz="$kroot/boot/vmlinuz-$kver"

# --- binary under test ------------------------------------------------------------------
(cd "$repo" && cargo build -q -p ipvs-netlink --example ipvs_smoke)
target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
smoke="$target_dir/debug/examples/ipvs_smoke"

# --- initramfs --------------------------------------------------------------------------
work=$(mktemp -d /var/tmp/ipvs-lab.XXXXXX)
trap 'rm -rf "$work"' EXIT
ird="$work/initrd"
mkdir -p "$ird"/{bin,sbin,proc,sys,dev,tmp,run,modules,lab}
cp "$busybox_bin" "$ird/bin/busybox"
for a in $("$busybox_bin" --list); do
    [[ -e $ird/bin/$a ]] || ln -s busybox "$ird/bin/$a"
done

# Copy a binary and every library ldd lists, at the same absolute paths.
copy_with_libs() {
    local f=$1 dest
    dest="$ird$(dirname "$f")"
    mkdir -p "$dest"
    cp -L "$f" "$dest/"
    ldd "$f" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
        mkdir -p "$ird$(dirname "$lib")"
        cp -L "$lib" "$ird$lib"
    done
}
copy_with_libs "$(readlink -f "$(command -v bash)")"
copy_with_libs "$(readlink -f "$(command -v ipvsadm)")"
copy_with_libs "$smoke"
cp "$smoke" "$ird/lab/ipvs_smoke"
cp "$here/vm-test.sh" "$ird/lab/vm-test.sh"
bash_path=$(readlink -f "$(command -v bash)")
ipvsadm_path=$(readlink -f "$(command -v ipvsadm)")

# Modules in load order, with dependencies (one module name per modprobe call).
: >"$ird/modules/order"
n=0
for m in ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc ip_vs_sh; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}' |
        while read -r ko; do
            base=$(basename "$ko")
            base=${base%.xz}
            base=${base%.zst}
            grep -qx "$base" "$ird/modules/order" && continue
            case $ko in
            *.xz) xz -dc "$ko" >"$ird/modules/$base" ;;
            *.zst) zstd -qdc "$ko" >"$ird/modules/$base" ;;
            *) cp "$ko" "$ird/modules/$base" ;;
            esac
            echo "$base" >>"$ird/modules/order"
        done
    n=$((n + 1))
done

cat >"$ird/init" <<EOF
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
for m in \$(cat /modules/order); do
    insmod /modules/\$m 2>/dev/null || echo "insmod \$m failed (crc32c-intel may fail harmlessly)"
done
# bash, not busybox sh: busybox runs its own applets even when real tools are on PATH.
IPVSADM=$ipvsadm_path $bash_path /lab/vm-test.sh
echo "IPVS-LAB EXIT \$?"
poweroff -f
EOF
chmod +x "$ird/init" "$ird/lab/vm-test.sh"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initrd.gz")

# --- boot -------------------------------------------------------------------------------
log="$cache/last-run.log"
echo "booting $kver under qemu (TCG); log: $log"
start=$(date +%s)
timeout "$vm_timeout" qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nographic -no-reboot \
    -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1" </dev/null | tr -d '\r' | tee "$log" || true
echo "VM wall time: $(($(date +%s) - start)) s"
if grep -q '^IPVS-LAB RESULT: PASS' "$log" && grep -q '^IPVS-LAB EXIT 0' "$log"; then
    echo "ipvs-netlink VM lab: PASS"
    exit 0
fi
echo "ipvs-netlink VM lab: FAIL (see $log)" >&2
exit 1
