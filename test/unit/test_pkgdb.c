/*
 * Package database parsers against the shared fixtures: each fixture's packages must be
 * exactly the expected list its upstream project asserts (test/fixtures/pkgdb/PROVENANCE.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "pkgdb.h"

static char fixtures[4096] = "test/fixtures/pkgdb";

static char *slurp(const char *rel, size_t *len)
{
	char path[8192];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixtures, rel);
	f = fopen(path, "rb");
	if (!f)
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

/* The section "-- NAME --" of a txtar archive, up to the next section. */
static char *txtar_section(const char *rel, const char *name, size_t *len)
{
	size_t n;
	char *all = slurp(rel, &n), marker[256], *start, *end, *out;

	snprintf(marker, sizeof(marker), "-- %s --\n", name);
	start = strstr(all, marker);
	assert_non_null(start);
	start += strlen(marker);
	end = strstr(start, "\n-- ");
	end = end ? end + 1 : all + n;
	*len = (size_t)(end - start);
	out = malloc(*len + 1);
	memcpy(out, start, *len);
	out[*len] = '\0';
	free(all);
	return out;
}

/* The first of keys present in o as a string or number, formatted; NULL when none. */
static const char *field(json_t *o, const char *const *keys, char *buf, size_t size)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(o, *keys);
		if (json_is_string(v))
			return json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(buf, size, "%lld", (long long)json_integer_value(v));
			return buf;
		}
	}
	return NULL;
}

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* [epoch:]version[-release] from split fields, as the package database holds it. */
static void join_evr(char *out, size_t size, const char *epoch, const char *version,
                     const char *release)
{
	snprintf(out, size, "%s%s%s%s%s", epoch ? epoch : "", epoch ? ":" : "", version,
	         release ? "-" : "", release ? release : "");
}

/* "name|version|arch|source|source_version|source_rpm|label" with "*" for what is not asserted. */
static void expected_line(json_t *o, char *out, size_t size)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32], b8[32], b9[32], b10[32];
	char version[512] = "*", src_version[512] = "*";
	const char *name = field(o, KEYS("Package", "Name", "name", "P"), b1, 32);
	const char *ver = field(o, KEYS("Version", "version", "V"), b2, 32);
	const char *epoch = field(o, KEYS("Epoch", "epoch"), b3, 32);
	const char *release = field(o, KEYS("Release", "release"), b4, 32);
	const char *arch = field(o, KEYS("Architecture", "Arch", "arch", "A"), b5, 32);
	const char *source = field(o, KEYS("Source", "SrcName", "OriginPackage", "o"), b6, 32);
	const char *sv = field(o, KEYS("SrcVersion"), b7, 32);
	const char *se = field(o, KEYS("SrcEpoch"), b8, 32);
	const char *sr = field(o, KEYS("SrcRelease"), b9, 32);
	const char *srpm = field(o, KEYS("sourcerpm"), b10, 32);
	json_t *label = json_object_get(o, "modularitylabel");

	if (ver)
		join_evr(version, sizeof(version), epoch, ver, release);
	if (sv)
		join_evr(src_version, sizeof(src_version), se, sv, sr);
	snprintf(out, size, "%s|%s|%s|%s|%s|%s|%s", name, version, arch ? arch : "*",
	         source ? source : "*", src_version, srpm ? srpm : "*",
	         json_is_string(label) ? json_string_value(label) : "*");
}

static void actual_line(const struct kmend_package *p, const char *expected, char *out, size_t size)
{
	/* Fields the expectation does not assert are not compared. */
	char exp[8][512] = {{0}};
	const char *fields[7] = {p->name,
	                         p->version,
	                         p->arch ? p->arch : "",
	                         p->source,
	                         p->source_version,
	                         p->source_rpm ? p->source_rpm : "",
	                         p->modularity_label ? p->modularity_label : ""};
	size_t n = 0;

	for (int i = 0, k = 0; *expected && i < 7; expected++) {
		if (*expected == '|') {
			i++;
			k = 0;
		} else if (k < 511) {
			exp[i][k++] = *expected;
		}
	}
	out[0] = '\0';
	for (int i = 0; i < 7; i++)
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? "|" : "",
		                      strcmp(exp[i], "*") == 0 ? "*" : fields[i]);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parse data as image path dbpath and compare with the "packages" of expected_json. */
