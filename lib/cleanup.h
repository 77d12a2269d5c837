/* Scope-bound cleanup for locals (GCC/Clang cleanup attribute) and ownership hand-over. */
#ifndef KMEND_CLEANUP_H
#define KMEND_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void kmend_freep(void *p)
{
	free(*(void **)p);
}

static inline void kmend_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* A local that is freed when it goes out of scope. */
#define _cleanup_free_   __attribute__((cleanup(kmend_freep)))
#define _cleanup_fclose_ __attribute__((cleanup(kmend_fclosep)))

/*
 * strdup that keeps NULL, for filling records of many strings: a failed copy
 * sets *failed, so that the caller checks once after all of them.
 */
static inline char *kmend_strdup_or_null(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = 1;
	return d;
}

/* Take the pointer out of a cleanup local, leaving NULL behind, to hand ownership on. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) taken_ = (p);                                                        \
		(p) = NULL;                                                                        \
		taken_;                                                                            \
	})

#endif
