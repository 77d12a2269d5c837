/* libFuzzer target: Kubernetes manifests (YAML/JSON through libyaml) to containers and images. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_container_list list = {0};
	struct kmend_error err;
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (kmend_workloads_from_memory(copy, size, "fuzz.yaml", &list, &err) == 0)
		for (size_t i = 0; i < list.count; i++)
			if (!list.items[i].image || !list.items[i].kind)
				abort();
	kmend_container_list_free(&list);
	free(copy);
	return 0;
}
