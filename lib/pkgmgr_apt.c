/*
 * The apt/dpkg family (Debian, Ubuntu): sources.list and deb822 .sources, InRelease or
 * Release + Release.gpg checked with gpgv, Packages indexes checked against the Release's
 * SHA-256, and steps that download with apt-helper and install with dpkg.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "fix_plan.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "kvtext.h"
#include "pkgmgr.h"
#include "repo_gpg.h"

static const char *const apt_config_paths[] = {
    "etc/apt/sources.list",
    "etc/apt/sources.list.d/",
    "etc/apt/trusted.gpg",
    "etc/apt/trusted.gpg.d/",
    "etc/apt/keyrings/",
    "usr/share/keyrings/",
    NULL,
};

#define APT_HELPER "usr/lib/apt/apt-helper"

static const char *const apt_programs[] = {
    "usr/bin/dpkg",   "bin/dpkg", "usr/bin/dpkg-query",
    "bin/dpkg-query", APT_HELPER, "usr/bin/curl",
    "usr/bin/wget",   "bin/wget", NULL,
};

static const struct {
	const char *oci, *deb;
} apt_arches[] = {
    {"amd64", "amd64"},  {"arm64", "arm64"},     {"arm/v7", "armhf"},      {"arm/v6", "armel"},
    {"arm/v5", "armel"}, {"arm", "armhf"},       {"386", "i386"},          {"ppc64le", "ppc64el"},
    {"s390x", "s390x"},  {"riscv64", "riscv64"}, {"mips64le", "mips64el"},
};

static const char *apt_arch_of_platform(const char *platform)
{
	const char *arch = strchr(platform, '/');

	if (!arch)
		return NULL;
	arch++;
	for (size_t i = 0; i < sizeof(apt_arches) / sizeof(apt_arches[0]); i++)
		if (!strcmp(arch, apt_arches[i].oci))
			return apt_arches[i].deb;
	/* "arm64/v8" and the like: the variant does not change Debian's name. */
	for (size_t i = 0; i < sizeof(apt_arches) / sizeof(apt_arches[0]); i++) {
		size_t n = strlen(apt_arches[i].oci);
		if (!strncmp(arch, apt_arches[i].oci, n) && arch[n] == '/' &&
		    !strchr(apt_arches[i].oci, '/'))
			return apt_arches[i].deb;
	}
	return NULL;
}

static bool apt_arch_matches(const char *pkg_arch, const char *installed_arch, const char *arch)
{
	if (!installed_arch || !strcmp(pkg_arch, installed_arch))
		return true;
	/* A package may move between Architecture: all and the native architecture. */
	return (!strcmp(pkg_arch, "all") && !strcmp(installed_arch, arch)) ||
	       (!strcmp(installed_arch, "all") && !strcmp(pkg_arch, arch));
}

static const char *const sh_paths[] = {"bin/sh", NULL};
static const char *const dpkg_paths[] = {"usr/bin/dpkg", "bin/dpkg", NULL};
static const char *const downloaders[] = {APT_HELPER, "usr/bin/curl", "usr/bin/wget", "bin/wget",
                                          NULL};

static const char *apt_missing_tool(const struct kmend_fix_files *files)
{
	if (!kmend_pkgmgr_find_program(files, sh_paths))
		return "the image has no /bin/sh to run the install step";
	if (!kmend_pkgmgr_find_program(files, dpkg_paths))
		return "the image has no dpkg to install packages with";
	if (!kmend_pkgmgr_find_program(files, downloaders))
		return "the image has no apt-helper, curl or wget to download packages with";
	return NULL;
}

/* One source entry, from either syntax, before it becomes repositories. */
struct apt_source {
	char origin[512];
	char **uris, **suites, **components, **arches, **signed_by;
	char *inline_key; /* a deb822 Signed-By holding the key itself */
	int trusted;      /* -1 unset, 0 no, 1 yes */
	bool check_valid_until;
	bool deb; /* a "deb" entry (deb-src is not for binaries) */
};

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void source_clear(struct apt_source *s)
{
	strv_free(s->uris);
	strv_free(s->suites);
	strv_free(s->components);
	strv_free(s->arches);
	strv_free(s->signed_by);
	free(s->inline_key);
	memset(s, 0, sizeof(*s));
}

static size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int strv_push(char ***v, const char *s, size_t len)
{
	size_t n = strv_len(*v);
	char **bigger = realloc(*v, (n + 2) * sizeof(**v));

	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	if (!(bigger[n] = strndup(s, len)))
		return -ENOMEM;
	bigger[n + 1] = NULL;
	return 0;
}

static bool strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Split on any of seps, skipping empty words. */
static int strv_split(char ***v, const char *s, size_t len, const char *seps)
{
	const char *end = s + len;
	int r;

	while (s < end) {
		const char *w = s;
		while (w < end && strchr(seps, *w))
			w++;
		for (s = w; s < end && !strchr(seps, *s); s++)
			;
		if (s > w && (r = strv_push(v, w, (size_t)(s - w))) < 0)
			return r;
	}
	return 0;
}

static bool yes(const char *v, size_t len)
{
	return (len == 3 && !strncasecmp(v, "yes", 3)) ||
	       (len == 4 && !strncasecmp(v, "true", 4)) || (len == 1 && *v == '1');
}

