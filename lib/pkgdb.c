/* The list of package database backends and which one reads a path. */
#include "pkgdb.h"

#include <string.h>

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
