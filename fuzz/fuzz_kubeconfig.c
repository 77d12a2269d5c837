/* libFuzzer target: kubeconfig files (merge, contexts, base64 fields, exec stanzas), loaded as
 * kmend loads them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kubeconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	const char *env[] = {"HOME=/nonexistent", NULL};
	struct kmend_kubeconfig_options o = {.kubeconfig = path, .env = env};
	struct kmend_kube_config *cfg = NULL;
	struct kmend_error err;
	FILE *f;

	/* The loader reads files (relative paths resolve against them): one private file,
	 * rewritten. */
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/kmend-fuzz-kubeconfig.%ld", (long)getpid());
	if (!(f = fopen(path, "w")))
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (kmend_kubeconfig_load(&o, &cfg, &err) == 0) {
		/* A loaded context always names a server and a namespace. */
		if (!cfg->server || !cfg->namespace || !cfg->context)
			abort();
		kmend_kube_config_free(cfg);
	} else if (cfg) {
		abort();
	}
	return 0;
}
