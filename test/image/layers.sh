# How layers combine: whiteouts, opaque directories, hard links, odd entry names, layer
# attribution across upgrades, and the apk and rpm databases inside real images.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fixtures="$KMEND_SOURCE/test/fixtures/pkgdb"

stanza() { printf 'Package: %s\nStatus: install ok installed\nVersion: %s\nArchitecture: amd64\n\n' "$1" "$2"; }
# layer NAME: tar the directory $w/NAME into $w/NAME.tar
layer() { tar cf "$w/$1.tar" -C "$w/$1" .; }
inventory() { "$KMEND" inventory --no-cache --format json "oci:$1:t"; }
names() { jq -r '.packages[] | "\(.name)=\(.version)"' | paste -sd' '; }

mkdir -p "$w/l1/var/lib/dpkg" "$w/l1/usr/lib"
{ stanza a 1.0; stanza b 1.0; } >"$w/l1/var/lib/dpkg/status"
printf 'ID=debian\nVERSION_ID="12"\n' >"$w/l1/usr/lib/os-release"
layer l1
# l2 upgrades b: a keeps layer 1, b moves to layer 2.
mkdir -p "$w/l2/var/lib/dpkg"
{ stanza a 1.0; stanza b 1.1; } >"$w/l2/var/lib/dpkg/status"
layer l2
oci_layout "$w/up" t "$w/l1.tar" "$w/l2.tar"
inventory "$w/up" >"$w/up.json"
ids=$(jq -r '.config.digest' "$w/up/blobs/sha256/$(jq -r '.manifests[0].digest' "$w/up/index.json" | cut -d: -f2)" | cut -d: -f2)
l1=$(jq -r '.rootfs.diff_ids[0]' "$w/up/blobs/sha256/$ids")
l2=$(jq -r '.rootfs.diff_ids[1]' "$w/up/blobs/sha256/$ids")
expect_eq "upgrade: versions" "a=1.0 b=1.1" "$(names <"$w/up.json")"
expect_eq "upgrade: a stays with layer 1" "$l1" "$(jq -r '.packages[] | select(.name=="a") | .layer' "$w/up.json")"
expect_eq "upgrade: b moves to layer 2" "$l2" "$(jq -r '.packages[] | select(.name=="b") | .layer' "$w/up.json")"

# A whiteout deletes the status file; a later distroless status.d entry adds one package.
mkdir -p "$w/wh/var/lib/dpkg" && touch "$w/wh/var/lib/dpkg/.wh.status" && layer wh
mkdir -p "$w/sd/var/lib/dpkg/status.d"
stanza c 3.0 | sed '/^Status/d' >"$w/sd/var/lib/dpkg/status.d/c"
printf 'deadbeef  usr/bin/c\n' >"$w/sd/var/lib/dpkg/status.d/c.md5sums"
layer sd
oci_layout "$w/whiteout" t "$w/l1.tar" "$w/wh.tar"
expect_eq "whiteout removes the status file" "" "$(inventory "$w/whiteout" | names)"
oci_layout "$w/whiteout2" t "$w/l1.tar" "$w/wh.tar" "$w/sd.tar"
expect_eq "status.d after the whiteout (md5sums ignored)" "c=3.0" "$(inventory "$w/whiteout2" | names)"

# A whiteout of a whole directory above the database.
mkdir -p "$w/whd/var/lib" && touch "$w/whd/var/lib/.wh.dpkg" && layer whd
oci_layout "$w/whiteoutdir" t "$w/l1.tar" "$w/whd.tar"
expect_eq "whiteout of a parent directory" "" "$(inventory "$w/whiteoutdir" | names)"

# An opaque directory hides the lower status; its own new content stays.
mkdir -p "$w/op/var/lib/dpkg" && touch "$w/op/var/lib/dpkg/.wh..wh..opq"
stanza d 4.0 >"$w/op/var/lib/dpkg/status"
layer op
oci_layout "$w/opaque" t "$w/l1.tar" "$w/sd.tar" "$w/op.tar"
expect_eq "opaque directory: only its own content" "d=4.0" "$(inventory "$w/opaque" | names)"

