/*
 * The dnf/rpm family (RHEL, CentOS, Rocky, AlmaLinux, Oracle, Amazon Linux, Fedora): .repo
 * files with their variables, rpm-md repositories (repo_rpmmd.c), and steps that download
 * with curl (or wget) and install with rpm -U, checking package signatures with the image's
 * keys where the repository sets gpgcheck.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fix_plan.h"
#include "fsutil.h"
#include "repo_rpmmd.h"
#include "strv.h"

static const char *const dnf_config_paths[] = {
    "etc/yum.repos.d/", "etc/dnf/dnf.conf", "etc/yum.conf", "etc/dnf/vars/",
    "etc/yum/vars/",    "etc/pki/rpm-gpg/", NULL,
};

static const char *const dnf_programs[] = {"usr/bin/rpm", "bin/rpm", "usr/bin/curl", "usr/bin/wget",
                                           NULL};

static const struct {
	const char *oci, *rpm;
} dnf_arches[] = {
    {"amd64", "x86_64"},    {"arm64", "aarch64"}, {"arm64/v8", "aarch64"},
    {"ppc64le", "ppc64le"}, {"s390x", "s390x"},   {"386", "i686"},
};

static const char *dnf_arch_of_platform(const char *platform)
{
	const char *arch = strchr(platform, '/');

	for (size_t i = 0; arch && i < sizeof(dnf_arches) / sizeof(dnf_arches[0]); i++)
		if (!strcmp(arch + 1, dnf_arches[i].oci))
			return dnf_arches[i].rpm;
	return NULL;
}

static const char *const sh_paths[] = {"bin/sh", NULL};
static const char *const rpm_paths[] = {"usr/bin/rpm", "bin/rpm", NULL};
static const char *const downloaders[] = {"usr/bin/curl", "usr/bin/wget", NULL};
static const char *const sha256sum[] = {"usr/bin/sha256sum", "bin/sha256sum", "usr/bin/coreutils",
                                        NULL};

static const char *dnf_missing_tool(const struct kmend_fix_files *files)
{
	if (!kmend_pkgmgr_find_program(files, sh_paths))
		return "the image has no /bin/sh to run the install step";
	if (!kmend_pkgmgr_find_program(files, rpm_paths))
		return "the image has no rpm to install packages with";
	if (!kmend_pkgmgr_find_program(files, downloaders))
		return "the image has no curl or wget to download packages with";
	if (!kmend_pkgmgr_find_program(files, sha256sum))
		return "the image has no sha256sum to check the downloads with";
	return NULL;
}

/* One [section] of a .repo file. */
struct repo_section {
	char id[256];
	char origin[512];
	char *baseurl, *mirrorlist, *metalink, *gpgkey;
	int enabled, gpgcheck, repo_gpgcheck; /* -1: not set */
};

struct dnf_read {
	const struct kmend_pkgmgr_context *ctx;
	struct kmend_repo_list *out;
	char **vars;                 /* "name=value" */
	int gpgcheck, repo_gpgcheck; /* [main] defaults */
	struct kmend_repo mirror_keys;
	bool any_gpgcheck;
	char **package_keys;
	struct kmend_error *err;
};

static int bool_value(const char *v)
{
	return !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	       !strcasecmp(v, "on");
}

/* $var and ${var} replaced; NULL (with *unknown set to the name) when one is not known. */
static char *expand(const struct dnf_read *rd, const char *s, char *unknown, size_t usize)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	while (*s) {
		char name[128];
		size_t n;
		const char *value = NULL;
		bool braces = s[0] == '$' && s[1] == '{';
		if (*s != '$') {
			fputc(*s++, f);
			continue;
		}
		s += braces ? 2 : 1;
		n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), s);
		s += n;
		if (braces && *s == '}')
			s++;
		for (size_t i = kmend_strv_len(rd->vars); i > 0 && !value; i--)
			if (!strncmp(rd->vars[i - 1], name, strlen(name)) &&
			    rd->vars[i - 1][strlen(name)] == '=')
				value = rd->vars[i - 1] + strlen(name) + 1;
		if (!value) {
			snprintf(unknown, usize, "%s", name);
			fclose(f);
			free(out);
			return NULL;
		}
		fputs(value, f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Later definitions win: lookups go from the last one back. */
static int set_var(struct dnf_read *rd, const char *name, const char *value, size_t vlen)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s=%.*s", name, (int)vlen, value);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return 0;
	return kmend_strv_push(&rd->vars, buf, (size_t)n);
}

