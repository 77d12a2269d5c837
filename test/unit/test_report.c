/*
 * lib/report, lib/safetext, lib/purl: every format shows a finding's status, source version,
 * title and link, judged by the same filter; escaping keeps every byte visible.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "purl.h"
#include "report.h"
#include "safetext.h"

static struct kmend_finding findings[] = {
    {.id = "CVE-2024-0001",
     .aliases = "DSA-1 DLA-2",
     .package = "libfoo1",
     .source = "foo",
     .installed = "1.0-1+b1",
     .source_version = "1.0-1",
     .status = NULL,
     .fixed = "1.0-2",
     .severity = "high",
     .data_source = "feed",
     .fixed_in = "1.0-2",
     .title = "foo: heap overflow in the parser",
     .link = "https://example.org/CVE-2024-0001"},
    {.id = "CVE-2024-0002",
     .package = "libfoo1",
     .source = "foo",
     .installed = "1.0-1+b1",
     .source_version = "1.0-1",
     .status = "no-dsa",
     .severity = "low",
     .data_source = "feed",
     .fixed_in = "1.0-2"},
};

static struct kmend_os os = {.id = "debian", .version_id = "12", .pretty_name = "Debian 12"};

static struct kmend_package pkg = {.type = KMEND_PKG_DEB,
                                   .name = "libfoo1",
                                   .version = "1:1.0-1+b1",
                                   .arch = "amd64",
                                   .source = "foo",
                                   .source_version = "1.0-1"};

/* The whole report of one result in format, with filter f (may be NULL). */
static char *report(const char *format, const struct kmend_report_filter *f)
{
	struct kmend_package_list list = {.items = &pkg, .count = 1};
	struct kmend_report_result res = {.target = "deploy.yaml",
	                                  .image = "registry.example/foo:1",
	                                  .digest = "sha256:00",
	                                  .os = &os,
	                                  .ecosystem = "debian:12",
	                                  .packages = &list,
	                                  .findings = findings,
	                                  .nfindings = 2};
	struct kmend_report_options o = {.format = format, .filter = f, .tool_version = "1.2.3"};
	struct kmend_report *r;
	struct kmend_error err;
	char *text = NULL;
	size_t len = 0;

	o.out = open_memstream(&text, &len);
	assert_non_null(o.out);
	assert_int_equal(kmend_report_open(&o, &r, &err), 0);
	assert_int_equal(kmend_report_add(r, &res, &err), 0);
	assert_int_equal(kmend_report_close(r, &err), 0);
	kmend_report_free(r);
	fclose(o.out);
	return text;
}

static void test_json_fields(void **state)
{
	char *text = report("json", NULL);
	json_t *doc = json_loads(text, 0, NULL), *x;

	(void)state;
	assert_non_null(doc);
	x = json_array_get(
	    json_object_get(json_array_get(json_object_get(doc, "results"), 0), "findings"), 1);
	assert_string_equal(json_string_value(json_object_get(x, "status")), "no-dsa");
	assert_string_equal(json_string_value(json_object_get(x, "source_version")), "1.0-1");
	assert_true(json_is_null(json_object_get(x, "fixed")));
	x = json_array_get(
	    json_object_get(json_array_get(json_object_get(doc, "results"), 0), "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(x, "title")),
	                    "foo: heap overflow in the parser");
	assert_string_equal(json_string_value(json_object_get(x, "link")),
	                    "https://example.org/CVE-2024-0001");
	assert_int_equal(json_array_size(json_object_get(x, "aliases")), 2);
	json_decref(doc);
	free(text);
}

static void test_every_format_shows_status_title_link(void **state)
{
	static const char *const formats[] = {"table", "json", "sarif", "cyclonedx"};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		char *text = report(formats[i], NULL);
		assert_non_null(strstr(text, "no-dsa"));
		assert_non_null(strstr(text, "foo: heap overflow in the parser"));
		assert_non_null(strstr(text, "https://example.org/CVE-2024-0001"));
		if (strcmp(formats[i], "table")) {
			json_t *doc = json_loads(text, 0, NULL);
			assert_non_null(doc);
			json_decref(doc);
		}
		free(text);
	}
}

static void test_table_status_and_summary(void **state)
{
	char *text = report("table", NULL);

	(void)state;
	assert_non_null(strstr(text, "no-dsa"));
	assert_non_null(strstr(text, "libfoo1 1.0-1+b1 \u2192 1.0-2 fixes 1; 1 without a fix yet"));
	assert_non_null(strstr(text, "Total: 2 (critical: 0, high: 1, medium: 0, low: 1"));
	free(text);
}

