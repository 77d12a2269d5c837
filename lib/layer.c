/* The layer walker: libarchive over a plain tar stream, keeping only what analyzers want. */
#include "layer.h"
#include "array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "kmend_limits.h"

/* The one normaliser: with clamp, ".." at the root stays at the root instead of failing. */
static int path_normalize(char *path, bool clamp)
{
	char *out = path, *p = path;

	while (*p) {
		char *part = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - part);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && part[0] == '.'))
			continue;
		if (n == 2 && part[0] == '.' && part[1] == '.') {
			if (out == path) {
				if (clamp)
					continue;
				return -KMEND_E_BAD_INPUT;
			}
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--; /* the '/' before the dropped part */
			continue;
		}
		if (out != path)
			*out++ = '/';
		memmove(out, part, n);
		out += n;
	}
	*out = '\0';
	return 0;
}

int kmend_path_normalize(char *path)
{
	return path_normalize(path, false);
}

void kmend_path_normalize_in_root(char *path)
{
	(void)path_normalize(path, true);
}

int kmend_want_add(struct kmend_want *w, const char *pattern)
{
	char *copy;

	for (size_t i = 0; i < w->count; i++)
		if (strcmp(w->patterns[i], pattern) == 0)
			return 0;
	if (kmend_array_grow(&w->patterns, &w->capacity, w->count, sizeof(*w->patterns)) < 0 ||
	    !(copy = strdup(pattern)))
		return -ENOMEM;
	w->patterns[w->count++] = copy;
	return 0;
}

int kmend_want_add_presence(struct kmend_want *w, const char *path)
{
	char pattern[KMEND_PATH_MAX + 2];

	snprintf(pattern, sizeof(pattern), "?%s", path);
	return kmend_want_add(w, pattern);
}

/* A subtree pattern (DIR/ then two stars, or the stars alone): its prefix length, else -1. */
static long subtree_prefix(const char *p, size_t n)
{
	if (n >= 2 && !strcmp(p + n - 2, "**") && (n == 2 || p[n - 3] == '/'))
		return (long)n - 2;
	return -1;
}

/* Whether pattern p (without its presence mark) names the file at path. */
static bool pattern_names(const char *p, const char *path)
{
	size_t n = strlen(p);
	long sub = subtree_prefix(p, n);

	if (sub >= 0)
		return strncmp(path, p, (size_t)sub) == 0 && path[sub];
	return p[n - 1] == '/' ? strncmp(path, p, n) == 0 && path[n] && !strchr(path + n, '/')
	                       : strcmp(path, p) == 0;
}

bool kmend_want_file(const struct kmend_want *w, const char *path)
{
	for (size_t i = 0; i < w->count; i++)
		if (pattern_names(w->patterns[i] + (w->patterns[i][0] == '?'), path))
			return true;
	return false;
}

bool kmend_want_presence_only(const struct kmend_want *w, const char *path)
{
	bool presence = false;

	for (size_t i = 0; i < w->count; i++) {
		bool mark = w->patterns[i][0] == '?';
		if (!pattern_names(w->patterns[i] + mark, path))
			continue;
		if (!mark)
			return false;
		presence = true;
	}
	return presence;
}

bool kmend_want_below(const struct kmend_want *w, const char *dir)
{
	size_t n = strlen(dir);

	for (size_t i = 0; i < w->count; i++) {
		const char *p = w->patterns[i] + (w->patterns[i][0] == '?');
		long sub = subtree_prefix(p, strlen(p));
		/* Inside a subtree pattern's directory, or on the way to it. */
		if (sub >= 0 && (sub == 0 || (strncmp(dir, p, (size_t)sub - 1) == 0 &&
		                              (dir[sub - 1] == '/' || dir[sub - 1] == '\0'))))
			return true;
		if (n == 0 || (strncmp(p, dir, n) == 0 && p[n] == '/'))
			return true;
	}
	return false;
}

void kmend_want_id(const struct kmend_want *w, char out[17])
{
	uint64_t h = 0;

	/* Each pattern's hash seeds the next: the id changes with any pattern and their order. */
	for (size_t i = 0; i < w->count; i++)
		h = kmend_path_hash(w->patterns[i], h);
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void kmend_want_free(struct kmend_want *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->count; i++)
		free(w->patterns[i]);
	free(w->patterns);
	memset(w, 0, sizeof(*w));
}

size_t kmend_entry_cost(const char *path, const char *target, size_t len)
{
	/* The struct, the allocations' own overhead and an index slot, roughly. */
	return len + strlen(path) + (target ? strlen(target) : 0) + sizeof(struct kmend_entry) + 64;
}

/* Whiteouts and opaque markers are about lower layers; the rest hold one slot per path. */
static bool holds_path(enum kmend_entry_kind kind)
{
	return kind != KMEND_ENTRY_WHITEOUT && kind != KMEND_ENTRY_OPAQUE;
}

