#!/usr/bin/env bash
# `make check-rpm` / CI: verify the built RPM is an in-place replacement for EL7's keepalived-1.3.5
# that CentOS 7.4 (rpm 4.11, glibc 2.17, systemd 219) can install and run.
#   usage: packaging/check-rpm.sh [PATH/TO/keepalived-*.x86_64.rpm]   (default: newest one built)
# Each check prints "ok:" or "FAIL:"; the script exits non-zero if any check failed.
# shellcheck disable=SC2016  # single-quoted bash -c programs and literal unit lines are intended
source "$(dirname "$0")/tools.sh"

ensure_rpm
rpm_file="${1:-$(find_rpm)}"
[ -f "$rpm_file" ] || die "no such RPM: $rpm_file"
rpm_file="$(readlink -f "$rpm_file")"
log "checking $rpm_file"

failures=0
passed=0
ok() { printf 'ok: %s\n' "$*"; passed=$((passed + 1)); }
fail() { printf 'FAIL: %s\n' "$*"; failures=$((failures + 1)); }
# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() { local what="$1"; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
q() { rpm -qp --nosignature --qf "$1" "$rpm_file"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- identity and version ordering ------------------------------------------------------------
name="$(q '%{NAME}')"
epoch="$(q '%{EPOCH}')"
version="$(q '%{VERSION}')"
release="$(q '%{RELEASE}')"
check "Name is keepalived (same name: the old package's scriptlets then restart, not disable, the service)" \
    test "$name" = keepalived
check "no Epoch (got '$epoch')" test "$epoch" = "(none)"
check "arch x86_64, os linux" test "$(q '%{ARCH} %{OS}')" = "x86_64 linux"
# Version alone beats 1.3.5, so every keepalived-1.3.5-N sorts older whatever N is.
check "version $version > 1.3.5 (rpm vercmp)" test "$(rpm_vercmp "$version" 1.3.5)" = 1
for old in 1.3.5-19.el7 1.3.5-19.el7_9 1.3.5-999.el7 1.3.5-99999.el7_9.99; do
    check "$version-$release newer than keepalived-$old" \
        test "$(rpm_vercmp "$version-$release" "$old")" = 1
done

# --- what rpm 4.11 (EL7) can read ------------------------------------------------------------
check "rpm -K: digests OK" rpm -K --nosignature "$rpm_file" >/dev/null
compressor="$(q '%{PAYLOADCOMPRESSOR}')"
case "$compressor" in
    gzip | xz | bzip2 | lzma) ok "payload compressor '$compressor' is readable by rpm 4.11" ;;
    *) fail "payload compressor '$compressor' is not readable by rpm 4.11 (gzip/xz/bzip2 only)" ;;
esac
# PGPHASHALGO ids: 1 md5, 2 sha1, 8 sha256, 9 sha384, 10 sha512 (all known to 4.11).
digest="$(q '%{FILEDIGESTALGO}')"
case "$digest" in
    1 | 2 | 8 | 9 | 10 | "(none)") ok "file digest algorithm '$digest' known to rpm 4.11" ;;
    *) fail "file digest algorithm '$digest' unknown to rpm 4.11" ;;
esac
# rpmlib() features of rpm 4.11.3 (lib/rpmds.c at rpm-4.11.3-release).
rpm411_features=" VersionedDependencies CompressedFileNames PayloadIsBzip2 PayloadIsXz PayloadIsLzma
 PayloadFilesHavePrefix ExplicitPackageProvide HeaderLoadSortsTags ScriptletInterpreterArgs
 PartialHardlinkSets ConcurrentAccess BuiltinLuaScripts FileDigests FileCaps ScriptletExpansion
 TildeInVersions "
rpm -qp --nosignature --requires "$rpm_file" >"$work/requires"
rpmlib_bad=0
while read -r feature; do
    if [[ "$rpm411_features" != *" $feature"[[:space:]]* ]]; then
        fail "requires rpmlib($feature), unknown to rpm 4.11"
        rpmlib_bad=1
    fi
