/*
 * The resolver of kmend fix: for each vulnerable source the version to install, every
 * installed binary of it, and the installed dependencies the new versions need newer,
 * against a pool of verified indexes (see kmend_fix_plan_resolve in fix_plan.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "fix_plan.h"

/* One vulnerable source package: the version that fixes all its findings. */
struct root {
	const char *source;
	const char *fixed_in; /* the greatest fixed_in of its findings (a view into a finding) */
	bool refused;
};

/* A package the plan installs. */
struct planned {
	const struct kmend_package *installed;
	const struct kmend_repo_pkg *cand;
	size_t root;
	char *reason;
	bool checked; /* its relations were checked against the state */
};

struct resolver {
	const struct kmend_fix_request *req;
	const struct kmend_pkgmgr *family;
	const struct kmend_repo_pool *pool;
	const char *arch;
	struct root *roots;
	size_t nroots, roots_capacity;
	struct planned *plan;
	size_t nplan, plan_capacity;
	struct kmend_relation rel;
	struct kmend_fix_plan *out;
	/* Set when a root must be refused: the resolution starts again without it. */
	bool failed;
	size_t changes; /* packages added or raised */
};

static int vcmp(const struct resolver *rs, const char *a, const char *b)
{
	int c = 0;

	if (rs->family->scheme->compare(a, strlen(a), b, strlen(b), &c, NULL) < 0)
		return strcmp(a, b) < 0 ? -1 : strcmp(a, b) > 0;
	return c;
}

/* The version the findings speak of: the source's for deb, the package's own otherwise. */
static const char *domain_version(const struct resolver *rs, const struct kmend_repo_pkg *p)
{
	return rs->family->type == KMEND_PKG_DEB && p->source_version ? p->source_version
	                                                              : p->version;
}

