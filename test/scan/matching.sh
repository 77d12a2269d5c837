# Every sample feed imports; Alpine and Ubuntu matching on images holding real package
# databases (test/fixtures/pkgdb) under a matching os-release.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
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

# image DIR: an OCI layout of the directory's content, tagged t.
image() { tar cf "$w/$1.tar" -C "$w/$1" . && oci_layout "$w/$1-oci" t "$w/$1.tar"; }

# Alpine 3.20 with syft's multiple-2 database: busybox 1.35.0-r17 and ssl_client (origin
# busybox). Expected: every 3.20 busybox secfix newer than 1.35.0-r17, for both packages;
# kmend's apk comparator is the one checked against apk-tools' own table.
mkdir -p "$w/alp/lib/apk/db" "$w/alp/etc"
cp "$KMEND_SOURCE/test/fixtures/pkgdb/syft-apk/multiple-2.installed" "$w/alp/lib/apk/db/installed"
printf 'ID=alpine\nVERSION_ID=3.20.3\n' >"$w/alp/etc/os-release"
image alp
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
mkdir -p "$w/ubu/var/lib/dpkg" "$w/ubu/etc"
printf 'ID=ubuntu\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n' >"$w/ubu/etc/os-release"
printf 'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.35-0ubuntu3.6\n\nPackage: libc-bin\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.35-0ubuntu3.7\n' \
  >"$w/ubu/var/lib/dpkg/status"
image ubu
run_kmend scan --db "$db" --no-cache --format json "oci:$w/ubu-oci:t"
expect_eq "ubuntu: libc6 vulnerable, libc-bin (already fixed) not" \
  "libc6 USN-6737-1 2.35-0ubuntu3.6 2.35-0ubuntu3.7" \
  "$(jq -r '.results[0].findings[] | "\(.package) \(.id) \(.installed) \(.fixed)"' <<<"$out")"
expect_eq "ubuntu: the upstream id is an alias" "UBUNTU-CVE-2024-2961" \
  "$(jq -r '.results[0].findings[0].aliases | join(" ")' <<<"$out")"
done_testing
