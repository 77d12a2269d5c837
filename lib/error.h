/* Error values and the error detail that travels from the library to the user. */
#ifndef KMEND_ERROR_H
#define KMEND_ERROR_H

#include <stddef.h>

/*
 * Fallible functions return an int: 0 or more on success, a negative errno or a
 * negative kmend code on failure. kmend codes start at KMEND_E_FIRST so that
 * they never collide with errno values.
 */
enum kmend_errcode {
	KMEND_E_FIRST = 1024,
	KMEND_E_BAD_VERSION = KMEND_E_FIRST, /* a version string the scheme rejects */
	KMEND_E_BAD_INPUT,                   /* malformed input: file, document, reference */
	KMEND_E_TOO_LARGE,                   /* input over one of the limits in kmend_limits.h */
	KMEND_E_UNKNOWN_NAME,                /* a scheme, format or backend name kmend lacks */
	KMEND_E_DIGEST,                      /* content does not match its digest */
	KMEND_E_NETWORK,                     /* transport failure talking to a server */
	KMEND_E_AUTH,                        /* a server refused our credentials */
	KMEND_E_NOT_FOUND,                   /* the named thing does not exist */
	KMEND_E_UNSUPPORTED,                 /* valid input kmend cannot handle yet */
	KMEND_E_CONFLICT,                    /* another writer owns what kmend would change */
	KMEND_E_EXPIRED,                     /* a server forgot the version kmend asked from */
	KMEND_E_LAST,
};

/*
 * What went wrong, for a person: which input (a file, a reference, a version
 * string), where in it, what is wrong and what to do. Library functions fill it
 * when the caller passes one; they never print.
 */
struct kmend_error {
	int code;          /* the negative value the function returned */
	char input[256];   /* the input's name or text, may be empty */
	long line;         /* 1-based line in the input, 0 when not applicable */
	long column;       /* 1-based column (byte) in the input, 0 when not applicable */
	char message[512]; /* what is wrong */
	char hint[256];    /* what to do about it, may be empty */
};

/* The text for a return value: a kmend code or a negative errno. Never NULL. */
const char *kmend_strerror(int code);

/*
 * Fill err (if not NULL) and return code, so that a failing function can end
 * with `return kmend_error_set(err, -KMEND_E_BAD_VERSION, ...)`. input is
 * copied (truncated with "..." if long); fmt is printf-style for message.
 */
int kmend_error_set(struct kmend_error *err, int code, const char *input, long column,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Set the position and the hint of an error already filled; NULL-safe. */
void kmend_error_at_line(struct kmend_error *err, long line);
void kmend_error_hint(struct kmend_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Write "input:line:column: message (hint)" into buf (always NUL-terminated);
 * returns buf. Parts that are empty or 0 are left out.
 */
char *kmend_error_format(const struct kmend_error *err, char *buf, size_t size);

/*
 * Quote len bytes from outside (a version, a key in a file) into buf for a
 * message: bytes a terminal should not see are escaped as \xNN and a long
 * value ends in "...". buf is always NUL-terminated; size is at least 16.
 */
void kmend_error_quote(char *buf, size_t size, const char *v, size_t len);

/* Reset err to "no error"; NULL-safe. */
void kmend_error_clear(struct kmend_error *err);

#endif
