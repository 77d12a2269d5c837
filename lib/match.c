/* The matcher: advisories by (ecosystem, package), versions compared by the package's scheme. */
#include "match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "distro.h"
#include "version.h"

static const struct kmend_version_scheme *scheme_of(enum kmend_package_type t)
{
	return t == KMEND_PKG_DEB   ? &kmend_version_deb
	       : t == KMEND_PKG_RPM ? &kmend_version_rpm
	                            : &kmend_version_apk;
}

struct match_ctx {
	const struct kmend_package *pkg;
	const char *installed;
	struct kmend_findings *out;
	int failed;
};

static int on_advisory(const struct kmend_advisory *a, const char *source, void *p)
{
	struct match_ctx *c = p;
	struct kmend_finding *f;
	int r = -1;

	if (a->fixed) {
		if (scheme_of(c->pkg->type)
		        ->compare(c->installed, strlen(c->installed), a->fixed, strlen(a->fixed),
		                  &r, NULL) < 0)
			return 0; /* an invalid version on either side cannot be decided */
		if (r >= 0)
			return 0;
	}
	if (kmend_array_grow(&c->out->items, &c->out->capacity, c->out->count,
	                     sizeof(*c->out->items)) < 0)
		return -ENOMEM;
	f = &c->out->items[c->out->count];
	memset(f, 0, sizeof(*f));
	f->id = kmend_strdup_or_null(a->id, &c->failed);
	f->aliases = kmend_strdup_or_null(a->aliases, &c->failed);
	f->package = kmend_strdup_or_null(c->pkg->name, &c->failed);
	f->source = kmend_strdup_or_null(c->pkg->source, &c->failed);
	f->installed = kmend_strdup_or_null(c->installed, &c->failed);
	f->fixed = kmend_strdup_or_null(a->fixed, &c->failed);
	f->severity = kmend_strdup_or_null(a->severity, &c->failed);
	f->data_source = kmend_strdup_or_null(source, &c->failed);
	c->out->count++;
	return c->failed ? -ENOMEM : 0;
}

/*
 * The package's findings are out->items[first..]: the version that fixes all of
 * the fixable ones is the greatest of their fixed versions.
 */
static int set_fixed_in(struct kmend_findings *out, size_t first,
                        const struct kmend_version_scheme *scheme)
{
	const char *best = NULL;

	for (size_t i = first; i < out->count; i++) {
		const char *f = out->items[i].fixed;
		int r;
		if (f &&
		    (!best ||
		     (scheme->compare(f, strlen(f), best, strlen(best), &r, NULL) == 0 && r > 0)))
			best = f;
	}
	for (size_t i = first; best && i < out->count; i++)
		if (!(out->items[i].fixed_in = strdup(best)))
			return -ENOMEM;
	return 0;
}

static int finding_order(const void *pa, const void *pb)
{
	const struct kmend_finding *a = pa, *b = pb;
	int r = strcmp(a->package, b->package);

	return r ? r : strcmp(a->id, b->id);
}

int kmend_match(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                struct kmend_findings *out, struct kmend_error *err)
{
	char ecosystem[96];
	int r;

	memset(out, 0, sizeof(*out));
	if (!inv->os_found ||
	    kmend_distro_ecosystem(&inv->os, NULL, ecosystem, sizeof(ecosystem)) < 0)
		return 0;
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		/* Debian and Ubuntu publish per source package, on source versions; Alpine's
		   secdb per origin package (libcrypto3 is openssl's), whose version is the
		   binary's own. */
		int by_source = p->type == KMEND_PKG_DEB;
		int by_origin = p->type == KMEND_PKG_APK;
		struct match_ctx c = {
		    .pkg = p,
		    .installed = by_source ? p->source_version : p->version,
		    .out = out,
		};
		const char *key = by_source || by_origin ? p->source : p->name;

		size_t first = out->count;

		if ((r = kmend_vulndb_lookup(db, ecosystem, key, on_advisory, &c, err)) < 0 ||
		    (r = set_fixed_in(out, first, scheme_of(p->type))) < 0) {
			kmend_findings_free(out);
			return r;
		}
	}
	if (out->count > 1)
		qsort(out->items, out->count, sizeof(out->items[0]), finding_order);
	return 0;
}

void kmend_findings_free(struct kmend_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		struct kmend_finding *x = &f->items[i];
		free(x->id);
		free(x->aliases);
		free(x->package);
		free(x->source);
		free(x->installed);
		free(x->source_version);
		free(x->status);
		free(x->fixed);
		free(x->severity);
		free(x->data_source);
		free(x->fixed_in);
		free(x->title);
		free(x->link);
	}
	free(f->items);
	kmend_warnings_free(&f->warnings);
	memset(f, 0, sizeof(*f));
}