/* One option of a one-line entry's [ ... ] or one deb822 field; unknown ones are apt's own. */
static int source_option(struct apt_source *s, const char *key, size_t klen, const char *val,
                         size_t vlen)
{
#define KEY_IS(k) (klen == strlen(k) && !strncasecmp(key, k, klen))
	if (KEY_IS("arch") || KEY_IS("Architectures"))
		return strv_split(&s->arches, val, vlen, ", \t\n");
	if (KEY_IS("signed-by") || KEY_IS("Signed-By")) {
		if (memmem(val, vlen, "-----BEGIN PGP", 14))
			return (s->inline_key = strndup(val, vlen)) ? 0 : -ENOMEM;
		return strv_split(&s->signed_by, val, vlen, ", \t\n");
	}
	if (KEY_IS("trusted") || KEY_IS("Trusted"))
		s->trusted = yes(val, vlen);
	else if (KEY_IS("check-valid-until") || KEY_IS("Check-Valid-Until"))
		s->check_valid_until = yes(val, vlen);
	return 0;
#undef KEY_IS
}

static int bad_line(struct kmend_error *err, const char *file, long line, const char *what)
{
	kmend_error_set(err, -KMEND_E_BAD_INPUT, file, 0, "%s", what);
	kmend_error_at_line(err, line);
	kmend_error_hint(err, "see sources.list(5)");
	return -KMEND_E_BAD_INPUT;
}

typedef int (*source_fn)(const struct apt_source *s, void *ctx);

/* The one-line format: "deb [ options ] uri suite [component...]". */
static int parse_one_line(const struct kmend_fix_file *file, source_fn fn, void *ctx,
                          struct kmend_error *err)
{
	const char *p = file->data, *end = file->data + file->len;
	long line = 0;
	int r;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *hash;
		_cleanup_free_ char *text = NULL;
		struct apt_source s = {.trusted = -1, .check_valid_until = true};
		char **words = NULL, *q, *open, *close;

		if (!eol)
			eol = end;
		line++;
		hash = memchr(p, '#', (size_t)(eol - p));
		if (!(text = strndup(p, (size_t)((hash ? hash : eol) - p))))
			return -ENOMEM;
		p = eol < end ? eol + 1 : end;
		/* Options in brackets may hold spaces ("[ arch=amd64 signed-by=/k ]"). */
		if ((open = strchr(text, '[')) && (close = strchr(open, ']'))) {
			_cleanup_free_ char *opts = strndup(open + 1, (size_t)(close - open - 1));
			char **kv = NULL;
			if (!opts || (r = strv_split(&kv, opts, strlen(opts), " \t")) < 0) {
				strv_free(kv);
				return -ENOMEM;
			}
			for (size_t i = 0; kv && kv[i]; i++) {
				char *eq = strchr(kv[i], '=');
				if (!eq) {
					strv_free(kv);
					return bad_line(err, file->path, line,
					                "an option without '=' in [ ]");
				}
				/* "arch+=x" and "arch-=x" adjust apt's defaults: take the list. */
				q = eq > kv[i] && (eq[-1] == '+' || eq[-1] == '-') ? eq - 1 : eq;
				if ((r = source_option(&s, kv[i], (size_t)(q - kv[i]), eq + 1,
				                       strlen(eq + 1))) < 0) {
					strv_free(kv);
					source_clear(&s);
					return r;
				}
			}
			strv_free(kv);
			memset(open, ' ', (size_t)(close - open + 1));
		}
		if ((r = strv_split(&words, text, strlen(text), " \t\r")) < 0) {
			strv_free(words);
			source_clear(&s);
			return r;
		}
		if (!words) {
			source_clear(&s);
			continue;
		}
		if (strcmp(words[0], "deb") && strcmp(words[0], "deb-src")) {
			strv_free(words);
			source_clear(&s);
			return bad_line(err, file->path, line,
			                "an entry that is neither 'deb' nor 'deb-src'");
		}
		if (strv_len(words) < 3 ||
		    (words[2][strlen(words[2]) - 1] != '/' && strv_len(words) < 4)) {
			strv_free(words);
			source_clear(&s);
			return bad_line(err, file->path, line,
			                "an entry needs a URI, a suite and (unless the suite ends "
			                "in '/') a component");
		}
		s.deb = !strcmp(words[0], "deb");
		snprintf(s.origin, sizeof(s.origin), "%s:%ld", file->path, line);
		r = strv_push(&s.uris, words[1], strlen(words[1]));
		if (r == 0)
			r = strv_push(&s.suites, words[2], strlen(words[2]));
		for (size_t i = 3; r == 0 && words[i]; i++)
			r = strv_push(&s.components, words[i], strlen(words[i]));
		strv_free(words);
		if (r == 0)
			r = fn(&s, ctx);
		source_clear(&s);
		if (r != 0)
			return r;
	}
	return 0;
}

/* deb822: a folded value loses one leading space per line; " ." is an empty line. */
static char *unfold(const char *v, size_t len)
{
	char *out = malloc(len + 2), *o = out;
	const char *p = v, *end = v + len;

	if (!out)
		return NULL;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (p != v && (*p == ' ' || *p == '\t'))
			p++;
		if (eol - p == 1 && *p == '.')
			p = eol;
		memcpy(o, p, (size_t)(eol - p));
		o += eol - p;
		*o++ = '\n';
		p = eol < end ? eol + 1 : end;
	}
	*o = '\0';
	return out;
}