static const struct kmend_package *installed_named(const struct resolver *rs, const char *name,
                                                   size_t len)
{
	const struct kmend_package_list *list = &rs->req->inv->packages;
	size_t lo = 0, hi = list->count;

	/* The inventory is sorted by name. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *n = list->items[mid].name;
		int c = strncmp(n, name, len);
		if (c == 0)
			c = n[len] ? 1 : 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < list->count; lo++) {
		const struct kmend_package *p = &list->items[lo];
		if (strncmp(p->name, name, len) || p->name[len])
			break;
		if (p->type == rs->family->type)
			return p;
	}
	return NULL;
}

static struct planned *planned_named(const struct resolver *rs, const char *name, size_t len)
{
	for (size_t i = 0; i < rs->nplan; i++)
		if (!strncmp(rs->plan[i].cand->name, name, len) && !rs->plan[i].cand->name[len])
			return &rs->plan[i];
	return NULL;
}

/* The version of name once the plan is in: planned, else installed, else NULL. */
static const char *state_version(const struct resolver *rs, const char *name, size_t len,
                                 const char **arch)
{
	const struct planned *p = planned_named(rs, name, len);
	const struct kmend_package *i;

	if (p) {
		*arch = p->cand->arch;
		return p->cand->version;
	}
	if ((i = installed_named(rs, name, len))) {
		*arch = i->arch;
		return i->version;
	}
	return NULL;
}

static bool arch_qualifier_ok(const struct resolver *rs, const struct kmend_rel_alt *alt,
                              const char *arch)
{
	if (!alt->arch.len || kmend_span_eq(alt->arch, "any") || kmend_span_eq(alt->arch, "native"))
		return true;
	return arch && (kmend_span_eq(alt->arch, arch) ||
	                (!strcmp(arch, "all") && kmend_span_eq(alt->arch, rs->arch)));
}

/* Whether a pool entry is what the state has of its package (planned or installed). */
static bool in_state(const struct resolver *rs, const struct kmend_repo_pkg *p)
{
	const char *arch;
	const char *v = state_version(rs, p->name, strlen(p->name), &arch);

	return v && !strcmp(v, p->version);
}

/* rpm's own capabilities are always there; kmend does not track them. */
static bool builtin_capability(const struct kmend_rel_alt *alt)
{
	return alt->rich || (alt->name.len > 7 && !strncmp(alt->name.ptr, "rpmlib(", 7));
}

/*
 * rpm and apk name capabilities (sonames, files, cmd: names) that installed
 * packages provide; kmend does not read those from the image's database. One
 * that nothing in the repositories provides either is taken as the image's own,
 * and said: the install step's rpm or apk checks it for real.
 */
static bool unknown_capability(const struct resolver *rs, const struct kmend_rel_alt *alt)
{
	const struct kmend_repo_pkg *const *e;
	const struct kmend_repo_provide *prov;
	_cleanup_free_ char *name = NULL;

	if (rs->family->type == KMEND_PKG_DEB ||
	    installed_named(rs, alt->name.ptr, alt->name.len) ||
	    !(name = strndup(alt->name.ptr, alt->name.len)) ||
	    kmend_repo_pool_find(rs->pool, name, &e) ||
	    kmend_repo_pool_providers(rs->pool, name, &prov))
		return false;
	kmend_warn(
	    &rs->out->warnings, "capability-not-checked",
	    "%s: no package in the repositories provides it; kmend takes it as provided by the "
	    "image (the install step's %s checks it)",
	    name, rs->family->type == KMEND_PKG_RPM ? "rpm" : "apk");
	return true;
}

static bool alt_satisfied(const struct resolver *rs, const struct kmend_rel_alt *alt)
{
	const struct kmend_repo_provide *prov;
	const char *arch, *v;
	_cleanup_free_ char *name = NULL;
	size_t n;
	bool unknown_provider = false;

	if (builtin_capability(alt))
		return true;
	if (unknown_capability(rs, alt))
		return true;
	if ((v = state_version(rs, alt->name.ptr, alt->name.len, &arch)) &&
	    arch_qualifier_ok(rs, alt, arch) &&
	    kmend_rel_satisfied(rs->family->scheme, alt->op, v, alt->version))
		return true;
	if (!(name = strndup(alt->name.ptr, alt->name.len)))
		return false;
	n = kmend_repo_pool_providers(rs->pool, name, &prov);
	for (size_t i = 0; i < n; i++) {
		const struct kmend_repo_pkg *p = prov[i].pkg;
		bool version_ok =
		    alt->op == KMEND_REL_ANY ||
		    (prov[i].version && kmend_rel_satisfied(rs->family->scheme, alt->op,
		                                            prov[i].version, alt->version));
		if (!version_ok)
			continue;
		if (in_state(rs, p))
			return true;
		/* An installed provider whose own version the index no longer lists: what it
		   provides cannot be read, so a newer version's unversioned provides stands
		   in (apk's so: names, which every version of a library provides). */
		if (alt->op == KMEND_REL_ANY && installed_named(rs, p->name, strlen(p->name)) &&
		    !planned_named(rs, p->name, strlen(p->name)))
			unknown_provider = true;
	}
	if (unknown_provider) {
		/* Only when no index entry has the installed version of that provider. */
		for (size_t i = 0; i < n; i++) {
			const struct kmend_package *inst =
			    installed_named(rs, prov[i].pkg->name, strlen(prov[i].pkg->name));
			const struct kmend_repo_pkg *const *same;
			size_t m = inst ? kmend_repo_pool_find(rs->pool, inst->name, &same) : 0;
			bool listed = false;
			for (size_t j = 0; j < m && !listed; j++)
				listed = !strcmp(same[j]->version, inst->version);
			if (inst && !listed)
				return true;
		}
	}
	return false;
}

static bool group_satisfied(const struct resolver *rs, const struct kmend_relation *rel,
                            const struct kmend_rel_group *g)
{
	for (size_t i = g->first; i < g->first + g->count; i++)
		if (!rel->alts[i].negated && alt_satisfied(rs, &rel->alts[i]))
			return true;
	return false;
}

static int add_planned(struct resolver *rs, const struct kmend_package *inst,
                       const struct kmend_repo_pkg *cand, size_t root, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int add_planned(struct resolver *rs, const struct kmend_package *inst,
                       const struct kmend_repo_pkg *cand, size_t root, const char *fmt, ...)
{
	struct planned *p = planned_named(rs, cand->name, strlen(cand->name));
	va_list ap;
	char *reason;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rs->changes++;
	if (p) {
		/* Raised to satisfy a further constraint: its relations are checked again. */
		p->cand = cand;
		p->checked = false;
		free(p->reason);
		p->reason = reason;
		return 0;
	}
	if (kmend_array_grow(&rs->plan, &rs->plan_capacity, rs->nplan, sizeof(*rs->plan))) {
		free(reason);
		return -ENOMEM;
	}
	rs->plan[rs->nplan++] =
	    (struct planned){.installed = inst, .cand = cand, .root = root, .reason = reason};
	return 0;
}

/*
 * The entry of name to move to: arch fits, newer than floor (the installed or
 * planned version), satisfying (op, want) and not (bop, bwant) when given;
 * the lowest such, or the newest with --prefer newest.
 */
static const struct kmend_repo_pkg *pick(const struct resolver *rs, const char *name,
                                         const char *inst_arch, const char *floor,
                                         const struct kmend_rel_alt *must,
                                         const struct kmend_rel_alt *must_not)
{
	const struct kmend_repo_pkg *const *e, *best = NULL;
	size_t n = kmend_repo_pool_find(rs->pool, name, &e);

	for (size_t i = 0; i < n; i++) {
		if (!kmend_pkgmgr_arch_matches(rs->family, e[i]->arch, inst_arch, rs->arch))
			continue;
		if (floor && vcmp(rs, e[i]->version, floor) <= 0)
			continue;
		if (must && !kmend_rel_satisfied(rs->family->scheme, must->op, e[i]->version,
		                                 must->version))
			continue;
		if (must_not && kmend_rel_satisfied(rs->family->scheme, must_not->op, e[i]->version,
		                                    must_not->version))
			continue;
		if (!best || (rs->req->prefer_newest ? vcmp(rs, e[i]->version, best->version) > 0
		                                     : vcmp(rs, e[i]->version, best->version) < 0))
			best = e[i];
	}
	return best;
}

static int refuse_root(struct resolver *rs, size_t root, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse_root(struct resolver *rs, size_t root, const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	rs->roots[root].refused = true;
	rs->failed = true;
	r = kmend_fix_plan_refuse(
	    rs->out, code, rs->roots[root].source,
	    !strcmp(code, "not-in-repository")
	        ? "point --mirror at a repository that has the fixed version, or kmend harden: "
	          "rebuild the image on a newer base image"
	        : KMEND_FIX_REPAIR_REBUILD,
	    "%s", msg);
	free(msg);
	return r;
}

/* Satisfy one unsatisfied group of p's by upgrading an installed package. */
static int satisfy_group(struct resolver *rs, const struct planned *p,
                         const struct kmend_relation *rel, const struct kmend_rel_group *g)
{
	char text[512] = "", one[256];
	bool any_installed = false;
	size_t root = p->root;
	_cleanup_free_ char *who = strdup(p->cand->name);

	if (!who)
		return -ENOMEM;
	for (size_t i = g->first; i < g->first + g->count; i++) {
		const struct kmend_rel_alt *alt = &rel->alts[i];
		const struct kmend_package *inst =
		    installed_named(rs, alt->name.ptr, alt->name.len);
		const struct planned *pl = planned_named(rs, alt->name.ptr, alt->name.len);
		const struct kmend_repo_pkg *c;
		const struct kmend_repo_provide *prov;
		_cleanup_free_ char *name = strndup(alt->name.ptr, alt->name.len);
		size_t n;

		if (!name)
			return -ENOMEM;
		kmend_rel_alt_format(alt, one, sizeof(one));
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s",
		         text[0] ? " | " : "", one);
		if (alt->negated)
			continue;
		if (inst) {
			any_installed = true;
			c = pick(rs, name, inst->arch, pl ? pl->cand->version : inst->version, alt,
			         NULL);
			if (c)
				return add_planned(rs, inst, c, root, "needed by %s (%s)", who,
				                   one);
			continue;
		}
		/* A virtual name: an installed provider at a newer version that provides it. */
		n = kmend_repo_pool_providers(rs->pool, name, &prov);
		for (size_t j = 0; j < n; j++) {
			const struct kmend_package *pi =
			    installed_named(rs, prov[j].pkg->name, strlen(prov[j].pkg->name));
			if (!pi)
				continue;
			any_installed = true;
			if (kmend_pkgmgr_arch_matches(rs->family, prov[j].pkg->arch, pi->arch,
			                              rs->arch) &&
			    vcmp(rs, prov[j].pkg->version, pi->version) > 0 &&
			    (alt->op == KMEND_REL_ANY ||
			     (prov[j].version &&
			      kmend_rel_satisfied(rs->family->scheme, alt->op, prov[j].version,
			                          alt->version))))
				return add_planned(rs, pi, prov[j].pkg, root, "needed by %s (%s)",
				                   who, one);
		}
	}
	if (any_installed)
		return refuse_root(rs, root, "dependency-not-available",
		                   "%s %s needs %s: installed, but no version in the repositories "
		                   "satisfies it",
		                   who, p->cand->version, text);
	return refuse_root(rs, root, "dependency-not-installed",
	                   "%s %s needs %s, which is not installed in the image (kmend fix "
	                   "only upgrades what is installed)",
	                   who, p->cand->version, text);
}

/* A package p breaks: raise it past the broken range, or refuse. */
static int fix_breaks(struct resolver *rs, const struct planned *p,
                      const struct kmend_relation *rel)
{
	_cleanup_free_ char *who = strdup(p->cand->name);

	if (!who)
		return -ENOMEM;
	for (size_t i = 0; i < rel->nalts; i++) {
		const struct kmend_rel_alt *alt = &rel->alts[i];
		const char *arch, *v = state_version(rs, alt->name.ptr, alt->name.len, &arch);
		const struct kmend_package *inst =
		    installed_named(rs, alt->name.ptr, alt->name.len);
		const struct kmend_repo_pkg *c;
		char one[256];

		if (!v || !inst || !arch_qualifier_ok(rs, alt, arch) ||
		    !kmend_rel_satisfied(rs->family->scheme, alt->op, v, alt->version))
			continue;
		/* A package never breaks itself (dpkg ignores that too). */
		if (!strncmp(p->cand->name, alt->name.ptr, alt->name.len) &&
		    !p->cand->name[alt->name.len])
			continue;
		kmend_rel_alt_format(alt, one, sizeof(one));
		if ((c = pick(rs, inst->name, inst->arch, v, NULL, alt)))
			return add_planned(rs, inst, c, p->root, "%s %s breaks %s", who,
			                   p->cand->version, one);
		return refuse_root(rs, p->root, "dependency-not-available",
		                   "%s %s breaks %s, installed at %s, and the repositories have no "
		                   "version past it",
		                   who, p->cand->version, one, v);
	}
	return 0;
}

/* Check one planned package's relations against the state; at most one change per call. */
static int check_planned(struct resolver *rs, size_t i, bool *changed)
{
	const char *fields[2] = {rs->plan[i].cand->pre_depends, rs->plan[i].cand->depends};
	struct kmend_error e;
	int r;

	for (size_t f = 0; f < 2; f++) {
		if (!fields[f])
			continue;
		if ((r = rs->family->parse_relation(fields[f], &rs->rel, &e)) < 0)
			return refuse_root(rs, rs->plan[i].root, "dependency-not-available",
			                   "%s %s: its dependencies cannot be read (%s)",
			                   rs->plan[i].cand->name, rs->plan[i].cand->version,
			                   e.message);
		for (size_t g = 0; g < rs->rel.ngroups; g++) {
			if (group_satisfied(rs, &rs->rel, &rs->rel.groups[g]))
				continue;
			*changed = true;
			return satisfy_group(rs, &rs->plan[i], &rs->rel, &rs->rel.groups[g]);
		}
	}
	if (rs->plan[i].cand->breaks &&
	    rs->family->parse_relation(rs->plan[i].cand->breaks, &rs->rel, &e) == 0) {
		size_t before = rs->changes;
		/* Conflicts written as "!name" (apk) are breaks too. */
		for (size_t a = 0; a < rs->rel.nalts; a++)
			rs->rel.alts[a].negated = false;
		if ((r = fix_breaks(rs, &rs->plan[i], &rs->rel)) < 0)
			return r;
		if (rs->failed || rs->changes != before) {
			*changed = true;
			return 0;
		}
	}
	/* apk writes conflicts into depends as "!name": an installed match must go higher. */
	if (rs->plan[i].cand->depends && rs->family->type == KMEND_PKG_APK &&
	    rs->family->parse_relation(rs->plan[i].cand->depends, &rs->rel, &e) == 0) {
		size_t before = rs->changes, kept = 0;
		for (size_t a = 0; a < rs->rel.nalts; a++)
			if (rs->rel.alts[a].negated) {
				rs->rel.alts[kept] = rs->rel.alts[a];
				rs->rel.alts[kept++].negated = false;
			}
		rs->rel.nalts = kept;
		if (kept && (r = fix_breaks(rs, &rs->plan[i], &rs->rel)) < 0)
			return r;
		if (rs->failed || rs->changes != before) {
			*changed = true;
			return 0;
		}
	}
	rs->plan[i].checked = true;
	return 0;
}

/*
 * Installed packages the plan leaves behind: those whose relations (read
 * from the index entry of their installed version, when it has one) held
 * before and fail after are upgraded too.
 */
static int check_reverse(struct resolver *rs, bool *changed)
{
	const struct kmend_package_list *list = &rs->req->inv->packages;
	struct kmend_error e;

	for (size_t i = 0; i < list->count && rs->nplan; i++) {
		const struct kmend_package *inst = &list->items[i];
		const struct kmend_repo_pkg *const *same, *entry = NULL;
		size_t n;

		if (inst->type != rs->family->type ||
		    planned_named(rs, inst->name, strlen(inst->name)))
			continue;
		n = kmend_repo_pool_find(rs->pool, inst->name, &same);
		for (size_t j = 0; j < n && !entry; j++)
			if (!strcmp(same[j]->version, inst->version))
				entry = same[j];
		if (!entry)
			continue;
		const char *fields[2] = {entry->pre_depends, entry->depends};
		for (size_t f = 0; f < 2; f++) {
			if (!fields[f] || rs->family->parse_relation(fields[f], &rs->rel, &e) < 0)
				continue;
			for (size_t g = 0; g < rs->rel.ngroups; g++) {
				const struct kmend_rel_group *grp = &rs->rel.groups[g];
				const struct kmend_repo_pkg *c = NULL;
				size_t root = 0;
				bool touches = false;
				for (size_t a = grp->first; a < grp->first + grp->count; a++) {
					const struct planned *pl = planned_named(
					    rs, rs->rel.alts[a].name.ptr, rs->rel.alts[a].name.len);
					if (pl) {
						touches = true;
						root = pl->root;
					}
				}
				if (!touches || group_satisfied(rs, &rs->rel, grp))
					continue;
				*changed = true;
				/* The lowest newer version of inst whose own relations the planned
				   versions satisfy is checked by the forward pass once planned. */
				c = pick(rs, inst->name, inst->arch, inst->version, NULL, NULL);
				if (!c)
					return refuse_root(rs, root, "dependency-not-available",
					                   "%s %s, installed, depends on a version "
					                   "the fix replaces, "
					                   "and the repositories have no newer %s",
					                   inst->name, inst->version, inst->name);
				return add_planned(
				    rs, inst, c, root,
				    "its installed version depends on a version the fix "
				    "replaces");
			}
		}
	}
	return 0;
}

/* For one root: the version of its source to install, and every installed binary of it. */
static int plan_root(struct resolver *rs, size_t ri)
{
	const struct root *root = &rs->roots[ri];
	const struct kmend_package_list *list = &rs->req->inv->packages;
	const char **versions = NULL;
	size_t nversions = 0, cap = 0, nbins = 0;
	const char *newest = NULL, *chosen = NULL, *missing = NULL;
	int r = 0;

	/* Every source version at or above fixed_in that some installed binary has. */
	for (size_t i = 0; i < list->count; i++) {
		const struct kmend_package *b = &list->items[i];
		const struct kmend_repo_pkg *const *e;
		size_t n;
		if (b->type != rs->family->type ||
		    strcmp(b->source ? b->source : b->name, root->source))
			continue;
		nbins++;
		n = kmend_repo_pool_find(rs->pool, b->name, &e);
		for (size_t j = 0; j < n; j++) {
			const char *dv = domain_version(rs, e[j]);
			bool seen = false;
			if (strcmp(e[j]->source, root->source) ||
			    !kmend_pkgmgr_arch_matches(rs->family, e[j]->arch, b->arch, rs->arch))
				continue;
			if (!newest || vcmp(rs, dv, newest) > 0)
				newest = dv;
			if (vcmp(rs, dv, root->fixed_in) < 0)
				continue;
			for (size_t k = 0; k < nversions && !seen; k++)
				seen = vcmp(rs, versions[k], dv) == 0;
			if (!seen) {
				if (kmend_array_grow(&versions, &cap, nversions,
				                     sizeof(*versions))) {
					free(versions);
					return -ENOMEM;
				}
				versions[nversions++] = dv;
			}
		}
	}
	if (nbins == 0) {
		free(versions);
		return 0;
	}
	/* In order of preference, the first version that every installed binary has. */
	while (nversions && !chosen) {
		size_t best = 0;
		for (size_t k = 1; k < nversions; k++)
			if (rs->req->prefer_newest ? vcmp(rs, versions[k], versions[best]) > 0
			                           : vcmp(rs, versions[k], versions[best]) < 0)
				best = k;
		chosen = versions[best];
		for (size_t i = 0; i < list->count && chosen; i++) {
			const struct kmend_package *b = &list->items[i];
			const struct kmend_repo_pkg *const *e;
			size_t n;
			bool found = false;
			if (b->type != rs->family->type ||
			    strcmp(b->source ? b->source : b->name, root->source))
				continue;
			n = kmend_repo_pool_find(rs->pool, b->name, &e);
			for (size_t j = 0; j < n && !found; j++)
				found = !strcmp(e[j]->source, root->source) &&
				        kmend_pkgmgr_arch_matches(rs->family, e[j]->arch, b->arch,
				                                  rs->arch) &&
				        vcmp(rs, domain_version(rs, e[j]), chosen) == 0;
			if (!found) {
				missing = b->name;
				chosen = NULL;
			}
		}
		if (!chosen)
			versions[best] = versions[--nversions];
	}
	free(versions);
	if (!chosen) {
		if (missing)
			return refuse_root(
			    rs, ri, "not-in-repository",
			    "%s %s fixes its findings, but the repositories lack the "
			    "installed binary package %s at that version",
			    root->source, root->fixed_in, missing);
		return refuse_root(rs, ri, "not-in-repository",
		                   "%s %s fixes its findings, but the repositories do not have it "
		                   "(%s%s)",
		                   root->source, root->fixed_in,
		                   newest ? "newest there: " : "none there", newest ? newest : "");
	}
	for (size_t i = 0; i < list->count && r == 0; i++) {
		const struct kmend_package *b = &list->items[i];
		const struct kmend_repo_pkg *const *e, *best = NULL;
		size_t n;
		if (b->type != rs->family->type ||
		    strcmp(b->source ? b->source : b->name, root->source))
			continue;
		n = kmend_repo_pool_find(rs->pool, b->name, &e);
		for (size_t j = 0; j < n; j++)
			if (!strcmp(e[j]->source, root->source) &&
			    kmend_pkgmgr_arch_matches(rs->family, e[j]->arch, b->arch, rs->arch) &&
			    vcmp(rs, domain_version(rs, e[j]), chosen) == 0 &&
			    (!best || vcmp(rs, e[j]->version, best->version) > 0))
				best = e[j];
		/* Already at that version (a binary that was not vulnerable): nothing to do. */
		if (vcmp(rs, best->version, b->version) <= 0)
			continue;
		r = add_planned(rs, b, best, ri, "fixes %s (fixed in %s)", root->source,
		                root->fixed_in);
	}
	return r;
}

static void plan_clear(struct resolver *rs)
{
	for (size_t i = 0; i < rs->nplan; i++)
		free(rs->plan[i].reason);
	rs->nplan = 0;
}

/* Resolve until no root is refused: a refused root is dropped and the rest resolved again. */
static int resolve(struct resolver *rs)
{
	int r;

	for (;;) {
		size_t steps = 0;
		bool changed = true;

		plan_clear(rs);
		rs->failed = false;
		for (size_t i = 0; i < rs->nroots && !rs->failed; i++)
			if (!rs->roots[i].refused && (r = plan_root(rs, i)) < 0)
				return r;
		while (!rs->failed && changed) {
			changed = false;
			/* Every change raises a version or adds a package: bounded, but guard. */
			if (++steps > 100000)
				return -KMEND_E_TOO_LARGE;
			for (size_t i = 0; i < rs->nplan && !changed && !rs->failed; i++)
				if (!rs->plan[i].checked &&
				    (r = check_planned(rs, i, &changed)) < 0)
					return r;
			if (!changed && !rs->failed && (r = check_reverse(rs, &changed)) < 0)
				return r;
		}
		if (!rs->failed)
			return 0;
	}
}

/* A file name for the download directory: the repository's base name, made shell-safe. */
static char *local_file_name(const struct kmend_repo_pkg *p)
{
	const char *base = strrchr(p->filename, '/');
	char *out;

	base = base ? base + 1 : p->filename;
	if (!(out = strdup(*base && strcmp(base, ".") && strcmp(base, "..") ? base : "package")))
		return NULL;
	for (char *c = out; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_~-",
		            *c))
			*c = '_';
	if (out[0] == '-' || out[0] == '.')
		out[0] = '_';
	return out;
}

/* repository URL + "/" + filename, with what is not safe in a URL path percent-encoded. */
static char *package_url(const struct kmend_repo_pkg *p)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s/", p->url);
	for (const unsigned char *c = (const unsigned char *)p->filename; *c; c++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_~-/",
		           *c) &&
		    *c)
			fputc(*c, f);
		else
			fprintf(f, "%%%02X", *c);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int by_package_name(const void *a, const void *b)
{
	return strcmp(((const struct kmend_fix_package *)a)->name,
	              ((const struct kmend_fix_package *)b)->name);
}

