/*
 * OSV records (osv.dev schema): one advisory per record, "affected" entries naming an
 * ecosystem ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19", "AlmaLinux:9",
 * "Rocky Linux:9"), a package and ECOSYSTEM ranges of introduced/fixed events. kmend keeps
 * the fixed version (none: unfixed); "introduced" is taken as the start of time.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "distro.h"
#include "feed.h"

static bool osv_detect(json_t *doc)
{
	return json_is_string(json_object_get(doc, "id")) &&
	       (json_is_array(json_object_get(doc, "affected")) ||
	        json_is_string(json_object_get(doc, "schema_version")));
}

/* All of aliases, upstream and related ids, space-separated. */
static void osv_aliases(json_t *doc, char *out, size_t size)
{
	static const char *const keys[] = {"aliases", "upstream"};
	size_t n = 0, i;
	json_t *v;

	out[0] = '\0';
	for (size_t k = 0; k < 2; k++)
		json_array_foreach (json_object_get(doc, keys[k]), i, v) {
			if (json_is_string(v) && n + strlen(json_string_value(v)) + 2 < size)
				n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "",
				                      json_string_value(v));
		}
}

static const char *osv_severity(json_t *doc, json_t *affected)
{
	json_t *sev = json_object_get(doc, "severity"), *s;
	const char *db = json_string_value(
	    json_object_get(json_object_get(affected, "database_specific"), "severity"));
	size_t i;

	if (!db)
		db = json_string_value(
		    json_object_get(json_object_get(affected, "ecosystem_specific"), "severity"));
	json_array_foreach (sev, i, s) {
		const char *score = json_string_value(json_object_get(s, "score"));
		/* Distribution ratings are words; CVSS vectors are not ratings kmend uses. */
		if (score && strncmp(score, "CVSS:", 5) != 0)
			return kmend_severity_normalize(score);
	}
	if (!db) {
		/* Red Hat gives its rating as a link to its classification page's section. */
		static const char page[] = "access.redhat.com/security/updates/classification/#";
		json_t *refs = json_object_get(doc, "references"), *ref;
		json_array_foreach (refs, i, ref) {
			const char *url = json_string_value(json_object_get(ref, "url"));
			const char *at = url ? strstr(url, page) : NULL;
			if (at)
				return kmend_severity_normalize(at + sizeof(page) - 1);
		}
	}
	return kmend_severity_normalize(db);
}

/* The advisory's page: its ADVISORY reference, else the first WEB one, else the first. */
static const char *osv_link(json_t *doc)
{
	static const char *const types[] = {"ADVISORY", "WEB", NULL};
	json_t *refs = json_object_get(doc, "references"), *ref;
	size_t i;

	for (size_t t = 0; t < 3; t++)
		json_array_foreach (refs, i, ref) {
			const char *type = json_string_value(json_object_get(ref, "type"));
			const char *url = json_string_value(json_object_get(ref, "url"));
			if (url && (!types[t] || (type && !strcmp(type, types[t]))))
				return url;
		}
	return NULL;
}

/*
 * The publisher's word for an unfixed entry, where it gives one in the affected entry's
 * ecosystem_specific or database_specific "status" (Ubuntu's "needed", "deferred").
 */
static const char *osv_status(json_t *affected)
{
	static const char *const keys[] = {"ecosystem_specific", "database_specific"};

	for (size_t k = 0; k < 2; k++) {
		const char *word = json_string_value(
		    json_object_get(json_object_get(affected, keys[k]), "status"));
		if (kmend_feed_status(word))
			return kmend_feed_status(word);
	}
	return NULL;
}

static int osv_import(struct kmend_vulndb *db, const char *file, json_t *doc,
                      struct kmend_import_stats *st, struct kmend_error *err)
{
	const char *id = json_string_value(json_object_get(doc, "id"));
	json_t *affected = json_object_get(doc, "affected"), *a;
	char aliases[2048], where[512], title[256], published[11], modified[11];
	const char *summary = json_string_value(json_object_get(doc, "summary"));
	size_t i;
	int r;

	osv_aliases(doc, aliases, sizeof(aliases));
	/* A summary if there is one, else the first line of the details. */
	if (!kmend_feed_title(summary, title, sizeof(title)))
		kmend_feed_title(json_string_value(json_object_get(doc, "details")), title,
		                 sizeof(title));
	kmend_feed_date(json_string_value(json_object_get(doc, "published")), published);
	kmend_feed_date(json_string_value(json_object_get(doc, "modified")), modified);
	json_array_foreach (affected, i, a) {
		json_t *pkg = json_object_get(a, "package"), *ranges = json_object_get(a, "ranges"),
		       *rg;
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *name = json_string_value(json_object_get(pkg, "name"));
		const char *fixed = NULL;
		char ecosystem[96];
		size_t j;

		snprintf(where, sizeof(where), "%s/affected[%zu]", id, i);
		if (!eco || !name) {
			kmend_import_skip(st, file, where, "no package ecosystem or name");
			continue;
		}
		if ((r = kmend_distro_from_osv(eco, ecosystem, sizeof(ecosystem))) == -2) {
			st->other_products++; /* Ubuntu Pro, RHEL EUS: not what an image runs */
			continue;
		}
		if (r < 0) {
			char why[160];
			snprintf(why, sizeof(why), "ecosystem '%.100s' is not an OS kmend matches",
			         eco);
			kmend_import_skip(st, file, where, why);
			continue;
		}
		json_array_foreach (ranges, j, rg) {
			json_t *events = json_object_get(rg, "events"), *ev;
			size_t k;
			if (strcmp(json_string_value(json_object_get(rg, "type")) ?: "",
			           "ECOSYSTEM"))
				continue;
			json_array_foreach (events, k, ev) {
				if (json_is_string(json_object_get(ev, "fixed")))
					fixed = json_string_value(json_object_get(ev, "fixed"));
			}
		}
		if ((r = kmend_import_add(db, st, file, where,
		                          &(struct kmend_advisory){
		                              .ecosystem = ecosystem,
		                              .package = name,
		                              .id = id,
		                              .aliases = aliases[0] ? aliases : NULL,
		                              .fixed = fixed,
		                              .severity = osv_severity(doc, a),
		                              .status = fixed ? NULL : osv_status(a),
		                              .title = title[0] ? title : NULL,
		                              .link = osv_link(doc),
		                              .published = published[0] ? published : NULL,
		                              .modified = modified[0] ? modified : NULL,
		                          },
		                          err)) < 0)
			return r;
	}
	return 0;
}

const struct kmend_feed_format kmend_feed_osv = {
    .name = "osv",
    .detect = osv_detect,
    .import = osv_import,
};
