/* Version comparators against the published vector tables of dpkg, rpm and apk-tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kmend_limits.h"
#include "version.h"

static const char *vectors_dir = "test/vectors";

static FILE *open_vectors(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	return f;
}

static int compare_ok(const struct kmend_version_scheme *s, const char *a, const char *b,
                      const char *where)
{
	struct kmend_error err;
	int result = 99;

	if (kmend_version_compare(s, a, b, &result, &err) < 0) {
		char buf[1200];
		fail_msg("%s: '%s' vs '%s' rejected: %s", where, a, b,
		         kmend_error_format(&err, buf, sizeof(buf)));
	}
	return result;
}

/* a against b gives expected, b against a the opposite, and each equals itself. */
static void check_pair(const struct kmend_version_scheme *s, const char *a, const char *b,
                       int expected, const char *where)
{
	int r;

	if ((r = compare_ok(s, a, b, where)) != expected)
		fail_msg("%s: %s '%s' vs '%s' gave %d, expected %d", where, s->name, a, b, r,
		         expected);
	if ((r = compare_ok(s, b, a, where)) != -expected)
		fail_msg("%s: reversed, %s '%s' vs '%s' gave %d, expected %d", where, s->name, b, a,
		         r, -expected);
	if ((r = compare_ok(s, a, a, where)) != 0 || (r = compare_ok(s, b, b, where)) != 0)
		fail_msg("%s: a version does not equal itself", where);
}

static int is_valid(const struct kmend_version_scheme *s, const char *v)
{
	return s->validate(v, strlen(v), NULL) == 0;
}

/* Split a TSV line in place into at most n fields; returns how many. */
static int split_tabs(char *line, char **fields, int n)
{
	int count = 0;

	line[strcspn(line, "\r\n")] = '\0';
	fields[count++] = line;
	for (char *p = line; *p && count < n; p++)
		if (*p == '\t') {
			*p = '\0';
			fields[count++] = p + 1;
		}
	return count;
}

/* Tables of a<TAB>b<TAB>expected. Returns the number of rows checked. */
static int run_expected_table(const struct kmend_version_scheme *s, const char *name)
{
	char line[8192], where[256], *f[3];
	int lineno = 0, rows = 0;
	FILE *in = open_vectors(name);

	while (fgets(line, sizeof(line), in)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(split_tabs(line, f, 3), 3);
		snprintf(where, sizeof(where), "%s:%d", name, lineno);
		check_pair(s, f[0], f[1], atoi(f[2]), where);
		rows++;
	}
	fclose(in);
	return rows;
}

static void test_dpkg_vectors(void **state)
{
	(void)state;
	assert_int_equal(run_expected_table(&kmend_version_deb, "dpkg_vercmp.tsv"), 43);
}

/*
 * The rpm tables test rpmvercmp itself (bare version strings, some empty or
 * made of separators only), so every row is checked against kmend_rpmvercmp.
 * Rows whose strings are also valid EVRs are checked through the rpm scheme
 * too, which must agree: with no epoch or release the two orderings coincide.
 */
static int run_rpm_table(const char *name, int *evr_rows)
{
	char line[8192], *f[3];
	int lineno = 0, rows = 0;
	FILE *in = open_vectors(name);

	*evr_rows = 0;
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		if (line[0] == '#')
			continue;
		assert_int_equal(split_tabs(line, f, 3), 3);
		const char *a = f[0], *b = f[1];
		int expected = atoi(f[2]);
		size_t al = strlen(a), bl = strlen(b);

		if (kmend_rpmvercmp(a, al, b, bl) != expected ||
		    kmend_rpmvercmp(b, bl, a, al) != -expected ||
		    kmend_rpmvercmp(a, al, a, al) != 0 || kmend_rpmvercmp(b, bl, b, bl) != 0)
			fail_msg("%s:%d: rpmvercmp('%s', '%s') != %d", name, lineno, a, b,
			         expected);
		if (is_valid(&kmend_version_rpm, a) && is_valid(&kmend_version_rpm, b)) {
			char where[256];
			snprintf(where, sizeof(where), "%s:%d", name, lineno);
			check_pair(&kmend_version_rpm, a, b, expected, where);
			(*evr_rows)++;
		}
		rows++;
	}
	fclose(in);
	return rows;
}

