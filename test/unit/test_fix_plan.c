/*
 * The fix planner's parts without a network: relation parsing, apt's source lists, the
 * Packages parser, and the resolver against crafted indexes (versions, binaries,
 * dependencies, breaks, refusals), the user check and the original command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fix_plan.h"
#include "fix_script.h"
#include "pkgmgr.h"
#include "repo_apk.h"
#include "repo_rpmmd.h"
#include "strv.h"

/* test/fixtures, from the pkgdb fixtures directory test/run passes. */
static char fixtures[4096] = "test/fixtures";

static char *slurp(const char *rel, size_t *len)
{
	char path[8192];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixtures, rel);
	if (!(f = fopen(path, "rb")))
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* ---- relations ---- */

static void test_relation_deb(void **state)
{
	struct kmend_relation rel = {0};
	struct kmend_error err;
	char buf[256];

	(void)state;
	assert_int_equal(
	    kmend_relation_parse_deb("libc6 (>= 2.36), libfoo | libbar (<< 2:1.0-1), "
	                             "python3:any, perl (<5), a (>1) [amd64] <!nocheck>",
	                             &rel, &err),
	    0);
	assert_int_equal(rel.ngroups, 5);
	assert_int_equal(rel.groups[1].count, 2);
	kmend_rel_alt_format(&rel.alts[0], buf, sizeof(buf));
	assert_string_equal(buf, "libc6 (>= 2.36)");
	kmend_rel_alt_format(&rel.alts[2], buf, sizeof(buf));
	assert_string_equal(buf, "libbar (<< 2:1.0-1)");
	assert_true(kmend_span_eq(rel.alts[3].arch, "any"));
	/* The obsolete '<' and '>' mean '<=' and '>='. */
	assert_int_equal(rel.alts[4].op, KMEND_REL_LE);
	assert_int_equal(rel.alts[5].op, KMEND_REL_GE);
	/* No spaces, a trailing comma, empty groups. */
	assert_int_equal(kmend_relation_parse_deb("a(>=1.0),,b ,", &rel, &err), 0);
	assert_int_equal(rel.ngroups, 2);
	assert_int_equal(kmend_relation_parse_deb("", &rel, &err), 0);
	assert_int_equal(rel.ngroups, 0);

	/* Errors name the column. */
	assert_int_equal(kmend_relation_parse_deb("a (>> )", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(err.column, 7);
	assert_int_equal(kmend_relation_parse_deb("a (~ 1)", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(err.column, 4);
	assert_int_equal(kmend_relation_parse_deb("a b", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(err.column, 3);
	assert_int_equal(kmend_relation_parse_deb("a |", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_deb("a [amd64", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_deb("a (>= 1", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_deb("a:", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "architecture"));
	kmend_relation_free(&rel);
}

static void test_relation_apk_rpm(void **state)
{
	struct kmend_relation rel = {0};
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_relation_parse_apk("so:libc.musl-x86_64.so.1 !foo busybox>=1.36 "
	                                          "libcrypto3=3.1.4-r5 musl~1.2",
	                                          &rel, &err),
	                 0);
	assert_int_equal(rel.ngroups, 5);
	assert_true(kmend_span_eq(rel.alts[0].name, "so:libc.musl-x86_64.so.1"));
	assert_true(rel.alts[1].negated);
	assert_int_equal(rel.alts[2].op, KMEND_REL_GE);
	assert_true(kmend_span_eq(rel.alts[3].version, "3.1.4-r5"));
	assert_int_equal(rel.alts[4].op, KMEND_REL_FUZZY);
	assert_int_equal(kmend_relation_parse_apk("foo>=", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_apk("foo<>1", &rel, &err), -KMEND_E_BAD_INPUT);

	assert_int_equal(kmend_relation_parse_rpm("GE 0:2.28-1 glibc\n- - /bin/sh\n"
	                                          "- - (foo if bar)\nEQ 1.0 libx.so.1()(64bit)\n",
	                                          &rel, &err),
	                 0);
	assert_int_equal(rel.ngroups, 4);
	assert_true(kmend_span_eq(rel.alts[1].name, "/bin/sh"));
	assert_true(rel.alts[2].rich);
	assert_true(kmend_span_eq(rel.alts[3].name, "libx.so.1()(64bit)"));
	assert_int_equal(kmend_relation_parse_rpm("XX 1 a\n", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_rpm("GE - a\n", &rel, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_relation_parse_rpm("GE 1\n", &rel, &err), -KMEND_E_BAD_INPUT);
	kmend_relation_free(&rel);
}

static void test_rel_satisfied(void **state)
{
	struct kmend_span v = {"2.36-9", 6};

	(void)state;
	assert_true(kmend_rel_satisfied(&kmend_version_deb, KMEND_REL_GE, "2.36-9+deb12u4", v));
	assert_false(kmend_rel_satisfied(&kmend_version_deb, KMEND_REL_GT, "2.36-9", v));
	assert_true(kmend_rel_satisfied(&kmend_version_deb, KMEND_REL_LT, "2.36-9~1", v));
	assert_true(kmend_rel_satisfied(&kmend_version_deb, KMEND_REL_EQ, "2.36-9", v));
	assert_false(kmend_rel_satisfied(&kmend_version_deb, KMEND_REL_EQ, "not a version!", v));
	/* rpm: a wanted version without a release compares the version alone. */
	assert_true(kmend_rel_satisfied(&kmend_version_rpm, KMEND_REL_EQ, "2.28-151.el8",
	                                (struct kmend_span){"2.28", 4}));
	assert_false(kmend_rel_satisfied(&kmend_version_rpm, KMEND_REL_EQ, "2.28-151.el8",
	                                 (struct kmend_span){"2.28-150", 8}));
	assert_true(kmend_rel_satisfied(&kmend_version_apk, KMEND_REL_FUZZY, "1.2.5-r0",
	                                (struct kmend_span){"1.2", 3}));
	assert_false(kmend_rel_satisfied(&kmend_version_apk, KMEND_REL_FUZZY, "1.20-r0",
	                                 (struct kmend_span){"1.2", 3}));
}

/* ---- apt source lists ---- */

struct sources {
	struct kmend_fix_files files;
	struct kmend_os os;
	struct kmend_warnings warnings;
	struct kmend_repo_list repos;
	struct kmend_repo_options opts;
	struct kmend_error err;
};

static int read_sources_with(struct sources *s, const struct kmend_pkgmgr *family)
{
	struct kmend_pkgmgr_context ctx = {.files = &s->files,
	                                   .os = &s->os,
	                                   .arch = family == &kmend_pkgmgr_apt ? "amd64" : "x86_64",
	                                   .opts = &s->opts,
	                                   .warnings = &s->warnings};

	kmend_repo_list_free(&s->repos);
	return family->read_repos(&ctx, &s->repos, &s->err);
}

static int read_sources(struct sources *s)
{
	struct kmend_pkgmgr_context ctx = {.files = &s->files,
	                                   .os = &s->os,
	                                   .arch = "amd64",
	                                   .opts = &s->opts,
	                                   .warnings = &s->warnings};

	kmend_repo_list_free(&s->repos);
	return kmend_pkgmgr_apt.read_repos(&ctx, &s->repos, &s->err);
}

static void add_file(struct sources *s, const char *path, const char *text)
{
	assert_int_equal(kmend_fix_files_add(&s->files, path, text, strlen(text)), 0);
}

static void sources_free(struct sources *s)
{
	kmend_fix_files_free(&s->files);
	kmend_warnings_free(&s->warnings);
	kmend_repo_list_free(&s->repos);
}

static void test_sources_list(void **state)
{
	struct sources s = {.os = {.id = "debian", .version_id = "12", .codename = "bookworm"}};

	(void)state;
	add_file(&s, "etc/apt/trusted.gpg.d/debian.asc", "KEY-A");
	add_file(&s, "usr/share/keyrings/other.gpg", "KEY-B");
	add_file(&s, "etc/apt/sources.list",
	         "# a comment\n"
	         "deb http://deb.debian.org/debian bookworm main contrib # trailing\n"
	         "deb-src http://deb.debian.org/debian bookworm main\n"
	         "deb [ arch=amd64 signed-by=/usr/share/keyrings/other.gpg ] "
	         "https://example.org/repo/ stable main\n"
	         "deb [arch=arm64] http://ports.example.org/ stable main\n"
	         "deb [trusted=yes] http://local.example/flat ./\n"
	         "deb file:/srv/repo stable main\n");
	assert_int_equal(read_sources(&s), 0);
	assert_int_equal(s.repos.count, 3);
	assert_string_equal(s.repos.items[0].url, "http://deb.debian.org/debian");
	assert_string_equal(s.repos.items[0].suite, "bookworm");
	assert_string_equal(s.repos.items[0].components[1], "contrib");
	assert_string_equal(s.repos.items[0].keys[0].name, "etc/apt/trusted.gpg.d/debian.asc");
	assert_string_equal(s.repos.items[0].origin, "etc/apt/sources.list:2");
	/* signed-by replaces the default keyrings; the trailing '/' of a URI goes. */
	assert_string_equal(s.repos.items[1].url, "https://example.org/repo");
	assert_int_equal(s.repos.items[1].nkeys, 1);
	assert_string_equal(s.repos.items[1].keys[0].data, "KEY-B");
	/* A flat repository, trusted as configured. */
	assert_string_equal(s.repos.items[2].suite, "./");
	assert_null(s.repos.items[2].components);
	assert_int_equal(s.repos.items[2].trust, KMEND_REPO_TRUSTED);
	/* file: is warned about, not silently dropped. */
	assert_int_equal(s.warnings.count, 1);
	assert_non_null(strstr(s.warnings.items[0].message, "file:/srv/repo"));
	sources_free(&s);

	/* Malformed lines name the file and line. */
	memset(&s, 0, sizeof(s));
	add_file(&s, "etc/apt/sources.list",
	         "deb http://a/ bookworm main\ndeb http://b/ bookworm\n");
	assert_int_equal(read_sources(&s), -KMEND_E_BAD_INPUT);
	assert_string_equal(s.err.input, "etc/apt/sources.list");
	assert_int_equal(s.err.line, 2);
	sources_free(&s);
	memset(&s, 0, sizeof(s));
	add_file(&s, "etc/apt/sources.list.d/x.list", "rpm http://a/ x y\n");
	assert_int_equal(read_sources(&s), -KMEND_E_BAD_INPUT);
	sources_free(&s);

	/* No source at all: not found, with a hint to use --mirror. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(read_sources(&s), -KMEND_E_NOT_FOUND);
	assert_non_null(strstr(s.err.hint, "--mirror"));
	sources_free(&s);
}

static void test_sources_deb822(void **state)
{
	struct sources s = {.os = {.id = "debian", .version_id = "12", .codename = "bookworm"}};
	const char *mirrors[] = {"http://127.0.0.1:1/debian/", NULL};

	(void)state;
	add_file(&s, "etc/apt/sources.list.d/debian.sources",
	         "Types: deb\n"
	         "# comment inside a stanza\n"
	         "URIs: http://deb.debian.org/debian\n"
	         "Suites: bookworm bookworm-updates\n"
	         "Components: main\n"
	         "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
	         "\n"
	         "Types: deb\n"
	         "URIs: http://deb.debian.org/debian-security\n"
	         "Suites: bookworm-security\n"
	         "Components: main\n"
	         "Signed-By:\n"
	         " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	         " .\n"
	         " mDMEXXXX\n"
	         " -----END PGP PUBLIC KEY BLOCK-----\n"
	         "\n"
	         "Types: deb-src\n"
	         "URIs: http://deb.debian.org/debian\n"
	         "Suites: bookworm\n"
	         "Components: main\n"
	         "\n"
	         "Enabled: no\n"
	         "Types: deb\n"
	         "URIs: http://disabled.example/\n"
	         "Suites: x\n"
	         "Components: main\n");
	add_file(&s, "usr/share/keyrings/debian-archive-keyring.gpg", "KEYRING");
	assert_int_equal(read_sources(&s), 0);
	assert_int_equal(s.repos.count, 3);
	assert_string_equal(s.repos.items[1].suite, "bookworm-updates");
	assert_string_equal(s.repos.items[0].keys[0].data, "KEYRING");
	/* An inline key is unfolded: one leading space off, " ." an empty line. */
	assert_string_equal(s.repos.items[2].keys[0].data,
	                    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEXXXX\n"
	                    "-----END PGP PUBLIC KEY BLOCK-----\n");

	/* --mirror: the image's suites plus the release's security and updates, on the mirror. */
	s.opts.mirrors = mirrors;
	assert_int_equal(read_sources(&s), 0);
	assert_int_equal(s.repos.count, 3);
	assert_string_equal(s.repos.items[0].url, "http://127.0.0.1:1/debian");
	assert_string_equal(s.repos.items[0].suite, "bookworm");
	assert_string_equal(s.repos.items[1].suite, "bookworm-updates");
	assert_string_equal(s.repos.items[2].suite, "bookworm-security");
	for (size_t i = 0; i < s.repos.count; i++) {
		assert_true(s.repos.items[i].optional);
		/* Every key the image's entries trust. */
		assert_int_equal(s.repos.items[i].nkeys, 2);
	}
	sources_free(&s);

	memset(&s, 0, sizeof(s));
	add_file(&s, "etc/apt/sources.list.d/bad.sources", "Types: deb\nURIs: http://a/\n\n");
	assert_int_equal(read_sources(&s), -KMEND_E_BAD_INPUT);
	assert_int_equal(s.err.line, 1);
	sources_free(&s);
}

/* ---- the resolver ---- */

struct world {
	struct kmend_inventory inv;
	struct kmend_repo_index index;
	struct kmend_repo_pool pool;
	struct kmend_findings findings;
	struct kmend_fix_plan plan;
};

static enum kmend_package_type world_type = KMEND_PKG_DEB;

static void installed(struct world *w, const char *name, const char *version, const char *source,
                      const char *arch)
{
	struct kmend_package p = {.type = world_type,
	                          .name = (char *)name,
	                          .version = (char *)version,
	                          .arch = (char *)arch,
	                          .source = (char *)source};

	assert_int_equal(kmend_package_list_add(&w->inv.packages, &p), 0);
	kmend_package_list_sort(&w->inv.packages);
}

static void finding(struct world *w, const char *package, const char *source, const char *fixed)
{
	struct kmend_finding *f;

	w->findings.items = realloc(w->findings.items, (w->findings.count + 1) * sizeof(*f));
	f = &w->findings.items[w->findings.count++];
	memset(f, 0, sizeof(*f));
	f->id = strdup("CVE-TEST");
	f->package = strdup(package);
	f->source = strdup(source);
	f->fixed = fixed ? strdup(fixed) : NULL;
	f->fixed_in = fixed ? strdup(fixed) : NULL;
	f->severity = strdup("high");
}

/* One Packages stanza; deps may be NULL. */
static void entry(FILE *out, const char *name, const char *version, const char *source,
                  const char *depends, const char *breaks)
{
	fprintf(out,
	        "Package: %s\nVersion: %s\nArchitecture: %s\n%s%s%s%s%s%s%s%s%s"
	        "Filename: pool/main/%s_%s.deb\nSize: 1000\n"
	        "SHA256: 0000000000000000000000000000000000000000000000000000000000000001\n\n",
	        name, version, strstr(name, "-common") ? "all" : "amd64", source ? "Source: " : "",
	        source ? source : "", source ? "\n" : "", depends ? "Depends: " : "",
	        depends ? depends : "", depends ? "\n" : "", breaks ? "Breaks: " : "",
	        breaks ? breaks : "", breaks ? "\n" : "", name, version);
}

static int resolve_world(struct world *w, bool newest, const char *packages)
{
	struct kmend_error err;
	const struct kmend_repo_index *idx[] = {&w->index};
	struct kmend_fix_request req = {
	    .inv = &w->inv, .findings = &w->findings, .prefer_newest = newest};

	assert_int_equal(kmend_pkgmgr_apt.parse_index(strdup(packages), strlen(packages),
	                                              "http://repo.test", "Packages", &w->index,
	                                              &err),
	                 0);
	assert_int_equal(kmend_repo_pool_build(&w->pool, idx, 1, kmend_pkgmgr_apt.parse_relation),
	                 0);
	memset(&w->plan, 0, sizeof(w->plan));
	w->plan.family = &kmend_pkgmgr_apt;
	w->plan.fixable = true;
	return kmend_fix_plan_resolve(&req, &kmend_pkgmgr_apt, "amd64", &w->pool, &w->plan);
}

static void world_free(struct world *w)
{
	kmend_fix_plan_free(&w->plan);
	kmend_repo_pool_free(&w->pool);
	kmend_repo_index_free(&w->index);
	kmend_findings_free(&w->findings);
	kmend_inventory_free(&w->inv);
	memset(w, 0, sizeof(*w));
}

static void expect_planned(const struct world *w, const char *name, const char *version)
{
	const struct kmend_fix_package *p = kmend_fix_plan_find(&w->plan, name);

	if (!p)
		fail_msg("%s is not in the plan", name);
	assert_string_equal(p->version, version);
}

static const struct kmend_fix_refusal *refusal(const struct world *w, const char *code)
{
	for (size_t i = 0; i < w->plan.nrefused; i++)
		if (!strcmp(w->plan.refused[i].code, code))
			return &w->plan.refused[i];
	fail_msg("no refusal %s", code);
	return NULL;
}

/* The openssl world: two binaries of one source, a dependency on a newer libc6. */
static char *openssl_index(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	entry(out, "libssl3", "3.0.13-1", "openssl", "libc6 (>= 2.38)", NULL);
	entry(out, "openssl", "3.0.13-1", NULL, "libssl3 (>= 3.0.13)", NULL);
	entry(out, "libssl3", "3.0.15-1", "openssl", "libc6 (>= 2.38)", NULL);
	entry(out, "openssl", "3.0.15-1", NULL, "libssl3 (>= 3.0.15)", NULL);
	entry(out, "libssl3", "3.0.11-1", "openssl", NULL, NULL);
	entry(out, "libc6", "2.38-1", "glibc", NULL, NULL);
	entry(out, "libc6", "2.40-1", "glibc", NULL, NULL);
	entry(out, "libc6", "2.30-1", "glibc", NULL, NULL);
	fclose(out);
	return text;
}

static void openssl_world(struct world *w)
{
	installed(w, "libc6", "2.36-9", "glibc", "amd64");
	installed(w, "libssl3", "3.0.11-1", "openssl", "amd64");
	installed(w, "openssl", "3.0.11-1", "openssl", "amd64");
	installed(w, "zlib1g", "1:1.2.13-1", "zlib", "amd64");
	finding(w, "libssl3", "openssl", "3.0.13-1");
}

static void test_resolve_lowest_and_newest(void **state)
{
	struct world w = {0};
	char *idx = openssl_index();

	(void)state;
	openssl_world(&w);
	assert_int_equal(resolve_world(&w, false, idx), 0);
	/* The lowest fixing version, every installed binary of the source, and the
	   lowest libc6 its Depends accepts. */
	assert_int_equal(w.plan.npackages, 3);
	expect_planned(&w, "libssl3", "3.0.13-1");
	expect_planned(&w, "openssl", "3.0.13-1");
	expect_planned(&w, "libc6", "2.38-1");
	assert_non_null(strstr(kmend_fix_plan_find(&w.plan, "libc6")->reason, "needed by libssl3"));
	assert_string_equal(kmend_fix_plan_find(&w.plan, "libc6")->installed, "2.36-9");
	assert_string_equal(kmend_fix_plan_find(&w.plan, "libssl3")->url,
	                    "http://repo.test/pool/main/libssl3_3.0.13-1.deb");
	assert_int_equal(w.plan.nrefused, 0);
	assert_true(kmend_fix_plan_fixes(&w.plan, &w.findings.items[0]));
	world_free(&w);

	openssl_world(&w);
	assert_int_equal(resolve_world(&w, true, idx), 0);
	expect_planned(&w, "libssl3", "3.0.15-1");
	expect_planned(&w, "openssl", "3.0.15-1");
	expect_planned(&w, "libc6", "2.40-1");
	world_free(&w);
	free(idx);
}

static void test_resolve_refusals(void **state)
{
	struct world w = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	const struct kmend_fix_refusal *r;

	(void)state;
	/* foo needs libbar, which is not installed; baz's fixed version is not there; qux's
	   fixed version lacks one of its installed binaries. */
	entry(out, "libfoo1", "2.0-1", "foo", "libc6, libbar2 (>= 1) | libbar3", NULL);
	entry(out, "baz", "1.0-1", NULL, NULL, NULL);
	entry(out, "baz", "1.0-2", NULL, NULL, NULL);
	entry(out, "libqux", "3.0-1", "qux", NULL, NULL);
	entry(out, "qux-common", "2.5-1", "qux", NULL, NULL);
	entry(out, "libssl3", "3.0.13-1", "openssl", "libc6 (>= 9.0)", NULL);
	entry(out, "openssl", "3.0.13-1", NULL, NULL, NULL);
	entry(out, "libc6", "2.38-1", "glibc", NULL, NULL);
	fclose(out);
	installed(&w, "libc6", "2.36-9", "glibc", "amd64");
	installed(&w, "libfoo1", "1.0-1", "foo", "amd64");
	installed(&w, "baz", "1.0-1", "baz", "amd64");
	installed(&w, "libqux", "2.0-1", "qux", "amd64");
	installed(&w, "qux-common", "2.0-1", "qux", "all");
	installed(&w, "libssl3", "3.0.11-1", "openssl", "amd64");
	installed(&w, "openssl", "3.0.11-1", "openssl", "amd64");
	finding(&w, "libfoo1", "foo", "2.0-1");
	finding(&w, "baz", "baz", "1.0-3");
	finding(&w, "libqux", "qux", "3.0-1");
	finding(&w, "libssl3", "openssl", "3.0.13-1");
	finding(&w, "zlib1g", "zlib", NULL);
	assert_int_equal(resolve_world(&w, false, text), 0);
	assert_int_equal(w.plan.npackages, 0);

	r = refusal(&w, "dependency-not-installed");
	assert_string_equal(r->source, "foo");
	assert_non_null(strstr(r->message, "libbar2 (>= 1) | libbar3"));
	assert_non_null(strstr(r->message, "not installed"));
	assert_non_null(strstr(r->repair, "kmend harden"));

	r = refusal(&w, "not-in-repository");
	r = &w.plan.refused[0];
	for (size_t i = 0; i < w.plan.nrefused; i++)
		if (w.plan.refused[i].source && !strcmp(w.plan.refused[i].source, "baz"))
			r = &w.plan.refused[i];
	assert_string_equal(r->code, "not-in-repository");
	assert_non_null(strstr(r->message, "newest there: 1.0-2"));
	for (size_t i = 0; i < w.plan.nrefused; i++)
		if (w.plan.refused[i].source && !strcmp(w.plan.refused[i].source, "qux"))
			r = &w.plan.refused[i];
	assert_non_null(strstr(r->message, "qux-common"));

	r = refusal(&w, "dependency-not-available");
	assert_string_equal(r->source, "openssl");
	assert_non_null(strstr(r->message, "libc6 (>= 9.0)"));

	r = refusal(&w, "no-fix-published");
	assert_string_equal(r->source, "zlib");
	assert_non_null(strstr(r->message, "CVE-TEST"));
	assert_int_equal(w.plan.nrefused, 5);
	world_free(&w);
	free(text);
}

static void test_resolve_breaks_provides_reverse(void **state)
{
	struct world w = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	/* The new libfoo breaks the installed plugin; needs a virtual package an installed
	   package provides; the installed libfoo-dev (another source) needs libfoo exactly. */
	entry(out, "libfoo1", "2.0-1", "foo", "mail-transport-agent, foo-data-common",
	      "fooplugin (<< 2.0)");
	entry(out, "fooplugin", "1.0-1", NULL, NULL, NULL);
	entry(out, "fooplugin", "2.0-1", NULL, NULL, NULL);
	entry(out, "fooplugin", "2.1-1", NULL, NULL, NULL);
	entry(out, "libfoo-dev", "1.0-1", "foo-dev", "libfoo1 (= 1.0-1)", NULL);
	entry(out, "libfoo-dev", "2.0-1", "foo-dev", "libfoo1 (= 2.0-1)", NULL);
	fprintf(out,
	        "Package: postfix\nVersion: 3.7-1\nArchitecture: amd64\n"
	        "Provides: mail-transport-agent\nFilename: pool/p.deb\nSize: 1\n"
	        "SHA256: 0000000000000000000000000000000000000000000000000000000000000002\n\n");
	/* binNMU: the binary's version differs from its source's. */
	entry(out, "foo-data-common", "2.0-1+b1", "foo (2.0-1)", NULL, NULL);
	/* An entry without a SHA256 is left out, with a warning. */
	fprintf(out, "Package: broken\nVersion: 1\nArchitecture: amd64\nFilename: x\nSize: 1\n\n");
	fclose(out);
	installed(&w, "libfoo1", "1.0-1", "foo", "amd64");
	installed(&w, "foo-data-common", "1.0-1", "foo", "all");
	installed(&w, "fooplugin", "1.0-1", "fooplugin", "amd64");
	installed(&w, "libfoo-dev", "1.0-1", "foo-dev", "amd64");
	installed(&w, "postfix", "3.7-1", "postfix", "amd64");
	finding(&w, "libfoo1", "foo", "2.0-1");
	assert_int_equal(resolve_world(&w, false, text), 0);
	assert_int_equal(w.plan.nrefused, 0);
	expect_planned(&w, "libfoo1", "2.0-1");
	expect_planned(&w, "foo-data-common", "2.0-1+b1");
	expect_planned(&w, "fooplugin", "2.0-1");
	assert_non_null(strstr(kmend_fix_plan_find(&w.plan, "fooplugin")->reason, "breaks"));
	expect_planned(&w, "libfoo-dev", "2.0-1");
	assert_null(kmend_fix_plan_find(&w.plan, "postfix"));
	assert_int_equal(w.plan.npackages, 4);
	assert_int_equal(w.index.warnings.count, 1);
	assert_non_null(strstr(w.index.warnings.items[0].message, "1 entries"));
	world_free(&w);
	free(text);
}

/* ---- who runs, and what runs after ---- */

static void test_runs_as_root(void **state)
{
	struct kmend_fix_files files = {0};
	char why[256];
	const char *pw = "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\n"
	                 "toor:x:0:0::/:/bin/sh\n";

	(void)state;
	assert_int_equal(kmend_fix_files_add(&files, "etc/passwd", pw, strlen(pw)), 0);
	assert_true(kmend_fix_runs_as_root(NULL, &files, -1, false, why, sizeof(why)));
	assert_true(kmend_fix_runs_as_root("", &files, -1, false, why, sizeof(why)));
	assert_true(kmend_fix_runs_as_root("root", &files, -1, false, why, sizeof(why)));
	assert_true(kmend_fix_runs_as_root("0:0", &files, -1, false, why, sizeof(why)));
	assert_true(kmend_fix_runs_as_root("toor", &files, -1, false, why, sizeof(why)));
	assert_false(kmend_fix_runs_as_root("app", &files, -1, false, why, sizeof(why)));
	assert_non_null(strstr(why, "uid 1000"));
	assert_false(kmend_fix_runs_as_root("1000:1000", &files, -1, false, why, sizeof(why)));
	assert_false(kmend_fix_runs_as_root("nobody", &files, -1, false, why, sizeof(why)));
	assert_non_null(strstr(why, "does not list"));
	/* The pod's runAsUser wins over the image's User; runAsNonRoot refuses. */
	assert_true(kmend_fix_runs_as_root("app", &files, 0, false, why, sizeof(why)));
	assert_false(kmend_fix_runs_as_root(NULL, &files, 1001, false, why, sizeof(why)));
	assert_false(kmend_fix_runs_as_root(NULL, &files, -1, true, why, sizeof(why)));
	assert_non_null(strstr(why, "runAsNonRoot"));
	kmend_fix_files_free(&files);
}

static void test_original_command(void **state)
{
	char *ep[] = {"/docker-entrypoint.sh", NULL}, *cmd[] = {"nginx", "-g", "daemon off;", NULL};
	struct kmend_image_run_config run = {.entrypoint = ep, .cmd = cmd};
	const char *command[] = {"/bin/app", "$(HOME)", "", NULL};
	struct kmend_error err;
	char **v;

	(void)state;
	assert_int_equal(kmend_fix_original_command(command, true, &run, &v, &err), 0);
	assert_int_equal(kmend_strv_len(v), 3);
	assert_string_equal(v[1], "$(HOME)");
	assert_string_equal(v[2], "");
	kmend_argv_free(v);
	/* args only: the image's Entrypoint, the args follow by themselves. */
	assert_int_equal(kmend_fix_original_command(NULL, true, &run, &v, &err), 0);
	assert_int_equal(kmend_strv_len(v), 1);
	kmend_argv_free(v);
	/* Neither: Entrypoint and Cmd. */
	assert_int_equal(kmend_fix_original_command(NULL, false, &run, &v, &err), 0);
	assert_int_equal(kmend_strv_len(v), 4);
	assert_string_equal(v[3], "daemon off;");
	kmend_argv_free(v);
	run = (struct kmend_image_run_config){0};
	assert_int_equal(kmend_fix_original_command(NULL, false, &run, &v, &err),
	                 -KMEND_E_NOT_FOUND);
	assert_int_equal(kmend_fix_original_command(NULL, true, &run, &v, &err), 0);
	assert_int_equal(kmend_strv_len(v), 0);
	kmend_argv_free(v);
}

static void test_scripts(void **state)
{
	struct world w = {0};
	char *idx = openssl_index();
	const char *orig[] = {"/bin/app", "it's", "$(HOME)", "", NULL};
	struct kmend_error err;
	char **dl, **in;

	(void)state;
	openssl_world(&w);
	assert_int_equal(resolve_world(&w, false, idx), 0);
	assert_int_equal(kmend_fix_script_download(&w.plan, "/kmend", &dl, &err), 0);
	assert_int_equal(kmend_fix_script_install(&w.plan, "/kmend", orig, &in, &err), 0);
	assert_string_equal(dl[0], "/bin/sh");
	assert_string_equal(dl[1], "-c");
	assert_null(dl[3]);
	assert_non_null(strstr(dl[2], "kmend_fetch 'http://repo.test/pool/main/libc6_2.38-1.deb' "
	                              "libc6_2.38-1.deb 0000"));
	/* The original argv follows the script untouched; the script hands over with exec. */
	assert_string_equal(in[3], "/bin/app");
	assert_string_equal(in[4], "it's");
	assert_string_equal(in[5], "$(HOME)");
	assert_string_equal(in[6], "");
	assert_null(in[7]);
	assert_non_null(strstr(in[2], "exec \"$0\" \"$@\"\n"));
	assert_non_null(strstr(in[2], "dpkg --force-confdef --force-confold -i"));
	assert_null(strstr(in[2], "$("));
	assert_null(strstr(dl[2], "$("));
	kmend_argv_free(in);
	/* postStart: no hand-over. */
	assert_int_equal(kmend_fix_script_install(&w.plan, "/kmend", NULL, &in, &err), 0);
	assert_null(strstr(in[2], "exec"));
	assert_null(in[3]);
	kmend_argv_free(in);
	kmend_argv_free(dl);
	assert_int_equal(kmend_fix_script_download(&w.plan, "relative", &dl, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_fix_script_download(&w.plan, "/a'b", &dl, &err), -KMEND_E_BAD_INPUT);
	world_free(&w);
	free(idx);
}

/* The image config's run fields: what fix hands over to and who it runs as. */
static void test_image_config(void **state)
{
	const char *doc = "{\"architecture\":\"amd64\",\"os\":\"linux\","
	                  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
	                  "\"config\":{\"User\":\"app:app\",\"Entrypoint\":[\"/entry\",\"\"],"
	                  "\"Cmd\":null,\"Env\":[\"A=$(B)\"],\"WorkingDir\":\"/srv\"}}";
	struct kmend_image_config c;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_image_config_parse(doc, strlen(doc), "cfg", &c, &err), 0);
	assert_string_equal(c.run.user, "app:app");
	assert_int_equal(kmend_strv_len(c.run.entrypoint), 2);
	assert_string_equal(c.run.entrypoint[1], "");
	assert_null(c.run.cmd);
	assert_string_equal(c.run.env[0], "A=$(B)");
	assert_string_equal(c.run.working_dir, "/srv");
	kmend_image_config_free(&c);
	/* No "config" at all: nothing set. */
	assert_int_equal(kmend_image_config_parse("{}", strlen("{}"), "cfg", &c, &err), 0);
	assert_null(c.run.user);
	assert_null(c.run.entrypoint);
	kmend_image_config_free(&c);
	/* Wrong types, and a NUL that could never reach an exec. */
	assert_int_equal(kmend_image_config_parse("{\"config\":{\"Cmd\":\"sh\"}}",
	                                          strlen("{\"config\":{\"Cmd\":\"sh\"}}"), "cfg",
	                                          &c, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "Cmd is not an array of strings"));
	assert_int_equal(kmend_image_config_parse("{\"config\":{\"User\":0}}",
	                                          strlen("{\"config\":{\"User\":0}}"), "cfg", &c,
	                                          &err),
	                 -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_image_config_parse("{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}",
	                                          strlen("{\"config\":{\"Cmd\":[\"a\\u0000b\"]}}"),
	                                          "cfg", &c, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "NUL"));
}

#define APK_DIR "repo/alpine-v3.16-main-x86_64/"
#define APK_KEY "alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub"

/* Alpine's real signed index: verified with Alpine's key, refused otherwise. */
static void test_apk_index(void **state)
{
	size_t len, klen, tlen;
	char *data = slurp(APK_DIR "APKINDEX.tar.gz", &len), *key = slurp(APK_DIR APK_KEY, &klen);
	struct kmend_repo_key keys[] = {
	    {.name = "etc/apk/keys/" APK_KEY, .data = key, .len = klen},
	    {.name = "etc/apk/keys/other.rsa.pub", .data = key, .len = klen}};
	struct kmend_repo_index index = {0};
	struct kmend_warnings w = {0};
	struct kmend_error err;
	char *text;

	(void)state;
	assert_int_equal(kmend_apk_index_open(data, len, keys, 1, KMEND_REPO_VERIFY, "idx", &text,
	                                      &tlen, &w, &err),
	                 0);
	assert_int_equal(
	    kmend_apk_parse_index(text, tlen, "http://m/v3.16/main", "idx", &index, &err), 0);
	/* 4929 entries, of which six have versions apk's grammar rejects (0.99f7-r0, 6.8.0p2-r4):
	   left out, and said. */
	assert_int_equal(index.count, 4923);
	assert_int_equal(index.warnings.count, 1);
	assert_non_null(strstr(index.warnings.items[0].message, "6 entries"));
	kmend_repo_index_free(&index);

	/* A key of another name: the image does not trust the signer. */
	assert_int_equal(kmend_apk_index_open(data, len, keys + 1, 1, KMEND_REPO_VERIFY, "idx",
	                                      &text, &tlen, &w, &err),
	                 -KMEND_E_DIGEST);
	assert_non_null(strstr(err.message, "6165ee59.rsa.pub, a key the image does not trust"));
	/* One byte of the signed part changed. */
	data[len - 100] ^= 1;
	assert_int_equal(kmend_apk_index_open(data, len, keys, 1, KMEND_REPO_VERIFY, "idx", &text,
	                                      &tlen, &w, &err),
	                 -KMEND_E_DIGEST);
	assert_non_null(strstr(err.message, "does not verify"));
	/* Not gzip at all. */
	assert_int_equal(kmend_apk_index_open("P:x\n", 4, keys, 1, KMEND_REPO_VERIFY, "idx", &text,
	                                      &tlen, &w, &err),
	                 -KMEND_E_BAD_INPUT);
	kmend_warnings_free(&w);
	free(data);
	free(key);
}

/* The resolver on Alpine's real index: origins, so: names, versions apk orders. */
static void test_apk_resolve(void **state)
{
	size_t len, klen, tlen;
	char *data = slurp(APK_DIR "APKINDEX.tar.gz", &len), *key = slurp(APK_DIR APK_KEY, &klen);
	struct kmend_repo_key keys[] = {{.name = APK_KEY, .data = key, .len = klen}};
	struct kmend_warnings warn = {0};
	struct kmend_error err;
	struct world w = {0};
	const struct kmend_repo_index *idx[] = {&w.index};
	struct kmend_fix_request req = {.inv = &w.inv, .findings = &w.findings};
	char *text;

	(void)state;
	world_type = KMEND_PKG_APK;
	installed(&w, "busybox", "1.35.0-r13", "busybox", "x86_64");
	installed(&w, "ssl_client", "1.35.0-r13", "busybox", "x86_64");
	installed(&w, "libcrypto1.1", "1.1.1n-r0", "openssl", "x86_64");
	installed(&w, "libssl1.1", "1.1.1n-r0", "openssl", "x86_64");
	installed(&w, "musl", "1.2.3-r0", "musl", "x86_64");
	installed(&w, "zlib", "1.2.12-r1", "zlib", "x86_64");
	installed(&w, "apk-tools", "2.12.9-r3", "apk-tools", "x86_64");
	finding(&w, "busybox", "busybox", "1.35.0-r17");
	finding(&w, "libcrypto1.1", "openssl", "1.1.1q-r0");
	finding(&w, "zlib", "zlib", "1.2.12-r2");
	world_type = KMEND_PKG_DEB;
	assert_int_equal(kmend_apk_index_open(data, len, keys, 1, KMEND_REPO_VERIFY, "idx", &text,
	                                      &tlen, &warn, &err),
	                 0);
	assert_int_equal(
	    kmend_apk_parse_index(text, tlen, "http://m/v3.16/main", "idx", &w.index, &err), 0);
	assert_int_equal(kmend_repo_pool_build(&w.pool, idx, 1, kmend_pkgmgr_apk.parse_relation),
	                 0);
	w.plan.family = &kmend_pkgmgr_apk;
	assert_int_equal(
	    kmend_fix_plan_resolve(&req, &kmend_pkgmgr_apk, "x86_64", &w.pool, &w.plan), 0);
	assert_int_equal(w.plan.nrefused, 0);
	assert_int_equal(w.plan.npackages, 5);
	expect_planned(&w, "busybox", "1.35.0-r17");
	expect_planned(&w, "ssl_client", "1.35.0-r17");
	expect_planned(&w, "libcrypto1.1", "1.1.1s-r0");
	expect_planned(&w, "libssl1.1", "1.1.1s-r0");
	expect_planned(&w, "zlib", "1.2.12-r3");
	assert_string_equal(kmend_fix_plan_find(&w.plan, "zlib")->url,
	                    "http://m/v3.16/main/x86_64/zlib-1.2.12-r3.apk");
	assert_string_equal(kmend_fix_plan_find(&w.plan, "zlib")->checksum,
	                    "Q1Ekuqm/0CPywDCKEbEwhsPCw+z9E=");
	world_free(&w);
	kmend_warnings_free(&warn);
	free(data);
	free(key);
}

#define EL9_DIR "repo/el9-bzip2/"

/* .repo files: variables, defaults from dnf.conf, disabled and mirrorlist-only repositories. */
static void test_dnf_repos(void **state)
{
	struct sources s = {.os = {.id = "rocky", .version_id = "9.3"}};
	struct kmend_pkgmgr_context ctx = {.files = &s.files,
	                                   .os = &s.os,
	                                   .arch = "x86_64",
	                                   .opts = &s.opts,
	                                   .warnings = &s.warnings};
	const char *mirrors[] = {"http://127.0.0.1:1/el9/", NULL};

	(void)state;
	add_file(&s, "etc/dnf/dnf.conf", "[main]\ngpgcheck=1\ninstallonly_limit=3\n");
	add_file(&s, "etc/dnf/vars/contentdir", "pub/rocky\n");
	add_file(&s, "etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9", "KEY");
	add_file(&s, "etc/yum.repos.d/rocky.repo",
	         "# comment\n"
	         "[baseos]\n"
	         "name=Rocky Linux $releasever - BaseOS\n"
	         "mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch\n"
	         "#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/\n"
	         "baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/\n"
	         "enabled=1\n"
	         "gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9\n"
	         "\n"
	         "[appstream]\n"
	         "metalink=https://mirrors.rockylinux.org/metalink?repo=AppStream-$releasever\n"
	         "\n"
	         "[devel]\n"
	         "baseurl=http://dl.rockylinux.org/${contentdir}/${releasever}/devel/x86_64/os/\n"
	         "  http://second.example/devel/\n"
	         "enabled=0\n"
	         "[odd]\n"
	         "baseurl=http://x/$unknownvar/\n"
	         "repo_gpgcheck=1\n");
	assert_int_equal(kmend_pkgmgr_dnf.read_repos(&ctx, &s.repos, &s.err), 0);
	assert_int_equal(s.repos.count, 1);
	assert_string_equal(s.repos.items[0].url,
	                    "http://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os");
	assert_string_equal(s.repos.items[0].origin, "etc/yum.repos.d/rocky.repo:2");
	/* gpgcheck from dnf.conf: packages checked with the image's key; metadata not signed. */
	assert_true(s.repos.items[0].package_gpgcheck);
	assert_string_equal(s.repos.items[0].package_keys[0],
	                    "etc/pki/rpm-gpg/RPM-GPG-KEY-Rocky-9");
	assert_int_equal(s.repos.items[0].trust, KMEND_REPO_TRUSTED);
	assert_int_equal(s.repos.items[0].nkeys, 1);
	/* Skipped ones are said: metalink only, and an unknown variable (then its repository). */
	assert_int_equal(s.warnings.count, 3);
	assert_non_null(
	    strstr(s.warnings.items[0].message, "mirrorlist and metalink are not read"));
	assert_non_null(strstr(s.warnings.items[1].message, "$unknownvar"));

	s.opts.mirrors = mirrors;
	assert_int_equal(read_sources_with(&s, &kmend_pkgmgr_dnf), 0);
	assert_int_equal(s.repos.count, 1);
	assert_string_equal(s.repos.items[0].url, "http://127.0.0.1:1/el9");
	assert_int_equal(s.repos.items[0].trust, KMEND_REPO_VERIFY);
	assert_true(s.repos.items[0].package_gpgcheck);
	sources_free(&s);
}

/* A real createrepo_c repository: repomd.xml, primary.xml; the resolver on it. */
static void test_dnf_primary(void **state)
{
	size_t len, plen;
	char *md = slurp(EL9_DIR "repodata/repomd.xml", &len), *gz, *text;
	struct kmend_rpmmd_primary primary;
	struct kmend_error err;
	struct world w = {0};
	const struct kmend_repo_index *idx[] = {&w.index};
	struct kmend_fix_request req = {.inv = &w.inv, .findings = &w.findings};
	char path[1200];

	(void)state;
	assert_int_equal(kmend_rpmmd_parse_repomd(md, len, "repomd.xml", &primary, &err), 0);
	assert_string_equal(
	    primary.href,
	    "repodata/"
	    "7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc-primary.xml.gz");
	assert_string_equal(primary.sha256,
	                    "7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc");
	assert_int_equal(primary.size, 2029);
	assert_int_equal(kmend_rpmmd_parse_repomd("<!DOCTYPE x [<!ENTITY a 'b'>]><repomd/>", 39,
	                                          "x", &primary, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "DOCTYPE"));
	assert_int_equal(
	    kmend_rpmmd_parse_repomd("<repomd><data type=\"primary\">", 30, "x", &primary, &err),
	    -KMEND_E_BAD_INPUT);
	free(md);

	snprintf(path, sizeof(path), EL9_DIR "%s", primary.href);
	snprintf(path, sizeof(path),
	         EL9_DIR
	         "repodata/"
	         "7301ce108e66fd45eb51b0fb717c9899698f1fa9e3ae22ecd20d10706f0d61dc-primary.xml.gz");
	gz = slurp(path, &len);
	assert_int_equal(kmend_repo_decompress(gz, len, "primary", 1 << 20, &text, &plen, &err), 0);
	free(gz);
	assert_int_equal(
	    kmend_rpmmd_parse_primary(text, plen, "http://r/el9", "primary", &w.index, &err), 0);
	assert_int_equal(w.index.count, 7);
	assert_int_equal(kmend_repo_pool_build(&w.pool, idx, 1, kmend_pkgmgr_dnf.parse_relation),
	                 0);

	world_type = KMEND_PKG_RPM;
	installed(&w, "bzip2", "1.0.8-8.el9", "bzip2", "x86_64");
	installed(&w, "bzip2-libs", "1.0.8-8.el9", "bzip2", "x86_64");
	installed(&w, "glibc", "2.34-60.el9", "glibc", "x86_64");
	world_type = KMEND_PKG_DEB;
	finding(&w, "bzip2-libs", "bzip2", "1.0.8-10.el9");
	w.plan.family = &kmend_pkgmgr_dnf;
	assert_int_equal(
	    kmend_fix_plan_resolve(&req, &kmend_pkgmgr_dnf, "x86_64", &w.pool, &w.plan), 0);
	assert_int_equal(w.plan.nrefused, 0);
	assert_int_equal(w.plan.npackages, 2);
	expect_planned(&w, "bzip2", "1.0.8-18.el9");
	expect_planned(&w, "bzip2-libs", "1.0.8-18.el9");
	assert_string_equal(kmend_fix_plan_find(&w.plan, "bzip2-libs")->url,
	                    "http://r/el9/bzip2-libs-1.0.8-18.el9.x86_64.rpm");
	assert_string_equal(kmend_fix_plan_find(&w.plan, "bzip2")->sha256,
	                    "dcd581a2f21cce0674468ad8e5d10565d771a1982d32234e99038365cb238900");
	/* glibc's sonames are nowhere in this repository: taken as the image's, and said. */
	{
		bool said = false;
		for (size_t i = 0; i < w.plan.warnings.count; i++)
			said |=
			    strstr(w.plan.warnings.items[i].message,
			           "libc.so.6(GLIBC_2.34)(64bit): no package in the repositories "
			           "provides it") != NULL;
		assert_true(said);
	}
	world_free(&w);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_relation_deb),
	    cmocka_unit_test(test_relation_apk_rpm),
	    cmocka_unit_test(test_rel_satisfied),
	    cmocka_unit_test(test_sources_list),
	    cmocka_unit_test(test_sources_deb822),
	    cmocka_unit_test(test_resolve_lowest_and_newest),
	    cmocka_unit_test(test_resolve_refusals),
	    cmocka_unit_test(test_resolve_breaks_provides_reverse),
	    cmocka_unit_test(test_runs_as_root),
	    cmocka_unit_test(test_original_command),
	    cmocka_unit_test(test_scripts),
	    cmocka_unit_test(test_image_config),
	    cmocka_unit_test(test_apk_index),
	    cmocka_unit_test(test_apk_resolve),
	    cmocka_unit_test(test_dnf_repos),
	    cmocka_unit_test(test_dnf_primary),
	};

	/* argv[2] is test/fixtures/pkgdb (see test/run). */
	if (argc > 2) {
		snprintf(fixtures, sizeof(fixtures), "%s", argv[2]);
		if (strrchr(fixtures, '/'))
			*strrchr(fixtures, '/') = '\0';
	}
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("fix_plan", tests, NULL, NULL);
}
