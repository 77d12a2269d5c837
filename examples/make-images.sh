#!/usr/bin/env bash
# Re-create the bundled example images (OCI layouts), each one layer holding only what kmend
# reads: an os-release and a real dpkg status database. Deterministic: the same bytes every
# time.
#   examples/images/ubuntu-18.04: Ubuntu 18.04's os-release and the status of a real Ubuntu
#     18.04 system (trivy's "valid" dpkg fixture; test/fixtures/pkgdb/PROVENANCE.md)
#   examples/images/debian-12: Debian 12's os-release and the status of the test image
#     test/images/debian12 built on 2026-11-22 (debootstrap minbase + hello), kept in
#     examples/debian-12-dpkg-status and examples/debian-12-os-release
set -euo pipefail
cd "$(dirname "$0")/.."
. test/oci-layout.bash
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
mkdir -p "$w/root/etc" "$w/root/var/lib/dpkg"
cat >"$w/root/etc/os-release" <<'OS'
NAME="Ubuntu"
VERSION="18.04.1 LTS (Bionic Beaver)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 18.04.1 LTS"
VERSION_ID="18.04"
VERSION_CODENAME=bionic
UBUNTU_CODENAME=bionic
OS
sed -n '/^-- var\/lib\/dpkg\/status --$/,/^-- /p' test/fixtures/pkgdb/trivy-dpkg/valid.txtar |
  sed '1d;/^-- /d' >"$w/root/var/lib/dpkg/status"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$w/layer.tar" -C "$w/root" .
gzip -n -9 -c "$w/layer.tar" >"$w/layer.tar.gz"
rm -rf examples/images/ubuntu-18.04
oci_layout examples/images/ubuntu-18.04 18.04 "$w/layer.tar.gz"

mkdir -p "$w/deb/usr/lib" "$w/deb/etc" "$w/deb/var/lib/dpkg"
cp examples/debian-12-os-release "$w/deb/usr/lib/os-release"
ln -s ../usr/lib/os-release "$w/deb/etc/os-release"
cp examples/debian-12-dpkg-status "$w/deb/var/lib/dpkg/status"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$w/deb.tar" -C "$w/deb" .
gzip -n -9 -c "$w/deb.tar" >"$w/deb.tar.gz"
rm -rf examples/images/debian-12
oci_layout examples/images/debian-12 12 "$w/deb.tar.gz"
echo "examples/images written"
bash examples/fix/make-image.sh