static int parse_deb822(const struct kmend_fix_file *file, source_fn fn, void *ctx,
                        struct kmend_error *err)
{
	struct kvtext_reader rd;
	struct apt_source s = {.trusted = -1, .check_valid_until = true};
	bool enabled = true, has_types = false;
	long first_line = 0;
	enum kvtext_item item;
	int r = 0;

	kvtext_init(&rd, file->data, file->len);
	rd.multiline = 1;
	rd.comments = 1;
	while (r == 0 && (item = kvtext_next(&rd)) != KVTEXT_END) {
		struct kmend_span k = rd.key, v = rd.value;
		if (item == KVTEXT_MALFORMED) {
			r = bad_line(err, file->path, rd.line, "a line that is not 'Field: value'");
			break;
		}
		if (item == KVTEXT_END_RECORD) {
			if (!has_types || !s.uris || !s.suites) {
				r = bad_line(err, file->path, first_line,
				             "a stanza needs Types, URIs and Suites");
				break;
			}
			snprintf(s.origin, sizeof(s.origin), "%s:%ld", file->path, first_line);
			if (enabled)
				r = fn(&s, ctx);
			source_clear(&s);
			s = (struct apt_source){.trusted = -1, .check_valid_until = true};
			enabled = true;
			has_types = false;
			first_line = 0;
			continue;
		}
		if (!first_line)
			first_line = rd.line;
		if (kmend_span_eq(k, "Types")) {
			has_types = true;
			s.deb = memmem(v.ptr, v.len, "deb", 3) &&
			        !(v.len == 7 && !strncmp(v.ptr, "deb-src", 7));
			/* "deb deb-src": deb is there as a word of its own. */
			for (const char *w = v.ptr; w < v.ptr + v.len; w++)
				if (!strncmp(w, "deb", 3) && (w == v.ptr || w[-1] == ' ') &&
				    (w + 3 == v.ptr + v.len || w[3] == ' ' || w[3] == '\n'))
					s.deb = true;
		} else if (kmend_span_eq(k, "URIs")) {
			r = strv_split(&s.uris, v.ptr, v.len, " \t\n");
		} else if (kmend_span_eq(k, "Suites")) {
			r = strv_split(&s.suites, v.ptr, v.len, " \t\n");
		} else if (kmend_span_eq(k, "Components")) {
			r = strv_split(&s.components, v.ptr, v.len, " \t\n");
		} else if (kmend_span_eq(k, "Enabled")) {
			enabled = !(v.len == 2 && !strncasecmp(v.ptr, "no", 2));
		} else if (kmend_span_eq(k, "Signed-By")) {
			_cleanup_free_ char *u = unfold(v.ptr, v.len);
			r = u ? source_option(&s, "Signed-By", 9, u, strlen(u)) : -ENOMEM;
		} else {
			r = source_option(&s, k.ptr, k.len, v.ptr, v.len);
		}
	}
	source_clear(&s);
	return r;
}

/* What read_repos gathers: the entries, then the repositories made of them. */
struct apt_read {
	const struct kmend_pkgmgr_context *ctx;
	struct kmend_repo_list *out;
	struct kmend_repo defaults; /* keys only: trusted.gpg and trusted.gpg.d */
	struct kmend_repo all_keys; /* every key any entry uses, for mirrors */
	char **suites, **components;
	struct kmend_error *err;
};

static int add_key_once(struct kmend_repo *r, const struct kmend_repo_key *k)
{
	for (size_t i = 0; i < r->nkeys; i++)
		if (!strcmp(r->keys[i].name, k->name))
			return 0;
	return kmend_repo_add_key(r, k->name, k->data, k->len);
}

static int default_key(const struct kmend_fix_file *f, void *ctx)
{
	struct kmend_repo *keys = ctx;
	size_t n = strlen(f->path);

	if ((n > 4 && !strcmp(f->path + n - 4, ".gpg")) ||
	    (n > 4 && !strcmp(f->path + n - 4, ".asc")))
		return kmend_repo_add_key(keys, f->path, f->data, f->len);
	return 0;
}

