# Package databases reached through links: a directory symlink on the way (var/lib/dpkg -> ...,
# var/lib/rpm -> ../../usr/lib/sysimage/rpm, lib/apk/db -> ..., lib -> usr/lib) and a hard link
# from the database's path to another path, with real dpkg, rpm and apk databases. Each linked
# image must list exactly the packages of the same database at its usual path.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
fixtures="$KMEND_SOURCE/test/fixtures/pkgdb"

# The databases, and where each normally lives.
sed -n '/^-- var\/lib\/dpkg\/status --$/,/^-- /{/^-- /d;p}' "$fixtures/trivy-dpkg/valid.txtar" >"$w/dpkg-status"
cp "$fixtures/go-rpmdb/centos7-plain/Packages" "$w/rpm-Packages"
cp "$fixtures/trivy-apk/installed" "$w/apk-installed"

# image NAME DIR [DIR...]: an image of one layer per directory (tar lists entries in the order
# of the members given after each directory, so that a hard link comes after its target).
image() {
  local name=$1 i=0 layers=() d
  shift
  for d in "$@"; do
    i=$((i + 1))
    tar cf "$w/$name.$i.tar" -C "$w/$d" $(cat "$w/$d.order" 2>/dev/null || echo .)
    layers+=("$w/$name.$i.tar")
  done
  oci_layout "$w/$name" t "${layers[@]}"
}
# packages NAME: how many packages the image lists, and a digest of the list (name=version).
packages() {
  run_kmend inventory --no-cache --format json "oci:$w/$1:t"
  summary <<<"$out"
}
summary() { jq -r '.packages[] | "\(.name)=\(.version)"' | { mapfile -t l; echo "${#l[@]} $(printf '%s\n' "${l[@]}" | sha256sum | cut -c1-12)"; }; }
# same NAME REFERENCE DESCRIPTION: NAME lists what REFERENCE lists, with exit 0 and no warning.
same() {
  local got
  got=$(packages "$1")
  expect_eq "$3" "0 $(packages "$2")" "$rc $got"
}

os() { mkdir -p "$w/$1/etc" && printf 'ID=%s\nVERSION_ID=%s\n' "$2" "$3" >"$w/$1/etc/os-release"; }

# What each database needs: the OS it belongs to, its file here, its usual path.
declare -A id=([dpkg]="debian 12" [rpm]="centos 7" [apk]="alpine 3.19.1")
declare -A file=([dpkg]=dpkg-status [rpm]=rpm-Packages [apk]=apk-installed)
declare -A usual=([dpkg]=var/lib/dpkg/status [rpm]=var/lib/rpm/Packages [apk]=lib/apk/db/installed)
n=0

# Reference images: each database at its usual path.
ref_counts=""
for db in dpkg rpm apk; do
  os "ref-$db" ${id[$db]} && mkdir -p "$w/ref-$db/${usual[$db]%/*}" && cp "$w/${file[$db]}" "$w/ref-$db/${usual[$db]}"
  image "ref-$db" "ref-$db"
  run_kmend inventory --no-cache --format json "oci:$w/ref-$db:t"
  ref_counts="$ref_counts $db=$(jq '.packages | length' <<<"$out")"
done
# Counted independently of kmend: dpkg stanzas with "install ok installed" and a version,
# apk's P: lines (one of trivy's entries lacks a version), go-rpmdb's list of centos 7's NEVRAs.
expect_eq "reference images list every package" \
  " dpkg=$(grep -c '^Status: install ok installed' "$w/dpkg-status") rpm=$(grep -c . "$fixtures/go-rpmdb/centos7-plain/expected_nevra.txt") apk=$(($(grep -c '^P:' "$w/apk-installed") - 1))" \
  "$ref_counts"

# 1. A directory symlink on the way. dir_link DB LINK TARGET REAL: the database at REAL, and
# LINK -> TARGET leading to it. Fedora's shape (var/lib/rpm -> ../../usr/lib/sysimage/rpm)
# reaches one file by two wanted paths: it must be read once, not twice.
dir_link() {
  local d=dirlink-$((n += 1))
  os "$d" ${id[$1]} && mkdir -p "$w/$d/$(dirname "$2")" "$w/$d/$(dirname "$4")"
  cp "$w/${file[$1]}" "$w/$d/$4" && ln -s "$3" "$w/$d/$2"
  image "$d" "$d"
  same "$d" "ref-$1" "$1: $2 -> $3"
}
dir_link dpkg var/lib/dpkg ../../srv/dpkg srv/dpkg/status
dir_link dpkg var/lib/dpkg /srv/dpkg srv/dpkg/status
dir_link rpm var/lib/rpm ../../usr/lib/sysimage/rpm usr/lib/sysimage/rpm/Packages
dir_link rpm var/lib/rpm /opt/rpmdb opt/rpmdb/Packages
dir_link apk lib/apk/db ../../var/apkdb var/apkdb/installed
dir_link apk lib usr/lib usr/lib/apk/db/installed # a merged /usr

