/* Accepted risks: findings the user chose to ignore, each with a reason and maybe an expiry. */
#ifndef KMEND_IGNORE_H
#define KMEND_IGNORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

struct kmend_ignore_rule {
	char *id;       /* a vulnerability id or one of its aliases */
	char *package;  /* NULL: every package */
	time_t expires; /* 0: never; else the end of that day, UTC */
	char *expires_text;
	char *reason;
	int used;
};

struct kmend_ignore {
	struct kmend_ignore_rule *rules;
	size_t count, capacity;
};

/*
 * Read an ignore file (YAML or JSON):
 *   ignore:
 *     - id: CVE-2024-1234
 *       package: openssl       # optional
 *       expires: 2027-01-31    # optional, YYYY-MM-DD
 *       reason: not reachable   # required
 * Errors name the file and the entry: -KMEND_E_BAD_INPUT.
 */
int kmend_ignore_load(const char *path, struct kmend_ignore *out, struct kmend_error *err);

/*
 * The rule that ignores (id or one of the space-separated aliases, package) at
 * time now, or NULL. An expired rule ignores nothing.
 */
struct kmend_ignore_rule *kmend_ignore_find(struct kmend_ignore *ig, const char *id,
                                            const char *aliases, const char *package, time_t now);

void kmend_ignore_free(struct kmend_ignore *ig);

#endif
