/* rpm-md repositories: repomd.xml and primary.xml with expat, fetched and verified (repo_rpmmd.h).
 */
#include "repo_rpmmd.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "array.h"
#include "cleanup.h"
#include "kmend_limits.h"
#include "repo_gpg.h"

/* Longest text of one element kept (a file name, a checksum, a source rpm's name). */
#define RPMMD_TEXT_MAX (64 * 1024)

static const char *attr(const XML_Char **atts, const char *name)
{
	for (size_t i = 0; atts[i]; i += 2)
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	return NULL;
}

/* Character data of the element being read, when it is one kmend keeps. */
struct chars {
	char buf[RPMMD_TEXT_MAX + 1];
	size_t len;
	bool on, overflow;
};

static void chars_start(struct chars *c)
{
	c->len = 0;
	c->on = true;
	c->overflow = false;
}

static void chars_add(struct chars *c, const char *s, int len)
{
	if (!c->on)
		return;
	if (c->len + (size_t)len > RPMMD_TEXT_MAX) {
		c->overflow = true;
		return;
	}
	memcpy(c->buf + c->len, s, (size_t)len);
	c->len += (size_t)len;
}

static const char *chars_end(struct chars *c)
{
	c->on = false;
	c->buf[c->len] = '\0';
	return c->overflow ? NULL : c->buf;
}

/* A DOCTYPE may declare entities (billion laughs): rpm-md never has one. */
static void refuse_doctype(void *ctx, const XML_Char *name, const XML_Char *sysid,
                           const XML_Char *pubid, int internal)
{
	XML_Parser p = *(XML_Parser *)ctx;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	XML_StopParser(p, XML_FALSE);
}

struct repomd {
	XML_Parser parser; /* first: refuse_doctype reads it */
	struct kmend_rpmmd_primary *out;
	struct chars text;
	bool in_primary, in_checksum, sha256, found;
};

static void repomd_start(void *ctx, const XML_Char *el, const XML_Char **atts)
{
	struct repomd *m = ctx;
	const char *v;

	if (!strcmp(el, "data")) {
		m->in_primary = (v = attr(atts, "type")) && !strcmp(v, "primary");
	} else if (m->in_primary && !strcmp(el, "checksum")) {
		m->sha256 = (v = attr(atts, "type")) && !strcmp(v, "sha256");
		chars_start(&m->text);
	} else if (m->in_primary && !strcmp(el, "location") && (v = attr(atts, "href"))) {
		snprintf(m->out->href, sizeof(m->out->href), "%s", v);
	} else if (m->in_primary && !strcmp(el, "size")) {
		chars_start(&m->text);
	}
}

static void repomd_end(void *ctx, const XML_Char *el)
{
	struct repomd *m = ctx;
	const char *t;

	if (!strcmp(el, "data")) {
		m->in_primary = false;
	} else if (m->in_primary && !strcmp(el, "checksum")) {
		t = chars_end(&m->text);
		if (m->sha256 && t && strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64) {
			memcpy(m->out->sha256, t, 65);
			m->found = true;
		}
	} else if (m->in_primary && !strcmp(el, "size")) {
		t = chars_end(&m->text);
		if (t && *t && strspn(t, "0123456789") == strlen(t))
			m->out->size = strtoull(t, NULL, 10);
	}
}

static void repomd_chars(void *ctx, const XML_Char *s, int len)
{
	chars_add(&((struct repomd *)ctx)->text, s, len);
}

static bool safe_href(const char *href)
{
	return *href && href[0] != '/' && !strstr(href, "://") && !strstr(href, "..") &&
	       !strpbrk(href, "\n\r\\");
}

int kmend_rpmmd_parse_repomd(const char *xml, size_t len, const char *what,
                             struct kmend_rpmmd_primary *out, struct kmend_error *err)
{
	struct repomd *m = calloc(1, sizeof(*m));
	int ok;

