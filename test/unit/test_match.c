/* The matcher on a store in memory: the version cases Debian's advisories depend on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "distro.h"
#include "match.h"

static struct kmend_vulndb *db;

static void add(const char *eco, const char *pkg, const char *id, const char *fixed,
                const char *sev)
{
	struct kmend_error err;

	assert_int_equal(
	    kmend_vulndb_add(
	        db,
	        &(struct kmend_advisory){
	            .ecosystem = eco, .package = pkg, .id = id, .fixed = fixed, .severity = sev},
	        &err),
	    0);
}

static int setup(void **state)
{
	struct kmend_error err;

	(void)state;
	assert_int_equal(kmend_vulndb_open(":memory:", true, &db, &err), 0);
	assert_int_equal(kmend_vulndb_begin(db, "unit", "test", &err), 0);
	add("debian:12", "glibc", "CVE-EPOCH-LOW", "2.36-9+deb12u4", "high");
	add("debian:12", "util-linux", "CVE-EPOCH", "2.38.1-5+deb12u3", "medium");
	add("debian:12", "openssl", "CVE-TILDE", "3.0.15-1~deb12u1", "high");
	add("debian:12", "openssl", "CVE-TILDE-OLD", "3.0.11-1~deb12u2", "high");
	add("debian:12", "curl", "CVE-DEB12U", "7.88.1-10+deb12u10", "medium");
	add("debian:12", "curl", "CVE-UNFIXED", NULL, "low");
	add("debian:12", "curl", "CVE-DEB12U-EARLIER", "7.88.1-10+deb12u7", "low");
	add("debian:11", "curl", "CVE-OTHER-RELEASE", "9.0", "high");
	add("debian:12", "libcurl4", "CVE-BINARY-NAME", "9.0", "high");
	add("alpine:3.19", "busybox", "CVE-APK", "1.36.1-r16", "critical");
	assert_int_equal(kmend_vulndb_commit(db, &err), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kmend_vulndb_close(db);
	return 0;
}

static void pkg(struct kmend_inventory *inv, enum kmend_package_type t, const char *name,
                const char *version, const char *source, const char *source_version)
{
	assert_int_equal(kmend_package_list_add(&inv->packages,
	                                        &(struct kmend_package){
	                                            .type = t,
	                                            .name = (char *)name,
	                                            .version = (char *)version,
	                                            .source = (char *)source,
	                                            .source_version = (char *)source_version,
	                                        }),
	                 0);
}

static char *ids(const struct kmend_findings *f, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->count; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s:%s", i ? " " : "",
		                      f->items[i].package, f->items[i].id);
	return buf;
}

static void test_debian_cases(void **state)
{
	struct kmend_inventory inv = {.os_found = true};
	struct kmend_findings f;
	struct kmend_error err;
	char buf[2048];

	(void)state;
	snprintf(inv.os.id, sizeof(inv.os.id), "debian");
	snprintf(inv.os.version_id, sizeof(inv.os.version_id), "12");
	/* binNMU: the binary's version has +b1, the advisory compares the source version. */
	pkg(&inv, KMEND_PKG_DEB, "libc6", "2.36-9+deb12u4+b1", "glibc", "2.36-9+deb12u4");
	/* Epoch on the binary, none on the source: the source version decides. */
	pkg(&inv, KMEND_PKG_DEB, "bsdutils", "1:2.38.1-5+deb12u2", "util-linux",
	    "2.38.1-5+deb12u2");
	/* ~ backports: 3.0.13-1~deb12u1 is older than 3.0.15-1~deb12u1, newer than 3.0.11. */
	pkg(&inv, KMEND_PKG_DEB, "libssl3", "3.0.13-1~deb12u1", "openssl", "3.0.13-1~deb12u1");
	/* +deb12u5 < +deb12u10 (numeric, not text). */
	pkg(&inv, KMEND_PKG_DEB, "libcurl4", "7.88.1-10+deb12u5", "curl", "7.88.1-10+deb12u5");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_string_equal(ids(&f, buf, sizeof(buf)),
	                    "bsdutils:CVE-EPOCH libcurl4:CVE-DEB12U libcurl4:CVE-DEB12U-EARLIER "
	                    "libcurl4:CVE-UNFIXED "
	                    "libssl3:CVE-TILDE");
	for (size_t i = 0; i < f.count; i++) {
		if (!strcmp(f.items[i].id, "CVE-UNFIXED")) {
			assert_null(f.items[i].fixed);
			/* The package's fixed_in covers its fixable findings. */
			assert_string_equal(f.items[i].fixed_in, "7.88.1-10+deb12u10");
		}
		if (!strcmp(f.items[i].id, "CVE-EPOCH")) {
			assert_string_equal(f.items[i].installed, "2.38.1-5+deb12u2");
			assert_string_equal(f.items[i].source, "util-linux");
			assert_string_equal(f.items[i].data_source, "unit");
		}
	}
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

