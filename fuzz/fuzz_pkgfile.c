/*
 * libFuzzer target for one package file reader (FUZZ_FORMAT: .deb, .apk or .rpm), as the patch
 * strategy reads packages: open, then walk the payload reading every file's content. Every
 * path handed out is normalised (no leading '/', no ".." part), and no read leaves the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkgfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const struct kmend_pkgfile_entry *e, struct kmend_pkgfile_data *d,
                 struct kmend_error *err)
{
	char buf[4096];
	ssize_t n;

	(void)ctx;
	if (e->path[0] == '/' || strstr(e->path, "../") || !strcmp(e->path, ".."))
		abort();
	if (e->kind == KMEND_PKGFILE_HARDLINK && (!e->target || e->target[0] == '/'))
		abort();
	while ((n = kmend_pkgfile_read(d, buf, sizeof(buf), err)) > 0)
		;
	return n < 0 ? (int)n : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_pkgfile pf;
	struct kmend_error err;
	/* An exact-size copy, so ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (kmend_pkgfile_open(&FUZZ_FORMAT, copy, size, "fuzz", &pf, &err) == 0) {
		if (!pf.name || !pf.version)
			abort();
		kmend_pkgfile_walk(&pf, check, NULL, &err);
		kmend_pkgfile_free(&pf);
	}
	free(copy);
	return 0;
}
