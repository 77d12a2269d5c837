/* The distributions kmend knows, with their release names (see distro.h). */
#include "distro.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const struct kmend_distro distros[] = {
    {"debian", "Debian", "debian", KMEND_PKG_DEB, KMEND_RELEASE_MAJOR, "Debian", "apt", true},
    {"ubuntu", "Ubuntu", "ubuntu", KMEND_PKG_DEB, KMEND_RELEASE_WHOLE, "Ubuntu", "apt", true},
    {"alpine", "Alpine Linux", "alpine", KMEND_PKG_APK, KMEND_RELEASE_MAJOR_MINOR, "Alpine", "apk",
     false},
    {"wolfi", "Wolfi", "wolfi", KMEND_PKG_APK, KMEND_RELEASE_NONE, "Wolfi", "apk", false},
    {"chainguard", "Chainguard", "chainguard", KMEND_PKG_APK, KMEND_RELEASE_NONE, "Chainguard",
     "apk", false},
    {"rhel", "Red Hat Enterprise Linux", "rhel", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, "Red Hat",
     "dnf", false},
    /* CentOS rebuilds RHEL and publishes no advisories of its own: every scanner uses Red
       Hat's. */
    {"centos", "CentOS", "rhel", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, NULL, "dnf", false},
    {"almalinux", "AlmaLinux", "almalinux", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, "AlmaLinux", "dnf",
     false},
    {"rocky", "Rocky Linux", "rocky", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, "Rocky Linux", "dnf",
     false},
    {"ol", "Oracle Linux", "oracle", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, NULL, "dnf", false},
    {"amzn", "Amazon Linux", "amazon", KMEND_PKG_RPM, KMEND_RELEASE_MAJOR, NULL, "dnf", false},
};

/* Codenames as os-release and the feeds write them; "sid" is Debian's unstable. */
static const struct {
	const char *id, *codename, *release;
} codenames[] = {
    {"debian", "jessie", "8"},       {"debian", "stretch", "9"},    {"debian", "buster", "10"},
    {"debian", "bullseye", "11"},    {"debian", "bookworm", "12"},  {"debian", "trixie", "13"},
    {"debian", "forky", "14"},       {"debian", "duke", "15"},      {"debian", "sid", "unstable"},
    {"ubuntu", "trusty", "14.04"},   {"ubuntu", "xenial", "16.04"}, {"ubuntu", "bionic", "18.04"},
    {"ubuntu", "focal", "20.04"},    {"ubuntu", "jammy", "22.04"},  {"ubuntu", "noble", "24.04"},
    {"ubuntu", "oracular", "24.10"}, {"ubuntu", "plucky", "25.04"}, {"ubuntu", "questing", "25.10"},
};

const struct kmend_distro *kmend_distro_by_id(const char *id)
{
	for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++)
		if (!strcmp(distros[i].id, id))
			return &distros[i];
	return NULL;
}

const struct kmend_distro *kmend_distro_by_ecosystem(const char *key)
{
	size_t n = strcspn(key, ":");

	for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++)
		if (strlen(distros[i].ecosystem) == n && !strncmp(distros[i].ecosystem, key, n))
			return &distros[i];
	return NULL;
}

const char *kmend_distro_release_of(const char *id, const char *codename)
{
	for (size_t i = 0; i < sizeof(codenames) / sizeof(codenames[0]); i++)
		if (!strcmp(codenames[i].id, id) && !strcmp(codenames[i].codename, codename))
			return codenames[i].release;
	return NULL;
}

const char *kmend_distro_codename(const char *id, const char *release)
{
	for (size_t i = 0; i < sizeof(codenames) / sizeof(codenames[0]); i++)
		if (!strcmp(codenames[i].id, id) && !strcmp(codenames[i].release, release))
			return codenames[i].codename;
	return NULL;
}

/* The length of the release part that form keeps of version. */
static size_t release_len(enum kmend_release_form form, const char *version)
{
	const char *dot = strchr(version, '.');

	switch (form) {
	case KMEND_RELEASE_MAJOR: return strcspn(version, ".");
	case KMEND_RELEASE_MAJOR_MINOR:
		return dot ? (size_t)(dot - version) + 1 + strcspn(dot + 1, ".") : strlen(version);
	case KMEND_RELEASE_WHOLE: return strlen(version);
	case KMEND_RELEASE_NONE: break;
	}
	return 0;
}

int kmend_distro_ecosystem(const struct kmend_os *os, const struct kmend_distro **distro, char *out,
                           size_t size)
{
	const struct kmend_distro *d = kmend_distro_by_id(os->id);
	const char *v = os->version_id;

	if (distro)
		*distro = d;
	if (!d)
		return -KMEND_E_UNSUPPORTED;
	if (d->release == KMEND_RELEASE_NONE) {
		snprintf(out, size, "%s", d->ecosystem);
		return 0;
	}
	if (!v[0]) {
		/* Debian testing and sid have no VERSION_ID; testing's codename has its data. */
		const char *rel =
		    os->codename[0] ? kmend_distro_release_of(os->id, os->codename) : NULL;
		if (!strcmp(os->id, "debian"))
			v = rel ? rel : "unstable";
		else if (rel)
			v = rel;
		else
			return -KMEND_E_UNSUPPORTED;
	}
	snprintf(out, size, "%s:%.*s", d->ecosystem, (int)release_len(d->release, v), v);
	return 0;
}

/* Red Hat's OSV ecosystems name a product stream: "enterprise_linux:8::appstream". */
static int red_hat_release(const char *rest, char *out, size_t size)
{
	const char *colon = strchr(rest, ':');

	if (!colon || strncmp(rest, "enterprise_linux:", 17) || !isdigit((unsigned char)colon[1]))
		return -2;
	snprintf(out, size, "rhel:%.*s", (int)strspn(colon + 1, "0123456789"), colon + 1);
	return 0;
}

int kmend_distro_from_osv(const char *osv, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++) {
		const struct kmend_distro *d = &distros[i];
		size_t n = d->osv ? strlen(d->osv) : 0, len;
		const char *rel;

		if (!n || strncmp(osv, d->osv, n) || (osv[n] != ':' && osv[n] != '\0'))
			continue;
		if (d->release == KMEND_RELEASE_NONE || !osv[n]) {
			snprintf(out, size, "%s", d->ecosystem);
			return 0;
		}
		rel = osv + n + 1;
		if (!strcmp(d->id, "rhel"))
			return red_hat_release(rel, out, size);
		if (*rel == 'v' && isdigit((unsigned char)rel[1]))
			rel++;
		/* "Ubuntu:22.04:LTS" is ubuntu:22.04; "Ubuntu:Pro:18.04:LTS" is not an image's. */
		if (!isdigit((unsigned char)*rel))
			return -2;
		len = release_len(d->release, rel);
		if (len > strcspn(rel, ":"))
			len = strcspn(rel, ":");
		snprintf(out, size, "%s:%.*s", d->ecosystem, (int)len, rel);
		return 0;
	}
	return -1;
}
