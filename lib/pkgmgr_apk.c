/*
 * The apk family (Alpine, Wolfi, Chainguard): /etc/apk/repositories, APKINDEX.tar.gz signed
 * with the keys in /etc/apk/keys, and steps that download with busybox wget (or curl) and
 * install with apk add. apk's index pins a package's control part, not its file: kmend fetches
 * each planned package once at plan time, checks it against the signed index, and records the
 * file's SHA-256 for the download step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "fix_plan.h"
#include "fsutil.h"
#include "http.h"
#include "kmend_limits.h"
#include "repo_apk.h"
#include "strv.h"

static const char *const apk_config_paths[] = {"etc/apk/repositories", "etc/apk/keys/",
                                               "etc/apk/arch", NULL};

static const char *const apk_programs[] = {
    "sbin/apk",     "usr/sbin/apk", "bin/apk",      "usr/bin/apk",
    "usr/bin/wget", "bin/wget",     "usr/bin/curl", NULL};

static const struct {
	const char *oci, *apk;
} apk_arches[] = {
    {"amd64", "x86_64"},        {"arm64", "aarch64"}, {"arm64/v8", "aarch64"},
    {"arm/v7", "armv7"},        {"arm/v6", "armhf"},  {"386", "x86"},
    {"ppc64le", "ppc64le"},     {"s390x", "s390x"},   {"riscv64", "riscv64"},
    {"loong64", "loongarch64"},
};

static const char *apk_arch_of_platform(const char *platform)
{
	const char *arch = strchr(platform, '/');

	for (size_t i = 0; arch && i < sizeof(apk_arches) / sizeof(apk_arches[0]); i++)
		if (!strcmp(arch + 1, apk_arches[i].oci))
			return apk_arches[i].apk;
	return NULL;
}

static const char *const sh_paths[] = {"bin/sh", NULL};
static const char *const apk_paths[] = {"sbin/apk", "usr/sbin/apk", "bin/apk", "usr/bin/apk", NULL};
static const char *const downloaders[] = {"usr/bin/wget", "bin/wget", "usr/bin/curl", NULL};
static const char *const sha256sum[] = {"usr/bin/sha256sum", "bin/sha256sum", NULL};

static const char *apk_missing_tool(const struct kmend_fix_files *files)
{
	if (!kmend_pkgmgr_find_program(files, sh_paths))
		return "the image has no /bin/sh to run the install step";
	if (!kmend_pkgmgr_find_program(files, apk_paths))
		return "the image has no apk to install packages with";
	if (!kmend_pkgmgr_find_program(files, downloaders))
		return "the image has no wget or curl to download packages with";
	if (!kmend_pkgmgr_find_program(files, sha256sum))
		return "the image has no sha256sum to check the downloads with";
	return NULL;
}

static int add_key(const struct kmend_fix_file *f, void *ctx)
{
	return kmend_repo_add_key(ctx, f->path, f->data, f->len);
}

/* The last two parts of a repository URL ("v3.19/main"), as a mirror lays them out. */
static const char *url_tail(const char *url)
{
	const char *end = url + strlen(url), *p = end;
	int slashes = 0;

	while (p > url && slashes < 2)
		if (*--p == '/')
			slashes++;
	return slashes == 2 ? p + 1 : url;
}

static int add_repo(struct kmend_repo_list *out, struct kmend_repo *keys, const char *origin,
                    const char *url, const char *arch, enum kmend_repo_trust trust, bool optional)
{
	struct kmend_repo repo = *keys;
	char buf[2048];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s", url);

	while (n && buf[n - 1] == '/')
		buf[--n] = '\0';
	repo.origin = (char *)origin;
	repo.url = buf;
	repo.arch = (char *)arch;
	repo.trust = trust;
	repo.optional = optional;
	return kmend_repo_list_add(out, &repo);
}

static int apk_read_repos(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
                          struct kmend_error *err)
{
	const struct kmend_fix_file *list = kmend_fix_files_get(ctx->files, "etc/apk/repositories");
	const struct kmend_fix_file *archf = kmend_fix_files_get(ctx->files, "etc/apk/arch");
	const struct kmend_repo_options *opts = ctx->opts;
	bool mirrors = opts->mirrors && opts->mirrors[0];
	struct kmend_repo keys = {0};
	char arch[64], **tails = NULL, origin[512];
	long line = 0;
	int r;

