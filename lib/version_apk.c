/* Alpine version scheme: digit{.digit}...{letter}{_suffix{number}}...{~hash}{-rN}, as apk-tools. */
#include <stdint.h>

#include "version.h"
#include "version_internal.h"

#define APK_HINT                                                                                   \
	"Alpine versions are digits{.digits}[letter]{_suffix[N]}[~hash][-rN], suffixes one of "    \
	"alpha beta pre rc cvs svn git hg p"

/* Token kinds in the order they may follow each other; the order is part of the sort. */
enum apk_token {
	APK_INITIAL_DIGIT,
	APK_DIGIT,
	APK_LETTER,
	APK_SUFFIX,
	APK_SUFFIX_NO,
	APK_COMMIT_HASH,
	APK_REVISION_NO,
	APK_END,
	APK_INVALID,
};

/* Suffix ranks: pre-release suffixes sort before no suffix, the others after. */
enum apk_suffix {
	APK_SUFFIX_INVALID,
	APK_SUFFIX_ALPHA,
	APK_SUFFIX_BETA,
	APK_SUFFIX_PRE,
	APK_SUFFIX_RC,
	APK_SUFFIX_NONE,
	APK_SUFFIX_CVS,
	APK_SUFFIX_SVN,
	APK_SUFFIX_GIT,
	APK_SUFFIX_HG,
	APK_SUFFIX_P,
};

static const char *const apk_suffix_names[] = {
    [APK_SUFFIX_ALPHA] = "alpha", [APK_SUFFIX_BETA] = "beta", [APK_SUFFIX_PRE] = "pre",
    [APK_SUFFIX_RC] = "rc",       [APK_SUFFIX_CVS] = "cvs",   [APK_SUFFIX_SVN] = "svn",
    [APK_SUFFIX_GIT] = "git",     [APK_SUFFIX_HG] = "hg",     [APK_SUFFIX_P] = "p",
};

/* The tokenizer's position in one version string. */
struct apk_cursor {
	const char *p, *end;
	const char *start; /* where the current token begins */
	enum apk_token token;
	enum apk_suffix suffix;
	const char *value; /* the token's text */
	size_t value_len;
};

static enum apk_suffix apk_suffix_of(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof(apk_suffix_names) / sizeof(apk_suffix_names[0]); i++)
		if (apk_suffix_names[i] && strlen(apk_suffix_names[i]) == n &&
		    memcmp(apk_suffix_names[i], s, n) == 0)
			return (enum apk_suffix)i;
	return APK_SUFFIX_INVALID;
}

static bool apk_is_lower(unsigned char c)
{
	return c >= 'a' && c <= 'z';
}

static bool apk_is_hex(unsigned char c)
{
	return version_is_digit(c) || (c >= 'a' && c <= 'f');
}

/* Take the run of bytes at c->p for which pred holds as the token's value. */
static void apk_take(struct apk_cursor *c, bool (*pred)(unsigned char))
{
	c->value = c->p;
	while (c->p < c->end && pred((unsigned char)*c->p))
		c->p++;
	c->value_len = (size_t)(c->p - c->value);
}

static void apk_take_digits(struct apk_cursor *c, enum apk_token token)
{
	apk_take(c, version_is_digit);
	c->token = c->value_len ? token : APK_INVALID;
}

static void apk_first(struct apk_cursor *c, const char *v, size_t len)
{
	c->p = c->start = v;
	c->end = v + len;
	apk_take_digits(c, APK_INITIAL_DIGIT);
}

/* Advance to the next token; a byte that may not follow the current token makes APK_INVALID. */
static void apk_next(struct apk_cursor *c)
{
	enum apk_token prev = c->token;
	unsigned char ch;

	c->start = c->p;
	if (c->p == c->end) {
		c->token = APK_END;
		return;
	}
	ch = (unsigned char)*c->p;
	c->token = APK_INVALID;
	if (apk_is_lower(ch)) {
		if (prev > APK_DIGIT)
			return;
		c->value = c->p++;
		c->value_len = 1;
		c->token = APK_LETTER;
	} else if (ch == '.' || version_is_digit(ch)) {
		if (ch == '.') {
			if (prev > APK_DIGIT)
				return;
			c->p++;
		}
		if (prev == APK_INITIAL_DIGIT || prev == APK_DIGIT)
			apk_take_digits(c, APK_DIGIT);
		else if (prev == APK_SUFFIX)
			apk_take_digits(c, APK_SUFFIX_NO);
	} else if (ch == '_') {
		if (prev > APK_SUFFIX_NO)
			return;
		c->p++;
		apk_take(c, apk_is_lower);
		c->suffix = apk_suffix_of(c->value, c->value_len);
		if (c->suffix != APK_SUFFIX_INVALID)
			c->token = APK_SUFFIX;
	} else if (ch == '~') {
		if (prev >= APK_COMMIT_HASH)
			return;
		c->p++;
		apk_take(c, apk_is_hex);
		if (c->value_len)
			c->token = APK_COMMIT_HASH;
	} else if (ch == '-') {
		if (prev >= APK_REVISION_NO || c->end - c->p < 2 || c->p[1] != 'r')
			return;
		c->p += 2;
		apk_take_digits(c, APK_REVISION_NO);
	}
}