static void check_fixture(const char *dbpath, const char *data, size_t len,
                          const char *expected_json, size_t expect_skipped)
{
	char path[8192], **exp, **act;
	struct kmend_package_list list = {0};
	struct kmend_error err;
	const struct kmend_pkgdb *db = kmend_pkgdb_for_path(dbpath);
	json_error_t jerr;
	json_t *root, *pkgs;
	size_t n;

	assert_non_null(db);
	if (db->parse(dbpath, data, len, &list, &err) < 0)
		fail_msg("%s: %s", dbpath, err.message);
	snprintf(path, sizeof(path), "%s/%s", fixtures, expected_json);
	root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("%s: %s", path, jerr.text);
	pkgs = json_object_get(root, "packages");
	n = json_array_size(pkgs);
	if (list.count != n)
		fail_msg("%s: %zu packages, expected %zu (skipped %zu: %s)", expected_json,
		         list.count, n, list.skipped, list.skip_reason);
	exp = calloc(n + 1, sizeof(*exp));
	act = calloc(n + 1, sizeof(*act));
	for (size_t i = 0; i < n; i++) {
		exp[i] = malloc(2048);
		expected_line(json_array_get(pkgs, i), exp[i], 2048);
	}
	qsort(exp, n, sizeof(*exp), line_cmp);
	kmend_package_list_sort(&list);
	for (size_t i = 0; i < n; i++) {
		/* Find the expectation with this package's name to know what it asserts. */
		const char *pattern = exp[0];
		for (size_t j = 0; j < n; j++)
			if (strncmp(exp[j], list.items[i].name, strlen(list.items[i].name)) == 0 &&
			    exp[j][strlen(list.items[i].name)] == '|')
				pattern = exp[j];
		act[i] = malloc(2048);
		actual_line(&list.items[i], pattern, act[i], 2048);
	}
	qsort(act, n, sizeof(*act), line_cmp);
	for (size_t i = 0; i < n; i++)
		if (strcmp(exp[i], act[i]) != 0)
			fail_msg("%s: expected %s\n   got      %s", expected_json, exp[i], act[i]);
	assert_int_equal(list.skipped, expect_skipped);
	for (size_t i = 0; i < n; i++) {
		free(exp[i]);
		free(act[i]);
	}
	free(exp);
	free(act);
	json_decref(root);
	kmend_package_list_free(&list);
}

static void check_file(const char *file, const char *dbpath, const char *expected,
                       size_t expect_skipped)
{
	size_t len;
	char *data = slurp(file, &len);

	check_fixture(dbpath, data, len, expected, expect_skipped);
	free(data);
}

static void test_dpkg_status_d(void **state)
{
	(void)state;
	check_file("syft-dpkg/status.d/single", "var/lib/dpkg/status.d/apt",
	           "syft-dpkg/status.d/single.expected.json", 0);
	/* One "deinstall ok config-files" stanza is not installed: left out, not skipped. */
	check_file("syft-dpkg/status.d/deinstall", "var/lib/dpkg/status.d/linux-image",
	           "syft-dpkg/status.d/deinstall.expected.json", 0);
	check_file("syft-dpkg/distroless-status.d/libsqlite3-0",
	           "var/lib/dpkg/status.d/libsqlite3-0",
	           "syft-dpkg/distroless-status.d/expected.json", 0);
}

/* syft expects "no-version" listed without a version; kmend counts it skipped (see PROVENANCE). */
static void test_dpkg_multiple_skips_versionless(void **state)
{
	struct kmend_package_list list = {0};
	size_t len;
	char *data = slurp("syft-dpkg/status.d/multiple", &len);

	(void)state;
	assert_int_equal(kmend_pkgdb_dpkg.parse("var/lib/dpkg/status.d/x", data, len, &list, NULL),
	                 0);
	kmend_package_list_sort(&list);
	assert_int_equal(list.count, 2);
	assert_string_equal(list.items[0].name, "tzdata");
	assert_string_equal(list.items[0].source, "tzdata-dev");
	assert_string_equal(list.items[0].version, "2020a-0+deb10u1");
	assert_string_equal(list.items[1].name, "util-linux");
	assert_int_equal(list.skipped, 2); /* "Package:" with no name, and "no-version" */
	assert_non_null(strstr(list.skip_reason, "without a Package name"));
	kmend_package_list_free(&list);
	free(data);
}

