# Shared helpers for the QEMU/TCG IPVS labs (sourced, not run).
#
# Used by crates/ipvs-netlink/vm-lab/run.sh (adapter smoke test) and
# crates/keepalived/vm-lab/run.sh (LVS director scenarios). The host kernel has no IPVS, so
# both boot Debian's cloud kernel (IPVS as modules) with a busybox initramfs; see
# /work/shared/reference/kernel-vm-lab.md for the measured facts behind each step.
#
# Flow: vmlab_setup; vmlab_copy_bin ...; vmlab_modules ...; vmlab_write_init CMD; vmlab_boot LOG.
# Env: IPVS_LAB_CACHE (default /var/tmp/keepalived-rs-ipvs-lab: kernel package, unpacked tree,
# logs), VMLAB_LOCK (default 1: hold the machine-wide namespace-lab flock while the VM runs, so
# the TCG load does not overlap other helpers' timing-sensitive tests), VMLAB_MEM (MiB, 1024).

vmlab_cache=${IPVS_LAB_CACHE:-/var/tmp/keepalived-rs-ipvs-lab}

# vmlab_setup: host tools, kernel tree (cached), scratch dir with a busybox initramfs skeleton.
# Sets: vmlab_kroot vmlab_kver vmlab_vmlinuz vmlab_work vmlab_ird.
vmlab_setup() {
    local missing=() t deb kpkg
    for t in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static depmod:kmod ipvsadm:ipvsadm \
        cpio:cpio; do
        command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
    done
    if ((${#missing[@]})); then
        echo "installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
    fi
    vmlab_busybox=$(command -v busybox)
    # busybox-static is static; a dynamic busybox would need its libraries too.
    if ldd "$vmlab_busybox" >/dev/null 2>&1; then
        echo "busybox at $vmlab_busybox is not static (install busybox-static)" >&2
        return 2
    fi

    mkdir -p "$vmlab_cache/deb"
    kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [[ -n $kpkg ]] || { echo "cannot resolve linux-image-cloud-amd64" >&2; return 2; }
    vmlab_kroot="$vmlab_cache/root-$kpkg"
    # Several labs (and helpers) share the cache: download, unpack and depmod under one lock.
    (
        flock 9
        deb=$(ls "$vmlab_cache"/deb/"${kpkg}"_*.deb 2>/dev/null | head -n1 || true)
        if [[ -z $deb ]]; then
            (cd "$vmlab_cache/deb" && apt-get download "$kpkg")
            deb=$(ls "$vmlab_cache"/deb/"${kpkg}"_*.deb | head -n1)
        fi
        if [[ ! -d $vmlab_kroot/lib/modules ]]; then
            rm -rf "$vmlab_kroot"
            dpkg-deb -x "$deb" "$vmlab_kroot"
        fi
        kver=$(ls "$vmlab_kroot/lib/modules" | head -n1)
        [[ -s $vmlab_kroot/lib/modules/$kver/modules.dep ]] || depmod -b "$vmlab_kroot" "$kver"
    ) 9>"$vmlab_cache/.prepare.lock" || return 2
    vmlab_kver=$(ls "$vmlab_kroot/lib/modules" | head -n1)
    vmlab_vmlinuz="$vmlab_kroot/boot/vmlinuz-$vmlab_kver"

    vmlab_work=$(mktemp -d /var/tmp/vm-lab.XXXXXX)
    vmlab_ird="$vmlab_work/initrd"
    mkdir -p "$vmlab_ird"/{bin,sbin,proc,sys,dev,tmp,run,etc,modules,lab}
    cp "$vmlab_busybox" "$vmlab_ird/bin/busybox"
    for t in $("$vmlab_busybox" --list); do
        [[ -e $vmlab_ird/bin/$t ]] || ln -s busybox "$vmlab_ird/bin/$t"
    done
}

# vmlab_cleanup: remove the scratch dir (call from the caller's EXIT trap).
vmlab_cleanup() {
    [[ -n ${vmlab_work:-} && -d $vmlab_work ]] && rm -rf "$vmlab_work"
    return 0
}

# vmlab_copy_bin FILE...: copy each binary (symlinks resolved) and every library ldd lists, at
# the same absolute paths. Prints nothing; the binary's in-VM path is `readlink -f FILE`.
vmlab_copy_bin() {
    local f real lib
    for f in "$@"; do
        real=$(readlink -f "$f")
        mkdir -p "$vmlab_ird$(dirname "$real")"
        cp -L "$real" "$vmlab_ird$real"
        ldd "$real" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
            mkdir -p "$vmlab_ird$(dirname "$lib")"
            cp -L "$lib" "$vmlab_ird$lib"
        done
    done
}

# vmlab_modules NAME...: the modules with their dependencies, decompressed, in load order
# (one modprobe call per name); /init loads them from /modules/order.
vmlab_modules() {
    local m ko base
    touch "$vmlab_ird/modules/order"
    for m in "$@"; do
        modprobe -d "$vmlab_kroot" -S "$vmlab_kver" --show-depends "$m" |
            awk '$1 == "insmod" {print $2}' | while read -r ko; do
            base=$(basename "$ko")
            base=${base%.xz}
            base=${base%.zst}
            grep -qx "$base" "$vmlab_ird/modules/order" && continue
            case $ko in
            *.xz) xz -dc "$ko" >"$vmlab_ird/modules/$base" ;;
            *.zst) zstd -qdc "$ko" >"$vmlab_ird/modules/$base" ;;
            *) cp "$ko" "$vmlab_ird/modules/$base" ;;
            esac
            echo "$base" >>"$vmlab_ird/modules/order"
        done
    done
}

