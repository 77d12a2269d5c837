/* The application's files: the application layers' paths less what packages own. */
#include "harden_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "kmend_limits.h"
#include "layercache.h"
#include "rootfs.h"

/* Package-manager state and system files an application layer changes but does not own. */
static const char *const state_prefixes[] = {
    "var/lib/dpkg/",
    "var/lib/apt/",
    "var/cache/",
    "var/log/",
    "lib/apk/",
    "var/lib/rpm/",
    "usr/lib/sysimage/rpm/",
    "tmp/",
    "var/tmp/",
    "run/",
    "dev/",
    "proc/",
    "sys/",
    "root/",
    "usr/share/doc/",
    "usr/share/man/",
    "etc/alternatives/",
    "etc/apt/",
    "etc/apk/",
    "etc/ld.so.cache",
    "etc/passwd",
    "etc/group",
    "etc/shadow",
    "etc/gshadow",
    "etc/subuid",
    "etc/subgid",
    "etc/machine-id",
    "etc/hostname",
    "etc/hosts",
    "etc/resolv.conf",
};

/* The top of the filesystem hierarchy: a directory here is the system's, not the app's. */
static const char *const system_dirs[] = {
    "bin", "boot", "dev",  "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "mnt",
    "opt", "proc", "root", "run", "sbin", "srv", "sys",   "tmp",   "usr",    "var",
};

static bool is_state(const char *path)
{
	for (size_t i = 0; i < sizeof(state_prefixes) / sizeof(state_prefixes[0]); i++)
		if (!strncmp(path, state_prefixes[i], strlen(state_prefixes[i])))
			return true;
	return false;
}

static bool is_system_dir(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (strlen(system_dirs[i]) == n && !strncmp(system_dirs[i], name, n))
			return true;
	return false;
}

/* Paths packages own, sorted for bsearch. */
struct owned {
	char **paths;
	size_t count, capacity;
};

static int own(struct owned *o, const char *path)
{
	if (kmend_array_grow(&o->paths, &o->capacity, o->count, sizeof(*o->paths)) < 0 ||
	    !(o->paths[o->count] = strdup(path)))
		return -ENOMEM;
	o->count++;
	return 0;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_owned(const struct owned *o, const char *path)
{
	return o->count && bsearch(&path, o->paths, o->count, sizeof(char *), by_string);
}

/* Every path a dpkg file list or apk's installed database names, into owned. */
static int read_owned(const struct kmend_rootfs *fs, struct owned *owned)
{
	char dir[KMEND_PATH_MAX] = "";
	int r = 0;

	for (size_t i = 0; r == 0 && i < fs->count; i++) {
		const struct kmend_rootfs_node *n = &fs->nodes[i];
		bool dpkg = !strncmp(n->path, "var/lib/dpkg/info/", 18) && strlen(n->path) > 5 &&
		            !strcmp(n->path + strlen(n->path) - 5, ".list");
		bool apk = !strcmp(n->path, "lib/apk/db/installed");
		if (n->kind != KMEND_ENTRY_FILE || !n->data || (!dpkg && !apk))
			continue;
		for (const char *p = n->data, *end = n->data + n->len; r == 0 && p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			char path[KMEND_PATH_MAX];
			if (dpkg && len > 1 && len < sizeof(path)) {
				memcpy(path, p, len);
				path[len] = '\0';
				if (kmend_path_normalize(path) == 0 && path[0])
					r = own(owned, path);
			} else if (apk && len > 2 && p[1] == ':' && len - 2 < sizeof(dir)) {
				if (p[0] == 'F') {
					memcpy(dir, p + 2, len - 2);
					dir[len - 2] = '\0';
				} else if (p[0] == 'R' && strlen(dir) + len < sizeof(path)) {
					snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(len - 2),
					         p + 2);
					if (kmend_path_normalize(path) == 0 && path[0])
						r = own(owned, path);
				}
			}
			p += len + 1;
		}
	}
	if (r == 0 && owned->count)
		qsort(owned->paths, owned->count, sizeof(char *), by_string);
	return r;
}

