/* rpm version scheme: [epoch:]version[-release], ordered as rpm orders EVRs (rpmvercmp). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "version.h"
#include "version_internal.h"

#define RPM_HINT                                                                                   \
	"rpm versions are [epoch:]version[-release]: the epoch a number, version and release "     \
	"letters, digits and . _ + ~ ^"

static inline bool rpm_is_alnum(unsigned char c)
{
	return version_is_digit(c) || version_is_alpha(c);
}

/* A byte rpmvercmp skips between segments: anything but letters, digits, '~' and '^'. */
static inline bool rpm_is_separator(unsigned char c)
{
	return !rpm_is_alnum(c) && c != '~' && c != '^';
}

/* Length of the run at p (before end) of bytes that are all digits (digits) or all letters. */
static size_t rpm_segment(const unsigned char *p, const unsigned char *end, bool digits)
{
	const unsigned char *q = p;

	while (q < end && (digits ? version_is_digit(*q) : version_is_alpha(*q)))
		q++;
	return (size_t)(q - p);
}

int kmend_rpmvercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *one = (const unsigned char *)a, *oe = one + alen;
	const unsigned char *two = (const unsigned char *)b, *te = two + blen;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	while (one < oe || two < te) {
		while (one < oe && rpm_is_separator(*one))
			one++;
		while (two < te && rpm_is_separator(*two))
			two++;

		/* '~' sorts before everything, even the end of the string. */
		bool t1 = one < oe && *one == '~', t2 = two < te && *two == '~';
		if (t1 || t2) {
			if (!t1)
				return 1;
			if (!t2)
				return -1;
			one++;
			two++;
			continue;
		}
		/* '^' sorts after the end of the string but before anything else. */
		bool c1 = one < oe && *one == '^', c2 = two < te && *two == '^';
		if (c1 || c2) {
			if (one == oe)
				return -1;
			if (two == te)
				return 1;
			if (!c1)
				return 1;
			if (!c2)
				return -1;
			one++;
			two++;
			continue;
		}
		if (one == oe || two == te)
			break;

		bool digits = version_is_digit(*one);
		size_t n1 = rpm_segment(one, oe, digits), n2 = rpm_segment(two, te, digits);

		/* A numeric segment is newer than an alphabetic one. */
		if (n2 == 0)
			return digits ? 1 : -1;
		const unsigned char *s1 = one, *s2 = two;
		one += n1;
		two += n2;
		if (digits) {
			while (n1 > 0 && *s1 == '0')
				s1++, n1--;
			while (n2 > 0 && *s2 == '0')
				s2++, n2--;
			if (n1 != n2)
				return n1 > n2 ? 1 : -1;
		}
		int r = memcmp(s1, s2, n1 < n2 ? n1 : n2);
		if (r)
			return version_sign(r);
		if (n1 != n2)
			return n1 > n2 ? 1 : -1;
	}
	if (one == oe && two == te)
		return 0;
	return one == oe ? -1 : 1;
}

struct rpm_evr {
	const char *epoch; /* NULL when absent, compared as "0" */
	size_t epoch_len;
	const char *version;
	size_t version_len;
	const char *release; /* NULL when absent: sorts before any release */
	size_t release_len;
};

static int rpm_reject(struct kmend_error *err, const char *v, size_t len, size_t pos,
                      const char *reason)
{
	return version_reject(err, "rpm", v, len, pos, RPM_HINT, "%s", reason);
}

/* Bytes rpmbuild allows in a version or release. */
static bool rpm_is_verrel_char(unsigned char c)
{
	return rpm_is_alnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';
}

static int rpm_check_part(const char *v, size_t len, const char *part, size_t part_len,
                          const char *what, struct kmend_error *err)
{
	char reason[64];

	if (part_len == 0) {
		snprintf(reason, sizeof(reason), "the %s is empty", what);
		return rpm_reject(err, v, len, (size_t)(part - v) + 1, reason);
	}
	for (size_t i = 0; i < part_len; i++) {
		if (!rpm_is_verrel_char((unsigned char)part[i])) {
			snprintf(reason, sizeof(reason), "invalid character in the %s", what);
			return rpm_reject(err, v, len, (size_t)(part - v) + i + 1, reason);
		}
	}
	return 0;
}

/* Split as rpm does: digits then ':' make the epoch; the last '-' after them starts the release. */
static int rpm_parse(const char *v, size_t len, struct rpm_evr *out, struct kmend_error *err)
{
	const char *end = v + len, *p = v, *hyphen;
	int r = version_check_length(err, "rpm", v, len);

	if (r < 0)
		return r;
	while (p < end && version_is_digit((unsigned char)*p))
		p++;
	out->epoch = NULL;
	out->epoch_len = 0;
	if (p < end && *p == ':') {
		if (p == v)
			return rpm_reject(err, v, len, 1, "the epoch before ':' is empty");
		if (p - v > 10 || strtoull(v, NULL, 10) > UINT32_MAX)
			return rpm_reject(err, v, len, 1, "the epoch is too big");
		out->epoch = v;
		out->epoch_len = (size_t)(p - v);
		p++;
	} else {
		p = v;
	}
	hyphen = memrchr(p, '-', (size_t)(end - p));
	out->version = p;
	out->version_len = (size_t)((hyphen ? hyphen : end) - p);
	out->release = hyphen ? hyphen + 1 : NULL;
	out->release_len = hyphen ? (size_t)(end - hyphen - 1) : 0;
	if ((r = rpm_check_part(v, len, out->version, out->version_len, "version", err)) < 0)
		return r;
	if (out->release &&
	    (r = rpm_check_part(v, len, out->release, out->release_len, "release", err)) < 0)
		return r;
	return 0;
}

static int rpm_validate(const char *v, size_t len, struct kmend_error *err)
{
	struct rpm_evr evr;

	return rpm_parse(v, len, &evr, err);
}

static int rpm_compare(const char *a, size_t alen, const char *b, size_t blen, int *result,
                       struct kmend_error *err)
{
	struct rpm_evr ea, eb;
	int r;

	if ((r = rpm_parse(a, alen, &ea, err)) < 0 || (r = rpm_parse(b, blen, &eb, err)) < 0)
		return r;
	r = kmend_rpmvercmp(ea.epoch ? ea.epoch : "0", ea.epoch ? ea.epoch_len : 1,
	                    eb.epoch ? eb.epoch : "0", eb.epoch ? eb.epoch_len : 1);
	if (r == 0)
		r = kmend_rpmvercmp(ea.version, ea.version_len, eb.version, eb.version_len);
	/* As rpmverCmp: a missing release sorts before any release. */
	if (r == 0 && (ea.release || eb.release))
		r = !ea.release ? -1
		    : !eb.release
		        ? 1
		        : kmend_rpmvercmp(ea.release, ea.release_len, eb.release, eb.release_len);
	*result = r;
	return 0;
}

const struct kmend_version_scheme kmend_version_rpm = {
    .name = "rpm",
    .description = "Red Hat, Fedora, SUSE, AlmaLinux, Rocky, Mariner (rpm)",
    .validate = rpm_validate,
    .compare = rpm_compare,
};
