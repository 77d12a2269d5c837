/* The merged view of the wanted files across an image's layers: whiteouts applied, links followed.
 */
#ifndef KMEND_ROOTFS_H
#define KMEND_ROOTFS_H

#include <stddef.h>

#include "error.h"
#include "layer.h"
#include "pathindex.h"

/*
 * A file or link as the upper layers leave it; layer is the index of the layer that wrote it.
 * A hard link whose target no layer kept stays KMEND_ENTRY_HARDLINK, without content, so that
 * kmend_rootfs_unread_targets can name its target.
 */
struct kmend_rootfs_node {
	enum kmend_entry_kind kind; /* KMEND_ENTRY_FILE, _SYMLINK or _HARDLINK */
	char *path, *target, *data;
	size_t len;
	size_t layer;
};

struct kmend_rootfs {
	struct kmend_rootfs_node *nodes;
	size_t count, capacity;
	size_t kept;                  /* bytes, counted as the layer walker counts them */
	struct kmend_pathindex index; /* path -> node */
};

/*
 * Apply one layer's findings on top (OCI image-spec rules): its whiteouts and opaque
 * directories delete lower content first, then its files and symlinks replace what was
 * there and its directories replace a lower file or link at their path; a hard link takes
 * its target's content from below. File contents are moved out of f, not copied. name (the
 * layer) is used in errors. Returns 0, -ENOMEM, or -KMEND_E_TOO_LARGE when the view would
 * keep more than KMEND_IMAGE_KEPT_MAX bytes or KMEND_KEPT_MAX_ENTRIES entries.
 */
int kmend_rootfs_apply(struct kmend_rootfs *fs, struct kmend_layer_findings *f, size_t layer,
                       const char *name, struct kmend_error *err);

/*
 * The real path of path inside the image, into out: symlinks followed in every part of it,
 * the last too; absolute targets start at the image root and ".." stops at the root, so a
 * link can never lead outside. 0, -ELOOP past KMEND_SYMLINK_MAX_HOPS links, or
 * -ENAMETOOLONG.
 */
int kmend_rootfs_resolve(const struct kmend_rootfs *fs, const char *path, char *out, size_t size);

/* The file at path, links followed as kmend_rootfs_resolve does. NULL when there is none. */
const struct kmend_rootfs_node *kmend_rootfs_lookup(const struct kmend_rootfs *fs,
                                                    const char *path);

/* The node at exactly path (no link followed), or NULL. */
const struct kmend_rootfs_node *kmend_rootfs_node_at(const struct kmend_rootfs *fs,
                                                     const char *path);

/*
 * Where want's patterns lead that the view does not hold and want does not name: a wanted
 * file whose path resolves through a link to another path, a directory pattern that
 * resolves to another directory (added as "dir/"), a link inside it, and the target of a
 * hard link no layer kept. Each is added to out, for another read of the layers. Returns how
 * many were added, or -ENOMEM.
 */
int kmend_rootfs_unread_targets(const struct kmend_rootfs *fs, const struct kmend_want *want,
                                struct kmend_want *out);

void kmend_rootfs_free(struct kmend_rootfs *fs);

#endif
