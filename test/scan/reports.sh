# The four report formats of kmend scan on crafted and real images: text from an image never
# reaches a terminal as a control sequence and never leaves JSON, SARIF or CycloneDX because it
# is not UTF-8; SARIF and CycloneDX validate against their published schemas; every result is
# written as soon as it is complete.
. "$KMEND_SOURCE/test/lib.sh"
. "$KMEND_SOURCE/test/oci-layout.bash"
w=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$w"' EXIT
export XDG_CACHE_HOME="$w/cache"
schemas="$KMEND_SOURCE/test/fixtures/schemas"
# valid SCHEMA FILE: the schema checker's verdict ("valid" or the violations).
valid() { /usr/bin/python3 "$KMEND_SOURCE/test/schema-check.py" "$schemas/$1" "$2" 2>&1 | head -5; }
"$KMEND" db import --db "$w/vuln.db" "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" >/dev/null

# A Debian 12 image whose two perl packages are named with a terminal escape sequence (set
# the window title, turn the text red) and with a byte that is not UTF-8 (Latin-1 e-acute).
esc=$'evil\e]0;pwned\a\e[31mred'
mkdir -p "$w/root/etc" "$w/root/var/lib/dpkg"
printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' >"$w/root/etc/os-release"
printf 'Package: %s\nStatus: install ok installed\nVersion: 5.36.0-7+deb12u3\nSource: perl\nArchitecture: amd64\n\nPackage: caf\351-perl\nStatus: install ok installed\nVersion: 5.36.0-7+deb12u3\nSource: perl\nArchitecture: amd64\n' \
  "$esc" >"$w/root/var/lib/dpkg/status"
tar cf "$w/hostile.tar" -C "$w/root" .
oci_layout "$w/hostile" t "$w/hostile.tar"
H="oci:$w/hostile:t"
# Independently: the feed's perl entries fixed after the installed version, by dpkg's order.
perl_ids=$(jq -r '.perl | to_entries[] | select(.value.releases.bookworm.status == "resolved" and .value.releases.bookworm.fixed_version != "0") | "\(.key) \(.value.releases.bookworm.fixed_version)"' \
  "$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json" |
  while read -r id fixed; do dpkg --compare-versions 5.36.0-7+deb12u3 lt "$fixed" && echo "$id"; done | sort)
nperl=$(wc -l <<<"$perl_ids")

"$KMEND" scan --db "$w/vuln.db" --no-cache "$H" >"$w/table" 2>"$w/err"
expect_eq "table: exit 0" "0" "$?"
expect_eq "table: no escape, bell or other control byte from the image reaches the terminal" "0" \
  "$(tr -d '\n' <"$w/table" | LC_ALL=C grep -c '[[:cntrl:]]')"
expect_contains "table: the escape sequence is shown escaped" 'evil\x1B]0;pwned\x07\x1B[31mred' "$(cat "$w/table")"
expect_contains "table: the byte that is not UTF-8 is shown as \\xE9" 'caf\xE9-perl' "$(cat "$w/table")"
expect_contains "table: a line per package to upgrade" "caf\\xE9-perl 5.36.0-7+deb12u3 → 5.36.0-7+deb12u4 fixes $nperl" "$(cat "$w/table")"

run_kmend scan --db "$w/vuln.db" --no-cache --format json "$H"
expect_eq "json: exit 0" "0" "$rc"
expect_eq "json: both packages are there, the one that is not UTF-8 escaped (nothing dropped)" \
  "$(printf 'caf\\xE9-perl\n%s' "$esc")" "$(jq -r '[.results[0].findings[].package] | unique | .[]' <<<"$out")"
expect_eq "json: every finding of each package" "$((2 * nperl))" "$(jq '.results[0].findings | length' <<<"$out")"
expect_eq "json: the identifiers are the feed's for perl" "$perl_ids" \
  "$(jq -r '[.results[0].findings[].id] | unique | .[]' <<<"$out")"
expect_contains "json: a warning says which text was escaped" 'not valid UTF-8 (the first: "caf\xE9-perl")' \
  "$(jq -r '.results[0].warnings[] | select(.code == "invalid-utf8") | .message' <<<"$out")"
