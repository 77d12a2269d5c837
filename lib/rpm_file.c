/*
 * .rpm files: a 96-byte lead, the signature header (padded to 8 bytes), the main header, and
 * the payload (a cpio archive, compressed as the header says). The headers' sizes are read
 * here, every one checked against the file; the main header goes to librpm (headerImport) for
 * the name, version and scripts; the payload to libarchive.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "kmend_limits.h"
#include "pkgfile.h"

#define LEAD_SIZE 96

static const unsigned char lead_magic[] = {0xed, 0xab, 0xee, 0xdb};
static const unsigned char header_magic[] = {0x8e, 0xad, 0xe8, 0x01};

struct rpm_state {
	size_t payload;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The header structure at off: its blob (from the index count on) and the size of the whole. */
static int header_at(const struct kmend_pkgfile *pf, size_t off, const char *which, size_t *blob,
                     size_t *bloblen, size_t *total, struct kmend_error *err)
{
	uint64_t il, dl, n;

	if (pf->len < off || pf->len - off < 16 || memcmp(pf->data + off, header_magic, 4))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, (long)off + 1,
		                       "no %s header where one must be", which);
	il = be32(pf->data + off + 8);
	dl = be32(pf->data + off + 12);
	/* librpm's own caps: at most 0xffff entries and 256 MiB of data. */
	if (il > 0xffff || dl > 0x0fffffff)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, pf->what, (long)off + 1,
		                       "the %s header claims %llu entries and %llu bytes", which,
		                       (unsigned long long)il, (unsigned long long)dl);
	n = 16 + 16 * il + dl;
	if (n > pf->len - off)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, (long)off + 1,
		                       "the %s header runs past the end of the file", which);
	*blob = off + 8;
	*bloblen = (size_t)(n - 8);
	*total = (size_t)n;
	return 0;
}

/* The EVR as repositories write it: the epoch only when it is not 0. */
static char *evr(Header h)
{
	const char *v = kmend_rpm.headerGetString(h, RPMTAG_VERSION);
	const char *r = kmend_rpm.headerGetString(h, RPMTAG_RELEASE);
	uint64_t e = kmend_rpm.headerGetNumber(h, RPMTAG_EPOCH);
	char *s = NULL;

	if (!v || !r)
		return NULL;
	if ((e ? asprintf(&s, "%llu:%s-%s", (unsigned long long)e, v, r)
	       : asprintf(&s, "%s-%s", v, r)) < 0)
		return NULL;
	return s;
}

/*
 * A scriptlet as a member the patch reviews: its body for a shell, its interpreter alone when
 * there is no body (/sbin/ldconfig), or the interpreter named before the body otherwise.
 */
static int add_script(struct kmend_pkgfile *pf, Header h, const char *name, rpmTagVal body_tag,
                      rpmTagVal prog_tag, struct kmend_error *err)
{
	const char *body = kmend_rpm.headerGetString(h, body_tag);
	const char *prog = kmend_rpm.headerGetString(h, prog_tag);
	bool shell = !prog || !strcmp(prog, "/bin/sh") || !strcmp(prog, "/usr/bin/sh") ||
	             !strcmp(prog, "/bin/bash");
	char *text = NULL;
	int r;

	if (!body && !prog)
		return 0;
	if (shell)
		text = strdup(body ? body : "");
	else if (asprintf(&text, "%s%s%s", prog, body ? "\n" : "", body ? body : "") < 0)
		text = NULL;
	if (!text)
		return -ENOMEM;
	r = kmend_pkgfile_add_member(pf, name, text, strlen(text), err);
	free(text);
	return r;
}

static int rpm_open(struct kmend_pkgfile *pf, struct kmend_error *err)
{
	static const struct {
		const char *name;
		rpmTagVal body, prog;
	} scripts[] = {
	    {"%pretrans", RPMTAG_PRETRANS, RPMTAG_PRETRANSPROG},
	    {"%pre", RPMTAG_PREIN, RPMTAG_PREINPROG},
	    {"%post", RPMTAG_POSTIN, RPMTAG_POSTINPROG},
	    {"%preun", RPMTAG_PREUN, RPMTAG_PREUNPROG},
	    {"%postun", RPMTAG_POSTUN, RPMTAG_POSTUNPROG},
	    {"%posttrans", RPMTAG_POSTTRANS, RPMTAG_POSTTRANSPROG},
	};
	struct rpm_state *st;
	size_t blob, bloblen, total, off;
	Header h;
	int r;

	if (pf->len < LEAD_SIZE || memcmp(pf->data, lead_magic, 4))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                       "not an .rpm (no lead at its start)");
	if ((r = kmend_rpm_load(err)) < 0)
		return r;
	if ((r = header_at(pf, LEAD_SIZE, "signature", &blob, &bloblen, &total, err)) < 0)
		return r;
	off = LEAD_SIZE + ((total + 7) & ~(size_t)7);
	if ((r = header_at(pf, off, "main", &blob, &bloblen, &total, err)) < 0)
		return r;
	if (!(st = pf->state = calloc(1, sizeof(*st))))
		return -ENOMEM;
	st->payload = off + total;
	/* HEADERIMPORT_COPY: librpm checks the blob and keeps its own copy. */
	if (!(h = kmend_rpm.headerImport((void *)(pf->data + blob), (unsigned)bloblen,
	                                 HEADERIMPORT_COPY)))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pf->what, 0,
		                       "a package header librpm rejects");
	pf->name = kmend_rpm.headerGetString(h, RPMTAG_NAME)
	               ? strdup(kmend_rpm.headerGetString(h, RPMTAG_NAME))
	               : NULL;
	pf->version = evr(h);
	pf->arch = kmend_rpm.headerGetString(h, RPMTAG_ARCH)
	               ? strdup(kmend_rpm.headerGetString(h, RPMTAG_ARCH))
	               : NULL;
	for (size_t i = 0; r == 0 && i < sizeof(scripts) / sizeof(scripts[0]); i++)
		r = add_script(pf, h, scripts[i].name, scripts[i].body, scripts[i].prog, err);
	/* Triggers run on other packages' changes: a member saying there are some. */
	if (r == 0 && (kmend_rpm.headerIsEntry(h, RPMTAG_TRIGGERSCRIPTS) ||
	               kmend_rpm.headerIsEntry(h, RPMTAG_FILETRIGGERSCRIPTS) ||
	               kmend_rpm.headerIsEntry(h, RPMTAG_TRANSFILETRIGGERSCRIPTS)))
		r = kmend_pkgfile_add_member(pf, "%triggers", "", 0, err);
	kmend_rpm.headerFree(h);
	return r;
}

static int rpm_walk(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
                    struct kmend_error *err)
{
	const struct rpm_state *st = pf->state;

	return kmend_pkgfile_walk_archive(pf->data + st->payload, pf->len - st->payload, pf->what,
	                                  false, fn, ctx, err);
}

static void rpm_free(struct kmend_pkgfile *pf)
{
	free(pf->state);
	pf->state = NULL;
}

const struct kmend_pkgfile_ops kmend_pkgfile_rpm = {
    .format = "rpm",
    .open = rpm_open,
    .walk = rpm_walk,
    .free = rpm_free,
};