# 2. A hard link from the database's path to another path written before it in the layer.
for db in dpkg rpm apk; do
  path=${usual[$db]} d=hard-$db
  os "$d" ${id[$db]} && mkdir -p "$w/$d/srv/keep" "$w/$d/${path%/*}"
  cp "$w/${file[$db]}" "$w/$d/srv/keep/db"
  ln "$w/$d/srv/keep/db" "$w/$d/$path"
  echo "./etc ./srv ./${path%%/*}" >"$w/$d.order"
  image "$d" "$d"
  tar tvf "$w/$d.1.tar" | grep -q "^h.* \./$path link to \./srv/keep/db" &&
    ok "$db: the layer holds $path as a hard link to srv/keep/db" ||
    not_ok "$db: the layer holds $path as a hard link" "$(tar tvf "$w/$d.1.tar")"
  same "$d" "ref-$db" "$db: $path is a hard link to srv/keep/db"
done

# 3. Across layers: the link in an upper layer, the database in a lower one, and the reverse;
# and a chain of two directory links (var/lib/dpkg -> /data/dpkg, data -> mnt/data).
mkdir -p "$w/lower/srv/dpkg" && cp "$w/dpkg-status" "$w/lower/srv/dpkg/status"
os upper debian 12 && mkdir -p "$w/upper/var/lib" && ln -s /srv/dpkg "$w/upper/var/lib/dpkg"
image link-above lower upper
same link-above ref-dpkg "dpkg: the link in an upper layer, the database below"
image link-below upper lower
same link-below ref-dpkg "dpkg: the link in a lower layer, the database above"

os chain debian 12 && mkdir -p "$w/chain/var/lib" "$w/chain/mnt/data/dpkg"
cp "$w/dpkg-status" "$w/chain/mnt/data/dpkg/status"
ln -s /data/dpkg "$w/chain/var/lib/dpkg" && ln -s mnt/data "$w/chain/data"
image chain chain
same chain ref-dpkg "dpkg: a chain of two directory links"

# The cache keeps what the extra pass read: a second run answers from it, the same.
cache="$w/cache"
run_kmend inventory --cache-dir "$cache" --format json "oci:$w/chain:t"
expect_eq "links, cache filled: the packages" "$(packages ref-dpkg)" "$(summary <<<"$out")"
run_kmend inventory --cache-dir "$cache" --format json "oci:$w/chain:t"
expect_eq "links, from the cache: the same packages" "$(packages ref-dpkg)" "$(summary <<<"$out")"

# A link to a database deleted by an upper layer's whiteout: nothing, and a warning.
mkdir -p "$w/wh/srv/dpkg" && touch "$w/wh/srv/dpkg/.wh.status"
image link-whiteout upper lower wh
run_kmend inventory --no-cache --format json "oci:$w/link-whiteout:t"
expect_eq "a whited-out link target: no packages" "0 0" "$rc $(jq '.packages | length' <<<"$out")"
expect_contains "a whited-out link target: warns" "no package database" "$err"
expect_eq "a whited-out link target: the warning in JSON" "no-package-database" "$(jq -r '.warnings[].code' <<<"$out")"

# A link loop and a link out of the image find nothing, without hanging or reading the host.
os loop debian 12 && mkdir -p "$w/loop/var/lib" && ln -s dpkg2 "$w/loop/var/lib/dpkg" && ln -s dpkg "$w/loop/var/lib/dpkg2"
image loop loop
run_kmend inventory --no-cache --format json "oci:$w/loop:t"
expect_eq "a link loop: no packages, exit 0" "0 0" "$rc $(jq '.packages | length' <<<"$out")"
os out debian 12 && mkdir -p "$w/out/var/lib" && ln -s ../../../../../../var/lib/dpkg "$w/out/var/lib/dpkg"
image out out
run_kmend inventory --no-cache --format json "oci:$w/out:t"
expect_eq "a link out of the image stays inside: no packages" "0 0" "$rc $(jq '.packages | length' <<<"$out")"
done_testing
