/* OS detection: os-release and the fallbacks, on the real files of the distributions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "osrelease.h"

#define SPAN(s) ((struct kmend_span){(s), sizeof(s) - 1})

/* Debian 12's /etc/os-release (usr/lib/os-release in the base-files package). */
static const char debian12[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                               "NAME=\"Debian GNU/Linux\"\n"
                               "VERSION_ID=\"12\"\n"
                               "VERSION=\"12 (bookworm)\"\n"
                               "VERSION_CODENAME=bookworm\n"
                               "ID=debian\n"
                               "HOME_URL=\"https://www.debian.org/\"\n";

static const char alpine319[] = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"
                                "PRETTY_NAME=\"Alpine Linux v3.19\"\n";

static const char ubuntu2204[] = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\n"
                                 "VERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nID=ubuntu\n"
                                 "ID_LIKE=debian\n";

static void test_os_release(void **state)
{
	struct kmend_span files[KMEND_OS_FILE_COUNT] = {{0}};
	struct kmend_os os;

	(void)state;
	files[KMEND_OS_ETC_OS_RELEASE] = SPAN(debian12);
	files[KMEND_OS_DEBIAN_VERSION] = SPAN("12.5\n");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "debian");
	assert_string_equal(os.version_id, "12");
	assert_string_equal(os.codename, "bookworm");
	assert_string_equal(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");

	files[KMEND_OS_ETC_OS_RELEASE] = SPAN(ubuntu2204);
	files[KMEND_OS_DEBIAN_VERSION] = SPAN("bookworm/sid\n");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "ubuntu");
	assert_string_equal(os.version_id, "22.04");
	assert_string_equal(os.id_like, "debian");
	assert_string_equal(os.codename, "jammy");
}

static void test_usr_lib_os_release(void **state)
{
	struct kmend_span files[KMEND_OS_FILE_COUNT] = {{0}};
	struct kmend_os os;

	(void)state;
	files[KMEND_OS_USR_OS_RELEASE] = SPAN(alpine319);
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "alpine");
	assert_string_equal(os.version_id, "3.19.1");
}

static void test_fallbacks(void **state)
{
	struct kmend_span files[KMEND_OS_FILE_COUNT] = {{0}};
	struct kmend_os os;

	(void)state;
	files[KMEND_OS_DEBIAN_VERSION] = SPAN("9.13\n");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "debian");
	assert_string_equal(os.version_id, "9");

	memset(files, 0, sizeof(files));
	files[KMEND_OS_ALPINE_RELEASE] = SPAN("3.10.9\n");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "alpine");
	assert_string_equal(os.version_id, "3.10.9");

	memset(files, 0, sizeof(files));
	files[KMEND_OS_REDHAT_RELEASE] = SPAN("CentOS Linux release 7.9.2009 (Core)\n");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "centos");
	assert_string_equal(os.version_id, "7.9.2009");

	memset(files, 0, sizeof(files));
	assert_int_equal(kmend_os_detect(files, &os), -KMEND_E_NOT_FOUND);
	assert_string_equal(os.id, "");
}

static void test_hostile(void **state)
{
	struct kmend_span files[KMEND_OS_FILE_COUNT] = {{0}};
	static char big[100000];
	struct kmend_os os;

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, "ID=", 3);
	big[sizeof(big) - 1] = '"';
	files[KMEND_OS_ETC_OS_RELEASE] = (struct kmend_span){big, sizeof(big)};
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_int_equal(strlen(os.id), sizeof(os.id) - 1);
	files[KMEND_OS_ETC_OS_RELEASE] = SPAN("ID=\"a\\\nb\x01\"\nVERSION_ID");
	assert_int_equal(kmend_os_detect(files, &os), 0);
	assert_string_equal(os.id, "a\\"); /* values are one line; a trailing backslash stays */
	assert_int_equal(kmend_os_file_of("etc/os-release"), KMEND_OS_ETC_OS_RELEASE);
	assert_int_equal(kmend_os_file_of("etc/issue"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_os_release),
	    cmocka_unit_test(test_usr_lib_os_release),
	    cmocka_unit_test(test_fallbacks),
	    cmocka_unit_test(test_hostile),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("osrelease", tests, NULL, NULL);
}
