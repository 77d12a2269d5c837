# The command line habits of scanner users: -f/--format, -o/--output (atomic), -q/--quiet,
# colour on a terminal (NO_COLOR), severities in any case, --exit-code 0..255, kmend version,
# extra arguments refused by every command, help texts with aligned option columns.
. "$KMEND_SOURCE/test/lib.sh"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export XDG_CACHE_HOME="$w/cache"
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null
E="oci:$KMEND_SOURCE/examples/images/debian-12:12"
scan() { "$KMEND" scan --db "$w/vuln.db" --no-cache "$@"; }

json=$(scan --format json "$E")
expect_eq "-f is --format" "$json" "$(scan -f json "$E")"
expect_eq "--format=json is --format json" "$json" "$(scan --format=json "$E")"
run_kmend scan --db "$w/vuln.db" --no-cache -f yaml "$E"
expect_eq "an unknown format: exit 2, the formats named" "2" "$rc"
expect_contains "an unknown format: the formats named" "unknown format 'yaml'; use table, json, sarif or cyclonedx" "$err"

# -o writes the report to a file, atomically: the same bytes, a new file's usual mode, no
# temporary file left behind; an existing file is replaced only by a complete report.
(umask 022 && scan -f json -o "$w/report.json" "$E")
expect_eq "-o: the report in the file" "$json" "$(cat "$w/report.json")"
expect_eq "-o: a new file is 0644 under umask 022" "644" "$(stat -c %a "$w/report.json")"
expect_eq "-o: no temporary file left" "report.json" "$(ls "$w" | grep -v "^vuln.db" | paste -sd' ')"
echo old >"$w/kept.json"
chmod 600 "$w/kept.json"
scan --output "$w/kept.json" -f json "$E" >/dev/null
expect_eq "-o: an existing file replaced, keeping its mode" "$json 600" "$(cat "$w/kept.json") $(stat -c %a "$w/kept.json")"
run_kmend scan --db "$w/vuln.db" --no-cache -o "$w/no/such/dir/r.json" "$E"
expect_eq "-o into a missing directory: exit 2, named" "2" "$rc"
expect_contains "-o into a missing directory: named" "$w/no/such/dir/r.json" "$err"

# Severities in any case; a word that is not one is named.
expect_eq "--severity HIGH,Critical is high,critical" \
  "$(scan -f json --severity high,critical "$E" | jq -c .results[0].findings)" \
  "$(scan -f json --severity HIGH,Critical "$E" | jq -c .results[0].findings)"
run_kmend scan --db "$w/vuln.db" --no-cache --severity high,hgih "$E"
expect_eq "a bad severity: exit 2" "2" "$rc"
expect_contains "a bad severity: the word named" "'hgih' is not a severity" "$err"

# --exit-code: an integer from 0 to 255, nothing else.
for bad in 256 -1 abc 1x ""; do
  run_kmend scan --db "$w/vuln.db" --no-cache --exit-code "$bad" "$E"
  expect_eq "--exit-code '$bad': exit 2" "2" "$rc"
  expect_contains "--exit-code '$bad': says what it takes" "give an integer from 0 to 255" "$err"
done
run_kmend scan --db "$w/vuln.db" --no-cache --exit-code 255 "$E"
expect_eq "--exit-code 255 with findings" "255" "$rc"

# -q: warnings and notes go, errors stay.
printf 'ignore:\n  - id: CVE-1\n    reason: old\n    expires: 2020-01-01\n' >"$w/ignore.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache --ignore-file "$w/ignore.yaml" "$E"
expect_contains "without -q: the expired rule is a warning" "expired on 2020-01-01" "$err"
run_kmend scan --db "$w/vuln.db" --no-cache -q --ignore-file "$w/ignore.yaml" "$E"
expect_eq "-q: no warning" "" "$err"
run_kmend scan --db "$w/vuln.db" --no-cache -q "$w/missing.yaml"
expect_contains "-q: errors are still shown" "no such file" "$err"

# Colour on a terminal (script(1) gives kmend one), not with NO_COLOR, not into a pipe or file.
tty_scan() { script -qec "$*" /dev/null </dev/null; }
expect_contains "a terminal: severities in colour" $'\e[31mhigh\e[0m' \
  "$(tty_scan "$KMEND" scan --db "$w/vuln.db" --no-cache "$E")"
expect_eq "NO_COLOR: no colour on a terminal" "0" \
  "$(NO_COLOR=1 tty_scan "$KMEND" scan --db "$w/vuln.db" --no-cache "$E" | grep -c $'\e\\[')"
expect_eq "a pipe: no colour" "0" "$(scan "$E" | grep -c $'\e\\[')"

# kmend version is kmend --version.
expect_eq "kmend version" "$("$KMEND" --version)" "$("$KMEND" version)"
expect_contains "kmend version: 'kmend X.Y.Z'" "kmend " "$("$KMEND" version)"

# Extra arguments are usage errors, never ignored.
while IFS='|' read -r args extra; do
  # shellcheck disable=SC2086
  run_kmend $args
  expect_eq "kmend $args: exit 2" "2" "$rc"
  expect_contains "kmend $args: names '$extra'" "unexpected argument '$extra'" "$err"
done <<EOF
vercmp deb 1 2 3|3
inventory --no-cache oci:x:1 surplus|surplus
db --db $w/vuln.db status surplus|surplus
version surplus|surplus
help scan surplus|surplus
EOF
run_kmend vercmp -x deb 1 2
expect_contains "vercmp: an unknown short option is named" "unknown option '-x'" "$err"

# Help texts: within each, every option's description starts in the same column.
for cmd in scan inventory db vercmp; do
  cols=$("$KMEND" "$cmd" --help | awk '/^  -/ { match($0, /^  -[^ ]*( [^ -][^ ]*)?(, -[^ ]*( [^ ]+)?)?  +/); if (RLENGTH > 0) print RLENGTH }' | sort -u)
  expect_eq "kmend $cmd --help: option descriptions aligned" "1" "$(wc -l <<<"$cols")"
done
done_testing