static void test_dpkg_corrupt(void **state)
{
	struct kmend_package_list list = {0};
	size_t len;
	char *data = slurp("syft-dpkg/status.d/corrupt", &len);

	(void)state;
	assert_int_equal(kmend_pkgdb_dpkg.parse("var/lib/dpkg/status.d/x", data, len, &list, NULL),
	                 0);
	assert_int_equal(list.count, 0);
	assert_int_equal(list.skipped, 1);
	assert_non_null(strstr(list.skip_reason, "var/lib/dpkg/status.d/x:5: a line that is"));
	kmend_package_list_free(&list);
	free(data);
}

/* corrupsed: one stanza has no Version, one the invalid "1:5.#": both skipped and counted. */
static void test_dpkg_trivy(void **state)
{
	static const struct {
		const char *name;
		size_t skipped;
	} cases[] = {{"valid", 0}, {"third-party", 0}, {"corrupsed", 2}};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char txtar[256], expected[256];
		size_t len;
		char *status;

		snprintf(txtar, sizeof(txtar), "trivy-dpkg/%s.txtar", cases[i].name);
		snprintf(expected, sizeof(expected), "trivy-dpkg/%s.expected.json", cases[i].name);
		status = txtar_section(txtar, "var/lib/dpkg/status", &len);
		check_fixture("var/lib/dpkg/status", status, len, expected, cases[i].skipped);
		free(status);
	}
}

/*
 * trivy's expected list for "only-apt" is empty (that case asserts something of trivy's
 * analyzer, not of the file), but the file's one stanza is an installed apt: kmend lists it.
 */
static void test_dpkg_trivy_only_apt(void **state)
{
	struct kmend_package_list list = {0};
	size_t len;
	char *status = txtar_section("trivy-dpkg/only-apt.txtar", "var/lib/dpkg/status", &len);

	(void)state;
	assert_int_equal(kmend_pkgdb_dpkg.parse("var/lib/dpkg/status", status, len, &list, NULL),
	                 0);
	assert_int_equal(list.count, 1);
	assert_string_equal(list.items[0].name, "apt");
	assert_string_equal(list.items[0].version, "1.6.3ubuntu0.1");
	assert_string_equal(list.items[0].source, "apt");
	kmend_package_list_free(&list);
	free(status);
}

static void test_apk(void **state)
{
	(void)state;
	check_file("syft-apk/single", "lib/apk/db/installed", "syft-apk/single.expected.json", 0);
	check_file("syft-apk/base", "lib/apk/db/installed", "syft-apk/base.expected.json", 0);
	check_file("syft-apk/multiple-2.installed", "lib/apk/db/installed",
	           "syft-apk/multiple-2.derived.json", 0);
	/* "invalidPackageWithoutAVersion" is skipped and counted. */
	check_file("trivy-apk/installed", "lib/apk/db/installed",
	           "trivy-apk/installed.expected.json", 1);
}

static void test_rpm_bdb(void **state)
{
	(void)state;
	check_file("go-rpmdb/centos5-plain/Packages", "var/lib/rpm/Packages",
	           "go-rpmdb/centos5-plain/expected.json", 0);
	check_file("go-rpmdb/centos7-plain/Packages", "var/lib/rpm/Packages",
	           "go-rpmdb/centos7-plain/expected.json", 0);
	check_file("go-rpmdb/centos8-modularitylabel/Packages", "var/lib/rpm/Packages",
	           "go-rpmdb/centos8-modularitylabel/expected.json", 0);
	check_file("go-rpmdb/libuuid/Packages", "var/lib/rpm/Packages",
	           "go-rpmdb/libuuid/expected.json", 0);
	check_file("syft-redhat/Packages", "var/lib/rpm/Packages", "syft-redhat/expected.json", 0);
}

static void test_rpm_ndb(void **state)
{
	(void)state;
	check_file("go-rpmdb/sle15-bci/Packages.db", "usr/lib/sysimage/rpm/Packages.db",
	           "go-rpmdb/sle15-bci/expected.json", 0);
}

