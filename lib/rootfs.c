/* Whiteouts, opaque directories and links over the files analyzers asked for. */
#include "rootfs.h"
#include "array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"

static void node_free(struct kmend_rootfs_node *n)
{
	free(n->path);
	free(n->target);
	free(n->data);
}

static struct kmend_rootfs_node *find(const struct kmend_rootfs *fs, const char *path)
{
	size_t i;

	return kmend_pathindex_get(&fs->index, path, &i) ? &fs->nodes[i] : NULL;
}

const struct kmend_rootfs_node *kmend_rootfs_node_at(const struct kmend_rootfs *fs,
                                                     const char *path)
{
	return find(fs, path);
}

static void remove_at(struct kmend_rootfs *fs, size_t i)
{
	struct kmend_rootfs_node *n = &fs->nodes[i];

	fs->kept -= kmend_entry_cost(n->path, n->target, n->len);
	kmend_pathindex_remove(&fs->index, n->path);
	node_free(n);
	if (i != --fs->count) {
		fs->nodes[i] = fs->nodes[fs->count];
		/* The index slot exists: replacing its value cannot fail. */
		(void)kmend_pathindex_put(&fs->index, fs->nodes[i].path, i);
	}
}

static int too_large(const char *name, struct kmend_error *err)
{
	kmend_error_set(err, -KMEND_E_TOO_LARGE, name, 0,
	                "with the layers below, the files kmend reads (package databases, OS "
	                "files, their links) come to more than %ld MB or %d entries, over "
	                "kmend's limit per image",
	                KMEND_IMAGE_KEPT_MAX >> 20, KMEND_KEPT_MAX_ENTRIES);
	kmend_error_hint(err, "real images keep far less; this one repeats or inflates them "
	                      "(limits in lib/kmend_limits.h)");
	return -KMEND_E_TOO_LARGE;
}

/* Set the node at path; data is taken over (freed on failure). */
static int put(struct kmend_rootfs *fs, enum kmend_entry_kind kind, const char *path,
               const char *target, char *data, size_t len, size_t layer, const char *name,
               struct kmend_error *err)
{
	struct kmend_rootfs_node *n = find(fs, path), fresh = {0};
	size_t cost = kmend_entry_cost(path, target, len),
	       kept = fs->kept - (n ? kmend_entry_cost(n->path, n->target, n->len) : 0);

	fresh.kind = kind;
	fresh.layer = layer;
	fresh.len = len;
	fresh.data = data;
	if (kept + cost > KMEND_IMAGE_KEPT_MAX || (!n && fs->count == KMEND_KEPT_MAX_ENTRIES)) {
		free(data);
		return too_large(name, err);
	}
	fresh.target = target ? strdup(target) : NULL;
	if (target && !fresh.target) {
		node_free(&fresh);
		return -ENOMEM;
	}
	if (n) {
		/* The same path: the index keeps pointing at the node's own path string. */
		free(n->target);
		free(n->data);
		fresh.path = n->path;
		*n = fresh;
		fs->kept = kept + cost;
		return 0;
	}
	if (!(fresh.path = strdup(path))) {
		node_free(&fresh);
		return -ENOMEM;
	}
	if (kmend_array_grow(&fs->nodes, &fs->capacity, fs->count, sizeof(*fs->nodes)) < 0 ||
	    kmend_pathindex_put(&fs->index, fresh.path, fs->count) < 0) {
		node_free(&fresh);
		return -ENOMEM;
	}
	fs->nodes[fs->count++] = fresh;
	fs->kept = kept + cost;
	return 0;
}

/* Is path, or a directory above it, deleted by the layer's whiteouts (or hidden by opaque)? */
static bool whited_out(const struct kmend_pathindex *deleted, const char *path)
{
	char buf[KMEND_PATH_MAX];
	size_t kind;

	if (kmend_pathindex_get(deleted, path, &kind) && kind == KMEND_ENTRY_WHITEOUT)
		return true;
	if (strlen(path) >= sizeof(buf))
		return false;
	strcpy(buf, path);
	for (char *slash = strrchr(buf, '/');; slash = strrchr(buf, '/')) {
		/* Above path: a whiteout deletes the directory, an opaque marker hides its content.
		 */
		if (slash)
			*slash = '\0';
		if (kmend_pathindex_get(deleted, slash ? buf : "", &kind))
			return true;
		if (!slash)
			return false;
	}
}

