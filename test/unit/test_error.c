/* The error struct: formatting, truncation, codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

static void test_format_full(void **state)
{
	struct kmend_error err;
	char buf[256];

	(void)state;
	assert_int_equal(
	    kmend_error_set(&err, -KMEND_E_BAD_INPUT, "deploy.yaml", 7, "bad %s", "indent"),
	    -KMEND_E_BAD_INPUT);
	kmend_error_at_line(&err, 12);
	kmend_error_hint(&err, "indent with spaces");
	assert_string_equal(kmend_error_format(&err, buf, sizeof(buf)),
	                    "deploy.yaml:12:7: bad indent (indent with spaces)");
}

static void test_format_without_input(void **state)
{
	struct kmend_error err;
	char buf[256];

	(void)state;
	kmend_error_set(&err, -KMEND_E_BAD_VERSION, NULL, 3, "invalid deb version 'x'");
	assert_string_equal(kmend_error_format(&err, buf, sizeof(buf)), "invalid deb version 'x'");
	kmend_error_set(&err, -ENOENT, "a.yaml", 0, "%s", "");
	assert_string_equal(kmend_error_format(&err, buf, sizeof(buf)),
	                    "a.yaml: No such file or directory");
}

static void test_long_input_is_marked(void **state)
{
	struct kmend_error err;
	char name[1000];

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	kmend_error_set(&err, -KMEND_E_BAD_INPUT, name, 0, "m");
	assert_int_equal(strlen(err.input), sizeof(err.input) - 1);
	assert_string_equal(err.input + sizeof(err.input) - 4, "...");
}

static void test_small_buffer_and_null(void **state)
{
	struct kmend_error err;
	char buf[8];

	(void)state;
	kmend_error_set(&err, -KMEND_E_BAD_INPUT, "some-long-file-name.yaml", 1, "message");
	assert_int_equal(strlen(kmend_error_format(&err, buf, sizeof(buf))), sizeof(buf) - 1);
	assert_int_equal(kmend_error_set(NULL, -EIO, "x", 0, "y"), -EIO);
	kmend_error_hint(NULL, "x");
	kmend_error_clear(NULL);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(kmend_strerror(-KMEND_E_DIGEST), "digest mismatch");
	assert_string_equal(kmend_strerror(KMEND_E_BAD_VERSION), "invalid version");
	assert_string_equal(kmend_strerror(-ENOENT), strerror(ENOENT));
	for (int c = KMEND_E_FIRST; c < KMEND_E_LAST; c++)
		assert_non_null(kmend_strerror(-c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_full),
	    cmocka_unit_test(test_format_without_input),
	    cmocka_unit_test(test_long_input_is_marked),
	    cmocka_unit_test(test_small_buffer_and_null),
	    cmocka_unit_test(test_strerror),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