static void test_rpm_vectors(void **state)
{
	int evr;

	(void)state;
	assert_int_equal(run_rpm_table("rpm_vercmp.tsv", &evr), 91);
	/* Only "" is not an EVR in rpm's own table: none of its rows has one. */
	assert_int_equal(evr, 91);
}

static void test_go_rpm_vectors(void **state)
{
	int evr;

	(void)state;
	assert_int_equal(run_rpm_table("rpm_vercmp_goversion.tsv", &evr), 4489);
	/* Rows with an empty operand cannot be EVRs; all others must go through the scheme. */
	assert_true(evr > 4000);
}

struct apk_table_counts {
	int compared;       /* a op b rows with op one of < = > */
	int rejected;       /* rows whose operands apk-tools itself calls invalid */
	int fuzzy;          /* rows with ~ <~ >~ !~, not compared (see below) */
	int valid, invalid; /* validity rows */
};

static int apk_op_result(const char *op)
{
	if (strcmp(op, "<") == 0)
		return -1;
	if (strcmp(op, "=") == 0)
		return 0;
	if (strcmp(op, ">") == 0)
		return 1;
	return 2;
}

/*
 * One row of apk-tools' table. Two kinds of rows are not compared:
 * - apk's fuzzy operators (~ <~ >~ !~) match dependency constraints by
 *   prefix; vulnerability matching never uses them, so kmend has no fuzzy
 *   comparison to test;
 * - rows where an operand is invalid by apk's own rules (the same table's
 *   '!' rows), such as "1.0 < 1.0bc": apk-tools still orders the valid
 *   prefix, but kmend refuses to compare an invalid version at all, so the
 *   test checks that the invalid operand is rejected.
 */
static void apk_row(const char *a, const char *op, const char *b, const char *where,
                    struct apk_table_counts *c)
{
	int expected = apk_op_result(op);

	if (expected == 2) {
		assert_true(strchr(op, '~') != NULL);
		c->fuzzy++;
		return;
	}
	if (!is_valid(&kmend_version_apk, a) || !is_valid(&kmend_version_apk, b)) {
		struct kmend_error err;
		int r;
		assert_int_equal(kmend_version_compare(&kmend_version_apk, a, b, &r, &err),
		                 -KMEND_E_BAD_VERSION);
		c->rejected++;
		return;
	}
	check_pair(&kmend_version_apk, a, b, expected, where);
	c->compared++;
}

/* apk-tools' version.data: "a op b", "version" (valid) or "!version" (invalid). */
static void run_apk_data(const char *name, struct apk_table_counts *c)
{
	char line[8192], where[256], a[1024], op[8], b[1024], extra[8];
	int lineno = 0;
	FILE *in = open_vectors(name);

	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		line[strcspn(line, "#\r\n")] = '\0';
		snprintf(where, sizeof(where), "%s:%d", name, lineno);
		int n = sscanf(line, "%1023s %7s %1023s %7s", a, op, b, extra);
		if (n <= 0)
			continue;
		if (n == 1 && a[0] == '!') {
			if (is_valid(&kmend_version_apk, a + 1))
				fail_msg("%s: '%s' must be invalid", where, a + 1);
			c->invalid++;
		} else if (n == 1) {
			if (!is_valid(&kmend_version_apk, a))
				fail_msg("%s: '%s' must be valid", where, a);
			c->valid++;
		} else {
			assert_int_equal(n, 3);
			apk_row(a, op, b, where, c);
		}
	}
	fclose(in);
}

static void test_apk_version_data(void **state)
{
	struct apk_table_counts c;

	(void)state;
	run_apk_data("apk_version.data", &c);
	assert_int_equal(c.compared, 736);
	assert_int_equal(c.rejected, 2); /* "1.0 < 1.0bc" and "23_foo > 4_beta" */
	assert_int_equal(c.fuzzy, 16);
	assert_int_equal(c.valid, 6);
	assert_int_equal(c.invalid, 25);
}

