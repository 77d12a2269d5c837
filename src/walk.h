/* Walking a file or a directory tree for the inputs a command takes (feeds, manifests). */
#ifndef KMEND_WALK_H
#define KMEND_WALK_H

#include <stdbool.h>

/*
 * Call fn(file, ctx) for path if it is not a directory; if it is, for every
 * file below it whose name accept() takes, in name order, recursively (to a
 * depth of 16), passing over names that start with '.'.
 */
void cli_walk(const char *path, bool (*accept)(const char *name),
              void (*fn)(const char *file, void *ctx), void *ctx);

#endif
