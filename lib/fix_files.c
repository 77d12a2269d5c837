/* The image files fix reads, chosen from every package-manager family's lists (see fix_files.h). */
#include "fix_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pkgmgr.h"

/* What every family needs: user names for the image's User, and a shell to run the steps. */
static const char *const common_paths[] = {"etc/passwd", NULL};
static const char *const common_programs[] = {"bin/sh",
                                              "usr/bin/sh",
                                              "bin/dash",
                                              "usr/bin/dash",
                                              "bin/bash",
                                              "usr/bin/bash",
                                              "bin/busybox",
                                              "usr/bin/busybox",
                                              "bin/sha256sum",
                                              "usr/bin/sha256sum",
                                              "bin/coreutils",
                                              "usr/bin/coreutils",
                                              NULL};

/* "dir/" entries match the files directly inside dir; others match exactly. */
static bool entry_matches(const char *entry, const char *path)
{
	size_t n = strlen(entry);

	if (n && entry[n - 1] == '/')
		return strncmp(path, entry, n) == 0 && path[n] && !strchr(path + n, '/');
	return strcmp(path, entry) == 0;
}

static bool listed(const char *const *list, const char *path)
{
	for (; *list; list++)
		if (entry_matches(*list, path))
			return true;
	return false;
}

bool kmend_fix_files_wants(const char *path)
{
	if (listed(common_paths, path) || listed(common_programs, path))
		return true;
	for (size_t i = 0; kmend_pkgmgrs[i]; i++)
		if (listed(kmend_pkgmgrs[i]->config_paths, path) ||
		    listed(kmend_pkgmgrs[i]->programs, path))
			return true;
	return false;
}

static int want_list(struct kmend_want *w, const char *const *list, bool presence)
{
	for (; *list; list++)
		if ((presence ? kmend_want_add_presence(w, *list) : kmend_want_add(w, *list)) < 0)
			return -ENOMEM;
	return 0;
}

int kmend_fix_files_want(struct kmend_want *w)
{
	int r = want_list(w, common_paths, false);

	if (r == 0)
		r = want_list(w, common_programs, true);
	for (size_t i = 0; kmend_pkgmgrs[i] && r == 0; i++)
		if ((r = want_list(w, kmend_pkgmgrs[i]->config_paths, false)) == 0)
			r = want_list(w, kmend_pkgmgrs[i]->programs, true);
	return r;
}

int kmend_fix_files_add(struct kmend_fix_files *files, const char *path, const char *data,
                        size_t len)
{
	struct kmend_fix_file *f;

	if (kmend_array_grow(&files->items, &files->capacity, files->count, sizeof(*f)))
		return -ENOMEM;
	f = &files->items[files->count];
	f->len = data ? len : 0;
	f->data = NULL;
	if (!(f->path = strdup(path)))
		return -ENOMEM;
	if (data) {
		if (!(f->data = malloc(len + 1))) {
			free(f->path);
			return -ENOMEM;
		}
		memcpy(f->data, data, len);
		f->data[len] = '\0';
	}
	files->count++;
	return 0;
}

/* Keep path if the merged view has it (links followed). */
static int keep(const struct kmend_rootfs *fs, const char *path, bool program,
                struct kmend_fix_files *out)
{
	const struct kmend_rootfs_node *n = kmend_rootfs_lookup(fs, path);

	if (!n || kmend_fix_files_get(out, path))
		return 0;
	return kmend_fix_files_add(out, path,
	                           program   ? NULL
	                           : n->data ? n->data
	                                     : "",
	                           program ? 0 : n->len);
}

static int keep_entry(const struct kmend_rootfs *fs, const char *entry, bool program,
                      struct kmend_fix_files *out)
{
	size_t n = strlen(entry);
	int r;

	if (!n || entry[n - 1] != '/')
		return keep(fs, entry, program, out);
	for (size_t i = 0; i < fs->count; i++)
		if (entry_matches(entry, fs->nodes[i].path) &&
		    (r = keep(fs, fs->nodes[i].path, program, out)) < 0)
			return r;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct kmend_fix_file *)a)->path,
	              ((const struct kmend_fix_file *)b)->path);
}

int kmend_fix_files_collect(const struct kmend_rootfs *fs, struct kmend_fix_files *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (const char *const *p = common_paths; *p && r == 0; p++)
		r = keep_entry(fs, *p, false, out);
	for (const char *const *p = common_programs; *p && r == 0; p++)
		r = keep_entry(fs, *p, true, out);
	for (size_t i = 0; kmend_pkgmgrs[i] && r == 0; i++) {
		for (const char *const *p = kmend_pkgmgrs[i]->config_paths; *p && r == 0; p++)
			r = keep_entry(fs, *p, false, out);
		for (const char *const *p = kmend_pkgmgrs[i]->programs; *p && r == 0; p++)
			r = keep_entry(fs, *p, true, out);
	}
	if (r < 0) {
		kmend_fix_files_free(out);
		return r;
	}
	if (out->count)
		qsort(out->items, out->count, sizeof(*out->items), by_path);
	return 0;
}

const struct kmend_fix_file *kmend_fix_files_get(const struct kmend_fix_files *files,
                                                 const char *path)
{
	while (*path == '/')
		path++;
	for (size_t i = 0; i < files->count; i++)
		if (!strcmp(files->items[i].path, path))
			return &files->items[i];
	return NULL;
}

bool kmend_fix_files_has(const struct kmend_fix_files *files, const char *path)
{
	return kmend_fix_files_get(files, path) != NULL;
}

int kmend_fix_files_each_in(const struct kmend_fix_files *files, const char *dir,
                            int (*fn)(const struct kmend_fix_file *file, void *ctx), void *ctx)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < files->count; i++) {
		const char *p = files->items[i].path;
		int r;
		if (strncmp(p, dir, n) == 0 && p[n] == '/' && p[n + 1] && !strchr(p + n + 1, '/') &&
		    (r = fn(&files->items[i], ctx)) != 0)
			return r;
	}
	return 0;
}

void kmend_fix_files_free(struct kmend_fix_files *files)
{
	if (!files)
		return;
	for (size_t i = 0; i < files->count; i++) {
		free(files->items[i].path);
		free(files->items[i].data);
	}
	free(files->items);
	memset(files, 0, sizeof(*files));
}