static int var_file(const struct kmend_fix_file *f, void *ctx)
{
	const char *name = strrchr(f->path, '/') + 1;

	return set_var(ctx, name, f->data, strcspn(f->data, "\r\n"));
}

static int add_key_file(struct dnf_read *rd, struct kmend_repo *repo, const char *url)
{
	const struct kmend_fix_file *f;

	if (strncmp(url, "file://", 7)) {
		kmend_warn(
		    rd->ctx->warnings, "remote-key",
		    "gpgkey %s is not a file in the image; kmend reads keys from the image only",
		    url);
		return 0;
	}
	if (!(f = kmend_fix_files_get(rd->ctx->files, url + 7))) {
		kmend_warn(rd->ctx->warnings, "missing-keyring",
		           "gpgkey %s names a file the image does not have (kmend reads keys from "
		           "/etc/pki/rpm-gpg)",
		           url);
		return 0;
	}
	if (!kmend_strv_has(rd->package_keys, f->path) &&
	    kmend_strv_push(&rd->package_keys, f->path, strlen(f->path)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < rd->mirror_keys.nkeys; i++)
		if (!strcmp(rd->mirror_keys.keys[i].name, f->path))
			return repo ? kmend_repo_add_key(repo, f->path, f->data, f->len) : 0;
	if (kmend_repo_add_key(&rd->mirror_keys, f->path, f->data, f->len) < 0)
		return -ENOMEM;
	return repo ? kmend_repo_add_key(repo, f->path, f->data, f->len) : 0;
}

static int section_done(struct dnf_read *rd, struct repo_section *sec)
{
	struct kmend_repo repo = {0};
	_cleanup_free_ char *url = NULL;
	char **urls = NULL, **keys = NULL, unknown[128];
	int gpgcheck = sec->gpgcheck >= 0 ? sec->gpgcheck : rd->gpgcheck;
	int repo_gpgcheck = sec->repo_gpgcheck >= 0 ? sec->repo_gpgcheck : rd->repo_gpgcheck;
	bool mirrors = rd->ctx->opts->mirrors && rd->ctx->opts->mirrors[0];
	int r = 0;

	if (!sec->id[0] || !strcmp(sec->id, "main") || sec->enabled == 0)
		goto out;
	if (sec->gpgkey &&
	    (r = kmend_strv_split(&keys, sec->gpgkey, strlen(sec->gpgkey), ", \t\n")) < 0)
		goto out;
	if (gpgcheck)
		rd->any_gpgcheck = true;
	for (size_t i = 0; keys && keys[i] && r == 0; i++) {
		_cleanup_free_ char *k = expand(rd, keys[i], unknown, sizeof(unknown));
		r = k ? add_key_file(rd, mirrors ? NULL : &repo, k) : 0;
	}
	if (r < 0 || mirrors)
		goto out;
	if (sec->baseurl &&
	    (r = kmend_strv_split(&urls, sec->baseurl, strlen(sec->baseurl), ", \t\n")) < 0)
		goto out;
	for (size_t i = 0; urls && urls[i] && !url; i++) {
		char *u = expand(rd, urls[i], unknown, sizeof(unknown));
		if (!u) {
			kmend_warn(rd->ctx->warnings, "unsupported-source",
			           "%s: baseurl %s uses $%s, a variable kmend does not know",
			           sec->origin, urls[i], unknown);
			continue;
		}
		if (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8))
			url = u;
		else
			free(u);
	}
	if (!url) {
		kmend_warn(
		    rd->ctx->warnings, "unsupported-source",
		    "%s: repository '%s' has no http(s) baseurl kmend can use%s; it is skipped",
		    sec->origin, sec->id,
		    sec->mirrorlist || sec->metalink ? " (mirrorlist and metalink are not read)"
		                                     : "");
		goto out;
	}
	for (size_t n = strlen(url); n && url[n - 1] == '/';)
		url[--n] = '\0';
	repo.origin = sec->origin;
	repo.url = url;
	repo.arch = (char *)rd->ctx->arch;
	repo.trust = repo_gpgcheck ? KMEND_REPO_VERIFY : KMEND_REPO_TRUSTED;
	repo.package_gpgcheck = gpgcheck;
	repo.package_keys = gpgcheck ? rd->package_keys : NULL;
	r = kmend_repo_list_add(rd->out, &repo);
out:
	for (size_t i = 0; i < repo.nkeys; i++) {
		free(repo.keys[i].name);
		free(repo.keys[i].data);
	}
	free(repo.keys);
	kmend_strv_free(urls);
	kmend_strv_free(keys);
	free(sec->baseurl);
	free(sec->mirrorlist);
	free(sec->metalink);
	free(sec->gpgkey);
	*sec = (struct repo_section){.enabled = -1, .gpgcheck = -1, .repo_gpgcheck = -1};
	return r;
}