static int emit(struct resolver *rs)
{
	struct kmend_fix_plan *out = rs->out;

	if (rs->nplan && !(out->packages = calloc(rs->nplan, sizeof(*out->packages))))
		return -ENOMEM;
	out->packages_capacity = rs->nplan;
	for (size_t i = 0; i < rs->nplan; i++) {
		const struct planned *p = &rs->plan[i];
		struct kmend_fix_package *f = &out->packages[out->npackages++];
		int failed = 0;
		f->name = kmend_strdup_or_null(p->cand->name, &failed);
		f->version = kmend_strdup_or_null(p->cand->version, &failed);
		f->arch = kmend_strdup_or_null(p->cand->arch, &failed);
		f->installed = kmend_strdup_or_null(p->installed->version, &failed);
		f->source = kmend_strdup_or_null(p->cand->source, &failed);
		f->filename = kmend_strdup_or_null(p->cand->filename, &failed);
		f->url = package_url(p->cand);
		f->file = local_file_name(p->cand);
		memcpy(f->sha256, p->cand->sha256, sizeof(f->sha256));
		f->size = p->cand->size;
		f->reason = kmend_strdup_or_null(p->reason, &failed);
		f->checksum = kmend_strdup_or_null(p->cand->checksum, &failed);
		if (failed || !f->url || !f->file)
			return -ENOMEM;
	}
	if (out->npackages > 1)
		qsort(out->packages, out->npackages, sizeof(*out->packages), by_package_name);
	/* Two packages with one file name would overwrite each other in the directory. */
	for (size_t i = 1; i < out->npackages; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out->packages[i].file, out->packages[j].file)) {
				char *renamed;
				if (asprintf(&renamed, "%zu-%s", i, out->packages[i].file) < 0)
					return -ENOMEM;
				free(out->packages[i].file);
				out->packages[i].file = renamed;
			}
	return 0;
}

