/*
 * .deb files (deb(5)): an ar archive of debian-binary ("2.0"), control.tar[.gz|.xz|.zst]
 * and data.tar[.gz|.xz|.zst|.bz2]. The ar headers are read here (every size checked against
 * the file); the tars through libarchive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "kmend_limits.h"
#include "kvtext.h"
#include "pkgfile.h"

#define AR_MAGIC  "!<arch>\n"
#define AR_HEADER 60

/* Where data.tar lies in the file. */
struct deb_state {
	size_t data_off, data_len;
};

/* One ar member: its name (trailing '/' and blanks dropped), where its bytes are. */
struct ar_member {
	char name[17];
	size_t off, len;
};

/* The member at *pos (advanced past it): 1, 0 at the end, <0 for a malformed archive. */
static int ar_next(const struct kmend_pkgfile *pf, size_t *pos, struct ar_member *m,
                   struct kmend_error *err)
{
	const char *h = (const char *)pf->data + *pos;
	char size[11];
	unsigned long long n = 0;

	if (*pos == pf->len)
		return 0;
	if (pf->len - *pos < AR_HEADER || h[58] != '`' || h[59] != '\n')
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, (long)*pos + 1,
		                       "a truncated or malformed ar member header");
	memcpy(m->name, h, 16);
	m->name[16] = '\0';
	for (int i = 15; i >= 0 && (m->name[i] == ' ' || m->name[i] == '/'); i--)
		m->name[i] = '\0';
	memcpy(size, h + 48, 10);
	size[10] = '\0';
	for (int i = 0; i < 10 && size[i] != ' '; i++) {
		if (size[i] < '0' || size[i] > '9')
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, (long)*pos + 49,
			                       "an ar member size that is not a number");
		n = n * 10 + (unsigned)(size[i] - '0');
	}
	*pos += AR_HEADER;
	if (n > pf->len - *pos)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, (long)*pos,
		                       "the member %s runs past the end of the file", m->name);
	m->off = *pos;
	m->len = (size_t)n;
	*pos += (size_t)n + (n & 1 && *pos + n < pf->len); /* members are 2-byte aligned */
	return 1;
}

/* Is name "base" or "base.EXT" with a compression dpkg writes? */
static bool tar_member(const char *name, const char *base)
{
	size_t n = strlen(base);
	static const char *const ext[] = {"", ".gz", ".xz", ".zst", ".bz2", ".lzma", NULL};

	if (strncmp(name, base, n))
		return false;
	for (size_t i = 0; ext[i]; i++)
		if (!strcmp(name + n, ext[i]))
			return true;
	return false;
}

/* Keep each regular file at the top of control.tar as a member. */
static int keep_control(void *ctx, const struct kmend_pkgfile_entry *e,
                        struct kmend_pkgfile_data *data, struct kmend_error *err)
{
	if (e->kind != KMEND_PKGFILE_FILE || !e->path[0] || strchr(e->path, '/'))
		return 0;
	return kmend_pkgfile_keep_entry(ctx, e, data, err);
}

/* A field of the control file, copied; NULL when absent. */
static char *control_field(const struct kmend_pkgfile_member *control, const char *key)
{
	struct kvtext_reader r;
	enum kvtext_item it;

	kvtext_init(&r, control->data, control->len);
	while ((it = kvtext_next(&r)) != KVTEXT_END && it != KVTEXT_END_RECORD)
		if (it == KVTEXT_FIELD && kmend_span_eq(r.key, key))
			return kmend_span_dup(r.value);
	return NULL;
}

static int deb_open(struct kmend_pkgfile *pf, struct kmend_error *err)
{
	struct deb_state *st;
	struct ar_member m;
	const struct kmend_pkgfile_member *control;
	size_t pos = 8;
	bool have_control = false, have_data = false;
	int r, index = 0;

	if (pf->len < 8 || memcmp(pf->data, AR_MAGIC, 8))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                       "not a .deb (no ar archive header)");
	if (!(st = pf->state = calloc(1, sizeof(*st))))
		return -ENOMEM;
	while ((r = ar_next(pf, &pos, &m, err)) == 1) {
		if (index++ == 0) {
			if (strcmp(m.name, "debian-binary") || m.len < 4 ||
			    memcmp(pf->data + m.off, "2.", 2))
				return kmend_error_set(
				    err, -KMEND_E_UNSUPPORTED, pf->what, 0,
				    "not a .deb of format 2.x (debian-binary first)");
			continue;
		}
		if (tar_member(m.name, "control.tar") && !have_control) {
			have_control = true;
			if ((r = kmend_pkgfile_walk_archive(pf->data + m.off, m.len, pf->what,
			                                    false, keep_control, pf, err)) < 0)
				return r;
		} else if (tar_member(m.name, "data.tar") && !have_data) {
			have_data = true;
			st->data_off = m.off;
			st->data_len = m.len;
		}
	}
	if (r < 0)
		return r;
	if (!have_control || !have_data || !(control = kmend_pkgfile_member(pf, "control")))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0, "a .deb without %s",
		                       !have_data ? "data.tar"
		                                  : "control.tar and its control file");
	pf->name = control_field(control, "Package");
	pf->version = control_field(control, "Version");
	pf->arch = control_field(control, "Architecture");
	return 0;
}

static int deb_walk(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
                    struct kmend_error *err)
{
	const struct deb_state *st = pf->state;

	return kmend_pkgfile_walk_archive(pf->data + st->data_off, st->data_len, pf->what, false,
	                                  fn, ctx, err);
}

static void deb_free(struct kmend_pkgfile *pf)
{
	free(pf->state);
	pf->state = NULL;
}

const struct kmend_pkgfile_ops kmend_pkgfile_deb = {
    .format = "deb",
    .open = deb_open,
    .walk = deb_walk,
    .free = deb_free,
};
