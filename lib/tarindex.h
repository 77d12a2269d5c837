/* An index of the members of an uncompressed tar file, for reading them in place. */
#ifndef KMEND_TARINDEX_H
#define KMEND_TARINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct kmend_tar_member {
	char *name;      /* normalised path */
	uint64_t offset; /* where its data starts in the file */
	uint64_t size;
};

struct kmend_tarindex {
	struct kmend_tar_member *members;
	size_t count, capacity;
};

/*
 * Index the regular files of the tar file at path (ustar, GNU long names, pax
 * path and size records). Errors name the file: -KMEND_E_BAD_INPUT for a
 * corrupt or truncated archive or a member escaping the root,
 * -KMEND_E_TOO_LARGE past KMEND_TAR_MAX_MEMBERS.
 */
int kmend_tarindex_build(const char *path, struct kmend_tarindex *out, struct kmend_error *err);

/* The member called name (normalised), or NULL. */
const struct kmend_tar_member *kmend_tarindex_find(const struct kmend_tarindex *idx,
                                                   const char *name);

void kmend_tarindex_free(struct kmend_tarindex *idx);

#endif
