/* Package databases inside an image: one backend per format (dpkg, apk, rpm). */
#ifndef KMEND_PKGDB_H
#define KMEND_PKGDB_H

#include <stddef.h>

#include "error.h"
#include "package.h"
#include "version.h"

/*
 * A package database backend.
 *
 * paths: the files it reads, relative to the image root, without a leading
 *   '/'; one ending in '/' stands for every regular file directly inside that
 *   directory. NULL-terminated.
 *
 * parse: read one such file's whole content (path names it, for errors and
 *   for backends that read several formats) and append its installed packages
 *   to out. Entries it cannot use are counted in out->skipped. Returns 0, or a
 *   negative code with err filled when the file as a whole is unreadable
 *   (-KMEND_E_BAD_INPUT naming the path).
 */
struct kmend_pkgdb {
	const char *name;
	enum kmend_package_type type;
	const char *const *paths;
	int (*parse)(const char *path, const char *data, size_t len, struct kmend_package_list *out,
	             struct kmend_error *err);
};

extern const struct kmend_pkgdb kmend_pkgdb_dpkg;
extern const struct kmend_pkgdb kmend_pkgdb_apk;
extern const struct kmend_pkgdb kmend_pkgdb_rpm;

/* Every backend, NULL-terminated. */
extern const struct kmend_pkgdb *const kmend_pkgdbs[];

/*
 * Why an entry of a text database cannot be listed, or NULL when it can: no
 * name, no version, a field over KMEND_PKGDB_FIELD_MAX (other_len is the
 * longest other field kept), a version the scheme rejects (a package that
 * cannot be matched against advisories). name_field and version_field name
 * the fields as the database writes them; the text may be built in buf.
 */
const char *kmend_pkgdb_entry_problem(struct kmend_span name, struct kmend_span version,
                                      size_t other_len, const struct kmend_version_scheme *scheme,
                                      const char *name_field, const char *version_field, char *buf,
                                      size_t size);

/* The backend that reads path (image-relative, no leading '/'), or NULL. */
const struct kmend_pkgdb *kmend_pkgdb_for_path(const char *path);

#endif
