/* Package version comparison: one scheme per packaging ecosystem (deb, rpm, apk). */
#ifndef KMEND_VERSION_H
#define KMEND_VERSION_H

#include <stddef.h>
#include <string.h>

#include "error.h"

/*
 * One version scheme. Every function takes versions as (pointer, length)
 * spans that need not be NUL-terminated, and never allocates.
 *
 * validate: 0 if v is a well-formed version of this scheme, else
 *   -KMEND_E_BAD_VERSION with err naming the version, the byte position
 *   (column, 1-based) and what the scheme allows.
 *
 * compare: on success returns 0 and sets *result to -1, 0 or 1 as a sorts
 *   before, equal to or after b, exactly as the ecosystem's own tool orders
 *   them (dpkg, rpm, apk-tools). Either version invalid: -KMEND_E_BAD_VERSION
 *   (err as for validate, for the first invalid one) and *result untouched.
 *   Invalid versions are never compared.
 */
struct kmend_version_scheme {
	const char *name;        /* "deb", "rpm", "apk" */
	const char *description; /* one line for --help */
	int (*validate)(const char *v, size_t len, struct kmend_error *err);
	int (*compare)(const char *a, size_t alen, const char *b, size_t blen, int *result,
	               struct kmend_error *err);
};

extern const struct kmend_version_scheme kmend_version_deb;
extern const struct kmend_version_scheme kmend_version_rpm;
extern const struct kmend_version_scheme kmend_version_apk;

/* All schemes, NULL-terminated, in the order --help lists them. */
extern const struct kmend_version_scheme *const kmend_version_schemes[];

/* The scheme called name, or NULL. */
const struct kmend_version_scheme *kmend_version_scheme_find(const char *name);

/* compare for NUL-terminated strings. */
static inline int kmend_version_compare(const struct kmend_version_scheme *scheme, const char *a,
                                        const char *b, int *result, struct kmend_error *err)
{
	return scheme->compare(a, strlen(a), b, strlen(b), result, err);
}

/*
 * rpm's segment comparison (rpmvercmp) of two version or release strings,
 * without any EVR parsing: -1, 0 or 1. Every byte string is accepted, as rpm
 * accepts it; the EVR scheme above validates before calling it.
 */
int kmend_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
