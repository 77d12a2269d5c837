/* docker://: OCI distribution API registries (placeholder until the registry client lands). */
#include "image.h"

static int registry_open(const struct kmend_image_ref *ref, const struct kmend_image_options *opts,
                         void **state, struct kmend_error *err)
{
	(void)opts;
	(void)state;
	kmend_error_set(err, -KMEND_E_UNSUPPORTED, ref->registry, 0,
	                "reading images from registries is not built yet");
	kmend_error_hint(err, "use oci:DIR, oci-archive:FILE or docker-archive:FILE");
	return -KMEND_E_UNSUPPORTED;
}

const struct kmend_transport kmend_transport_docker = {
    .name = "docker",
    .open = registry_open,
};
