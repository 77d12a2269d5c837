/* The error every version scheme gives for a version it rejects. */
#include <stdarg.h>
#include <stdio.h>

#include "kmend_limits.h"
#include "version_internal.h"

/* Quote v into buf, escaping what a terminal should not see, eliding the middle of long ones. */
static void quote_version(char *buf, size_t size, const char *v, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 8 < size; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
	}
	if (n + 8 >= size)
		n += (size_t)snprintf(buf + n, size - n, "...");
	buf[n] = '\0';
}

int version_reject(struct kmend_error *err, const char *scheme, const char *v, size_t len,
                   size_t pos, const char *hint, const char *fmt, ...)
{
	char quoted[96], reason[256];
	va_list ap;

	if (!err)
		return -KMEND_E_BAD_VERSION;
	quote_version(quoted, sizeof(quoted), v, len);
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (pos > 0)
		kmend_error_set(err, -KMEND_E_BAD_VERSION, NULL, 0,
		                "invalid %s version '%s': %s at position %zu", scheme, quoted,
		                reason, pos);
	else
		kmend_error_set(err, -KMEND_E_BAD_VERSION, NULL, 0, "invalid %s version '%s': %s",
		                scheme, quoted, reason);
	err->column = (long)pos;
	if (hint)
		kmend_error_hint(err, "%s", hint);
	return -KMEND_E_BAD_VERSION;
}

int version_check_length(struct kmend_error *err, const char *scheme, const char *v, size_t len)
{
	if (len == 0)
		return version_reject(err, scheme, v, len, 0, NULL, "the version is empty");
	if (len > KMEND_VERSION_MAX_LEN)
		return version_reject(err, scheme, v, len, 0, NULL,
		                      "%zu bytes long, over the limit of %d", len,
		                      KMEND_VERSION_MAX_LEN);
	return 0;
}