	if (!m || !(m->parser = XML_ParserCreate(NULL))) {
		free(m);
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out));
	out->size = UINT64_MAX;
	m->out = out;
	XML_SetUserData(m->parser, m);
	XML_SetElementHandler(m->parser, repomd_start, repomd_end);
	XML_SetCharacterDataHandler(m->parser, repomd_chars);
	XML_SetStartDoctypeDeclHandler(m->parser, refuse_doctype);
	ok = len <= INT_MAX && XML_Parse(m->parser, xml, (int)len, XML_TRUE) == XML_STATUS_OK;
	if (!ok) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, what,
		                (long)XML_GetCurrentColumnNumber(m->parser) + 1,
		                "is not valid repomd.xml: %s",
		                XML_GetErrorCode(m->parser) == XML_ERROR_ABORTED
		                    ? "it has a DOCTYPE"
		                    : XML_ErrorString(XML_GetErrorCode(m->parser)));
		kmend_error_at_line(err, (long)XML_GetCurrentLineNumber(m->parser));
	}
	XML_ParserFree(m->parser);
	ok = ok && m->found && safe_href(out->href);
	if (!ok && err && !err->message[0])
		kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, what, 0,
		    "names no primary.xml with a SHA-256 checksum and a location inside "
		    "the repository");
	free(m);
	return ok ? 0 : -KMEND_E_BAD_INPUT;
}

/* primary.xml: what one <package> says, as offsets into the index's text being built. */
#define NONE SIZE_MAX
struct pending {
	size_t name, arch, version, source, filename, requires, conflicts, provides;
	char sha256[65];
	uint64_t size;
	bool rpm, sha_ok;
};

struct primary {
	XML_Parser parser; /* first: refuse_doctype reads it */
	struct chars text;
	struct pending cur;
	struct pending *done;
	size_t ndone, done_capacity, skipped;
	char *arena; /* every kept string, NUL-terminated, one after another */
	size_t len, cap;
	FILE *requires, *conflicts, *provides; /* this package's relations as they come */
	char *req_buf, *con_buf, *prov_buf;
	size_t req_len, con_len, prov_len;
	enum { REL_NONE, REL_PROVIDES, REL_REQUIRES, REL_CONFLICTS } rel;
	bool in_package, failed, too_many;
};

static size_t keep(struct primary *p, const char *s, size_t n)
{
	size_t at = p->len;

	if (p->len + n + 1 > p->cap) {
		size_t cap = (p->len + n + 1) * 2;
		char *bigger = realloc(p->arena, cap);
		if (!bigger) {
			p->failed = true;
			return NONE;
		}
		p->arena = bigger;
		p->cap = cap;
	}
	memcpy(p->arena + p->len, s, n);
	p->arena[p->len + n] = '\0';
	p->len += n + 1;
	return at;
}

static const char *const rpm_flags[] = {"LT", "LE", "EQ", "GE", "GT"};

/* One rpm:entry as "FLAGS EVR NAME\n" (kmend_relation_parse_rpm's form). */
static void write_entry(FILE *f, const XML_Char **atts)
{
	const char *name = attr(atts, "name"), *flags = attr(atts, "flags");
	const char *e = attr(atts, "epoch"), *v = attr(atts, "ver"), *r = attr(atts, "rel");
	bool known = false;

	if (!f || !name || !*name || strchr(name, '\n'))
		return;
	for (size_t i = 0; flags && i < 5; i++)
		known |= !strcmp(flags, rpm_flags[i]);
	if (known && v && *v && !strpbrk(v, " \n") && (!r || !strpbrk(r, " \n")) &&
	    (!e || !strpbrk(e, " \n")))
		fprintf(f, "%s %s:%s%s%s %s\n", flags, e && *e ? e : "0", v, r && *r ? "-" : "",
		        r && *r ? r : "", name);
	else
		fprintf(f, "- - %s\n", name);
}

static void reset_relations(struct primary *p)
{
	if (p->requires)
		fclose(p->requires);
	if (p->conflicts)
		fclose(p->conflicts);
	if (p->provides)
		fclose(p->provides);
	free(p->req_buf);
	free(p->con_buf);
	free(p->prov_buf);
	p->req_buf = p->con_buf = p->prov_buf = NULL;
	p->requires = open_memstream(&p->req_buf, &p->req_len);
	p->conflicts = open_memstream(&p->con_buf, &p->con_len);
	p->provides = open_memstream(&p->prov_buf, &p->prov_len);
	if (!p->requires || !p->conflicts || !p->provides)
		p->failed = true;
}

