/*
 * Building JSON documents from untrusted text with jansson: every call checked, and a string
 * that is not valid UTF-8 is written with its bad bytes escaped (\xHH) instead of being
 * dropped, as json_string() would. Used by the report writers and `kmend inventory`.
 */
#ifndef KMEND_JSON_BUILD_H
#define KMEND_JSON_BUILD_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/*
 * One document under construction. The helpers never stop on failure: they record it here,
 * and the caller checks once, at the end, that the document is complete.
 */
struct kmend_jb {
	bool failed;    /* a jansson call failed (out of memory): the document is incomplete */
	size_t escaped; /* strings whose invalid UTF-8 bytes were written as \xHH */
	char first_escaped[256]; /* the first of them, as written */
};

/* A JSON string of s (bad bytes escaped), or null when s is NULL. */
json_t *kmend_jb_text(struct kmend_jb *b, const char *s);

/* The same, but an empty s is null too (optional fields: digest, fixed version). */
json_t *kmend_jb_text_or_null(struct kmend_jb *b, const char *s);

/* A new object or array; NULL (and b->failed) when out of memory. */
json_t *kmend_jb_object(struct kmend_jb *b);
json_t *kmend_jb_array(struct kmend_jb *b);

/* An integer; NULL (and b->failed) when out of memory. */
json_t *kmend_jb_integer(struct kmend_jb *b, long long v);

/*
 * Set obj[key] (key is kmend's own, ASCII) to value, stealing the reference. A NULL obj or
 * value, or a failed set, marks b->failed; value is released either way.
 */
void kmend_jb_set(struct kmend_jb *b, json_t *obj, const char *key, json_t *value);

/* Append value to arr, stealing the reference; failures as kmend_jb_set. */
void kmend_jb_append(struct kmend_jb *b, json_t *arr, json_t *value);

/* set obj[key] to kmend_jb_text(s): the common case, in one call. */
void kmend_jb_set_text(struct kmend_jb *b, json_t *obj, const char *key, const char *s);

/*
 * Write value to f as jansson's JSON_INDENT(2) output, keys in insertion order, with every
 * line after the first indented by a further 2 * depth spaces, so that a value streamed into
 * an enclosing document lines up with it. Returns 0, -ENOMEM or -EIO.
 */
int kmend_json_write(FILE *f, const json_t *value, int depth);

#endif
