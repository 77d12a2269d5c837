/*
 * .apk files (apk-tools 2): gzip members laid end to end, read as one tar stream: the
 * signature (.SIGN.*), the control part (.PKGINFO and the scripts: .pre-install,
 * .post-upgrade, .trigger...), then the files. The control entries are the top-level names
 * starting with '.'; the payload is everything after them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmend_limits.h"
#include "pkgfile.h"

/* Keep the control entries; stop at the first file of the payload. */
static int keep_control(void *ctx, const struct kmend_pkgfile_entry *e,
                        struct kmend_pkgfile_data *data, struct kmend_error *err)
{
	if (e->path[0] != '.')
		return 1; /* the payload begins */
	if (e->kind != KMEND_PKGFILE_FILE || strchr(e->path, '/') || !strncmp(e->path, ".SIGN.", 6))
		return 0;
	return kmend_pkgfile_keep_entry(ctx, e, data, err);
}

/* A "key = value" of .PKGINFO, copied (the first one); NULL when absent. */
static char *pkginfo_value(const struct kmend_pkgfile_member *m, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = m->data; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > n + 3 && !strncmp(p, key, n) && !strncmp(p + n, " = ", 3))
			return strndup(p + n + 3, len - n - 3);
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

static int apk_open(struct kmend_pkgfile *pf, struct kmend_error *err)
{
	const struct kmend_pkgfile_member *info;
	int r;

	/* A .apk begins with a gzip member; anything else is not one (libarchive would read a
	   plain tar as readily). */
	if (pf->len < 2 || pf->data[0] != 0x1f || pf->data[1] != 0x8b)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                       "not an .apk (no gzip member at its start)");
	r = kmend_pkgfile_walk_archive(pf->data, pf->len, pf->what, false, keep_control, pf, err);
	if (r < 0)
		return r;
	if (!(info = kmend_pkgfile_member(pf, ".PKGINFO")))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                       "an .apk without .PKGINFO");
	pf->name = pkginfo_value(info, "pkgname");
	pf->version = pkginfo_value(info, "pkgver");
	pf->arch = pkginfo_value(info, "arch");
	return 0;
}

static int apk_walk(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
                    struct kmend_error *err)
{
	return kmend_pkgfile_walk_archive(pf->data, pf->len, pf->what, true, fn, ctx, err);
}

const struct kmend_pkgfile_ops kmend_pkgfile_apk = {
    .format = "apk",
    .open = apk_open,
    .walk = apk_walk,
};
