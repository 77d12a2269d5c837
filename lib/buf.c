/* kmend_buf: append-only bytes with a cap. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Room for extra more bytes and the NUL; doubling keeps appends amortised O(1). */
static int reserve(struct kmend_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return -KMEND_E_TOO_LARGE;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (!(p = realloc(b->data, cap)))
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int kmend_buf_add(struct kmend_buf *b, const void *data, size_t len)
{
	int r = reserve(b, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int kmend_buf_adds(struct kmend_buf *b, const char *s)
{
	return kmend_buf_add(b, s, strlen(s));
}

int kmend_buf_addc(struct kmend_buf *b, char c, size_t n)
{
	int r = reserve(b, n);

	if (r < 0)
		return r;
	memset(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int kmend_buf_addf(struct kmend_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((r = reserve(b, (size_t)n)) < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int kmend_buf_take(struct kmend_buf *b, char **data, size_t *len)
{
	int r;

	if (!b->data && (r = reserve(b, 0)) < 0)
		return r;
	b->data[b->len] = '\0';
	*data = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return 0;
}

void kmend_buf_free(struct kmend_buf *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
