# Bad feeds give clear errors, never crash, and lose nothing already imported.
. "$KMEND_SOURCE/test/lib.sh"
feed="$KMEND_SOURCE/test/fixtures/feeds/debian-bookworm/tracker.json"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
db="$w/vuln.db"
"$KMEND" db import --db "$db" "$feed" >/dev/null
before=$("$KMEND" db status --db "$db" | grep tracker.json | cut -c1-27)

head -c 100000 "$feed" >"$w/truncated.json"
run_kmend db import --db "$db" "$w/truncated.json"
expect_eq "truncated JSON: exit 2" "2" "$rc"
expect_contains "truncated JSON: names the file" "$w/truncated.json:" "$err"
expect_contains "truncated JSON: and the position" ": not valid JSON: premature end of input" "$err"

printf '{"openssl": {"CVE-1": {"releases": {"bookworm": {"status": 7}}}, "CVE-2": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.1-1", "urgency": "high"}}}, "CVE-3": "x"}}' >"$w/types.json"
run_kmend db import --db "$db" "$w/types.json"
expect_eq "wrong types: the good entry is imported" "0" "$rc"
expect_contains "wrong types: one advisory" "debian-tracker, 1 advisories" "$out"
expect_contains "wrong types: skipped entries named with their position" "at openssl/CVE-1/releases/bookworm: no status" "$err"

# The tracker format is told by any vulnerability with releases, not only the first one's.
printf '{"aaa": "x", "openssl": {"CVE-0": "x", "CVE-2": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.1-1"}}}}}' >"$w/first-bad.json"
run_kmend db import --db "$db" "$w/first-bad.json"
expect_eq "a malformed first entry: still the tracker format" "0" "$rc"
expect_contains "a malformed first entry: the good one imported" "debian-tracker, 1 advisories" "$out"

printf '{"vulnerabilities": [1, 2]}' >"$w/unknown.json"
run_kmend db import --db "$db" "$w/unknown.json"
expect_eq "unknown format: exit 2" "2" "$rc"
expect_contains "unknown format: says which formats" "not a vulnerability feed format kmend knows" "$err"

printf '{"id": "PYSEC-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}]}]}' >"$w/pypi.json"
run_kmend db import --db "$db" "$w/pypi.json"
expect_eq "an OSV record of an unknown ecosystem: imported as nothing" "0" "$rc"
expect_contains "an unknown ecosystem: named" "ecosystem 'PyPI' is not an OS kmend matches" "$err"

truncate -s 2G "$w/huge.json"
run_kmend db import --db "$db" "$w/huge.json"
expect_eq "a 2 GB file: refused" "2" "$rc"
expect_contains "a 2 GB file: names the limit" "over kmend's limit" "$err"

run_kmend db import --db "$db" "$w/missing.json"
expect_eq "missing file: exit 2" "2" "$rc"

expect_eq "the first import is intact" "$before" "$("$KMEND" db status --db "$db" | grep tracker.json | cut -c1-27)"
run_kmend scan --db "$w/none.db" oci:/nonexistent
expect_eq "no store: exit 2" "2" "$rc"
expect_contains "no store: says to import" "kmend db import" "$err"
done_testing
