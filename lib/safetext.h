/*
 * Text from images and manifests (package names, versions, paths, os-release fields) made safe
 * to show: nothing reaches a terminal as a control sequence, nothing reaches JSON as bytes that
 * are not UTF-8. The bytes are escaped as \xHH, never dropped, so the user sees what was there.
 */
#ifndef KMEND_SAFETEXT_H
#define KMEND_SAFETEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the bytes there
 * are not one: a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, or a
 * sequence cut short.
 */
size_t kmend_utf8_sequence(const unsigned char *s, size_t n);

/* True when all of s is valid UTF-8. */
bool kmend_utf8_valid(const char *s);

/*
 * s for a terminal, in buf (always NUL-terminated, size > 4): C0 controls, DEL, and bytes that
 * are not valid UTF-8 as \xHH; C1 controls and the bidirectional overrides that reorder what a
 * reader sees (U+202A..U+202E, U+2066..U+2069) as \u{HHHH}. Text too long for buf ends in
 * "...". NULL becomes "". Returns buf.
 */
const char *kmend_text_for_terminal(const char *s, char *buf, size_t size);

/* True when kmend_text_for_terminal would change s (not counting truncation). */
bool kmend_text_needs_escape(const char *s);

/*
 * s as valid UTF-8: every byte that is not part of a valid sequence as \xHH (control
 * characters are valid; JSON writers escape them). Returns a malloc'd string, or NULL when
 * out of memory; *escaped (may be NULL) is set when anything was replaced.
 */
char *kmend_text_to_utf8(const char *s, bool *escaped);

/* Columns s takes on a terminal, counting each code point (or invalid byte) as one. */
size_t kmend_text_width(const char *s);

#endif
