/* The vulnerability store on SQLite: schema, import transactions, lookups. */
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
	int64_t added;
};

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sources("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, format TEXT NOT NULL,"
    "  imported_at INTEGER NOT NULL, records INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS advisories("
    "  ecosystem TEXT NOT NULL, package TEXT NOT NULL, id TEXT NOT NULL,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
    "  fixed TEXT, severity TEXT NOT NULL, aliases TEXT,"
    "  PRIMARY KEY (ecosystem, package, id, source_id)) WITHOUT ROWID;";

static int db_error(struct kmend_vulndb *db, struct kmend_error *err, const char *what)
{
	kmend_error_set(err, -KMEND_E_BAD_INPUT, db->path, 0, "%s: %s", what,
	                sqlite3_errmsg(db->db));
	return -KMEND_E_BAD_INPUT;
}

int kmend_vulndb_default_path(char *out, size_t size)
{
	char dir[4096];
	int r = kmend_default_cache_dir(dir, sizeof(dir));

	if (r < 0)
		return r;
	return snprintf(out, size, "%s/vuln.db", dir) < (int)size ? 0 : -ENAMETOOLONG;
}

static int check_schema(struct kmend_vulndb *db, bool write, struct kmend_error *err)
{
	sqlite3_stmt *st;
	int version = 0;

	if (write && sqlite3_exec(db->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot create the schema");
	if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = 'schema'", -1, &st,
	                       NULL) != SQLITE_OK)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, db->path, 0,
		                       "not a kmend vulnerability store");
	if (sqlite3_step(st) == SQLITE_ROW)
		version = atoi((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (version == 0 && write) {
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES('schema', '%d')",
		         KMEND_VULNDB_SCHEMA);
		if (sqlite3_exec(db->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_error(db, err, "cannot write the schema version");
		version = KMEND_VULNDB_SCHEMA;
	}
	if (version != KMEND_VULNDB_SCHEMA) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, db->path, 0,
		                "vulnerability store of schema %d; this kmend reads schema %d",
		                version, KMEND_VULNDB_SCHEMA);
		kmend_error_hint(err, "remove the file and import the feeds again");
		return -KMEND_E_UNSUPPORTED;
	}
	return 0;
}

int kmend_vulndb_open(const char *path, bool write, struct kmend_vulndb **out,
                      struct kmend_error *err)
{
	struct kmend_vulndb *db = calloc(1, sizeof(*db));
	int flags = write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
	int r;

	if (!db)
		return -ENOMEM;
	snprintf(db->path, sizeof(db->path), "%s", path);
	if (!write && access(path, F_OK) != 0) {
		free(db);
		kmend_error_set(err, -KMEND_E_NOT_FOUND, path, 0, "no vulnerability store here");
		kmend_error_hint(err, "import feeds first: kmend db import FILE...");
		return -KMEND_E_NOT_FOUND;
	}
	if (write) {
		char dir[4096], *slash;
		snprintf(dir, sizeof(dir), "%s", path);
		if ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = '\0';
			kmend_mkdir_p(dir, 0700);
		}
	}
	if (sqlite3_open_v2(path, &db->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = db_error(db, err, "cannot open");
		kmend_vulndb_close(db);
		return r;
	}
	sqlite3_busy_timeout(db->db, 5000);
	sqlite3_exec(db->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (write)
		sqlite3_exec(db->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if ((r = check_schema(db, write, err)) < 0 ||
	    sqlite3_prepare_v2(
	        db->db,
	        "SELECT a.id, a.aliases, a.fixed, a.severity, s.name FROM advisories a"
	        " JOIN sources s ON s.id = a.source_id"
	        " WHERE a.ecosystem = ?1 AND a.package = ?2 ORDER BY a.id",
	        -1, &db->lookup, NULL) != SQLITE_OK) {
		if (r == 0)
			r = db_error(db, err, "cannot prepare the lookup");
		kmend_vulndb_close(db);
		return r;
	}
	*out = db;
	return 0;
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

int kmend_vulndb_begin(struct kmend_vulndb *db, const char *source, const char *format,
                       struct kmend_error *err)
{
	sqlite3_stmt *st;

	if (sqlite3_exec(db->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot start an import");
	/* Replace the source: its old advisories go with it (ON DELETE CASCADE). */
	if (sqlite3_prepare_v2(db->db, "DELETE FROM sources WHERE name = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db->db,
	                       "INSERT INTO sources(name, format, imported_at, records) "
	                       "VALUES(?1, ?2, ?3, 0)",
	                       -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, format, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	db->source_id = sqlite3_last_insert_rowid(db->db);
	db->added = 0;
	if (!db->insert &&
	    sqlite3_prepare_v2(db->db,
	                       "INSERT OR REPLACE INTO advisories"
	                       "(ecosystem, package, id, source_id, fixed, severity, aliases)"
	                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                       -1, &db->insert, NULL) != SQLITE_OK)
		goto fail;
	return 0;
fail:
	db_error(db, err, "cannot start an import");
	kmend_vulndb_rollback(db);
	return -KMEND_E_BAD_INPUT;
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
	if (a->fixed)
		sqlite3_bind_text(st, 5, a->fixed, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, a->severity ? a->severity : "unknown", -1, SQLITE_STATIC);
	if (a->aliases)
		sqlite3_bind_text(st, 7, a->aliases, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(db, err, "cannot store an advisory");
	db->added++;
	return 0;
}

int kmend_vulndb_commit(struct kmend_vulndb *db, struct kmend_error *err)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(
	        db->db,
	        "UPDATE sources SET records = (SELECT count(*) FROM advisories WHERE "
	        "source_id = ?1) WHERE id = ?1",
	        -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, db->source_id);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_error(db, err, "cannot commit the import");
		kmend_vulndb_rollback(db);
		return -KMEND_E_BAD_INPUT;
	}
	return 0;
}

void kmend_vulndb_rollback(struct kmend_vulndb *db)
{
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
		};
		if ((r = fn(&a, col(st, 4), ctx)) != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(db, err, "cannot read advisories");
	sqlite3_reset(st);
	return r;
}

int kmend_vulndb_sources(struct kmend_vulndb *db,
                         int (*fn)(const struct kmend_vulndb_source *s, void *ctx), void *ctx,
                         struct kmend_error *err)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	if (sqlite3_prepare_v2(
	        db->db, "SELECT name, format, imported_at, records FROM sources ORDER BY name", -1,
	        &st, NULL) != SQLITE_OK)
		return db_error(db, err, "cannot list the sources");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kmend_vulndb_source s = {
		    .imported_at = sqlite3_column_int64(st, 2),
		    .records = sqlite3_column_int64(st, 3),
		};
		snprintf(s.name, sizeof(s.name), "%s", col(st, 0));
		snprintf(s.format, sizeof(s.format), "%s", col(st, 1));
		if ((r = fn(&s, ctx)) != 0)
			break;
	}
	sqlite3_finalize(st);
	return r;
}
