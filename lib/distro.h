/*
 * The one table of distributions: how os-release names each, where its advisories live in the
 * store, its package format and tools, and its release names. The matcher, the importers, fix
 * and harden all read it; nothing else maps distribution names.
 */
#ifndef KMEND_DISTRO_H
#define KMEND_DISTRO_H

#include <stdbool.h>
#include <stddef.h>

#include "osrelease.h"
#include "package.h"

/* How VERSION_ID becomes the release part of the store key. */
enum kmend_release_form {
	KMEND_RELEASE_MAJOR,       /* "12.5" -> "12" (Debian, the RHEL family) */
	KMEND_RELEASE_MAJOR_MINOR, /* "3.19.1" -> "3.19" (Alpine) */
	KMEND_RELEASE_WHOLE,       /* "22.04" stays (Ubuntu) */
	KMEND_RELEASE_NONE,        /* rolling: the key has no release (Wolfi) */
};

struct kmend_distro {
	const char *id;               /* os-release ID: "debian", "centos", "ol", "amzn" */
	const char *name;             /* for people: "Debian", "CentOS", "Oracle Linux" */
	const char *ecosystem;        /* the store's key prefix whose advisories apply: CentOS uses
	                                 Red Hat's ("rhel"); every other entry its own */
	enum kmend_package_type type; /* package database, version scheme, package files */
	enum kmend_release_form release;
	const char *osv;             /* OSV's ecosystem name ("Rocky Linux"); NULL: none */
	const char *package_manager; /* "apt", "apk" or "dnf" (yum and microdnf are dnf's kin) */
	bool by_source; /* advisories name source packages, compared on the source version */
};

/* The entry for an os-release ID, or NULL. */
const struct kmend_distro *kmend_distro_by_id(const char *id);

/* The first entry whose advisories a store key names ("rhel:7", "wolfi"), or NULL. */
const struct kmend_distro *kmend_distro_by_ecosystem(const char *key);

/*
 * The store key for an OS ("debian:12", "rhel:7" for CentOS 7, "alpine:3.19")
 * and its entry (*distro may be NULL). Debian without VERSION_ID (testing and
 * sid) takes the release of its codename when kmend knows it, else
 * "debian:unstable". -KMEND_E_UNSUPPORTED for an OS kmend has no entry for,
 * or one whose release cannot be told.
 */
int kmend_distro_ecosystem(const struct kmend_os *os, const struct kmend_distro **distro, char *out,
                           size_t size);

/*
 * A release's codename and back, for the distributions that have them:
 * ("debian", "bookworm") -> "12", ("debian", "sid") -> "unstable",
 * ("ubuntu", "jammy") -> "22.04"; kmend_distro_codename does the reverse.
 * NULL when kmend does not know it.
 */
const char *kmend_distro_release_of(const char *id, const char *codename);
const char *kmend_distro_codename(const char *id, const char *release);

/*
 * An OSV ecosystem ("Debian:12", "Ubuntu:22.04:LTS", "Alpine:v3.19",
 * "Rocky Linux:9", "Red Hat:enterprise_linux:8::appstream", "Wolfi") as the
 * store key it stands for. -1 when it names no distribution kmend knows (a
 * language ecosystem: "PyPI"); -2 when it names one of its products that no
 * plain image runs ("Ubuntu:Pro:18.04:LTS", "Red Hat:rhel_eus:9.2::baseos").
 */
int kmend_distro_from_osv(const char *osv, char *out, size_t size);

#endif