static void primary_start(void *ctx, const XML_Char *el, const XML_Char **atts)
{
	struct primary *p = ctx;
	const char *v;

	if (!strcmp(el, "package")) {
		p->in_package = true;
		memset(&p->cur, 0xff, offsetof(struct pending, sha256));
		p->cur.sha256[0] = '\0';
		p->cur.size = UINT64_MAX;
		p->cur.rpm = !(v = attr(atts, "type")) || !strcmp(v, "rpm");
		p->cur.sha_ok = false;
		reset_relations(p);
		return;
	}
	if (!p->in_package)
		return;
	if (!strcmp(el, "name") || !strcmp(el, "arch") || !strcmp(el, "rpm:sourcerpm") ||
	    !strcmp(el, "file")) {
		chars_start(&p->text);
	} else if (!strcmp(el, "checksum")) {
		p->cur.sha_ok = (v = attr(atts, "type")) && !strcmp(v, "sha256");
		chars_start(&p->text);
	} else if (!strcmp(el, "version")) {
		const char *e = attr(atts, "epoch"), *ver = attr(atts, "ver"),
		           *rel = attr(atts, "rel");
		char buf[1024];
		if (ver && rel && strlen(ver) + strlen(rel) < 900) {
			int n = e && *e && strcmp(e, "0") && strlen(e) < 20
			            ? snprintf(buf, sizeof(buf), "%s:%s-%s", e, ver, rel)
			            : snprintf(buf, sizeof(buf), "%s-%s", ver, rel);
			p->cur.version = keep(p, buf, (size_t)n);
		}
	} else if (!strcmp(el, "size") && (v = attr(atts, "package")) && *v &&
	           strspn(v, "0123456789") == strlen(v)) {
		p->cur.size = strtoull(v, NULL, 10);
	} else if (!strcmp(el, "location") && (v = attr(atts, "href")) && safe_href(v) &&
	           !attr(atts, "xml:base")) {
		p->cur.filename = keep(p, v, strlen(v));
	} else if (!strcmp(el, "rpm:provides")) {
		p->rel = REL_PROVIDES;
	} else if (!strcmp(el, "rpm:requires")) {
		p->rel = REL_REQUIRES;
	} else if (!strcmp(el, "rpm:conflicts")) {
		p->rel = REL_CONFLICTS;
	} else if (!strcmp(el, "rpm:entry")) {
		write_entry(p->rel == REL_PROVIDES    ? p->provides
		            : p->rel == REL_REQUIRES  ? p->requires
		            : p->rel == REL_CONFLICTS ? p->conflicts
		                                      : NULL,
		            atts);
	}
}

/* "bzip2-1.0.8-18.el9.src.rpm" -> "bzip2": the name before version and release. */
static size_t source_name(struct primary *p, const char *srpm)
{
	size_t n = strlen(srpm);
	int dashes = 0;

	if (n > 8 && !strcmp(srpm + n - 8, ".src.rpm"))
		n -= 8;
	else if (n > 10 && !strcmp(srpm + n - 10, ".nosrc.rpm"))
		n -= 10;
	while (n > 0 && dashes < 2)
		if (srpm[--n] == '-')
			dashes++;
	return dashes == 2 && n > 0 ? keep(p, srpm, n) : NONE;
}

