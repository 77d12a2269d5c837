# kmend db update: feeds downloaded over HTTP from a server on 127.0.0.1 (Python's
# http.server over the test feeds), imported under their URLs; clear errors without network.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/registry.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"' EXIT
export XDG_CACHE_HOME="$w/cache" XDG_CONFIG_HOME="$w/config"
unset KMEND_FEED_URLS
port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$KMEND_SOURCE/test/fixtures/feeds" >/dev/null 2>&1 &
pids+=($!)
wait_port "$port" || { not_ok "the feed server starts"; done_testing; }
base="http://127.0.0.1:$port"

run_kmend db update
expect_eq "no URLs: exit 2" "2" "$rc"
expect_contains "no URLs: says where they go" "$w/config/kmend/feeds" "$err"

run_kmend db update "$base/debian-bookworm/tracker.json" "$base/ubuntu-osv/usn/USN-6737-1.json"
expect_eq "update: exit 0" "0" "$rc"
expect_contains "update: the tracker" "$base/debian-bookworm/tracker.json: debian-tracker, 13725 advisories" "$out"
run_kmend db status
expect_contains "status names the source by its URL" "$base/ubuntu-osv/usn/USN-6737-1.json" "$out"

mkdir -p "$w/config/kmend"
printf '# feeds\n%s\n' "$base/alpine-secdb-samples/vuln-list-update/311-main.json" >"$w/config/kmend/feeds"
run_kmend db update
expect_contains "URLs from the feeds file" "311-main.json: alpine-secdb, 2 advisories" "$out"
KMEND_FEED_URLS="$base/debian-tracker-json-subset/vunnel-debian.json" run_kmend db update
expect_contains "URLs from \$KMEND_FEED_URLS" "vunnel-debian.json: debian-tracker" "$out"

run_kmend db update "$base/nothing.json"
expect_eq "404: exit 2" "2" "$rc"
expect_contains "404: names the URL" "$base/nothing.json: HTTP 404" "$err"
closed=$(free_port)
run_kmend db update "http://127.0.0.1:$closed/feed.json"
expect_eq "no server: exit 3" "3" "$rc"
expect_contains "no server: says what to do offline" "kmend db import FILE" "$err"
run_kmend db status
expect_eq "failed updates lose nothing" "4" "$(grep -c "^[a-z]" <<<"$out")"
done_testing
