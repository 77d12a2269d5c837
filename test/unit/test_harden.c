/*
 * harden's pure parts: release lines from tags (a table of current, candidate, verdict), the
 * Dockerfiles it writes (values from hostile images refused, quoting), and the patch to a
 * user's Dockerfile (its hunk and the patched text agree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dockerfile.h"
#include "harden.h"
#include "harden_tags.h"

static void test_tag_lines(void **state)
{
	static const struct {
		const char *cur, *cand, *why; /* why NULL: a newer release on the line */
	} t[] = {
	    {"12.4", "12.5", NULL},
	    {"12.4", "12.4.1", NULL},
	    {"12.4", "12.10", NULL}, /* numbers, not text: 10 > 5 */
	    {"12.4", "12.3", "not newer"},
	    {"12.4", "12.4", "not newer"},
	    {"12.4", "13.0", "another major"},
	    {"12.4", "12.5-slim", "another variant"},
	    {"12.4-slim", "12.5-slim", NULL},
	    {"12.4-slim", "12.5", "another variant"},
	    {"1.25.3", "1.25.4", NULL},
	    {"1.25.3", "1.26.0", "another minor"},
	    {"1.25.3-alpine3.18", "1.25.4-alpine3.19", NULL}, /* the variant ignores its digits */
	    {"1.25.3-alpine", "1.25.4-bookworm", "another variant"},
	    {"v2.1", "v2.2", NULL},
	    {"12", "12.1", NULL},
	    {"12.4", "latest", "not a version"},
	    {"12.4", "bookworm", "not a version"},
	    {"12.4", "", "not a version"},
	};
	struct kmend_tag_version cur;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why;
		assert_int_equal(kmend_tag_parse(t[i].cur, &cur), 0);
		why = kmend_tag_on_line(&cur, t[i].cand);
		if (!t[i].why && why)
			fail_msg("%s -> %s: %s, expected on the line", t[i].cur, t[i].cand, why);
		if (t[i].why && (!why || strcmp(why, t[i].why)))
			fail_msg("%s -> %s: %s, expected %s", t[i].cur, t[i].cand,
			         why ? why : "on the line", t[i].why);
	}
	assert_int_equal(kmend_tag_parse("latest", &cur), -1);
	assert_int_equal(kmend_tag_parse("99999999999999999999999", &cur), -1);
}

static void test_targets(void **state)
{
	struct kmend_finding high = {.severity = "high", .fixed = "1"};
	struct kmend_finding medium_unfixed = {.severity = "medium"};
	struct kmend_finding low = {.severity = "low", .fixed = "2"};

	(void)state;
	assert_true(kmend_harden_targets(KMEND_TARGET_HIGH, &high));
	assert_false(kmend_harden_targets(KMEND_TARGET_CRITICAL, &high));
	assert_true(kmend_harden_targets(KMEND_TARGET_MEDIUM, &medium_unfixed));
	assert_false(kmend_harden_targets(KMEND_TARGET_FIXABLE, &medium_unfixed));
	assert_true(kmend_harden_targets(KMEND_TARGET_FIXABLE, &low));
	assert_false(kmend_harden_targets(KMEND_TARGET_MEDIUM, &low));
	assert_int_equal(kmend_harden_target_parse("HIGH"), KMEND_TARGET_HIGH);
	assert_int_equal(kmend_harden_target_parse("low"), -1);
}

