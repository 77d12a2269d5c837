/* Per-layer cache of what the analyzers found, keyed by the layer's digest. */
#ifndef KMEND_LAYERCACHE_H
#define KMEND_LAYERCACHE_H

#include "error.h"
#include "image.h"
#include "layer.h"

/*
 * The findings of img's layer i: from cache_dir/layers/sha256/<hex> when a
 * valid entry is there (*cached = 1), else by reading the layer, after which
 * the entry is written (atomically; a cache that cannot be written is not an
 * error). cache_dir NULL: no cache. A corrupt or foreign cache file is
 * ignored and replaced.
 */
int kmend_layercache_get(struct kmend_image *img, size_t i, const char *cache_dir,
                         const struct kmend_want *want, struct kmend_layer_findings *out,
                         int *cached, struct kmend_error *err);

#endif
