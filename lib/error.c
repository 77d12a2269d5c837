/* kmend_strerror and the error detail struct. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kmend_messages[KMEND_E_LAST - KMEND_E_FIRST] = {
    [KMEND_E_BAD_VERSION - KMEND_E_FIRST] = "invalid version",
    [KMEND_E_BAD_INPUT - KMEND_E_FIRST] = "malformed input",
    [KMEND_E_TOO_LARGE - KMEND_E_FIRST] = "input too large",
    [KMEND_E_UNKNOWN_NAME - KMEND_E_FIRST] = "unknown name",
    [KMEND_E_DIGEST - KMEND_E_FIRST] = "digest mismatch",
    [KMEND_E_NETWORK - KMEND_E_FIRST] = "network error",
    [KMEND_E_AUTH - KMEND_E_FIRST] = "authentication failed",
    [KMEND_E_NOT_FOUND - KMEND_E_FIRST] = "not found",
    [KMEND_E_UNSUPPORTED - KMEND_E_FIRST] = "not supported",
    [KMEND_E_CONFLICT - KMEND_E_FIRST] = "conflict",
    [KMEND_E_EXPIRED - KMEND_E_FIRST] = "expired",
};

const char *kmend_strerror(int code)
{
	int c = code < 0 ? -code : code;

	if (c >= KMEND_E_FIRST && c < KMEND_E_LAST)
		return kmend_messages[c - KMEND_E_FIRST];
	return strerror(c);
}

/* Copy a possibly long input name, marking truncation so nobody mistakes it for the whole. */
static void copy_input(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

int kmend_error_set(struct kmend_error *err, int code, const char *input, long column,
                    const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	kmend_error_clear(err);
	err->code = code;
	err->column = column;
	if (input)
		copy_input(err->input, sizeof(err->input), input);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void kmend_error_at_line(struct kmend_error *err, long line)
{
	if (err)
		err->line = line;
}

void kmend_error_hint(struct kmend_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void kmend_error_quote(char *buf, size_t size, const char *v, size_t len)
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

char *kmend_error_format(const struct kmend_error *err, char *buf, size_t size)
{
	size_t n = 0;

#define APPEND(...)                                                                                \
	do {                                                                                       \
		if (n < size)                                                                      \
			n += (size_t)snprintf(buf + n, size - n, __VA_ARGS__);                     \
	} while (0)

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (err->input[0]) {
		APPEND("%s", err->input);
		if (err->line > 0)
			APPEND(":%ld", err->line);
		if (err->column > 0)
			APPEND(":%ld", err->column);
		APPEND(": ");
	}
	APPEND("%s", err->message[0] ? err->message : kmend_strerror(err->code));
	if (err->hint[0])
		APPEND(" (%s)", err->hint);
#undef APPEND
	return buf;
}

void kmend_error_clear(struct kmend_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}