/* Package names and versions from an image cannot inject shell or instructions. */
static void test_hostile_values_refused(void **state)
{
	static const struct kmend_dockerfile_package bad[] = {
	    {.name = "perl-base; rm -rf /", .version = "1"},
	    {.name = "ok", .version = "1$(id)"},
	    {.name = "-oAPT::x=1", .version = NULL},
	    {.name = "ok", .version = "1\nRUN evil"},
	};
	struct kmend_error err;
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kmend_dockerfile_upgrade u = {.from = "r/x@sha256:0",
		                                     .package_manager = "apt",
		                                     .packages = &bad[i],
		                                     .npackages = 1};
		assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_BAD_INPUT);
		assert_null(out);
		assert_non_null(strstr(err.message, "cannot be written safely"));
	}
	{
		static const struct kmend_dockerfile_package ok = {.name = "libc6",
		                                                   .version = "2.36"};
		struct kmend_dockerfile_upgrade u = {
		    .from = "r/x y", .package_manager = "apt", .packages = &ok, .npackages = 1};
		assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_BAD_INPUT);
		u.from = "r/x";
		u.user = "app; rm";
		assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_BAD_INPUT);
		u.user = "app:app";
		u.package_manager = "pacman";
		assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_UNSUPPORTED);
	}
}

/* Each family's tool, its pins, the caches cleared, a non-root user switched and back. */
static void test_upgrade_per_family(void **state)
{
	static const struct kmend_dockerfile_package p[] = {
	    {.name = "openssl", .version = "3.0.11-1~deb12u2"},
	    {.name = "zlib", .version = NULL},
	};
	struct kmend_dockerfile_upgrade u = {
	    .from = "r/x@sha256:1", .packages = p, .npackages = 2, .user = "1000"};
	struct kmend_error err;
	char *out;

	(void)state;
	u.package_manager = "apt";
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(strstr(out, "FROM r/x@sha256:1\nUSER root\nRUN "));
	assert_non_null(
	    strstr(out, "--only-upgrade \\\n      openssl=3.0.11-1~deb12u2 \\\n      zlib;"));
	assert_non_null(strstr(out, "rm -rf /var/lib/apt/lists/*\nUSER 1000\n"));
	free(out);
	u.package_manager = "apk";
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(
	    strstr(out, "apk add --no-cache --upgrade \\\n      openssl=3.0.11-1~deb12u2"));
	free(out);
	u.package_manager = "dnf";
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(strstr(out, "dnf upgrade -y \\\n      openssl-3.0.11-1~deb12u2"));
	assert_non_null(strstr(out, "dnf clean all; \\\n    rm -rf /var/cache/dnf"));
	free(out);
	u.package_manager = "microdnf";
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(strstr(out, "microdnf upgrade -y \\\n      openssl \\\n      zlib;"));
	free(out);
}

/* The mirror's key travels base64-encoded; an unsigned mirror only when allowed. */
static void test_mirror(void **state)
{
	static const struct kmend_dockerfile_package p = {.name = "perl-base", .version = "5"};
	struct kmend_dockerfile_mirror m = {.url = "http://127.0.0.1:8080/",
	                                    .suite = "bookworm-security"};
	struct kmend_dockerfile_upgrade u = {
	    .from = "r/x", .package_manager = "apt", .packages = &p, .npackages = 1, .mirror = &m};
	struct kmend_error err;
	char *out;

	(void)state;
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_BAD_INPUT);
	m.allow_unsigned = true;
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(
	    strstr(out, "echo 'deb [trusted=yes] http://127.0.0.1:8080/ bookworm-security main'"));
	assert_non_null(strstr(out, "-o Dir::Etc::SourceList=/tmp/kmend-mirror.list"));
	free(out);
	m.key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nab\n";
	m.key_len = strlen(m.key);
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), 0);
	assert_non_null(
	    strstr(out, "printf '%s' 'LS0tLS1CRUdJTiBQR1AgUFVCTElDIEtFWSBCTE9DSy0tLS0tCmFiCg==' | "
	                "base64 -d >/tmp/kmend-mirror.asc"));
	assert_non_null(strstr(out, "[signed-by=/tmp/kmend-mirror.asc]"));
	free(out);
	m.url = "http://x/'; rm -rf /; '";
	assert_int_equal(kmend_dockerfile_upgrade(&u, &out, &err), -KMEND_E_BAD_INPUT);
}

