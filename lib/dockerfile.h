/*
 * Dockerfiles kmend writes for harden: one that upgrades an image's vulnerable packages, one
 * that moves an application onto another base, and edits to the user's own Dockerfile as a
 * unified diff. Every value that comes from an image (package names, versions, users, paths) is
 * checked against the characters its kind allows before it is written into an instruction: a
 * hostile image cannot inject instructions or shell.
 */
#ifndef KMEND_DOCKERFILE_H
#define KMEND_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* A package to upgrade, and the version to upgrade it to (NULL: the newest). */
struct kmend_dockerfile_package {
	const char *name;
	const char *version;
};

/* Where the upgrade's packages come from when not the image's own repositories. */
struct kmend_dockerfile_mirror {
	const char *url;   /* an apt, apk or rpm-md repository */
	const char *suite; /* apt: the suite to use ("bookworm-security") */
	const char *key;   /* its OpenPGP key (armored or binary), NULL: none */
	size_t key_len;
	bool allow_unsigned; /* no key: trust it anyway */
};

struct kmend_dockerfile_upgrade {
	const char *from;            /* the image, pinned: NAME@sha256:... */
	const char *package_manager; /* "apt", "apk", "dnf", "microdnf" or "yum" */
	const struct kmend_dockerfile_package *packages;
	size_t npackages;
	const char *user;                             /* the image's User: restored after the
	                                                 upgrade; NULL or "" for root */
	const struct kmend_dockerfile_mirror *mirror; /* NULL: the image's repositories */
	bool install; /* install the packages (by name) rather than upgrade them */
};

/*
 * The RUN instruction that upgrades the packages with the family's tool and clears its caches
 * in the same layer (no trailing newline). Errors: -KMEND_E_BAD_INPUT naming a value that
 * cannot be written safely, -KMEND_E_UNSUPPORTED for another package manager, -ENOMEM.
 */
int kmend_dockerfile_upgrade_run(const struct kmend_dockerfile_upgrade *u, char **out,
                                 struct kmend_error *err);

/* A whole Dockerfile: FROM the pinned image, USER root when needed, the RUN, USER back. */
int kmend_dockerfile_upgrade(const struct kmend_dockerfile_upgrade *u, char **out,
                             struct kmend_error *err);

/* How the moved application runs: the old image's config, kept. Every field may be NULL. */
struct kmend_dockerfile_config {
	const char *user, *working_dir;
	char *const *entrypoint, *const *cmd; /* argv, NULL-terminated */
	char *const *env;                     /* "NAME=value" */
	char *const *exposed_ports;           /* "8080/tcp" */
	char *const *labels;                  /* key, value, key, value... */
};

/* The application moved onto another base. */
struct kmend_dockerfile_move {
	const char *old_image;       /* pinned: where the application's files are copied from */
	const char *new_base;        /* pinned */
	char *const *copy;           /* absolute paths, copied to the same place */
	const char *package_manager; /* for packages; may be NULL when there are none */
	const struct kmend_dockerfile_package *packages; /* the application layers' packages the
	                                                    new base lacks: installed by name */
	size_t npackages;
	const struct kmend_dockerfile_config *config;
};

/*
 * A multi-stage Dockerfile: FROM old AS application, FROM new base, the packages, one COPY
 * --from=application per path, then the old image's Env, WorkingDir, User, ExposedPorts,
 * Labels, Entrypoint and Cmd. Errors: -KMEND_E_BAD_INPUT naming a value that cannot be written
 * safely (a control character, a reference with spaces), -ENOMEM.
 */
int kmend_dockerfile_move(const struct kmend_dockerfile_move *m, char **out,
                          struct kmend_error *err);

/* An edit to the user's Dockerfile. */
struct kmend_dockerfile_edit {
	const char *new_from; /* replace the final stage's base with this (NAME@DIGEST), or NULL */
	const char *run;      /* insert this RUN after the final stage's FROM, or NULL */
};

/*
 * Apply edit to text (a Dockerfile named name): *patched (when not NULL) is the new text and
 * *diff the change as a unified diff ("--- a/NAME", "+++ b/NAME"). The final stage is the last
 * FROM (its flags and "AS name" are kept). Errors: -KMEND_E_BAD_INPUT when the file has no
 * FROM, -KMEND_E_UNSUPPORTED when that FROM continues on the next line, -ENOMEM.
 */
int kmend_dockerfile_patch(const char *name, const char *text, size_t len,
                           const struct kmend_dockerfile_edit *edit, char **diff, char **patched,
                           struct kmend_error *err);

/* Whether s is safe as one word in a Dockerfile instruction or a shell command. */
bool kmend_dockerfile_safe_word(const char *s, const char *extra);

#endif