	snprintf(arch, sizeof(arch), "%.*s", archf ? (int)strcspn(archf->data, " \t\r\n") : 63,
	         archf ? archf->data : ctx->arch);
	if ((r = kmend_fix_files_each_in(ctx->files, "etc/apk/keys", add_key, &keys)) < 0)
		goto out;
	for (size_t i = 0; opts->mirror_keys && opts->mirror_keys[i] && r == 0; i++) {
		_cleanup_free_ char *data = NULL;
		size_t len;
		if ((r = kmend_read_file(opts->mirror_keys[i], 1024 * 1024, &data, &len, err)) == 0)
			r = kmend_repo_add_key(&keys, opts->mirror_keys[i], data, len);
	}
	for (const char *p = list ? list->data : NULL, *end = p ? p + list->len : NULL;
	     p && p < end && r == 0;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		_cleanup_free_ char *text = NULL;
		char **words = NULL;

		if (!eol)
			eol = end;
		line++;
		text = strndup(p, (size_t)(eol - p));
		p = eol < end ? eol + 1 : end;
		if (!text) {
			r = -ENOMEM;
			break;
		}
		text[strcspn(text, "#")] = '\0';
		if ((r = kmend_strv_split(&words, text, strlen(text), " \t\r")) < 0 || !words) {
			kmend_strv_free(words);
			continue;
		}
		snprintf(origin, sizeof(origin), "etc/apk/repositories:%ld", line);
		if (words[0][0] == '@') {
			kmend_warn(
			    ctx->warnings, "unsupported-source",
			    "%s: tagged repository %s is only for pinned packages; kmend skips it",
			    origin, words[0]);
		} else if (strncmp(words[0], "http://", 7) && strncmp(words[0], "https://", 8)) {
			kmend_warn(
			    ctx->warnings, "unsupported-source",
			    "%s: kmend reads http and https repositories only; %s is skipped",
			    origin, words[0]);
		} else if (mirrors) {
			r = kmend_strv_has(tails, url_tail(words[0]))
			        ? 0
			        : kmend_strv_push(&tails, url_tail(words[0]),
			                          strlen(url_tail(words[0])));
		} else {
			r = add_repo(out, &keys, origin, words[0], arch, KMEND_REPO_VERIFY, false);
		}
		kmend_strv_free(words);
	}
	if (r == 0 && mirrors) {
		if (!tails) {
			/* No repository in the image: the release's own main and community. */
			char v[80];
			int dots = 0;
			size_t n = 0;
			const char *id = ctx->os->version_id;
			while (id[n] && !(id[n] == '.' && ++dots == 2))
				n++;
			snprintf(v, sizeof(v), "v%.*s/main", (int)n, id);
			r = kmend_strv_push(&tails, v, strlen(v));
			snprintf(v, sizeof(v), "v%.*s/community", (int)n, id);
			if (r == 0)
				r = kmend_strv_push(&tails, v, strlen(v));
		}
		for (size_t m = 0; r == 0 && opts->mirrors[m]; m++)
			for (size_t t = 0; r == 0 && tails[t]; t++) {
				char url[2048];
				size_t n = strlen(opts->mirrors[m]);
				while (n && opts->mirrors[m][n - 1] == '/')
					n--;
				snprintf(url, sizeof(url), "%.*s/%s", (int)n, opts->mirrors[m],
				         tails[t]);
				r = add_repo(out, &keys, "--mirror", url, arch,
				             opts->allow_unsigned ? KMEND_REPO_UNSIGNED
				                                  : KMEND_REPO_VERIFY,
				             true);
			}
	}
	if (r == 0 && out->count == 0) {
		r = kmend_error_set(err, -KMEND_E_NOT_FOUND, "etc/apk/repositories", 0,
		                    "the image configures no apk repository kmend can read");
		kmend_error_hint(err, "name one with --mirror URL (Alpine's layout: "
		                      "URL/vX.Y/main/ARCH/APKINDEX.tar.gz)");
	}
out:
	kmend_strv_free(tails);
	kmend_repo_clear(&keys);
	return r;
}

static int load_index(struct kmend_repo_session *s, const struct kmend_repo *repo, const char *part,
                      struct kmend_repo_index *out, struct kmend_error *err)
{
	_cleanup_free_ char *body = NULL;
	char url[4200], *text;
	size_t len, tlen;
	long status;
	int r;

	(void)part;
	snprintf(url, sizeof(url), "%s/%s/APKINDEX.tar.gz", repo->url, repo->arch);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_REPO_FETCH_MAX, &body, &len,
	                          &status, err)) < 0)
		return r;
	if (status == 404 || status == 403 || status == 410)
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, url, 0, "no index (HTTP %ld)",
		                       status);
	if (status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	if ((r = kmend_apk_index_open(body, len, repo->keys, repo->nkeys, repo->trust, url, &text,
	                              &tlen, &out->warnings, err)) < 0)
		return r;
	if (!(out->name = strdup(url))) {
		free(text);
		return -ENOMEM;
	}
	return kmend_apk_parse_index(text, tlen, repo->url, url, out, err);
}

static int apk_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                    const struct kmend_repo_index **indexes, size_t *n, size_t max,
                    struct kmend_warnings *warnings, struct kmend_error *err)
{
	return kmend_repo_load_part(s, repo, NULL, load_index, indexes, n, max, warnings, err);
}