/* Whiteouts and opaque markers delete lower content: one pass over the view. */
static int apply_deletions(struct kmend_rootfs *fs, const struct kmend_layer_findings *f,
                           size_t layer)
{
	struct kmend_pathindex deleted = {0};
	int r = 0;

	for (size_t i = 0; i < f->count && r == 0; i++) {
		const struct kmend_entry *e = &f->entries[i];
		size_t kind;
		/* A whiteout of a path is stronger than an opaque marker there. */
		if ((e->kind == KMEND_ENTRY_WHITEOUT || e->kind == KMEND_ENTRY_OPAQUE) &&
		    !(kmend_pathindex_get(&deleted, e->path, &kind) &&
		      kind == KMEND_ENTRY_WHITEOUT))
			r = kmend_pathindex_put(&deleted, e->path, e->kind);
	}
	if (r == 0 && deleted.count)
		for (size_t j = fs->count; j-- > 0;)
			if (fs->nodes[j].layer < layer && whited_out(&deleted, fs->nodes[j].path))
				remove_at(fs, j);
	kmend_pathindex_free(&deleted);
	return r;
}

int kmend_rootfs_apply(struct kmend_rootfs *fs, struct kmend_layer_findings *f, size_t layer,
                       const char *name, struct kmend_error *err)
{
	int r;

	if ((r = apply_deletions(fs, f, layer)) < 0)
		return r;
	for (size_t i = 0; i < f->count; i++) {
		struct kmend_entry *e = &f->entries[i];
		const struct kmend_rootfs_node *t;
		char *copy = NULL;

		switch (e->kind) {
		case KMEND_ENTRY_FILE:
			f->kept -= kmend_entry_cost(e->path, e->target, e->len);
			r = put(fs, KMEND_ENTRY_FILE, e->path, NULL, e->data, e->len, layer, name,
			        err);
			e->data = NULL;
			e->len = 0;
			break;
		case KMEND_ENTRY_SYMLINK:
			r = put(fs, KMEND_ENTRY_SYMLINK, e->path, e->target, NULL, 0, layer, name,
			        err);
			break;
		case KMEND_ENTRY_HARDLINK:
			/* The walker resolved links within the layer: this one points below. */
			t = find(fs, e->target);
			if (t && t->kind == KMEND_ENTRY_FILE) {
				if (!(copy = malloc(t->len + 1)))
					return -ENOMEM;
				memcpy(copy, t->data, t->len + 1);
				r = put(fs, KMEND_ENTRY_FILE, e->path, NULL, copy, t->len, layer,
				        name, err);
			} else {
				r = put(fs, t ? t->kind : KMEND_ENTRY_HARDLINK, e->path,
				        t ? t->target : e->target, NULL, 0, layer, name, err);
			}
			break;
		case KMEND_ENTRY_DIR:
			t = find(fs, e->path);
			if (t && t->layer < layer)
				remove_at(fs, (size_t)(t - fs->nodes));
			r = 0;
			break;
		default: r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Resolve path part by part. A symlink met on the way is replaced by its target (from the
 * root when absolute, else from the link's directory, which holds no link by then) and
 * resolution starts over, at most KMEND_SYMLINK_MAX_HOPS times.
 */
int kmend_rootfs_resolve(const struct kmend_rootfs *fs, const char *path, char *out, size_t size)
{
	char cur[KMEND_PATH_MAX], next[KMEND_PATH_MAX];
	int hops = 0;

	if (strlen(path) >= sizeof(cur))
		return -ENAMETOOLONG;
	strcpy(cur, path);
restart:
	for (char *slash = cur;; slash++) {
		const struct kmend_rootfs_node *n;
		char saved = '\0';

		slash = strchr(slash, '/');
		if (slash) {
			saved = *slash;
			*slash = '\0';
		}
		n = find(fs, cur);
		if (slash)
			*slash = saved;
		if (n && n->kind == KMEND_ENTRY_SYMLINK) {
			const char *dir_end = strrchr(n->path, '/');
			size_t prefix =
			    n->target[0] == '/' || !dir_end ? 0 : (size_t)(dir_end - n->path);
			int w;

			if (++hops > KMEND_SYMLINK_MAX_HOPS)
				return -ELOOP;
			w = snprintf(next, sizeof(next), "%.*s/%s%s", (int)prefix, n->path,
			             n->target, slash ? slash : "");
			if (w < 0 || (size_t)w >= sizeof(next))
				return -ENAMETOOLONG;
			kmend_path_normalize_in_root(next);
			strcpy(cur, next);
			goto restart;
		}
		if (!slash)
			break;
	}
	if (strlen(cur) >= size)
		return -ENAMETOOLONG;
	strcpy(out, cur);
	return 0;
}

const struct kmend_rootfs_node *kmend_rootfs_lookup(const struct kmend_rootfs *fs, const char *path)
{
	char real[KMEND_PATH_MAX];
	const struct kmend_rootfs_node *n;

	if (kmend_rootfs_resolve(fs, path, real, sizeof(real)) < 0)
		return NULL;
	n = find(fs, real);
	return n && n->kind == KMEND_ENTRY_FILE ? n : NULL;
}

/* Add real to out when it is somewhere the view holds nothing and want does not name. */
static int note_unread(const struct kmend_rootfs *fs, const struct kmend_want *want,
                       const char *real, struct kmend_want *out)
{
	size_t before = out->count;

	if (find(fs, real) || kmend_want_file(want, real))
		return 0;
	if (kmend_want_add(out, real) < 0)
		return -ENOMEM;
	return out->count > before;
}

/* A directory pattern: its real directory, and the links directly inside it. */
static int unread_in_dir(const struct kmend_rootfs *fs, const struct kmend_want *want,
                         const char *pattern, struct kmend_want *out)
{
	char dir[KMEND_PATH_MAX], real[KMEND_PATH_MAX];
	size_t n = strlen(pattern) - 1, added = 0;
	int r;

	if (n >= sizeof(dir))
		return 0;
	memcpy(dir, pattern, n);
	dir[n] = '\0';
	if (kmend_rootfs_resolve(fs, dir, real, sizeof(real) - 1) < 0)
		return 0;
	if (strcmp(real, dir) != 0) {
		size_t before = out->count, m = strlen(real);
		bool named = false;
		real[m] = '/';
		real[m + 1] = '\0';
		for (size_t i = 0; i < want->count && !named; i++)
			named = strcmp(want->patterns[i], real) == 0;
		if (!named && kmend_want_add(out, real) < 0)
			return -ENOMEM;
		added += out->count - before;
		real[m] = '\0';
	}
	n = strlen(real);
	for (size_t i = 0; i < fs->count; i++) {
		const struct kmend_rootfs_node *node = &fs->nodes[i];
		char target[KMEND_PATH_MAX];

		if (node->kind != KMEND_ENTRY_SYMLINK || strncmp(node->path, real, n) != 0 ||
		    node->path[n] != '/' || strchr(node->path + n + 1, '/') ||
		    kmend_rootfs_resolve(fs, node->path, target, sizeof(target)) < 0)
			continue;
		if ((r = note_unread(fs, want, target, out)) < 0)
			return r;
		added += (size_t)r;
	}
	return (int)added;
}

int kmend_rootfs_unread_targets(const struct kmend_rootfs *fs, const struct kmend_want *want,
                                struct kmend_want *out)
{
	int added = 0, r;

	for (size_t i = 0; i < want->count; i++) {
		const char *p = want->patterns[i];
		char real[KMEND_PATH_MAX];

		if (p[strlen(p) - 1] == '/')
			r = unread_in_dir(fs, want, p, out);
		else if (kmend_rootfs_resolve(fs, p, real, sizeof(real)) < 0 || !strcmp(real, p))
			r = 0;
		else
			r = note_unread(fs, want, real, out);
		if (r < 0)
			return r;
		added += r;
	}
	for (size_t i = 0; i < fs->count; i++) {
		if (fs->nodes[i].kind != KMEND_ENTRY_HARDLINK)
			continue;
		if ((r = note_unread(fs, want, fs->nodes[i].target, out)) < 0)
			return r;
		added += r;
	}
	return added;
}

void kmend_rootfs_free(struct kmend_rootfs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->count; i++)
		node_free(&fs->nodes[i]);
	free(fs->nodes);
	kmend_pathindex_free(&fs->index);
	memset(fs, 0, sizeof(*fs));
}