/* Numbers of any length, compared exactly: leading zeros dropped, then length, then digits. */
static int apk_compare_number(const char *a, size_t an, const char *b, size_t bn)
{
	while (an > 1 && *a == '0')
		a++, an--;
	while (bn > 1 && *b == '0')
		b++, bn--;
	if (an != bn)
		return an < bn ? -1 : 1;
	return version_sign(memcmp(a, b, an));
}

/* Byte order, a prefix first (apk's string sort). */
static int apk_compare_string(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);

	if (r)
		return version_sign(r);
	return an == bn ? 0 : (an < bn ? -1 : 1);
}

static int apk_compare_token(const struct apk_cursor *a, const struct apk_cursor *b)
{
	switch (a->token) {
	case APK_DIGIT:
		/* A component with a leading zero sorts as a string (Gentoo's rule). */
		if (a->value[0] == '0' || b->value[0] == '0')
			return apk_compare_string(a->value, a->value_len, b->value, b->value_len);
		/* fallthrough */
	case APK_INITIAL_DIGIT:
	case APK_SUFFIX_NO:
	case APK_REVISION_NO:
		return apk_compare_number(a->value, a->value_len, b->value, b->value_len);
	case APK_LETTER:
		return version_sign((unsigned char)a->value[0] - (unsigned char)b->value[0]);
	case APK_SUFFIX: return version_sign((int)a->suffix - (int)b->suffix);
	default: return apk_compare_string(a->value, a->value_len, b->value, b->value_len);
	}
}

static int apk_validate(const char *v, size_t len, struct kmend_error *err)
{
	struct apk_cursor c;
	int r = version_check_length(err, "apk", v, len);

	if (r < 0)
		return r;
	for (apk_first(&c, v, len); c.token < APK_END; apk_next(&c))
		;
	if (c.token == APK_INVALID) {
		/* Name the text that does not fit: the token that failed, at least one byte. */
		size_t pos = (size_t)(c.start - v), n = c.p > c.start ? (size_t)(c.p - c.start) : 1;
		bool printable = true;

		if (pos >= len)
			pos = len - 1;
		if (n > len - pos)
			n = len - pos;
		for (size_t i = 0; i < n; i++)
			printable = printable && v[pos + i] > 0x20 && v[pos + i] < 0x7f;
		if (!printable)
			return version_reject(err, "apk", v, len, pos + 1, APK_HINT,
			                      "a byte that is not allowed");
		return version_reject(err, "apk", v, len, pos + 1, APK_HINT,
		                      "'%.*s' is not allowed here", (int)n, v + pos);
	}
	return 0;
}

static int apk_compare(const char *a, size_t alen, const char *b, size_t blen, int *result,
                       struct kmend_error *err)
{
	struct apk_cursor ca, cb;
	int r;

	if ((r = apk_validate(a, alen, err)) < 0 || (r = apk_validate(b, blen, err)) < 0)
		return r;
	for (apk_first(&ca, a, alen), apk_first(&cb, b, blen);
	     ca.token == cb.token && ca.token < APK_END; apk_next(&ca), apk_next(&cb)) {
		r = apk_compare_token(&ca, &cb);
		if (r) {
			*result = r;
			return 0;
		}
	}
	/* Equal so far: the longer one is newer, unless it goes on with a pre-release suffix. */
	if (ca.token == cb.token)
		r = 0;
	else if (ca.token == APK_SUFFIX && ca.suffix < APK_SUFFIX_NONE)
		r = -1;
	else if (cb.token == APK_SUFFIX && cb.suffix < APK_SUFFIX_NONE)
		r = 1;
	else
		r = ca.token > cb.token ? -1 : 1;
	*result = r;
	return 0;
}

const struct kmend_version_scheme kmend_version_apk = {
    .name = "apk",
    .description = "Alpine Linux and Wolfi (apk-tools)",
    .validate = apk_validate,
    .compare = apk_compare,
};
