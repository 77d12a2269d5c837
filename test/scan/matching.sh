# Every sample feed imports; Alpine and Ubuntu matching on images holding real package
# databases (test/fixtures/pkgdb) under a matching os-release.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/scan/images.bash"
feeds="$KMEND_SOURCE/test/fixtures/feeds"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
db="$w/vuln.db"

while IFS= read -r f; do
  run_kmend db import --db "$db" "$f"
  expect_eq "imports: ${f#$feeds/}" "0" "$rc"
done < <(find "$feeds" -type f ! -name '*.md' | LC_ALL=C sort)
# OSV's per-ecosystem all.zip: every record in it, as one source.
python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]: z.write(f, f.split("/")[-1])' "$w/all.zip" "$feeds/ubuntu-osv/usn/USN-6737-1.json" "$feeds/ubuntu-osv/UBUNTU-CVE-2025-38094.json"
run_kmend db import --db "$w/zip.db" "$w/all.zip"
expect_eq "all.zip: exit 0" "0" "$rc"
expect_contains "all.zip: the records inside" "$w/all.zip: osv, 2 advisories" "$out"
head -c 200 "$w/all.zip" >"$w/cut.zip"
run_kmend db import --db "$w/zip.db" "$w/cut.zip"
expect_eq "a truncated zip: exit 2" "2" "$rc"
expect_contains "a truncated zip: named" "$w/cut.zip" "$err"

run_kmend db status --db "$db"
expect_eq "every file is a source" "$(find "$feeds" -type f ! -name '*.md' | wc -l)" "$(grep -c "$feeds" <<<"$out")"

# Alpine 3.20 with syft's multiple-2 database: busybox 1.35.0-r17 and ssl_client (origin
# busybox). Expected: every 3.20 busybox secfix newer than 1.35.0-r17, for both packages;
# kmend's apk comparator is the one checked against apk-tools' own table.
mkdir -p "$w/alp/lib/apk/db" "$w/alp/etc"
cp "$KMEND_SOURCE/test/fixtures/pkgdb/syft-apk/multiple-2.installed" "$w/alp/lib/apk/db/installed"
printf 'ID=alpine\nVERSION_ID=3.20.3\n' >"$w/alp/etc/os-release"
image alp >/dev/null
jq -r '.secfixes | to_entries[] | select(.key != "0") | .key as $v | .value[] | "\($v)\t\(. | split(" ")[0])"' \
  "$feeds/alpine-secdb-samples/vuln-list/3.20/main/busybox.json" >"$w/busybox-fixes"
cut -f1 "$w/busybox-fixes" | sed 's/^/1.35.0-r17\t/' | "$KMEND" vercmp apk --batch >"$w/cmp"
paste "$w/busybox-fixes" "$w/cmp" | awk -F'\t' '$3 == "<" { print $2 }' | LC_ALL=C sort >"$w/ids"
expected=$( (sed 's/^/busybox\t/' "$w/ids"; sed 's/^/ssl_client\t/' "$w/ids") | LC_ALL=C sort)
run_kmend scan --db "$db" --no-cache --format json "oci:$w/alp-oci:t"
expect_eq "alpine: exit 0" "0" "$rc"
expect_eq "alpine: busybox and ssl_client get every newer busybox fix" "$expected" \
  "$(jq -r '.results[0].findings[] | "\(.package)\t\(.id)"' <<<"$out" | LC_ALL=C sort)"
expect_eq "alpine: there is something to find" "yes" "$([ -s "$w/ids" ] && echo yes)"

# Ubuntu 22.04: libc6 from glibc 2.35-0ubuntu3.6 lacks USN-6737-1's fix (2.35-0ubuntu3.7).
run_kmend scan --db "$db" --no-cache --format json "$(ubuntu_image)"
expect_eq "ubuntu: libc6 vulnerable, libc-bin (already fixed) not" \
  "libc6 USN-6737-1 2.35-0ubuntu3.6 2.35-0ubuntu3.7" \
  "$(jq -r '.results[0].findings[] | "\(.package) \(.id) \(.installed) \(.fixed)"' <<<"$out")"
