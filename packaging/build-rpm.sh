#!/usr/bin/env bash
# `make rpm`: build the CentOS/RHEL 7 RPM of keepalived-rs from a clean checkout.
#   1. installs missing tools (Debian rpm, PyPI ziglang, crates.io cargo-zigbuild), see tools.sh;
#   2. cargo zigbuild --release --locked for x86_64-unknown-linux-gnu.2.17 (glibc 2.17 symbols):
#      the daemon `keepalived` and the `genhash` tool;
#   3. refuses a binary needing any symbol version newer than GLIBC_2.17;
#   4. rpmbuild -bb packaging/keepalived.spec into $CARGO_TARGET_DIR/rpmbuild.
# Prints the path of the RPM on its last line.
source "$(dirname "$0")/tools.sh"

ensure_rpm
ensure_zig
ensure_zigbuild

log "cargo zigbuild --release --locked --target $ZIG_TARGET (keepalived, genhash)"
(cd "$REPO_DIR" && cargo zigbuild --release --locked -p keepalived --bin keepalived \
    -p genhash --bin genhash --target "$ZIG_TARGET")
for name in keepalived genhash; do
    bin="$TARGET_DIR/$RUST_TARGET/release/$name"
    [ -x "$bin" ] || die "cargo zigbuild did not produce $bin"
    max="$(glibc_max "$bin")"
    [ -n "$max" ] || die "$bin references no GLIBC symbol versions (not a glibc binary?)"
    version_le "$max" 2.17 || die "$bin needs GLIBC_$max; CentOS 7 has glibc 2.17"
    log "$name OK: max symbol version GLIBC_$max"
done

crate_ver="$(crate_version)"
rpm_version="$(rpm_version_for "$crate_ver")"
rpm_release="${RPM_RELEASE:-1.el7}"

rm -rf "$RPM_TOPDIR"
mkdir -p "$RPM_TOPDIR"/{SOURCES,SPECS,BUILD,BUILDROOT,RPMS,SRPMS}
cp "$TARGET_DIR/$RUST_TARGET/release/keepalived" "$TARGET_DIR/$RUST_TARGET/release/genhash" \
   "$RPM_TOPDIR/SOURCES/"
cp "$PKG_DIR"/keepalived.service "$PKG_DIR"/keepalived.sysconfig "$PKG_DIR"/keepalived.conf \
   "$PKG_DIR"/keepalived.8 "$PKG_DIR"/keepalived.conf.5 "$PKG_DIR"/genhash.1 \
   "$PKG_DIR"/keepalived-notify.conf "$PKG_DIR"/keepalived-hardened.conf "$RPM_TOPDIR/SOURCES/"
cp "$PKG_DIR/keepalived.spec" "$RPM_TOPDIR/SPECS/"

log "rpmbuild keepalived-$rpm_version-$rpm_release (crate $crate_ver)"
rpmbuild --quiet -bb \
    --define "_topdir $RPM_TOPDIR" \
    --define "rpm_version $rpm_version" \
    --define "rpm_release $rpm_release" \
    --target x86_64-linux \
    "$RPM_TOPDIR/SPECS/keepalived.spec"

find_rpm
