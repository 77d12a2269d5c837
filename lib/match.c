/* The matcher: advisories by (ecosystem, package), versions compared by the package's scheme. */
#include "match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "distro.h"
#include "feed_catalog.h"
#include "version.h"

static const struct kmend_version_scheme *scheme_of(enum kmend_package_type t)
{
	return kmend_version_scheme_find(kmend_package_type_name(t));
}

struct match_ctx {
	const struct kmend_package *pkg;
	const struct kmend_version_scheme *scheme;
	const char *compared; /* the version advisories are compared with */
	struct kmend_findings *out;
	int failed;
};

static int on_advisory(const struct kmend_advisory *a, const char *source, void *p)
{
	struct match_ctx *c = p;
	struct kmend_finding *f;
	struct kmend_error verr;
	int r = -1;

	if (a->fixed) {
		if (c->scheme->compare(c->compared, strlen(c->compared), a->fixed, strlen(a->fixed),
		                       &r, &verr) < 0) {
			/* Either version unreadable: nothing can be decided; say so, once. */
			if (c->out->unreadable++ == 0 &&
			    kmend_warn(&c->out->warnings, "unreadable-version",
			               "%s %s: advisory %s was left out, its versions cannot be "
			               "compared: %s",
			               c->pkg->name, c->compared, a->id, verr.message) < 0)
				return -ENOMEM;
			return 0;
		}
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
	f->installed = kmend_strdup_or_null(c->pkg->version, &c->failed);
	if (c->pkg->type != KMEND_PKG_RPM)
		f->source_version = kmend_strdup_or_null(c->pkg->source_version, &c->failed);
	f->status = kmend_strdup_or_null(a->fixed ? NULL : a->status, &c->failed);
	f->fixed = kmend_strdup_or_null(a->fixed, &c->failed);
	f->severity = kmend_strdup_or_null(a->severity, &c->failed);
	f->title = kmend_strdup_or_null(a->title, &c->failed);
	f->link = kmend_strdup_or_null(a->link, &c->failed);
	f->data_source = kmend_strdup_or_null(source, &c->failed);
	c->out->count++;
	return c->failed ? -ENOMEM : 0;
}

/* ---- One vulnerability from several feeds: keep the most specific record. ---- */

/* One identity of a finding: a CVE id it names (its id or an alias), else its own id. */
struct identity {
	const char *name;
	size_t len;
	size_t finding, rank; /* rank: 0 is the best record of all */
};

/* A finding's claim to be the record kept: fewer identities, then a CVE id, then by id. */
struct candidate {
	size_t breadth;
	int not_cve;
	const char *id, *data_source;
	size_t finding;
};

static int candidate_order(const void *pa, const void *pb)
{
	const struct candidate *a = pa, *b = pb;
	int r;

	if (a->breadth != b->breadth)
		return a->breadth < b->breadth ? -1 : 1;
	if (a->not_cve != b->not_cve)
		return a->not_cve - b->not_cve;
	if ((r = strcmp(a->id, b->id)) != 0)
		return r;
	return strcmp(a->data_source, b->data_source);
}

static int identity_order(const void *pa, const void *pb)
{
	const struct identity *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->name, b->name, n);

	if (r || a->len != b->len)
		return r ? r : (a->len < b->len ? -1 : 1);
	return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static bool same_name(const struct identity *a, const struct identity *b)
{
	return a->len == b->len && !memcmp(a->name, b->name, a->len);
}

/* Append the identities of finding i to *ids: its CVE ids, or its id when it names none. */
static int identities(const struct kmend_finding *f, size_t i, struct identity **ids, size_t *count,
                      size_t *cap, size_t *added)
{
	const char *lists[2] = {f->id, f->aliases ? f->aliases : ""};

	*added = 0;
	for (size_t l = 0; l < 2; l++)
		for (const char *p = lists[l]; *p; p += strspn(p, " ")) {
			size_t len = strcspn(p, " ");
			if (!strncmp(p, "CVE-", 4)) {
				if (kmend_array_grow(ids, cap, *count, sizeof(**ids)) < 0)
					return -ENOMEM;
				(*ids)[(*count)++] =
				    (struct identity){.name = p, .len = len, .finding = i};
				(*added)++;
			}
			p += len;
		}
	if (*added == 0) {
		if (kmend_array_grow(ids, cap, *count, sizeof(**ids)) < 0)
			return -ENOMEM;
		(*ids)[(*count)++] =
		    (struct identity){.name = f->id, .len = strlen(f->id), .finding = i};
		*added = 1;
	}
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list ? list : ""; *p; p += strspn(p, " ")) {
		size_t len = strcspn(p, " ");
		if (len == n && !strncmp(p, word, n))
			return true;
		p += len;
	}
	return false;
}

