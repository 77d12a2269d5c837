# Hostile and unusual images: every one gives a clear error naming the input (or the right
# answer), never a crash (this runs under ASan/UBSan in CI), and never reads outside the image.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# A small good root: os-release and a dpkg status of two packages.
mkdir -p "$w/root/etc" "$w/root/var/lib/dpkg" "$w/root/usr/lib"
printf 'ID=kmendtest\nVERSION_ID="1"\n' >"$w/root/usr/lib/os-release"
printf 'Package: a\nStatus: install ok installed\nVersion: 1.0-1\n\nPackage: b\nStatus: install ok installed\nVersion: 2.0-1\nSource: bsrc (2.0-0.1)\n' \
  >"$w/root/var/lib/dpkg/status"
ln -s ../usr/lib/os-release "$w/root/etc/os-release"
tar cf "$w/good.tar" -C "$w/root" .
gzip -c "$w/good.tar" >"$w/good.tar.gz"
oci_layout "$w/good" t "$w/good.tar.gz"
run_kmend inventory --no-cache --format json "oci:$w/good:t"
expect_eq "good: exit 0" "0" "$rc"
expect_eq "good: two packages" "a 1.0-1 a 1.0-1|b 2.0-1 bsrc 2.0-0.1" \
  "$(jq -r '.packages[] | "\(.name) \(.version) \(.source) \(.source_version)"' <<<"$out" | paste -sd'|')"
expect_eq "good: os-release through a relative symlink" "kmendtest" "$(jq -r .os.id <<<"$out")"

# zstd and plain layers read the same.
zstd -q -c "$w/good.tar" >"$w/good.tar.zst"
oci_layout "$w/zst" t "$w/good.tar.zst"
oci_layout "$w/plain" t "$w/good.tar"
for kind in zst plain; do
  run_kmend inventory --no-cache --format json "oci:$w/$kind:t"
  expect_eq "$kind layer: same packages" "a|b" "$(jq -r '.packages[].name' <<<"$out" | paste -sd'|')"
done

# A blob whose content does not match its digest (one byte changed, same size).
cp -r "$w/good" "$w/tampered"
man=$(jq -r '.manifests[0].digest' "$w/good/index.json" | cut -d: -f2)
layer=$(jq -r '.layers[0].digest' "$w/good/blobs/sha256/$man" | cut -d: -f2)
printf 'X' | dd of="$w/tampered/blobs/sha256/$layer" bs=1 seek=100 conv=notrunc 2>/dev/null
run_kmend inventory --no-cache "oci:$w/tampered:t"
expect_eq "tampered blob: exit 2" "2" "$rc"
expect_contains "tampered blob: says so, naming the digest" "sha256:$layer: blob content does not match its digest" "$err"

# A truncated layer whose descriptor matches the truncated bytes: the gzip stream is cut short.
head -c 300 "$w/good.tar.gz" >"$w/cut.tar.gz"
oci_layout "$w/cut" t "$w/cut.tar.gz"
run_kmend inventory --no-cache "oci:$w/cut:t"
expect_eq "truncated layer: exit 2" "2" "$rc"
expect_contains "truncated layer: says so" "gzip data is truncated" "$err"

# A manifest changed after index.json named it.
cp -r "$w/good" "$w/tampered-manifest"
sed -i 's/"schemaVersion":2/"schemaVersion": 2/' "$w/tampered-manifest/blobs/sha256/$man"
run_kmend inventory --no-cache "oci:$w/tampered-manifest:t"
expect_eq "tampered manifest: exit 2" "2" "$rc"
expect_contains "tampered manifest: says so" "manifest sha256:$man does not match its digest" "$err"

# A blob shorter than its descriptor says.
cp -r "$w/good" "$w/short"
truncate -s 100 "$w/short/blobs/sha256/$layer"
run_kmend inventory --no-cache "oci:$w/short:t"
expect_eq "short blob: exit 2" "2" "$rc"
expect_contains "short blob: names the layer" "sha256:$layer" "$err"