# vmlab_write_init CMD: /init mounts the pseudo file systems, loads the modules, prints
# "VM-LAB BOOTED", runs CMD (a shell line; use bash for scripts: busybox sh prefers its own
# applets over the real tools), prints "VM-LAB EXIT <status>" and powers off.
vmlab_write_init() {
    cat >"$vmlab_ird/init" <<EOF
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The initramfs root is already a writable RAM file system: /tmp and /run are plain directories
# there, because a tmpfs mounted over them would hide what vmlab_copy_bin packed at its host path
# (a checkout under /tmp, as \`mktemp -d\` makes).
mkdir -p /tmp /run
for m in \$(cat /modules/order); do
    insmod /modules/\$m 2>/dev/null || echo "insmod \$m failed (crc32c-intel may fail harmlessly)"
done
echo "VM-LAB BOOTED"
$1
echo "VM-LAB EXIT \$?"
poweroff -f
EOF
    chmod +x "$vmlab_ird/init"
}

# vmlab_boot LOG [TIMEOUT]: pack the initramfs, boot it under TCG (serial console to stdout and
# LOG). Returns 0 when the VM reported "VM-LAB EXIT 0", 3 when it never booted (no
# "VM-LAB BOOTED": qemu missing/broken, kernel panic, timeout before init), 1 otherwise.
vmlab_boot() {
    local log=$1 vm_timeout=${2:-300} start lockfile=/tmp/keepalived-rs-netns-lab.lock
    (cd "$vmlab_ird" && find . | cpio -o -H newc --quiet | gzip -1 >"$vmlab_work/initrd.gz")
    mkdir -p "$(dirname "$log")"
    echo "booting $vmlab_kver under qemu (TCG); log: $log"
    start=$(date +%s)
    (
        if [[ ${VMLAB_LOCK:-1} == 1 ]]; then
            flock -n 9 || { echo "waiting for $lockfile"; flock 9; }
        fi
        timeout "$vm_timeout" qemu-system-x86_64 -accel tcg -m "${VMLAB_MEM:-1024}" -smp 2 \
            -nographic -no-reboot -kernel "$vmlab_vmlinuz" -initrd "$vmlab_work/initrd.gz" \
            -append "console=ttyS0 quiet panic=-1" </dev/null 9>&- | tr -d '\r' | tee "$log"
    ) 9>"$lockfile" || true
    echo "VM wall time: $(($(date +%s) - start)) s"
    grep -q '^VM-LAB BOOTED' "$log" || return 3
    grep -q '^VM-LAB EXIT 0$' "$log" || return 1
    return 0
}
