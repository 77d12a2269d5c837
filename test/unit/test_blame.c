/* The history rule of layer blame, on the shapes builders write, and the config's history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blame.h"
#include "oci_manifest.h"

#define E(by, empty)                                                                               \
	{                                                                                          \
		.created_by = (char *)(by), .empty_layer = (empty)                                 \
	}
#define N(h) (sizeof(h) / sizeof((h)[0]))

static long boundary(const struct kmend_history_entry *h, size_t n, size_t layers, char *why)
{
	return kmend_blame_history_boundary(h, n, layers, why, 256);
}

/* docker build (classic): "/bin/sh -c #(nop)  CMD" ends debian:12; two RUN layers follow. */
static void test_classic_builder(void **state)
{
	const struct kmend_history_entry h[] = {
	    E("/bin/sh -c #(nop) ADD file:1234 in / ", false),
	    E("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
	    E("/bin/sh -c apt-get update && apt-get install -y curl", false),
	    E("/bin/sh -c #(nop) COPY file:abcd in /app ", false),
	    E("/bin/sh -c #(nop)  CMD [\"/app/run\"]", true),
	};
	char why[256] = "";

	(void)state;
	assert_int_equal(boundary(h, N(h), 3, why), 1);
}

/* BuildKit writes the instruction itself; a base of a base has its own CMD further up. */
static void test_buildkit_two_bases(void **state)
{
	const struct kmend_history_entry h[] = {
	    E("ADD alpine-minirootfs.tar.gz / # buildkit", false),
	    E("CMD [\"/bin/sh\"]", true),
	    E("RUN /bin/sh -c apk add python3 # buildkit", false),
	    E("ENTRYPOINT [\"python3\"]", true),
	    E("WORKDIR /srv", true),
	    E("COPY . /srv # buildkit", false),
	    E("RUN /bin/sh -c pip install -r requirements.txt # buildkit", false),
	    E("CMD [\"app.py\"]", true),
	};
	char why[256] = "";

	(void)state;
	/* The immediate base ends at ENTRYPOINT: python's image is the base. */
	assert_int_equal(boundary(h, N(h), 4, why), 2);
}

static void test_cannot_tell(void **state)
{
	const struct kmend_history_entry none[] = {
	    E("umoci repack", false),
	    E("umoci repack", false),
	};
	const struct kmend_history_entry last[] = {
	    E("ADD rootfs", false),
	    E("RUN make", false),
	    E("CMD [\"app\"]", true),
	};
	const struct kmend_history_entry first[] = {
	    E("CMD [\"sh\"]", true),
	    E("ADD rootfs", false),
	};
	const struct kmend_history_entry lookalike[] = {
	    E("ADD rootfs", false),
	    E("/bin/sh -c CMDLINE=1 make", true),
	    E("RUN make", false),
	};
	char why[256] = "";

	(void)state;
	assert_int_equal(boundary(none, N(none), 2, why), -1);
	assert_non_null(strstr(why, "no CMD or ENTRYPOINT followed by more layers"));
	/* The application's own CMD, at the end, is not a boundary. */
	assert_int_equal(boundary(last, N(last), 2, why), -1);
	assert_int_equal(boundary(first, N(first), 1, why), -1);
	assert_non_null(strstr(why, "before any layer"));
	assert_int_equal(boundary(lookalike, N(lookalike), 2, why), -1);
	assert_int_equal(boundary(NULL, 0, 2, why), -1);
	assert_string_equal(why, "the image config has no history");
}

/* A history that lists another number of layers is not this image's. */
static void test_layer_count_mismatch(void **state)
{
	const struct kmend_history_entry h[] = {
	    E("ADD rootfs", false),
	    E("CMD [\"bash\"]", true),
	    E("RUN x", false),
	};
	char why[256] = "";

	(void)state;
	assert_int_equal(boundary(h, N(h), 3, why), -1);
	assert_non_null(strstr(why, "the history lists 2 layers and the image has 3"));
}

/* The config parser keeps the history, ExposedPorts and Labels; wrong types are skipped. */
static void test_config_build_info(void **state)
{
	static const char cfg[] =
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	    "\"diff_ids\":[]},\"config\":{\"ExposedPorts\":{\"8080/tcp\":{}},\"Labels\":{\"a\":"
	    "\"b\",\"bad\":7}},\"history\":[{\"created_by\":\"ADD x\"},7,{\"created_by\":\"CMD "
	    "[\\\"sh\\\"]\",\"empty_layer\":true,\"comment\":\"c\"}]}";
	struct kmend_image_config c;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_image_config_parse(cfg, strlen(cfg), "config", &c, &err), 0);
	assert_int_equal(c.build.nhistory, 2);
	assert_string_equal(c.build.history[0].created_by, "ADD x");
	assert_false(c.build.history[0].empty_layer);
	assert_true(c.build.history[1].empty_layer);
	assert_string_equal(c.build.history[1].comment, "c");
	assert_string_equal(c.build.exposed_ports[0], "8080/tcp");
	assert_null(c.build.exposed_ports[1]);
	assert_string_equal(c.build.labels[0], "a");
	assert_string_equal(c.build.labels[1], "b");
	assert_null(c.build.labels[2]);
	kmend_image_config_free(&c);
}

/* The base annotations of a manifest; a base.digest that is not a digest is left out. */
static void test_manifest_base_annotations(void **state)
{
	static const char good[] =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
	    "\"layers\":[],\"annotations\":{\"org.opencontainers.image.base.name\":\"debian:12\","
	    "\"org.opencontainers.image.base.digest\":\"sha256:"
	    "1111111111111111111111111111111111111111111111111111111111111111\"}}";
	static const char bad[] =
	    "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1},"
	    "\"layers\":[],\"annotations\":{\"org.opencontainers.image.base.digest\":\"md5:1\"}}";
	struct kmend_manifest m;
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_manifest_parse(good, strlen(good), NULL, "m", &m, &err), 0);
	assert_string_equal(m.base_name, "debian:12");
	assert_string_equal(m.base_digest, "sha256:"
	                                   "1111111111111111111111111111111111111111111111111111111"
	                                   "111111111");
	kmend_manifest_free(&m);
	assert_int_equal(kmend_manifest_parse(bad, strlen(bad), NULL, "m", &m, &err), 0);
	assert_null(m.base_name);
	assert_string_equal(m.base_digest, "");
	kmend_manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classic_builder),
	    cmocka_unit_test(test_buildkit_two_bases),
	    cmocka_unit_test(test_cannot_tell),
	    cmocka_unit_test(test_layer_count_mismatch),
	    cmocka_unit_test(test_config_build_info),
	    cmocka_unit_test(test_manifest_base_annotations),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("blame", tests, NULL, NULL);
}