static void test_go_apk_version_data(void **state)
{
	struct apk_table_counts c;

	(void)state;
	run_apk_data("go_apk_version.data", &c);
	assert_int_equal(c.compared + c.rejected, 728);
	assert_int_equal(c.rejected, 2);
	assert_int_equal(c.fuzzy, 0);
}

static void test_apk_tsv(void **state)
{
	char line[8192], where[256], *f[3];
	struct apk_table_counts c = {0};
	int lineno = 0;
	FILE *in = open_vectors("apk_vercmp.tsv");

	(void)state;
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		if (line[0] == '#')
			continue;
		assert_int_equal(split_tabs(line, f, 3), 3);
		snprintf(where, sizeof(where), "apk_vercmp.tsv:%d", lineno);
		apk_row(f[0], f[1], f[2], where, &c);
	}
	fclose(in);
	assert_int_equal(c.compared, 736);
	assert_int_equal(c.rejected, 2);
}

/* Each invalid version is rejected with the scheme's error, naming the position. */
struct invalid_case {
	const struct kmend_version_scheme *scheme;
	const char *version;
	long column;        /* expected position, 0 for the version as a whole */
	const char *reason; /* a part of the message */
};

static const struct invalid_case invalid_cases[] = {
    {&kmend_version_deb, "", 0, "empty"},
    {&kmend_version_deb, ":1.0", 1, "epoch before ':' is empty"},
    {&kmend_version_deb, "a:1.0", 1, "epoch is not a number"},
    {&kmend_version_deb, "99999999999:1.0", 1, "epoch is too big"},
    {&kmend_version_deb, "1:", 2, "nothing after the colon"},
    {&kmend_version_deb, "1.0-", 4, "revision after '-' is empty"},
    {&kmend_version_deb, "1:-1", 3, "upstream version is empty"},
    {&kmend_version_deb, "a1.0", 1, "does not start with a digit"},
    {&kmend_version_deb, "1.0 beta", 4, "invalid character in the upstream"},
    {&kmend_version_deb, "1.0-1:2", 2,
     "epoch is not a number"}, /* dpkg splits at the first colon */
    {&kmend_version_deb, "1.0-1_2", 6, "invalid character in the revision"},
    {&kmend_version_rpm, "", 0, "empty"},
    {&kmend_version_rpm, ":1.0", 1, "epoch before ':' is empty"},
    {&kmend_version_rpm, "99999999999:1.0", 1, "epoch is too big"},
    {&kmend_version_rpm, "1:", 3, "version is empty"},
    {&kmend_version_rpm, "1.0-", 5, "release is empty"},
    {&kmend_version_rpm, "a:1", 2, "invalid character in the version"},
    {&kmend_version_rpm, "1.0 1", 4, "invalid character in the version"},
    {&kmend_version_rpm, "1.0-1/2", 6, "invalid character in the release"},
    {&kmend_version_apk, "", 0, "empty"},
    {&kmend_version_apk, "1.0bc", 5, "'c' is not allowed here"},
    {&kmend_version_apk, "0.1_foobar", 4, "'_foobar' is not allowed here"},
    {&kmend_version_apk, "a", 1, "'a' is not allowed here"},
    {&kmend_version_apk, "1.0-r", 4, "is not allowed here"},
    {&kmend_version_apk, "1.0\x01", 4, "a byte that is not allowed"},
};

static void test_invalid_versions(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *t = &invalid_cases[i];
		struct kmend_error err;
		int result = 42;

		assert_int_equal(kmend_version_compare(t->scheme, t->version, "1", &result, &err),
		                 -KMEND_E_BAD_VERSION);
		assert_int_equal(result, 42); /* never compared */
		assert_int_equal(err.code, -KMEND_E_BAD_VERSION);
		if (err.column != t->column || !strstr(err.message, t->reason))
			fail_msg("%s '%s': got column %ld, message '%s'; expected column %ld, "
			         "'%s'",
			         t->scheme->name, t->version, err.column, err.message, t->column,
			         t->reason);
		assert_non_null(strstr(err.message, t->scheme->name));
		/* The second operand is checked too. */
		assert_int_equal(kmend_version_compare(t->scheme, "1", t->version, &result, NULL),
		                 -KMEND_E_BAD_VERSION);
	}
}

