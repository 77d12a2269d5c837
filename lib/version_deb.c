/* Debian version scheme: [epoch:]upstream[-revision], ordered as dpkg orders them. */
#include <limits.h>
#include <stdint.h>

#include "kmend_limits.h"
#include "version.h"
#include "version_internal.h"

#define DEB_HINT                                                                                   \
	"Debian versions are [epoch:]upstream[-revision]: upstream starts with a digit and "       \
	"holds letters, digits and . + ~ - :, the revision letters, digits and . + ~"

/* Bits of deb_class: what a byte may be in each part of a version. */
enum {
	DEB_DIGIT = 1,
	DEB_UPSTREAM = 2, /* allowed in upstream_version */
	DEB_REVISION = 4, /* allowed in debian_revision */
	DEB_PLAIN = 8,    /* the fast scan's bytes: letters, digits, . + ~ and - */
};

#define DEB_ALNUM (DEB_UPSTREAM | DEB_REVISION | DEB_PLAIN)

static const uint8_t deb_class[256] = {
    ['0' ... '9'] = DEB_ALNUM | DEB_DIGIT,
    ['a' ... 'z'] = DEB_ALNUM,
    ['A' ... 'Z'] = DEB_ALNUM,
    ['.'] = DEB_ALNUM,
    ['+'] = DEB_ALNUM,
    ['~'] = DEB_ALNUM,
    ['-'] = DEB_UPSTREAM | DEB_PLAIN,
    [':'] = DEB_UPSTREAM,
};

/*
 * dpkg's sort weight of a byte in a non-digit run: '~' sorts before the end of
 * the string (weight 0, also given to digits, which end a run), letters next
 * in ASCII order, then everything else.
 */
