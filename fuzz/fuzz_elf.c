/*
 * libFuzzer target for the ELF reader harden uses on application files: any bytes, and every
 * name it keeps must lie inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_elf_info info;
	struct kmend_error err;
	/* An exact-size copy, so that ASan sees any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (kmend_elf_read(copy, size, "fuzz", &info, &err) == 0) {
		if (info.is_elf != kmend_elf_magic(copy, size))
			abort();
		for (size_t i = 0; i < info.nneeded; i++)
			if (strlen(info.needed[i]) >= size)
				abort();
		kmend_elf_info_free(&info);
	}
	free(copy);
	return 0;
}
