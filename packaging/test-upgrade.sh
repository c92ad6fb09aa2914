#!/usr/bin/env bash
# Upgrade test (`make test-upgrade`, CI after `make rpm`): does our RPM replace EL7's keepalived-1.3.5
# in place the way `yum install ./keepalived-*.rpm` would?
#   usage: packaging/test-upgrade.sh [PATH/TO/keepalived-*.x86_64.rpm]   (default: newest one built)
#
# 1. builds a stand-in "keepalived-1.3.5-19.el7" with EL7's file list and EL7's expanded systemd
#    scriptlets (stub binaries: only the packaging is under test);
# 2. installs it into a scratch --root that has a /bin/sh and a logging `systemctl` stub, so the
#    scriptlets really run (chrooted by rpm) and their systemctl calls are recorded;
# 3. edits /etc/keepalived/keepalived.conf, leaves /etc/sysconfig/keepalived untouched;
# 4. `rpm -U` to ours and checks: the edited config survived, our default landed as .rpmnew, the
#    untouched sysconfig was replaced, the old package's scriptlets ran daemon-reload + try-restart
#    (not disable/stop), our keepalived and genhash (and genhash(1)) replaced the old ones, the
#    MIBs and docs only the old package had are gone, and rpm refuses to "upgrade" back to 1.3.5;
# 5. rolls back with `rpm -U --oldpackage` (what docs/migration.md tells users) and checks again:
#    the old genhash, MIBs and docs are back.
# Needs root (rpm --root chroots to run scriptlets). Uses --nodeps only because the scratch root has
# no glibc/systemd packages in its database.
# shellcheck disable=SC2016  # single-quoted bash -c programs are intended
source "$(dirname "$0")/tools.sh"

[ "$(id -u)" = 0 ] || die "run as root (rpm --root needs chroot)"
ensure_rpm
ours="${1:-$(find_rpm)}"
[ -f "$ours" ] || die "no such RPM: $ours"

