# kmend inventory on a real Debian 12 image (built by test/images/debian12 from Debian's
# packages) through the local transports: the packages equal dpkg-query's on the image's root
# filesystem, and every transport gives the same inventory and the same image ID.
. "$KMEND_SOURCE/test/lib.sh"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name<TAB>version, sorted, from kmend's JSON.
packages() { jq -r '.packages[] | "\(.name)\t\(.version)"' "$1" | LC_ALL=C sort; }

for t in "oci:$img/oci:12" "oci-archive:$img/oci.tar:12" "docker-archive:$img/docker.tar"; do
  name=${t%%:*}
  "$KMEND" inventory --no-cache --format json "$t" >"$work/$name.json" 2>"$work/$name.err"
  expect_eq "$name: inventory exits 0" "0" "$?"
  expect_eq "$name: packages equal dpkg-query -W on the rootfs" \
    "$(cat "$img/dpkg-query.txt")" "$(packages "$work/$name.json")"
  expect_eq "$name: OS" "debian 12 bookworm" \
    "$(jq -r '"\(.os.id) \(.os.version_id) \(.os.codename)"' "$work/$name.json")"
  expect_eq "$name: nothing on stderr" "" "$(cat "$work/$name.err")"
done
expect_eq "the image has a real minbase's package count" "yes" \
  "$([ "$(jq '.packages | length' "$work/oci.json")" -gt 80 ] && echo yes)"

# Same packages, sources, layers and image ID whatever the transport.
for name in oci-archive docker-archive; do
  expect_eq "$name: same packages, sources and layers as oci" \
    "$(jq -c .packages "$work/oci.json")" "$(jq -c .packages "$work/$name.json")"
  expect_eq "$name: same image ID as oci" \
    "$(jq -r .image.id "$work/oci.json")" "$(jq -r .image.id "$work/$name.json")"
done
expect_eq "oci-archive: same manifest digest as oci" \
  "$(jq -r .image.digest "$work/oci.json")" "$(jq -r .image.digest "$work/oci-archive.json")"
expect_eq "oci: the digest is the manifest's sha256" \
  "sha256:$(sha256sum "$img/oci/blobs/sha256/$(jq -r '.manifests[0].digest' "$img/oci/index.json" | cut -d: -f2)" | cut -c1-64)" \
  "$(jq -r .image.digest "$work/oci.json")"
expect_eq "docker-archive keeps no manifest, so no digest" "null" "$(jq -r .image.digest "$work/docker-archive.json")"

# Layer attribution: hello came with the second layer, libc6 with the first.
diff_ids=$(jq -r '.rootfs.diff_ids[]' "$img/oci/blobs/sha256/$(jq -r '.config.digest' \
  "$img/oci/blobs/sha256/$(jq -r '.manifests[0].digest' "$img/oci/index.json" | cut -d: -f2)" | cut -d: -f2)")
expect_eq "hello's layer is the second layer's diff_id" "$(echo "$diff_ids" | sed -n 2p)" \
  "$(jq -r '.packages[] | select(.name == "hello") | .layer' "$work/oci.json")"
expect_eq "libc6's layer is the first layer's diff_id" "$(echo "$diff_ids" | sed -n 1p)" \
  "$(jq -r '.packages[] | select(.name == "libc6") | .layer' "$work/oci.json")"
expect_eq "binNMU source version: bash's source is bash" "bash" \
  "$(jq -r '.packages[] | select(.name == "bash") | .source' "$work/oci.json")"
expect_eq "libc6's source is glibc" "glibc" \
  "$(jq -r '.packages[] | select(.name == "libc6") | .source' "$work/oci.json")"

# The table form.
run_kmend inventory --no-cache "oci:$img/oci:12"
expect_contains "table: OS line" "OS:       Debian GNU/Linux 12 (bookworm)" "$out"
expect_contains "table: a package row" "hello " "$out"

# A second look with the layer cache: same answer.
"$KMEND" inventory --cache-dir "$work/cache" --format json "oci:$img/oci:12" >"$work/cold.json"
"$KMEND" inventory --cache-dir "$work/cache" --format json "oci:$img/oci:12" >"$work/warm.json"
expect_eq "warm (layer cache) equals cold" "$(cat "$work/cold.json")" "$(cat "$work/warm.json")"
expect_eq "the cache holds one entry per layer" "2" "$(ls "$work/cache/layers/sha256" | wc -l)"
done_testing