# A tar entry that climbs out of the root.
mkdir -p "$w/evil"
echo pwned >"$w/evil/x"
tar cf "$w/escape.tar" -C "$w/evil" --transform 's,^\./x,../../x,' ./x
oci_layout "$w/escape" t "$w/escape.tar"
run_kmend inventory --no-cache "oci:$w/escape:t"
expect_eq "entry escaping the root: exit 2" "2" "$rc"
expect_contains "entry escaping the root: says so" "'../../x' escapes the image root" "$err"

# Symlinks that point outside the image resolve inside it: the host's /etc/os-release (this
# machine's) must never be read.
for target in ../../../../../etc/os-release /etc/os-release; do
  rm -rf "$w/sl" && mkdir -p "$w/sl/etc" "$w/sl/usr/lib"
  printf 'ID=inside\n' >"$w/sl/usr/lib/os-release"
  ln -s "$target" "$w/sl/etc/os-release"
  tar cf "$w/sl.tar" -C "$w/sl" .
  rm -rf "$w/sll" && oci_layout "$w/sll" t "$w/sl.tar"
  run_kmend inventory --no-cache --format json "oci:$w/sll:t"
  expect_eq "symlink to $target stays inside the image" "0 inside" "$rc $(jq -r .os.id <<<"$out")"
done
# An absolute symlink resolves from the image root (Debian's etc/os-release is a link).
rm -rf "$w/sl" && mkdir -p "$w/sl/etc" "$w/sl/usr/lib"
printf 'ID=absolute\n' >"$w/sl/usr/lib/os-release"
ln -s /usr/lib/os-release "$w/sl/etc/os-release"
tar cf "$w/sl.tar" -C "$w/sl" .
rm -rf "$w/sll" && oci_layout "$w/sll" t "$w/sl.tar"
run_kmend inventory --no-cache --format json "oci:$w/sll:t"
expect_eq "absolute symlink resolves from the image root" "absolute" "$(jq -r .os.id <<<"$out")"
# A directory symlink on the way: var/lib/dpkg is a link to the real directory (the tar holds
# a symlink entry, checked below), and etc/os-release goes through a link to a directory.
rm -rf "$w/ds" && mkdir -p "$w/ds/var/lib" "$w/ds/srv" "$w/ds/usr/lib" "$w/ds/etc"
cp -r "$w/root/var/lib/dpkg" "$w/ds/srv/dpkg" && ln -s ../../srv/dpkg "$w/ds/var/lib/dpkg"
printf 'ID=dirlink\n' >"$w/ds/usr/lib/os-release"
ln -s ../usr/lib "$w/ds/etc/lib" && ln -s lib/os-release "$w/ds/etc/os-release"
tar cf "$w/ds.tar" -C "$w/ds" .
expect_eq "the layer holds var/lib/dpkg as a symlink" "lrwxrwxrwx ./var/lib/dpkg -> ../../srv/dpkg" \
  "$(tar tvf "$w/ds.tar" ./var/lib/dpkg | awk '{print $1, $6, $7, $8}')"
rm -rf "$w/dsl" && oci_layout "$w/dsl" t "$w/ds.tar"
run_kmend inventory --no-cache --format json "oci:$w/dsl:t"
expect_eq "a chain of symlinks inside the image" "dirlink" "$(jq -r .os.id <<<"$out")"
expect_eq "the packages behind the directory symlink" "a|b" "$(jq -r '.packages[].name' <<<"$out" | paste -sd'|')"

# A 100 MB manifest is refused before it is read whole.
mkdir -p "$w/huge/blobs/sha256"
truncate -s 100M "$w/huge/blobs/sha256/$(printf 'a%.0s' $(seq 64))"
index_add "$w/huge" t application/vnd.oci.image.manifest.v1+json "sha256:$(printf 'a%.0s' $(seq 64))" 104857600
run_kmend inventory --no-cache "oci:$w/huge:t"
expect_eq "100 MB manifest: exit 2" "2" "$rc"
expect_contains "100 MB manifest: names the limit" "larger than kmend's limit" "$err"

