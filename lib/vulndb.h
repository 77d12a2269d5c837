/* The local vulnerability store: one SQLite file of advisories, keyed by (ecosystem, package). */
#ifndef KMEND_VULNDB_H
#define KMEND_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Bumped when the schema changes; docs/scan.md ("The store") describes each version.
 * 2: advisories gain status, title, link, published, modified; sources gain the newest
 *    advisory date and the counts of skipped and dropped entries. A store of schema 1 is
 *    upgraded in place when opened for writing.
 */
#define KMEND_VULNDB_SCHEMA 2

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
	const char *status;   /* the feed's word for an unfixed entry ("no-dsa", "postponed",
	                         "will-not-fix"...), NULL when it gives none */
	const char *title;    /* a one-line summary, may be NULL */
	const char *link;     /* the publisher's page for it, may be NULL */
	const char *published, *modified; /* "YYYY-MM-DD" as the feed dates it, may be NULL */
};

/*
 * Open (create with write) the store at path. Read-only opening of a missing
 * file is -KMEND_E_NOT_FOUND with a hint to import feeds; a file of a newer
 * schema is -KMEND_E_UNSUPPORTED; an older one is upgraded when write is set,
 * else -KMEND_E_UNSUPPORTED with the command that upgrades it. A file that is
 * not a kmend store, or a corrupt one, is -KMEND_E_BAD_INPUT naming the file
 * and what to do. Other SQLite failures are operational: -EIO, -ENOSPC,
 * -EBUSY, -ENOMEM (the message says which).
 */
int kmend_vulndb_open(const char *path, bool write, struct kmend_vulndb **out,
                      struct kmend_error *err);
void kmend_vulndb_close(struct kmend_vulndb *db);

/*
 * Close, and remove the file if this open created it: a failed first import
 * leaves no empty store behind. NULL-safe.
 */
void kmend_vulndb_discard(struct kmend_vulndb *db);

/*
 * One transaction around several imports (kmend db update, a db import of
 * several files): begin, then any number of begin/add/commit of sources, then
 * kmend_vulndb_finish(db, true) to keep them all or (false) to leave the
 * store exactly as it was. Without it each source commits on its own.
 */
int kmend_vulndb_transaction(struct kmend_vulndb *db, struct kmend_error *err);
int kmend_vulndb_finish(struct kmend_vulndb *db, bool keep, struct kmend_error *err);

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
/* What the import left out, kept with the source for db status: set before commit. */
void kmend_vulndb_set_left_out(struct kmend_vulndb *db, size_t skipped, size_t dropped);
int kmend_vulndb_commit(struct kmend_vulndb *db, struct kmend_error *err);
void kmend_vulndb_rollback(struct kmend_vulndb *db);

/*
 * Call fn for every advisory of package in ecosystem; fn's non-zero return
 * stops the walk and is returned. The strings live until fn returns.
 */
int kmend_vulndb_lookup(struct kmend_vulndb *db, const char *ecosystem, const char *package,
                        int (*fn)(const struct kmend_advisory *a, const char *source, void *ctx),
                        void *ctx, struct kmend_error *err);

/*
 * Whether the store holds any advisory for ecosystem (NULL: any at all):
 * 1 or 0, or a negative code when the store fails.
 */
int kmend_vulndb_has(struct kmend_vulndb *db, const char *ecosystem, struct kmend_error *err);

/* One row of `kmend db status`. */
struct kmend_vulndb_source {
	char name[1024];
	char format[64];
	int64_t imported_at; /* unix time */
	int64_t records;
	char newest[16]; /* the newest advisory date the feed gives ("YYYY-MM-DD"), "" if none */
	int64_t skipped; /* malformed entries left out */
	int64_t dropped; /* advisories left out for a version their scheme cannot read */
};

/* Call fn for every source, in name order. */
int kmend_vulndb_sources(struct kmend_vulndb *db,
                         int (*fn)(const struct kmend_vulndb_source *s, void *ctx), void *ctx,
                         struct kmend_error *err);

#endif
