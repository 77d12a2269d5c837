/* RFC 3339 timestamps as Kubernetes and podman write them ("2026-11-23T19:31:49.07Z", offsets). */
#ifndef KMEND_RFC3339_H
#define KMEND_RFC3339_H

#include <time.h>

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" into *out (UTC). A
 * lower-case t or z and a space instead of T are accepted, as RFC 3339 allows.
 * Returns 0, or -EINVAL for anything else (trailing text included).
 */
int kmend_rfc3339_parse(const char *s, struct timespec *out);

/* Format t (UTC, seconds) as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
char *kmend_rfc3339_format(time_t t, char *buf, size_t size);

#endif
