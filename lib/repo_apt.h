/* The apt family's repository parts, shared by pkgmgr_apt.c and its two repo_apt_*.c files. */
#ifndef KMEND_REPO_APT_H
#define KMEND_REPO_APT_H

#include "pkgmgr.h"

/* kmend_pkgmgr_apt's read_repos: the image's sources.list and .sources, or the mirrors. */
int kmend_apt_read_repos(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
                         struct kmend_error *err);

/* kmend_pkgmgr_apt's load: every component's Packages of one repository. */
int kmend_apt_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                   const struct kmend_repo_index **indexes, size_t *n, size_t max,
                   struct kmend_warnings *warnings, struct kmend_error *err);

/* kmend_pkgmgr_apt's parse_index: a Packages file. */
int kmend_apt_parse_packages(char *text, size_t len, const char *url, const char *what,
                             struct kmend_repo_index *index, struct kmend_error *err);

#endif