/* What COPY takes for path: "/opt/x" or "/app" whole, else the file itself. */
static void copy_source(const char *path, char *out, size_t size)
{
	size_t first = strcspn(path, "/");
	const char *rest = path + first + (path[first] == '/');
	size_t second = strcspn(rest, "/");

	if (!is_system_dir(path, first) && path[first])
		snprintf(out, size, "/%.*s", (int)first, path);
	else if ((!strncmp(path, "opt/", 4) || !strncmp(path, "srv/", 4) ||
	          !strncmp(path, "home/", 5)) &&
	         rest[second])
		snprintf(out, size, "/%.*s", (int)(rest - path + second), path);
	else
		snprintf(out, size, "/%s", path);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct kmend_app_file *)a)->path,
	              ((const struct kmend_app_file *)b)->path);
}

static int add_file(struct kmend_app_files *out, const struct kmend_rootfs_node *n,
                    struct kmend_error *err)
{
	struct kmend_app_file *f;
	int r;

	if (kmend_array_grow(&out->items, &out->capacity, out->count, sizeof(*out->items)) < 0)
		return -ENOMEM;
	f = &out->items[out->count];
	memset(f, 0, sizeof(*f));
	if (!(f->path = strdup(n->path)))
		return -ENOMEM;
	out->count++;
	f->symlink = n->kind == KMEND_ENTRY_SYMLINK;
	if (n->kind == KMEND_ENTRY_FILE && n->data &&
	    (r = kmend_elf_read(n->data, n->len, n->path, &f->elf, err)) < 0 &&
	    r != -KMEND_E_BAD_INPUT)
		return r;
	out->dynamic += f->elf.dynamic;
	return 0;
}

static int add_copy(struct kmend_app_files *out, const char *src, size_t *n)
{
	char **bigger;

	if (*n && !strcmp(out->copy[*n - 1], src))
		return 0;
	if (!(bigger = realloc(out->copy, (*n + 2) * sizeof(char *))))
		return -ENOMEM;
	out->copy = bigger;
	if (!(bigger[*n] = strdup(src)))
		return -ENOMEM;
	bigger[++*n] = NULL;
	return 0;
}

int kmend_app_files_read(struct kmend_image *img, size_t base_layers, const char *cache_dir,
                         struct kmend_app_files *out, struct kmend_error *err)
{
	struct kmend_want owners = {0}, all = {0};
	struct owned owned = {0};
	struct kmend_rootfs fs = {0};
	size_t ncopy = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = kmend_want_add(&owners, "var/lib/dpkg/info/")) < 0 ||
	    (r = kmend_want_add(&owners, "lib/apk/db/installed")) < 0 ||
	    (r = kmend_want_add(&all, "**")) < 0)
		goto done;
	for (size_t i = 0; r == 0 && i < img->nlayers; i++) {
		struct kmend_layer_findings f = {0};
		int cached;
		r = kmend_layercache_get(img, i, cache_dir, i < base_layers ? &owners : &all,
		                         KMEND_IMAGE_KEPT_MAX - fs.kept, &f, &cached, err);
		if (r == 0)
			r = kmend_rootfs_apply(&fs, &f, i, img->layers[i].digest, err);
		kmend_layer_findings_free(&f);
	}
	if (r == 0)
		r = read_owned(&fs, &owned);
	for (size_t i = 0; r == 0 && i < fs.count; i++) {
		const struct kmend_rootfs_node *n = &fs.nodes[i];
		if (n->layer < base_layers || is_state(n->path) ||
		    (n->kind != KMEND_ENTRY_FILE && n->kind != KMEND_ENTRY_SYMLINK) ||
		    is_owned(&owned, n->path))
			continue;
		r = add_file(out, n, err);
	}
	if (r == 0 && out->count)
		qsort(out->items, out->count, sizeof(*out->items), by_path);
	for (size_t i = 0; r == 0 && i < out->count; i++) {
		char src[KMEND_PATH_MAX + 2];
		copy_source(out->items[i].path, src, sizeof(src));
		r = add_copy(out, src, &ncopy);
	}
done:
	kmend_want_free(&owners);
	kmend_want_free(&all);
	for (size_t i = 0; i < owned.count; i++)
		free(owned.paths[i]);
	free(owned.paths);
	kmend_rootfs_free(&fs);
	if (r < 0)
		kmend_app_files_free(out);
	return r;
}

void kmend_app_files_free(struct kmend_app_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].path);
		kmend_elf_info_free(&f->items[i].elf);
	}
	free(f->items);
	for (size_t i = 0; f->copy && f->copy[i]; i++)
		free(f->copy[i]);
	free(f->copy);
	memset(f, 0, sizeof(*f));
}
