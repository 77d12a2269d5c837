#!/usr/bin/env bash
# Re-create examples/images/debian-12-app, the image of examples/fix/deployment.yaml: one layer
# holding only what kmend fix reads, deterministic (the same bytes every time):
#   etc/os-release, var/lib/dpkg/status   the real Debian 12 minbase of examples/debian-12-*
#   etc/apt/sources.list, etc/apt/trusted.gpg.d/debian-archive-bookworm-*.asc, etc/passwd
#                                         those files of the same image (examples/fix/image-files)
#   bin/sh, usr/bin/dpkg, usr/lib/apt/apt-helper   placeholders: kmend checks that the image
#                                         has a shell, dpkg and a downloader, and never runs
#                                         them; this image is for --dry-run, not for running
# and a config as Debian's own debian:12 image has (PATH, Cmd bash).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/oci-layout.bash
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
root="$w/root"
mkdir -p "$root/usr/lib" "$root/etc" "$root/var/lib/dpkg" "$root/bin" "$root/usr/bin" "$root/usr/lib/apt"
cp examples/debian-12-os-release "$root/usr/lib/os-release"
ln -s ../usr/lib/os-release "$root/etc/os-release"
cp examples/debian-12-dpkg-status "$root/var/lib/dpkg/status"
cp -r examples/fix/image-files/. "$root/"
for p in bin/sh usr/bin/dpkg usr/lib/apt/apt-helper; do
  printf '#!/bin/false\n# a placeholder of kmend'"'"'s example image: %s is not here\n' "$p" >"$root/$p"
  chmod 755 "$root/$p"
done
chmod -R u=rwX,go=rX "$root"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$w/layer.tar" -C "$root" .
gzip -n -9 -c "$w/layer.tar" >"$w/layer.tar.gz"
rm -rf examples/images/debian-12-app
OCI_RUN_CONFIG='{"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["bash"]}' \
  oci_layout examples/images/debian-12-app 12 "$w/layer.tar.gz"
echo "examples/images/debian-12-app written"
