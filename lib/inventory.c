/* Building an inventory: walk layers, merge, detect the OS, parse package databases, attribute. */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layercache.h"
#include "pkgdb.h"
#include "rootfs.h"

static bool inventory_wants(const char *path)
{
	return kmend_pkgdb_for_path(path) != NULL || kmend_os_file_of(path) >= 0;
}

/* True when some wanted path lies below dir. */
static bool inventory_wants_below(const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; kmend_pkgdbs[i]; i++)
		for (const char *const *p = kmend_pkgdbs[i]->paths; *p; p++)
			if (strncmp(*p, dir, n) == 0 && (*p)[n] == '/')
				return true;
	for (int i = 0; i < KMEND_OS_FILE_COUNT; i++)
		if (strncmp(kmend_os_paths[i], dir, n) == 0 && kmend_os_paths[i][n] == '/')
			return true;
	return false;
}

const struct kmend_want kmend_inventory_want = {
    .wants = inventory_wants,
    .wants_below = inventory_wants_below,
};

/* Does this layer touch anything a package database is made of? */
static bool touches_pkgdb(const struct kmend_layer_findings *f)
{
	for (size_t i = 0; i < f->count; i++)
		if (kmend_os_file_of(f->entries[i].path) < 0)
			return true;
	return false;
}

/*
 * Every package database in the merged view. Directory backends (status.d)
 * are listed by scanning the view for files directly inside them.
 */
static int parse_databases(const struct kmend_rootfs *fs, struct kmend_package_list *out,
                           struct kmend_error *err)
{
	for (size_t i = 0; kmend_pkgdbs[i]; i++) {
		const struct kmend_pkgdb *db = kmend_pkgdbs[i];
		for (const char *const *p = db->paths; *p; p++) {
			size_t n = strlen(*p);
			for (size_t j = 0; j < fs->count; j++) {
				const struct kmend_rootfs_node *node;
				const char *path = fs->nodes[j].path;
				int r;

				if ((*p)[n - 1] == '/'
				        ? strncmp(path, *p, n) != 0 || strchr(path + n, '/')
				        : strcmp(path, *p) != 0)
					continue;
				node = kmend_rootfs_lookup(fs, path);
				if (!node)
					continue;
				if ((r = db->parse(path, node->data, node->len, out, err)) < 0)
					return r;
			}
		}
	}
	return 0;
}

static const struct kmend_package *find_same(const struct kmend_package_list *list,
                                             const struct kmend_package *p)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct kmend_package *q = &list->items[i];
		if (q->type == p->type && !strcmp(q->name, p->name) &&
		    !strcmp(q->arch ? q->arch : "", p->arch ? p->arch : ""))
			return q;
	}
	return NULL;
}

/* Packages unchanged since prev keep their layer; new or changed ones get layer. */
static int attribute(struct kmend_package_list *now, const struct kmend_package_list *prev,
                     const char *layer)
{
	for (size_t i = 0; i < now->count; i++) {
		struct kmend_package *p = &now->items[i];
		const struct kmend_package *q = find_same(prev, p);
		const char *l = q && q->layer && !strcmp(q->version, p->version) ? q->layer : layer;

		if (!(p->layer = strdup(l)))
			return -ENOMEM;
	}
	return 0;
}

int kmend_inventory_build(struct kmend_image *img, const char *cache_dir,
                          struct kmend_inventory *out, struct kmend_error *err)
{
	struct kmend_rootfs fs = {0};
	struct kmend_package_list current = {0};
	struct kmend_span os_files[KMEND_OS_FILE_COUNT] = {{0}};
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < img->nlayers && r == 0; i++) {
		struct kmend_layer_findings f = {0};
		int cached = 0;

		r = kmend_layercache_get(img, i, cache_dir, &kmend_inventory_want, &f, &cached,
		                         err);
		if (r < 0)
			break;
		out->layers_from_cache += cached;
		if ((r = kmend_rootfs_apply(&fs, &f, i)) == 0 && touches_pkgdb(&f)) {
			struct kmend_package_list next = {0};
			if ((r = parse_databases(&fs, &next, err)) == 0 &&
			    (r = attribute(&next, &current, img->diff_ids[i])) == 0) {
				kmend_package_list_free(&current);
				current = next;
			} else {
				kmend_package_list_free(&next);
			}
		}
		kmend_layer_findings_free(&f);
	}
	if (r == 0) {
		for (int i = 0; i < KMEND_OS_FILE_COUNT; i++) {
			const struct kmend_rootfs_node *n =
			    kmend_rootfs_lookup(&fs, kmend_os_paths[i]);
			if (n)
				os_files[i] = (struct kmend_span){n->data, n->len};
		}
		out->os_found = kmend_os_detect(os_files, &out->os) == 0;
		kmend_package_list_sort(&current);
		out->packages = current;
	} else {
		kmend_package_list_free(&current);
	}
	kmend_rootfs_free(&fs);
	return r;
}

void kmend_inventory_free(struct kmend_inventory *inv)
{
	if (!inv)
		return;
	kmend_package_list_free(&inv->packages);
	kmend_warnings_free(&inv->warnings);
}
