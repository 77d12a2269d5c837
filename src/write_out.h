/* Where a command that rewrites a user's manifest puts the result: stdout, -o OUT, or in place. */
#ifndef KMEND_WRITE_OUT_H
#define KMEND_WRITE_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct cli_output {
	const char *out; /* -o OUT, or NULL */
	bool in_place;   /* --in-place */
};

/* The options text for --help, for commands that take these options. */
extern const char cli_output_options_help[];

/*
 * Write data, made from the file path whose bytes were original (its
 * original_len bytes as read): to standard output; to o->out, atomically
 * (never onto path itself); or, with o->in_place, over path atomically
 * after keeping original in a new backup beside it, path.orig (path.orig.1,
 * .2... when that exists), whose name *backup receives (caller frees).
 * path is never left half-written: a failure leaves it as it was. Errors
 * fill err (-EINVAL for -o onto the input or in place onto a symbolic link,
 * -errno from the file system).
 */
int cli_write_output(const char *path, const struct cli_output *o, const char *original,
                     size_t original_len, const char *data, size_t len, char **backup,
                     struct kmend_error *err);

#endif
