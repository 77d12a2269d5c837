/* kmend harden --build: build, rescan, next strategy (filled in below). */
#include "harden_build.h"

#include <stdlib.h>
#include <string.h>

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void kmend_harden_build_free(struct kmend_harden_build *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsteps; i++) {
		free(b->steps[i].image);
		strv_free(b->steps[i].fixed);
		strv_free(b->steps[i].left);
		free(b->steps[i].error);
	}
	free(b->steps);
	free(b->stopped);
	memset(b, 0, sizeof(*b));
}