expect_eq "ubuntu: the upstream id is an alias" "UBUNTU-CVE-2024-2961" \
  "$(jq -r '.results[0].findings[0].aliases | join(" ")' <<<"$out")"
expect_eq "ubuntu: the advisory's title and link" "glibc vulnerability https://ubuntu.com/security/notices/USN-6737-1" \
  "$(jq -r '.results[0].findings[0] | "\(.title) \(.link)"' <<<"$out")"

# CentOS 7 (a real rpm database) is matched with Red Hat's advisories, and says so.
# Expected: every rhel:7 advisory of the Red Hat fixtures whose package is installed at a
# version before its fix, by kmend's rpm comparator (the one checked against rpm's own).
c7=$(centos7_image)
run_kmend scan --db "$db" --no-cache --format json "$c7"
expect_eq "centos 7: exit 0" "0" "$rc"
expect_eq "centos 7: the store key used" "rhel:7" "$(jq -r '.results[0].ecosystem' <<<"$out")"
expect_eq "centos 7: and why" "CentOS matched with Red Hat Enterprise Linux's advisories" \
  "$(jq -r '.results[0].ecosystem_note' <<<"$out")"
jq -r '.affected[] | select(.package.ecosystem | startswith("Red Hat:enterprise_linux:7::")) |
  "\(.package.name)\t\(.ranges[0].events[] | select(.fixed) | .fixed)"' "$feeds"/red-hat-osv/*.json |
  LC_ALL=C sort -u >"$w/rh7-fixes"
"$KMEND" inventory --no-cache --format json "$c7" | jq -r '.packages[] | "\(.name)\t\(.version)"' >"$w/c7-packages"
join -t "$(printf '\t')" "$w/rh7-fixes" <(LC_ALL=C sort "$w/c7-packages") >"$w/c7-pairs"
cut -f3,2 "$w/c7-pairs" | awk -F'\t' '{ print $2 "\t" $1 }' | "$KMEND" vercmp rpm --batch >"$w/c7-cmp"
expected=$(paste "$w/c7-pairs" "$w/c7-cmp" | awk -F'\t' '$4 == "<" { print $1 }' | LC_ALL=C sort)
expect_eq "centos 7: openssl-libs gets RHSA-2019:2304" "openssl-libs RHSA-2019:2304 1:1.0.2k-12.el7 1:1.0.2k-19.el7 medium" \
  "$(jq -r '.results[0].findings[] | "\(.package) \(.id) \(.installed) \(.fixed) \(.severity)"' <<<"$out")"
expect_eq "centos 7: the findings are the independently computed ones" "$expected" \
  "$(jq -r '.results[0].findings[].package' <<<"$out" | LC_ALL=C sort)"
expect_eq "centos 7: no warning" "[]" "$(jq -c '.results[0].warnings' <<<"$out")"

# Debian sid (no VERSION_ID) with the tracker's sid entries and the CVE list: expected are
# the sid entries whose fix is newer than the installed source version.
sid=$(sid_image)
run_kmend scan --db "$db" --no-cache --format json "$sid"
expect_eq "sid: exit 0" "0" "$rc"
expect_eq "sid: unstable's advisories" "debian:unstable" "$(jq -r '.results[0].ecosystem' <<<"$out")"
"$KMEND" inventory --no-cache --format json "$sid" | jq -r '.packages[] | "\(.source)\t\(.source_version)\t\(.name)"' |
  LC_ALL=C sort >"$w/sid-packages"
jq -r 'to_entries[] | .key as $p | .value | objects | to_entries[] | select(.value.releases | type == "object") | select(.value.releases.sid.status == "resolved" and .value.releases.sid.fixed_version != "0") |
  "\($p)\t\(.value.releases.sid.fixed_version)\t\(.key)"' "$feeds/debian-tracker-json-subset/vunnel-debian.json" | LC_ALL=C sort >"$w/sid-fixes"