static bool is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 16 && !(n == 41 && s[40] == '!'))
		return false;
	for (size_t i = 0; i < 40 && i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

/* The keys an entry trusts: its Signed-By, else the image's default keyrings. */
static int entry_keys(struct apt_read *rd, const struct apt_source *s, struct kmend_repo *repo)
{
	bool by_fingerprint = false;
	int r;

	if (s->inline_key)
		return kmend_repo_add_key(repo, s->origin, s->inline_key, strlen(s->inline_key));
	for (size_t i = 0; s->signed_by && s->signed_by[i]; i++) {
		const struct kmend_fix_file *f;
		if (is_fingerprint(s->signed_by[i])) {
			by_fingerprint = true;
			continue;
		}
		if (!(f = kmend_fix_files_get(rd->ctx->files, s->signed_by[i]))) {
			kmend_warn(
			    rd->ctx->warnings, "missing-keyring",
			    "%s: Signed-By names %s, which the image does not have (kmend reads "
			    "keyrings from /etc/apt and /usr/share/keyrings); its repository "
			    "will not verify unless --mirror-key gives the key",
			    s->origin, s->signed_by[i]);
			continue;
		}
		if ((r = kmend_repo_add_key(repo, f->path, f->data, f->len)) < 0)
			return r;
	}
	if (!s->signed_by || by_fingerprint) {
		if (by_fingerprint)
			kmend_warn(
			    rd->ctx->warnings, "signed-by-fingerprint",
			    "%s: Signed-By names keys by fingerprint; kmend checks against every "
			    "key the image trusts instead",
			    s->origin);
		for (size_t i = 0; i < rd->defaults.nkeys; i++)
			if ((r = add_key_once(repo, &rd->defaults.keys[i])) < 0)
				return r;
	}
	return 0;
}

static int collect_entry(const struct apt_source *s, void *ctx)
{
	struct apt_read *rd = ctx;
	const char *arch = rd->ctx->arch;
	const struct kmend_repo_options *opts = rd->ctx->opts;
	bool mirrors = opts->mirrors && opts->mirrors[0];
	int r;

	if (!s->deb)
		return 0;
	if (s->arches && !strv_has(s->arches, arch))
		return 0;
	for (size_t u = 0; s->uris[u]; u++)
		for (size_t i = 0; s->suites[i]; i++) {
			struct kmend_repo repo = {0};
			const char *uri = s->uris[u];
			size_t ulen = strlen(uri);
			bool flat = s->suites[i][strlen(s->suites[i]) - 1] == '/';

			if (strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8)) {
				kmend_warn(
				    rd->ctx->warnings, "unsupported-source",
				    "%s: kmend reads http and https repositories only; %s is "
				    "skipped",
				    s->origin, uri);
				continue;
			}
			while (ulen && uri[ulen - 1] == '/')
				ulen--;
			if (!(repo.url = strndup(uri, ulen))) {
				return -ENOMEM;
			}
			repo.origin = (char *)s->origin;
			repo.suite = s->suites[i];
			repo.components = flat ? NULL : s->components;
			repo.arch = (char *)arch;
			repo.trust = s->trusted == 1 ? KMEND_REPO_TRUSTED : KMEND_REPO_VERIFY;
			repo.check_valid_until = s->check_valid_until;
			r = entry_keys(rd, s, &repo);
			for (size_t k = 0; r == 0 && k < repo.nkeys; k++)
				r = add_key_once(&rd->all_keys, &repo.keys[k]);
			if (r == 0 && !flat && !strv_has(rd->suites, repo.suite))
				r = strv_push(&rd->suites, repo.suite, strlen(repo.suite));
			for (size_t c = 0; r == 0 && !flat && s->components && s->components[c];
			     c++)
				if (!strv_has(rd->components, s->components[c]))
					r = strv_push(&rd->components, s->components[c],
					              strlen(s->components[c]));
			if (r == 0 && !mirrors)
				r = kmend_repo_list_add(rd->out, &repo);
			free(repo.url);
			for (size_t k = 0; k < repo.nkeys; k++) {
				free(repo.keys[k].name);
				free(repo.keys[k].data);
			}
			free(repo.keys);
			if (r < 0)
				return r;
		}
	return 0;
}

static int each_source_file(const struct kmend_fix_file *f, void *ctx)
{
	struct apt_read *rd = ctx;
	size_t n = strlen(f->path);

	if (n > 5 && !strcmp(f->path + n - 5, ".list"))
		return parse_one_line(f, collect_entry, rd, rd->err);
	if (n > 8 && !strcmp(f->path + n - 8, ".sources"))
		return parse_deb822(f, collect_entry, rd, rd->err);
	return 0;
}

/* --mirror: the image's suites and its release's security and updates suites on each mirror. */
static int mirror_repos(struct apt_read *rd)
{
	const struct kmend_pkgmgr_context *ctx = rd->ctx;
	const char *codename = ctx->os->codename[0]
	                           ? ctx->os->codename
	                           : kmend_distro_codename(ctx->os->id, ctx->os->version_id);
	char extra[128];
	int r = 0;

	if (codename) {
		static const char *const suffixes[] = {"", "-security", "-updates"};
		for (size_t i = 0; i < 3 && r == 0; i++) {
			snprintf(extra, sizeof(extra), "%s%s", codename, suffixes[i]);
			if (!strv_has(rd->suites, extra))
				r = strv_push(&rd->suites, extra, strlen(extra));
		}
	}
	if (r == 0 && !rd->components)
		r = strv_push(&rd->components, "main", 4);
	if (r == 0 && !rd->suites)
		return kmend_error_set(rd->err, -KMEND_E_NOT_FOUND, ctx->os->pretty_name, 0,
		                       "--mirror: kmend cannot tell which suites to use: the image "
		                       "names none and kmend does not know its release's codename");
	for (size_t k = 0; r == 0 && k < rd->defaults.nkeys; k++)
		r = add_key_once(&rd->all_keys, &rd->defaults.keys[k]);
	for (size_t m = 0; r == 0 && ctx->opts->mirrors[m]; m++)
		for (size_t i = 0; r == 0 && rd->suites[i]; i++) {
			struct kmend_repo repo = rd->all_keys;
			char url[2048];
			size_t n = (size_t)snprintf(url, sizeof(url), "%s", ctx->opts->mirrors[m]);
			while (n && url[n - 1] == '/')
				url[--n] = '\0';
			repo.origin = "--mirror";
			repo.url = url;
			repo.suite = rd->suites[i];
			repo.components = rd->components;
			repo.arch = (char *)ctx->arch;
			repo.trust =
			    ctx->opts->allow_unsigned ? KMEND_REPO_UNSIGNED : KMEND_REPO_VERIFY;
			repo.check_valid_until = true;
			/* A mirror need not carry every suite; each one missing is warned about. */
			repo.optional = true;
			r = kmend_repo_list_add(rd->out, &repo);
		}
	return r;
}

