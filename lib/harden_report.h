/* Writing a harden plan for people (table) or machines (JSON, docs/harden.md has the schema). */
#ifndef KMEND_HARDEN_REPORT_H
#define KMEND_HARDEN_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "harden.h"
#include "harden_build.h"

/* "table, json". */
extern const char kmend_harden_format_list[];
bool kmend_harden_format_known(const char *name);

/*
 * Write the plan (and, when build is not NULL, what --build did) to out in format. Text from
 * images is escaped. Errors: -KMEND_E_UNKNOWN_NAME (format), -ENOMEM, -EIO naming out_name.
 */
int kmend_harden_write(const struct kmend_harden_plan *p, const struct kmend_harden_build *build,
                       const char *format, FILE *out, const char *out_name,
                       struct kmend_error *err);

#endif
