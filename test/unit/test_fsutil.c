/* lib/fsutil and lib/subprocess: private files, atomic replacement, child processes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"
#include "subprocess.h"

static char dir[] = "/tmp/kmend-test-fsutil.XXXXXX";

static void test_mkdir_p_private(void **state)
{
	char path[512];
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(kmend_mkdir_p(path, 0700), 0);
	assert_int_equal(kmend_mkdir_p(path, 0700), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
}

static void test_create_private_refuses_links(void **state)
{
	char path[512], link[512];
	struct stat sb;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/new", dir);
	snprintf(link, sizeof(link), "%s/planted", dir);
	assert_true((fd = kmend_create_private(path)) >= 0);
	close(fd);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(kmend_create_private(path), -EEXIST);
	assert_int_equal(symlink("/tmp/kmend-test-elsewhere", link), 0);
	assert_int_equal(kmend_create_private(link), -EEXIST);
	assert_int_equal(access("/tmp/kmend-test-elsewhere", F_OK), -1);
}

static void test_atomic_replace_keeps_mode(void **state)
{
	struct kmend_atomic_file af;
	struct kmend_error err;
	char path[512], *data;
	struct stat sb;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.yaml", dir);
	assert_int_equal(kmend_write_file_atomic(path, "one\n", 4, 0644, &err), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(kmend_atomic_begin(&af, path, 0600, &err), 0);
	fputs("two\n", af.f);
	/* Until commit the old content stays. */
	assert_int_equal(kmend_read_file(path, 100, &data, &len, &err), 0);
	assert_string_equal(data, "one\n");
	free(data);
	kmend_atomic_abort(&af);
	assert_int_equal(kmend_read_file(path, 100, &data, &len, &err), 0);
	assert_string_equal(data, "one\n");
	free(data);
	assert_int_equal(kmend_atomic_begin(&af, path, 0600, &err), 0);
	fputs("two\n", af.f);
	assert_int_equal(kmend_atomic_commit(&af, &err), 0);
	assert_int_equal(kmend_read_file(path, 100, &data, &len, &err), 0);
	assert_string_equal(data, "two\n");
	free(data);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0640);
	assert_int_equal(kmend_read_file(path, 2, &data, &len, &err), -KMEND_E_TOO_LARGE);
	assert_int_equal(kmend_read_file(dir, 2, &data, &len, &err), -KMEND_E_BAD_INPUT);
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(kmend_read_file(path, 2, &data, &len, &err), -ENOENT);
	assert_string_equal(err.message, "no such file");
}

static void test_cache_dir_has_no_shared_fallback(void **state)
{
	char out[256];

	(void)state;
	setenv("XDG_CACHE_HOME", "/x", 1);
	assert_int_equal(kmend_default_cache_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/x/kmend");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", "/h", 1);
	assert_int_equal(kmend_default_cache_dir(out, sizeof(out)), 0);
	assert_string_equal(out, "/h/.cache/kmend");
	unsetenv("HOME");
	assert_int_equal(kmend_default_cache_dir(out, sizeof(out)), -ENOENT);
}

static void test_subprocess_io_and_status(void **state)
{
	const char *cat[] = {"cat", NULL},
	           *sh[] = {"sh", "-c", "echo out; echo err >&2; exit 7", NULL};
	const char *missing[] = {"kmend-no-such-program", NULL}, *slow[] = {"sleep", "10", NULL};
	struct kmend_spawn_result res;
	struct kmend_error err;
	size_t big = 1 << 20;
	char *input = malloc(big);

	(void)state;
	assert_non_null(input);
	memset(input, 'x', big);
	/* 1 MiB through cat: stdin and stdout both larger than a pipe's buffer. */
	assert_int_equal(kmend_spawn_run(&(struct kmend_spawn){.argv = cat,
	                                                       .input = input,
	                                                       .input_len = big,
	                                                       .max_output = 2 * big},
	                                 &res, &err),
	                 0);
	assert_int_equal(res.exit_code, 0);
	assert_int_equal(res.out_len, big);
	assert_memory_equal(res.out, input, big);
	kmend_spawn_result_free(&res);
	free(input);
	assert_int_equal(kmend_spawn_run(&(struct kmend_spawn){.argv = sh}, &res, &err), 0);
	assert_int_equal(res.exit_code, 7);
	assert_string_equal(res.out, "out\n");
	assert_string_equal(res.errout, "err\n");
	kmend_spawn_result_free(&res);
	assert_int_equal(kmend_spawn_run(&(struct kmend_spawn){.argv = missing}, &res, &err),
	                 -ENOENT);
	assert_non_null(strstr(err.message, "installed"));
	assert_int_equal(
	    kmend_spawn_run(&(struct kmend_spawn){.argv = slow, .timeout_ms = 200}, &res, &err), 0);
	assert_true(res.timed_out);
	assert_int_equal(res.exit_code, 128 + 9);
	kmend_spawn_result_free(&res);
	assert_string_equal(kmend_last_lines("a\nb\nc\n", 6, 2), "b\nc\n");
	assert_string_equal(kmend_last_lines("a", 1, 3), "a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mkdir_p_private),
	    cmocka_unit_test(test_create_private_refuses_links),
	    cmocka_unit_test(test_atomic_replace_keeps_mode),
	    cmocka_unit_test(test_cache_dir_has_no_shared_fallback),
	    cmocka_unit_test(test_subprocess_io_and_status),
	};
	int r;

	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (!mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	{
		const char *rm[] = {"rm", "-rf", dir, NULL};
		struct kmend_spawn_result res;
		if (kmend_spawn_run(&(struct kmend_spawn){.argv = rm}, &res, NULL) == 0)
			kmend_spawn_result_free(&res);
	}
	return r;
}
