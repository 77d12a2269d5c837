/* The matcher on a store in memory: the version cases Debian's advisories depend on. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "distro.h"
#include "match.h"

static struct kmend_vulndb *db;

static void add_full(const struct kmend_advisory *a)
{
	struct kmend_error err;

	assert_int_equal(kmend_vulndb_add(db, a, &err), 0);
}

static void add(const char *eco, const char *pkg, const char *id, const char *fixed,
                const char *sev)
{
	add_full(&(struct kmend_advisory){
	    .ecosystem = eco, .package = pkg, .id = id, .fixed = fixed, .severity = sev});
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
	/* A binNMU's source: compared on 1.2-3, shown as the binary's 1.2-3+b1. */
	add("debian:12", "foo", "CVE-BINNMU", "1.2-4", "medium");
	/* One vulnerability, three records: the tracker's, OSV's per-CVE and its DSA (which also
	   covers CVE-DUP-2, known from the tracker too). */
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "dup",
	                                  .id = "CVE-DUP-1",
	                                  .fixed = "2.0-1",
	                                  .severity = "high"});
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "dup",
	                                  .id = "DEBIAN-CVE-DUP-1",
	                                  .aliases = "CVE-DUP-1",
	                                  .fixed = "2.0-1",
	                                  .severity = "high",
	                                  .title = "dup: a flaw",
	                                  .link = "https://example.org/1"});
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "dup",
	                                  .id = "DSA-9-1",
	                                  .aliases = "CVE-DUP-1 CVE-DUP-2",
	                                  .fixed = "2.0-1",
	                                  .severity = "high"});
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "dup",
	                                  .id = "CVE-DUP-2",
	                                  .severity = "low",
	                                  .status = "no-dsa"});
	/* Only OSV's records: the per-CVE one is kept, the advisory folded into it. */
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "osvonly",
	                                  .id = "DEBIAN-CVE-O-1",
	                                  .aliases = "CVE-O-1",
	                                  .severity = "low",
	                                  .status = "postponed"});
	add_full(&(struct kmend_advisory){.ecosystem = "debian:12",
	                                  .package = "osvonly",
	                                  .id = "DLA-1-1",
	                                  .aliases = "CVE-O-1",
	                                  .fixed = "1.0-2",
	                                  .severity = "low"});
	/* A fixed version no deb scheme reads: left out and said. */
	add("debian:12", "weird", "CVE-BAD-VERSION", "not a version!", "low");
	add("debian:12", "weird", "CVE-GOOD", "9.0", "low");
	/* CentOS 7's advisories are Red Hat's. */
	add("rhel:7", "openssl-libs", "RHSA-2019:2304", "1:1.0.2k-19.el7", "medium");
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
			/* installed is the binary's own version, as dpkg -l shows it. */
			assert_string_equal(f.items[i].installed, "1:2.38.1-5+deb12u2");
			assert_string_equal(f.items[i].source_version, "2.38.1-5+deb12u2");
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

	if (!key || !strcmp(key, "other")) {
		assert_int_equal(kmend_distro_from_osv(osv, buf, sizeof(buf)), key ? -2 : -1);
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
	expect_osv("Ubuntu:Pro:18.04:LTS", "other");
	expect_osv("Red Hat:enterprise_linux:7::server", "rhel:7");
	expect_osv("Red Hat:rhel_eus:9.2::baseos", "other");
	expect_osv("Red Hat:enterprise_linux_eus:10.0", "other");
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

static struct kmend_inventory os_inventory(const char *id, const char *version_id)
{
	struct kmend_inventory inv = {.os_found = true};

	snprintf(inv.os.id, sizeof(inv.os.id), "%s", id);
	snprintf(inv.os.version_id, sizeof(inv.os.version_id), "%s", version_id);
	return inv;
}

static const struct kmend_finding *find(const struct kmend_findings *f, const char *pkg,
                                        const char *id)
{
	for (size_t i = 0; i < f->count; i++)
		if (!strcmp(f->items[i].package, pkg) && !strcmp(f->items[i].id, id))
			return &f->items[i];
	return NULL;
}

static bool warned(const struct kmend_findings *f, const char *code, const char *text)
{
	for (size_t i = 0; i < f->warnings.count; i++)
		if (!strcmp(f->warnings.items[i].code, code) &&
		    strstr(f->warnings.items[i].message, text))
			return true;
	return false;
}

static void test_binnmu(void **state)
{
	struct kmend_inventory inv = os_inventory("debian", "12");
	const struct kmend_finding *x;
	struct kmend_findings f;
	struct kmend_error err;

	(void)state;
	pkg(&inv, KMEND_PKG_DEB, "libfoo1", "1.2-3+b1", "foo", "1.2-3");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_non_null(x = find(&f, "libfoo1", "CVE-BINNMU"));
	assert_string_equal(x->installed, "1.2-3+b1");
	assert_string_equal(x->source, "foo");
	assert_string_equal(x->source_version, "1.2-3");
	assert_string_equal(x->fixed, "1.2-4");
	assert_string_equal(f.ecosystem, "debian:12");
	assert_string_equal(f.ecosystem_note, "");
	assert_int_equal(f.warnings.count, 0);
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

static void test_one_vulnerability_many_feeds(void **state)
{
	struct kmend_inventory inv = os_inventory("debian", "12");
	const struct kmend_finding *x;
	struct kmend_findings f;
	struct kmend_error err;
	char buf[512];

	(void)state;
	pkg(&inv, KMEND_PKG_DEB, "libdup0", "1.0-1", "dup", "1.0-1");
	pkg(&inv, KMEND_PKG_DEB, "osvonly", "1.0-1", "osvonly", "1.0-1");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_string_equal(ids(&f, buf, sizeof(buf)),
	                    "libdup0:CVE-DUP-1 libdup0:CVE-DUP-2 osvonly:DEBIAN-CVE-O-1");
	/* The tracker's record is kept; OSV's ids become its aliases, its title and link fill
	   what the tracker lacked. */
	assert_non_null(x = find(&f, "libdup0", "CVE-DUP-1"));
	assert_string_equal(x->aliases, "DEBIAN-CVE-DUP-1 DSA-9-1");
	assert_string_equal(x->title, "dup: a flaw");
	assert_string_equal(x->link, "https://example.org/1");
	assert_non_null(x = find(&f, "libdup0", "CVE-DUP-2"));
	assert_string_equal(x->status, "no-dsa");
	assert_null(x->fixed);
	assert_non_null(x = find(&f, "osvonly", "DEBIAN-CVE-O-1"));
	assert_string_equal(x->aliases, "CVE-O-1 DLA-1-1");
	assert_string_equal(x->status, "postponed");
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

static void test_warnings(void **state)
{
	struct kmend_inventory inv = os_inventory("debian", "11");
	struct kmend_vulndb *empty;
	struct kmend_findings f;
	struct kmend_error err;

	(void)state;
	pkg(&inv, KMEND_PKG_DEB, "curl", "7.74.0-1.3+deb11u1", "curl", "7.74.0-1.3+deb11u1");
	/* debian:11 has one advisory (CVE-OTHER-RELEASE) in the store; debian:10 none. */
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_int_equal(f.warnings.count, 0);
	kmend_findings_free(&f);
	snprintf(inv.os.version_id, sizeof(inv.os.version_id), "10");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_true(warned(&f, "no-advisories", "no advisories for debian:10 (Debian 10)"));
	assert_true(warned(&f, "no-advisories", "security-tracker.debian.org/tracker/data/json"));
	kmend_findings_free(&f);
	/* An empty store says so rather than answer "clean". */
	assert_int_equal(kmend_vulndb_open(":memory:", true, &empty, &err), 0);
	assert_int_equal(kmend_match(empty, &inv, &f, &err), 0);
	assert_true(warned(&f, "empty-store", "kmend db update"));
	kmend_findings_free(&f);
	kmend_vulndb_close(empty);
	/* A distribution kmend has no advisories for. */
	snprintf(inv.os.id, sizeof(inv.os.id), "plan9");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_true(warned(&f, "unsupported-distribution", "plan9 10"));
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

static void test_unreadable_versions(void **state)
{
	struct kmend_inventory inv = os_inventory("debian", "12");
	struct kmend_findings f;
	struct kmend_error err;
	char buf[256];

	(void)state;
	pkg(&inv, KMEND_PKG_DEB, "weird", "1.0-1", "weird", "1.0-1");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_string_equal(ids(&f, buf, sizeof(buf)), "weird:CVE-GOOD");
	assert_int_equal(f.unreadable, 1);
	assert_true(warned(&f, "unreadable-version", "advisory CVE-BAD-VERSION was left out"));
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

static void test_centos_with_red_hat_data(void **state)
{
	struct kmend_inventory inv = os_inventory("centos", "7");
	const struct kmend_finding *x;
	struct kmend_findings f;
	struct kmend_error err;

	(void)state;
	pkg(&inv, KMEND_PKG_RPM, "openssl-libs", "1:1.0.2k-12.el7", "openssl", "1:1.0.2k-12.el7");
	assert_int_equal(kmend_match(db, &inv, &f, &err), 0);
	assert_string_equal(f.ecosystem, "rhel:7");
	assert_string_equal(f.ecosystem_note,
	                    "CentOS matched with Red Hat Enterprise Linux's advisories");
	assert_non_null(x = find(&f, "openssl-libs", "RHSA-2019:2304"));
	assert_null(x->source_version);
	assert_string_equal(x->installed, "1:1.0.2k-12.el7");
	kmend_findings_free(&f);
	kmend_package_list_free(&inv.packages);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_cases),
	    cmocka_unit_test(test_alpine_and_ecosystems),
	    cmocka_unit_test(test_distro_table),
	    cmocka_unit_test(test_binnmu),
	    cmocka_unit_test(test_one_vulnerability_many_feeds),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_unreadable_versions),
	    cmocka_unit_test(test_centos_with_red_hat_data),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("match", tests, setup, teardown);
}
