/* lib/kube_health: each case of test/vectors/kube-health.json (API objects as the server returns
 * them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "kube_health.h"

static const char *vectors;

static const char *str(const json_t *o, const char *k, const char *def)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : def;
}

static void test_cases(void **state)
{
	static const char *const health[] = {"progressing", "healthy", "failed"};
	char path[1024];
	json_error_t je;
	json_t *cases, *c;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/kube-health.json", vectors);
	cases = json_load_file(path, 0, &je);
	if (!cases)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	assert_true(json_array_size(cases) >= 15);
	json_array_foreach (cases, i, c) {
		const json_t *e = json_object_get(c, "expect");
		struct kmend_workload_status st;
		const char *name = str(c, "name", "?"), *want;

		memset(&st, 0x5a, sizeof(st)); /* whatever was there is overwritten */
		kmend_kube_assess(json_object_get(c, "workload"), json_object_get(c, "pods"),
		                  json_object_get(c, "events"), &st);
		if (strcmp(health[st.health], str(e, "health", "")) ||
		    strcmp(kmend_failure_name(st.failure), str(e, "failure", "")))
			fail_msg("%s: %s %s (%s; %s)", name, health[st.health],
			         kmend_failure_name(st.failure), st.condition, st.message);
		if (json_object_get(e, "exit_code") &&
		    st.exit_code != json_integer_value(json_object_get(e, "exit_code")))
			fail_msg("%s: exit code %d", name, st.exit_code);
		if ((want = str(e, "container", NULL)) && strcmp(want, st.container))
			fail_msg("%s: container \"%s\"", name, st.container);
		if ((want = str(e, "pod", NULL)) && strcmp(want, st.pod))
			fail_msg("%s: pod \"%s\"", name, st.pod);
		if ((want = str(e, "state_reason", NULL)) && strcmp(want, st.state_reason))
			fail_msg("%s: state reason \"%s\"", name, st.state_reason);
		if ((want = str(e, "condition", NULL)) && strcmp(want, st.condition))
			fail_msg("%s: condition \"%s\"", name, st.condition);
		if ((want = str(e, "condition_contains", NULL)) && !strstr(st.condition, want))
			fail_msg("%s: condition \"%s\"", name, st.condition);
		if ((want = str(e, "message_contains", NULL)) && !strstr(st.message, want))
			fail_msg("%s: message \"%s\"", name, st.message);
		/* A container's log is the caller's to fetch; a hook's output comes in its event.
		 */
		if ((want = str(e, "log", NULL)) ? strcmp(want, st.log) != 0 : st.log[0] != '\0')
			fail_msg("%s: log \"%s\"", name, st.log);
	}
	json_decref(cases);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	};

	vectors = argc > 1 ? argv[1] : "test/vectors";
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