static int mirror_key_files(struct kmend_repo *keys, const struct kmend_repo_options *opts,
                            struct kmend_error *err)
{
	for (size_t i = 0; opts->mirror_keys && opts->mirror_keys[i]; i++) {
		_cleanup_free_ char *data = NULL;
		size_t len;
		int r;
		if ((r = kmend_read_file(opts->mirror_keys[i], 1024 * 1024, &data, &len, err)) <
		    0) {
			kmend_error_hint(err, "--mirror-key names an OpenPGP key file");
			return r;
		}
		if ((r = kmend_repo_add_key(keys, opts->mirror_keys[i], data, len)) < 0)
			return r;
	}
	return 0;
}

static int apt_read_repos(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
                          struct kmend_error *err)
{
	struct apt_read rd = {.ctx = ctx, .out = out, .err = err};
	const struct kmend_fix_file *list = kmend_fix_files_get(ctx->files, "etc/apt/sources.list");
	const struct kmend_fix_file *trusted =
	    kmend_fix_files_get(ctx->files, "etc/apt/trusted.gpg");
	bool mirrors = ctx->opts->mirrors && ctx->opts->mirrors[0];
	int r = 0;

	if (trusted)
		r = kmend_repo_add_key(&rd.defaults, trusted->path, trusted->data, trusted->len);
	if (r == 0)
		r = kmend_fix_files_each_in(ctx->files, "etc/apt/trusted.gpg.d", default_key,
		                            &rd.defaults);
	if (r == 0 && list)
		r = parse_one_line(list, collect_entry, &rd, err);
	if (r == 0)
		r = kmend_fix_files_each_in(ctx->files, "etc/apt/sources.list.d", each_source_file,
		                            &rd);
	if (r == 0 && mirrors && (r = mirror_key_files(&rd.all_keys, ctx->opts, err)) == 0)
		r = mirror_repos(&rd);
	if (r == 0 && !mirrors && ctx->opts->mirror_keys)
		for (size_t i = 0; r == 0 && i < out->count; i++)
			r = mirror_key_files(&out->items[i], ctx->opts, err);
	if (r == 0 && out->count == 0)
		r = kmend_error_set(err, -KMEND_E_NOT_FOUND, "etc/apt/sources.list", 0,
		                    "the image configures no apt repository kmend can read");
	if (r == -KMEND_E_NOT_FOUND)
		kmend_error_hint(err, "name one with --mirror URL (Debian's layout: "
		                      "URL/dists/SUITE/COMPONENT/binary-ARCH/Packages.xz)");
	kmend_repo_clear(&rd.defaults);
	kmend_repo_clear(&rd.all_keys);
	strv_free(rd.suites);
	strv_free(rd.components);
	return r;
}

/* The Release file: which suite it is, until when, and the checksums of its indexes. */
struct release {
	struct kmend_span suite, codename, valid_until, sha256, no_all;
};

static int parse_release(const char *text, size_t len, struct release *rel)
{
	struct kvtext_reader rd;
	enum kvtext_item item;

	memset(rel, 0, sizeof(*rel));
	kvtext_init(&rd, text, len);
	rd.multiline = 1;
	while ((item = kvtext_next(&rd)) != KVTEXT_END) {
		if (item == KVTEXT_END_RECORD)
			break;
		if (item != KVTEXT_FIELD)
			continue;
		if (kmend_span_eq(rd.key, "Suite"))
			rel->suite = rd.value;
		else if (kmend_span_eq(rd.key, "Codename"))
			rel->codename = rd.value;
		else if (kmend_span_eq(rd.key, "Valid-Until"))
			rel->valid_until = rd.value;
		else if (kmend_span_eq(rd.key, "SHA256"))
			rel->sha256 = rd.value;
		else if (kmend_span_eq(rd.key, "No-Support-for-Architecture-all"))
			rel->no_all = rd.value;
	}
	return rel->sha256.len ? 0 : -KMEND_E_BAD_INPUT;
}

/* The SHA256 line for path: "hash size path". */
static bool release_entry(const struct release *rel, const char *path, char hash[65],
                          uint64_t *size)
{
	const char *p = rel->sha256.ptr, *end = p + rel->sha256.len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char h[80], name[1024];
		unsigned long long sz;
		_cleanup_free_ char *line = NULL;

		if (!eol)
			eol = end;
		if ((line = strndup(p, (size_t)(eol - p))) &&
		    sscanf(line, " %79s %llu %1023s", h, &sz, name) == 3 && !strcmp(name, path) &&
		    strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64) {
			memcpy(hash, h, 65);
			*size = sz;
			return true;
		}
		p = eol < end ? eol + 1 : end;
	}
	return false;
}

/* RFC 2822 dates as Release files write them: "Sat, 30 Nov 2024 12:00:00 UTC". */
static long long release_time(struct kmend_span v)
{
	char buf[64];
	struct tm tm = {0};
	const char *rest;

	if (v.len >= sizeof(buf))
		return -1;
	memcpy(buf, v.ptr, v.len);
	buf[v.len] = '\0';
	rest = strptime(buf, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!rest)
		return -1;
	return (long long)timegm(&tm);
}

