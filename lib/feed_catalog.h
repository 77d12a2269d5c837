/*
 * The published feeds kmend knows: what `kmend db update` fetches when no URL is configured,
 * and what the matcher names when the store lacks a distribution's advisories.
 */
#ifndef KMEND_FEED_CATALOG_H
#define KMEND_FEED_CATALOG_H

#include <stddef.h>

struct kmend_feed_entry {
	const char *url;        /* the publisher's own URL */
	const char *publisher;  /* for people: "Debian's security tracker" */
	const char *ecosystems; /* the store keys it fills, space-separated prefixes: "debian" */
};

/* The default feeds, in the order db update fetches them; NULL url ends the list. */
extern const struct kmend_feed_entry kmend_feed_catalog[];

/*
 * The URL to fetch entry's feed from: its own, or under mirror (a base URL such
 * as "http://127.0.0.1:8080"; NULL or "" for none), where it lives at
 * MIRROR/HOST/PATH ("http://127.0.0.1:8080/secdb.alpinelinux.org/v3.20/main.json").
 * -1 when out is too small.
 */
int kmend_feed_catalog_url(const struct kmend_feed_entry *entry, const char *mirror, char *out,
                           size_t size);

/*
 * The default feeds that fill the advisories of a store key ("rhel:7" ->
 * Red Hat's), written for people into out ("Red Hat's advisories in OSV
 * (https://...)"); "" when none does. Returns out.
 */
const char *kmend_feed_catalog_for(const char *ecosystem, char *out, size_t size);

#endif
