/* lib/udiff: exact hunks for known cases, and random texts whose diff, applied, gives back b. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "udiff.h"

static char *diff(const char *a, const char *b, unsigned context)
{
	char *out;
	size_t len;

	assert_int_equal(kmend_udiff(a, strlen(a), b, strlen(b), "a/f", "b/f", context, &out, &len),
	                 0);
	assert_int_equal(strlen(out), len);
	return out;
}

static void check(const char *a, const char *b, unsigned context, const char *want)
{
	char *got = diff(a, b, context);

	assert_string_equal(got, want);
	free(got);
}

static void test_identical(void **state)
{
	(void)state;
	check("", "", 3, "");
	check("a\nb\n", "a\nb\n", 3, "");
}

/* What GNU diff -u prints for these (checked with diffutils 3.8). */
static void test_known(void **state)
{
	(void)state;
	check("a\nb\nc\n", "a\nx\nc\n", 3, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n");
	check("", "a\n", 3, "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n");
	check("a\n", "", 3, "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-a\n");
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n", 0,
	      "--- a/f\n+++ b/f\n@@ -5,0 +6 @@\n+new\n");
	check("a\nb", "a\nb\n", 3,
	      "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
	check("r\r\ns\r\n", "r\r\nt\r\n", 1,
	      "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n r\r\n-s\r\n+t\r\n");
	/* Two changes seven lines apart: two hunks with 3 lines of context. */
	check("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "x\n2\n3\n4\n5\n6\n7\n8\ny\n", 3,
	      "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-1\n+x\n 2\n 3\n 4\n@@ -6,4 +6,4 @@\n 6\n 7\n "
	      "8\n-9\n+y\n");
	/* Six lines apart: one hunk. */
	check("1\n2\n3\n4\n5\n6\n7\n8\n", "x\n2\n3\n4\n5\n6\n7\ny\n", 3,
	      "--- a/f\n+++ b/f\n@@ -1,8 +1,8 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+y\n");
}

/* Apply a unified diff to a; returns b (malloc'd), failing the test on a malformed diff. */
static char *apply(const char *a, const char *d)
{
	size_t alen = strlen(a), cap = alen + strlen(d) + 1, n = 0, apos = 0, aline = 0;
	char *out = malloc(cap);
	const char *p = d;

	assert_non_null(out);
	if (*p) {
		assert_int_equal(strncmp(p, "--- a/f\n+++ b/f\n", 16), 0);
		p += 16;
	}
	while (*p) {
		unsigned long a0, ac = 1, b0, bc = 1;
		char *e;
		assert_int_equal(strncmp(p, "@@ -", 4), 0);
		a0 = strtoul(p + 4, &e, 10);
		if (*e == ',')
			ac = strtoul(e + 1, &e, 10);
		assert_int_equal(strncmp(e, " +", 2), 0);
		b0 = strtoul(e + 2, &e, 10);
		if (*e == ',')
			bc = strtoul(e + 1, &e, 10);
		(void)b0;
		(void)bc;
		p = strchr(e, '\n') + 1;
		/* Copy a's lines up to the hunk. */
		for (unsigned long target = ac ? a0 - 1 : a0; aline < target; aline++) {
			const char *nl = strchr(a + apos, '\n');
			size_t l = nl ? (size_t)(nl - (a + apos)) + 1 : alen - apos;
			memcpy(out + n, a + apos, l);
			n += l;
			apos += l;
		}
		while (*p == ' ' || *p == '-' || *p == '+') {
			char sign = *p++;
			const char *nl = strchr(p, '\n');
			size_t l = (size_t)(nl - p) + 1;
			bool no_newline = !strncmp(nl + 1, "\\ No newline at end of file\n", 28);
			size_t keep = no_newline ? l - 1 : l;
			if (sign != '+') {
				assert_memory_equal(a + apos, p, keep);
				apos += keep;
				aline++;
			}
			if (sign != '-') {
				memcpy(out + n, p, keep);
				n += keep;
			}
			p += l + (no_newline ? 28 : 0);
		}
	}
	memcpy(out + n, a + apos, alen - apos);
	n += alen - apos;
	out[n] = '\0';
	return out;
}

/* Texts of lines from a small alphabet (many repeats: Myers' part) and unique ones
   (anchors), edited at random; the diff must carry a to b exactly. */
static void test_random(void **state)
{
	static const char *const words[] = {"a\n", "b\n", "c\n", "  - name: x\n", "\n", "d\r\n"};
	unsigned seed = 12345;
	(void)state;

	for (int round = 0; round < 400; round++) {
		char a[8192] = "", b[8192] = "", uniq[32];
		size_t na = 0, nb = 0;
		int lines = (int)(rand_r(&seed) % 60);
		for (int i = 0; i < lines; i++) {
			const char *w;
			if (rand_r(&seed) % 3 == 0) {
				snprintf(uniq, sizeof(uniq), "u%d\n", i);
				w = uniq;
			} else {
				w = words[rand_r(&seed) % 6];
			}
			na += (size_t)snprintf(a + na, sizeof(a) - na, "%s", w);
			switch (rand_r(&seed) % 6) {
			case 0: break; /* deleted */
			case 1:        /* replaced */
				nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "%s",
				                       words[rand_r(&seed) % 6]);
				break;
			case 2: /* something inserted after it */
				nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "%snew%d\n", w, i);
				break;
			default: nb += (size_t)snprintf(b + nb, sizeof(b) - nb, "%s", w);
			}
		}
		if (round % 5 == 0 && na) /* no newline at the end */
			a[--na] = '\0';
		for (unsigned context = 0; context < 4; context += 3) {
			char *d = diff(a, b, context), *back = apply(a, d);
			assert_string_equal(back, b);
			free(back);
			free(d);
		}
	}
}

/* A stretch with no unique line and more edits than Myers is given: replaced whole, still
   correct. */
static void test_budget(void **state)
{
	size_t n = 6000, la = 0, lb = 0;
	char *a = malloc(n * 2 + 1), *b = malloc(n * 2 + 1), *d, *back;
	(void)state;

	for (size_t i = 0; i < n; i++) {
		la += (size_t)sprintf(a + la, "%c\n", i % 2 ? 'x' : 'y');
		lb += (size_t)sprintf(b + lb, "%c\n", i % 3 ? 'x' : 'y');
	}
	d = diff(a, b, 3);
	back = apply(a, d);
	assert_string_equal(back, b);
	free(back);
	free(d);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identical),
	    cmocka_unit_test(test_known),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_budget),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("udiff", tests, NULL, NULL);
}
