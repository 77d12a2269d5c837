/* The import driver: read a feed file, recognise its format, import it in one transaction. */
#include "feed.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "distro.h"
#include "dynlib.h"
#include "kmend_limits.h"
#include "stream.h"
#include "version.h"
#include "yamljson.h"

const struct kmend_feed_format *const kmend_feed_formats[] = {
    &kmend_feed_osv,
    &kmend_feed_alpine_secdb,
    &kmend_feed_debian_tracker,
    &kmend_feed_debian_lists,
    NULL,
};

void kmend_import_skip(struct kmend_import_stats *st, const char *file, const char *where,
                       const char *why)
{
	if (st->skipped++ == 0)
		snprintf(st->first_problem, sizeof(st->first_problem), "%s: at %s: %s", file, where,
		         why);
}

int kmend_import_add(struct kmend_vulndb *db, struct kmend_import_stats *st, const char *file,
                     const char *where, const struct kmend_advisory *a, struct kmend_error *err)
{
	const struct kmend_distro *d = kmend_distro_by_ecosystem(a->ecosystem);
	const struct kmend_version_scheme *scheme =
	    d ? kmend_version_scheme_find(kmend_package_type_name(d->type)) : NULL;
	struct kmend_error verr;
	int r;

	if (a->fixed && scheme && scheme->validate(a->fixed, strlen(a->fixed), &verr) < 0) {
		if (st->dropped++ == 0)
			snprintf(st->first_dropped, sizeof(st->first_dropped),
			         "%s: at %s: fixed version '%.100s' is not a %s version: %s", file,
			         where, a->fixed, scheme->name, verr.message);
		return 0;
	}
	if ((r = kmend_vulndb_add(db, a, err)) < 0)
		return r;
	st->added++;
	return 0;
}

const char *kmend_feed_title(const char *text, char *out, size_t size)
{
	size_t n, cut;

	out[0] = '\0';
	if (!text || size < 8)
		return NULL;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	n = strcspn(text, "\r\n");
	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
		n--;
	if (!n)
		return NULL;
	if (n < size) {
		memcpy(out, text, n);
		out[n] = '\0';
		return out;
	}
	/* Cut before a continuation byte's lead, never inside a character. */
	cut = size - 4;
	while (cut && ((unsigned char)text[cut] & 0xc0) == 0x80)
		cut--;
	memcpy(out, text, cut);
	memcpy(out + cut, "...", 4);
	return out;
}

const char *const kmend_feed_statuses[] = {
    "no-dsa",
    "postponed",
    "ignored",
    "end-of-life",
    "unimportant",
    "undetermined",
    "needed",
    "deferred",
    "needs-triage",
    "pending",
    "affected",
    "will-not-fix",
    "under-investigation",
    NULL,
};

const char *kmend_feed_status(const char *word)
{
	char w[32];
	size_t n = 0;

	if (!word)
		return NULL;
	/* "Will not fix", "needs_triage", "No-DSA": lower case, words joined by '-'. */
	for (; word[n] && n < sizeof(w) - 1; n++)
		w[n] =
		    word[n] == ' ' || word[n] == '_' ? '-' : (char)tolower((unsigned char)word[n]);
	w[n] = '\0';
	for (size_t i = 0; kmend_feed_statuses[i]; i++)
		if (!strcmp(w, kmend_feed_statuses[i]))
			return kmend_feed_statuses[i];
	return NULL;
}

const char *kmend_feed_date(const char *iso, char out[11])
{
	static const char shape[] = "dddd-dd-dd";

	out[0] = '\0';
	if (!iso)
		return NULL;
	for (size_t i = 0; i < 10; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)iso[i]) : iso[i] != '-')
			return NULL;
	memcpy(out, iso, 10);
	out[10] = '\0';
	return out;
}

const char *kmend_severity_normalize(const char *word)
{
	static const struct {
		const char *word, *severity;
	} map[] = {
	    {"critical", "critical"},      {"high", "high"},
	    {"important", "high"},         {"medium", "medium"},
	    {"moderate", "medium"},        {"low", "low"},
	    {"unimportant", "negligible"}, {"negligible", "negligible"},
	};
	char w[64];
	size_t n = 0;

	if (!word)
		return "unknown";
	for (; word[n] && n < sizeof(w) - 1 && word[n] != '*'; n++)
		w[n] = (char)tolower((unsigned char)word[n]);
	w[n] = '\0';
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(w, map[i].word) == 0)
			return map[i].severity;
	return "unknown";
}

/* Commit the source with what it left out, for db status. */
static int commit_source(struct kmend_vulndb *db, const struct kmend_import_stats *st,
                         struct kmend_error *err)
{
	kmend_vulndb_set_left_out(db, st->skipped, st->dropped);
	return kmend_vulndb_commit(db, err);
}

/* The format whose detect accepts doc, or NULL. */
static const struct kmend_feed_format *format_of(json_t *doc)
{
	for (size_t i = 0; kmend_feed_formats[i]; i++)
		if (kmend_feed_formats[i]->detect && kmend_feed_formats[i]->detect(doc))
			return kmend_feed_formats[i];
	return NULL;
}