/* The roots: each source with a fixable finding, and what has no fix at all. */
static int collect_roots(struct resolver *rs)
{
	const struct kmend_findings *fs = rs->req->findings;

	for (size_t i = 0; fs && i < fs->count; i++) {
		const struct kmend_finding *f = &fs->items[i];
		const char *src = f->source ? f->source : f->package;
		size_t k;

		if (!f->fixed || !f->fixed_in)
			continue;
		for (k = 0; k < rs->nroots; k++)
			if (!strcmp(rs->roots[k].source, src))
				break;
		if (k == rs->nroots) {
			if (kmend_array_grow(&rs->roots, &rs->roots_capacity, rs->nroots,
			                     sizeof(*rs->roots)))
				return -ENOMEM;
			rs->roots[rs->nroots++] =
			    (struct root){.source = src, .fixed_in = f->fixed_in};
		} else if (vcmp(rs, f->fixed_in, rs->roots[k].fixed_in) > 0) {
			rs->roots[k].fixed_in = f->fixed_in;
		}
	}
	/* Findings with no fix published, one refusal per source listing them. */
	for (size_t i = 0; fs && i < fs->count; i++) {
		const struct kmend_finding *f = &fs->items[i];
		const char *src = f->source ? f->source : f->package;
		char ids[512] = "";
		bool first = true;
		int r;

		if (f->fixed)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct kmend_finding *g = &fs->items[j];
			if (!g->fixed && !strcmp(g->source ? g->source : g->package, src))
				first = false;
		}
		if (!first)
			continue;
		for (size_t j = i; j < fs->count; j++) {
			const struct kmend_finding *g = &fs->items[j];
			size_t n = strlen(ids);
			if (!g->fixed && !strcmp(g->source ? g->source : g->package, src) &&
			    !strstr(ids, g->id) && n + strlen(g->id) + 3 < sizeof(ids))
				snprintf(ids + n, sizeof(ids) - n, "%s%s", n ? ", " : "", g->id);
		}
		if ((r = kmend_fix_plan_refuse(
		         rs->out, "no-fix-published", src,
		         "kmend harden: remove the package or move to a base image without it",
		         "%s: no fixed version is published for %s; these findings remain", src,
		         ids)) < 0)
			return r;
	}
	return 0;
}

int kmend_fix_plan_resolve(const struct kmend_fix_request *req, const struct kmend_pkgmgr *family,
                           const char *arch, const struct kmend_repo_pool *pool,
                           struct kmend_fix_plan *out)
{
	struct resolver rs = {.req = req, .family = family, .arch = arch, .pool = pool, .out = out};
	int r;

	if ((r = collect_roots(&rs)) == 0 && pool && (r = resolve(&rs)) == 0)
		r = emit(&rs);
	plan_clear(&rs);
	free(rs.plan);
	free(rs.roots);
	kmend_relation_free(&rs.rel);
	return r;
}
