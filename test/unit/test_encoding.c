/* lib/base64 and lib/rfc3339: the encodings kubeconfig files and API objects carry. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "rfc3339.h"

static void test_base64(void **state)
{
	static const char *const bad[] = {"abc", "a===", "ab=c", "a!cd", "===="};
	char *out, *enc;
	size_t len, i;

	(void)state;
	assert_int_equal(kmend_base64_decode("aGVsbG8=", 8, &out, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(out, "hello");
	free(out);
	/* PEM-style line breaks are skipped; an empty input is empty. */
	assert_int_equal(kmend_base64_decode("aGVs\nbG8h\n", 10, &out, &len), 0);
	assert_string_equal(out, "hello!");
	free(out);
	assert_int_equal(kmend_base64_decode("", 0, &out, &len), 0);
	assert_int_equal(len, 0);
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(kmend_base64_decode(bad[i], strlen(bad[i]), &out, &len), -EINVAL);
	enc = kmend_base64_encode("\0\xff\x10", 3);
	assert_string_equal(enc, "AP8Q");
	assert_int_equal(kmend_base64_decode(enc, 4, &out, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\0\xff\x10", 3);
	free(out);
	free(enc);
}

static void test_rfc3339(void **state)
{
	static const char *const bad[] = {"2026-11-23",
	                                  "2026-11-23T19:31:49",
	                                  "2026-13-23T19:31:49Z",
	                                  "2026-11-23T19:31:49.Z",
	                                  "2026-11-23T19:31:49Zx",
	                                  "2026-11-23T19:31:49+0100"};
	struct timespec ts;
	char buf[32];
	size_t i;

	(void)state;
	assert_int_equal(kmend_rfc3339_parse("2026-11-23T19:31:49Z", &ts), 0);
	assert_int_equal(ts.tv_sec, 1795462309);
	assert_int_equal(ts.tv_nsec, 0);
	/* podman's nanoseconds, an offset, a lower-case t and z. */
	assert_int_equal(kmend_rfc3339_parse("2026-11-23T19:31:49.071054169Z", &ts), 0);
	assert_int_equal(ts.tv_nsec, 71054169);
	assert_int_equal(kmend_rfc3339_parse("2026-11-23t21:31:49.5+02:00", &ts), 0);
	assert_int_equal(ts.tv_sec, 1795462309);
	assert_int_equal(ts.tv_nsec, 500000000);
	assert_int_equal(kmend_rfc3339_parse("2026-11-23 17:01:49-02:30", &ts), 0);
	assert_int_equal(ts.tv_sec, 1795462309);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(kmend_rfc3339_parse(bad[i], &ts), -EINVAL);
	assert_string_equal(kmend_rfc3339_format(1795462309, buf, sizeof(buf)),
	                    "2026-11-23T19:31:49Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_rfc3339),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