expect_eq "json: the fields of a finding" "id aliases package source installed source_version fixed fixed_in status severity title link data_source" \
  "$(jq -r '.results[0].findings[0] | keys_unsorted | join(" ")' <<<"$out")"
expect_eq "json: the fields of a result" "target workload container image digest os ecosystem ecosystem_note findings ignored filtered error warnings" \
  "$(jq -r '.results[0] | keys_unsorted | join(" ")' <<<"$out")"
expect_eq "json: the ecosystem matched" "debian:12" "$(jq -r '.results[0].ecosystem' <<<"$out")"

"$KMEND" scan --db "$w/vuln.db" --no-cache --format sarif "$H" >"$w/sarif.json"
expect_eq "sarif: valid against the SARIF 2.1.0 schema" "valid" "$(valid sarif-schema-2.1.0.json "$w/sarif.json")"
expect_eq "sarif: one result per finding, the package that is not UTF-8 included" "$nperl $nperl" \
  "$(jq -r '[.runs[0].results[].properties.package] | "\(map(select(. == "caf\\xE9-perl")) | length) \(map(select(startswith("evil"))) | length)"' "$w/sarif.json")"
expect_contains "sarif: a notification says which text was escaped" "not valid UTF-8" \
  "$(jq -r '.runs[0].invocations[0].toolExecutionNotifications[].message.text' "$w/sarif.json")"
expect_eq "sarif: every ruleId is a rule, once" "[] $nperl" \
  "$(jq -c '[.runs[0].tool.driver.rules[].id] as $r | [.runs[0].results[].ruleId | select(. as $id | $r | index($id) | not)]' "$w/sarif.json") $(jq '.runs[0].tool.driver.rules | length' "$w/sarif.json")"

"$KMEND" scan --db "$w/vuln.db" --no-cache --format cyclonedx "$H" >"$w/cdx.json"
expect_eq "cyclonedx: valid against the CycloneDX 1.5 schema" "valid" "$(valid bom-1.5.schema.json "$w/cdx.json")"
expect_eq "cyclonedx: the packages are components with purls, percent-encoded" \
  "pkg:deb/debian/caf%E9-perl@5.36.0-7%2Bdeb12u3?arch=amd64&distro=debian-12|pkg:deb/debian/evil%1B%5D0%3Bpwned%07%1B%5B31mred@5.36.0-7%2Bdeb12u3?arch=amd64&distro=debian-12" \
  "$(jq -r '.components[0].components[].purl' "$w/cdx.json" | paste -sd'|')"
expect_eq "cyclonedx: one vulnerability per identifier, affecting both packages" "$nperl 2" \
  "$(jq -r '"\(.vulnerabilities | length) \([.vulnerabilities[].affects | length] | unique | join(","))"' "$w/cdx.json")"
expect_eq "cyclonedx: every affects ref is a component" "[]" \
  "$(jq -c '[.components[] | .["bom-ref"], (.components[]?["bom-ref"])] as $refs | [.vulnerabilities[].affects[].ref | select(. as $r | $refs | index($r) | not)]' "$w/cdx.json")"
expect_eq "cyclonedx: ratings and the fix" "high|upgrade caf\\xE9-perl to 5.36.0-7+deb12u4; upgrade $esc to 5.36.0-7+deb12u4" \
  "$(jq -r '.vulnerabilities[0] | "\(.ratings[0].severity)|\(.recommendation)"' "$w/cdx.json")"

# Accepted risks and filters: counted, and in CycloneDX an analysis with the reason.
first=$(head -1 <<<"$perl_ids")
printf 'ignore:\n  - id: %s\n    reason: not reachable here\n    expires: 2999-12-31\n' "$first" >"$w/ignore.yaml"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --ignore-file "$w/ignore.yaml" --severity HIGH,critical "$H"
expect_eq "json: the accepted risk's two findings are counted as ignored" "$((2 * nperl - 2)) 2 0" \
  "$(jq -r '.results[0] | "\(.findings | length) \(.ignored) \(.filtered)"' <<<"$out")"
