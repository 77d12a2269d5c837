/* Matching an inventory against the store: which installed packages are vulnerable. */
#ifndef KMEND_MATCH_H
#define KMEND_MATCH_H

#include <stddef.h>

#include "error.h"
#include "inventory.h"
#include "vulndb.h"
#include "warning.h"

struct kmend_finding {
	char *id, *aliases;   /* aliases may be NULL */
	char *package;        /* the installed (binary) package */
	char *source;         /* the package advisories name: source for deb */
	char *installed;      /* the installed version (the source's, for deb) */
	char *source_version; /* the source package's version (differs for binNMUs); may be NULL */
	char *status;         /* the feed's word for an unfixed finding ("no-dsa", "postponed",
	                         "will-not-fix"...), NULL when it gives none */
	char *fixed;          /* NULL: no fix published */
	char *severity;
	char *data_source; /* the feed it came from */
	char *fixed_in;    /* the version of the package that fixes all its fixable findings;
	                      NULL when none of them has a fix */
	char *title;       /* the advisory's one-line summary, NULL when the feed gives none */
	char *link;        /* the advisory's web page, NULL when the feed gives none */
};

struct kmend_findings {
	struct kmend_finding *items;
	size_t count, capacity;
	struct kmend_warnings warnings; /* no advisories for the release, dropped advisories... */
};

/*
 * Every advisory that applies to inv's packages: deb packages by source
 * name, compared on the source version; apk packages by origin, on their own
 * version; rpm packages by name and version; a
 * package is affected when its version sorts before the fixed version (by the
 * package type's scheme) or when no fix exists. Findings are sorted by
 * package, then id. An advisory whose fixed version is invalid is skipped.
 * The OS's advisories are those of its store key (kmend_distro_ecosystem).
 */
int kmend_match(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                struct kmend_findings *out, struct kmend_error *err);

void kmend_findings_free(struct kmend_findings *f);

#endif