done < <(sed -n 's/^rpmlib(\([A-Za-z0-9]*\)).*/\1/p' "$work/requires")
[ "$rpmlib_bad" = 1 ] || ok "every rpmlib() requirement is known to rpm 4.11: $(grep -o '^rpmlib([A-Za-z]*)' "$work/requires" | tr '\n' ' ')"
if for dep in requires provides conflicts obsoletes recommends suggests; do
    rpm -qp --nosignature "--$dep" "$rpm_file" 2>/dev/null
done | grep -q '^('; then
    fail "rich (boolean) dependencies: rpm 4.11 cannot parse them"
else
    ok "no rich (boolean) dependencies"
fi
too_new="$(sed -n 's/^libc\.so\.6(GLIBC_\([0-9.]*\)).*/\1/p' "$work/requires" |
    while read -r v; do version_le "$v" 2.17 || printf '%s ' "$v"; done)"
check "no libc.so.6(GLIBC_x) requirement above 2.17${too_new:+ (has: $too_new)}" test -z "$too_new"

# --- file list, flags, modes -----------------------------------------------------------------
cat >"$work/expected-files" <<'EOF'
/etc/keepalived
/etc/keepalived/keepalived.conf
/etc/sysconfig/keepalived
/usr/bin/genhash
/usr/lib/systemd/system/keepalived.service
/usr/sbin/keepalived
/usr/share/keepalived
/usr/share/keepalived/systemd
/usr/share/keepalived/systemd/keepalived-hardened.conf
/usr/share/keepalived/systemd/keepalived-notify.conf
/usr/share/man/man1/genhash.1.gz
/usr/share/man/man5/keepalived.conf.5.gz
/usr/share/man/man8/keepalived.8.gz
EOF
rpm -qlp --nosignature "$rpm_file" | sort >"$work/files"
if diff -u "$work/expected-files" "$work/files" >"$work/files.diff"; then
    ok "file list is exactly: $(tr '\n' ' ' <"$work/expected-files")"
else
    fail "file list differs from the expected one:"
    cat "$work/files.diff"
fi
q '[%{FILEFLAGS:fflags}|%{FILEMODES:perms}|%{FILEUSERNAME}|%{FILEGROUPNAME}|%{FILENAMES}\n]' >"$work/attrs"
attr_of() { awk -F'|' -v f="$1" '$5 == f { print $1 "|" $2 "|" $3 "|" $4 }' "$work/attrs"; }
check "keepalived.conf is %config(noreplace), 0600 root:root" \
    test "$(attr_of /etc/keepalived/keepalived.conf)" = "cn|-rw-------|root|root"
check "sysconfig is %config(noreplace), 0600 root:root" \
    test "$(attr_of /etc/sysconfig/keepalived)" = "cn|-rw-------|root|root"
check "/usr/sbin/keepalived is 0755 root:root, not config" \
    test "$(attr_of /usr/sbin/keepalived)" = "|-rwxr-xr-x|root|root"
check "/usr/bin/genhash is 0755 root:root, not config" \
    test "$(attr_of /usr/bin/genhash)" = "|-rwxr-xr-x|root|root"
check "/etc/keepalived is an owned directory" \
    test "$(attr_of /etc/keepalived | cut -d'|' -f2 | cut -c1)" = d
configs="$(awk -F'|' '$1 ~ /c/ { print $5 }' "$work/attrs" | sort | tr '\n' ' ')"
check "only the two files are %config (got: $configs)" \
    test "$configs" = "/etc/keepalived/keepalived.conf /etc/sysconfig/keepalived "

# --- scriptlets: EL7 %systemd_post / %systemd_preun / %systemd_postun_with_restart -----------
rpm -qp --nosignature --scripts "$rpm_file" >"$work/scripts"
scriptlet() { awk -v s="$1 scriptlet" 'index($0, s) == 1 { on = 1; next } /scriptlet \(using/ { on = 0 } on' "$work/scripts"; }
check "%post: 'systemctl preset keepalived.service' on first install only" \
    bash -c '[[ "$1" == *"-eq 1"*"systemctl preset keepalived.service"* ]]' _ "$(scriptlet postinstall)"
check "%preun: disable + stop only on erase (\$1 -eq 0)" \
    bash -c '[[ "$1" == *"-eq 0"*"--no-reload disable keepalived.service"*"stop keepalived.service"* ]]' _ "$(scriptlet preuninstall)"