join -t "$(printf '\t')" "$w/sid-packages" "$w/sid-fixes" >"$w/sid-pairs"
cut -f2,4 "$w/sid-pairs" | "$KMEND" vercmp deb --batch >"$w/sid-cmp"
expected=$( (paste "$w/sid-pairs" "$w/sid-cmp" | awk -F'\t' '$6 == "<" { print $3 " " $5 }'; echo "ant CVE-2021-36373") | LC_ALL=C sort)
expect_eq "sid: the tracker's sid fixes and the CVE list's unfixed entry" "$expected" \
  "$(jq -r '.results[0].findings[] | "\(.package) \(.id)"' <<<"$out" | LC_ALL=C sort)"
expect_eq "sid: there is something to find" "yes" "$([ "$(wc -l <"$w/sid-pairs")" -ge 4 ] && echo yes)"
# A binNMU shows the installed binary's version, the source and its version apart.
expect_eq "binNMU: installed is the binary's version, the source's beside it" \
  "txt2man 1.5.5-4+b1 txt2man 1.5.5-4 1.5.5-4.1" \
  "$(jq -r '.results[0].findings[] | select(.package == "txt2man") | "\(.package) \(.installed) \(.source) \(.source_version) \(.fixed)"' <<<"$out")"
expect_eq "sid: the unfixed entry carries the feed's status" "ant unimportant null" \
  "$(jq -r '.results[0].findings[] | select(.package == "ant") | "\(.package) \(.status) \(.fixed)"' <<<"$out")"
run_kmend scan --db "$db" --no-cache "$sid"
expect_eq "sid: the table shows the status" "ant CVE-2021-36373 negligible unimportant" \
  "$(awk '$1 == "ant" && $2 ~ /^CVE/ { print $1, $2, $3, $4 }' <<<"$out")"

# Debian 11: the CVE list's <no-dsa> entries are findings with that status; --ignore-status
# leaves them out (and nothing else).
b11=$(bullseye_image)
run_kmend scan --db "$db" --no-cache --format json "$b11"
expect_eq "bullseye: foot and putty, no-dsa" "putty CVE-2021-36367 no-dsa" \
  "$(jq -r '.results[0].findings[] | "\(.package) \(.id) \(.status)"' <<<"$out")"
run_kmend scan --db "$db" --no-cache --format json --ignore-status postponed,No-DSA "$b11"
expect_eq "--ignore-status no-dsa: left out" "0" "$(jq '.results[0].findings | length' <<<"$out")"
run_kmend scan --db "$db" --no-cache --format json --ignore-status postponed "$b11"
expect_eq "--ignore-status postponed: kept" "1" "$(jq '.results[0].findings | length' <<<"$out")"
run_kmend scan --db "$db" --ignore-status nodsa "$b11"
expect_eq "--ignore-status with an unknown word: exit 2" "2" "$rc"
expect_contains "--ignore-status with an unknown word: lists the words" "no-dsa, postponed" "$err"

# A release the store has no advisories for: a warning naming what to import, not "clean".
deb foot 1.6.4-1 | dpkg_image buster 'ID=debian
VERSION_ID="10"
' >/dev/null
run_kmend scan --db "$w/zip.db" --no-cache --format json "oci:$w/buster-oci:t"
expect_eq "no advisories for the release: exit 0" "0" "$rc"
expect_contains "no advisories for the release: warned on stderr" "no advisories for debian:10 (Debian 10) in the store" "$err"
expect_contains "no advisories for the release: names the feed" "https://security-tracker.debian.org/tracker/data/json" "$err"
expect_eq "no advisories for the release: in the JSON" "no-advisories" "$(jq -r '.results[0].warnings[0].code' <<<"$out")"
printf '{"distroversion": "v3.20", "packages": {}}' >"$w/empty-secdb.json"
"$KMEND" db import --db "$w/empty.db" "$w/empty-secdb.json" >/dev/null
run_kmend scan --db "$w/empty.db" --no-cache --format json "oci:$w/buster-oci:t"
expect_contains "an empty store: warned" "the vulnerability store holds no advisories" "$err"
expect_eq "an empty store: in the JSON" "empty-store" "$(jq -r '.results[0].warnings[0].code' <<<"$out")"
done_testing