/* Upstream asserts one package (curl) of this sqlite db, and the names of its Name index. */
static void test_rpm_sqlite(void **state)
{
	struct kmend_package_list list = {0};
	struct kmend_error err;
	size_t len, nlen;
	char *data = slurp("go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite", &len);
	char *names = slurp("go-rpmdb/cbl-mariner-2.0/names_from_Name_index.txt", &nlen);
	size_t lines = 0;
	int found_curl = 0;

	(void)state;
	if (kmend_pkgdb_rpm.parse("var/lib/rpm/rpmdb.sqlite", data, len, &list, &err) < 0)
		fail_msg("%s", err.message);
	for (char *p = names; *p; p++)
		lines += *p == '\n';
	assert_int_equal(list.count, lines);
	char *haystack = malloc(nlen + 2);
	haystack[0] = '\n';
	memcpy(haystack + 1, names, nlen + 1);
	for (size_t i = 0; i < list.count; i++) {
		char needle[512];
		snprintf(needle, sizeof(needle), "\n%s\n", list.items[i].name);
		if (!strstr(haystack, needle))
			fail_msg("%s is not in the Name index", list.items[i].name);
		if (strcmp(list.items[i].name, "curl") == 0) {
			found_curl = 1;
			assert_string_equal(list.items[i].version, "7.76.0-6.cm2");
			assert_string_equal(list.items[i].arch, "x86_64");
			assert_string_equal(list.items[i].source, "curl");
			assert_string_equal(list.items[i].source_version, "7.76.0-6.cm2");
			assert_string_equal(list.items[i].source_rpm, "curl-7.76.0-6.cm2.src.rpm");
		}
	}
	assert_true(found_curl);
	free(haystack);
	kmend_package_list_free(&list);
	free(data);
	free(names);
}

/* Hostile rpm input: garbage and truncation give errors or skips, never a crash. */
static void test_rpm_hostile(void **state)
{
	struct kmend_package_list list = {0};
	struct kmend_error err;
	size_t len;
	char *data = slurp("go-rpmdb/sle15-bci/Packages.db", &len);

	(void)state;
	assert_int_equal(kmend_pkgdb_rpm.parse("var/lib/rpm/Packages.db", "RpmP", 4, &list, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "ndb"));
	/* Cut in the middle of the blobs: the packages whose blobs are whole still come out. */
	assert_int_equal(
	    kmend_pkgdb_rpm.parse("var/lib/rpm/Packages.db", data, len / 2, &list, &err), 0);
	assert_true(list.count > 0 && list.count < 35);
	assert_true(list.skipped > 0);
	kmend_package_list_free(&list);
	assert_int_equal(kmend_pkgdb_rpm.parse("var/lib/rpm/Packages", data, 1000, &list, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "librpm cannot read"));
	kmend_package_list_free(&list);
	free(data);
}

static void test_paths(void **state)
{
	(void)state;
	assert_ptr_equal(kmend_pkgdb_for_path("var/lib/dpkg/status"), &kmend_pkgdb_dpkg);
	assert_ptr_equal(kmend_pkgdb_for_path("var/lib/dpkg/status.d/libc6"), &kmend_pkgdb_dpkg);
	assert_null(kmend_pkgdb_for_path("var/lib/dpkg/status.d/"));
	assert_null(kmend_pkgdb_for_path("var/lib/dpkg/status.d/a/b"));
	assert_null(kmend_pkgdb_for_path("var/lib/dpkg/status-old"));
	assert_ptr_equal(kmend_pkgdb_for_path("lib/apk/db/installed"), &kmend_pkgdb_apk);
	assert_ptr_equal(kmend_pkgdb_for_path("usr/lib/sysimage/rpm/rpmdb.sqlite"),
	                 &kmend_pkgdb_rpm);
	assert_null(kmend_pkgdb_for_path("etc/passwd"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dpkg_status_d),
	    cmocka_unit_test(test_dpkg_multiple_skips_versionless),
	    cmocka_unit_test(test_dpkg_corrupt),
	    cmocka_unit_test(test_dpkg_trivy),
	    cmocka_unit_test(test_dpkg_trivy_only_apt),
	    cmocka_unit_test(test_apk),
	    cmocka_unit_test(test_rpm_bdb),
	    cmocka_unit_test(test_rpm_ndb),
	    cmocka_unit_test(test_rpm_sqlite),
	    cmocka_unit_test(test_rpm_hostile),
	    cmocka_unit_test(test_paths),
	};

	if (argc > 2)
		snprintf(fixtures, sizeof(fixtures), "%s", argv[2]);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("pkgdb", tests, NULL, NULL);
}
