# kmend db update: the publishers' feeds by default, fetched here from a mirror on 127.0.0.1
# laid out as HOST/PATH (test/scan/feed-server.py over test fixtures); a server that fails
# halfway, or a feed that cannot be imported, leaves the store exactly as it was.
# README.md's `build/src/kmend db update` is the command run below with no arguments.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
. "$KMEND_SOURCE/test/oci-layout.bash"
. "$KMEND_SOURCE/test/scan/images.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"' EXIT
export XDG_CACHE_HOME="$w/cache" XDG_CONFIG_HOME="$w/config"
unset KMEND_FEED_URLS KMEND_FEED_MIRROR
feeds="$KMEND_SOURCE/test/fixtures/feeds"
store="$w/cache/kmend/vuln.db"

# zip_of ZIP FILE...: an OSV all.zip of the records given (none: an empty one).
zip_of() {
  mkdir -p "$(dirname "$1")"
  python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]: z.write(f, f.split("/")[-1])' "$@"
}

# The mirror: every default feed at HOST/PATH. The tracker JSON is vunnel's subset; OSV's
# all.zip files hold the OSV fixtures of each publisher (none for Alpine, AlmaLinux and
# Rocky: empty zips, which kmend must call out); Alpine's secdb for 3.21-3.24 is the
# vuln-list-update 3.12 sample with its distroversion set to the release of its URL.
m="$w/mirror"
mkdir -p "$m/security-tracker.debian.org/tracker/data"
cp "$feeds/debian-tracker-json-subset/vunnel-debian.json" "$m/security-tracker.debian.org/tracker/data/json"
osv="$m/osv-vulnerabilities.storage.googleapis.com"
zip_of "$osv/Debian/all.zip" "$feeds"/debian-osv/*.json
zip_of "$osv/Ubuntu/all.zip" "$feeds/ubuntu-osv/usn/USN-6737-1.json" "$feeds/ubuntu-osv/UBUNTU-CVE-2025-38094.json"
zip_of "$osv/Red Hat/all.zip" "$feeds"/red-hat-osv/*.json
for e in Alpine AlmaLinux "Rocky Linux"; do zip_of "$osv/$e/all.zip"; done
for v in 3.21 3.22 3.23 3.24; do
  mkdir -p "$m/secdb.alpinelinux.org/v$v"
  for r in main community; do
    jq --arg v "v$v" '.distroversion = $v' "$feeds/alpine-secdb-samples/vuln-list-update/312-$r.json" \
      >"$m/secdb.alpinelinux.org/v$v/$r.json"
  done
done

# serve [--cut-after N]: (re)start the mirror; sets $base.
server=
serve() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  local port
  port=$(free_port)
  python3 "$KMEND_SOURCE/test/scan/feed-server.py" "$port" "$m" "$@" &
  server=$!
  pids+=("$server")
  wait_port "$port" || { not_ok "the feed mirror starts"; done_testing; }
  base="http://127.0.0.1:$port"
}
serve

# Nothing reachable: exit 3, and no store is created.
closed=$(free_port)
KMEND_FEED_MIRROR="http://127.0.0.1:$closed" run_kmend db update
expect_eq "mirror down: exit 3" "3" "$rc"
expect_contains "mirror down: says what to do offline" "kmend db import FILE" "$err"
expect_eq "mirror down: no store created" "no" "$([ -e "$store" ] && echo yes || echo no)"

# No URL configured: the default feeds, each named by its publisher's URL.
KMEND_FEED_MIRROR="$base" run_kmend db update
expect_eq "defaults: exit 0" "0" "$rc"
expect_contains "defaults: Debian's tracker" "https://security-tracker.debian.org/tracker/data/json: debian-tracker," "$out"
expect_contains "defaults: fetched from the mirror" "https://security-tracker.debian.org/tracker/data/json from $base/security-tracker.debian.org/tracker/data/json" "$err"
expect_contains "defaults: OSV's Ubuntu all.zip" "https://osv-vulnerabilities.storage.googleapis.com/Ubuntu/all.zip: osv, 2 advisories" "$out"
expect_contains "defaults: OSV's Red Hat all.zip" "https://osv-vulnerabilities.storage.googleapis.com/Red%20Hat/all.zip: osv," "$out"
expect_contains "defaults: Alpine's secdb" "https://secdb.alpinelinux.org/v3.24/community.json: alpine-secdb" "$out"
expect_contains "defaults: an empty feed is called out" "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip: no advisories kmend can use" "$err"
run_kmend db status --format json
expect_eq "defaults: 15 sources" "15" "$(jq '.sources | length' <<<"$out")"
expect_eq "defaults: one list, in lib/feed_catalog.c and docs/scan.md" \
  "$(grep -o 'https://[^ `]*' "$KMEND_SOURCE/docs/scan.md" | grep -E 'tracker/data/json|all.zip|secdb.alpinelinux.org/v' | LC_ALL=C sort -u)" \
  "$(jq -r '.sources[].source' <<<"$out" | LC_ALL=C sort -u)"
expect_eq "defaults: the age of the data is the newest advisory date" "2026-04-27" "$(jq -r '.newest_advisory' <<<"$out")"

# What the store answers now, for the comparisons below.
images=("$(sid_image)" "$(ubuntu_image)" "$(centos7_image)")
answers() {
  "$KMEND" db status
  for i in "${images[@]}"; do "$KMEND" scan --no-cache --format json "$i" | jq -c '.results[] | [.ecosystem, .warnings, .findings]'; done
}
before=$(answers)
expect_contains "the store answers: sid" '"debian:unstable",[],[{"id":"CVE-2005-3111"' "$before"
expect_contains "the store answers: CentOS 7 with Red Hat's data" '"rhel:7",[],[{"id":"RHSA-2019:2304"' "$before"

# The mirror fails halfway: five feeds whole, then the sixth cut in the middle.
serve --cut-after 5
KMEND_FEED_MIRROR="$base" run_kmend db update
expect_eq "a server failing halfway: exit 3" "3" "$rc"
expect_contains "a server failing halfway: nothing imported" "nothing was imported; the store is as it was" "$err"
expect_eq "a server failing halfway: same status, same findings" "$before" "$(answers)"

# Every download whole, but one feed cannot be imported: rolled back, the store as it was.
serve
cp "$osv/Ubuntu/all.zip" "$w/ubuntu.zip"
head -c 300 "$w/ubuntu.zip" >"$osv/Ubuntu/all.zip"
run_kmend db update --mirror "$base"
expect_eq "a feed that cannot be imported: exit 2" "2" "$rc"
expect_contains "a feed that cannot be imported: named" "Ubuntu/all.zip" "$err"
expect_eq "a feed that cannot be imported: same status, same findings" "$before" "$(answers)"
cp "$w/ubuntu.zip" "$osv/Ubuntu/all.zip"

# The configured list and $KMEND_FEED_URLS still override the defaults.
run_kmend db update --db "$w/own.db" "$base/security-tracker.debian.org/tracker/data/json"
expect_eq "URLs given: exit 0" "0" "$rc"
expect_eq "URLs given: only those" "1" "$("$KMEND" db status --db "$w/own.db" --format json | jq '.sources | length')"
mkdir -p "$w/config/kmend"
printf '# feeds\n%s\n' "$base/secdb.alpinelinux.org/v3.21/main.json" >"$w/config/kmend/feeds"
run_kmend db update --db "$w/own.db"
expect_contains "URLs from the feeds file" "v3.21/main.json: alpine-secdb" "$out"
KMEND_FEED_URLS="$base/osv-vulnerabilities.storage.googleapis.com/Debian/all.zip" run_kmend db update --db "$w/own.db"
expect_contains "URLs from \$KMEND_FEED_URLS" "Debian/all.zip: osv, 1 advisories" "$out"
rm "$w/config/kmend/feeds"

run_kmend db update --db "$w/own.db" "$base/nothing.json"
expect_eq "404: exit 2" "2" "$rc"
expect_contains "404: names the URL" "$base/nothing.json: HTTP 404" "$err"
run_kmend db update --db "$w/own.db" "http://127.0.0.1:$closed/feed.json"
expect_eq "no server: exit 3" "3" "$rc"
expect_eq "failed updates lose nothing" "3" "$("$KMEND" db status --db "$w/own.db" --format json | jq '.sources | length')"
done_testing