static void test_filter_by_status_any_case(void **state)
{
	struct kmend_report_filter f = {.ignore_statuses = "postponed,NO-DSA"};
	char *text = report("json", &f);
	json_t *doc = json_loads(text, 0, NULL);
	json_t *res = json_array_get(json_object_get(doc, "results"), 0);

	(void)state;
	assert_int_equal(json_array_size(json_object_get(res, "findings")), 1);
	assert_int_equal(json_integer_value(json_object_get(res, "filtered")), 1);
	json_decref(doc);
	free(text);
}

static void test_severity_list(void **state)
{
	struct kmend_error err;
	unsigned mask;

	(void)state;
	assert_int_equal(kmend_severity_parse_list("HIGH,Critical", &mask, &err), 0);
	assert_int_equal(mask, 3u);
	assert_int_equal(kmend_severity_parse_list("high,,low", &mask, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(kmend_severity_parse_list("high,hgih", &mask, &err), -KMEND_E_BAD_INPUT);
	assert_int_equal(err.column, 6);
	assert_int_equal(kmend_severity_rank("nonsense"), KMEND_SEVERITY_COUNT - 1);
}

static void test_terminal_escaping(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(kmend_text_for_terminal("a\033[31mb\a", buf, sizeof(buf)),
	                    "a\\x1B[31mb\\x07");
	assert_string_equal(kmend_text_for_terminal("caf\xe9", buf, sizeof(buf)), "caf\\xE9");
	assert_string_equal(kmend_text_for_terminal("x\xc2\x9b"
	                                            "y",
	                                            buf, sizeof(buf)),
	                    "x\\u{009B}y");
	assert_string_equal(kmend_text_for_terminal("a\xe2\x80\xae"
	                                            "b",
	                                            buf, sizeof(buf)),
	                    "a\\u{202E}b");
	assert_string_equal(kmend_text_for_terminal("caf\xc3\xa9 \xe2\x86\x92", buf, sizeof(buf)),
	                    "caf\xc3\xa9 \xe2\x86\x92");
	assert_string_equal(kmend_text_for_terminal("\xed\xa0\x80", buf, sizeof(buf)),
	                    "\\xED\\xA0\\x80"); /* a surrogate is not UTF-8 */
	assert_string_equal(kmend_text_for_terminal("\xc0\xaf", buf, sizeof(buf)),
	                    "\\xC0\\xAF"); /* nor an overlong '/' */
	assert_string_equal(kmend_text_for_terminal("0123456789abcdef", buf, 10), "012345...");
	assert_false(kmend_text_needs_escape("perl-base"));
	assert_true(kmend_text_needs_escape("x\033"));
}

static void test_utf8_repair(void **state)
{
	bool escaped;
	char *s = kmend_text_to_utf8("a\xff\x1b"
	                             "b",
	                             &escaped);

	(void)state;
	assert_string_equal(s, "a\\xFF\x1b"
	                       "b");
	assert_true(escaped);
	assert_true(kmend_utf8_valid(s));
	free(s);
	s = kmend_text_to_utf8("ok", &escaped);
	assert_false(escaped);
	free(s);
}

static void test_purl(void **state)
{
	struct kmend_package apk = {
	    .type = KMEND_PKG_APK, .name = "musl", .version = "1.2.4-r2", .arch = "x86_64"};
	struct kmend_os alpine = {.id = "alpine", .version_id = "3.19.1"};
	char buf[256];

	(void)state;
	assert_int_equal(kmend_purl(&pkg, &os, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "pkg:deb/debian/libfoo1@1.0-1%2Bb1?arch=amd64&distro=debian-12&epoch=1");
	assert_int_equal(kmend_purl(&apk, &alpine, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1");
	assert_int_equal(kmend_purl(&apk, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "pkg:apk/musl@1.2.4-r2?arch=x86_64");
	assert_int_equal(kmend_purl(&apk, &alpine, buf, 10), -ENOSPC);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_fields),
	    cmocka_unit_test(test_every_format_shows_status_title_link),
	    cmocka_unit_test(test_table_status_and_summary),
	    cmocka_unit_test(test_filter_by_status_any_case),
	    cmocka_unit_test(test_severity_list),
	    cmocka_unit_test(test_terminal_escaping),
	    cmocka_unit_test(test_utf8_repair),
	    cmocka_unit_test(test_purl),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
