/* Whiteouts, opaque directories and symlinks over the files analyzers asked for. */
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

static void remove_at(struct kmend_rootfs *fs, size_t i)
{
	node_free(&fs->nodes[i]);
	fs->nodes[i] = fs->nodes[--fs->count];
}

/* True when path is dir itself or below it ("" is the root, above everything). */
static int is_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return n == 0 || (strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/'));
}

static struct kmend_rootfs_node *find(const struct kmend_rootfs *fs, const char *path)
{
	for (size_t i = 0; i < fs->count; i++)
		if (strcmp(fs->nodes[i].path, path) == 0)
			return &fs->nodes[i];
	return NULL;
}

static int put(struct kmend_rootfs *fs, enum kmend_entry_kind kind, const char *path,
               const char *target, const char *data, size_t len, size_t layer)
{
	struct kmend_rootfs_node *n = find(fs, path), fresh = {0};

	fresh.kind = kind;
	fresh.layer = layer;
	fresh.len = len;
	fresh.path = strdup(path);
	fresh.target = target ? strdup(target) : NULL;
	if (data && (fresh.data = malloc(len + 1))) {
		memcpy(fresh.data, data, len);
		fresh.data[len] = '\0';
	}
	if (!fresh.path || (target && !fresh.target) || (data && !fresh.data)) {
		node_free(&fresh);
		return -ENOMEM;
	}
	if (n) {
		node_free(n);
		*n = fresh;
		return 0;
	}
	if (kmend_array_grow(&fs->nodes, &fs->capacity, fs->count, sizeof(*fs->nodes)) < 0) {
		node_free(&fresh);
		return -ENOMEM;
	}
	fs->nodes[fs->count++] = fresh;
	return 0;
}

int kmend_rootfs_apply(struct kmend_rootfs *fs, const struct kmend_layer_findings *f, size_t layer)
{
	int r;

	for (size_t i = 0; i < f->count; i++) {
		const struct kmend_entry *e = &f->entries[i];

		if (e->kind != KMEND_ENTRY_WHITEOUT && e->kind != KMEND_ENTRY_OPAQUE)
			continue;
		for (size_t j = fs->count; j-- > 0;) {
			const struct kmend_rootfs_node *n = &fs->nodes[j];
			/* An opaque directory hides lower content below it, not itself. */
			if (n->layer < layer && is_within(n->path, e->path) &&
			    (e->kind == KMEND_ENTRY_WHITEOUT || strcmp(n->path, e->path) != 0))
				remove_at(fs, j);
		}
	}
	for (size_t i = 0; i < f->count; i++) {
		const struct kmend_entry *e = &f->entries[i];
		const struct kmend_rootfs_node *t;

		switch (e->kind) {
		case KMEND_ENTRY_FILE:
			r = put(fs, KMEND_ENTRY_FILE, e->path, NULL, e->data, e->len, layer);
			break;
		case KMEND_ENTRY_SYMLINK:
			r = put(fs, KMEND_ENTRY_SYMLINK, e->path, e->target, NULL, 0, layer);
			break;
		case KMEND_ENTRY_HARDLINK:
			/* Tar writes a hard link after its target: the target is already here. */
			t = find(fs, e->target);
			r = t && t->kind == KMEND_ENTRY_FILE
			        ? put(fs, KMEND_ENTRY_FILE, e->path, NULL, t->data, t->len, layer)
			        : 0;
			break;
		default: r = 0;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Resolve path part by part. A symlink met on the way is replaced by its
 * target (from the root when absolute, else from the link's directory) and
 * resolution starts over, at most KMEND_SYMLINK_MAX_HOPS times.
 */
const struct kmend_rootfs_node *kmend_rootfs_lookup(const struct kmend_rootfs *fs, const char *path)
{
	char cur[KMEND_PATH_MAX], next[KMEND_PATH_MAX];
	int hops = 0;

	if (strlen(path) >= sizeof(cur))
		return NULL;
	strcpy(cur, path);
restart:
	for (char *slash = cur;; slash++) {
		const struct kmend_rootfs_node *n;
		char saved;

		slash = strchr(slash, '/');
		if (slash) {
			saved = *slash;
			*slash = '\0';
		}
		n = find(fs, cur);
		if (slash)
			*slash = saved;
		if (n && n->kind == KMEND_ENTRY_SYMLINK && !n->target)
			return NULL;
		if (n && n->kind == KMEND_ENTRY_SYMLINK) {
			size_t prefix =
			    n->target[0] == '/'
			        ? 0
			        : (size_t)(strrchr(n->path, '/') ? strrchr(n->path, '/') - n->path
			                                         : 0);
			int w;

			if (++hops > KMEND_SYMLINK_MAX_HOPS)
				return NULL;
			w = snprintf(next, sizeof(next), "%.*s/%s%s", (int)prefix, n->path,
			             n->target, slash ? slash : "");
			if (w < 0 || (size_t)w >= sizeof(next))
				return NULL;
			kmend_path_normalize_in_root(next);
			strcpy(cur, next);
			goto restart;
		}
		if (!slash)
			return n && n->kind == KMEND_ENTRY_FILE ? n : NULL;
	}
}

void kmend_rootfs_free(struct kmend_rootfs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->count; i++)
		node_free(&fs->nodes[i]);
	free(fs->nodes);
	memset(fs, 0, sizeof(*fs));
}
