/*
 * Warnings: what makes a result less than complete, said to the user rather than hidden (no
 * package database, no advisories for the release, skipped entries). Results carry them; the
 * report writers show them (stderr and the table's notes, "warnings" in JSON).
 */
#ifndef KMEND_WARNING_H
#define KMEND_WARNING_H

#include <stddef.h>

struct kmend_warning {
	char code[32];     /* stable, for machines: "no-package-database", "no-advisories", ... */
	char message[768]; /* for people: what is missing, and what to do */
};

struct kmend_warnings {
	struct kmend_warning *items;
	size_t count, capacity;
};

/* Add a warning; the same code and message twice is kept once. 0 or -ENOMEM. */
int kmend_warn(struct kmend_warnings *w, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append copies of every warning of from to to. 0 or -ENOMEM. */
int kmend_warnings_add_all(struct kmend_warnings *to, const struct kmend_warnings *from);

/* Free the list; it is left empty and reusable. NULL-safe. */
void kmend_warnings_free(struct kmend_warnings *w);

#endif
