/* lib/credentials: pull-secret credentials held in memory (.dockerconfigjson and .dockercfg),
 * matched by registry as the kubelet matches them, in the order they were added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "credentials.h"
#include "kmend_limits.h"

/* user:password base64: "robot:s3cret-one" and "ci:s3cret-two" */
#define AUTH_ONE "cm9ib3Q6czNjcmV0LW9uZQ=="
#define AUTH_TWO "Y2k6czNjcmV0LXR3bw=="

static void expect(const struct kmend_credential_set *set, const char *registry, const char *user,
                   const char *password)
{
	struct kmend_credentials c = {0};
	struct kmend_error err;
	int r;

	/* No file may answer instead: point every file lookup somewhere empty. */
	setenv("REGISTRY_AUTH_FILE", "/nonexistent/auth.json", 1);
	setenv("DOCKER_CONFIG", "/nonexistent", 1);
	unsetenv("XDG_RUNTIME_DIR");
	r = kmend_credentials_lookup(set, registry, &c, &err);
	if (!user) {
		if (r != 0)
			fail_msg("%s: found %s", registry, c.user);
		return;
	}
	if (r != 1)
		fail_msg("%s: nothing found (%d)", registry, r);
	assert_string_equal(c.user, user);
	assert_string_equal(c.password, password);
	kmend_credentials_clear(&c);
}

static void test_dockerconfigjson(void **state)
{
	static const char config[] =
	    "{\"auths\": {"
	    "\"registry.example:5000\": {\"auth\": \"" AUTH_ONE "\"},"
	    "\"https://index.docker.io/v1/\": {\"username\": \"hub\", \"password\": \"hubpw\"},"
	    "\"*.corp.example\": {\"auth\": \"" AUTH_TWO "\"},"
	    "\"scoped.example/team\": {\"auth\": \"" AUTH_ONE "\"},"
	    "\"broken.example\": {\"auth\": \"not base64!\"}}}";
	struct kmend_credential_set *set;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_credential_set_new(&set), 0);
	assert_int_equal(kmend_credential_set_add(set, config, strlen(config), "shop/pull", &err),
	                 4);
	expect(set, "registry.example:5000", "robot", "s3cret-one");
	expect(set, "registry.example", NULL, NULL); /* the port is part of the name */
	expect(set, "docker.io", "hub", "hubpw");
	expect(set, "eu.corp.example", "ci", "s3cret-two");
	expect(set, "a.eu.corp.example", NULL, NULL); /* "*" is one label */
	expect(set, "corp.example", NULL, NULL);
	expect(set, "scoped.example", NULL, NULL); /* looked up by registry, not by path */
	expect(set, "broken.example", NULL, NULL);
	kmend_credential_set_free(set);
}

/* The older .dockercfg has no "auths"; a pod's first secret wins over its service account's. */
static void test_dockercfg_and_order(void **state)
{
	static const char first[] = "{\"http://registry.example\": {\"auth\": \"" AUTH_TWO "\"}}";
	static const char second[] = "{\"auths\": {\"registry.example\": {\"auth\": \"" AUTH_ONE
	                             "\"}, \"other.example\": {\"auth\": \"" AUTH_ONE "\"}}}";
	struct kmend_credential_set *set, *copy;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_credential_set_new(&set), 0);
	assert_int_equal(kmend_credential_set_add(set, first, strlen(first), "a", &err), 1);
	assert_int_equal(kmend_credential_set_add(set, second, strlen(second), "b", &err), 2);
	expect(set, "registry.example", "ci", "s3cret-two");
	expect(set, "other.example", "robot", "s3cret-one");
	assert_int_equal(kmend_credential_set_new(&copy), 0);
	assert_int_equal(kmend_credential_set_merge(copy, set), 0);
	assert_int_equal(kmend_credential_set_count(copy), 3);
	kmend_credential_set_free(set);
	expect(copy, "registry.example", "ci", "s3cret-two");
	kmend_credential_set_free(copy);
}

/* Errors name the secret, never its content. */
static void test_errors_keep_secrets(void **state)
{
	static const char bad[] = "{\"auths\": {\"r.example\": {\"auth\": \"" AUTH_ONE "\"}";
	struct kmend_credential_set *set;
	struct kmend_error err;
	char *big;
	size_t n = 2 * KMEND_CREDENTIAL_MAX + 64;

	(void)state;
	assert_int_equal(kmend_credential_set_new(&set), 0);
	assert_int_equal(kmend_credential_set_add(set, bad, strlen(bad), "shop/pull", &err),
	                 -KMEND_E_BAD_INPUT);
	assert_string_equal(err.input, "shop/pull");
	assert_null(strstr(err.message, AUTH_ONE));
	big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, "{\"r.example\": {\"username\": \"u\", \"password\": \"");
	memset(big + strlen(big), 'x', KMEND_CREDENTIAL_MAX + 1);
	strcpy(big + strlen("{\"r.example\": {\"username\": \"u\", \"password\": \"") +
	           KMEND_CREDENTIAL_MAX + 1,
	       "\"}}");
	assert_int_equal(kmend_credential_set_add(set, big, strlen(big), "shop/big", &err),
	                 -KMEND_E_TOO_LARGE);
	assert_null(strstr(err.message, "xxxx"));
	assert_int_equal(kmend_credential_set_count(set), 0);
	free(big);
	kmend_credential_set_free(set);
	kmend_credential_set_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dockerconfigjson),
	    cmocka_unit_test(test_dockercfg_and_order),
	    cmocka_unit_test(test_errors_keep_secrets),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("credentials", tests, NULL, NULL);
}
