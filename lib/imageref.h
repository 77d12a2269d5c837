/* Image references as containers-transports(5) writes them. */
#ifndef KMEND_IMAGEREF_H
#define KMEND_IMAGEREF_H

#include "digest.h"
#include "error.h"

struct kmend_image_ref {
	char transport[16]; /* "docker", "oci", "oci-archive", "docker-archive" */
	char path[4096];    /* oci*, docker-archive: the directory or file */
	char ref_name[256]; /* oci*: the tag inside the layout, "" for the only image */
	/* docker: */
	char registry[256];   /* "docker.io", "localhost:5000" */
	char repository[512]; /* "library/debian" */
	char tag[128];        /* "latest" when neither tag nor digest is given */
	char digest[KMEND_DIGEST_MAX];
};

/*
 * Parse "docker://REF" or a bare REF (registry), "oci:DIR[:TAG]",
 * "oci-archive:FILE[:TAG]", "docker-archive:FILE". Docker Hub names are
 * normalised: "debian" is docker.io/library/debian:latest. Errors:
 * -KMEND_E_BAD_INPUT naming the reference and what is wrong.
 */
int kmend_image_ref_parse(const char *text, struct kmend_image_ref *ref, struct kmend_error *err);

/*
 * An image string from a Kubernetes manifest, where names the manifest and container: a
 * registry reference only. One that names a path on this machine (oci:, oci-archive:,
 * docker-archive:) is refused with -KMEND_E_BAD_INPUT, so that a manifest cannot make kmend
 * read local files; the caller skips this check only when the user allows local images. A
 * string that does not parse gives the parse error.
 */
int kmend_image_ref_require_registry(const char *text, const char *where, struct kmend_error *err);

/* The reference in canonical form, e.g. "docker.io/library/debian:12" or "oci:/x:tag". */
void kmend_image_ref_format(const struct kmend_image_ref *ref, char *out, size_t size);

#endif
