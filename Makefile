# Packaging entry points (the Rust build itself is plain cargo; see README.md).
#   make rpm          build the CentOS/RHEL 7 RPM (installs rpm, ziglang, cargo-zigbuild if missing)
#   make check-rpm    verify the built RPM (EL7 readability, glibc 2.17, file list, runs on glibc 2.17)
#   make test-upgrade install a stand-in keepalived-1.3.5-19.el7, edit its config, upgrade to ours
# The RPM lands in $(CARGO_TARGET_DIR or target)/rpmbuild/RPMS/x86_64/.

.PHONY: rpm check-rpm test-upgrade

rpm:
	packaging/build-rpm.sh

check-rpm:
	packaging/check-rpm.sh

test-upgrade:
	packaging/test-upgrade.sh
