/* What the package file readers share: members, the front calls, a libarchive payload walk. */
#include "pkgfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dynlib.h"
#include "kmend_limits.h"
#include "layer.h"

struct kmend_pkgfile_data {
	struct archive *a;
	const char *what;
};

ssize_t kmend_pkgfile_read(struct kmend_pkgfile_data *d, void *buf, size_t n,
                           struct kmend_error *err)
{
	la_ssize_t r = kmend_archive.archive_read_data(d->a, buf, n);

	if (r < 0)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, d->what, 0, "corrupt payload: %s",
		                       kmend_archive.archive_error_string(d->a));
	return r;
}

int kmend_pkgfile_open(const struct kmend_pkgfile_ops *ops, const void *data, size_t len,
                       const char *what, struct kmend_pkgfile *pf, struct kmend_error *err)
{
	int r;

	memset(pf, 0, sizeof(*pf));
	pf->ops = ops;
	pf->data = data;
	pf->len = len;
	snprintf(pf->what, sizeof(pf->what), "%s", what);
	if ((r = kmend_archive_load(err)) < 0)
		return r;
	if ((r = ops->open(pf, err)) < 0) {
		kmend_pkgfile_free(pf);
		return r;
	}
	if (!pf->name || !pf->version) {
		kmend_pkgfile_free(pf);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
		                       "the package names no package or version");
	}
	return 0;
}

int kmend_pkgfile_walk(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
                       struct kmend_error *err)
{
	return pf->ops->walk(pf, fn, ctx, err);
}

const struct kmend_pkgfile_member *kmend_pkgfile_member(const struct kmend_pkgfile *pf,
                                                        const char *name)
{
	for (size_t i = 0; i < pf->nmembers; i++)
		if (!strcmp(pf->members[i].name, name))
			return &pf->members[i];
	return NULL;
}

int kmend_pkgfile_add_member(struct kmend_pkgfile *pf, const char *name, const char *data,
                             size_t len, struct kmend_error *err)
{
	struct kmend_pkgfile_member *m;

	if (pf->nmembers == KMEND_PKGFILE_MAX_MEMBERS || len > KMEND_PKGDB_MAX_SIZE)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, pf->what, 0,
		                       "the control part is over kmend's limits (%d members of %ld "
		                       "bytes)",
		                       KMEND_PKGFILE_MAX_MEMBERS, (long)KMEND_PKGDB_MAX_SIZE);
	if (kmend_array_grow(&pf->members, &pf->members_capacity, pf->nmembers,
	                     sizeof(*pf->members)) < 0)
		return -ENOMEM;
	m = &pf->members[pf->nmembers];
	if (!(m->name = strdup(name)) || !(m->data = malloc(len + 1))) {
		free(m->name);
		return -ENOMEM;
	}
	memcpy(m->data, data, len);
	m->data[len] = '\0';
	m->len = len;
	pf->nmembers++;
	return 0;
}

int kmend_pkgfile_keep_entry(struct kmend_pkgfile *pf, const struct kmend_pkgfile_entry *e,
                             struct kmend_pkgfile_data *data, struct kmend_error *err)
{
	char *buf;
	ssize_t n;
	size_t got = 0;
	int r;

	if (e->size > KMEND_PKGDB_MAX_SIZE)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, pf->what, 0,
		                       "the control member %s is over %ld bytes", e->path,
		                       (long)KMEND_PKGDB_MAX_SIZE);
	if (!(buf = malloc(e->size + 1)))
		return -ENOMEM;
	while (got < e->size && (n = kmend_pkgfile_read(data, buf + got, e->size - got, err)) > 0)
		got += (size_t)n;
	if (got < e->size) {
		free(buf);
		return err && err->code
		           ? err->code
		           : kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                             "the control member %s is cut short", e->path);
	}
	r = kmend_pkgfile_add_member(pf, e->path, buf, got, err);
	free(buf);
	return r;
}

void kmend_pkgfile_free(struct kmend_pkgfile *pf)
{
	if (!pf)
		return;
	if (pf->ops && pf->ops->free)
		pf->ops->free(pf);
	for (size_t i = 0; i < pf->nmembers; i++) {
		free(pf->members[i].name);
		free(pf->members[i].data);
	}
	free(pf->members);
	free(pf->name);
	free(pf->version);
	free(pf->arch);
	memset(pf, 0, sizeof(*pf));
}

