/* The ELF reader: a real binary (this test itself), every truncation of it, bad offsets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf.h"

static unsigned char *self;
static size_t self_len;

static int load_self(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	long n;

	(void)state;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0)
		return -1;
	rewind(f);
	self = malloc((size_t)n);
	self_len = fread(self, 1, (size_t)n, f);
	fclose(f);
	return self_len == (size_t)n ? 0 : -1;
}

static int free_self(void **state)
{
	(void)state;
	free(self);
	return 0;
}

static bool has_needed(const struct kmend_elf_info *e, const char *name)
{
	for (size_t i = 0; i < e->nneeded; i++)
		if (!strcmp(e->needed[i], name))
			return true;
	return false;
}

/* This test program is dynamically linked against cmocka and the C library. */
static void test_real_binary(void **state)
{
	struct kmend_elf_info e;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_elf_read(self, self_len, "self", &e, &err), 0);
	assert_true(e.is_elf);
	assert_true(e.dynamic);
	assert_non_null(strstr(e.interp, "ld-"));
	assert_true(has_needed(&e, "libc.so.6"));
	assert_true(has_needed(&e, "libcmocka.so.0"));
	kmend_elf_info_free(&e);
}

/* Every prefix: read or refused, never past the end (ASan watches the exact-size copy). */
static void test_truncations(void **state)
{
	size_t max = self_len < 16384 ? self_len : 16384;

	(void)state;
	for (size_t n = 0; n <= max; n += n < 128 ? 1 : 61) {
		unsigned char *copy = malloc(n ? n : 1);
		struct kmend_elf_info e;
		struct kmend_error err;
		int r;
		memcpy(copy, self, n);
		r = kmend_elf_read(copy, n, "cut", &e, &err);
		assert_true(r == 0 || r == -KMEND_E_BAD_INPUT);
		if (r == 0)
			kmend_elf_info_free(&e);
		free(copy);
	}
}

/* Program headers said to lie past the end, and a file that is no ELF at all. */
static void test_bad_headers(void **state)
{
	unsigned char *copy = malloc(self_len);
	struct kmend_elf_info e;
	struct kmend_error err;

	(void)state;
	memcpy(copy, self, self_len);
	/* e_phoff (64-bit: offset 32) far past the end. */
	memset(copy + 32, 0x7f, 8);
	assert_int_equal(kmend_elf_read(copy, self_len, "bad", &e, &err), -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "program headers outside the file"));
	assert_int_equal(kmend_elf_read("#!/bin/sh\n", 10, "script", &e, &err), 0);
	assert_false(e.is_elf);
	free(copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_binary),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_bad_headers),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("elf", tests, load_self, free_self);
}