static void test_alpine_and_ecosystems(void **state)
{
	struct kmend_inventory inv = {.os_found = true};
	struct kmend_findings f;
	struct kmend_error err;
	char buf[256];

	(void)state;
	snprintf(inv.os.id, sizeof(inv.os.id), "alpine");
	snprintf(inv.os.version_id, sizeof(inv.os.version_id), "3.19.1");
	pkg(&inv, KMEND_PKG_APK, "busybox", "1.36.1-r15", "busybox", "1.36.1-r15");
	pkg(&inv, KMEND_PKG_APK, "ssl_client", "1.36.1-r15", "busybox", "1.36.1-r15");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	/* Alpine's secdb is per origin: ssl_client is busybox's. */
	assert_string_equal(ids(&f, buf, sizeof(buf)), "busybox:CVE-APK ssl_client:CVE-APK");
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

/* One row of the distribution table's answers: os-release fields -> store key. */
static void expect_key(const char *id, const char *version_id, const char *codename,
                       const char *key)
{
	struct kmend_os os = {0};
	char buf[64];

	snprintf(os.id, sizeof(os.id), "%s", id);
	snprintf(os.version_id, sizeof(os.version_id), "%s", version_id);
	snprintf(os.codename, sizeof(os.codename), "%s", codename);
	if (!key) {
		assert_int_equal(kmend_distro_ecosystem(&os, NULL, buf, sizeof(buf)),
		                 -KMEND_E_UNSUPPORTED);
		return;
	}
	assert_int_equal(kmend_distro_ecosystem(&os, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, key);
}

static void expect_osv(const char *osv, const char *key)
{
	char buf[64];

	if (!key) {
		assert_int_equal(kmend_distro_from_osv(osv, buf, sizeof(buf)), -1);
		return;
	}
	assert_int_equal(kmend_distro_from_osv(osv, buf, sizeof(buf)), 0);
	assert_string_equal(buf, key);
}

static void test_distro_table(void **state)
{
	(void)state;
	expect_key("ubuntu", "22.04", "jammy", "ubuntu:22.04");
	expect_key("debian", "12.5", "bookworm", "debian:12");
	/* testing and sid: no VERSION_ID; the codename's data, else unstable's. */
	expect_key("debian", "", "forky", "debian:14");
	expect_key("debian", "", "", "debian:unstable");
	expect_key("alpine", "3.19.1", "", "alpine:3.19");
	expect_key("alpine", "3.20", "", "alpine:3.20");
	/* CentOS is matched with Red Hat's data; the others each with their own. */
	expect_key("centos", "7", "", "rhel:7");
	expect_key("rhel", "8.9", "", "rhel:8");
	expect_key("ol", "8.7", "", "oracle:8");
	expect_key("amzn", "2023", "", "amazon:2023");
	expect_key("rocky", "9.3", "", "rocky:9");
	expect_key("almalinux", "9.3", "", "almalinux:9");
	expect_key("wolfi", "20230201", "", "wolfi");
	expect_key("plan9", "4", "", NULL);
	expect_key("ubuntu", "", "", NULL);
	expect_osv("Debian:12", "debian:12");
	expect_osv("Ubuntu:22.04:LTS", "ubuntu:22.04");
	expect_osv("Ubuntu:Pro:18.04:LTS", NULL);
	expect_osv("Alpine:v3.19", "alpine:3.19");
	expect_osv("Rocky Linux:9", "rocky:9");
	expect_osv("AlmaLinux:8", "almalinux:8");
	expect_osv("Red Hat:enterprise_linux:8::appstream", "rhel:8");
	expect_osv("Wolfi", "wolfi");
	expect_osv("PyPI", NULL);
	expect_osv("Debianx:12", NULL);
	assert_string_equal(kmend_distro_release_of("debian", "sid"), "unstable");
	assert_string_equal(kmend_distro_codename("debian", "12"), "bookworm");
	assert_string_equal(kmend_distro_codename("ubuntu", "24.04"), "noble");
	assert_null(kmend_distro_release_of("debian", "jammy"));
	assert_string_equal(kmend_distro_by_id("centos")->package_manager, "dnf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_cases),
	    cmocka_unit_test(test_alpine_and_ecosystems),
	    cmocka_unit_test(test_distro_table),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("match", tests, setup, teardown);
}
