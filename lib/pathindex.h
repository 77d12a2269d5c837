/*
 * Hashing image paths: an index from a path to its position in an array (the layer walker's
 * entries, the merged view's nodes), and a fixed-size filter of every path a layer holds.
 */
#ifndef KMEND_PATHINDEX_H
#define KMEND_PATHINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 64-bit hash of path, from seed: the same in every process (FNV-1a, then mixed). */
uint64_t kmend_path_hash(const char *path, uint64_t seed);

/*
 * path -> position. Keys are not copied: each must stay valid, unchanged, until it is
 * removed or the index freed (the arrays' path strings do; only their structs move). The
 * hash is seeded per process, so that crafted names cannot make every lookup collide.
 */
struct kmend_pathindex {
	struct kmend_pathindex_slot {
		const char *key; /* NULL: empty */
		size_t value;
	} * slots;
	size_t count, mask; /* mask + 1 slots, a power of two; 0 before the first insert */
};

/* Set path's position (replacing any). 0 or -ENOMEM. */
int kmend_pathindex_put(struct kmend_pathindex *ix, const char *path, size_t value);

/* path's position in *value: true, or false when absent. */
bool kmend_pathindex_get(const struct kmend_pathindex *ix, const char *path, size_t *value);

/* Forget path (nothing when absent). */
void kmend_pathindex_remove(struct kmend_pathindex *ix, const char *path);

/* Free the slots; the index is left empty and reusable. NULL-safe. */
void kmend_pathindex_free(struct kmend_pathindex *ix);

/*
 * A Bloom filter of paths, each as what is there (anything, or a symlink): "may hold" is
 * false only for a path and kind never added. The hash is fixed (not seeded), so a filter
 * written to the layer cache reads the same later. 64 KiB keeps false answers rare (about 1%
 * at 50,000 paths).
 */
#define KMEND_PATHFILTER_BYTES (64 * 1024)

struct kmend_pathfilter {
	uint8_t bits[KMEND_PATHFILTER_BYTES];
};

enum kmend_path_kind {
	KMEND_PATH_ANY,     /* an entry of any type: file, directory, link */
	KMEND_PATH_SYMLINK, /* a symlink, added besides KMEND_PATH_ANY */
};

void kmend_pathfilter_add(struct kmend_pathfilter *f, const char *path, enum kmend_path_kind kind);
bool kmend_pathfilter_may_hold(const struct kmend_pathfilter *f, const char *path,
                               enum kmend_path_kind kind);

#endif
