/* The vulnerability store on SQLite: schema, upgrades, import transactions, lookups. */
#include "vulndb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fsutil.h"

struct kmend_vulndb {
	sqlite3 *db;
	char path[4096];
	sqlite3_stmt *insert, *lookup;
	int64_t source_id;
	int64_t skipped, dropped;
	bool created;   /* this open made the file */
	bool outer;     /* inside kmend_vulndb_transaction */
	bool in_source; /* between begin and commit/rollback */
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sources("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, format TEXT NOT NULL,"
    "  imported_at INTEGER NOT NULL, records INTEGER NOT NULL, newest TEXT,"
    "  skipped INTEGER NOT NULL DEFAULT 0, dropped INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS advisories("
    "  ecosystem TEXT NOT NULL, package TEXT NOT NULL, id TEXT NOT NULL,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
    "  fixed TEXT, severity TEXT NOT NULL, aliases TEXT,"
    "  status TEXT, title TEXT, link TEXT, published TEXT, modified TEXT,"
    "  PRIMARY KEY (ecosystem, package, id, source_id)) WITHOUT ROWID;";

/* Schema 1 -> 2: the columns version 2 added, with NULL (or 0) for what was imported before. */
static const char *const upgrade_1_to_2_sql =
    "BEGIN IMMEDIATE;"
    "ALTER TABLE sources ADD COLUMN newest TEXT;"
    "ALTER TABLE sources ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE sources ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE advisories ADD COLUMN status TEXT;"
    "ALTER TABLE advisories ADD COLUMN title TEXT;"
    "ALTER TABLE advisories ADD COLUMN link TEXT;"
    "ALTER TABLE advisories ADD COLUMN published TEXT;"
    "ALTER TABLE advisories ADD COLUMN modified TEXT;"
    "UPDATE meta SET value = '2' WHERE key = 'schema';"
    "COMMIT;";

static int corrupt(const char *path, struct kmend_error *err, const char *why)
{
	kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
	                "not a kmend store, or a corrupt one (%s)", why);
	kmend_error_hint(err, "move the file aside and build a new store: kmend db update, or "
	                      "kmend db import FILE...");
	return -KMEND_E_BAD_INPUT;
}

/*
 * A failed SQLite call: a file that is not a store (or is damaged) is the user's input,
 * named as such; everything else (disk full, locked, I/O) is operational.
 */
static int db_error(struct kmend_vulndb *db, struct kmend_error *err, const char *what)
{
	int rc = sqlite3_errcode(db->db);
	int code;

	switch (rc) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return corrupt(db->path, err, sqlite3_errmsg(db->db));
	case SQLITE_NOMEM: code = -ENOMEM; break;
	case SQLITE_FULL: code = -ENOSPC; break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: code = -EBUSY; break;
	default: code = -EIO; break;
	}
	kmend_error_set(err, code, db->path, 0, "%s: %s", what, sqlite3_errmsg(db->db));
	if (code == -EBUSY)
		kmend_error_hint(err,
		                 "another kmend is writing the store: try again when it is done");
	return code;
}

int kmend_vulndb_default_path(char *out, size_t size)
{
	char dir[4096];
	int r = kmend_default_cache_dir(dir, sizeof(dir));

	if (r < 0)
		return r;
	return snprintf(out, size, "%s/vuln.db", dir) < (int)size ? 0 : -ENAMETOOLONG;
}

