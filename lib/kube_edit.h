/* Splicing kmend's repair into a manifest's own text, and taking it out again byte for byte. */
#ifndef KMEND_KUBE_EDIT_H
#define KMEND_KUBE_EDIT_H

#include <stddef.h>

#include "error.h"
#include "kube_workload.h"
#include "kube_yaml.h"

/*
 * fix never re-serialises: every part kmend adds to a pod template is new
 * text spliced into the original, in the style of the text around it
 * (block or flow, its indentation and sequence style, CRLF, JSON in JSON
 * files), and every scalar kmend writes is double-quoted so that it reads
 * back exactly. The parts are kmend's by name ("kmend-" prefix) and each
 * one is recorded in the annotation KMEND_KUBE_ANNOTATION on the pod
 * template's metadata: where it is (a path of keys and container names,
 * so that unrelated edits elsewhere do not matter), its length and SHA-256
 * (so that hand edits are noticed), and the bytes it replaced. revert reads
 * that annotation back and restores the original, byte for byte.
 *
 * kmend fix's sequence (test/fix/plan.c's fix_text does it for the tests):
 * kmend_kube_revert the file's text (kmend's old parts out), kmend_kube_parse
 * the result, kmend_kube_find_workloads, scan each container's image and
 * choose the edits, kmend_kube_apply, write the output (src/write_out.h).
 */

#define KMEND_KUBE_ANNOTATION "kmend.dev/repair"

/* Names of everything kmend inserts start with this. */
#define KMEND_KUBE_NAME_PREFIX "kmend-"

enum kmend_kube_install_at {
	/* The container's command becomes the given argv (args are left alone). */
	KMEND_KUBE_INSTALL_ENTRYPOINT,
	/* The argv runs as lifecycle.postStart.exec.command. */
	KMEND_KUBE_INSTALL_POSTSTART,
};

struct kmend_kube_env_var {
	const char *name, *value;
};

/* An init container kmend adds (before the template's own init containers). */
struct kmend_kube_init_container {
	const char *name; /* starts with KMEND_KUBE_NAME_PREFIX */
	const char *image;
	const char *const *command; /* argv; command_count >= 1 */
	size_t command_count;
	const struct kmend_kube_env_var *env;
	size_t env_count;
};

/* What changes in one of the template's containers. */
struct kmend_kube_container_edit {
	size_t container; /* index in the workload's containers */
	enum kmend_kube_install_at install_at;
	const char *const *command; /* argv; command_count >= 1 */
	size_t command_count;
};

/*
 * The repair of one pod template: an emptyDir volume, init containers
 * (run as root, mounting the volume) and, per container, the volume mount
 * and the install step. Strings are UTF-8; the caller keeps them alive for
 * the call only.
 */
struct kmend_kube_edit {
	size_t workload;        /* index in the workloads of the stream */
	const char *volume;     /* the emptyDir volume's name, KMEND_KUBE_NAME_PREFIX... */
	const char *mount_path; /* where the init containers and edited containers mount it */
	const struct kmend_kube_init_container *init;
	size_t init_count;
	const struct kmend_kube_container_edit *containers;
	size_t container_count;
};

/*
 * Apply edits (at most one per workload) to the stream's text into a new
 * malloc'd, NUL-terminated *out of *out_len bytes. The stream must hold no
 * kmend part yet: fix reverts first (kmend_kube_revert), so that fixing its
 * own output replaces kmend's parts and changes nothing when they are the
 * same. A node reached through an alias is edited at its anchor when every
 * place that uses it gets the same edit, and refused otherwise. Before
 * returning, the output is parsed again, checked to hold exactly the
 * requested parts, and reverted in memory to the input, byte for byte.
 * Errors name the file, line and column: -KMEND_E_BAD_INPUT (an edit that
 * does not fit the manifest: a command that is not a list, a container
 * that already has a postStart hook, a name without the kmend- prefix,
 * kmend's annotation already there, an alias shared with other uses),
 * -KMEND_E_UNSUPPORTED (a layout kmend cannot splice into safely),
 * -KMEND_E_TOO_LARGE, -ENOMEM.
 */
int kmend_kube_apply(const struct kmend_kube_stream *s, const struct kmend_kube_workloads *w,
                     const struct kmend_kube_edit *edits, size_t count, char **out, size_t *out_len,
                     struct kmend_error *err);

/*
 * Remove every part kmend inserted into text (len bytes; name for errors)
 * and restore what it replaced, into a new malloc'd, NUL-terminated *out.
 * *reverted (when not NULL) is the number of pod templates restored; with
 * none, *out is a copy of text. A part edited by hand since (its SHA-256
 * differs), moved or gone is refused with -KMEND_E_BAD_INPUT naming it and
 * its line: revert never guesses. Parse errors as kmend_kube_parse.
 */
int kmend_kube_revert(const char *text, size_t len, const char *name, char **out, size_t *out_len,
                      size_t *reverted, struct kmend_error *err);

#endif
