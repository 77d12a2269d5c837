/* Running external programs (podman, gpgv, builders): posix_spawn with an argv, never a shell. */
#ifndef KMEND_SUBPROCESS_H
#define KMEND_SUBPROCESS_H

#include <stddef.h>

#include "error.h"

struct kmend_spawn {
	const char *const *argv; /* argv[0] is looked up on PATH; NULL-terminated */
	const char *const *env;  /* NULL: inherit kmend's environment */
	const char *cwd;         /* NULL: kmend's */
	const char *input; /* written to the child's stdin, may be NULL (stdin is /dev/null) */
	size_t input_len;
	size_t max_output; /* cap on each of stdout and stderr kept (0: 1 MiB); the rest is read
	                      and dropped, and *_truncated set */
	int timeout_ms;    /* 0: none; past it the child is killed (SIGKILL) */
};

struct kmend_spawn_result {
	int exit_code;      /* the exit status, or 128 + signal number when killed */
	int timed_out;      /* killed because timeout_ms passed */
	char *out, *errout; /* what it wrote (NUL-terminated, malloc'd), never NULL after success */
	size_t out_len, err_len;
	int out_truncated, err_truncated;
};

/*
 * Run the program and wait for it. A program that runs and fails is a
 * success here: the caller reads res->exit_code. Errors: -ENOENT (argv[0] not
 * found on PATH, err naming it), other -errno. res is filled only on success
 * and freed with kmend_spawn_result_free.
 */
int kmend_spawn_run(const struct kmend_spawn *sp, struct kmend_spawn_result *res,
                    struct kmend_error *err);

void kmend_spawn_result_free(struct kmend_spawn_result *res);

/* The last n lines of text (for quoting a tool's error in a message); a view into text. */
const char *kmend_last_lines(const char *text, size_t len, int n);

#endif
