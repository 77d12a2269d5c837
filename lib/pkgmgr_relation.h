/*
 * Package relations (what a package depends on, breaks or provides), parsed from each
 * family's syntax into one form: a conjunction of groups, each a disjunction of
 * alternatives "name [op version] [:arch]". Views point into the parsed text.
 */
#ifndef KMEND_PKGMGR_RELATION_H
#define KMEND_PKGMGR_RELATION_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "span.h"
#include "version.h"

enum kmend_rel_op {
	KMEND_REL_ANY, /* no version constraint */
	KMEND_REL_LT,
	KMEND_REL_LE,
	KMEND_REL_EQ,
	KMEND_REL_GE,
	KMEND_REL_GT,
	KMEND_REL_FUZZY, /* apk '~': the version starts with the given one */
};

struct kmend_rel_alt {
	struct kmend_span name;
	enum kmend_rel_op op;
	struct kmend_span version; /* empty for KMEND_REL_ANY */
	struct kmend_span arch;    /* deb ":any", ":native", ":amd64"; empty when none */
	bool negated;              /* apk "!name": a conflict, not a need */
	bool rich;                 /* rpm rich dependency "(a or b)": kept whole in name */
};

struct kmend_rel_group {
	size_t first, count; /* alternatives alts[first, first + count) */
};

struct kmend_relation {
	struct kmend_rel_alt *alts;
	size_t nalts, alts_capacity;
	struct kmend_rel_group *groups;
	size_t ngroups, groups_capacity;
};

/* A family's relation parser (one of the three below). */
typedef int (*kmend_relation_parser)(const char *text, struct kmend_relation *out,
                                     struct kmend_error *err);

/*
 * Debian's relation fields (Depends, Pre-Depends, Breaks, Provides): groups
 * separated by ',', alternatives by '|', each "name[:arch] [(op version)]
 * [[arch list]] [<profiles>]"; the obsolete '<' and '>' mean '<=' and '>='.
 * Errors: -KMEND_E_BAD_INPUT with err naming the text and the column.
 */
int kmend_relation_parse_deb(const char *text, struct kmend_relation *out, struct kmend_error *err);

/*
 * apk's depends and provides: whitespace-separated "[!]name[op version]"
 * (op one of < <= = >= > ~), each its own group.
 */
int kmend_relation_parse_apk(const char *text, struct kmend_relation *out, struct kmend_error *err);

/*
 * kmend's own serialisation of rpm entries (pkgmgr_dnf.c writes it from
 * primary.xml): one per line, "FLAGS EVR NAME" with FLAGS one of - LT LE EQ GE
 * GT and EVR "-" when none. A name starting with '(' is a rich dependency.
 */
int kmend_relation_parse_rpm(const char *text, struct kmend_relation *out, struct kmend_error *err);

/* Parse provides with parse, calling add for each entry (conflicts and rich entries skipped). */
int kmend_relation_each_provide(
    int (*parse)(const char *, struct kmend_relation *, struct kmend_error *), const char *text,
    int (*add)(void *ctx, const char *name, size_t nlen, const char *ver, size_t vlen), void *ctx);

/*
 * Whether version satisfies "op want" in scheme (KMEND_REL_ANY always does).
 * An invalid version satisfies nothing.
 */
bool kmend_rel_satisfied(const struct kmend_version_scheme *scheme, enum kmend_rel_op op,
                         const char *version, struct kmend_span want);

/* "(>= 1.2)" style text of an alternative for messages: "libc6 (>= 2.36)". */
void kmend_rel_alt_format(const struct kmend_rel_alt *alt, char *out, size_t size);

/* Forget the parsed alternatives, keeping the arrays for reuse. */
void kmend_relation_reset(struct kmend_relation *rel);
void kmend_relation_free(struct kmend_relation *rel);

#endif
