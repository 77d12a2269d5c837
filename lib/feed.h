/* Importers of published vulnerability data into the store: one backend per format. */
#ifndef KMEND_FEED_H
#define KMEND_FEED_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "vulndb.h"

/* What an import did. Problems are counted; the first of each kind is kept with its position. */
struct kmend_import_stats {
	size_t added;
	size_t not_affected;   /* entries that say the package was never affected */
	size_t skipped;        /* malformed or unusable entries */
	size_t dropped;        /* advisories whose fixed version their scheme cannot read */
	size_t other_products; /* entries for products no image runs (Ubuntu Pro, RHEL EUS) */
	char first_problem[512];
	char first_dropped[512];
};

/* Record a skipped entry at a position ("openssl/CVE-2024-1/releases/bookworm"). */
void kmend_import_skip(struct kmend_import_stats *st, const char *file, const char *where,
                       const char *why);

/*
 * Add one advisory to the source being imported, counting it in st: one whose
 * fixed version the ecosystem's version scheme rejects is dropped instead
 * (counted, the first named with where and the scheme's reason), since
 * nothing could be compared with it. Returns 0, or a negative code when the
 * store fails.
 */
int kmend_import_add(struct kmend_vulndb *db, struct kmend_import_stats *st, const char *file,
                     const char *where, const struct kmend_advisory *a, struct kmend_error *err);

/*
 * A title from a feed's text: its first line, trimmed, cut at a UTF-8
 * character boundary to fit size (with "..." when cut). Returns out, or NULL
 * (out empty) when text is NULL or blank.
 */
const char *kmend_feed_title(const char *text, char *out, size_t size);

/*
 * The words kmend keeps as an unfixed advisory's status, NULL-terminated: Debian's
 * no-dsa, postponed, ignored, end-of-life, unimportant, undetermined; Ubuntu's
 * needed, deferred, needs-triage, pending; Red Hat's affected, will-not-fix,
 * under-investigation. kmend_feed_status maps a feed's spelling ("Will not fix",
 * "needs_triage") onto them; NULL for a word outside the list.
 */
extern const char *const kmend_feed_statuses[];
const char *kmend_feed_status(const char *word);

/* The date part of an ISO 8601 timestamp ("2024-04-18T11:58:27Z" -> "2024-04-18") into
   out[11]; NULL (out empty) when iso does not start with a date. */
const char *kmend_feed_date(const char *iso, char out[11]);

/*
 * A feed format: either of documents (JSON, or YAML read as JSON) or of text.
 * detect / detect_text: does this look like the format? import / import_text:
 * add its advisories to db (inside a transaction the caller opened);
 * malformed entries are skipped and counted in st, the rest imported.
 * Returns 0, or a negative code when the store fails.
 */
struct kmend_feed_format {
	const char *name;
	bool (*detect)(json_t *doc);
	int (*import)(struct kmend_vulndb *db, const char *file, json_t *doc,
	              struct kmend_import_stats *st, struct kmend_error *err);
	bool (*detect_text)(const char *data, size_t len);
	int (*import_text)(struct kmend_vulndb *db, const char *file, const char *data, size_t len,
	                   struct kmend_import_stats *st, struct kmend_error *err);
};

extern const struct kmend_feed_format kmend_feed_osv;
extern const struct kmend_feed_format kmend_feed_alpine_secdb;
extern const struct kmend_feed_format kmend_feed_debian_tracker;
extern const struct kmend_feed_format kmend_feed_debian_lists;

/* Every format, NULL-terminated, most specific first. */
extern const struct kmend_feed_format *const kmend_feed_formats[];

/*
 * Import one file: read it (at most KMEND_FEED_MAX_SIZE), find its format
 * (a text list, JSON, YAML, or a zip of JSON records such as OSV's all.zip),
 * and import it as one source named by its canonical absolute path (so that
 * "./f.json", "dir//f.json" and "/abs/f.json" are one source), in one
 * transaction (a savepoint inside kmend_vulndb_transaction): a file that
 * cannot be read or whose format is unknown changes nothing.
 */
int kmend_feed_import_file(struct kmend_vulndb *db, const char *path, struct kmend_import_stats *st,
                           const char **format, struct kmend_error *err);

/* The same, naming the source source (a URL the file was downloaded from) instead of path. */
int kmend_feed_import_as(struct kmend_vulndb *db, const char *path, const char *source,
                         struct kmend_import_stats *st, const char **format,
                         struct kmend_error *err);

/* Debian/Ubuntu urgency or a feed's severity word, as kmend's severity names. */
const char *kmend_severity_normalize(const char *word);

#endif
