/* Choosing what kmend fix installs: versions, binaries and dependencies (see fix_plan.h). */
#include "fix_plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "kmend_limits.h"
#include "strv.h"

#define KMEND_FIX_REPAIR_REBUILD                                                                   \
	"kmend harden: rebuild the image with the fixed packages, or move it to a newer base "     \
	"image"

int kmend_fix_plan_refuse(struct kmend_fix_plan *plan, const char *code, const char *source,
                          const char *repair, const char *fmt, ...)
{
	struct kmend_fix_refusal *f;
	va_list ap;
	int failed = 0, n;

	if (kmend_array_grow(&plan->refused, &plan->refused_capacity, plan->nrefused, sizeof(*f)))
		return -ENOMEM;
	f = &plan->refused[plan->nrefused];
	memset(f, 0, sizeof(*f));
	snprintf(f->code, sizeof(f->code), "%s", code);
	f->source = kmend_strdup_or_null(source, &failed);
	f->repair = kmend_strdup_or_null(repair, &failed);
	va_start(ap, fmt);
	n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (n < 0) {
		f->message = NULL;
		failed = 1;
	}
	if (failed) {
		free(f->source);
		free(f->repair);
		free(f->message);
		return -ENOMEM;
	}
	plan->nrefused++;
	return 0;
}

/* The whole image cannot be fixed at start; message is the sentence saying why. */
static int refuse_image(struct kmend_fix_plan *plan, const char *code, const char *repair,
                        const char *message)
{
	plan->fixable = false;
	return kmend_fix_plan_refuse(plan, code, NULL, repair, "%s", message);
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The uid of a user name in the image's /etc/passwd, or -1. */
static long passwd_uid(const struct kmend_fix_files *files, const char *name, size_t len)
{
	const struct kmend_fix_file *pw = files ? kmend_fix_files_get(files, "etc/passwd") : NULL;
	const char *p, *end;

	if (!pw || !pw->data)
		return -1;
	for (p = pw->data, end = p + pw->len; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *c1, *c2;
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > len && !strncmp(p, name, len) && p[len] == ':' &&
		    (c1 = memchr(p + len + 1, ':', (size_t)(eol - p - len - 1))) &&
		    (c2 = c1 + 1) < eol && *c2 >= '0' && *c2 <= '9')
			return strtol(c2, NULL, 10);
		p = eol < end ? eol + 1 : end;
	}
	return -1;
}

bool kmend_fix_runs_as_root(const char *image_user, const struct kmend_fix_files *files,
                            long run_as_user, bool run_as_non_root, char *reason, size_t size)
{
	if (run_as_non_root) {
		snprintf(reason, size,
		         "the pod sets runAsNonRoot: the container cannot run the install as root");
		return false;
	}
	if (run_as_user >= 0) {
		if (run_as_user == 0)
			return true;
		snprintf(reason, size, "the pod sets runAsUser %ld: only root can install packages",
		         run_as_user);
		return false;
	}
	if (image_user && *image_user) {
		/* "user", "uid", "user:group", "uid:gid": the user part decides. */
		size_t len = strcspn(image_user, ":");
		_cleanup_free_ char *user = strndup(image_user, len);
		long uid;

		if (!user)
			uid = -1;
		else if (all_digits(user))
			uid = strtol(user, NULL, 10);
		else
			uid = passwd_uid(files, user, len);
		if (uid == 0)
			return true;
		if (uid < 0)
			snprintf(
			    reason, size,
			    "the image runs as user '%s', which its /etc/passwd does not list as "
			    "root",
			    image_user);
		else
			snprintf(reason, size,
			         "the image runs as user '%s' (uid %ld): only root can install "
			         "packages",
			         image_user, uid);
		return false;
	}
	return true;
}

static int load_repos(struct kmend_repo_session *s, const struct kmend_pkgmgr *family,
                      const struct kmend_repo_list *repos, struct kmend_fix_plan *out,
                      const struct kmend_repo_pool **pool, struct kmend_error *err)
{
	const struct kmend_repo_index **indexes;
	size_t n = 0, max = repos->count * 16 + 16;
	int r = 0;

	if (!(indexes = calloc(max, sizeof(*indexes))))
		return -ENOMEM;
	for (size_t i = 0; i < repos->count && r == 0; i++)
		r = family->load(s, &repos->items[i], indexes, &n, max, &out->warnings, err);
	if (r == 0 && n == 0)
		r = kmend_error_set(err, -KMEND_E_NOT_FOUND,
		                    repos->count ? repos->items[0].url : "", 0,
		                    "no repository index could be read");
	if (r == 0)
		r = kmend_repo_session_pool(s, indexes, n, family->parse_relation, pool);
	free(indexes);
	return r;
}

/* Whether any finding has a fix to install (else no repository need be read). */
static bool any_fixed(const struct kmend_findings *fs)
{
	for (size_t i = 0; fs && i < fs->count; i++)
		if (fs->items[i].fixed && fs->items[i].fixed_in)
			return true;
	return false;
}

