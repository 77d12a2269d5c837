/* RFC 3339 timestamps: parsing with fractions and offsets, formatting in UTC. */
#include "rfc3339.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* n decimal digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int kmend_rfc3339_parse(const char *s, struct timespec *out)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, oh, om;
	long nsec = 0, scale = 100000000;
	time_t t;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || !strchr("Tt ", s[10]) || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	s += 19;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++) {
			nsec += (*s - '0') * scale;
			scale /= 10;
		}
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if ((*s == '+' || *s == '-') && !digits(s + 1, 2, &oh) && s[3] == ':' &&
	           !digits(s + 4, 2, &om) && oh < 24 && om < 60) {
		/* Local time at an offset: UTC is that time minus the offset. */
		t += (*s == '+' ? -1 : 1) * (oh * 3600 + om * 60);
		s += 6;
	} else {
		return -EINVAL;
	}
	if (*s)
		return -EINVAL;
	out->tv_sec = t;
	out->tv_nsec = nsec;
	return 0;
}

char *kmend_rfc3339_format(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "1970-01-01T00:00:00Z");
	return buf;
}