static void primary_end(void *ctx, const XML_Char *el)
{
	struct primary *p = ctx;
	const char *t;

	if (!p->in_package)
		return;
	if (!strcmp(el, "name") && (t = chars_end(&p->text)) && *t && !strpbrk(t, " /\n"))
		p->cur.name = keep(p, t, strlen(t));
	else if (!strcmp(el, "arch") && (t = chars_end(&p->text)) && *t && !strpbrk(t, " /\n"))
		p->cur.arch = keep(p, t, strlen(t));
	else if (!strcmp(el, "checksum") && (t = chars_end(&p->text)) && p->cur.sha_ok &&
	         strlen(t) == 64 && strspn(t, "0123456789abcdef") == 64)
		memcpy(p->cur.sha256, t, 65);
	else if (!strcmp(el, "rpm:sourcerpm") && (t = chars_end(&p->text)))
		p->cur.source = source_name(p, t);
	else if (!strcmp(el, "file") && (t = chars_end(&p->text)) && *t && !strchr(t, '\n') &&
	         p->provides)
		fprintf(p->provides, "- - %s\n", t);
	else if (!strcmp(el, "rpm:provides") || !strcmp(el, "rpm:requires") ||
	         !strcmp(el, "rpm:conflicts"))
		p->rel = REL_NONE;
	else if (!strcmp(el, "package")) {
		struct pending *c = &p->cur;
		p->in_package = false;
		if (fflush(p->requires) || fflush(p->conflicts) || fflush(p->provides)) {
			p->failed = true;
			return;
		}
		if (!c->rpm || c->name == NONE || c->arch == NONE || c->version == NONE ||
		    c->filename == NONE || !c->sha256[0] || c->size == UINT64_MAX ||
		    kmend_version_rpm.validate(p->arena + c->version, strlen(p->arena + c->version),
		                               NULL) < 0) {
			p->skipped++;
			return;
		}
		c->requires = p->req_len ? keep(p, p->req_buf, p->req_len) : NONE;
		c->conflicts = p->con_len ? keep(p, p->con_buf, p->con_len) : NONE;
		c->provides = p->prov_len ? keep(p, p->prov_buf, p->prov_len) : NONE;
		if (p->ndone >= KMEND_REPO_MAX_PACKAGES) {
			p->too_many = true;
			XML_StopParser(p->parser, XML_FALSE);
			return;
		}
		if (kmend_array_grow(&p->done, &p->done_capacity, p->ndone, sizeof(*p->done))) {
			p->failed = true;
			return;
		}
		p->done[p->ndone++] = *c;
	}
}

static void primary_chars(void *ctx, const XML_Char *s, int len)
{
	chars_add(&((struct primary *)ctx)->text, s, len);
}

static const char *at(const char *arena, size_t off)
{
	return off == NONE ? NULL : arena + off;
}

int kmend_rpmmd_parse_primary(char *text, size_t len, const char *url, const char *what,
                              struct kmend_repo_index *index, struct kmend_error *err)
{
	struct primary *p = calloc(1, sizeof(*p));
	int r = 0;

	/* Entries point at the URL: the index, kept by the session, owns a copy. */
	if (!p || !(url = kmend_repo_index_keep(index, url)) ||
	    !(p->parser = XML_ParserCreate(NULL))) {
		free(p);
		free(text);
		return -ENOMEM;
	}
	XML_SetUserData(p->parser, p);
	XML_SetElementHandler(p->parser, primary_start, primary_end);
	XML_SetCharacterDataHandler(p->parser, primary_chars);
	XML_SetStartDoctypeDeclHandler(p->parser, refuse_doctype);
	for (size_t off = 0; r == 0;) {
		size_t n = len - off > (1 << 20) ? (1 << 20) : len - off;
		bool last = off + n == len;
		if (XML_Parse(p->parser, text + off, (int)n, last) != XML_STATUS_OK) {
			if (p->too_many)
				r = kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
				                    "lists more than %d packages",
				                    KMEND_REPO_MAX_PACKAGES);
			else if (p->failed)
				r = -ENOMEM;
			else {
				r = kmend_error_set(
				    err, -KMEND_E_BAD_INPUT, what,
				    (long)XML_GetCurrentColumnNumber(p->parser) + 1,
				    "is not valid primary.xml: %s",
				    XML_GetErrorCode(p->parser) == XML_ERROR_ABORTED
				        ? "it has a DOCTYPE"
				        : XML_ErrorString(XML_GetErrorCode(p->parser)));
				kmend_error_at_line(err, (long)XML_GetCurrentLineNumber(p->parser));
			}
		}
		if (p->failed && r == 0)
			r = -ENOMEM;
		off += n;
		if (last)
			break;
	}
	free(text);
	if (r == 0) {
		char *arena = p->arena ? p->arena : strdup("");
		p->arena = NULL;
		if (!arena)
			r = -ENOMEM;
		else if ((r = kmend_repo_index_own(index, arena)) < 0)
			arena = NULL;
		for (size_t i = 0; i < p->ndone && r == 0; i++) {
			const struct pending *c = &p->done[i];
			struct kmend_repo_pkg pkg = {
			    .name = at(arena, c->name),
			    .version = at(arena, c->version),
			    .arch = at(arena, c->arch),
			    .source = at(arena, c->source != NONE ? c->source : c->name),
			    .source_version = at(arena, c->version),
			    .depends = at(arena, c->requires),
			    .breaks = at(arena, c->conflicts),
			    .provides = at(arena, c->provides),
			    .filename = at(arena, c->filename),
			    .url = url,
			    .size = c->size,
			};
			memcpy(pkg.sha256, c->sha256, sizeof(pkg.sha256));
			r = kmend_repo_index_add(index, &pkg, what, err);
		}
	}
	if (r == 0 && p->skipped)
		kmend_warn(&index->warnings, "index-entries-skipped",
		           "%s: %zu entries kmend cannot use (no name, version, architecture, "
		           "location, size or SHA-256 checksum) were left out",
		           what, p->skipped);
	XML_ParserFree(p->parser);
	if (p->requires)
		fclose(p->requires);
	if (p->conflicts)
		fclose(p->conflicts);
	if (p->provides)
		fclose(p->provides);
	free(p->req_buf);
	free(p->con_buf);
	free(p->prov_buf);
	free(p->arena);
	free(p->done);
	free(p);
	return r;
}