failures=0
passed=0
ok() { printf 'ok: %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

# --- the stand-in keepalived-1.3.5-19.el7 ----------------------------------------------------
tree="$work/standin-tree"
mkdir -p "$tree"/{etc/keepalived,etc/sysconfig,usr/sbin,usr/bin,usr/lib/systemd/system} \
    "$tree"/usr/share/{man/man1,man/man5,man/man8,snmp/mibs,doc/keepalived-1.3.5}
cat >"$tree/usr/sbin/keepalived" <<'EOF'
#!/bin/sh
echo 'Keepalived v1.3.5 (03/19,2017), git commit v1.3.5-6-g6fa32f2' >&2
EOF
printf '#!/bin/sh\necho "genhash stand-in"\n' >"$tree/usr/bin/genhash"
chmod 0755 "$tree/usr/sbin/keepalived" "$tree/usr/bin/genhash"
cat >"$tree/etc/keepalived/keepalived.conf" <<'EOF'
! Configuration File for keepalived (stand-in for EL7's 1.3.5 default)

global_defs {
   router_id LVS_DEVEL
   vrrp_skip_check_adv_addr
   vrrp_strict
   vrrp_garp_interval 0
   vrrp_gna_interval 0
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.200.16
        192.168.200.17
        192.168.200.18
    }
}
EOF
cat >"$tree/etc/sysconfig/keepalived" <<'EOF'
# Options for keepalived. See `keepalived --help' output and keepalived(8) and
# keepalived.conf(5) man pages for a list of all options. Here are the most
# common ones :
#
# --vrrp               -P    Only run with VRRP subsystem.
# --check              -C    Only run with Health-checker subsystem.
# --dont-release-vrrp  -V    Dont remove VRRP VIPs & VROUTEs on daemon stop.
# --dont-release-ipvs  -I    Dont remove IPVS topology on daemon stop.
# --dump-conf          -d    Dump the configuration data.
# --log-detail         -D    Detailed log messages.
# --log-facility       -S    0-7 Set local syslog facility (default=LOG_DAEMON)
#

KEEPALIVED_OPTIONS="-D"
EOF
cat >"$tree/usr/lib/systemd/system/keepalived.service" <<'EOF'
[Unit]
Description=LVS and VRRP High Availability Monitor
After=syslog.target network-online.target

[Service]
Type=forking
PIDFile=/var/run/keepalived.pid
KillMode=process
EnvironmentFile=-/etc/sysconfig/keepalived
ExecStart=/usr/sbin/keepalived $KEEPALIVED_OPTIONS
ExecReload=/bin/kill -HUP $MAINPID

[Install]
WantedBy=multi-user.target
EOF
for m in man1/genhash.1 man5/keepalived.conf.5 man8/keepalived.8; do
    printf '.TH STAND-IN 1\n' | gzip -9n >"$tree/usr/share/man/$m.gz"
done
for mib in KEEPALIVED-MIB VRRP-MIB VRRPv3-MIB; do echo "-- $mib stand-in" >"$tree/usr/share/snmp/mibs/$mib.txt"; done
for doc in AUTHOR ChangeLog CONTRIBUTORS COPYING README TODO keepalived.conf.SYNOPSIS; do
    echo "$doc stand-in" >"$tree/usr/share/doc/keepalived-1.3.5/$doc"
done

mkdir -p "$work/standin"/{SPECS,BUILD,BUILDROOT,RPMS,SRPMS,SOURCES}
cat >"$work/standin/SPECS/standin.spec" <<'EOF'
%define _binary_payload w9.gzdio
%global debug_package %{nil}
%global _build_id_links none
%global __os_install_post %{nil}
Name:    keepalived
Version: 1.3.5
Release: 19.el7
Summary: stand-in for CentOS 7's keepalived-1.3.5-19.el7 (packaging test only)
License: GPLv2+
Requires(post): systemd
Requires(preun): systemd
Requires(postun): systemd
%description
Stand-in with EL7 keepalived's file list and scriptlets; its binaries are shell stubs.
%install
cp -a %{tree}/. %{buildroot}/
%post
if [ $1 -eq 1 ] ; then
        # Initial installation
        systemctl preset keepalived.service >/dev/null 2>&1 || :
fi
%preun
if [ $1 -eq 0 ] ; then
        # Package removal, not upgrade
        systemctl --no-reload disable keepalived.service > /dev/null 2>&1 || :
        systemctl stop keepalived.service > /dev/null 2>&1 || :
fi
%postun
systemctl daemon-reload >/dev/null 2>&1 || :
if [ $1 -ge 1 ] ; then
        # Package upgrade, not uninstall
        systemctl try-restart keepalived.service >/dev/null 2>&1 || :
fi
%files
%defattr(-,root,root,-)
%doc /usr/share/doc/keepalived-1.3.5
%dir /etc/keepalived
%attr(0600,root,root) %config(noreplace) /etc/keepalived/keepalived.conf
%attr(0600,root,root) %config(noreplace) /etc/sysconfig/keepalived
/usr/lib/systemd/system/keepalived.service
/usr/share/snmp/mibs/KEEPALIVED-MIB.txt
/usr/share/snmp/mibs/VRRP-MIB.txt
/usr/share/snmp/mibs/VRRPv3-MIB.txt
/usr/bin/genhash
%attr(0755,root,root) /usr/sbin/keepalived
/usr/share/man/man1/genhash.1.gz
/usr/share/man/man5/keepalived.conf.5.gz
/usr/share/man/man8/keepalived.8.gz
EOF
rpmbuild --quiet -bb --define "_topdir $work/standin" --define "tree $tree" --target x86_64-linux \
    "$work/standin/SPECS/standin.spec"
standin="$work/standin/RPMS/x86_64/keepalived-1.3.5-19.el7.x86_64.rpm"
[ -f "$standin" ] || die "stand-in RPM was not built"

# --- scratch root: /bin/sh (host dash + its libraries) and a systemctl that logs its arguments --
mkdir -p "$root"/{bin,usr/bin,var/log,var/lib/rpm,var/tmp,tmp,etc,dev}
# A real /dev/null for the scriptlets; a plain file does the same job where mknod is not allowed.
mknod -m 0666 "$root/dev/null" c 1 3 2>/dev/null || : >"$root/dev/null"
sh_bin="$(readlink -f /bin/sh)"
cp "$sh_bin" "$root/bin/sh"
for lib in $(ldd "$sh_bin" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
cat >"$root/usr/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/var/log/systemctl.log
EOF
chmod 0755 "$root/usr/bin/systemctl"
if ! chroot "$root" /bin/sh -c 'systemctl self-test' || ! grep -qx 'self-test' "$root/var/log/systemctl.log"; then
    die "scratch root cannot run /bin/sh scriptlets"
fi
: >"$root/var/log/systemctl.log"

# Debian's rpm nags "use Alien instead" on stderr: drop those two lines, keep everything else.
rpmr() {
    rpm --root "$root" --dbpath /var/lib/rpm "$@" \
        2> >(grep -v -e 'use Alien instead' -e 'assuming you know what you are doing' >&2)
}
installed() { rpmr -q --qf '%{NAME}-%{VERSION}-%{RELEASE}\n' keepalived; }
rpmr --initdb
calls() { tr '\n' ';' <"$root/var/log/systemctl.log"; }

# --- install the stand-in, edit its config ---------------------------------------------------
rpmr -i --nodeps "$standin"
check "stand-in installed: $(installed)" test "$(installed)" = keepalived-1.3.5-19.el7
check "stand-in %post ran in the root (systemctl calls: $(calls))" \
    test "$(calls)" = "preset keepalived.service;"
conf="$root/etc/keepalived/keepalived.conf"
sysconf="$root/etc/sysconfig/keepalived"
sed -i 's/virtual_router_id 51/virtual_router_id 77/; s/192\.168\.200\.16/10.1.2.3\/24/' "$conf"
echo '! edited by the admin before the upgrade' >>"$conf"
cp -p "$conf" "$work/edited.conf"
: >"$root/var/log/systemctl.log"

# --- upgrade to ours -------------------------------------------------------------------------
our_nvr="$(rpm -qp --nosignature --qf '%{NAME}-%{VERSION}-%{RELEASE}' "$ours")"
out="$(rpmr -U --nodeps "$ours" 2>&1)"
printf '%s\n' "$out" | sed 's/^/    | /'
check "rpm -U replaced the stand-in: rpm -q keepalived = $our_nvr" test "$(installed)" = "$our_nvr"
check "rpm -U warned that the new default was created as .rpmnew" \
    bash -c '[[ "$1" == *"keepalived.conf created as "*"keepalived.conf.rpmnew"* ]]' _ "$out"
check "edited keepalived.conf survived byte for byte" cmp -s "$work/edited.conf" "$conf"
check "edited keepalived.conf kept its mode 0600" test "$(stat -c %a "$conf")" = 600
check "our default keepalived.conf landed as keepalived.conf.rpmnew" \
    cmp -s "$PKG_DIR/keepalived.conf" "$conf.rpmnew"
check "untouched sysconfig was replaced by our default" cmp -s "$PKG_DIR/keepalived.sysconfig" "$sysconf"
check "no sysconfig .rpmnew/.rpmsave for the untouched file" \
    test ! -e "$sysconf.rpmnew" -a ! -e "$sysconf.rpmsave" -a ! -e "$conf.rpmsave"
mkdir "$work/ours"
(cd "$work/ours" && rpm2cpio "$ours" | cpio -idmu --quiet)
check "/usr/sbin/keepalived is our binary" cmp -s "$work/ours/usr/sbin/keepalived" "$root/usr/sbin/keepalived"
check "unit file is ours" cmp -s "$work/ours/usr/lib/systemd/system/keepalived.service" \
    "$root/usr/lib/systemd/system/keepalived.service"
check "/usr/bin/genhash is our binary, mode 0755" \
    bash -c 'cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = 755 ]' _ "$work/ours/usr/bin/genhash" "$root/usr/bin/genhash"
check "genhash(1) is ours" cmp -s "$work/ours/usr/share/man/man1/genhash.1.gz" "$root/usr/share/man/man1/genhash.1.gz"
check "rpm -qf /usr/bin/genhash = $our_nvr" \
    test "$(rpmr -qf --qf '%{NAME}-%{VERSION}-%{RELEASE}\n' /usr/bin/genhash)" = "$our_nvr"
# keepalived's MIB texts are GPL and describe the C implementation: not shipped by us.
for mib in KEEPALIVED-MIB VRRP-MIB VRRPv3-MIB; do
    check "$mib.txt (only the old package had it) is gone" test ! -e "$root/usr/share/snmp/mibs/$mib.txt"
done
check "the old package's docs are gone" test ! -e "$root/usr/share/doc/keepalived-1.3.5"
check "upgrade scriptlets: daemon-reload + try-restart, no disable/stop (calls: $(calls))" \
    test "$(calls)" = "daemon-reload;try-restart keepalived.service;"
verify="$(rpmr -V --nodeps keepalived || true)"
check "rpm -V flags only the edited config (${verify//$'\n'/; })" \
    bash -c '[[ "$(printf "%s\n" "$1" | grep -v " c /etc/keepalived/keepalived.conf$" | grep -c .)" == 0 ]]' _ "$verify"

# rpm's own ordering: installing 1.3.5-19.el7 over ours without --oldpackage must be refused.
set +e
out="$(rpmr -U --nodeps "$standin" 2>&1)"; rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/    | /'
check "rpm refuses to 'upgrade' to 1.3.5-19.el7 without --oldpackage (rc=$rc)" \
    bash -c '[[ $1 != 0 && "$2" == *"is already installed"* ]]' _ "$rc" "$out"

# --- rollback, as docs/migration.md describes ------------------------------------------------
: >"$root/var/log/systemctl.log"
rpmr -U --oldpackage --nodeps "$standin" >/dev/null 2>&1 || true
check "rollback with rpm -U --oldpackage: rpm -q keepalived = $(installed)" \
    test "$(installed)" = keepalived-1.3.5-19.el7
check "edited keepalived.conf still intact after rollback" cmp -s "$work/edited.conf" "$conf"
check "rollback scriptlets: our %postun ran daemon-reload + try-restart (calls: $(calls))" \
    test "$(calls)" = "daemon-reload;try-restart keepalived.service;"
check "rollback restored the old genhash (the stand-in's, not ours)" \
    bash -c '[ -x "$1" ] && cmp -s "$2" "$1"' _ "$root/usr/bin/genhash" "$tree/usr/bin/genhash"
check "rollback restored the old genhash(1)" \
    cmp -s "$tree/usr/share/man/man1/genhash.1.gz" "$root/usr/share/man/man1/genhash.1.gz"
check "rollback restored the MIBs" bash -c 'for m in KEEPALIVED-MIB VRRP-MIB VRRPv3-MIB; do
    [ -f "$1/usr/share/snmp/mibs/$m.txt" ] || exit 1; done' _ "$root"
check "rollback restored /usr/sbin/keepalived (the stand-in's)" \
    cmp -s "$tree/usr/sbin/keepalived" "$root/usr/sbin/keepalived"
verify="$(rpmr -V --nodeps keepalived || true)"
check "after rollback rpm -V flags only the edited config (${verify//$'\n'/; })" \
    bash -c '[[ "$(printf "%s\n" "$1" | grep -v " c /etc/keepalived/keepalived.conf$" | grep -c .)" == 0 ]]' _ "$verify"

# --- fresh install of ours into an empty root ------------------------------------------------
rpmr -e --nodeps keepalived
: >"$root/var/log/systemctl.log"
rm -f "$conf" "$conf.rpmnew" "$sysconf"
rpmr -i --nodeps "$ours"
check "fresh install: %post ran preset only (calls: $(calls))" test "$(calls)" = "preset keepalived.service;"
check "fresh install: default keepalived.conf in place, 0600" \
    bash -c 'cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = 600 ]' _ "$PKG_DIR/keepalived.conf" "$conf"
check "fresh install: our genhash and genhash(1) in place, no MIBs" \
    bash -c 'cmp -s "$1/usr/bin/genhash" "$2/usr/bin/genhash" &&
        cmp -s "$1/usr/share/man/man1/genhash.1.gz" "$2/usr/share/man/man1/genhash.1.gz" &&
        [ -z "$(ls -A "$2/usr/share/snmp/mibs" 2>/dev/null)" ]' _ "$work/ours" "$root"
: >"$root/var/log/systemctl.log"
rpmr -e --nodeps keepalived
check "erase: %preun disabled and stopped, %postun reloaded (calls: $(calls))" \
    test "$(calls)" = "--no-reload disable keepalived.service;stop keepalived.service;daemon-reload;"
check "erase: /usr/sbin/keepalived, /usr/bin/genhash and genhash(1) removed" \
    test ! -e "$root/usr/sbin/keepalived" -a ! -e "$root/usr/bin/genhash" -a ! -e "$root/usr/share/man/man1/genhash.1.gz"

printf '%d passed, %d failed\n' "$passed" "$failures"
[ "$failures" = 0 ]