static char *trimmed(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return strndup(p, (size_t)(end - p));
}

/* An ini file: [sections], key=value, continuation lines, # and ; comments. */
static int parse_ini(struct dnf_read *rd, const struct kmend_fix_file *file, bool main_only)
{
	struct repo_section sec = {.enabled = -1, .gpgcheck = -1, .repo_gpgcheck = -1};
	const char *p = file->data, *end = p + file->len;
	char **last = NULL;
	long line = 0;
	int r = 0;

	while (p < end && r == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *eq;
		_cleanup_free_ char *key = NULL, *value = NULL;
		if (!eol)
			eol = end;
		line++;
		if (p == eol || *p == '#' || *p == ';') {
			p = eol < end ? eol + 1 : end;
			continue;
		}
		if ((*p == ' ' || *p == '\t') && last && *last) {
			/* A continuation line adds to the last value (baseurl, gpgkey lists). */
			_cleanup_free_ char *more = trimmed(p, eol);
			char *joined;
			if (!more || asprintf(&joined, "%s\n%s", *last, more) < 0) {
				r = -ENOMEM;
				break;
			}
			free(*last);
			*last = joined;
		} else if (*p == '[') {
			const char *close = memchr(p, ']', (size_t)(eol - p));
			if ((r = section_done(rd, &sec)) < 0)
				break;
			last = NULL;
			if (!close) {
				r = kmend_error_set(rd->err, -KMEND_E_BAD_INPUT, file->path, 0,
				                    "a section header without ']'");
				kmend_error_at_line(rd->err, line);
				break;
			}
			snprintf(sec.id, sizeof(sec.id), "%.*s", (int)(close - p - 1), p + 1);
			snprintf(sec.origin, sizeof(sec.origin), "%s:%ld", file->path, line);
		} else if ((eq = memchr(p, '=', (size_t)(eol - p)))) {
			if (!(key = trimmed(p, eq)) || !(value = trimmed(eq + 1, eol))) {
				r = -ENOMEM;
				break;
			}
			last = NULL;
			if (main_only || !strcmp(sec.id, "main")) {
				if (!strcmp(key, "gpgcheck"))
					rd->gpgcheck = bool_value(value);
				else if (!strcmp(key, "repo_gpgcheck"))
					rd->repo_gpgcheck = bool_value(value);
			} else if (!strcmp(key, "baseurl")) {
				free(sec.baseurl);
				sec.baseurl = TAKE_PTR(value);
				last = &sec.baseurl;
			} else if (!strcmp(key, "gpgkey")) {
				free(sec.gpgkey);
				sec.gpgkey = TAKE_PTR(value);
				last = &sec.gpgkey;
			} else if (!strcmp(key, "mirrorlist")) {
				free(sec.mirrorlist);
				sec.mirrorlist = TAKE_PTR(value);
			} else if (!strcmp(key, "metalink")) {
				free(sec.metalink);
				sec.metalink = TAKE_PTR(value);
			} else if (!strcmp(key, "enabled")) {
				sec.enabled = bool_value(value);
			} else if (!strcmp(key, "gpgcheck")) {
				sec.gpgcheck = bool_value(value);
			} else if (!strcmp(key, "repo_gpgcheck")) {
				sec.repo_gpgcheck = bool_value(value);
			}
		} else {
			r = kmend_error_set(rd->err, -KMEND_E_BAD_INPUT, file->path, 0,
			                    "a line that is neither [section] nor key=value");
			kmend_error_at_line(rd->err, line);
			break;
		}
		p = eol < end ? eol + 1 : end;
	}
	if (r == 0 && !main_only)
		r = section_done(rd, &sec);
	free(sec.baseurl);
	free(sec.mirrorlist);
	free(sec.metalink);
	free(sec.gpgkey);
	return r;
}

