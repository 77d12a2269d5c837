/* The default feeds (see feed_catalog.h): one table, checked against the publishers' pages. */
#include "feed_catalog.h"

#include <stdio.h>
#include <string.h>

#define OSV_BUCKET   "https://osv-vulnerabilities.storage.googleapis.com/"
#define ALPINE_SECDB "https://secdb.alpinelinux.org/"

/*
 * Debian's tracker JSON has every Debian release's status; OSV's per-ecosystem all.zip
 * files are each publisher's records as OSV serves them; Alpine's secdb is kept for the
 * releases Alpine supports (docs/scan.md says when to update this list).
 */
const struct kmend_feed_entry kmend_feed_catalog[] = {
    {"https://security-tracker.debian.org/tracker/data/json", "Debian's security tracker",
     "debian"},
    {OSV_BUCKET "Debian/all.zip", "Debian's advisories in OSV", "debian"},
    {OSV_BUCKET "Ubuntu/all.zip", "Ubuntu's advisories in OSV", "ubuntu"},
    {OSV_BUCKET "Alpine/all.zip", "Alpine's advisories in OSV", "alpine"},
    {OSV_BUCKET "AlmaLinux/all.zip", "AlmaLinux's advisories in OSV", "almalinux"},
    {OSV_BUCKET "Rocky%20Linux/all.zip", "Rocky Linux's advisories in OSV", "rocky"},
    {OSV_BUCKET "Red%20Hat/all.zip", "Red Hat's advisories in OSV", "rhel"},
    {ALPINE_SECDB "v3.21/main.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.21/community.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.22/main.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.22/community.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.23/main.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.23/community.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.24/main.json", "Alpine's secdb", "alpine"},
    {ALPINE_SECDB "v3.24/community.json", "Alpine's secdb", "alpine"},
    {NULL, NULL, NULL},
};

int kmend_feed_catalog_url(const struct kmend_feed_entry *entry, const char *mirror, char *out,
                           size_t size)
{
	const char *rest = strstr(entry->url, "://");
	size_t n = mirror ? strlen(mirror) : 0;
	int len;

	if (!n || !rest)
		len = snprintf(out, size, "%s", entry->url);
	else
		len = snprintf(out, size, "%.*s/%s", (int)(mirror[n - 1] == '/' ? n - 1 : n),
		               mirror, rest + 3);
	return len >= 0 && (size_t)len < size ? 0 : -1;
}

/* Does the space-separated list name the key's prefix ("rhel" for "rhel:7")? */
static int covers(const char *list, const char *ecosystem)
{
	size_t n = strcspn(ecosystem, ":");

	for (const char *p = list; *p; p += strspn(p, " ")) {
		size_t m = strcspn(p, " ");
		if (m == n && !strncmp(p, ecosystem, n))
			return 1;
		p += m;
	}
	return 0;
}

const char *kmend_feed_catalog_for(const char *ecosystem, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; kmend_feed_catalog[i].url && len < size; i++) {
		const struct kmend_feed_entry *e = &kmend_feed_catalog[i];
		if (!covers(e->ecosystems, ecosystem))
			continue;
		/* Name each publisher once: Alpine's secdb has a file per release. */
		if (strstr(out, e->publisher))
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s (%s)", len ? ", " : "",
		                        e->publisher, e->url);
	}
	if (len >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
	return out;
}