/* The package file, fetched once and checked against the signed index; its SHA-256 recorded. */
static int apk_pin(struct kmend_repo_session *s, struct kmend_fix_package *p,
                   struct kmend_error *err)
{
	const struct kmend_repo_options *opts = kmend_repo_session_options(s);
	struct kmend_http_request req = {
	    .url = p->url, .what = p->url, .insecure = opts->insecure_tls};
	struct kmend_http_response resp;
	char path[4200] = "", digest[KMEND_DIGEST_MAX];
	_cleanup_free_ char *body = NULL;
	size_t len;
	int r;

	/* Cached by the index's checksum of the package, which names its content. */
	if (opts->cache_dir && p->checksum &&
	    strspn(p->checksum, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                        "abcdefghijklmnopqrstuvwxyz"
	                        "0123456789+=") == strlen(p->checksum)) {
		char dir[4200];
		snprintf(dir, sizeof(dir), "%s/repo/apk", opts->cache_dir);
		snprintf(path, sizeof(path), "%s/%s.apk", dir, p->checksum);
		if (kmend_read_file(path, KMEND_REPO_FETCH_MAX, &body, &len, NULL) == 0 &&
		    kmend_apk_package_check(body, len, p->checksum, p->url, NULL) == 0)
			goto pinned;
		free(TAKE_PTR(body));
		kmend_mkdir_p(dir, 0700);
	}
	if ((r = kmend_http_get(&req, KMEND_REPO_FETCH_MAX, &body, &len, &resp, err)) < 0)
		return r;
	if (resp.status != 200)
		return kmend_error_set(
		    err, resp.status == 404 ? -KMEND_E_NOT_FOUND : -KMEND_E_NETWORK, p->url, 0,
		    "the index lists it, but the server answered HTTP %ld", resp.status);
	if ((r = kmend_apk_package_check(body, len, p->checksum, p->url, err)) < 0)
		return r;
	if (path[0])
		kmend_write_file_atomic(path, body, len, 0600, NULL);
pinned:
	if (p->size && len != p->size)
		return kmend_error_set(err, -KMEND_E_DIGEST, p->url, 0,
		                       "is %zu bytes, but the signed index says %llu", len,
		                       (unsigned long long)p->size);
	kmend_digest_of(body, len, digest);
	memcpy(p->sha256, kmend_digest_hex(digest), 65);
	return 0;
}

static int apk_pin_files(struct kmend_repo_session *s, struct kmend_fix_plan *plan,
                         struct kmend_error *err)
{
	for (size_t i = 0; i < plan->npackages; i++) {
		int r = apk_pin(s, &plan->packages[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void apk_write_fetch(FILE *out)
{
	fputs("kmend_get() {\n"
	      "  if command -v wget >/dev/null 2>&1; then\n"
	      "    wget -q -O \"$2\" \"$1\"\n"
	      "  else\n"
	      "    curl -fsSL -o \"$2\" \"$1\"\n"
	      "  fi\n"
	      "}\n",
	      out);
}

/* The version lib/apk/db/installed lists for a package. */
static void apk_write_install_helpers(FILE *out)
{
	fputs(
	    "kmend_installed() {\n"
	    "  awk -v p=\"$1\" '/^P:/ { n = substr($0, 3) } /^V:/ && n == p { print substr($0, 3) "
	    "}' /lib/apk/db/installed\n"
	    "}\n",
	    out);
}

static void apk_write_installed(FILE *out, const struct kmend_fix_package *p)
{
	fputs("[ \"`kmend_installed ", out);
	kmend_sh_quote(out, p->name);
	fputs("`\" = ", out);
	kmend_sh_quote(out, p->version);
	fputs(" ]", out);
}

/* apk add takes an argument with ".apk" in it as a file; ./ makes it a path too. */
static void apk_write_install(FILE *out, const struct kmend_fix_plan *plan)
{
	(void)plan;
	fputs("  kmend_files=\n"
	      "  for kmend_f in $kmend_todo; do kmend_files=\"$kmend_files ./$kmend_f\"; done\n"
	      "  apk add --no-network --no-cache $kmend_files >&2\n",
	      out);
}

const struct kmend_pkgmgr kmend_pkgmgr_apk = {
    .name = "apk",
    .type = KMEND_PKG_APK,
    .scheme = &kmend_version_apk,
    .config_paths = apk_config_paths,
    .programs = apk_programs,
    .arch_of_platform = apk_arch_of_platform,
    .arch_indep = "noarch",
    .missing_tool = apk_missing_tool,
    .read_repos = apk_read_repos,
    .load = apk_load,
    .parse_index = kmend_apk_parse_index,
    .parse_relation = kmend_relation_parse_apk,
    .pin_files = apk_pin_files,
    .write_fetch = apk_write_fetch,
    .write_install_helpers = apk_write_install_helpers,
    .write_installed = apk_write_installed,
    .write_install = apk_write_install,
};
