/* The merged view of the wanted files across an image's layers: whiteouts applied, links followed.
 */
#ifndef KMEND_ROOTFS_H
#define KMEND_ROOTFS_H

#include <stddef.h>

#include "error.h"
#include "layer.h"

/* A file or symlink as the upper layers leave it; layer is the index of the layer that wrote it. */
struct kmend_rootfs_node {
	enum kmend_entry_kind kind; /* KMEND_ENTRY_FILE or KMEND_ENTRY_SYMLINK */
	char *path, *target, *data;
	size_t len;
	size_t layer;
};

struct kmend_rootfs {
	struct kmend_rootfs_node *nodes;
	size_t count, capacity;
};

/*
 * Apply one layer's findings on top (OCI image-spec rules): its whiteouts and
 * opaque directories delete lower content first, then its files and symlinks
 * replace what was there; a hard link takes its target's content (from this
 * layer or below). Returns 0 or -ENOMEM.
 */
int kmend_rootfs_apply(struct kmend_rootfs *fs, const struct kmend_layer_findings *f, size_t layer);

/*
 * The file at path, following symlinks in every part of it inside the image:
 * absolute targets start at the image root and ".." stops at the root, so a
 * link can never lead outside. NULL when there is no such file (or a loop).
 */
const struct kmend_rootfs_node *kmend_rootfs_lookup(const struct kmend_rootfs *fs,
                                                    const char *path);

void kmend_rootfs_free(struct kmend_rootfs *fs);

#endif