static int unknown_format(const char *path, struct kmend_error *err)
{
	kmend_error_set(err, -KMEND_E_UNSUPPORTED, path, 0,
	                "not a vulnerability feed format kmend knows");
	kmend_error_hint(err, "kmend imports the Debian security tracker JSON and lists, OSV "
	                      "records (files, directories, all.zip) and Alpine secdb");
	return -KMEND_E_UNSUPPORTED;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Every *.json member of a zip (OSV's per-ecosystem all.zip), into one source. */
static int import_zip(struct kmend_vulndb *db, const char *path, const char *source,
                      struct kmend_import_stats *st, const char **format, struct kmend_error *err)
{
	struct archive *a;
	struct archive_entry *ae;
	int r, ar;

	if ((r = kmend_archive_load(err)) < 0)
		return r;
	a = kmend_archive.archive_read_new();
	kmend_archive.archive_read_support_format_zip(a);
	if (kmend_archive.archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "not a readable zip: %s",
		                    kmend_archive.archive_error_string(a));
		kmend_archive.archive_read_free(a);
		return r;
	}
	*format = "osv";
	if ((r = kmend_vulndb_begin(db, source, "osv-zip", err)) < 0) {
		kmend_archive.archive_read_free(a);
		return r;
	}
	while (r == 0 && (ar = kmend_archive.archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *name = kmend_archive.archive_entry_pathname(ae);
		la_int64_t size = kmend_archive.archive_entry_size(ae);
		const struct kmend_feed_format *f;
		char *buf;
		json_t *doc;

		if (!name || !ends_with(name, ".json"))
			continue;
		if (size < 0 || size > KMEND_MANIFEST_MAX_SIZE * 16L ||
		    !(buf = malloc((size_t)size))) {
			kmend_import_skip(st, path, name, "a member too large to be one record");
			continue;
		}
		if (kmend_archive.archive_read_data(a, buf, (size_t)size) != size) {
			free(buf);
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "cannot read %s: %s",
			                    name, kmend_archive.archive_error_string(a));
			break;
		}
		doc = json_loadb(buf, (size_t)size, 0, NULL);
		free(buf);
		if (!doc || !(f = format_of(doc)))
			kmend_import_skip(st, path, name, "not a record kmend knows");
		else
			r = f->import(db, name, doc, st, err);
		json_decref(doc);
	}
	if (r == 0 && ar != ARCHIVE_EOF && ar != ARCHIVE_OK)
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0, "corrupt zip: %s",
		                    kmend_archive.archive_error_string(a));
	kmend_archive.archive_read_free(a);
	if (r < 0) {
		kmend_vulndb_rollback(db);
		return r;
	}
	return commit_source(db, st, err);
}

/* Parse as JSON, else as YAML (a stream of documents), into an array of documents. */
static int parse_documents(const char *path, const char *data, size_t len, json_t **docs,
                           struct kmend_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);

	if (root) {
		*docs = json_array();
		json_array_append_new(*docs, root);
		return 0;
	}
	/* A .json file that is not JSON gets JSON's own, more precise, error. */
	if (ends_with(path, ".json") || !len) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, path, jerr.column, "not valid JSON: %s",
		                jerr.text);
		kmend_error_at_line(err, jerr.line);
		return -KMEND_E_BAD_INPUT;
	}
	return kmend_yaml_to_json(data, len, path, docs, err);
}

int kmend_feed_import_file(struct kmend_vulndb *db, const char *path, struct kmend_import_stats *st,
                           const char **format, struct kmend_error *err)
{
	/* One file is one source however its path is spelled (./x, dir//x, relative, links). */
	_cleanup_free_ char *canonical = realpath(path, NULL);

	return kmend_feed_import_as(db, path, canonical ? canonical : path, st, format, err);
}

int kmend_feed_import_as(struct kmend_vulndb *db, const char *path, const char *source,
                         struct kmend_import_stats *st, const char **format,
                         struct kmend_error *err)
{
	const struct kmend_feed_format *text = NULL;
	_cleanup_free_ char *data = NULL;
	struct kmend_istream *s;
	json_t *docs = NULL, *doc;
	struct stat sb;
	size_t len, i;
	int r;

	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) < 0)
		return kmend_error_set(err, -errno, path, 0, "cannot read: %s", strerror(errno));
	if (sb.st_size > KMEND_FEED_MAX_SIZE)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, path, 0,
		                       "%lld bytes, over kmend's limit of %lld for one feed file",
		                       (long long)sb.st_size, (long long)KMEND_FEED_MAX_SIZE);
	if (ends_with(path, ".zip"))
		return import_zip(db, path, source, st, format, err);
	if ((r = kmend_istream_open_file(path, 0, UINT64_MAX, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_FEED_MAX_SIZE, path, &data, &len, err);
	kmend_istream_close(s);
	if (r < 0)
		return r;
	for (i = 0; !text && kmend_feed_formats[i]; i++)
		if (kmend_feed_formats[i]->detect_text &&
		    kmend_feed_formats[i]->detect_text(data, len))
			text = kmend_feed_formats[i];
	if (text) {
		*format = text->name;
		if ((r = kmend_vulndb_begin(db, source, text->name, err)) < 0)
			return r;
		if ((r = text->import_text(db, path, data, len, st, err)) < 0) {
			kmend_vulndb_rollback(db);
			return r;
		}
		return commit_source(db, st, err);
	}
	if ((r = parse_documents(path, data, len, &docs, err)) < 0)
		return r;
	json_array_foreach (docs, i, doc) {
		if (!format_of(doc)) {
			json_decref(docs);
			return unknown_format(path, err);
		}
	}
	if (!json_array_size(docs)) {
		json_decref(docs);
		return unknown_format(path, err);
	}
	*format = format_of(json_array_get(docs, 0))->name;
	if ((r = kmend_vulndb_begin(db, source, *format, err)) < 0) {
		json_decref(docs);
		return r;
	}
	json_array_foreach (docs, i, doc) {
		if ((r = format_of(doc)->import(db, path, doc, st, err)) < 0)
			break;
	}
	json_decref(docs);
	if (r < 0) {
		kmend_vulndb_rollback(db);
		return r;
	}
	return commit_source(db, st, err);
}
