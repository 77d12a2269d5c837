/*
 * The Debian security tracker's JSON: {source: {ID: {"releases": {codename: {"status",
 * "fixed_version", "urgency"}}}}}. "resolved" with fixed_version "0" means the release
 * was never affected; "open" and "undetermined" mean no fix yet.
 */
#include <stdio.h>
#include <string.h>

#include "distro.h"
#include "feed.h"

/* A tracker document maps source names to objects of IDs whose values have "releases". */
static bool debian_detect(json_t *root)
{
	const char *src, *id;
	json_t *ids, *entry;

	if (!json_is_object(root) || json_object_size(root) == 0)
		return false;
	/* Any vulnerability with a releases object will do: a malformed one first in the file
	   is the importer's to skip and count, not a reason to call the file something else. */
	json_object_foreach (root, src, ids) {
		if (!json_is_object(ids))
			continue;
		json_object_foreach (ids, id, entry) {
			if (json_is_object(json_object_get(entry, "releases")))
				return true;
		}
	}
	return false;
}

/*
 * The tracker's word for an unfixed entry: urgency "end-of-life" or "unimportant", else the
 * no-DSA decision ("nodsa" set, "nodsa_reason" "postponed" or "ignored" or none), else
 * "undetermined" when the status says so.
 */
static const char *tracker_status(json_t *rel, const char *status)
{
	const char *urgency = json_string_value(json_object_get(rel, "urgency"));
	const char *reason = json_string_value(json_object_get(rel, "nodsa_reason"));

	if (urgency && !strcmp(urgency, "end-of-life"))
		return "end-of-life";
	if (urgency && !strncmp(urgency, "unimportant", 11))
		return "unimportant";
	if (reason && (!strcmp(reason, "postponed") || !strcmp(reason, "ignored")))
		return kmend_feed_status(reason);
	if (json_is_string(json_object_get(rel, "nodsa")))
		return "no-dsa";
	return !strcmp(status, "undetermined") ? "undetermined" : NULL;
}

static int import_release(struct kmend_vulndb *db, const char *file, const char *source,
                          const char *id, json_t *entry, const char *codename, json_t *rel,
                          struct kmend_import_stats *st, struct kmend_error *err)
{
	char title[256], link[256];
	const char *status = json_string_value(json_object_get(rel, "status"));
	const char *fixed = json_string_value(json_object_get(rel, "fixed_version"));
	const char *release = kmend_distro_release_of("debian", codename);
	char where[512], ecosystem[64];

	snprintf(where, sizeof(where), "%s/%s/releases/%s", source, id, codename);
	if (!release)
		return 0; /* a release kmend has no os-release mapping for */
	if (!json_is_object(rel) || !status) {
		kmend_import_skip(st, file, where, "no status");
		return 0;
	}
	if (!strcmp(status, "resolved")) {
		if (!fixed || !*fixed) {
			kmend_import_skip(st, file, where, "resolved without a fixed_version");
			return 0;
		}
		if (!strcmp(fixed, "0")) {
			st->not_affected++;
			return 0;
		}
	} else if (!strcmp(status, "open") || !strcmp(status, "undetermined")) {
		fixed = NULL;
	} else if (!strcmp(status, "not-affected")) {
		st->not_affected++;
		return 0;
	} else {
		kmend_import_skip(st, file, where, "an unknown status");
		return 0;
	}
	snprintf(ecosystem, sizeof(ecosystem), "debian:%s", release);
	snprintf(link, sizeof(link), "https://security-tracker.debian.org/tracker/%.200s", id);
	return kmend_import_add(
	    db, st, file, where,
	    &(struct kmend_advisory){
	        .ecosystem = ecosystem,
	        .package = source,
	        .id = id,
	        .fixed = fixed,
	        .severity =
	            kmend_severity_normalize(json_string_value(json_object_get(rel, "urgency"))),
	        .status = fixed ? NULL : tracker_status(rel, status),
	        .title = kmend_feed_title(json_string_value(json_object_get(entry, "description")),
	                                  title, sizeof(title)),
	        .link = link,
	    },
	    err);
}

static int debian_import(struct kmend_vulndb *db, const char *file, json_t *root,
                         struct kmend_import_stats *st, struct kmend_error *err)
{
	const char *source, *id, *codename;
	json_t *ids, *entry, *rel;
	int r;

	json_object_foreach (root, source, ids) {
		if (!json_is_object(ids)) {
			kmend_import_skip(st, file, source, "not an object of vulnerabilities");
			continue;
		}
		json_object_foreach (ids, id, entry) {
			json_t *releases = json_object_get(entry, "releases");
			if (!json_is_object(releases)) {
				char where[512];
				snprintf(where, sizeof(where), "%s/%s", source, id);
				kmend_import_skip(st, file, where, "no releases object");
				continue;
			}
			json_object_foreach (releases, codename, rel) {
				if ((r = import_release(db, file, source, id, entry, codename, rel,
				                        st, err)) < 0)
					return r;
			}
		}
	}
	return 0;
}

const struct kmend_feed_format kmend_feed_debian_tracker = {
    .name = "debian-tracker",
    .detect = debian_detect,
    .import = debian_import,
};