/* dists/SUITE/ or, for a flat repository, SUITE itself. */
static void dist_url(const struct kmend_repo *repo, const char *file, char *out, size_t size)
{
	if (repo->suite[strlen(repo->suite) - 1] == '/')
		snprintf(out, size, "%s/%s%s", repo->url, repo->suite, file);
	else
		snprintf(out, size, "%s/dists/%s/%s", repo->url, repo->suite, file);
}

/* Fetch and verify the Release; *text holds only what the signature covers. */
static int fetch_release(struct kmend_repo_session *s, const struct kmend_repo *repo, char **text,
                         size_t *len, char url[4200], struct kmend_warnings *warnings,
                         struct kmend_error *err)
{
	char gurl[4200];
	_cleanup_free_ char *body = NULL, *sig = NULL;
	size_t blen, slen;
	long status;
	int r;

	dist_url(repo, "InRelease", url, 4200);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_REPO_FETCH_MAX, &body,
	                          &blen, &status, err)) < 0)
		return r;
	if (status == 200) {
		if (repo->trust == KMEND_REPO_TRUSTED) {
			/* [trusted=yes]: as configured, no signature is needed; the text is the
			   part between the armor lines when there is one. */
			const char *b = strstr(body, "\n\n"),
			           *e = strstr(body, "\n-----BEGIN PGP SIGNATURE");
			if (!strncmp(body, "-----BEGIN PGP SIGNED MESSAGE", 29) && b && e &&
			    e > b) {
				*len = (size_t)(e - b - 1);
				if (!(*text = strndup(b + 2, *len)))
					return -ENOMEM;
				return 0;
			}
			*text = TAKE_PTR(body);
			*len = blen;
			return 0;
		}
		return kmend_repo_gpg_verify_clearsigned(repo->keys, repo->nkeys, body, blen, url,
		                                         text, len, err);
	}
	if (status != 404 && status != 403 && status != 410)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	free(TAKE_PTR(body));
	dist_url(repo, "Release", url, 4200);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_REPO_FETCH_MAX, &body,
	                          &blen, &status, err)) < 0)
		return r;
	if (status == 404 || status == 403 || status == 410) {
		dist_url(repo, "", url, 4200);
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, url, 0,
		                       "no InRelease or Release file (HTTP %ld)", status);
	}
	if (status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	dist_url(repo, "Release.gpg", gurl, sizeof(gurl));
	if ((r = kmend_repo_fetch(s, gurl, NULL, UINT64_MAX, NULL, 1024 * 1024, &sig, &slen,
	                          &status, err)) < 0)
		return r;
	if (repo->trust != KMEND_REPO_TRUSTED && status == 200) {
		if ((r = kmend_repo_gpg_verify_detached(repo->keys, repo->nkeys, body, blen, sig,
		                                        slen, url, err)) < 0)
			return r;
	} else if (repo->trust == KMEND_REPO_VERIFY) {
		kmend_error_set(err, -KMEND_E_DIGEST, url, 0,
		                "is not signed (no InRelease, and Release.gpg: HTTP %ld)", status);
		kmend_error_hint(err,
		                 "apt refuses unsigned repositories; --allow-unsigned accepts an "
		                 "unsigned mirror");
		return -KMEND_E_DIGEST;
	} else if (repo->trust == KMEND_REPO_UNSIGNED) {
		kmend_warn(warnings, "unsigned-repository",
		           "%s is not signed: accepted because of --allow-unsigned", url);
	}
	*text = TAKE_PTR(body);
	*len = blen;
	return 0;
}