run_kmend scan --db "$w/vuln.db" --no-cache --format json --ignore-file "$w/ignore.yaml" --severity MEDIUM,Low "$H"
expect_eq "json: severities in any case; filters come before accepted risks" "0 0 $((2 * nperl))" \
  "$(jq -r '.results[0] | "\(.findings | length) \(.ignored) \(.filtered)"' <<<"$out")"
expect_eq "json: the summary counts" "1 0 0 0 $((2 * nperl))" \
  "$(jq -r '.summary | "\(.results) \(.errors) \(.findings) \(.ignored) \(.filtered)"' <<<"$out")"
run_kmend scan --db "$w/vuln.db" --no-cache --ignore-file "$w/ignore.yaml" "$H"
expect_contains "table: the counts of ignored and filtered findings" "; 2 ignored (accepted risks), 0 filtered out" "$out"
"$KMEND" scan --db "$w/vuln.db" --no-cache --format cyclonedx --ignore-file "$w/ignore.yaml" "$H" >"$w/cdx-ignored.json"
expect_eq "cyclonedx with an accepted risk: still valid" "valid" "$(valid bom-1.5.schema.json "$w/cdx-ignored.json")"
expect_eq "cyclonedx: the accepted risk's analysis" "exploitable will_not_fix accepted risk (ignore file): not reachable here (until 2999-12-31)" \
  "$(jq -r --arg id "$first" '.vulnerabilities[] | select(.id == $id) | .analysis | "\(.state) \(.response | join(",")) \(.detail)"' "$w/cdx-ignored.json")"

# The real example image: all four formats agree on the findings.
E="oci:$KMEND_SOURCE/examples/images/debian-12:12"
run_kmend scan --db "$w/vuln.db" --no-cache --format json "$E"
pairs=$(jq -r '.results[0].findings[] | "\(.package) \(.id)"' <<<"$out" | sort)
expect_eq "example image: there are findings" "yes" "$([ -n "$pairs" ] && echo yes)"
"$KMEND" scan --db "$w/vuln.db" --no-cache --format sarif "$E" >"$w/e-sarif.json"
expect_eq "example image: SARIF results are the JSON findings" "$pairs" \
  "$(jq -r '.runs[0].results[] | "\(.properties.package) \(.ruleId)"' "$w/e-sarif.json" | sort)"
"$KMEND" scan --db "$w/vuln.db" --no-cache --format cyclonedx "$E" >"$w/e-cdx.json"
expect_eq "example image: CycloneDX valid" "valid" "$(valid bom-1.5.schema.json "$w/e-cdx.json")"
expect_eq "example image: CycloneDX lists every installed package" \
  "$("$KMEND" inventory --no-cache --format json "$E" | jq '.packages | length')" "$(jq '.components[0].components | length' "$w/e-cdx.json")"
expect_eq "example image: CycloneDX vulnerabilities are the JSON findings" "$pairs" \
  "$(jq -r '(.components[0].components | map({(.["bom-ref"]): .name}) | add) as $m | .vulnerabilities[] | .id as $id | .affects[].ref | "\($m[.]) \($id)"' "$w/e-cdx.json" | sort)"
run_kmend scan --db "$w/vuln.db" --no-cache "$E"
expect_contains "table: the per-package summary" "perl-base 5.36.0-7+deb12u3 → 5.36.0-7+deb12u4 fixes 13" "$out"

# Streaming: the first target's result is written (and flushed) while the second target,
# manifests on standard input, is still being read.
mkfifo "$w/fifo"
for fmt in table json sarif cyclonedx; do
  "$KMEND" scan --db "$w/vuln.db" --no-cache --format "$fmt" "$E" - <"$w/fifo" >"$w/stream.$fmt" 2>/dev/null &
  pid=$!
  exec 3>"$w/fifo"
  seen=no
  for _ in $(seq 100); do
    if grep -q 'perl-base' "$w/stream.$fmt"; then seen=yes; break; fi
    sleep 0.1
  done
  expect_eq "$fmt: the first result is out before the next target is read" "yes" "$seen"
  exec 3>&-
  wait "$pid"
done
done_testing
