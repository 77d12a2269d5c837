/* Matching an inventory against the store: which installed packages are vulnerable. */
#ifndef KMEND_MATCH_H
#define KMEND_MATCH_H

#include <stddef.h>

#include "error.h"
#include "inventory.h"
#include "vulndb.h"

struct kmend_finding {
	char *id, *aliases; /* aliases may be NULL */
	char *package;      /* the installed (binary) package */
	char *source;       /* the package advisories name: source for deb */
	char *installed;    /* the installed version (the source's, for deb) */
	char *fixed;        /* NULL: no fix published */
	char *severity;
	char *data_source; /* the feed it came from */
	char *fixed_in;    /* the version of the package that fixes all its fixable findings;
	                      NULL when none of them has a fix */
};

struct kmend_findings {
	struct kmend_finding *items;
	size_t count, capacity;
};

/*
 * The ecosystem key of an OS, as advisories are stored: "debian:12",
 * "ubuntu:22.04", "alpine:3.19" (major.minor). -KMEND_E_UNSUPPORTED for an
 * OS kmend has no advisories for.
 */
int kmend_os_ecosystem(const struct kmend_os *os, char *out, size_t size);

/*
 * Every advisory that applies to inv's packages: deb packages by source
 * name, compared on the source version; apk packages by origin, on their own
 * version; rpm packages by name and version; a
 * package is affected when its version sorts before the fixed version (by the
 * package type's scheme) or when no fix exists. Findings are sorted by
 * package, then id. An advisory whose fixed version is invalid is skipped.
 * OS ecosystems: debian:MAJOR, ubuntu:VERSION, alpine:MAJOR.MINOR, and
 * almalinux, rocky, rhel, centos by MAJOR.
 */
int kmend_match(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                struct kmend_findings *out, struct kmend_error *err);

void kmend_findings_free(struct kmend_findings *f);

#endif
