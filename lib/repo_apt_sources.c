/* apt's source lists (one-line sources.list and deb822 .sources) as repositories to read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fsutil.h"
#include "kvtext.h"
#include "repo_apt.h"
#include "strv.h"

/* One source entry, from either syntax, before it becomes repositories. */
struct apt_source {
	char origin[512];
	char **uris, **suites, **components, **arches, **signed_by;
	char *inline_key; /* a deb822 Signed-By holding the key itself */
	int trusted;      /* -1 unset, 0 no, 1 yes */
	bool check_valid_until;
	bool deb; /* a "deb" entry (deb-src is not for binaries) */
};

static void source_clear(struct apt_source *s)
{
	kmend_strv_free(s->uris);
	kmend_strv_free(s->suites);
	kmend_strv_free(s->components);
	kmend_strv_free(s->arches);
	kmend_strv_free(s->signed_by);
	free(s->inline_key);
	memset(s, 0, sizeof(*s));
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
		return kmend_strv_split(&s->arches, val, vlen, ", \t\n");
	if (KEY_IS("signed-by") || KEY_IS("Signed-By")) {
		if (memmem(val, vlen, "-----BEGIN PGP", 14)) {
			free(s->inline_key);
			return (s->inline_key = strndup(val, vlen)) ? 0 : -ENOMEM;
		}
		return kmend_strv_split(&s->signed_by, val, vlen, ", \t\n");
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
			if (!opts || (r = kmend_strv_split(&kv, opts, strlen(opts), " \t")) < 0) {
				kmend_strv_free(kv);
				return -ENOMEM;
			}
			for (size_t i = 0; kv && kv[i]; i++) {
				char *eq = strchr(kv[i], '=');
				if (!eq) {
					kmend_strv_free(kv);
					source_clear(&s);
					return bad_line(err, file->path, line,
					                "an option without '=' in [ ]");
				}
				/* "arch+=x" and "arch-=x" adjust apt's defaults: take the list. */
				q = eq > kv[i] && (eq[-1] == '+' || eq[-1] == '-') ? eq - 1 : eq;
				if ((r = source_option(&s, kv[i], (size_t)(q - kv[i]), eq + 1,
				                       strlen(eq + 1))) < 0) {
					kmend_strv_free(kv);
					source_clear(&s);
					return r;
				}
			}
			kmend_strv_free(kv);
			memset(open, ' ', (size_t)(close - open + 1));
		}
		if ((r = kmend_strv_split(&words, text, strlen(text), " \t\r")) < 0) {
			kmend_strv_free(words);
			source_clear(&s);
			return r;
		}
		if (!words) {
			source_clear(&s);
			continue;
		}
		if (strcmp(words[0], "deb") && strcmp(words[0], "deb-src")) {
			kmend_strv_free(words);
			source_clear(&s);
			return bad_line(err, file->path, line,
			                "an entry that is neither 'deb' nor 'deb-src'");
		}
		if (kmend_strv_len(words) < 3 ||
		    (words[2][strlen(words[2]) - 1] != '/' && kmend_strv_len(words) < 4)) {
			kmend_strv_free(words);
			source_clear(&s);
			return bad_line(err, file->path, line,
			                "an entry needs a URI, a suite and (unless the suite ends "
			                "in '/') a component");
		}
		s.deb = !strcmp(words[0], "deb");
		snprintf(s.origin, sizeof(s.origin), "%s:%ld", file->path, line);
		r = kmend_strv_push(&s.uris, words[1], strlen(words[1]));
		if (r == 0)
			r = kmend_strv_push(&s.suites, words[2], strlen(words[2]));
		for (size_t i = 3; r == 0 && words[i]; i++)
			r = kmend_strv_push(&s.components, words[i], strlen(words[i]));
		kmend_strv_free(words);
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
	/* "Signed-By:" alone on its line: the value starts on the next. */
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		/* The first line comes trimmed; continuation lines lose one blank. */
		if (*p == ' ' || *p == '\t')
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
			r = kmend_strv_split(&s.uris, v.ptr, v.len, " \t\n");
		} else if (kmend_span_eq(k, "Suites")) {
			r = kmend_strv_split(&s.suites, v.ptr, v.len, " \t\n");
		} else if (kmend_span_eq(k, "Components")) {
			r = kmend_strv_split(&s.components, v.ptr, v.len, " \t\n");
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
	if (s->arches && !kmend_strv_has(s->arches, arch))
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
			if (r == 0 && !flat && !kmend_strv_has(rd->suites, repo.suite))
				r = kmend_strv_push(&rd->suites, repo.suite, strlen(repo.suite));
			for (size_t c = 0; r == 0 && !flat && s->components && s->components[c];
			     c++)
				if (!kmend_strv_has(rd->components, s->components[c]))
					r = kmend_strv_push(&rd->components, s->components[c],
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
			if (!kmend_strv_has(rd->suites, extra))
				r = kmend_strv_push(&rd->suites, extra, strlen(extra));
		}
	}
	if (r == 0 && !rd->components)
		r = kmend_strv_push(&rd->components, "main", 4);
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

int kmend_apt_read_repos(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
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
	kmend_strv_free(rd.suites);
	kmend_strv_free(rd.components);
	return r;
}
