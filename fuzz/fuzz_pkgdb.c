/* libFuzzer target for one package database parser (FUZZ_PKGDB, read as image path FUZZ_PATH). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkgdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_package_list list = {0};
	struct kmend_error err;
	/* An exact-size copy, so ASan sees any read past the end. */
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (FUZZ_PKGDB.parse(FUZZ_PATH, copy, size, &list, &err) == 0) {
		for (size_t i = 0; i < list.count; i++)
			if (!list.items[i].name || !list.items[i].version || !list.items[i].source)
				abort();
	}
	kmend_package_list_free(&list);
	free(copy);
	return 0;
}
