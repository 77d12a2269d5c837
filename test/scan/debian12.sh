# kmend scan of the real Debian 12 image against the bookworm feed: the findings are exactly
# the (binary package, identifier) pairs whose source package has a feed entry with a fixed
# version newer than the installed source version, computed here independently with
# dpkg-query and dpkg --compare-versions.
. "$KMEND_SOURCE/test/lib.sh"
img=$("$KMEND_SOURCE/test/images/debian12") || { not_ok "build the Debian 12 test image"; done_testing; }
feed="$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
db="$w/vuln.db"

run_kmend db import --db "$db" "$feed"
expect_eq "import: exit 0" "0" "$rc"
expect_contains "import: every entry" "debian-tracker, 13725 advisories" "$out"

# Independently: package<TAB>source<TAB>source version from dpkg itself, then every feed
# entry of that source that dpkg orders after the installed version.
dpkg-query --admindir="$img/rootfs/var/lib/dpkg" -W -f '${Package}\t${source:Package}\t${source:Version}\n' >"$w/installed"
jq -r 'to_entries[] | .key as $src | .value | to_entries[] | select(.value.releases.bookworm.status == "resolved" and .value.releases.bookworm.fixed_version != "0") | "\($src)\t\(.key)\t\(.value.releases.bookworm.fixed_version)"' "$feed" >"$w/feed"
while IFS=$'\t' read -r pkg src ver; do
  awk -F'\t' -v s="$src" '$1 == s { print $2 "\t" $3 }' "$w/feed" | while IFS=$'\t' read -r id fixed; do
    if dpkg --compare-versions "$ver" lt "$fixed"; then printf '%s\t%s\t%s\t%s\n' "$pkg" "$id" "$ver" "$fixed"; fi
  done
done <"$w/installed" | LC_ALL=C sort >"$w/expected"

run_kmend scan --db "$db" --no-cache --format json "oci:$img/oci:12"
expect_eq "scan: exit 0" "0" "$rc"
jq -r '.results[0].findings[] | "\(.package)\t\(.id)\t\(.installed)\t\(.fixed)"' <<<"$out" | LC_ALL=C sort >"$w/actual"
expect_eq "findings equal the independent computation" "$(cat "$w/expected")" "$(cat "$w/actual")"
expect_eq "there are findings to compare (a real vulnerable image)" "yes" "$([ -s "$w/expected" ] && echo yes)"
expect_eq "every finding names the feed" "$feed" "$(jq -r '[.results[0].findings[].data_source] | unique | .[]' <<<"$out")"
expect_eq "the result names the image and OS" "oci:$img/oci:12 debian 12" \
  "$(jq -r '.results[0] | "\(.image) \(.os.id) \(.os.version_id)"' <<<"$out")"

# Filters and the exit code.
run_kmend scan --db "$db" --no-cache --format json --severity medium "oci:$img/oci:12"
expect_eq "--severity medium keeps only medium" "medium" "$(jq -r '[.results[0].findings[].severity] | unique | join(",")' <<<"$out")"
run_kmend scan --db "$db" --no-cache --exit-code 7 "oci:$img/oci:12"
expect_eq "--exit-code 7 with findings" "7" "$rc"
expect_contains "table: totals by severity" "Total: $(wc -l <"$w/expected") (critical: 0, high:" "$out"
run_kmend scan --db "$db" --no-cache --exit-code 7 --severity critical "oci:$img/oci:12"
expect_eq "--exit-code with nothing left after filters: 0" "0" "$rc"

# fixed_in: per package, the greatest fixed version of its findings.
run_kmend scan --db "$db" --no-cache --format json "oci:$img/oci:12"
jq -r '.results[0].findings[] | "\(.package)\t\(.fixed)\t\(.fixed_in)"' <<<"$out" >"$w/fixed_in"
expect_eq "fixed_in is at least every fixed version of the package (dpkg's order)" "" \
  "$(while IFS=$'\t' read -r p f i; do dpkg --compare-versions "$f" le "$i" || echo "$p: $f > $i"; done <"$w/fixed_in")"
expect_eq "fixed_in is one of the package's fixed versions" "" \
  "$(while IFS=$'\t' read -r p f i; do grep -q "^$p	.*	$i\$" "$w/expected" || echo "$p: $i"; done <"$w/fixed_in")"

# SARIF 2.1.0: one result per finding, every rule it names defined.
run_kmend scan --db "$db" --no-cache --format sarif "oci:$img/oci:12"
expect_eq "sarif: version and tool" "2.1.0 kmend" "$(jq -r '"\(.version) \(.runs[0].tool.driver.name)"' <<<"$out")"
expect_eq "sarif: one result per finding" "$(wc -l <"$w/expected")" "$(jq '.runs[0].results | length' <<<"$out")"
expect_eq "sarif: every ruleId is a rule" "[]" \
  "$(jq -c '[.runs[0].tool.driver.rules[].id] as $r | [.runs[0].results[].ruleId | select(. as $id | $r | index($id) | not)]' <<<"$out")"
expect_eq "sarif: levels are SARIF's" "[]" \
  "$(jq -c '[.runs[0].results[].level | select(. != "error" and . != "warning" and . != "note")]' <<<"$out")"

# The ignore file: an accepted risk leaves the report; an expired one does not.
first=$(head -1 "$w/expected" | cut -f2)
pkg=$(head -1 "$w/expected" | cut -f1)
printf 'ignore:\n  - id: %s\n    package: %s\n    reason: accepted for the test\n  - id: %s\n    expires: 2020-01-01\n    reason: expired long ago\n' "$first" "$pkg" "$(sed -n 2p "$w/expected" | cut -f2)" >"$w/ignore.yaml"
run_kmend scan --db "$db" --no-cache --format json --ignore-file "$w/ignore.yaml" "oci:$img/oci:12"
expect_eq "ignored: one finding fewer" "$(($(wc -l <"$w/expected") - 1))" "$(jq '.results[0].findings | length' <<<"$out")"
expect_eq "ignored: that one is gone" "" "$(jq -r --arg id "$first" --arg p "$pkg" '.results[0].findings[] | select(.id == $id and .package == $p) | .id' <<<"$out")"
expect_contains "expired rule: warned about" "expired on 2020-01-01 and no longer applies" "$err"
printf 'ignore:\n  - id: CVE-1\n' >"$w/bad-ignore.yaml"
run_kmend scan --db "$db" --no-cache --ignore-file "$w/bad-ignore.yaml" "oci:$img/oci:12"
expect_eq "an ignore entry without a reason: exit 2" "2" "$rc"
expect_contains "an ignore entry without a reason: named" "ignore entry 1: no reason" "$err"

# Importing again changes nothing.
run_kmend db import --db "$db" "$feed"
run_kmend db status --db "$db"
expect_contains "import twice: one source, same count" "debian-tracker       13725" "$out"
expect_eq "import twice: one source line" "1" "$(grep -c debian-tracker <<<"$out")"
done_testing
