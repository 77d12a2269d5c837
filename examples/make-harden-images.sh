#!/usr/bin/env bash
# Re-create examples/images/harden, the OCI layout docs/harden.md's example runs on: an
# application (one small file, /opt/hello/greeting.txt) on a Debian 12 base, under four tags.
# Deterministic: the same bytes every time.
#   12.4       the base layer of examples/images/debian-12 (os-release and the real dpkg status
#              of the test image) and the application's layer; history: the base's ADD and
#              CMD ["bash"], then the application's COPY and its own CMD
#   12.5       the same with a base layer whose status lists the versions Debian's
#              bookworm-security published for the three vulnerable packages (liblzma5
#              5.4.1-1+deb12u2, libpcre2-8-0 10.42-1+deb12u2, perl-base 5.36.0-7+deb12u4): the
#              status edited to say so, as an upgrade would leave it
#   12.5-slim  and 13.0: the 12.5 image again, decoys of another variant and another major
set -euo pipefail
cd "$(dirname "$0")/.."
. test/oci-layout.bash
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
out=examples/images/harden

pack() { # DIR OUT.tar.gz: a deterministic gzipped tar of DIR
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$w/p.tar" -C "$1" .
  gzip -n -9 -c "$w/p.tar" >"$2"
}
mkdir -p "$w/deb/usr/lib" "$w/deb/etc" "$w/deb/var/lib/dpkg"
cp examples/debian-12-os-release "$w/deb/usr/lib/os-release"
ln -s ../usr/lib/os-release "$w/deb/etc/os-release"
cp examples/debian-12-dpkg-status "$w/deb/var/lib/dpkg/status"
pack "$w/deb" "$w/base.tar.gz"
# The fixed base: each package's Version line after its Package line.
awk '/^Package: /{p=$2} /^Version: /{
  if (p == "liblzma5") $0 = "Version: 5.4.1-1+deb12u2";
  if (p == "libpcre2-8-0") $0 = "Version: 10.42-1+deb12u2";
  if (p == "perl-base") $0 = "Version: 5.36.0-7+deb12u4" } {print}' \
  examples/debian-12-dpkg-status >"$w/deb/var/lib/dpkg/status"
pack "$w/deb" "$w/base-fixed.tar.gz"
mkdir -p "$w/app/opt/hello"
echo "hello from the application layer" >"$w/app/opt/hello/greeting.txt"
pack "$w/app" "$w/app.tar.gz"

history='[{"created":"1970-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) ADD file:debian-12 in / "},
{"created":"1970-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop)  CMD [\"bash\"]","empty_layer":true},
{"created":"1970-01-01T00:00:00Z","created_by":"COPY greeting.txt /opt/hello/ # buildkit"},
{"created":"1970-01-01T00:00:00Z","created_by":"CMD [\"cat\", \"/opt/hello/greeting.txt\"]","empty_layer":true}]'

image() { # TAG LAYER...: the application image on those layers, tagged TAG
  local tag=$1 layers="[]" ids="[]" f d plain man
  shift
  for f in "$@"; do
    d=$(blob "$out" "$f")
    plain=$(gzip -dc "$f" | sha256sum | cut -c1-64)
    layers=$(jq -c --argjson e "$(descriptor application/vnd.oci.image.layer.v1.tar+gzip "$d" "$(stat -c %s "$f")")" '. + [$e]' <<<"$layers")
    ids=$(jq -c --arg e "sha256:$plain" '. + [$e]' <<<"$ids")
  done
  jq -nc --argjson ids "$ids" --argjson h "$history" '{architecture: "amd64", os: "linux",
    config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["cat", "/opt/hello/greeting.txt"]},
    rootfs: {type: "layers", diff_ids: $ids}, history: $h}' >"$w/config.json"
  d=$(blob "$out" "$w/config.json")
  jq -nc --argjson c "$(descriptor application/vnd.oci.image.config.v1+json "$d" "$(stat -c %s "$w/config.json")")" \
    --argjson l "$layers" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: $l}' >"$w/manifest.json"
  man=$(blob "$out" "$w/manifest.json")
  index_add "$out" "$tag" application/vnd.oci.image.manifest.v1+json "$man" "$(stat -c %s "$w/manifest.json")"
}
rm -rf "$out"
mkdir -p "$out"
echo '{"imageLayoutVersion": "1.0.0"}' >"$out/oci-layout"
image 12.4 "$w/base.tar.gz" "$w/app.tar.gz"
image 12.5 "$w/base-fixed.tar.gz" "$w/app.tar.gz"
image 12.5-slim "$w/base-fixed.tar.gz" "$w/app.tar.gz"
image 13.0 "$w/base-fixed.tar.gz" "$w/app.tar.gz"