/* Fold dropped finding d into kept finding k: its id becomes an alias; k keeps its data. */
static int fold(struct kmend_finding *k, struct kmend_finding *d)
{
	char *both;

	if (strcmp(k->id, d->id) && !has_word(k->aliases, d->id)) {
		size_t n = (k->aliases ? strlen(k->aliases) + 1 : 0) + strlen(d->id) + 1;
		if (!(both = malloc(n)))
			return -ENOMEM;
		snprintf(both, n, "%s%s%s", k->aliases ? k->aliases : "", k->aliases ? " " : "",
		         d->id);
		free(k->aliases);
		k->aliases = both;
	}
	/* What the kept record lacks, the other may have. */
	if (!k->fixed && !k->status && !d->fixed)
		k->status = TAKE_PTR(d->status);
	if (!k->title)
		k->title = TAKE_PTR(d->title);
	if (!k->link)
		k->link = TAKE_PTR(d->link);
	return 0;
}

static void finding_free(struct kmend_finding *x)
{
	free(x->id);
	free(x->aliases);
	free(x->package);
	free(x->source);
	free(x->installed);
	free(x->source_version);
	free(x->status);
	free(x->fixed);
	free(x->severity);
	free(x->title);
	free(x->link);
	free(x->data_source);
	free(x->fixed_in);
}

#define NOT_FOLDED ((size_t)-1)

/*
 * The package's findings are out->items[first..]: each identity (CVE) is kept by its best
 * record; a record that is best for none of its identities is folded into the best record
 * of its first identity, and removed. Decided first, applied after: the identities point
 * into the findings' strings.
 */
static int dedup(struct kmend_findings *out, size_t first)
{
	size_t n = out->count - first, count = 0, cap = 0, k;
	struct kmend_finding *items = out->items + first;
	_cleanup_free_ struct identity *ids = NULL;
	_cleanup_free_ struct candidate *cands = NULL;
	_cleanup_free_ size_t *rank = NULL, *best_for = NULL, *into = NULL;
	int r;

	if (n < 2)
		return 0;
	if (!(cands = calloc(n, sizeof(*cands))) || !(rank = calloc(n, sizeof(*rank))) ||
	    !(best_for = calloc(n, sizeof(*best_for))) || !(into = calloc(n, sizeof(*into))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = identities(&items[i], i, &ids, &count, &cap, &cands[i].breadth)) < 0)
			return r;
		cands[i].not_cve = strncmp(items[i].id, "CVE-", 4) != 0;
		cands[i].id = items[i].id;
		cands[i].data_source = items[i].data_source ? items[i].data_source : "";
		cands[i].finding = i;
		into[i] = NOT_FOLDED;
	}
	qsort(cands, n, sizeof(*cands), candidate_order);
	for (size_t i = 0; i < n; i++)
		rank[cands[i].finding] = i;
	for (size_t i = 0; i < count; i++)
		ids[i].rank = rank[ids[i].finding];
	qsort(ids, count, sizeof(*ids), identity_order);
	/* The first of each run of one name is that identity's best record. */
	for (size_t i = 0, run = 0; i < count; i++) {
		if (i == 0 || !same_name(&ids[i], &ids[i - 1]))
			best_for[ids[run = i].finding]++;
		else if (!best_for[ids[i].finding] && into[ids[i].finding] == NOT_FOLDED)
			into[ids[i].finding] = ids[run].finding;
	}
	/* A record best for some identity may have been marked before its own run came. */
	for (size_t i = 0; i < n; i++) {
		if (best_for[i] || into[i] == NOT_FOLDED)
			continue;
		if ((r = fold(&items[into[i]], &items[i])) < 0)
			return r;
	}
	for (size_t i = k = 0; i < n; i++) {
		if (!best_for[i] && into[i] != NOT_FOLDED)
			finding_free(&items[i]);
		else
			items[k++] = items[i];
	}
	out->count = first + k;
	return 0;
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

