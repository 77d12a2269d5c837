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

# One file under several spellings of its path is one source, not several.
mkdir -p "$w/dir"
cp "$KMEND_SOURCE/test/fixtures/feeds/ubuntu-osv/usn/USN-6737-1.json" "$w/dir/usn.json"
(cd "$w" && "$KMEND" db import --db spell.db dir/usn.json ./dir/usn.json "$w/dir//usn.json" dir/../dir/usn.json >/dev/null)
expect_eq "four spellings of one path: one source" "1" "$("$KMEND" db status --db "$w/spell.db" | grep -c usn.json)"
expect_contains "the source is the canonical path" "$(realpath "$w/dir/usn.json")" "$("$KMEND" db status --db "$w/spell.db")"

# A failed import changes nothing: no store appears, and a store keeps what it had, even when
# other files of the same import were good.
run_kmend db import --db "$w/new.db" "$w/unknown.json"
expect_eq "a failed first import: exit 2" "2" "$rc"
expect_eq "a failed first import: no store left behind" "no" "$([ -e "$w/new.db" ] && echo yes || echo no)"
expect_contains "a failed import: says nothing was imported" "nothing was imported; the store is as it was" "$err"
status_before=$("$KMEND" db status --db "$db")
run_kmend db import --db "$db" "$w/types.json" "$w/dir/usn.json" "$w/truncated.json"
expect_eq "good files then a bad one: exit 2" "2" "$rc"
expect_eq "good files then a bad one: the store is as it was" "$status_before" "$("$KMEND" db status --db "$db")"

# Advisories whose fixed version the release's scheme cannot read are dropped, counted and
# named, at import and in db status.
printf '{"id": "DEBIAN-CVE-2099-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:not a version"}]}]}, {"package": {"ecosystem": "Debian:12", "name": "zlib2"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2-3"}]}]}]}' >"$w/badversion.json"
run_kmend db import --db "$w/drop.db" "$w/badversion.json"
expect_eq "an unreadable fixed version: the rest imported" "0" "$rc"
expect_contains "an unreadable fixed version: counted" "1 advisories dropped" "$err"
expect_contains "an unreadable fixed version: named" "DEBIAN-CVE-2099-1/affected[0]: fixed version '1:not a version' is not a deb version" "$err"
run_kmend db status --db "$w/drop.db" --format json
expect_eq "db status --format json: dropped and records" "1 1" "$(jq -r '.sources[0] | "\(.dropped) \(.records)"' <<<"$out")"

# db status --format json: each source, and the age of the data as its newest advisory date.
run_kmend db status --db "$w/spell.db" --format json
expect_eq "db status --format json: exit 0" "0" "$rc"
expect_eq "db status --format json: the newest advisory date (USN-6737-1's modified)" "2026-04-27 2026-04-27" \
  "$(jq -r '"\(.newest_advisory) \(.sources[0].newest_advisory)"' <<<"$out")"
expect_eq "db status --format json: the fields" "dropped format imported_at imported_days_ago newest_advisory records skipped source" \
  "$(jq -r '.sources[0] | keys | join(" ")' <<<"$out")"
run_kmend db status --db "$w/spell.db"
expect_contains "db status: the newest date in the table" "2026-04-27" "$out"

# A file that is not a store, or a damaged one, is named as such (exit 2); kmend never adds
# its tables to someone else's database.
head -c 4096 /usr/share/common-licenses/GPL-3 >"$w/garbage.db"
run_kmend db status --db "$w/garbage.db"
expect_eq "not a store: exit 2" "2" "$rc"
expect_contains "not a store: named, with what to do" "$w/garbage.db: not a kmend store, or a corrupt one" "$err"
expect_contains "not a store: what to do" "move the file aside" "$err"
run_kmend scan --db "$w/garbage.db" oci:/nonexistent
expect_eq "scan with a corrupt store: exit 2" "2" "$rc"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE mine(x)"); c.commit()' "$w/other.db"
run_kmend db import --db "$w/other.db" "$w/dir/usn.json"
expect_eq "someone else's SQLite database: exit 2" "2" "$rc"
expect_eq "someone else's SQLite database: left alone" "mine" \
  "$(python3 -c 'import sqlite3, sys; print(" ".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT name FROM sqlite_master")))' "$w/other.db")"
cp "$db" "$w/cut.db"
truncate -s 8192 "$w/cut.db"
rm -f "$w/cut.db-wal" "$w/cut.db-shm"
run_kmend db status --db "$w/cut.db"
expect_eq "a truncated store: exit 2" "2" "$rc"
expect_contains "a truncated store: named as damaged" "not a kmend store, or a corrupt one" "$err"

# SQLite failures that are not the file's fault are operational: exit 3. Here another writer
# holds the store's lock longer than kmend waits.
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(12)' "$w/spell.db" >"$w/lock.out" &
locker=$!
for _ in $(seq 50); do [ -s "$w/lock.out" ] && break; sleep 0.1; done
run_kmend db import --db "$w/spell.db" "$w/types.json"
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
expect_eq "a locked store: exit 3" "3" "$rc"
expect_contains "a locked store: says why" "another kmend is writing the store" "$err"

# A store of schema 1 (kmend before statuses): read-only use says how to upgrade it; an
# import upgrades it in place and keeps its advisories.
python3 - "$w/v1.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.executescript("""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, format TEXT NOT NULL,
  imported_at INTEGER NOT NULL, records INTEGER NOT NULL);
CREATE TABLE advisories(ecosystem TEXT NOT NULL, package TEXT NOT NULL, id TEXT NOT NULL,
  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  fixed TEXT, severity TEXT NOT NULL, aliases TEXT,
  PRIMARY KEY (ecosystem, package, id, source_id)) WITHOUT ROWID;
INSERT INTO meta VALUES('schema', '1');
INSERT INTO sources VALUES(1, '/old/feed.json', 'debian-tracker', 1700000000, 1);
INSERT INTO advisories VALUES('debian:12', 'openssl', 'CVE-OLD-1', 1, '3.0.99-1', 'high', NULL);
""")
c.commit()
PY
run_kmend db status --db "$w/v1.db"
expect_eq "a schema 1 store, read-only: exit 2" "2" "$rc"
expect_contains "a schema 1 store, read-only: says how to upgrade" "made by an older kmend" "$err"
expect_contains "a schema 1 store, read-only: the command" "kmend db update" "$err"
run_kmend db import --db "$w/v1.db" "$w/dir/usn.json"
expect_eq "a schema 1 store: an import upgrades it" "0" "$rc"
run_kmend db status --db "$w/v1.db" --format json
expect_eq "a schema 1 store: upgraded, the old source kept" "2 /old/feed.json 1" \
  "$(jq -r '"\(.schema) \(.sources[0].source) \(.sources[0].records)"' <<<"$out")"
done_testing