/* A version over the limit is refused, not compared; the quoted text is escaped and cut. */
static void test_huge_and_binary_versions(void **state)
{
	static char huge[KMEND_VERSION_MAX_LEN + 2];
	struct kmend_error err;
	int r;

	(void)state;
	memset(huge, '1', sizeof(huge) - 1);
	for (size_t i = 0; kmend_version_schemes[i]; i++) {
		const struct kmend_version_scheme *s = kmend_version_schemes[i];
		assert_int_equal(s->compare(huge, sizeof(huge) - 1, "1", 1, &r, &err),
		                 -KMEND_E_BAD_VERSION);
		assert_non_null(strstr(err.message, "over the limit"));
		assert_true(strlen(err.message) < 300);
		/* Exactly at the limit is fine. */
		assert_int_equal(s->compare(huge, KMEND_VERSION_MAX_LEN, "1", 1, &r, &err), 0);
		assert_int_equal(r, 1);
		/* A NUL byte inside the span is a byte like any other: invalid. */
		assert_int_equal(s->compare("1\0"
		                            "2",
		                            3, "1", 1, &r, &err),
		                 -KMEND_E_BAD_VERSION);
		assert_non_null(strstr(err.message, "\\x00"));
	}
}

/* Cases the issue names that matter in the field. */
static void test_field_cases(void **state)
{
	static const struct {
		const struct kmend_version_scheme *s;
		const char *a, *b;
		int expected;
	} cases[] = {
	    {&kmend_version_deb, "2.36-9+deb12u4", "2.36-9+deb12u10", -1},
	    {&kmend_version_deb, "1:2.0", "3.0", 1},
	    {&kmend_version_deb, "7.88.1-10+deb12u5", "7.88.1-10+deb12u5~bpo11+1", 1},
	    {&kmend_version_deb, "1.0~rc1", "1.0", -1},
	    {&kmend_version_deb, "1.2.3", "1.2.3-0", 0},
	    {&kmend_version_deb, "18446744073709551616", "18446744073709551615", 1},
	    {&kmend_version_rpm, "1:1.0-1.el9", "2.0-1.el9", 1},
	    {&kmend_version_rpm, "0:1.0-1", "1.0-1", 0},
	    {&kmend_version_rpm, "1.0-1", "1.0", 1},
	    {&kmend_version_rpm, "3.0.7-24.el9", "3.0.7-25.el9_3", -1},
	    {&kmend_version_rpm, "1.0^git1-1", "1.0-1", 1},
	    {&kmend_version_apk, "3.1.4-r5", "3.1.4-r10", -1},
	    {&kmend_version_apk, "1.36.1-r2", "1.36.1_rc1-r9", 1},
	    {&kmend_version_apk, "99999999999999999999.1", "99999999999999999998.2", 1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_pair(cases[i].s, cases[i].a, cases[i].b, cases[i].expected, "field case");
}

static void test_scheme_lookup(void **state)
{
	(void)state;
	assert_ptr_equal(kmend_version_scheme_find("deb"), &kmend_version_deb);
	assert_ptr_equal(kmend_version_scheme_find("rpm"), &kmend_version_rpm);
	assert_ptr_equal(kmend_version_scheme_find("apk"), &kmend_version_apk);
	assert_null(kmend_version_scheme_find("pacman"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dpkg_vectors),
	    cmocka_unit_test(test_rpm_vectors),
	    cmocka_unit_test(test_go_rpm_vectors),
	    cmocka_unit_test(test_apk_version_data),
	    cmocka_unit_test(test_go_apk_version_data),
	    cmocka_unit_test(test_apk_tsv),
	    cmocka_unit_test(test_invalid_versions),
	    cmocka_unit_test(test_huge_and_binary_versions),
	    cmocka_unit_test(test_field_cases),
	    cmocka_unit_test(test_scheme_lookup),
	};

	if (argc > 1)
		vectors_dir = argv[1];
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
