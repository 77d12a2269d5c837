/* libFuzzer target for one version scheme (FUZZ_SCHEME): validate and compare arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct kmend_version_scheme *s = &FUZZ_SCHEME;
	const uint8_t *tab = memchr(data, '\t', size);
	size_t alen = tab ? (size_t)(tab - data) : size;
	const char *a = (const char *)data, *b = tab ? (const char *)tab + 1 : a;
	size_t blen = tab ? size - alen - 1 : size;
	struct kmend_error err;
	int ab, ba, aa;

	/* Copies in exact-size buffers, so ASan sees any read past the span. */
	char *ca = malloc(alen ? alen : 1), *cb = malloc(blen ? blen : 1);
	memcpy(ca, a, alen);
	memcpy(cb, b, blen);
	s->validate(ca, alen, &err);
	if (s->compare(ca, alen, cb, blen, &ab, &err) == 0) {
		/* Valid pairs must order consistently. */
		if (s->compare(cb, blen, ca, alen, &ba, &err) != 0 || ab != -ba)
			abort();
		if (s->compare(ca, alen, ca, alen, &aa, &err) != 0 || aa != 0)
			abort();
	}
	if (s == &kmend_version_rpm)
		(void)kmend_rpmvercmp(ca, alen, cb, blen);
	free(ca);
	free(cb);
	return 0;
}
