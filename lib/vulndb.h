/* The local vulnerability store: one SQLite file of advisories, keyed by (ecosystem, package). */
#ifndef KMEND_VULNDB_H
#define KMEND_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Bumped when the schema changes; docs/vulndb.md describes each version. */
#define KMEND_VULNDB_SCHEMA 1

struct kmend_vulndb;

/*
 * One advisory: vulnerability id affects package (a source package for
 * Debian and Ubuntu, a binary or origin package elsewhere) in ecosystem
 * ("debian:12", "ubuntu:22.04", "alpine:3.19") until version fixed (NULL:
 * no fix yet).
 */
struct kmend_advisory {
	const char *ecosystem;
	const char *package;
	const char *id;
	const char *aliases;  /* space-separated, may be NULL */
	const char *fixed;    /* NULL when unfixed */
	const char *severity; /* "critical", "high", "medium", "low", "negligible", "unknown" */
};

/*
 * Open (create with write) the store at path. Read-only opening of a missing
 * file is -KMEND_E_NOT_FOUND with a hint to import feeds; a file of another
 * schema is -KMEND_E_UNSUPPORTED.
 */
int kmend_vulndb_open(const char *path, bool write, struct kmend_vulndb **out,
                      struct kmend_error *err);
void kmend_vulndb_close(struct kmend_vulndb *db);

/* The default path: $XDG_CACHE_HOME/kmend/vuln.db (or ~/.cache/kmend/vuln.db). */
int kmend_vulndb_default_path(char *out, size_t size);

/*
 * Importing: begin a source (a feed file, named as given), add its
 * advisories, commit. A source imported again replaces its previous records,
 * so importing the same data twice changes nothing. rollback leaves the store
 * as it was.
 */
int kmend_vulndb_begin(struct kmend_vulndb *db, const char *source, const char *format,
                       struct kmend_error *err);
int kmend_vulndb_add(struct kmend_vulndb *db, const struct kmend_advisory *a,
                     struct kmend_error *err);
int kmend_vulndb_commit(struct kmend_vulndb *db, struct kmend_error *err);
void kmend_vulndb_rollback(struct kmend_vulndb *db);

/*
 * Call fn for every advisory of package in ecosystem; fn's non-zero return
 * stops the walk and is returned. The strings live until fn returns.
 */
int kmend_vulndb_lookup(struct kmend_vulndb *db, const char *ecosystem, const char *package,
                        int (*fn)(const struct kmend_advisory *a, const char *source, void *ctx),
                        void *ctx, struct kmend_error *err);

/* One row of `kmend db status`. */
struct kmend_vulndb_source {
	char name[1024];
	char format[64];
	int64_t imported_at; /* unix time */
	int64_t records;
};

/* Call fn for every source, in name order. */
int kmend_vulndb_sources(struct kmend_vulndb *db,
                         int (*fn)(const struct kmend_vulndb_source *s, void *ctx), void *ctx,
                         struct kmend_error *err);

#endif