static void test_patch(void **state)
{
	static const char text[] = "# build\nFROM golang:1.22 AS build\nRUN make\n\n"
	                           "FROM --platform=linux/amd64 debian:12 AS final\n"
	                           "COPY --from=build /app /app\nCMD [\"/app\"]";
	struct kmend_dockerfile_edit edit = {.new_from = "debian@sha256:ab",
	                                     .run = "RUN a; \\\n    b"};
	struct kmend_error err;
	char *diff, *patched;

	(void)state;
	assert_int_equal(
	    kmend_dockerfile_patch("Dockerfile", text, strlen(text), &edit, &diff, &patched, &err),
	    0);
	assert_string_equal(patched, "# build\nFROM golang:1.22 AS build\nRUN make\n\n"
	                             "FROM --platform=linux/amd64 debian@sha256:ab AS final\n"
	                             "RUN a; \\\n    b\n"
	                             "COPY --from=build /app /app\nCMD [\"/app\"]");
	assert_string_equal(diff, "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -2,6 +2,8 @@\n"
	                          " FROM golang:1.22 AS build\n RUN make\n \n"
	                          "-FROM --platform=linux/amd64 debian:12 AS final\n"
	                          "+FROM --platform=linux/amd64 debian@sha256:ab AS final\n"
	                          "+RUN a; \\\n+    b\n"
	                          " COPY --from=build /app /app\n CMD [\"/app\"]\n"
	                          "\\ No newline at end of file\n");
	free(diff);
	free(patched);
	assert_int_equal(kmend_dockerfile_patch("D", "RUN x\n", 6, &edit, &diff, &patched, &err),
	                 -KMEND_E_BAD_INPUT);
	assert_null(diff);
	assert_null(patched);
}

/* The move keeps the configuration, quoted as JSON strings; control characters are refused. */
static void test_move(void **state)
{
	char *copy[] = {"/opt/app", "/srv/a \"b\"", NULL};
	char *entry[] = {"/opt/app/run", "--flag=\"x\"", NULL};
	char *env[] = {"A=1", "B=two words", NULL};
	char *labels[] = {"org.x", "say \"hi\"", NULL};
	char *ports[] = {"8080/tcp", NULL};
	struct kmend_dockerfile_config c = {.user = "app:app",
	                                    .working_dir = "/opt/app",
	                                    .entrypoint = entry,
	                                    .env = env,
	                                    .labels = labels,
	                                    .exposed_ports = ports};
	struct kmend_dockerfile_move m = {
	    .old_image = "r/app@sha256:1", .new_base = "r/b@sha256:2", .copy = copy, .config = &c};
	struct kmend_error err;
	char *out;
	char *bad_env[] = {"A=1\nRUN evil", NULL};

	(void)state;
	assert_int_equal(kmend_dockerfile_move(&m, &out, &err), 0);
	assert_non_null(strstr(out, "FROM r/app@sha256:1 AS application\n\nFROM r/b@sha256:2\n"));
	assert_non_null(
	    strstr(out, "COPY --from=application [\"/srv/a \\\"b\\\"\", \"/srv/a \\\"b\\\"\"]\n"));
	assert_non_null(strstr(out, "ENV B=\"two words\"\n"));
	assert_non_null(
	    strstr(out, "USER app:app\nEXPOSE 8080/tcp\nLABEL \"org.x\"=\"say \\\"hi\\\"\"\n"));
	assert_non_null(strstr(out, "ENTRYPOINT [\"/opt/app/run\", \"--flag=\\\"x\\\"\"]\n"));
	assert_null(strstr(out, "CMD"));
	free(out);
	c.env = bad_env;
	assert_int_equal(kmend_dockerfile_move(&m, &out, &err), -KMEND_E_BAD_INPUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tag_lines),
	    cmocka_unit_test(test_targets),
	    cmocka_unit_test(test_hostile_values_refused),
	    cmocka_unit_test(test_upgrade_per_family),
	    cmocka_unit_test(test_mirror),
	    cmocka_unit_test(test_patch),
	    cmocka_unit_test(test_move),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("harden", tests, NULL, NULL);
}
