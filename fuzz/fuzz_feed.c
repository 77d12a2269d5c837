/* libFuzzer target: every feed importer (text lists, JSON documents), into a store in memory. */
#include <stdint.h>
#include <stdlib.h>

#include "feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmend_vulndb *db;
	struct kmend_import_stats st = {0};
	struct kmend_error err;
	json_t *root;

	if (!db && kmend_vulndb_open(":memory:", true, &db, &err) < 0)
		abort();
	/* The text lists (DSA, DLA, CVE). */
	for (size_t i = 0; kmend_feed_formats[i]; i++) {
		const struct kmend_feed_format *f = kmend_feed_formats[i];
		if (!f->detect_text || !f->detect_text((const char *)data, size))
			continue;
		if (kmend_vulndb_begin(db, "fuzz", f->name, &err) == 0) {
			if (f->import_text(db, "fuzz", (const char *)data, size, &st, &err) < 0)
				kmend_vulndb_rollback(db);
			else
				kmend_vulndb_commit(db, &err);
		}
	}
	root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return 0;
	for (size_t i = 0; kmend_feed_formats[i]; i++) {
		if (!kmend_feed_formats[i]->detect || !kmend_feed_formats[i]->detect(root))
			continue;
		if (kmend_vulndb_begin(db, "fuzz", kmend_feed_formats[i]->name, &err) == 0) {
			if (kmend_feed_formats[i]->import(db, "fuzz", root, &st, &err) < 0)
				kmend_vulndb_rollback(db);
			else
				kmend_vulndb_commit(db, &err);
		}
		break;
	}
	json_decref(root);
	return 0;
}
