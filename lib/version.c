/* The list of version schemes and lookup by name. */
#include "version.h"

const struct kmend_version_scheme *const kmend_version_schemes[] = {
    &kmend_version_deb,
    &kmend_version_rpm,
    &kmend_version_apk,
    NULL,
};

const struct kmend_version_scheme *kmend_version_scheme_find(const char *name)
{
	for (size_t i = 0; kmend_version_schemes[i]; i++)
		if (strcmp(kmend_version_schemes[i]->name, name) == 0)
			return kmend_version_schemes[i];
	return NULL;
}
