/* Image references: transports, Docker Hub normalisation, tags and digests, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "imageref.h"

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const char *text, const char *transport, const char *canonical)
{
	struct kmend_image_ref ref;
	struct kmend_error err;
	char out[8192];

	if (kmend_image_ref_parse(text, &ref, &err) < 0)
		fail_msg("'%s' rejected: %s", text, err.message);
	assert_string_equal(ref.transport, transport);
	kmend_image_ref_format(&ref, out, sizeof(out));
	if (strcmp(out, canonical) != 0)
		fail_msg("'%s' gave '%s', expected '%s'", text, out, canonical);
}

static void test_docker_references(void **state)
{
	(void)state;
	check("debian", "docker", "docker.io/library/debian:latest");
	check("debian:12", "docker", "docker.io/library/debian:12");
	check("docker://debian:12-slim", "docker", "docker.io/library/debian:12-slim");
	check("bitnami/nginx:1.25", "docker", "docker.io/bitnami/nginx:1.25");
	check("index.docker.io/library/alpine:3.19", "docker", "docker.io/library/alpine:3.19");
	check("quay.io/prometheus/node-exporter:v1.7.0", "docker",
	      "quay.io/prometheus/node-exporter:v1.7.0");
	check("localhost:5000/app", "docker", "localhost:5000/app:latest");
	check("localhost/app:1", "docker", "localhost/app:1");
	check("127.0.0.1:5000/a/b/c@sha256:" D64, "docker", "127.0.0.1:5000/a/b/c@sha256:" D64);
	check("registry.example.com:8443/x:tag@sha256:" D64, "docker",
	      "registry.example.com:8443/x:tag@sha256:" D64);
}

static void test_local_references(void **state)
{
	(void)state;
	check("oci:/images/debian", "oci", "oci:/images/debian");
	check("oci:/images/debian:12", "oci", "oci:/images/debian:12");
	check("oci:./rel/dir:tag", "oci", "oci:./rel/dir:tag");
	check("oci-archive:/tmp/img.tar:latest", "oci-archive", "oci-archive:/tmp/img.tar:latest");
	check("docker-archive:/tmp/save.tar", "docker-archive", "docker-archive:/tmp/save.tar");
}

static void test_bad_references(void **state)
{
	static const char *const bad[] = {
	    "",
	    "oci:",
	    "docker://",
	    "Debian:12",
	    "debian@sha256:abc",
	    "debian@md5:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "debian:",
	    "a//b",
	    "repo/",
	};
	struct kmend_image_ref ref;
	struct kmend_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kmend_image_ref_parse(bad[i], &ref, &err) != -KMEND_E_BAD_INPUT)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err.message, "not a valid image reference"));
		assert_true(err.hint[0] != '\0');
	}
}

/* Images named in manifests: registry references pass, local paths are refused by name. */
static void test_manifest_images(void **state)
{
	static const char *const registry[] = {"debian:12", "docker://debian",
	                                       ("quay.io/a/b@sha256:" D64), "localhost:5000/app"};
	static const char *const local[] = {"oci:/etc", "oci:/var/lib/images:tag",
	                                    "oci-archive:/root/.ssh/id_rsa",
	                                    "docker-archive:../../secret.tar"};
	struct kmend_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (kmend_image_ref_require_registry(registry[i], "m.yaml", &err) != 0)
			fail_msg("'%s' was refused: %s", registry[i], err.message);
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		if (kmend_image_ref_require_registry(local[i], "m.yaml", &err) !=
		    -KMEND_E_BAD_INPUT)
			fail_msg("'%s' was accepted", local[i]);
		assert_string_equal(err.input, "m.yaml");
		assert_non_null(strstr(err.message, local[i]));
		assert_non_null(strstr(err.message, "names a local path"));
		assert_non_null(strstr(err.hint, "--allow-local-images"));
	}
	/* A string that is no reference at all keeps its own error. */
	assert_int_equal(kmend_image_ref_require_registry("Debian:12", "m.yaml", &err),
	                 -KMEND_E_BAD_INPUT);
	assert_non_null(strstr(err.message, "not a valid image reference"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_docker_references),
	    cmocka_unit_test(test_local_references),
	    cmocka_unit_test(test_bad_references),
	    cmocka_unit_test(test_manifest_images),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("imageref", tests, NULL, NULL);
}
