/* Non-owning views of bytes, as the parsers slice their input. */
#ifndef KMEND_SPAN_H
#define KMEND_SPAN_H

#include <stddef.h>

struct kmend_span {
	const char *ptr;
	size_t len;
};

/* True when the span equals the NUL-terminated s. */
int kmend_span_eq(struct kmend_span a, const char *s);

/* Copy a span into a new NUL-terminated string; NULL on allocation failure. */
char *kmend_span_dup(struct kmend_span a);

#endif
