/* The import driver: read a feed file, recognise its format, import it in one transaction. */
#include "feed.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kmend_limits.h"

const struct kmend_feed_format *const kmend_feed_formats[] = {
    &kmend_feed_debian_tracker,
    NULL,
};

void kmend_import_skip(struct kmend_import_stats *st, const char *file, const char *where,
                       const char *why)
{
	if (st->skipped++ == 0)
		snprintf(st->first_problem, sizeof(st->first_problem), "%s: at %s: %s", file, where,
		         why);
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

int kmend_feed_import_file(struct kmend_vulndb *db, const char *path, struct kmend_import_stats *st,
                           const char **format, struct kmend_error *err)
{
	const struct kmend_feed_format *f = NULL;
	json_error_t jerr;
	struct stat sb;
	json_t *root;
	int r;

	memset(st, 0, sizeof(*st));
	if (stat(path, &sb) < 0)
		return kmend_error_set(err, -errno, path, 0, "cannot read: %s", strerror(errno));
	if (sb.st_size > KMEND_FEED_MAX_SIZE)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, path, 0,
		                       "%lld bytes, over kmend's limit of %lld for one feed file",
		                       (long long)sb.st_size, (long long)KMEND_FEED_MAX_SIZE);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, path, jerr.column, "not valid JSON: %s",
		                jerr.text);
		kmend_error_at_line(err, jerr.line);
		return -KMEND_E_BAD_INPUT;
	}
	for (size_t i = 0; !f && kmend_feed_formats[i]; i++)
		if (kmend_feed_formats[i]->detect(root))
			f = kmend_feed_formats[i];
	if (!f) {
		json_decref(root);
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, path, 0,
		                "not a vulnerability feed format kmend knows");
		kmend_error_hint(err, "kmend imports the Debian security tracker JSON");
		return -KMEND_E_UNSUPPORTED;
	}
	*format = f->name;
	if ((r = kmend_vulndb_begin(db, path, f->name, err)) < 0) {
		json_decref(root);
		return r;
	}
	r = f->import(db, path, root, st, err);
	json_decref(root);
	if (r < 0) {
		kmend_vulndb_rollback(db);
		return r;
	}
	return kmend_vulndb_commit(db, err);
}