check "%postun: daemon-reload, then try-restart on upgrade (\$1 -ge 1)" \
    bash -c '[[ "$1" == *"systemctl daemon-reload"*"-ge 1"*"try-restart keepalived.service"* ]]' _ "$(scriptlet postuninstall)"
check "Requires(post/preun/postun): systemd" bash -c "grep -qx 'systemd' '$work/requires'"

# --- payload contents ------------------------------------------------------------------------
mkdir "$work/root"
(cd "$work/root" && rpm2cpio "$rpm_file" | cpio -idmu --quiet)
unit="$work/root/usr/lib/systemd/system/keepalived.service"
for line in 'Type=forking' 'PIDFile=/var/run/keepalived.pid' 'KillMode=process' \
    'EnvironmentFile=-/etc/sysconfig/keepalived' 'ExecStart=/usr/sbin/keepalived $KEEPALIVED_OPTIONS' \
    'ExecReload=/bin/kill -HUP $MAINPID' 'WantedBy=multi-user.target'; do
    check "unit has '$line'" grep -qxF "$line" "$unit"
done
# The optional drop-ins: inert where shipped (not under a .service.d directory).
dropins="$work/root/usr/share/keepalived/systemd"
for line in 'Type=notify' 'NotifyAccess=main' 'ExecStart=' \
    'ExecStart=/usr/sbin/keepalived --dont-fork $KEEPALIVED_OPTIONS'; do
    check "notify drop-in has '$line'" grep -qxF "$line" "$dropins/keepalived-notify.conf"
done
for line in 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' 'NoNewPrivileges=yes'; do
    check "hardened drop-in has '$line'" grep -qxF "$line" "$dropins/keepalived-hardened.conf"
done
check "hardened drop-in keeps /tmp shared (exporters read the dumps)" \
    bash -c '! grep -q "^PrivateTmp" "$1"' _ "$dropins/keepalived-hardened.conf"
check "sysconfig sets KEEPALIVED_OPTIONS=\"-D\"" \
    grep -qx 'KEEPALIVED_OPTIONS="-D"' "$work/root/etc/sysconfig/keepalived"
for man in man8/keepalived.8 man5/keepalived.conf.5 man1/genhash.1; do
    check "man page $man.gz is gzip with a .TH header" \
        bash -c "zcat '$work/root/usr/share/man/$man.gz' | grep -q '^\.TH '"
done

zcat "$work/root/usr/share/man/man1/genhash.1.gz" >"$work/genhash.1"
check "genhash(1) documents -s, -p, -u and the MD5SUM output" \
    bash -c 'for w in "\\-s" "\\-p" "\\-u" "MD5SUM ="; do grep -qF -- "$w" "$1" || exit 1; done' _ "$work/genhash.1"

