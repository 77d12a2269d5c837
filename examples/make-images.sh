#!/usr/bin/env bash
# Re-create the bundled example image examples/images/ubuntu-18.04 (an OCI layout): one layer
# holding Ubuntu 18.04's /etc/os-release and the dpkg status database of a real Ubuntu 18.04
# system (trivy's "valid" dpkg fixture, test/fixtures/pkgdb/trivy-dpkg/valid.txtar; see
# test/fixtures/pkgdb/PROVENANCE.md). Nothing else of the system is there: it is an image of
# what kmend reads. Deterministic: the same bytes every time.
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
echo "examples/images/ubuntu-18.04 written"
