/* The error every version scheme gives for a version it rejects. */
#include <stdarg.h>
#include <stdio.h>

#include "kmend_limits.h"
#include "version_internal.h"

int version_reject(struct kmend_error *err, const char *scheme, const char *v, size_t len,
                   size_t pos, const char *hint, const char *fmt, ...)
{
	char quoted[96], reason[256];
	va_list ap;

	if (!err)
		return -KMEND_E_BAD_VERSION;
	kmend_error_quote(quoted, sizeof(quoted), v, len);
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