# An index with no image for this platform.
cp -r "$w/good" "$w/multi"
man=$(jq -r '.manifests[0].digest' "$w/multi/index.json")
msize=$(jq -r '.manifests[0].size' "$w/multi/index.json")
jq -nc --arg d "$man" --argjson s "$msize" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {os: "linux", architecture: "arm64", variant: "v8"}},
              {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s, platform: {os: "linux", architecture: "s390x"}}]}' >"$w/index"
idx=$(blob "$w/multi" "$w/index")
index_add "$w/multi" multi application/vnd.oci.image.index.v1+json "$idx" "$(stat -c %s "$w/index")"
run_kmend inventory --no-cache --platform linux/amd64 "oci:$w/multi:multi"
expect_eq "no matching platform: exit 2" "2" "$rc"
expect_contains "no matching platform: lists what there is" "no image for platform linux/amd64 (the index has: linux/arm64/v8, linux/s390x)" "$err"
run_kmend inventory --no-cache --format json --platform linux/arm64 "oci:$w/multi:multi"
expect_eq "linux/arm64 matches linux/arm64/v8" "0 a|b" "$rc $(jq -r '.packages[].name' <<<"$out" | paste -sd'|')"

# A single-platform image answers an explicit --platform too (its config says linux/amd64).
run_kmend inventory --no-cache --platform linux/arm64 "oci:$w/good:t"
expect_eq "single-platform image, other platform: exit 2" "2" "$rc"
expect_contains "single-platform image, other platform: says what it is" \
  "no image for platform linux/arm64 (the image is for linux/amd64 only)" "$err"
run_kmend inventory --no-cache --format json --platform linux/amd64 "oci:$w/good:t"
expect_eq "single-platform image, its own platform" "0 a|b" "$rc $(jq -r '.packages[].name' <<<"$out" | paste -sd'|')"

# Unknown tag, missing layout, several images without a tag.
run_kmend inventory --no-cache "oci:$w/multi:nope"
expect_contains "unknown tag lists the tags" "no image tagged 'nope' in the layout (it has: t, multi)" "$err"
run_kmend inventory --no-cache "oci:$w/multi"
expect_contains "no tag with several images asks for one" "name one with :TAG" "$err"
run_kmend inventory --no-cache "oci:$w/does-not-exist"
expect_eq "missing layout: exit 2" "2" "$rc"
expect_contains "missing layout: names the file" "$w/does-not-exist/index.json" "$err"

# Garbage where a tar should be: 5000 bytes that look random, the same on every run.
openssl enc -aes-128-ctr -nosalt -K 6b6d656e642d746573742d6b65792d31 -iv 00000000000000000000000000000000 -in /dev/zero | head -c 5000 >"$w/garbage"
expect_eq "the garbage layer is 5000 bytes, the same each run" "5000 b8fba912" \
  "$(stat -c %s "$w/garbage") $(sha256sum "$w/garbage" | cut -c1-8)"
oci_layout "$w/garb" t "$w/garbage"
run_kmend inventory --no-cache "oci:$w/garb:t"
expect_eq "garbage layer: exit 2" "2" "$rc"
expect_contains "garbage layer: names the layer" "sha256:" "$err"

# A truncated docker-archive.
tar cf "$w/d.tar" -C "$w/root" .
head -c 3000 "$w/d.tar" >"$w/d-cut.tar"
run_kmend inventory --no-cache "docker-archive:$w/d-cut.tar"
expect_eq "truncated docker-archive: exit 2" "2" "$rc"
expect_contains "truncated docker-archive: says where" "not a valid tar archive at byte" "$err"
run_kmend inventory --no-cache "docker-archive:$w/d.tar"
expect_contains "a tar that is no docker-archive" "the archive holds no 'manifest.json'" "$err"

# Bad references.
run_kmend inventory "oci:"
expect_eq "empty oci reference: exit 2" "2" "$rc"
run_kmend inventory "Debian:12"
expect_contains "uppercase repository" "repository names hold lowercase letters" "$err"
done_testing