static int check_release(const struct kmend_repo_session *s, const struct kmend_repo *repo,
                         const struct release *rel, const char *what, struct kmend_error *err)
{
	const char *want = repo->suite;
	long long now = kmend_repo_session_options(s)->now;

	if (want[strlen(want) - 1] != '/' && !kmend_span_eq(rel->suite, want) &&
	    !kmend_span_eq(rel->codename, want)) {
		kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                "is the Release of suite '%.*s' (codename '%.*s'), not of '%s'",
		                (int)rel->suite.len, rel->suite.ptr, (int)rel->codename.len,
		                rel->codename.ptr, want);
		kmend_error_hint(err, "a mirror serving another suite's index could hold back "
		                      "security updates: check the mirror");
		return -KMEND_E_DIGEST;
	}
	if (repo->check_valid_until && rel->valid_until.len) {
		long long until = release_time(rel->valid_until);
		if (!now)
			now = (long long)time(NULL);
		if (until < 0)
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
			                       "Valid-Until '%.*s' is not a date",
			                       (int)rel->valid_until.len, rel->valid_until.ptr);
		if (until < now) {
			kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
			                "expired on %.*s (Valid-Until): it may be an old copy",
			                (int)rel->valid_until.len, rel->valid_until.ptr);
			kmend_error_hint(err, "use an up-to-date mirror");
			return -KMEND_E_DIGEST;
		}
	}
	return 0;
}

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* Split "perl (5.36.0-7)" into name and version in place. */
static void split_source(char *v, const char **name, const char **version)
{
	char *open = strchr(v, '('), *close;

	*name = v;
	*version = NULL;
	if (!open)
		return;
	for (char *e = open; e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	*open = '\0';
	if ((close = strchr(open + 1, ')')))
		*close = '\0';
	*version = open + 1;
}

/*
 * Parse a Packages index in place (text is owned by index afterwards): each
 * value is NUL-terminated where it ends. Entries without what kmend needs are
 * counted and warned about.
 */
static int parse_packages(char *text, size_t len, const char *url, const char *what,
                          struct kmend_repo_index *index)
{
	struct kvtext_reader rd;
	struct kmend_repo_pkg pkg = {0};
	const char *sha = NULL, *size = NULL, *source = NULL;
	size_t skipped = 0;
	enum kvtext_item item;
	int r;

	if ((r = kmend_repo_index_own(index, text)) < 0)
		return r;
	kvtext_init(&rd, text, len);
	while ((item = kvtext_next(&rd)) != KVTEXT_END) {
		char *v = (char *)rd.value.ptr;

		if (item == KVTEXT_MALFORMED) {
			skipped++;
			continue;
		}
		if (item == KVTEXT_FIELD) {
			struct kmend_span k = rd.key;
			v[rd.value.len] = '\0';
			if (kmend_span_eq(k, "Package"))
				pkg.name = v;
			else if (kmend_span_eq(k, "Version"))
				pkg.version = v;
			else if (kmend_span_eq(k, "Architecture"))
				pkg.arch = v;
			else if (kmend_span_eq(k, "Source"))
				source = v;
			else if (kmend_span_eq(k, "Depends"))
				pkg.depends = v;
			else if (kmend_span_eq(k, "Pre-Depends"))
				pkg.pre_depends = v;
			else if (kmend_span_eq(k, "Breaks"))
				pkg.breaks = v;
			else if (kmend_span_eq(k, "Provides"))
				pkg.provides = v;
			else if (kmend_span_eq(k, "Filename"))
				pkg.filename = v;
			else if (kmend_span_eq(k, "Size"))
				size = v;
			else if (kmend_span_eq(k, "SHA256"))
				sha = v;
			continue;
		}
		/* The end of an entry. */
		if (pkg.name && pkg.version && pkg.arch && pkg.filename && size && sha &&
		    is_hex64(sha) && strspn(size, "0123456789") == strlen(size) && *size &&
		    kmend_version_deb.validate(pkg.version, strlen(pkg.version), NULL) == 0) {
			for (size_t i = 0; i < 64; i++)
				pkg.sha256[i] = (char)(sha[i] | 0x20);
			pkg.sha256[64] = '\0';
			pkg.size = strtoull(size, NULL, 10);
			pkg.url = url;
			if (source)
				split_source((char *)source, &pkg.source, &pkg.source_version);
			if (!pkg.source || !*pkg.source)
				pkg.source = pkg.name;
			if (!pkg.source_version || !*pkg.source_version)
				pkg.source_version = pkg.version;
			if ((r = kmend_repo_index_add(index, &pkg)) < 0)
				return r;
		} else {
			skipped++;
		}
		memset(&pkg, 0, sizeof(pkg));
		sha = size = source = NULL;
	}
	if (skipped)
		kmend_warn(&index->warnings, "index-entries-skipped",
		           "%s: %zu entries without a name, version, architecture, file name, size "
		           "or SHA-256 were left out",
		           what, skipped);
	return 0;
}

/* The Packages index of one component (or a flat repository's), verified and parsed. */
static int load_component(struct kmend_repo_session *s, const struct kmend_repo *repo,
                          const char *component, struct kmend_repo_index *out,
                          struct kmend_error *err)
{
	static const char *const suffixes[] = {".xz", ".gz", ".zst", ""};
	_cleanup_free_ char *release = NULL, *body = NULL;
	char url[4200], rurl[4200], hash[65], path[512];
	const char *arch_dirs[2] = {repo->arch, "all"};
	size_t rlen, blen;
	struct release rel;
	bool flat = !component;
	int r;

	if ((r = fetch_release(s, repo, &release, &rlen, rurl, &out->warnings, err)) < 0)
		return r;
	if (parse_release(release, rlen, &rel) < 0)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, rurl, 0,
		                       "the Release file lists no SHA256 checksums");
	if ((r = check_release(s, repo, &rel, rurl, err)) < 0)
		return r;
	if (asprintf(&out->name, "%s %s%s%s %s", repo->url, repo->suite, flat ? "" : "/",
	             flat ? "" : component, repo->arch) < 0)
		return -ENOMEM;
	/* Architecture all has its own index only where the Release says arch indexes omit it. */
	for (size_t a = 0; a < (rel.no_all.len ? 1 : 2); a++) {
		uint64_t size = 0;
		size_t k;
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			if (flat)
				snprintf(path, sizeof(path), "Packages%s", suffixes[k]);
			else
				snprintf(path, sizeof(path), "%s/binary-%s/Packages%s", component,
				         arch_dirs[a], suffixes[k]);
			if (release_entry(&rel, path, hash, &size))
				break;
		}
		if (k == sizeof(suffixes) / sizeof(suffixes[0])) {
			if (a == 1)
				break;
			/* A suite without this component or architecture offers nothing here. */
			kmend_warn(&out->warnings, "no-index",
			           "%s does not list %s/binary-%s/Packages: nothing from it", rurl,
			           flat ? "." : component, repo->arch);
			return 0;
		}
		dist_url(repo, path, url, sizeof(url));
		{
			char *text;
			size_t tlen;
			long status;
			if ((r = kmend_repo_fetch(s, url, hash, size, rurl, KMEND_REPO_FETCH_MAX,
			                          &body, &blen, &status, err)) < 0)
				return r;
			if (status != 200)
				return kmend_error_set(
				    err, -KMEND_E_NOT_FOUND, url, 0,
				    "the Release lists it, but the server answered HTTP "
				    "%ld",
				    status);
			if ((r = kmend_repo_decompress(body, blen, url, KMEND_REPO_INDEX_MAX, &text,
			                               &tlen, err)) < 0)
				return r;
			free(TAKE_PTR(body));
			if ((r = parse_packages(text, tlen, repo->url, url, out)) < 0)
				return r;
		}
	}
	return 0;
}

