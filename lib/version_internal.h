/* What the version scheme backends share: character classes and the rejection message. */
#ifndef KMEND_VERSION_INTERNAL_H
#define KMEND_VERSION_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

static inline bool version_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool version_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Fill err for an invalid version v (len bytes) of scheme, with the 1-based
 * byte position pos (0: the version as a whole) and a printf-style reason;
 * the version is quoted with unprintable bytes escaped. Returns
 * -KMEND_E_BAD_VERSION.
 */
int version_reject(struct kmend_error *err, const char *scheme, const char *v, size_t len,
                   size_t pos, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Common checks every scheme makes first: not empty, not over KMEND_VERSION_MAX_LEN. */
int version_check_length(struct kmend_error *err, const char *scheme, const char *v, size_t len);

/* Three-way result of a difference, folded to -1, 0 or 1. */
static inline int version_sign(long d)
{
	return (d > 0) - (d < 0);
}

#endif