# A hard link to the wanted file, and entries named /x, ./x and x.
mkdir -p "$w/hl/usr/lib" "$w/hl/etc"
printf 'ID=hardlinked\n' >"$w/hl/usr/lib/os-release"
ln "$w/hl/usr/lib/os-release" "$w/hl/etc/os-release"
mkdir -p "$w/hl/var/lib/dpkg" && stanza e 5.0 >"$w/hl/var/lib/dpkg/status"
tar cf "$w/hl.tar" -C "$w/hl" --transform 's,^\./var,/var,' ./usr ./etc ./var
tar tvPf "$w/hl.tar" 2>/dev/null | grep -q '^h' && ok "the layer holds a hard link" || not_ok "the layer holds a hard link"
tar tPf "$w/hl.tar" 2>/dev/null | grep -q '^/var/lib/dpkg/status$' && ok "the layer holds an absolute name" || not_ok "the layer holds an absolute name"
oci_layout "$w/hard" t "$w/hl.tar"
inventory "$w/hard" >"$w/hard.json"
expect_eq "os-release through a hard link" "hardlinked" "$(jq -r .os.id "$w/hard.json")"
expect_eq "an entry named /var/lib/dpkg/status" "e=5.0" "$(names <"$w/hard.json")"

# apk and rpm databases in images.
mkdir -p "$w/alp/lib/apk/db" "$w/alp/etc"
cp "$fixtures/trivy-apk/installed" "$w/alp/lib/apk/db/installed"
printf 'ID=alpine\nVERSION_ID=3.19.1\n' >"$w/alp/etc/os-release"
layer alp && gzip -k "$w/alp.tar"
oci_layout "$w/alpine" t "$w/alp.tar.gz"
run_kmend inventory --no-cache --format json "oci:$w/alpine:t"
expect_eq "alpine: 15 packages of type apk" "15 apk" "$(jq -r '"\(.packages | length) \(.packages[0].type)"' <<<"$out")"
expect_contains "alpine: the skipped entry is reported" "1 package entries left out" "$err"
expect_eq "alpine: the skipped entry is a warning in JSON" "skipped-packages" "$(jq -r '.warnings[].code' <<<"$out")"
expect_eq "alpine: os" "alpine 3.19.1" "$(jq -r '"\(.os.id) \(.os.version_id)"' <<<"$out")"

mkdir -p "$w/cent/var/lib/rpm" "$w/cent/etc"
cp "$fixtures/go-rpmdb/centos7-plain/Packages" "$w/cent/var/lib/rpm/Packages"
printf 'CentOS Linux release 7.9.2009 (Core)\n' >"$w/cent/etc/redhat-release"
layer cent && zstd -q "$w/cent.tar"
oci_layout "$w/centos" t "$w/cent.tar.zst"
run_kmend inventory --no-cache --format json "oci:$w/centos:t"
expect_eq "centos 7 (bdb): 144 rpm packages" "144 rpm" "$(jq -r '"\(.packages | length) \(.packages[0].type)"' <<<"$out")"
expect_eq "centos 7: os from redhat-release" "centos 7.9.2009" "$(jq -r '"\(.os.id) \(.os.version_id)"' <<<"$out")"
expect_eq "centos 7: bash with its source rpm" "bash-4.2.46-30.el7.src.rpm" \
  "$(jq -r '.packages[] | select(.name=="bash") | .source_rpm' <<<"$out")"

mkdir -p "$w/sle/usr/lib/sysimage/rpm"
cp "$fixtures/go-rpmdb/sle15-bci/Packages.db" "$w/sle/usr/lib/sysimage/rpm/Packages.db"
layer sle
oci_layout "$w/suse" t "$w/sle.tar"
run_kmend inventory --no-cache --format json "oci:$w/suse:t"
expect_eq "sle 15 (ndb): 35 packages" "35" "$(jq '.packages | length' <<<"$out")"
expect_contains "sle 15: no OS files is a warning" "no os-release or release file found" "$err"

# An OS and no package database (a slimmed image): said, not a silent empty list.
mkdir -p "$w/slim/etc" && printf 'ID=debian\nVERSION_ID=12\n' >"$w/slim/etc/os-release" && layer slim
oci_layout "$w/slimmed" t "$w/slim.tar"
run_kmend inventory --no-cache --format json "oci:$w/slimmed:t"
expect_eq "OS without a package database: exit 0, no packages" "0 0" "$rc $(jq '.packages | length' <<<"$out")"
expect_contains "OS without a package database: a warning on stderr" \
  "kmend inventory: warning: oci:$w/slimmed:t: debian 12 found but no package database" "$err"
expect_eq "OS without a package database: the warning in JSON" "no-package-database" "$(jq -r '.warnings[].code' <<<"$out")"
run_kmend inventory --no-cache --format json "oci:$w/up:t"
expect_eq "an image with its database: no warning" "0" "$(jq '.warnings | length' <<<"$out")"
done_testing
