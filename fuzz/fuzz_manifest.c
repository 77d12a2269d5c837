/* libFuzzer target: manifest / index parsing, platform choice, and image config parsing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_manifest m;
	struct kmend_image_config cfg;
	struct kmend_error err;
	const struct kmend_descriptor *pick;
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (kmend_manifest_parse(copy, size, NULL, "fuzz", &m, &err) == 0) {
		if (m.is_index)
			(void)kmend_manifest_pick_platform(&m, "linux/amd64", "fuzz", &pick, &err);
		for (size_t i = 0; i < m.count; i++)
			if (!kmend_digest_valid(m.entries[i].digest))
				abort();
		kmend_manifest_free(&m);
	}
	if (kmend_image_config_parse(copy, size, "fuzz", &cfg, &err) == 0)
		kmend_image_config_free(&cfg);
	free(copy);
	return 0;
}
