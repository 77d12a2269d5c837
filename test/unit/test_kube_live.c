/* lib/kube_live and lib/yaml_write: live objects back into files (test/vectors/kube-live.json),
 * and YAML that reads back as the JSON it was written from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "buf.h"
#include "kmend_limits.h"
#include "kube_live.h"
#include "yaml_write.h"
#include "yamljson.h"

static const char *vectors;

/* v written as YAML and read back with the manifest reader's typed parse. */
static json_t *round_trip(const json_t *v, char **text)
{
	struct kmend_buf b = {.max = KMEND_MANIFEST_FILE_MAX_SIZE};
	struct kmend_error err;
	json_t *docs = NULL, *back;
	size_t len;

	assert_int_equal(kmend_yaml_write(v, &b), 0);
	assert_int_equal(kmend_buf_take(&b, text, &len), 0);
	if (kmend_yaml_to_json_typed(*text, len, "yaml", &docs, &err) < 0)
		fail_msg("%s: %s\n%s", err.input, err.message, *text);
	assert_int_equal(json_array_size(docs), 1);
	back = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	return back;
}

static void test_vectors(void **state)
{
	char path[1024];
	json_error_t je;
	json_t *cases, *c;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/kube-live.json", vectors);
	if (!(cases = json_load_file(path, 0, &je)))
		fail_msg("%s:%d: %s", path, je.line, je.text);
	assert_true(json_array_size(cases) >= 4);
	json_array_foreach (cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		struct kmend_error err;
		json_t *got = NULL, *back;
		char *text = NULL, *a, *b;

		assert_int_equal(
		    kmend_kube_live_config(json_object_get(c, "live"), name, &got, &err), 0);
		if (!json_equal(got, json_object_get(c, "expect"))) {
			a = json_dumps(got, JSON_SORT_KEYS);
			b = json_dumps(json_object_get(c, "expect"), JSON_SORT_KEYS);
			fail_msg("%s:\n got  %s\n want %s", name, a, b);
		}
		/* The first file is YAML a user could have written, and means the same. */
		back = round_trip(got, &text);
		if (!json_equal(back, got))
			fail_msg("%s: the YAML reads back differently:\n%s", name, text);
		assert_non_null(strstr(text, "apiVersion: "));
		assert_null(strstr(text, "resourceVersion"));
		assert_null(strstr(text, "managedFields"));
		free(text);
		json_decref(back);
		json_decref(got);
	}
	json_decref(cases);
}

static void test_not_an_object(void **state)
{
	struct kmend_error err;
	json_t *out = (json_t *)1, *bad = json_pack("{s:s}", "kind", "Deployment");

	(void)state;
	assert_int_equal(kmend_kube_live_config(bad, "deployments/web", &out, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_null(out);
	assert_string_equal(err.input, "deployments/web");
	json_decref(bad);
}

/* Strings YAML would read as something else, or not at all, when written plain. */
static void test_strings(void **state)
{
	static const char *const strings[] = {"yes",
	                                      "No",
	                                      "on",
	                                      "OFF",
	                                      "true",
	                                      "Null",
	                                      "~",
	                                      "",
	                                      "1",
	                                      "1.5",
	                                      "-1",
	                                      ".5",
	                                      "+3",
	                                      "0x1f",
	                                      "1e3",
	                                      "-",
	                                      "a: b",
	                                      "a #b",
	                                      "#x",
	                                      "@at",
	                                      "*ref",
	                                      "&anc",
	                                      "!tag",
	                                      "%dir",
	                                      "`x",
	                                      "{",
	                                      "[a]",
	                                      "a,b",
	                                      "|",
	                                      ">",
	                                      "'q'",
	                                      "\"dq\"",
	                                      " lead",
	                                      "trail ",
	                                      "two\nlines",
	                                      "\x1b[31mred",
	                                      "tab\there",
	                                      "ünïcode",
	                                      "kmend.dev/repair",
	                                      "registry:5000/a:b",
	                                      "<<",
	                                      "?",
	                                      "? x",
	                                      "---",
	                                      "...",
	                                      "a\\b"};
	json_t *obj = json_object(), *list = json_array(), *back;
	char *text = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(strings) / sizeof(*strings); i++) {
		json_object_set_new(obj, strings[i][0] ? strings[i] : "empty-key",
		                    json_string(strings[i]));
		json_array_append_new(list, json_string(strings[i]));
	}
	json_object_set_new(obj, "list", list);
	json_object_set_new(obj, "nested",
	                    json_pack("[[i, b, n], {}, [], {s:[{s:i}]}]", 7, 1, "k", "x", -2));
	back = round_trip(obj, &text);
	if (!json_equal(back, obj))
		fail_msg("reads back differently:\n%s", text);
	/* Plain where that is safe: a manifest reads as one a person wrote. */
	assert_non_null(strstr(text, "kmend.dev/repair: kmend.dev/repair\n"));
	assert_non_null(strstr(text, "\"yes\": \"yes\"\n"));
	free(text);
	json_decref(back);
	json_decref(obj);
}

/* Nesting past the limit is refused, not a stack overflow. */
static void test_deep(void **state)
{
	struct kmend_buf b = {.max = KMEND_MANIFEST_FILE_MAX_SIZE};
	json_t *v = json_string("leaf");

	(void)state;
	for (int i = 0; i < KMEND_YAML_MAX_DEPTH + 10; i++)
		v = json_pack("{s:o}", "k", v);
	assert_int_equal(kmend_yaml_write(v, &b), -KMEND_E_TOO_LARGE);
	kmend_buf_free(&b);
	json_decref(v);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_not_an_object),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_deep),
	};

	vectors = argc > 1 ? argv[1] : "test/vectors";
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("kube_live", tests, NULL, NULL);
}