/* The schema version in meta; 0 for an empty database; -1 for one that is someone else's. */
static int schema_version(struct kmend_vulndb *db, int *version, struct kmend_error *err)
{
	sqlite3_stmt *st;
	int rc, tables = 0;

	*version = 0;
	if (sqlite3_prepare_v2(db->db, "SELECT count(*), sum(name = 'meta') FROM sqlite_master", -1,
	                       &st, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot read the store");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		tables = sqlite3_column_int(st, 0);
		if (tables > 0 && sqlite3_column_int(st, 1) == 0)
			*version = -1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_error(db, err, "cannot read the store");
	if (tables == 0 || *version < 0)
		return 0;
	if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_error(db, err, "cannot read the store");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*version = atoi((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, err, "cannot read the store");
	if (*version <= 0)
		*version = -1;
	return 0;
}

static int check_schema(struct kmend_vulndb *db, bool write, struct kmend_error *err)
{
	char sql[128];
	int version, r;

	if ((r = schema_version(db, &version, err)) < 0)
		return r;
	if (version < 0)
		return corrupt(db->path, err, "an SQLite database without kmend's tables");
	if (version == 0 && !write)
		return corrupt(db->path, err, "an empty database");
	if (version > KMEND_VULNDB_SCHEMA) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, db->path, 0,
		                "vulnerability store of schema %d; this kmend reads schema %d",
		                version, KMEND_VULNDB_SCHEMA);
		kmend_error_hint(err, "use the kmend that made it, or move it aside and import the "
		                      "feeds again");
		return -KMEND_E_UNSUPPORTED;
	}
	if (version > 0 && version < KMEND_VULNDB_SCHEMA && !write) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, db->path, 0,
		                "vulnerability store of schema %d, made by an older kmend; this "
		                "one reads schema %d",
		                version, KMEND_VULNDB_SCHEMA);
		kmend_error_hint(err,
		                 "upgrade it in place: kmend db update (or kmend db import "
		                 "FILE...); import the feeds again to get the advisories' status, "
		                 "title and dates");
		return -KMEND_E_UNSUPPORTED;
	}
	if (!write)
		return 0;
	if (version == 1) {
		/* All or nothing: a failed upgrade leaves schema 1 as it was. */
		if (sqlite3_exec(db->db, upgrade_1_to_2_sql, NULL, NULL, NULL) != SQLITE_OK) {
			r = db_error(db, err, "cannot upgrade the store from schema 1");
			sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
			return r;
		}
		return 0;
	}
	if (sqlite3_exec(db->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot create the store");
	if (version == 0) {
		snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES('schema', '%d')",
		         KMEND_VULNDB_SCHEMA);
		if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_error(db, err, "cannot write the schema version");
	}
	return 0;
}

int kmend_vulndb_open(const char *path, bool write, struct kmend_vulndb **out,
                      struct kmend_error *err)
{
	struct kmend_vulndb *db = calloc(1, sizeof(*db));
	int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	bool memory = !strcmp(path, ":memory:");
	int r;

	if (!db)
		return -ENOMEM;
	snprintf(db->path, sizeof(db->path), "%s", path);
	if (!memory && access(path, F_OK) != 0) {
		if (!write) {
			free(db);
			kmend_error_set(err, -KMEND_E_NOT_FOUND, path, 0,
			                "no vulnerability store here");
			kmend_error_hint(err, "fetch the published feeds: kmend db update (or "
			                      "kmend db import FILE... offline)");
			return -KMEND_E_NOT_FOUND;
		}
		db->created = true;
	}
	if (write && !memory) {
		char dir[4096], *slash;
		snprintf(dir, sizeof(dir), "%s", path);
		if ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = '\0';
			kmend_mkdir_p(dir, 0700);
		}
	}
	if (sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = db_error(db, err, "cannot open the store");
		kmend_vulndb_discard(db);
		return r;
	}
	sqlite3_busy_timeout(db->db, 5000);
	sqlite3_exec(db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if ((r = check_schema(db, write, err)) < 0)
		goto fail;
	if (write && !memory)
		sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db->db,
	                       "SELECT a.id, a.aliases, a.fixed, a.severity, s.name, a.status,"
	                       " a.title, a.link, a.published, a.modified FROM advisories a"
	                       " JOIN sources s ON s.id = a.source_id"
	                       " WHERE a.ecosystem = ?1 AND a.package = ?2 ORDER BY a.id",
	                       -1, &db->lookup, NULL) != SQLITE_OK) {
		r = db_error(db, err, "cannot prepare the lookup");
		goto fail;
	}
	*out = db;
	return 0;
