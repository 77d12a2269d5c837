/* The list of package database backends and which one reads a path. */
#include "pkgdb.h"

#include <stdio.h>
#include <string.h>

#include "kmend_limits.h"

const struct kmend_pkgdb *const kmend_pkgdbs[] = {
    &kmend_pkgdb_dpkg,
    &kmend_pkgdb_apk,
    &kmend_pkgdb_rpm,
    NULL,
};

/* path is dir/name with dir ending in '/' and name holding no further '/'. */
static int in_directory(const char *path, const char *dir, size_t dirlen)
{
	return strncmp(path, dir, dirlen) == 0 && path[dirlen] && !strchr(path + dirlen, '/');
}

const struct kmend_pkgdb *kmend_pkgdb_for_path(const char *path)
{
	for (size_t i = 0; kmend_pkgdbs[i]; i++) {
		for (const char *const *p = kmend_pkgdbs[i]->paths; *p; p++) {
			size_t n = strlen(*p);
			if ((*p)[n - 1] == '/' ? in_directory(path, *p, n) : strcmp(path, *p) == 0)
				return kmend_pkgdbs[i];
		}
	}
	return NULL;
}

const char *kmend_pkgdb_entry_problem(struct kmend_span name, struct kmend_span version,
                                      size_t other_len, const struct kmend_version_scheme *scheme,
                                      const char *name_field, const char *version_field, char *buf,
                                      size_t size)
{
	if (!name.len)
		snprintf(buf, size, "an entry without a %s", name_field);
	else if (!version.len)
		snprintf(buf, size, "a package without a %s", version_field);
	else if (name.len > KMEND_PKGDB_FIELD_MAX || version.len > KMEND_PKGDB_FIELD_MAX ||
	         other_len > KMEND_PKGDB_FIELD_MAX)
		snprintf(buf, size, "a field longer than kmend accepts");
	else if (scheme->validate(version.ptr, version.len, NULL) < 0)
		snprintf(buf, size, "a package whose %s is not a valid %s version", version_field,
		         scheme->name);
	else
		return NULL;
	return buf;
}
