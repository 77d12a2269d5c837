/* Escaping untrusted text for terminals and JSON (see safetext.h). */
#include "safetext.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t kmend_utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned cp, min;

	if (n == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0; /* a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5.. */
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool kmend_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t k = kmend_utf8_sequence(p, n);
		if (!k)
			return false;
		p += k;
		n -= k;
	}
	return true;
}

/* The code point of a valid sequence of length len. */
static unsigned code_point(const unsigned char *s, size_t len)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = s[0] & lead_mask[len];

	for (size_t i = 1; i < len; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* Code points a terminal would act on or that reorder text: escaped even when valid. */
static bool unsafe_code_point(unsigned cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Walk s, calling emit for each piece: either a run of bytes to keep or an escape. Shared by
 * the terminal escape and its "needs escape" test so the two cannot disagree.
 */
struct piece {
	const char *bytes; /* kept bytes, or NULL for an escape */
	size_t len;
	char escape[16];
};

static size_t next_piece(const char *s, size_t n, struct piece *p)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = kmend_utf8_sequence(u, n);

	if (!k) {
		p->bytes = NULL;
		snprintf(p->escape, sizeof(p->escape), "\\x%02X", u[0]);
		return 1;
	}
	if (unsafe_code_point(code_point(u, k))) {
		unsigned cp = code_point(u, k);
		p->bytes = NULL;
		if (cp < 0x80)
			snprintf(p->escape, sizeof(p->escape), "\\x%02X", cp);
		else
			snprintf(p->escape, sizeof(p->escape), "\\u{%04X}", cp);
		return k;
	}
	p->bytes = s;
	p->len = k;
	return k;
}

const char *kmend_text_for_terminal(const char *s, char *buf, size_t size)
{
	size_t n, used = 0;

	buf[0] = '\0';
	if (!s)
		return buf;
	n = strlen(s);
	while (n) {
		struct piece p;
		size_t k = next_piece(s, n, &p);
		const char *out = p.bytes ? p.bytes : p.escape;
		size_t len = p.bytes ? p.len : strlen(p.escape);

		if (used + len + 4 > size) { /* room for "..." and the NUL */
			memcpy(buf + used, "...", 4);
			return buf;
		}
		memcpy(buf + used, out, len);
		used += len;
		buf[used] = '\0';
		s += k;
		n -= k;
	}
	return buf;
}

bool kmend_text_needs_escape(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n) {
		struct piece p;
		size_t k = next_piece(s, n, &p);

		if (!p.bytes)
			return true;
		s += k;
		n -= k;
	}
	return false;
}

char *kmend_text_to_utf8(const char *s, bool *escaped)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), used = 0;
	char *out;

	if (escaped)
		*escaped = false;
	/* Each byte becomes at most four ("\xHH"). */
	if (!(out = malloc(4 * n + 1)))
		return NULL;
	while (n) {
		size_t k = kmend_utf8_sequence(u, n);

		if (k) {
			memcpy(out + used, u, k);
			used += k;
		} else {
			k = 1;
			used += (size_t)snprintf(out + used, 5, "\\x%02X", u[0]);
			if (escaped)
				*escaped = true;
		}
		u += k;
		n -= k;
	}
	out[used] = '\0';
	return out;
}

size_t kmend_text_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, width = 0;

	while (n) {
		size_t k = kmend_utf8_sequence(u, n);
		if (!k)
			k = 1;
		u += k;
		n -= k;
		width++;
	}
	return width;
}