static int repo_file(const struct kmend_fix_file *f, void *ctx)
{
	size_t n = strlen(f->path);

	return n > 5 && !strcmp(f->path + n - 5, ".repo") ? parse_ini(ctx, f, false) : 0;
}

static int dnf_read_repos(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
                          struct kmend_error *err)
{
	struct dnf_read rd = {
	    .ctx = ctx, .out = out, .err = err, .gpgcheck = 0, .repo_gpgcheck = 0};
	const struct kmend_repo_options *opts = ctx->opts;
	const struct kmend_fix_file *conf;
	char release[64];
	int r;

	/* $releasever: the major version (Amazon Linux: the whole one), unless the image sets it.
	 */
	snprintf(release, sizeof(release), "%.*s",
	         !strcmp(ctx->os->id, "amzn") ? 63 : (int)strcspn(ctx->os->version_id, "."),
	         ctx->os->version_id);
	if ((r = set_var(&rd, "releasever", release, strlen(release))) < 0 ||
	    (r = set_var(&rd, "basearch", ctx->arch, strlen(ctx->arch))) < 0 ||
	    (r = set_var(&rd, "arch", ctx->arch, strlen(ctx->arch))) < 0 ||
	    (r = kmend_fix_files_each_in(ctx->files, "etc/yum/vars", var_file, &rd)) < 0 ||
	    (r = kmend_fix_files_each_in(ctx->files, "etc/dnf/vars", var_file, &rd)) < 0)
		goto out;
	if ((conf = kmend_fix_files_get(ctx->files, "etc/yum.conf")) &&
	    (r = parse_ini(&rd, conf, true)) < 0)
		goto out;
	if ((conf = kmend_fix_files_get(ctx->files, "etc/dnf/dnf.conf")) &&
	    (r = parse_ini(&rd, conf, true)) < 0)
		goto out;
	if ((r = kmend_fix_files_each_in(ctx->files, "etc/yum.repos.d", repo_file, &rd)) < 0)
		goto out;
	if (opts->mirrors && opts->mirrors[0]) {
		/* Each mirror is one rpm-md repository (URL/repodata/repomd.xml). */
		for (size_t i = 0; opts->mirror_keys && opts->mirror_keys[i] && r == 0; i++) {
			_cleanup_free_ char *data = NULL;
			size_t len;
			if ((r = kmend_read_file(opts->mirror_keys[i], 1024 * 1024, &data, &len,
			                         err)) == 0)
				r = kmend_repo_add_key(&rd.mirror_keys, opts->mirror_keys[i], data,
				                       len);
		}
		for (size_t m = 0; opts->mirrors[m] && r == 0; m++) {
			struct kmend_repo repo = rd.mirror_keys;
			char url[2048];
			size_t n = (size_t)snprintf(url, sizeof(url), "%s", opts->mirrors[m]);
			while (n && url[n - 1] == '/')
				url[--n] = '\0';
			repo.origin = "--mirror";
			repo.url = url;
			repo.arch = (char *)ctx->arch;
			repo.trust = opts->allow_unsigned ? KMEND_REPO_UNSIGNED : KMEND_REPO_VERIFY;
			repo.package_gpgcheck = rd.any_gpgcheck;
			repo.package_keys = rd.any_gpgcheck ? rd.package_keys : NULL;
			r = kmend_repo_list_add(out, &repo);
		}
	}
	if (r == 0 && out->count == 0) {
		r = kmend_error_set(err, -KMEND_E_NOT_FOUND, "etc/yum.repos.d", 0,
		                    "the image configures no rpm-md repository kmend can read");
		kmend_error_hint(err, "name one with --mirror URL (a repository holding "
		                      "repodata/repomd.xml)");
	}
out:
	kmend_strv_free(rd.vars);
	kmend_strv_free(rd.package_keys);
	kmend_repo_clear(&rd.mirror_keys);
	return r;
}