/* Why the store cannot answer for this OS, as warnings naming what to import. */
static int warn_coverage(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                         const struct kmend_distro *d, struct kmend_findings *out,
                         struct kmend_error *err)
{
	char feeds[512], os[160];
	int r;

	if ((r = kmend_vulndb_has(db, NULL, err)) < 0)
		return r;
	if (r == 0)
		return kmend_warn(
		    &out->warnings, "empty-store",
		    "the vulnerability store holds no advisories, so no finding can "
		    "be reported: run 'kmend db update' to fetch the published feeds, "
		    "or 'kmend db import FILE...' offline");
	if ((r = kmend_vulndb_has(db, out->ecosystem, err)) < 0)
		return r;
	if (r == 1)
		return 0;
	/* "Debian 11", "Debian bookworm", "Debian" (sid has neither). */
	snprintf(os, sizeof(os), "%s%s%s", d->name,
	         inv->os.version_id[0] || inv->os.codename[0] ? " " : "",
	         inv->os.version_id[0] ? inv->os.version_id : inv->os.codename);
	kmend_feed_catalog_for(out->ecosystem, feeds, sizeof(feeds));
	if (feeds[0])
		return kmend_warn(
		    &out->warnings, "no-advisories",
		    "no advisories for %s (%s) in the store: run 'kmend db update', or "
		    "import %s with 'kmend db import FILE'",
		    out->ecosystem, os, feeds);
	return kmend_warn(&out->warnings, "no-advisories",
	                  "no advisories for %s (%s) in the store, and kmend's default feeds do "
	                  "not publish them: import the distribution's own advisories with "
	                  "'kmend db import FILE' (docs/scan.md lists the formats)",
	                  out->ecosystem, os);
}

int kmend_match(struct kmend_vulndb *db, const struct kmend_inventory *inv,
                struct kmend_findings *out, struct kmend_error *err)
{
	const struct kmend_distro *d;
	int r;

	memset(out, 0, sizeof(*out));
	if (!inv->os_found)
		return 0;
	if (kmend_distro_ecosystem(&inv->os, &d, out->ecosystem, sizeof(out->ecosystem)) < 0) {
		out->ecosystem[0] = '\0';
		r = kmend_warn(&out->warnings, "unsupported-distribution",
		               "%s %s: kmend has no advisories for this distribution; its packages "
		               "were not checked",
		               inv->os.id, inv->os.version_id);
		return r < 0 ? r : 0;
	}
	if (strcmp(d->ecosystem, d->id))
		snprintf(out->ecosystem_note, sizeof(out->ecosystem_note),
		         "%s matched with %s's advisories", d->name,
		         kmend_distro_by_ecosystem(out->ecosystem)->name);
	if ((r = warn_coverage(db, inv, d, out, err)) < 0)
		goto fail;
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		/* Debian and Ubuntu publish per source package, on source versions; Alpine's
		   secdb per origin package (libcrypto3 is openssl's), whose version is the
		   binary's own; the RHEL family per binary package. */
		struct match_ctx c = {
		    .pkg = p,
		    .scheme = scheme_of(p->type),
		    .compared = p->type == KMEND_PKG_DEB ? p->source_version : p->version,
		    .out = out,
		};
		const char *key = p->type == KMEND_PKG_RPM ? p->name : p->source;
		size_t first = out->count;

		if ((r = kmend_vulndb_lookup(db, out->ecosystem, key, on_advisory, &c, err)) < 0 ||
		    (r = dedup(out, first)) < 0 || (r = set_fixed_in(out, first, c.scheme)) < 0)
			goto fail;
	}
	if (out->unreadable > 1 &&
	    (r = kmend_warn(&out->warnings, "unreadable-versions",
	                    "%zu advisories in all were left out because a version could not "
	                    "be read",
	                    out->unreadable)) < 0)
		goto fail;
	if (out->count > 1)
		qsort(out->items, out->count, sizeof(out->items[0]), finding_order);
	return 0;
fail:
	kmend_findings_free(out);
	return r;
}

void kmend_findings_free(struct kmend_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++)
		finding_free(&f->items[i]);
	free(f->items);
	kmend_warnings_free(&f->warnings);
	memset(f, 0, sizeof(*f));
}