/* The entry's kind, or -1 for one a package has no business shipping (devices, fifos). */
static int entry_kind(struct archive_entry *ae)
{
	if (kmend_archive.archive_entry_hardlink(ae))
		return KMEND_PKGFILE_HARDLINK;
	switch (kmend_archive.archive_entry_filetype(ae)) {
	case AE_IFREG: return KMEND_PKGFILE_FILE;
	case AE_IFDIR: return KMEND_PKGFILE_DIR;
	case AE_IFLNK: return KMEND_PKGFILE_SYMLINK;
	default: return -1;
	}
}

int kmend_pkgfile_walk_archive(const void *data, size_t len, const char *what, bool skip_dot,
                               kmend_pkgfile_fn fn, void *ctx, struct kmend_error *err)
{
	struct archive *a = kmend_archive.archive_read_new();
	struct kmend_pkgfile_data d = {.a = a, .what = what};
	struct archive_entry *ae;
	size_t count = 0;
	int r = 0, ar = ARCHIVE_EOF;

	if (!a)
		return -ENOMEM;
	kmend_archive.archive_read_support_filter_all(a);
	kmend_archive.archive_read_support_format_tar(a);
	kmend_archive.archive_read_support_format_gnutar(a);
	kmend_archive.archive_read_support_format_cpio(a);
	if (kmend_archive.archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0, "not an archive: %s",
		                    kmend_archive.archive_error_string(a));
		goto done;
	}
	while (r == 0 && (ar = kmend_archive.archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		char path[KMEND_PATH_MAX + 2], target[KMEND_PATH_MAX + 2];
		const char *name = kmend_archive.archive_entry_pathname(ae);
		const char *link;
		struct kmend_pkgfile_entry e = {0};
		int kind = entry_kind(ae);

		if (++count > KMEND_TAR_MAX_MEMBERS) {
			r = kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
			                    "more than %d entries", KMEND_TAR_MAX_MEMBERS);
			break;
		}
		if (!name || strlen(name) > KMEND_PATH_MAX) {
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
			                    "an entry without a name, or one over %d bytes",
			                    KMEND_PATH_MAX);
			break;
		}
		snprintf(path, sizeof(path), "%s", name);
		if (kmend_path_normalize(path) < 0) {
			char q[200];
			kmend_error_quote(q, sizeof(q), name, strlen(name));
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
			                    "the entry %s climbs out of the root", q);
			break;
		}
		if (skip_dot && path[0] == '.')
			continue;
		if (kind < 0) {
			char q[200];
			kmend_error_quote(q, sizeof(q), name, strlen(name));
			r = kmend_error_set(
			    err, -KMEND_E_UNSUPPORTED, what, 0,
			    "the entry %s is a device, fifo or socket: kmend patches "
			    "files, directories and links only",
			    q);
			break;
		}
		e.kind = (enum kmend_pkgfile_kind)kind;
		e.path = path;
		if (kind == KMEND_PKGFILE_HARDLINK) {
			link = kmend_archive.archive_entry_hardlink(ae);
			snprintf(target, sizeof(target), "%s", link);
			if (strlen(link) > KMEND_PATH_MAX || kmend_path_normalize(target) < 0) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
				                    "a hard link to a path outside the root");
				break;
			}
			e.target = target;
		} else if (kind == KMEND_PKGFILE_SYMLINK) {
			link = kmend_archive.archive_entry_symlink(ae);
			if (!link || !link[0] || strlen(link) > KMEND_PATH_MAX) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
				                    "a symbolic link without a target, or with one "
				                    "over %d bytes",
				                    KMEND_PATH_MAX);
				break;
			}
			e.target = link;
		}
		e.perm = kmend_archive.archive_entry_perm(ae) & 07777;
		e.uid = kmend_archive.archive_entry_uid(ae);
		e.gid = kmend_archive.archive_entry_gid(ae);
		e.uname = kmend_archive.archive_entry_uname(ae);
		e.gname = kmend_archive.archive_entry_gname(ae);
		e.mtime = kmend_archive.archive_entry_mtime(ae);
		e.size =
		    kind == KMEND_PKGFILE_FILE ? (uint64_t)kmend_archive.archive_entry_size(ae) : 0;
		r = fn(ctx, &e, &d, err);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0, "corrupt or truncated: %s",
		                    kmend_archive.archive_error_string(a));
done:
	kmend_archive.archive_read_free(a);
	return r;
}
