/* The warnings list (see warning.h). */
#include "warning.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static int add(struct kmend_warnings *w, const struct kmend_warning *x)
{
	for (size_t i = 0; i < w->count; i++)
		if (!strcmp(w->items[i].code, x->code) && !strcmp(w->items[i].message, x->message))
			return 0;
	if (kmend_array_grow(&w->items, &w->capacity, w->count, sizeof(*w->items)) < 0)
		return -ENOMEM;
	w->items[w->count++] = *x;
	return 0;
}

int kmend_warn(struct kmend_warnings *w, const char *code, const char *fmt, ...)
{
	struct kmend_warning x;
	va_list ap;

	snprintf(x.code, sizeof(x.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(x.message, sizeof(x.message), fmt, ap);
	va_end(ap);
	return add(w, &x);
}

int kmend_warnings_add_all(struct kmend_warnings *to, const struct kmend_warnings *from)
{
	for (size_t i = 0; i < from->count; i++)
		if (add(to, &from->items[i]) < 0)
			return -ENOMEM;
	return 0;
}

void kmend_warnings_free(struct kmend_warnings *w)
{
	if (!w)
		return;
	free(w->items);
	memset(w, 0, sizeof(*w));
}
