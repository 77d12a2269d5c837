/*
 * The image files kmend fix reads (repository configurations, keyrings, /etc/passwd) and the
 * programs whose presence it checks (a shell, dpkg, apk, rpm, a downloader), kept from the
 * inventory's one pass over the layers (lib/inventory.c asks fix_files_wants and collects).
 */
#ifndef KMEND_FIX_FILES_H
#define KMEND_FIX_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "layer.h"
#include "rootfs.h"

/* One file as the image's final layer leaves it (links followed); data NULL for a program. */
struct kmend_fix_file {
	char *path; /* relative to the root: "etc/apt/sources.list" */
	char *data; /* NUL-terminated (not counted in len); NULL when only presence was kept */
	size_t len;
};

struct kmend_fix_files {
	struct kmend_fix_file *items;
	size_t count, capacity;
};

/* Add what fix reads to the inventory's want set: files, and programs for their presence. */
int kmend_fix_files_want(struct kmend_want *w);

/* True for a path fix reads (not a package database: the inventory need not parse again). */
bool kmend_fix_files_wants(const char *path);

/*
 * Keep, from the merged view, every wanted file that exists: the configured
 * paths, and the files directly inside the configured directories. Returns 0
 * or -ENOMEM (out then empty).
 */
int kmend_fix_files_collect(const struct kmend_rootfs *fs, struct kmend_fix_files *out);

/* The file at path (relative, as kept), or NULL. */
const struct kmend_fix_file *kmend_fix_files_get(const struct kmend_fix_files *files,
                                                 const char *path);

/* Whether path exists in the image (a file or a program). */
bool kmend_fix_files_has(const struct kmend_fix_files *files, const char *path);

/*
 * Call fn for every kept file directly inside dir ("etc/apt/sources.list.d"),
 * in path order. fn returning non-zero stops the walk and is returned.
 */
int kmend_fix_files_each_in(const struct kmend_fix_files *files, const char *dir,
                            int (*fn)(const struct kmend_fix_file *file, void *ctx), void *ctx);

/* Add a file (copied), for tests and fixtures. 0 or -ENOMEM. */
int kmend_fix_files_add(struct kmend_fix_files *files, const char *path, const char *data,
                        size_t len);

void kmend_fix_files_free(struct kmend_fix_files *files);

#endif