fail:
	kmend_vulndb_discard(db);
	return r;
}

void kmend_vulndb_close(struct kmend_vulndb *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->insert);
	sqlite3_finalize(db->lookup);
	sqlite3_close(db->db);
	free(db);
}

void kmend_vulndb_discard(struct kmend_vulndb *db)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[4200];
	bool created;

	if (!db)
		return;
	created = db->created;
	snprintf(path, sizeof(path), "%s", db->path);
	kmend_vulndb_close(db);
	for (size_t i = 0; created && i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char file[4300];
		snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
		unlink(file);
	}
}

int kmend_vulndb_transaction(struct kmend_vulndb *db, struct kmend_error *err)
{
	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot start the import");
	db->outer = true;
	return 0;
}

int kmend_vulndb_finish(struct kmend_vulndb *db, bool keep, struct kmend_error *err)
{
	int r = 0;

	if (!db->outer)
		return 0;
	db->outer = false;
	db->in_source = false;
	if (keep && sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		r = db_error(db, err, "cannot commit the import");
		keep = false;
	}
	if (!keep)
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
	return r;
}

static int run(struct kmend_vulndb *db, const char *sql, struct kmend_error *err, const char *what)
{
	return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
	                                                                : db_error(db, err, what);
}

int kmend_vulndb_begin(struct kmend_vulndb *db, const char *source, const char *format,
                       struct kmend_error *err)
{
	sqlite3_stmt *st = NULL;
	int r;