/* dnf: the rpm keys the install step imports, from every repository that checks packages. */
static int gather_package_keys(const struct kmend_repo_list *repos, struct kmend_fix_plan *out)
{
	for (size_t i = 0; i < repos->count; i++) {
		if (!repos->items[i].package_gpgcheck)
			continue;
		out->package_gpgcheck = true;
		for (char **k = repos->items[i].package_keys; k && *k; k++)
			if (!kmend_strv_has(out->package_keys, *k) &&
			    kmend_strv_push(&out->package_keys, *k, strlen(*k)) < 0)
				return -ENOMEM;
	}
	return 0;
}

int kmend_fix_plan_build(struct kmend_repo_session *s, const struct kmend_fix_request *req,
                         struct kmend_fix_plan *out, struct kmend_error *err)
{
	const struct kmend_inventory *inv = req->inv;
	const struct kmend_distro *distro = inv->os_found ? kmend_distro_by_id(inv->os.id) : NULL;
	const struct kmend_pkgmgr *family = kmend_pkgmgr_for(distro);
	const struct kmend_repo_pool *pool;
	struct kmend_repo_list repos = {0};
	char reason[1024];
	const char *why, *arch;
	int r;

	memset(out, 0, sizeof(*out));
	out->fixable = true;
	if (!family) {
		snprintf(reason, sizeof(reason),
		         "kmend does not know how to install packages on %s",
		         inv->os_found ? inv->os.id : "an image whose OS it cannot tell");
		return refuse_image(out, "unknown-distribution", KMEND_FIX_REPAIR_REBUILD, reason);
	}
	out->family = family;
	if (req->run && !kmend_fix_runs_as_root(req->run->user, &inv->fix_files, -1, false, reason,
	                                        sizeof(reason)))
		return refuse_image(out, "not-root", KMEND_FIX_REPAIR_REBUILD, reason);
	if (!req->no_tools && (why = family->missing_tool(&inv->fix_files)))
		return refuse_image(out, strstr(why, "/bin/sh") ? "no-shell" : "no-package-manager",
		                    KMEND_FIX_REPAIR_REBUILD, why);
	if (!req->platform || !(arch = family->arch_of_platform(req->platform))) {
		snprintf(reason, sizeof(reason),
		         "kmend does not know the package architecture of platform %s",
		         req->platform ? req->platform : "(none)");
		return refuse_image(out, "unknown-distribution", KMEND_FIX_REPAIR_REBUILD, reason);
	}
	if (!(out->arch = strdup(arch)))
		return -ENOMEM;
	if (!any_fixed(req->findings))
		return kmend_fix_plan_resolve(req, family, arch, NULL, out);
	r = family->read_repos(&(struct kmend_pkgmgr_context){.files = &inv->fix_files,
	                                                      .os = &inv->os,
	                                                      .arch = arch,
	                                                      .opts = kmend_repo_session_options(s),
	                                                      .warnings = &out->warnings},
	                       &repos, err);
	if (r == -KMEND_E_NOT_FOUND) {
		kmend_error_format(err, reason, sizeof(reason));
		r = refuse_image(out, "no-repository",
		                 "pass --mirror URL (a repository in the distribution's layout)",
		                 reason);
	} else if (r == 0 && (r = load_repos(s, family, &repos, out, &pool, err)) == 0 &&
	           (r = gather_package_keys(&repos, out)) == 0) {
		r = kmend_fix_plan_resolve(req, family, arch, pool, out);
		if (r == 0 && family->pin_files)
			r = family->pin_files(s, out, err);
	}
	kmend_repo_list_free(&repos);
	return r;
}

const struct kmend_fix_package *kmend_fix_plan_find(const struct kmend_fix_plan *plan,
                                                    const char *name)
{
	for (size_t i = 0; i < plan->npackages; i++)
		if (!strcmp(plan->packages[i].name, name))
			return &plan->packages[i];
	return NULL;
}

bool kmend_fix_plan_fixes(const struct kmend_fix_plan *plan, const struct kmend_finding *f)
{
	const struct kmend_fix_package *p = kmend_fix_plan_find(plan, f->package);
	int c;

	if (!p || !f->fixed || !plan->family)
		return false;
	/* deb findings are about the source version; the binary's version carries it (a binNMU
	   adds "+bN", which sorts after). */
	return kmend_version_compare(plan->family->scheme, p->version, f->fixed, &c, NULL) == 0 &&
	       c >= 0;
}

void kmend_fix_plan_free(struct kmend_fix_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->npackages; i++) {
		struct kmend_fix_package *p = &plan->packages[i];
		free(p->name);
		free(p->version);
		free(p->arch);
		free(p->installed);
		free(p->source);
		free(p->filename);
		free(p->url);
		free(p->file);
		free(p->checksum);
		free(p->reason);
	}
	free(plan->packages);
	for (size_t i = 0; i < plan->nrefused; i++) {
		free(plan->refused[i].source);
		free(plan->refused[i].message);
		free(plan->refused[i].repair);
	}
	free(plan->refused);
	for (size_t i = 0; plan->package_keys && plan->package_keys[i]; i++)
		free(plan->package_keys[i]);
	free(plan->package_keys);
	free(plan->arch);
	kmend_warnings_free(&plan->warnings);
	memset(plan, 0, sizeof(*plan));
}