/*
 * Keep an entry; data is taken over (freed on failure). A file, link or directory at a path
 * already kept replaces what is there, so that repeated entries cost no more than the last one.
 */
static int findings_put(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                        const char *path, const char *target, char *data, size_t len)
{
	struct kmend_entry *e;
	char *t = NULL;
	size_t i;

	if (target && !(t = strdup(target))) {
		free(data);
		return -ENOMEM;
	}
	if (holds_path(kind) && kmend_pathindex_get(&f->index, path, &i)) {
		e = &f->entries[i];
		f->kept -= kmend_entry_cost(e->path, e->target, e->len);
		free(e->target);
		free(e->data);
	} else {
		if (f->count == KMEND_KEPT_MAX_ENTRIES) {
			free(t);
			free(data);
			return -KMEND_E_TOO_LARGE;
		}
		if (kmend_array_grow(&f->entries, &f->capacity, f->count, sizeof(*f->entries)) <
		    0) {
			free(t);
			free(data);
			return -ENOMEM;
		}
		e = &f->entries[f->count];
		if (!(e->path = strdup(path)) ||
		    (holds_path(kind) && kmend_pathindex_put(&f->index, e->path, f->count) < 0)) {
			free(e->path);
			free(t);
			free(data);
			return -ENOMEM;
		}
		f->count++;
	}
	e->kind = kind;
	e->target = t;
	e->data = data;
	e->len = len;
	f->kept += kmend_entry_cost(e->path, e->target, e->len);
	return 0;
}

int kmend_layer_findings_take(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                              const char *path, const char *target, char *data, size_t len)
{
	return findings_put(f, kind, path, target, data, len);
}

int kmend_layer_findings_add(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                             const char *path, const char *target, const char *data, size_t len)
{
	char *copy = NULL;

	if (data) {
		if (!(copy = malloc(len + 1)))
			return -ENOMEM;
		memcpy(copy, data, len);
		copy[len] = '\0';
	}
	return findings_put(f, kind, path, target, copy, len);
}

void kmend_layer_findings_free(struct kmend_layer_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->entries[i].path);
		free(f->entries[i].target);
		free(f->entries[i].data);
	}
	free(f->entries);
	kmend_pathindex_free(&f->index);
	free(f->seen);
	memset(f, 0, sizeof(*f));
}

/* libarchive pulls from our stream through this. */
struct tar_source {
	struct kmend_istream *stream;
	unsigned char buf[1 << 20];
	int failed; /* the stream reported an error: its err has the detail */
};

static la_ssize_t tar_source_read(struct archive *a, void *ctx, const void **buf)
{
	struct tar_source *src = ctx;
	ssize_t n = kmend_istream_read(src->stream, src->buf, sizeof(src->buf));

	if (n < 0) {
		src->failed = 1;
		kmend_archive.archive_set_error(a, EIO, "%s", src->stream->err.message);
		return -1;
	}
	*buf = src->buf;
	return n;
}

/* One walk: where it reads, what it keeps, and how much it may keep. */
struct walk {
	struct archive *a;
	const char *name;
	const struct kmend_want *want;
	size_t budget;    /* most bytes kept */
	bool image_bound; /* the budget is what the image's cap leaves, not the layer's cap */
	struct kmend_layer_findings *out;
	struct kmend_error *err;
};

/* Would keeping cost more bytes at path (replacing what is kept there) pass the budget? */
static int check_budget(struct walk *w, const char *path, size_t cost)
{
	size_t kept = w->out->kept, i;

	if (kmend_pathindex_get(&w->out->index, path, &i)) {
		const struct kmend_entry *e = &w->out->entries[i];
		kept -= kmend_entry_cost(e->path, e->target, e->len);
	}
	if (cost <= w->budget && kept <= w->budget - cost)
		return 0;
	kmend_error_set(w->err, -KMEND_E_TOO_LARGE, w->name, 0,
	                "the files kmend reads (package databases, OS files, their links) come "
	                "to more than %zu MB %s",
	                w->budget >> 20,
	                w->image_bound ? "with what the lower layers keep, over kmend's limit "
	                                 "per image"
	                               : "in this layer, over kmend's limit per layer");
	kmend_error_hint(w->err, "real images keep far less; this one repeats or inflates them "
	                         "(limits in lib/kmend_limits.h)");
	return -KMEND_E_TOO_LARGE;
}

/* Keep an entry, with the errors a person can act on. */
static int keep(struct walk *w, enum kmend_entry_kind kind, const char *path, const char *target,
                char *data, size_t len)
{
	int r = check_budget(w, path, kmend_entry_cost(path, target, len));

	if (r < 0) {
		free(data);
		return r;
	}
	r = findings_put(w->out, kind, path, target, data, len);
	if (r == -KMEND_E_TOO_LARGE)
		kmend_error_set(w->err, r, w->name, 0,
		                "more than %d package database files, links and whiteouts in one "
		                "layer, over kmend's limit",
		                KMEND_KEPT_MAX_ENTRIES);
	return r;
}