static int load_primary(struct kmend_repo_session *s, const struct kmend_repo *repo,
                        const char *part, struct kmend_repo_index *out, struct kmend_error *err)
{
	_cleanup_free_ char *md = NULL, *sig = NULL, *body = NULL;
	char url[4200], surl[4200], purl[4200];
	struct kmend_rpmmd_primary primary;
	size_t mlen, slen, blen, tlen;
	long status;
	char *text;
	int r;

	(void)part;
	snprintf(url, sizeof(url), "%s/repodata/repomd.xml", repo->url);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_MANIFEST_MAX_SIZE, &md,
	                          &mlen, &status, err)) < 0)
		return r;
	if (status == 404 || status == 403 || status == 410)
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, url, 0, "no repomd.xml (HTTP %ld)",
		                       status);
	if (status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	if (repo->trust != KMEND_REPO_TRUSTED) {
		snprintf(surl, sizeof(surl), "%s.asc", url);
		if ((r = kmend_repo_fetch(s, surl, NULL, UINT64_MAX, NULL, 1024 * 1024, &sig, &slen,
		                          &status, err)) < 0)
			return r;
		if (status == 200) {
			if ((r = kmend_repo_gpg_verify_detached(repo->keys, repo->nkeys, md, mlen,
			                                        sig, slen, url, err)) < 0)
				return r;
		} else if (repo->trust == KMEND_REPO_VERIFY) {
			kmend_error_set(
			    err, -KMEND_E_DIGEST, url, 0,
			    "is not signed (repo_gpgcheck asks for repomd.xml.asc: HTTP %ld)",
			    status);
			kmend_error_hint(err, "--allow-unsigned accepts an unsigned mirror");
			return -KMEND_E_DIGEST;
		} else {
			kmend_warn(&out->warnings, "unsigned-repository",
			           "%s is not signed: accepted because of --allow-unsigned", url);
		}
	}
	if ((r = kmend_rpmmd_parse_repomd(md, mlen, url, &primary, err)) < 0)
		return r;
	snprintf(purl, sizeof(purl), "%s/%s", repo->url, primary.href);
	if ((r = kmend_repo_fetch(s, purl, primary.sha256, primary.size, url, KMEND_REPO_FETCH_MAX,
	                          &body, &blen, &status, err)) < 0)
		return r;
	if (status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, purl, 0,
		                       "repomd.xml names it, but the server answered HTTP %ld",
		                       status);
	if ((r = kmend_repo_decompress(body, blen, purl, KMEND_REPO_INDEX_MAX, &text, &tlen, err)) <
	    0)
		return r;
	if (!(out->name = strdup(repo->url))) {
		free(text);
		return -ENOMEM;
	}
	return kmend_rpmmd_parse_primary(text, tlen, repo->url, purl, out, err);
}

int kmend_rpmmd_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                     const struct kmend_repo_index **indexes, size_t *n, size_t max,
                     struct kmend_warnings *warnings, struct kmend_error *err)
{
	return kmend_repo_load_part(s, repo, NULL, load_primary, indexes, n, max, warnings, err);
}