#define DEB_W1(c)                                                                                  \
	((c) == '~'                                     ? -1                                       \
	 : ((c) >= '0' && (c) <= '9')                   ? 0                                        \
	 : (((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z') ? (c)                                      \
	                                                : (c) + 256)
#define DEB_W4(c)  DEB_W1(c), DEB_W1((c) + 1), DEB_W1((c) + 2), DEB_W1((c) + 3)
#define DEB_W16(c) DEB_W4(c), DEB_W4((c) + 4), DEB_W4((c) + 8), DEB_W4((c) + 12)
#define DEB_W64(c) DEB_W16(c), DEB_W16((c) + 16), DEB_W16((c) + 32), DEB_W16((c) + 48)

static const int16_t deb_weight[256] = {DEB_W64(0), DEB_W64(64), DEB_W64(128), DEB_W64(192)};

struct deb_version {
	uint64_t epoch;
	const unsigned char *upstream, *upstream_end;
	const unsigned char *revision, *revision_end; /* empty when there is none */
};

static int deb_reject(struct kmend_error *err, const char *v, size_t len, size_t pos,
                      const char *reason)
{
	return version_reject(err, "deb", v, len, pos, DEB_HINT, "%s", reason);
}

/*
 * The exact parse, with a precise error for whatever is wrong; deb_parse_pair
 * takes it only for versions its fast scan does not vouch for.
 */
static int deb_parse_strict(const char *v, size_t len, struct deb_version *out,
                            struct kmend_error *err)
{
	const unsigned char *s = (const unsigned char *)v, *end = s + len, *p = s;
	const unsigned char *colon, *hyphen;
	int r = version_check_length(err, "deb", v, len);

	if (r < 0)
		return r;
	out->epoch = 0;
	colon = memchr(s, ':', len);
	if (colon) {
		if (colon == s)
			return deb_reject(err, v, len, 1, "the epoch before ':' is empty");
		for (; p < colon; p++) {
			if (!version_is_digit(*p))
				return deb_reject(err, v, len, (size_t)(p - s) + 1,
				                  "the epoch is not a number");
			out->epoch = out->epoch * 10 + (uint64_t)(*p - '0');
			if (out->epoch > INT_MAX)
				return deb_reject(err, v, len, 1, "the epoch is too big");
		}
		p = colon + 1;
		if (p == end)
			return deb_reject(err, v, len, (size_t)(p - s), "nothing after the colon");
	}
	out->upstream = p;
	hyphen = memrchr(p, '-', (size_t)(end - p));
	if (hyphen) {
		if (hyphen + 1 == end)
			return deb_reject(err, v, len, (size_t)(hyphen - s) + 1,
			                  "the revision after '-' is empty");
		out->upstream_end = hyphen;
		out->revision = hyphen + 1;
		out->revision_end = end;
	} else {
		out->upstream_end = end;
		out->revision = out->revision_end = end;
	}
	if (out->upstream == out->upstream_end)
		return deb_reject(err, v, len, (size_t)(p - s) + 1,
		                  "the upstream version is empty");
	if (!(deb_class[*p] & DEB_DIGIT))
		return deb_reject(err, v, len, (size_t)(p - s) + 1,
		                  "the upstream version does not start with a digit");
	for (; p < out->upstream_end; p++)
		if (!(deb_class[*p] & DEB_UPSTREAM))
			return deb_reject(err, v, len, (size_t)(p - s) + 1,
			                  "invalid character in the upstream version");
	for (p = out->revision; p < out->revision_end; p++)
		if (!(deb_class[*p] & DEB_REVISION))
			return deb_reject(err, v, len, (size_t)(p - s) + 1,
			                  "invalid character in the revision");
	return 0;
}

/*
 * dpkg's verrevcmp over spans: alternate runs of non-digits (compared byte by
 * byte by weight, the end of the string weighing 0) and of digits (compared
 * as numbers, however long).
 */
static int deb_compare_part(const unsigned char *a, const unsigned char *ae, const unsigned char *b,
                            const unsigned char *be)
{
	size_t n = (size_t)(ae - a) < (size_t)(be - b) ? (size_t)(ae - a) : (size_t)(be - b);
	size_t k = 0;

	/*
	 * Versions of one package share long prefixes. The shared bytes compare
	 * equal up to the digit run the first difference falls in, so skip to the
	 * start of that run.
	 */
	for (; k + 8 <= n; k += 8) {
		uint64_t wa, wb;
		memcpy(&wa, a + k, 8);
		memcpy(&wb, b + k, 8);
		if (wa != wb)
			break;
	}
	while (k < n && a[k] == b[k])
		k++;
	while (k > 0 && (deb_class[a[k - 1]] & DEB_DIGIT))
		k--;
	a += k;
	b += k;

	while (a < ae || b < be) {
		int first_diff = 0;

		while ((a < ae && !(deb_class[*a] & DEB_DIGIT)) ||
		       (b < be && !(deb_class[*b] & DEB_DIGIT))) {
			int wa = a < ae ? deb_weight[*a] : 0;
			int wb = b < be ? deb_weight[*b] : 0;

			if (wa != wb)
				return version_sign(wa - wb);
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && (deb_class[*a] & deb_class[*b] & DEB_DIGIT)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && (deb_class[*a] & DEB_DIGIT))
			return 1;
		if (b < be && (deb_class[*b] & DEB_DIGIT))
			return -1;
		if (first_diff)
			return version_sign(first_diff);
	}
	return 0;
}

/* The parts of a version that passed deb_scan_pair's fast check; hyphen is last '-' + 1 or 0. */
static inline void deb_split_plain(const unsigned char *s, size_t len, size_t hyphen,
                                   struct deb_version *out)
{
	out->epoch = 0;
	out->upstream = s;
	out->upstream_end = hyphen ? s + hyphen - 1 : s + len;
	out->revision = hyphen ? s + hyphen : s + len;
	out->revision_end = s + len;
}

/*
 * Parse two versions in one pass for the common case: no epoch; letters,
 * digits, . + ~ and -; the first byte a digit; something after the last '-'.
 * Anything else (a colon, an odd byte, an empty part, an over-long version)
 * goes to deb_parse_strict, which gives the exact error. The loop body has no
 * branch (which byte is a '-' is data a predictor cannot learn) and walks both
 * strings together so that its exit is mispredicted once, not twice: the
 * shorter one's index stays on its last byte.
 */
static inline int deb_parse_pair(const char *a, size_t alen, const char *b, size_t blen,
                                 struct deb_version *va, struct deb_version *vb,
                                 struct kmend_error *err)
{
	const unsigned char *sa = (const unsigned char *)a, *sb = (const unsigned char *)b;
	size_t n = alen > blen ? alen : blen, ha = 0, hb = 0;
	unsigned fast = alen > 0 && blen > 0 && n <= KMEND_VERSION_MAX_LEN;
	int r;

	if (fast) {
		for (size_t i = 0; i < n; i++) {
			size_t ia = i < alen ? i : alen - 1, ib = i < blen ? i : blen - 1;
			unsigned char ca = sa[ia], cb = sb[ib];

			fast &= (deb_class[ca] & deb_class[cb] & DEB_PLAIN) / DEB_PLAIN;
			ha = ca == '-' ? ia + 1 : ha;
			hb = cb == '-' ? ib + 1 : hb;
		}
		fast &=
		    (deb_class[sa[0]] & deb_class[sb[0]] & DEB_DIGIT) && ha != alen && hb != blen;
	}
	if (__builtin_expect(fast, 1)) {
		deb_split_plain(sa, alen, ha, va);
		deb_split_plain(sb, blen, hb, vb);
		return 0;
	}
	if ((r = deb_parse_strict(a, alen, va, err)) < 0)
		return r;
	return deb_parse_strict(b, blen, vb, err);
}

static int deb_validate(const char *v, size_t len, struct kmend_error *err)
{
	struct deb_version parsed;

	return deb_parse_strict(v, len, &parsed, err);
}

static int deb_compare(const char *a, size_t alen, const char *b, size_t blen, int *result,
                       struct kmend_error *err)
{
	struct deb_version va, vb;
	int r;

	if ((r = deb_parse_pair(a, alen, b, blen, &va, &vb, err)) < 0)
		return r;
	if (va.epoch != vb.epoch) {
		*result = va.epoch < vb.epoch ? -1 : 1;
		return 0;
	}
	r = deb_compare_part(va.upstream, va.upstream_end, vb.upstream, vb.upstream_end);
	if (r == 0)
		r = deb_compare_part(va.revision, va.revision_end, vb.revision, vb.revision_end);
	*result = r;
	return 0;
}

const struct kmend_version_scheme kmend_version_deb = {
    .name = "deb",
    .description = "Debian and Ubuntu (dpkg)",
    .validate = deb_validate,
    .compare = deb_compare,
};
