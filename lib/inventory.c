/* Building an inventory: walk layers, merge, detect the OS, parse package databases, attribute. */
#include "inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "kmend_limits.h"
#include "layercache.h"
#include "pkgdb.h"
#include "rootfs.h"

static int want_os_files(struct kmend_want *w)
{
	for (int i = 0; i < KMEND_OS_FILE_COUNT; i++)
		if (kmend_want_add(w, kmend_os_paths[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int want_package_databases(struct kmend_want *w)
{
	for (size_t i = 0; kmend_pkgdbs[i]; i++)
		for (const char *const *p = kmend_pkgdbs[i]->paths; *p; p++)
			if (kmend_want_add(w, *p) < 0)
				return -ENOMEM;
	return 0;
}

/* Who reads what from the one pass over the layers. To read more files, add a source. */
static int (*const want_sources[])(struct kmend_want *w) = {
    want_os_files,
    want_package_databases,
    kmend_fix_files_want,
};

int kmend_inventory_want_init(struct kmend_want *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < sizeof(want_sources) / sizeof(want_sources[0]); i++)
		if (want_sources[i](w) < 0) {
			kmend_want_free(w);
			return -ENOMEM;
		}
	return 0;
}

/*
 * Does this layer change anything a package database is made of? Directories count only
 * where they replace something below (a link on the way).
 */
static bool touches_pkgdb(const struct kmend_rootfs *fs, const struct kmend_layer_findings *f)
{
	for (size_t i = 0; i < f->count; i++) {
		const struct kmend_entry *e = &f->entries[i];
		if (e->kind == KMEND_ENTRY_DIR
		        ? kmend_rootfs_node_at(fs, e->path) != NULL
		        : kmend_os_file_of(e->path) < 0 && !kmend_fix_files_wants(e->path))
			return true;
	}
	return false;
}

/* The database files parsed so far in one listing: a file reached by two paths is read once. */
struct parsed {
	const struct kmend_rootfs_node **nodes;
	size_t count, capacity;
};

static int parse_once(struct parsed *seen, const struct kmend_pkgdb *db, const char *path,
                      const struct kmend_rootfs_node *node, struct kmend_package_list *out,
                      struct kmend_error *err)
{
	for (size_t i = 0; i < seen->count; i++)
		if (seen->nodes[i] == node)
			return 0;
	if (kmend_array_grow(&seen->nodes, &seen->capacity, seen->count, sizeof(*seen->nodes)) < 0)
		return -ENOMEM;
	seen->nodes[seen->count++] = node;
	return db->parse(path, node->data, node->len, out, err);
}

/* Every file directly inside the directory pattern names, wherever links put it. */
static int parse_directory(const struct kmend_rootfs *fs, struct parsed *seen,
                           const struct kmend_pkgdb *db, const char *pattern,
                           struct kmend_package_list *out, struct kmend_error *err)
{
	char dir[KMEND_PATH_MAX], real[KMEND_PATH_MAX], path[2 * KMEND_PATH_MAX];
	size_t n = strlen(pattern) - 1;
	int r;

	memcpy(dir, pattern, n);
	dir[n] = '\0';
	if (kmend_rootfs_resolve(fs, dir, real, sizeof(real)) < 0)
		return 0;
	n = strlen(real);
	for (size_t j = 0; j < fs->count; j++) {
		const char *p = fs->nodes[j].path;
		const struct kmend_rootfs_node *node;

		if (strncmp(p, real, n) != 0 || p[n] != '/' || strchr(p + n + 1, '/') ||
		    !(node = kmend_rootfs_lookup(fs, p)))
			continue;
		/* Named as the database names it, for its errors and for backends that look. */
		snprintf(path, sizeof(path), "%s%s", pattern, p + n + 1);
		if ((r = parse_once(seen, db, path, node, out, err)) < 0)
			return r;
	}
	return 0;
}

/*
 * Every package database in the merged view, links followed. *found is how many database
 * files there were.
 */
static int parse_databases(const struct kmend_rootfs *fs, struct kmend_package_list *out,
                           size_t *found, struct kmend_error *err)
{
	struct parsed seen = {0};
	int r = 0;

	for (size_t i = 0; kmend_pkgdbs[i] && r == 0; i++) {
		const struct kmend_pkgdb *db = kmend_pkgdbs[i];
		for (const char *const *p = db->paths; *p && r == 0; p++) {
			const struct kmend_rootfs_node *node;
			if ((*p)[strlen(*p) - 1] == '/')
				r = parse_directory(fs, &seen, db, *p, out, err);
			else if ((node = kmend_rootfs_lookup(fs, *p)))
				r = parse_once(&seen, db, *p, node, out, err);
		}
	}
	*found = seen.count;
	free(seen.nodes);
	return r;
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

/* One read of every layer with want: the merged view, and the packages with their layers. */
struct pass {
	struct kmend_rootfs fs;
	struct kmend_package_list packages;
	size_t databases;               /* database files in the last listing */
	struct kmend_pathfilter **seen; /* per layer: the paths it holds */
	size_t layers_from_cache;
};

static void pass_free(struct pass *p, size_t nlayers)
{
	kmend_rootfs_free(&p->fs);
	kmend_package_list_free(&p->packages);
	for (size_t i = 0; p->seen && i < nlayers; i++)
		free(p->seen[i]);
	free(p->seen);
	memset(p, 0, sizeof(*p));
}

static int read_layers(struct kmend_image *img, const char *cache_dir,
                       const struct kmend_want *want, struct pass *p, struct kmend_error *err)
{
	int r = 0;

	if (!(p->seen = calloc(img->nlayers ? img->nlayers : 1, sizeof(*p->seen))))
		return -ENOMEM;
	for (size_t i = 0; i < img->nlayers && r == 0; i++) {
		struct kmend_layer_findings f = {0};
		int cached = 0;
		bool touched;

		r = kmend_layercache_get(img, i, cache_dir, want, KMEND_IMAGE_KEPT_MAX - p->fs.kept,
		                         &f, &cached, err);
		if (r < 0)
			break;
		p->layers_from_cache += (size_t)cached;
		p->seen[i] = TAKE_PTR(f.seen);
		touched = touches_pkgdb(&p->fs, &f);
		if ((r = kmend_rootfs_apply(&p->fs, &f, i, img->layers[i].digest, err)) == 0 &&
		    touched) {
			struct kmend_package_list next = {0};
			if ((r = parse_databases(&p->fs, &next, &p->databases, err)) == 0 &&
			    (r = attribute(&next, &p->packages, img->diff_ids[i])) == 0) {
				kmend_package_list_free(&p->packages);
				p->packages = next;
			} else {
				kmend_package_list_free(&next);
			}
		}
		kmend_layer_findings_free(&f);
	}
	return r;
}

/*
 * May some layer hold path, or a symlink on the way to it that no read kept yet (a chain of
 * links)? The layers' path filters answer without reading them again.
 */
static bool some_layer_holds(const struct pass *p, size_t nlayers, char *path)
{
	for (size_t l = 0; l < nlayers; l++)
		if (kmend_pathfilter_may_hold(p->seen[l], path, KMEND_PATH_ANY))
			return true;
	for (char *slash = strrchr(path, '/'); slash; slash = strrchr(path, '/')) {
		*slash = '\0';
		for (size_t l = 0; l < nlayers; l++)
			if (kmend_pathfilter_may_hold(p->seen[l], path, KMEND_PATH_SYMLINK))
				return true;
	}
	return false;
}

/*
 * What the view leads to that this read did not keep, and that some layer holds: added to
 * want for another read. The number added, or -ENOMEM.
 */
static int follow_links(const struct pass *p, size_t nlayers, struct kmend_want *want)
{
	struct kmend_want unread = {0};
	int added = 0, r = kmend_rootfs_unread_targets(&p->fs, want, &unread);

	for (size_t i = 0; r >= 0 && i < unread.count; i++) {
		char path[KMEND_PATH_MAX];
		size_t n = strlen(unread.patterns[i]);

		snprintf(path, sizeof(path), "%.*s",
		         (int)(unread.patterns[i][n - 1] == '/' ? n - 1 : n), unread.patterns[i]);
		if (some_layer_holds(p, nlayers, path)) {
			if (kmend_want_add(want, unread.patterns[i]) < 0)
				r = -ENOMEM;
			added++;
		}
	}
	kmend_want_free(&unread);
	return r < 0 ? r : added;
}

static int warn_about(struct kmend_inventory *inv, const struct pass *p, bool links_left)
{
	if (links_left &&
	    kmend_warn(&inv->warnings, "links-not-followed",
	               "links lead on to more paths than kmend follows (%d reads of the layers); "
	               "package databases behind them were not read",
	               KMEND_LINK_PASSES_MAX + 1) < 0)
		return -ENOMEM;
	if (inv->os_found && p->databases == 0 &&
	    kmend_warn(&inv->warnings, "no-package-database",
	               "%s%s%s found but no package database (var/lib/dpkg/status, "
	               "lib/apk/db/installed, the rpm database): the packages cannot be listed, "
	               "so none can be matched; a distroless or slimmed image may need a scanner "
	               "that reads binaries",
	               inv->os.id, inv->os.version_id[0] ? " " : "", inv->os.version_id) < 0)
		return -ENOMEM;
	if (inv->packages.skipped &&
	    kmend_warn(&inv->warnings, "skipped-packages",
	               "%zu package entries left out (first: %s): they are not matched",
	               inv->packages.skipped, inv->packages.skip_reason) < 0)
		return -ENOMEM;
	return 0;
}

int kmend_inventory_build(struct kmend_image *img, const char *cache_dir,
                          struct kmend_inventory *out, struct kmend_error *err)
{
	struct kmend_want want;
	struct pass p = {0};
	struct kmend_span os_files[KMEND_OS_FILE_COUNT] = {{0}};
	bool links_left = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (kmend_inventory_want_init(&want) < 0)
		return -ENOMEM;
	/*
	 * One read of the layers, as a rule. Only when a wanted path leads through a link to a
	 * path the read did not keep, and a layer holds that path, are the layers read again
	 * keeping it too (once per link in a chain, at most KMEND_LINK_PASSES_MAX times).
	 */
	for (int pass = 0;; pass++) {
		if ((r = read_layers(img, cache_dir, &want, &p, err)) < 0)
			break;
		if ((r = follow_links(&p, img->nlayers, &want)) <= 0)
			break;
		if (pass == KMEND_LINK_PASSES_MAX) {
			links_left = true;
			r = 0;
			break;
		}
		pass_free(&p, img->nlayers);
	}
	if (r == 0) {
		for (int i = 0; i < KMEND_OS_FILE_COUNT; i++) {
			const struct kmend_rootfs_node *n =
			    kmend_rootfs_lookup(&p.fs, kmend_os_paths[i]);
			if (n)
				os_files[i] = (struct kmend_span){n->data, n->len};
		}
		out->os_found = kmend_os_detect(os_files, &out->os) == 0;
		kmend_package_list_sort(&p.packages);
		out->packages = p.packages;
		out->layers_from_cache = p.layers_from_cache;
		memset(&p.packages, 0, sizeof(p.packages));
		r = warn_about(out, &p, links_left);
		if (r == 0)
			r = kmend_fix_files_collect(&p.fs, &out->fix_files);
	}
	pass_free(&p, img->nlayers);
	kmend_want_free(&want);
	if (r < 0)
		kmend_inventory_free(out);
	return r;
}

void kmend_inventory_free(struct kmend_inventory *inv)
{
	if (!inv)
		return;
	kmend_package_list_free(&inv->packages);
	kmend_warnings_free(&inv->warnings);
	kmend_fix_files_free(&inv->fix_files);
}
