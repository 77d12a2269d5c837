/*
 * Alpine's secdb: {"distroversion": "v3.19", "packages": [{"pkg": {"name", "secfixes":
 * {version: [ids]}}}]} (JSON, or YAML as some mirrors keep it), and the one-package files
 * of the vuln-list layout (alpine/3.20/main/busybox.json: {"name", "secfixes"}), whose
 * release only the path names. Version "0" means the release was never affected.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "feed.h"

static bool alpine_detect(json_t *doc)
{
	json_t *pkgs = json_object_get(doc, "packages");

	/* An empty secdb may write its package list as {}. */
	if (json_is_string(json_object_get(doc, "distroversion")) &&
	    (json_is_array(pkgs) || (json_is_object(pkgs) && !json_object_size(pkgs))))
		return true;
	if (json_is_array(pkgs))
		return json_is_object(json_object_get(json_array_get(pkgs, 0), "pkg"));
	return json_is_string(json_object_get(doc, "name")) &&
	       json_is_object(json_object_get(doc, "secfixes"));
}

/* "v3.19" or "3.19" (a whole path component) as "alpine:3.19"; "edge" as "alpine:edge". */
static int alpine_release(const char *v, char *out, size_t size)
{
	if (*v == 'v')
		v++;
	if (!strcmp(v, "edge") || (isdigit((unsigned char)v[0]) && strchr(v, '.'))) {
		snprintf(out, size, "alpine:%.*s", (int)strcspn(v, "/"), v);
		return 0;
	}
	return -1;
}

/* The release from a vuln-list path: the first component that is a release. */
static int release_from_path(const char *path, char *out, size_t size)
{
	for (const char *p = path; p && *p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (alpine_release(p, out, size) == 0 && (strchr(p, '/') || !*p))
			return 0;
	}
	return -1;
}

static int import_package(struct kmend_vulndb *db, const char *file, const char *ecosystem,
                          json_t *pkg, struct kmend_import_stats *st, struct kmend_error *err)
{
	const char *name = json_string_value(json_object_get(pkg, "name")), *version;
	json_t *fixes = json_object_get(pkg, "secfixes"), *ids;
	int r;

	if (!name) {
		kmend_import_skip(st, file, "packages[]", "a package without a name");
		return 0;
	}
	if (!fixes || json_is_null(fixes))
		return 0;
	if (!json_is_object(fixes)) {
		kmend_import_skip(st, file, name, "secfixes is not an object");
		return 0;
	}
	json_object_foreach (fixes, version, ids) {
		char where[512], link[320];
		size_t i;
		json_t *id;
		if (json_is_object(ids) && !json_object_size(ids))
			continue; /* "version": {} lists nothing */
		if (!json_is_array(ids)) {
			snprintf(where, sizeof(where), "%s/secfixes/%s", name, version);
			kmend_import_skip(st, file, where, "not a list of identifiers");
			continue;
		}
		json_array_foreach (ids, i, id) {
			/* Entries may carry a second identifier: "CVE-2020-1 GHSA-x". */
			char first[256];
			const char *text = json_string_value(id);
			if (!text)
				continue;
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(text, " "), text);
			if (!strcmp(version, "0")) {
				st->not_affected++;
				continue;
			}
			snprintf(where, sizeof(where), "%s/secfixes/%s", name, version);
			snprintf(link, sizeof(link), "https://security.alpinelinux.org/vuln/%s",
			         first);
			if ((r = kmend_import_add(
			         db, st, file, where,
			         &(struct kmend_advisory){
			             .ecosystem = ecosystem,
			             .package = name,
			             .id = first,
			             .aliases = strchr(text, ' ') ? strchr(text, ' ') + 1 : NULL,
			             .fixed = version,
			             .link = link,
			         },
			         err)) < 0)
				return r;
		}
	}
	return 0;
}

static int alpine_import(struct kmend_vulndb *db, const char *file, json_t *doc,
                         struct kmend_import_stats *st, struct kmend_error *err)
{
	const char *dv = json_string_value(json_object_get(doc, "distroversion"));
	json_t *pkgs = json_object_get(doc, "packages"), *entry;
	char ecosystem[64];
	size_t i;
	int r;

	if ((dv ? alpine_release(dv, ecosystem, sizeof(ecosystem))
	        : release_from_path(file, ecosystem, sizeof(ecosystem))) < 0) {
		kmend_import_skip(st, file, "distroversion",
		                  "no Alpine release (give distroversion, or keep the vuln-list "
		                  "path alpine/3.20/main/NAME.json)");
		return 0;
	}
	if (json_is_object(pkgs))
		return 0; /* an empty secdb */
	if (!json_is_array(pkgs))
		return import_package(db, file, ecosystem, doc, st, err);
	json_array_foreach (pkgs, i, entry) {
		if ((r = import_package(db, file, ecosystem, json_object_get(entry, "pkg"), st,
		                        err)) < 0)
			return r;
	}
	return 0;
}

const struct kmend_feed_format kmend_feed_alpine_secdb = {
    .name = "alpine-secdb",
    .detect = alpine_detect,
    .import = alpine_import,
};