static int apt_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                    const struct kmend_repo_index **indexes, size_t *n, size_t max,
                    struct kmend_warnings *warnings, struct kmend_error *err)
{
	size_t ncomp = repo->components ? strv_len(repo->components) : 1;

	for (size_t i = 0; i < ncomp; i++) {
		const struct kmend_repo_index *idx;
		struct kmend_error e = {0};
		int r =
		    kmend_repo_session_index(s, repo, repo->components ? repo->components[i] : NULL,
		                             load_component, &idx, &e);
		if (r == -KMEND_E_NOT_FOUND && repo->optional) {
			kmend_warn(warnings, "suite-not-on-mirror", "%s: no suite %s there (%s)",
			           repo->url, repo->suite, e.message);
			return 0;
		}
		if (r < 0) {
			if (err)
				*err = e;
			return r;
		}
		if (kmend_warnings_add_all(warnings, &idx->warnings) < 0)
			return -ENOMEM;
		if (*n >= max)
			return kmend_error_set(err, -KMEND_E_TOO_LARGE, repo->url, 0,
			                       "more than %zu indexes", max);
		indexes[(*n)++] = idx;
	}
	return 0;
}

static int apt_parse_provides(const char *text,
                              int (*add)(void *ctx, const char *name, size_t nlen, const char *ver,
                                         size_t vlen),
                              void *ctx)
{
	return kmend_relation_each_provide(kmend_relation_parse_deb, text, add, ctx);
}

/* The download step: apt-helper checks the SHA-256 itself; curl or wget otherwise. */
static int apt_write_download(FILE *out, const struct kmend_fix_plan *plan, const char *dir)
{
	(void)dir;
	fputs("kmend_get() {\n"
	      "  if [ -x /usr/lib/apt/apt-helper ]; then\n"
	      "    /usr/lib/apt/apt-helper download-file \"$1\" \"$2\" \"SHA256:$3\"\n"
	      "  elif command -v curl >/dev/null 2>&1; then\n"
	      "    curl -fsSL -o \"$2\" \"$1\"\n"
	      "  else\n"
	      "    wget -q -O \"$2\" \"$1\"\n"
	      "  fi\n"
	      "}\n",
	      out);
	for (size_t i = 0; i < plan->npackages; i++) {
		const struct kmend_fix_package *p = &plan->packages[i];
		fputs("kmend_fetch ", out);
		kmend_sh_quote(out, p->url);
		fprintf(out, " %s %s\n", p->file, p->sha256);
	}
	return ferror(out) ? -EIO : 0;
}

/* The install step: dpkg -i of what is not installed at its planned version yet. */
static int apt_write_install(FILE *out, const struct kmend_fix_plan *plan, const char *dir)
{
	(void)dir;
	fputs("kmend_todo=\n", out);
	for (size_t i = 0; i < plan->npackages; i++) {
		const struct kmend_fix_package *p = &plan->packages[i];
		char q[512], want[512];
		snprintf(q, sizeof(q), "%s:%s", p->name, p->arch);
		snprintf(want, sizeof(want), "install ok installed %s", p->version);
		fputs("kmend_v=`dpkg-query -W -f '${Status} ${Version}' ", out);
		kmend_sh_quote(out, strcmp(p->arch, "all") ? q : p->name);
		fputs(" 2>/dev/null || true`\n[ \"$kmend_v\" = ", out);
		kmend_sh_quote(out, want);
		fprintf(out, " ] || kmend_todo=\"$kmend_todo %s\"\n", p->file);
	}
	fputs("if [ -n \"$kmend_todo\" ]; then\n"
	      "  kmend_check $kmend_todo\n"
	      "  echo \"kmend: installing$kmend_todo\" >&2\n"
	      "  export DEBIAN_FRONTEND=noninteractive "
	      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	      "  dpkg --force-confdef --force-confold -i $kmend_todo\n"
	      "else\n"
	      "  echo \"kmend: every package is installed at its fixed version already\" >&2\n"
	      "fi\n",
	      out);
	return ferror(out) ? -EIO : 0;
}

const struct kmend_pkgmgr kmend_pkgmgr_apt = {
    .name = "apt",
    .type = KMEND_PKG_DEB,
    .scheme = &kmend_version_deb,
    .config_paths = apt_config_paths,
    .programs = apt_programs,
    .arch_of_platform = apt_arch_of_platform,
    .arch_matches = apt_arch_matches,
    .missing_tool = apt_missing_tool,
    .read_repos = apt_read_repos,
    .load = apt_load,
    .parse_relation = kmend_relation_parse_deb,
    .parse_provides = apt_parse_provides,
    .write_download = apt_write_download,
    .write_install = apt_write_install,
};