/* A later entry replaces the one kept at path: free its content before reading the new. */
static void drop_content(struct kmend_layer_findings *f, const char *path)
{
	struct kmend_entry *e;
	size_t i;

	if (!kmend_pathindex_get(&f->index, path, &i))
		return;
	e = &f->entries[i];
	f->kept -= kmend_entry_cost(e->path, e->target, e->len);
	free(e->data);
	e->data = NULL;
	e->len = 0;
	f->kept += kmend_entry_cost(e->path, e->target, e->len);
}

static int read_content(struct walk *w, const char *path, la_int64_t size, char **out)
{
	char *data;
	la_ssize_t n;
	int r;

	if (size < 0 || size > KMEND_PKGDB_MAX_SIZE)
		return kmend_error_set(w->err, -KMEND_E_TOO_LARGE, w->name, 0,
		                       "'%s' is %lld bytes, over kmend's limit of %ld", path,
		                       (long long)size, KMEND_PKGDB_MAX_SIZE);
	/* Checked before the bytes are read: memory never holds more than the budget. */
	if ((r = check_budget(w, path, kmend_entry_cost(path, NULL, (size_t)size))) < 0)
		return r;
	drop_content(w->out, path);
	if (!(data = malloc((size_t)size + 1)))
		return -ENOMEM;
	n = kmend_archive.archive_read_data(w->a, data, (size_t)size);
	if (n != size) {
		free(data);
		return kmend_error_set(
		    w->err, -KMEND_E_BAD_INPUT, w->name, 0, "cannot read '%s' from the layer: %s",
		    path, n < 0 ? kmend_archive.archive_error_string(w->a) : "short read");
	}
	data[size] = '\0';
	*out = data;
	return 0;
}

/*
 * Remember that the layer holds path, and its directory (for links to directories), and
 * whether path is a symlink (for links on the way to a path no read kept yet).
 */
static void note_seen(struct kmend_pathfilter *seen, char *path, bool symlink)
{
	char *slash = strrchr(path, '/');

	kmend_pathfilter_add(seen, path, KMEND_PATH_ANY);
	if (symlink)
		kmend_pathfilter_add(seen, path, KMEND_PATH_SYMLINK);
	if (slash) {
		*slash = '\0';
		kmend_pathfilter_add(seen, path, KMEND_PATH_ANY);
		*slash = '/';
	}
}

/* A hard link: a copy of what this layer kept at target, else a link to a lower layer. */
static int keep_hardlink(struct walk *w, const char *path, const char *raw, const char *hardlink)
{
	char target[KMEND_PATH_MAX], *data = NULL;
	const struct kmend_entry *t;
	size_t i;

	if (strlen(hardlink) >= sizeof(target))
		return kmend_error_set(w->err, -KMEND_E_BAD_INPUT, w->name, 0,
		                       "hard link target over %d bytes", KMEND_PATH_MAX);
	strcpy(target, hardlink);
	if (kmend_path_normalize(target) < 0)
		return kmend_error_set(w->err, -KMEND_E_BAD_INPUT, w->name, 0,
		                       "hard link '%.200s' points outside the image root", raw);
	if (!kmend_pathindex_get(&w->out->index, target, &i) ||
	    w->out->entries[i].kind == KMEND_ENTRY_DIR)
		return keep(w, KMEND_ENTRY_HARDLINK, path, target, NULL, 0);
	t = &w->out->entries[i];
	if (t->kind != KMEND_ENTRY_FILE)
		return keep(w, t->kind, path, t->target, NULL, 0);
	if (check_budget(w, path, kmend_entry_cost(path, NULL, t->len)) < 0)
		return -KMEND_E_TOO_LARGE;
	if (!(data = malloc(t->len + 1)))
		return -ENOMEM;
	memcpy(data, t->data, t->len + 1);
	return keep(w, KMEND_ENTRY_FILE, path, NULL, data, t->len);
}

