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
	char *source;         /* the package advisories name: source for deb, origin for apk */
	char *installed;      /* the installed package's version, as `dpkg -l` shows it */
	char *source_version; /* the source package's version, which deb advisories are compared
	                         with (differs from installed for binNMUs); NULL for rpm */
	char *status;         /* the feed's word for an unfixed finding ("no-dsa", "postponed",
	                         "will-not-fix"...), NULL when it gives none */
	char *fixed;          /* NULL: no fix published */
	char *severity;
	char *title, *link; /* the advisory's summary and page, NULL where the feed has none */
	char *data_source;  /* the feed it came from */
	char *fixed_in;     /* the version of the package that fixes all its fixable findings;
	                       NULL when none of them has a fix */
};

struct kmend_findings {
	struct kmend_finding *items;
	size_t count, capacity;
	char ecosystem[96];       /* the store key matched ("rhel:7"), "" when none */
	char ecosystem_note[160]; /* why that key, when it is another distribution's ("CentOS
	                             matched with Red Hat's advisories"), else "" */
	size_t unreadable;        /* advisories left out: a version their scheme cannot read */
	struct kmend_warnings warnings; /* no advisories for the release, dropped advisories... */
};

/*
 * Every advisory that applies to inv's packages: deb packages by source
 * name, compared on the source version; apk packages by origin, on their own
 * version; rpm packages by name and version; a
 * package is affected when its version sorts before the fixed version (by the
 * package type's scheme) or when no fix exists. Findings are sorted by
 * package, then id. The OS's advisories are those of its store key
 * (kmend_distro_ecosystem), named in out->ecosystem.
 *
 * One vulnerability published by several feeds (Debian's tracker says
 * CVE-2024-1, OSV says DEBIAN-CVE-2024-1 and DSA-5000-1 for it) is one
 * finding: the most specific record is kept (one CVE before an advisory of
 * several, a CVE id before another id) and the others' ids become its
 * aliases.
 *
 * out->warnings says what makes the answer incomplete: an OS kmend has no
 * advisories for, a store with no advisories at all or none for the OS's
 * release (naming the feed to import), advisories that could not be compared
 * (counted in out->unreadable, the first named).
 */
int kmend_match(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                struct kmend_findings *out, struct kmend_error *err);

void kmend_findings_free(struct kmend_findings *f);

#endif
