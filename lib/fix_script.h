/*
 * The shell steps of a fix, as argv arrays for the edit spec of a Kubernetes manifest: the
 * download step (an initContainer of the same image) and the install step (the container's
 * new command, handing over to the original one with exec, or a postStart hook). POSIX sh
 * under set -e; every value kmend writes into them is single-quoted; no "$(" or "$$", which
 * Kubernetes would expand in a command.
 */
#ifndef KMEND_FIX_SCRIPT_H
#define KMEND_FIX_SCRIPT_H

#include <stdbool.h>

#include "error.h"
#include "fix_plan.h"
#include "oci_manifest.h"

/*
 * ["/bin/sh", "-c", SCRIPT]: download every file of plan into dir (an absolute
 * path, the volume's mount point) and fail, naming the file, when one cannot
 * be fetched or its SHA-256 differs from the plan's. Files already there with
 * the right digest are kept (an initContainer may run again). *argv is
 * NULL-terminated and freed with kmend_argv_free. Errors: -KMEND_E_BAD_INPUT
 * (dir not absolute or holding a quote), -ENOMEM.
 */
int kmend_fix_script_download(const struct kmend_fix_plan *plan, const char *dir, char ***argv,
                              struct kmend_error *err);

/*
 * The install step: check the files in dir against the plan and install what
 * is not installed at its planned version yet (a restarted container or a
 * rerun hook installs nothing twice); any failure fails the container. With
 * orig (NULL-terminated) the argv is ["/bin/sh", "-c", SCRIPT, orig...] and
 * the script ends with `exec "$0" "$@"`, so that the original command runs
 * with its arguments byte for byte (Kubernetes appends the container's args
 * after them; orig may be empty when they do). orig NULL: a postStart hook,
 * ["/bin/sh", "-c", SCRIPT]. Errors as for the download step.
 */
int kmend_fix_script_install(const struct kmend_fix_plan *plan, const char *dir,
                             const char *const *orig, char ***argv, struct kmend_error *err);

/*
 * What the new command must carry after the script to run what the container
 * ran before, as Kubernetes chooses it: the spec's command when it has one
 * (its args follow by themselves); else the image's Entrypoint when the spec
 * has args; else Entrypoint and Cmd. command NULL: the spec has none.
 * *out is NULL-terminated (kmend_argv_free). -KMEND_E_NOT_FOUND when that
 * leaves nothing to run (no command, no args, no Entrypoint and no Cmd).
 */
int kmend_fix_original_command(const char *const *command, bool has_args,
                               const struct kmend_image_run_config *run, char ***out,
                               struct kmend_error *err);

void kmend_argv_free(char **argv);

#endif