/* Turn one tar entry into findings, if it matters. */
static int walk_entry(struct walk *w, struct archive_entry *ae)
{
	const char *raw = kmend_archive.archive_entry_pathname(ae),
	           *hardlink = kmend_archive.archive_entry_hardlink(ae), *symlink;
	char path[KMEND_PATH_MAX], *base, *data = NULL;
	int r;

	if (!raw || strlen(raw) >= sizeof(path))
		return kmend_error_set(w->err, -KMEND_E_BAD_INPUT, w->name, 0,
		                       "a tar entry with no name or a name over %d bytes",
		                       KMEND_PATH_MAX);
	strcpy(path, raw);
	if (kmend_path_normalize(path) < 0)
		return kmend_error_set(w->err, -KMEND_E_BAD_INPUT, w->name, 0,
		                       "tar entry '%.200s' escapes the image root", raw);
	if (!path[0])
		return 0;
	note_seen(w->out->seen, path,
	          !hardlink && kmend_archive.archive_entry_filetype(ae) == AE_IFLNK);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(base, ".wh.", 4) == 0) {
		/* Whiteouts name what they delete: ".wh.x" deletes x, ".wh..wh..opq" the lower dir.
		 */
		if (strcmp(base, ".wh..wh..opq") == 0) {
			base[base == path ? 0 : -1] = '\0';
			return kmend_want_below(w->want, path)
			           ? keep(w, KMEND_ENTRY_OPAQUE, path, NULL, NULL, 0)
			           : 0;
		}
		memmove(base, base + 4, strlen(base + 4) + 1);
		if (kmend_want_file(w->want, path) || kmend_want_below(w->want, path))
			return keep(w, KMEND_ENTRY_WHITEOUT, path, NULL, NULL, 0);
		return 0;
	}
	if (!kmend_want_file(w->want, path) && !kmend_want_below(w->want, path))
		return 0;
	if (hardlink)
		return keep_hardlink(w, path, raw, hardlink);
	switch (kmend_archive.archive_entry_filetype(ae)) {
	case AE_IFLNK:
		/* A symlink with an empty target points nowhere: nothing to follow. */
		symlink = kmend_archive.archive_entry_symlink(ae);
		if (!symlink || !symlink[0])
			return 0;
		return keep(w, KMEND_ENTRY_SYMLINK, path, symlink, NULL, 0);
	case AE_IFREG:
		if (!kmend_want_file(w->want, path))
			return 0;
		if (kmend_want_presence_only(w->want, path))
			return (data = strdup("")) ? keep(w, KMEND_ENTRY_FILE, path, NULL, data, 0)
			                           : -ENOMEM;
		if ((r = read_content(w, path, kmend_archive.archive_entry_size(ae), &data)) < 0)
			return r;
		return keep(w, KMEND_ENTRY_FILE, path, NULL, data,
		            (size_t)kmend_archive.archive_entry_size(ae));
	case AE_IFDIR:
		/* On the way to a wanted file: it replaces a link a lower layer had there. */
		return keep(w, KMEND_ENTRY_DIR, path, NULL, NULL, 0);
	default:
		/* Devices, fifos: nothing an analyzer reads. */
		return 0;
	}
}

int kmend_layer_walk(struct kmend_istream *tar, const char *name, const struct kmend_want *want,
                     size_t image_left, struct kmend_layer_findings *out, struct kmend_error *err)
{
	struct tar_source *src;
	struct archive_entry *ae;
	struct walk w = {
	    .name = name,
	    .want = want,
	    .budget = image_left < KMEND_LAYER_KEPT_MAX ? image_left : KMEND_LAYER_KEPT_MAX,
	    .image_bound = image_left < KMEND_LAYER_KEPT_MAX,
	    .out = out,
	    .err = err,
	};
	int r = kmend_archive_load(err), ar;

	if (r < 0)
		return r;
	if (!out->seen && !(out->seen = calloc(1, sizeof(*out->seen))))
		return -ENOMEM;
	src = malloc(sizeof(*src));
	w.a = kmend_archive.archive_read_new();
	if (!src || !w.a) {
		free(src);
		kmend_archive.archive_read_free(w.a);
		return -ENOMEM;
	}
	src->stream = tar;
	src->failed = 0;
	kmend_archive.archive_read_support_format_tar(w.a);
	kmend_archive.archive_read_support_format_gnutar(w.a);
	if (kmend_archive.archive_read_open(w.a, src, NULL, tar_source_read, NULL) != ARCHIVE_OK) {
		r = src->failed
		        ? (err ? (*err = tar->err, tar->err.code) : -EIO)
		        : kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "not a tar archive: %s",
		                          kmend_archive.archive_error_string(w.a));
		goto done;
	}
	while ((ar = kmend_archive.archive_read_next_header(w.a, &ae)) == ARCHIVE_OK ||
	       ar == ARCHIVE_WARN) {
		if ((r = walk_entry(&w, ae)) < 0)
			goto done;
	}
	if (ar != ARCHIVE_EOF) {
		if (src->failed) {
			if (err)
				*err = tar->err;
			r = tar->err.code ? tar->err.code : -EIO;
		} else {
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "corrupt layer: %s",
			                    kmend_archive.archive_error_string(w.a));
		}
		goto done;
	}
	/* What follows the tar's end marker must be read too: the digest covers it. */
	r = kmend_istream_drain(tar, err);
done:
	kmend_archive.archive_read_free(w.a);
	free(src);
	return r;
}
