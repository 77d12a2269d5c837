/*
 * Apply journals: for targets whose workloads cannot carry kmend's mark in full (podman), the
 * mark's content is kept in <dir>/<id>.json, private and written atomically: both files' text,
 * the deadline and the phase ("deploying" until the apply settles).
 */
#ifndef KMEND_DEPLOY_JOURNAL_H
#define KMEND_DEPLOY_JOURNAL_H

#include "deploy.h"
#include "error.h"

/* Write (or replace) the journal of mark m in dir (made 0700 if missing), in phase. */
int kmend_apply_journal_write(const char *dir, const struct kmend_apply_mark *m, const char *phase,
                              struct kmend_error *err);

/*
 * Append to out every workload of the journals in dir still "deploying" (a missing dir has
 * none). Errors: a journal kmend did not write (-KMEND_E_BAD_INPUT, naming it), -errno.
 */
int kmend_apply_journal_find(const char *dir, struct kmend_marked_list *out,
                             struct kmend_error *err);

/* Record that apply id ended in phase ("healthy", "rolled-back", "failed"). */
int kmend_apply_journal_settle(const char *dir, const char *id, const char *phase,
                               struct kmend_error *err);

#endif
