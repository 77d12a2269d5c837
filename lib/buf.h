/* A growable byte buffer with a size cap, for text that kmend builds (spliced manifests). */
#ifndef KMEND_BUF_H
#define KMEND_BUF_H

#include <stddef.h>

/*
 * The bytes are always NUL-terminated (once anything was added), so that
 * data can be handed on as a string. max is the most bytes the buffer may
 * hold: adding past it fails with -KMEND_E_TOO_LARGE and leaves the buffer
 * as it was. A zeroed struct with max set is an empty buffer.
 */
struct kmend_buf {
	char *data;
	size_t len, cap, max;
};

/* Append len bytes. Returns 0, -ENOMEM or -KMEND_E_TOO_LARGE. */
int kmend_buf_add(struct kmend_buf *b, const void *data, size_t len);

/* Append a NUL-terminated string. */
int kmend_buf_adds(struct kmend_buf *b, const char *s);

/* Append n copies of byte c (indentation). */
int kmend_buf_addc(struct kmend_buf *b, char c, size_t n);

/* Append printf-style text. */
int kmend_buf_addf(struct kmend_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hand the bytes over (caller frees; never NULL on success, "" when empty), leaving b empty. */
int kmend_buf_take(struct kmend_buf *b, char **data, size_t *len);

/* Free the bytes; NULL-safe. The cap stays. */
void kmend_buf_free(struct kmend_buf *b);

#endif