	/* Inside a transaction each source is a savepoint: it can fail alone. */
	if ((r = run(db, db->outer ? "SAVEPOINT source" : "BEGIN IMMEDIATE", err,
	             "cannot start an import")) < 0)
		return r;
	db->in_source = true;
	/* Replace the source: its old advisories go with it (ON DELETE CASCADE). */
	if (sqlite3_prepare_v2(db->db, "DELETE FROM sources WHERE name = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->db,
	                       "INSERT INTO sources(name, format, imported_at, records) "
	                       "VALUES(?1, ?2, ?3, 0)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	db->source_id = sqlite3_last_insert_rowid(db->db);
	db->skipped = db->dropped = 0;
	if (!db->insert &&
	    sqlite3_prepare_v2(db->db,
	                       "INSERT OR REPLACE INTO advisories"
	                       "(ecosystem, package, id, source_id, fixed, severity, aliases,"
	                       " status, title, link, published, modified)"
	                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
	                       -1, &db->insert, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	r = db_error(db, err, "cannot start an import");
	sqlite3_finalize(st);
	kmend_vulndb_rollback(db);
	return r;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int kmend_vulndb_add(struct kmend_vulndb *db, const struct kmend_advisory *a,
                     struct kmend_error *err)
{
	sqlite3_stmt *st = db->insert;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, a->ecosystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->package, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, db->source_id);
	bind_text_or_null(st, 5, a->fixed);
	sqlite3_bind_text(st, 6, a->severity ? a->severity : "unknown", -1, SQLITE_STATIC);
	bind_text_or_null(st, 7, a->aliases);
	bind_text_or_null(st, 8, a->status);
	bind_text_or_null(st, 9, a->title);
	bind_text_or_null(st, 10, a->link);
	bind_text_or_null(st, 11, a->published);
	bind_text_or_null(st, 12, a->modified);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, err, "cannot store an advisory");
	return 0;
}

void kmend_vulndb_set_left_out(struct kmend_vulndb *db, size_t skipped, size_t dropped)
{
	db->skipped = (int64_t)skipped;
	db->dropped = (int64_t)dropped;
}

int kmend_vulndb_commit(struct kmend_vulndb *db, struct kmend_error *err)
{
	sqlite3_stmt *st;
	int r;

	/* The source's counts and its newest advisory date, for db status. */
	if (sqlite3_prepare_v2(db->db,
	                       "UPDATE sources SET"
	                       " records = (SELECT count(*) FROM advisories WHERE source_id = ?1),"
	                       " newest = (SELECT max(coalesce(modified, published)) FROM"
	                       "  advisories WHERE source_id = ?1),"
	                       " skipped = ?2, dropped = ?3 WHERE id = ?1",
	                       -1, &st, NULL) != SQLITE_OK) {
		r = db_error(db, err, "cannot commit the import");
		kmend_vulndb_rollback(db);
		return r;
	}
	sqlite3_bind_int64(st, 1, db->source_id);
	sqlite3_bind_int64(st, 2, db->skipped);
	sqlite3_bind_int64(st, 3, db->dropped);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : db_error(db, err, "cannot commit the import");
	sqlite3_finalize(st);
	if (r == 0)
		r = run(db, db->outer ? "RELEASE source" : "COMMIT", err,
		        "cannot commit the import");
	if (r < 0) {
		kmend_vulndb_rollback(db);
		return r;
	}
	db->in_source = false;
	return 0;
}

void kmend_vulndb_rollback(struct kmend_vulndb *db)
{
	if (!db->in_source)
		return;
	db->in_source = false;
	if (db->outer)
		sqlite3_exec(db->db, "ROLLBACK TO source; RELEASE source", NULL, NULL, NULL);
	else
		sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int kmend_vulndb_lookup(struct kmend_vulndb *db, const char *ecosystem, const char *package,
                        int (*fn)(const struct kmend_advisory *a, const char *source, void *ctx),
                        void *ctx, struct kmend_error *err)
{
	sqlite3_stmt *st = db->lookup;
	int rc, r = 0;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, package, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kmend_advisory a = {
		    .ecosystem = ecosystem,
		    .package = package,
		    .id = col(st, 0),
		    .aliases = col(st, 1),
		    .fixed = col(st, 2),
		    .severity = col(st, 3),
		    .status = col(st, 5),
		    .title = col(st, 6),
		    .link = col(st, 7),
		    .published = col(st, 8),
		    .modified = col(st, 9),
		};
		if ((r = fn(&a, col(st, 4), ctx)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(db, err, "cannot read advisories");
	sqlite3_reset(st);
	return r;
}

int kmend_vulndb_has(struct kmend_vulndb *db, const char *ecosystem, struct kmend_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->db,
	                       ecosystem ? "SELECT 1 FROM advisories WHERE ecosystem = ?1 LIMIT 1"
	                                 : "SELECT 1 FROM advisories LIMIT 1",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot read advisories");
	if (ecosystem)
		sqlite3_bind_text(st, 1, ecosystem, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(db, err, "cannot read advisories");
}

int kmend_vulndb_sources(struct kmend_vulndb *db,
                         int (*fn)(const struct kmend_vulndb_source *s, void *ctx), void *ctx,
                         struct kmend_error *err)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (sqlite3_prepare_v2(db->db,
	                       "SELECT name, format, imported_at, records, newest, skipped, dropped"
	                       " FROM sources ORDER BY name",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot list the sources");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kmend_vulndb_source s = {
		    .imported_at = sqlite3_column_int64(st, 2),
		    .records = sqlite3_column_int64(st, 3),
		    .skipped = sqlite3_column_int64(st, 5),
		    .dropped = sqlite3_column_int64(st, 6),
		};
		snprintf(s.name, sizeof(s.name), "%s", col(st, 0));
		snprintf(s.format, sizeof(s.format), "%s", col(st, 1));
		snprintf(s.newest, sizeof(s.newest), "%s", col(st, 4) ? col(st, 4) : "");
		if ((r = fn(&s, ctx)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(db, err, "cannot list the sources");
	sqlite3_finalize(st);
	return r;
}
