/* Installed packages: one record per package, and the growable list the parsers fill. */
#ifndef KMEND_PACKAGE_H
#define KMEND_PACKAGE_H

#include <stddef.h>

#include "error.h"
#include "span.h"

enum kmend_package_type {
	KMEND_PKG_DEB,
	KMEND_PKG_APK,
	KMEND_PKG_RPM,
};

/* "deb", "apk" or "rpm". */
const char *kmend_package_type_name(enum kmend_package_type type);

/*
 * One installed package. Every string is owned by the record (freed by
 * kmend_package_list_free); those marked "may be NULL" are absent in some
 * databases.
 */
struct kmend_package {
	enum kmend_package_type type;
	char *name;
	char *version;          /* full version as the database has it: deb [epoch:]up[-rev],
	                           rpm [epoch:]version-release, apk version-rN */
	char *arch;             /* may be NULL */
	char *source;           /* source package (deb Source:, apk origin, rpm source rpm name) */
	char *source_version;   /* the source's version: differs from version for binNMUs */
	char *source_rpm;       /* rpm only: SOURCERPM, may be NULL */
	char *modularity_label; /* rpm only, may be NULL */
	char *layer;            /* digest of the layer that last wrote the package, may be NULL */
};

/*
 * A list of packages, and what the parser had to leave out: entries it could
 * not use (no name, no version, malformed) are counted in skipped, the first
 * reason kept, so that the user is told rather than the entry silently lost.
 */
struct kmend_package_list {
	struct kmend_package *items;
	size_t count, capacity;
	size_t skipped;
	char skip_reason[256]; /* the first reason, with its line, "" when none */
};

/*
 * Append a package: copies the strings (NULL stays NULL; source and
 * source_version default to name and version when NULL). Returns 0,
 * -ENOMEM, or -KMEND_E_TOO_LARGE past KMEND_MAX_PACKAGES.
 */
int kmend_package_list_add(struct kmend_package_list *list, const struct kmend_package *pkg);

/*
 * The same for a package whose fields are views into a database's text; an
 * empty span is an absent field. Returns as kmend_package_list_add.
 */
int kmend_package_list_add_spans(struct kmend_package_list *list, enum kmend_package_type type,
                                 struct kmend_span name, struct kmend_span version,
                                 struct kmend_span arch, struct kmend_span source,
                                 struct kmend_span source_version);

/* Record an entry that was left out; line is 1-based or 0. */
void kmend_package_list_skip(struct kmend_package_list *list, const char *source, long line,
                             const char *reason);

/* Sort by name, then version, then arch (stable output for reports and tests). */
void kmend_package_list_sort(struct kmend_package_list *list);

/* Set the layer of every package that has none; returns 0 or -ENOMEM. */
int kmend_package_list_set_layer(struct kmend_package_list *list, const char *layer);

/* Move every package of from to the end of to; from is left empty. */
int kmend_package_list_take(struct kmend_package_list *to, struct kmend_package_list *from);

/* Free the packages and the array; the list is left empty and reusable. NULL-safe. */
void kmend_package_list_free(struct kmend_package_list *list);

#endif
