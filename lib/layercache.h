/* Per-layer cache of what the analyzers found, keyed by the layer's digest. */
#ifndef KMEND_LAYERCACHE_H
#define KMEND_LAYERCACHE_H

#include "error.h"
#include "image.h"
#include "layer.h"

/*
 * The findings of img's layer i for want: from cache_dir/layers/sha256/<hex>-<want id> when
 * a valid entry is there (*cached = 1), else by reading the layer (kmend_layer_walk, with
 * image_left), after which the entry is written (atomically, 0600, in 0700 directories; a
 * cache that cannot be written is not an error). cache_dir NULL: no cache. A corrupt or
 * foreign cache file, or one keeping more than image_left allows, is ignored and replaced.
 */
int kmend_layercache_get(struct kmend_image *img, size_t i, const char *cache_dir,
                         const struct kmend_want *want, size_t image_left,
                         struct kmend_layer_findings *out, int *cached, struct kmend_error *err);

#endif