static void dnf_write_fetch(FILE *out)
{
	fputs("kmend_get() {\n"
	      "  if command -v curl >/dev/null 2>&1; then\n"
	      "    curl -fsSL -o \"$2\" \"$1\"\n"
	      "  else\n"
	      "    wget -q -O \"$2\" \"$1\"\n"
	      "  fi\n"
	      "}\n",
	      out);
}

/* rpm -q prints the epoch only when there is one, as kmend writes versions; a line per arch. */
static void dnf_write_installed(FILE *out, const struct kmend_fix_package *p)
{
	char want[512];

	snprintf(want, sizeof(want), "%s.%s", p->version, p->arch);
	fputs("rpm -q --qf '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}.%{ARCH}\\n' ", out);
	kmend_sh_quote(out, p->name);
	fputs(" 2>/dev/null | grep -qxF ", out);
	kmend_sh_quote(out, want);
}

/* Where the repository sets gpgcheck: the image's keys imported, each signature checked. */
static void dnf_write_install(FILE *out, const struct kmend_fix_plan *plan)
{
	if (plan->package_gpgcheck) {
		for (char **k = plan->package_keys; k && *k; k++) {
			char path[4200];
			snprintf(path, sizeof(path), "/%s", *k);
			fputs("  rpm --import ", out);
			kmend_sh_quote(out, path);
			fputs("\n", out);
		}
		fputs("  for kmend_f in $kmend_todo; do\n"
		      "    rpm -K \"$kmend_f\" >&2 || { echo \"kmend: $kmend_f: its signature does "
		      "not verify with the image's keys\" >&2; exit 1; }\n"
		      "  done\n",
		      out);
	}
	fputs("  rpm -U $kmend_todo >&2\n", out);
}

const struct kmend_pkgmgr kmend_pkgmgr_dnf = {
    .name = "dnf",
    .type = KMEND_PKG_RPM,
    .scheme = &kmend_version_rpm,
    .config_paths = dnf_config_paths,
    .programs = dnf_programs,
    .arch_of_platform = dnf_arch_of_platform,
    .arch_indep = "noarch",
    .missing_tool = dnf_missing_tool,
    .read_repos = dnf_read_repos,
    .load = kmend_rpmmd_load,
    .parse_index = kmend_rpmmd_parse_primary,
    .parse_relation = kmend_relation_parse_rpm,
    .write_fetch = dnf_write_fetch,
    .write_installed = dnf_write_installed,
    .write_install = dnf_write_install,
};
