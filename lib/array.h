/* Growing the arrays that hold what kmend reads (packages, layer entries, tar members). */
#ifndef KMEND_ARRAY_H
#define KMEND_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/*
 * Make room for one more element in *items (count used of *capacity, each
 * size bytes), doubling from 16. Returns 0 or -ENOMEM (the array untouched).
 */
static inline int kmend_array_grow(void *items, size_t *capacity, size_t count, size_t size)
{
	void **p = items, *bigger;
	size_t cap;

	if (count < *capacity)
		return 0;
	cap = *capacity ? *capacity * 2 : 16;
	if (!(bigger = realloc(*p, cap * size)))
		return -ENOMEM;
	*p = bigger;
	*capacity = cap;
	return 0;
}

#endif
