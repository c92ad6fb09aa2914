# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this
# Shared helpers for the packaging scripts: repository paths and the one-time installs of the
# build/check tools. Sourced, never run. Every tool comes from a package registry by its ordinary
# client (Debian apt, PyPI pip, crates.io cargo, npm), pinned, and is only installed when missing.
#
# Environment knobs:
#   CARGO_TARGET_DIR        cargo's target dir (default: <repo>/target); the RPM is built under it
#   KEEPALIVED_RS_TOOLS     where pip/cargo/npm tools go (default: ~/.cache/keepalived-rs-packaging)

set -euo pipefail

PKG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$PKG_DIR/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_DIR/target}"
TOOLS_DIR="${KEEPALIVED_RS_TOOLS:-${HOME:-/root}/.cache/keepalived-rs-packaging}"

# Pinned tool versions (the ones measured in shared/reference/packaging-el7.md).
ZIGLANG_VERSION="0.17.1"
CARGO_ZIGBUILD_VERSION="0.24.1"
GLIBC217_NPM_PKG="@napi-rs/cross-toolchain-x64-target-x86_64@1.0.0"

# The Rust target: x86_64 linux-gnu, linked against glibc 2.17 symbol versions (CentOS 7).
ZIG_TARGET="x86_64-unknown-linux-gnu.2.17"
RUST_TARGET="x86_64-unknown-linux-gnu"
RPM_TOPDIR="$TARGET_DIR/rpmbuild"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

apt_updated=0
# apt_install PKG...: Debian packages, with one `apt-get update` per run.
apt_install() {
    command -v apt-get >/dev/null || die "need $* but apt-get is not available"
    if [ "$apt_updated" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_rpm: rpmbuild, rpm2cpio and cpio (Debian's rpm 4.18).
ensure_rpm() {
    local missing=()
    command -v rpmbuild >/dev/null || missing+=(rpm)
    command -v rpm2cpio >/dev/null || missing+=(rpm2cpio)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v readelf >/dev/null || missing+=(binutils)
    command -v gzip >/dev/null || missing+=(gzip)
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

# ensure_zig: zig from PyPI's `ziglang` wheel, installed with --target into the tools dir (keeps
# the system/pyenv site-packages untouched and sidesteps PEP 668). Exports CARGO_ZIGBUILD_ZIG_PATH.
ensure_zig() {
    local zig="$TOOLS_DIR/py/ziglang/zig"
    if [ ! -x "$zig" ] || [ "$("$zig" version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
        log "installing ziglang==$ZIGLANG_VERSION from PyPI into $TOOLS_DIR/py"
        if ! python3 -m pip --version >/dev/null 2>&1; then
            apt_install python3-pip
        fi
        rm -rf "$TOOLS_DIR/py"
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
            --target "$TOOLS_DIR/py" "ziglang==$ZIGLANG_VERSION"
    fi
    export CARGO_ZIGBUILD_ZIG_PATH="$zig"
}

# ensure_zigbuild: cargo-zigbuild from crates.io into the tools dir; puts it first on PATH.
ensure_zigbuild() {
    local bin="$TOOLS_DIR/cargo/bin/cargo-zigbuild"
    if [ ! -x "$bin" ] || ! "$bin" --version 2>/dev/null | grep -q " $CARGO_ZIGBUILD_VERSION\$"; then
        log "installing cargo-zigbuild $CARGO_ZIGBUILD_VERSION from crates.io into $TOOLS_DIR/cargo"
        cargo install --quiet --locked --force cargo-zigbuild --version "$CARGO_ZIGBUILD_VERSION" \
            --root "$TOOLS_DIR/cargo"
    fi
    export PATH="$TOOLS_DIR/cargo/bin:$PATH"
}

# ensure_glibc217: a real glibc 2.17 runtime (ld-2.17.so, libc-2.17.so, libpthread, libdl, ...)
# taken from the npm package napi-rs ships its crosstool sysroot in. Prints the lib directory.
ensure_glibc217() {
    local dir="$TOOLS_DIR/glibc-2.17"
    if [ ! -e "$dir/lib/libc-2.17.so" ] || [ ! -e "$dir/lib/ld-linux-x86-64.so.2" ]; then
        log "fetching a glibc 2.17 runtime from npm ($GLIBC217_NPM_PKG)"
        command -v npm >/dev/null || apt_install npm
        command -v xz >/dev/null || apt_install xz-utils
        local tmp
        tmp="$(mktemp -d)"
        (cd "$tmp" && npm pack --silent "$GLIBC217_NPM_PKG" >/dev/null)
        tar -xzf "$tmp"/*.tgz -C "$tmp" package/x86_64-unknown-linux-gnu.tar.xz
        rm -rf "$dir" && mkdir -p "$dir"
        tar -xJf "$tmp/package/x86_64-unknown-linux-gnu.tar.xz" -C "$dir" --strip-components=3 \
            ./x86_64-unknown-linux-gnu/sysroot/lib
        rm -rf "$tmp"
        [ -e "$dir/lib/libc-2.17.so" ] || die "npm package did not contain libc-2.17.so"
    fi
    printf '%s\n' "$dir/lib"
}

# find_rpm: the keepalived binary RPM built by build-rpm.sh (it empties the rpmbuild dir first).
find_rpm() {
    local f=("$RPM_TOPDIR"/RPMS/x86_64/keepalived-*.x86_64.rpm)
    [ -f "${f[0]}" ] || die "no RPM under $RPM_TOPDIR/RPMS/x86_64 (run: make rpm)"
    [ "${#f[@]}" = 1 ] || die "several RPMs under $RPM_TOPDIR/RPMS/x86_64: pass one as argument"
    printf '%s\n' "${f[0]}"
}

# rpm_vercmp A B: prints -1, 0 or 1 using rpm's own comparison (rpmvercmp on [E:]V-R).
rpm_vercmp() {
    rpm --eval "%{lua: print(rpm.vercmp('$1', '$2'))}"
}

# glibc_max ELF: the newest GLIBC_x.y symbol version the file needs (empty if none).
glibc_max() {
    readelf -V --wide "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -Vu | tail -n1
}

# version_le A B: true when dotted version A <= B.
version_le() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]
}

# crate_version: the `keepalived` crate's version (workspace version), from cargo metadata.
crate_version() {
    (cd "$REPO_DIR" && cargo metadata --no-deps --format-version 1) |
        python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "keepalived"))'
}

# rpm_version_for CRATE_VERSION: the RPM Version tag. "1.3.5.rs.<crate version>" sorts after every
# keepalived-1.3.5-N (any release N) and before any real keepalived >= 1.3.6; a semver pre-release
# "-x" becomes "~x" so it sorts before the release. Rationale: docs/migration.md.
rpm_version_for() {
    printf '1.3.5.rs.%s\n' "${1//-/\~}"
}