# Every ELF in the payload: glibc 2.17 symbol versions, EL7 loader, only glibc libraries.
elves=""
allowed_needed=" libc.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libm.so.6 libgcc_s.so.1 ld-linux-x86-64.so.2 "
while IFS= read -r -d '' f; do
    [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    rel="${f#"$work/root"}"
    elves+="$rel "
    max="$(glibc_max "$f")"
    check "$rel: max symbol version GLIBC_${max:-none} <= 2.17" version_le "${max:-0}" 2.17
    interp="$(readelf -l "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')"
    check "$rel: interpreter '$interp' is /lib64/ld-linux-x86-64.so.2" \
        test "$interp" = /lib64/ld-linux-x86-64.so.2
    needed="$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
    bad=""
    for n in $needed; do [[ "$allowed_needed" == *" $n "* ]] || bad+="$n "; done
    check "$rel: NEEDED only glibc/libgcc libraries ($needed)" test -z "$bad"
done < <(find "$work/root" -type f -print0 | sort -z)
check "the ELF files checked above are exactly /usr/bin/genhash and /usr/sbin/keepalived (got: $elves)" \
    test "$elves" = "/usr/bin/genhash /usr/sbin/keepalived "

# --- run it on a real glibc 2.17 -------------------------------------------------------------
glibc="$(ensure_glibc217)"
ld217="$glibc/ld-linux-x86-64.so.2"
run217() { timeout 30 "$ld217" --library-path "$glibc" "$@"; }
libc_banner="$(run217 "$glibc/libc.so.6" 2>&1 | head -n1 || true)"
check "loader runs the real glibc 2.17 ($libc_banner)" \
    bash -c '[[ "$1" == *"release version 2.17"* ]]' _ "$libc_banner"
bin="$work/root/usr/sbin/keepalived"

set +e
out="$(run217 "$bin" --version 2>&1)"; rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/    | /' | head -n 8
check "keepalived --version on glibc 2.17 exits 0 (rc=$rc)" test "$rc" = 0
check "keepalived --version prints a banner naming keepalived" \
    bash -c '[[ "${1,,}" == *keepalived* ]]' _ "$out"

# The seed config, our default, and EL7's 1.3.5 default (three virtual_server blocks: the checker
# configuration path on glibc 2.17).
for conf in "$REPO_DIR/examples/seed/nodeA.conf" "$work/root/etc/keepalived/keepalived.conf" \
    "$REPO_DIR/testdata/samples/extra/etc_keepalived.conf.v1.3.5"; do
    set +e
    out="$(run217 "$bin" -t -f "$conf" 2>&1)"; rc=$?
    set -e
    printf '%s\n' "$out" | sed 's/^/    | /' | head -n 8
    check "keepalived -t -f ${conf#"$work/root"} on glibc 2.17 exits 0 (rc=$rc)" test "$rc" = 0
done

# genhash: 1.3.5's options; -r and -h print to stderr and exit 0, as 1.3.5's genhash does.
genhash="$work/root/usr/bin/genhash"
check "genhash is executable" test -x "$genhash"
set +e
out="$(run217 "$genhash" -r 2>&1)"; rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/    | /'
check "genhash -r on glibc 2.17 exits 0 and prints its version line (rc=$rc)" \
    bash -c '[[ $1 == 0 && "$2" == "genhash v"* ]]' _ "$rc" "$out"
set +e
out="$(run217 "$genhash" -h 2>&1)"; rc=$?
set -e
printf '%s\n' "$out" | sed 's/^/    | /' | head -n 4
check "genhash -h on glibc 2.17 exits 0 and prints its usage (-s, -p, -u, --use-ssl, MD5) (rc=$rc)" \
    bash -c '[[ $1 == 0 && "$2" == *"Usage:"* && "$2" == *"-s server-address -p port -u url"* &&
        "$2" == *"--use-ssl"* && "$2" == *"MD5"* ]]' _ "$rc" "$out"

# genhash on glibc 2.17 against a real web server: python3's http.server on the loopback of a
# network namespace of our own (unshare -n), so no traffic touches the host's interfaces. The
# digest must be the MD5 of the page's bytes.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v python3 >/dev/null &&
    unshare -n true 2>/dev/null; then
    mkdir "$work/www"
    head -c 20000 /dev/urandom >"$work/www/page.bin"
    want="$(md5sum "$work/www/page.bin" | cut -d' ' -f1)"
    set +e
    out="$(timeout 60 unshare -n bash -c '
        ip link set lo up || exit 90
        python3 -m http.server --bind 127.0.0.1 8080 --directory "$1" >/dev/null 2>&1 &
        srv=$!
        trap "kill $srv 2>/dev/null" EXIT
        for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done
        timeout 30 "$2" --library-path "$3" "$4" -s 127.0.0.1 -p 8080 -u /page.bin
    ' _ "$work/www" "$ld217" "$glibc" "$genhash" 2>&1)"; rc=$?
    set -e
    printf '%s\n' "$out" | sed 's/^/    | /'
    check "genhash on glibc 2.17 prints 'MD5SUM = $want' for a 20000-byte page (rc=$rc)" \
        bash -c '[[ $1 == 0 && "$2" == *"MD5SUM = $3"* ]]' _ "$rc" "$out" "$want"
elif [ "${CI:-}" = true ]; then
    fail "genhash digest check: needs root, unshare and python3 (CI=true: not skipped)"
else
    printf 'skip: genhash digest check (needs root, unshare -n and python3)\n'
fi

printf '%d passed, %d failed\n' "$passed" "$failures"
[ "$failures" = 0 ]
